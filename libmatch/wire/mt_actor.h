//  mt_actor - a service running in its own thread, spoken to over an
//  inproc PAIR pipe (in the spirit of CZMQ's zactor). The same service code
//  runs inside a test, inside the all-in-one process, or alone in its own
//  process started from main.
//
//  The thread's function receives the pipe and its argument. It must call
//  mt_actor_ready once (with MT_OK, or an error that stops the start), then
//  serve until it reads "$TERM" from the pipe, and return.

#ifndef MT_ACTOR_H_INCLUDED
#define MT_ACTOR_H_INCLUDED

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (mt_actor_fn) (void *pipe, void *arg);

typedef struct mt_actor mt_actor_t;

//  Start fn (pipe, arg) in a new thread and wait until it is ready. If the
//  actor reports an error, the thread is joined and the error returned.
//  arg is borrowed until the actor is destroyed. Caller owns *self_p.
int mt_actor_new (mt_actor_fn *fn, void *arg, mt_actor_t **self_p, mt_err_t *err);

//  Send "$TERM", wait for the thread to end; NULL-safe; sets *self_p NULL.
void mt_actor_destroy (mt_actor_t **self_p);

//  The caller's end of the pipe (for polling or commands).
void *mt_actor_pipe (mt_actor_t *self);

//  Inside the actor: report the start's outcome (err is read when rc fails).
void mt_actor_ready (void *pipe, int rc, const mt_err_t *err);

//  Inside the actor: read one command from the pipe (call when it is
//  readable). Returns 1 for "$TERM", 0 for anything else (ignored).
int mt_actor_is_term (void *pipe);

#ifdef __cplusplus
}
#endif

#endif
