//  mt_helper - a second thread that runs one task at a time for its owner,
//  so that two independent parts of one piece of work (a face's two
//  descriptors) run at once on two cores. One owner thread starts a task
//  and waits for it; tasks do not queue.

#ifndef MT_HELPER_H_INCLUDED
#define MT_HELPER_H_INCLUDED

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_helper mt_helper_t;

//  Start the thread. MT_ENOMEM when it cannot be started.
int mt_helper_new (mt_helper_t **self_p, mt_err_t *err);

//  Stop and join the thread; NULL-safe; sets *self_p to NULL. No task may
//  be running.
void mt_helper_destroy (mt_helper_t **self_p);

//  Run fn (arg) on the helper's thread; returns at once. The previous
//  task must have been waited for.
void mt_helper_start (mt_helper_t *self, void (*fn) (void *arg), void *arg);

//  Wait until the task started last has run.
void mt_helper_wait (mt_helper_t *self);

#ifdef __cplusplus
}
#endif

#endif
