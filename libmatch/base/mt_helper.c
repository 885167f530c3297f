//  mt_helper - a second thread for one owner's tasks.

#include "base/mt_helper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct mt_helper {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    void (*fn) (void *);            //  the task to run; NULL: none
    void *arg;
    bool busy;                      //  a task started and not yet done
    bool stop;
};

static void *
s_run (void *arg)
{
    mt_helper_t *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->fn && !self->stop)
            pthread_cond_wait (&self->changed, &self->lock);
        if (self->stop)
            break;
        void (*fn) (void *) = self->fn;
        void *task = self->arg;
        self->fn = NULL;
        pthread_mutex_unlock (&self->lock);
        fn (task);
        pthread_mutex_lock (&self->lock);
        self->busy = false;
        pthread_cond_broadcast (&self->changed);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

int
mt_helper_new (mt_helper_t **self_p, mt_err_t *err)
{
    mt_helper_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->changed, NULL);
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        pthread_cond_destroy (&self->changed);
        pthread_mutex_destroy (&self->lock);
        free (self);
        return mt_err_set (err, MT_ENOMEM, "cannot start a helper thread");
    }
    *self_p = self;
    return MT_OK;
}

void
mt_helper_destroy (mt_helper_t **self_p)
{
    mt_helper_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stop = true;
    pthread_cond_broadcast (&self->changed);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->changed);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

void
mt_helper_start (mt_helper_t *self, void (*fn) (void *arg), void *arg)
{
    pthread_mutex_lock (&self->lock);
    self->fn = fn;
    self->arg = arg;
    self->busy = true;
    pthread_cond_broadcast (&self->changed);
    pthread_mutex_unlock (&self->lock);
}

void
mt_helper_wait (mt_helper_t *self)
{
    pthread_mutex_lock (&self->lock);
    while (self->busy)
        pthread_cond_wait (&self->changed, &self->lock);
    pthread_mutex_unlock (&self->lock);
}
