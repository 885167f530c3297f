//  gateway_later - answers that wait without holding a thread (see
//  gateway_later.h).

#include "gateway_later.h"

#include "base/mt_clock.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    struct MHD_Connection *conn;
    int64_t wake_ms;
    char key [96];
} s_waiting_t;

struct gateway_later {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, started;
    s_waiting_t waiting [GATEWAY_LATER_MAX];
    int count;
};

static void *
s_run (void *arg)
{
    gateway_later_t *self = arg;
    pthread_mutex_lock (&self->lock);
    while (!self->stopping) {
        int64_t now = mt_clock_ms (), next = now + 60000;
        //  Resume what is due; keep the rest in place of the resumed.
        for (int i = 0; i < self->count; ) {
            if (self->waiting [i].wake_ms <= now) {
                MHD_resume_connection (self->waiting [i].conn);
                self->waiting [i] = self->waiting [--self->count];
            }
            else {
                if (self->waiting [i].wake_ms < next)
                    next = self->waiting [i].wake_ms;
                i++;
            }
        }
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        int64_t ms = next - now;
        until.tv_sec += ms / 1000;
        until.tv_nsec += (ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000)
            until.tv_sec++, until.tv_nsec -= 1000000000;
        pthread_cond_timedwait (&self->wake, &self->lock, &until);
    }
    for (int i = 0; i < self->count; i++)
        MHD_resume_connection (self->waiting [i].conn);
    self->count = 0;
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

int
gateway_later_new (gateway_later_t **self_p, mt_err_t *err)
{
    gateway_later_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        pthread_mutex_destroy (&self->lock);
        pthread_cond_destroy (&self->wake);
        free (self);
        return mt_err_set (err, MT_EINTERNAL, "cannot start a thread");
    }
    self->started = true;
    *self_p = self;
    return MT_OK;
}

void
gateway_later_stop (gateway_later_t *self)
{
    if (!self || !self->started)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    self->started = false;
}

void
gateway_later_destroy (gateway_later_t **self_p)
{
    gateway_later_t *self = *self_p;
    if (!self)
        return;
    gateway_later_stop (self);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    free (self);
    *self_p = NULL;
}

bool
gateway_later_add (gateway_later_t *self, struct MHD_Connection *conn, const char *key,
                   int delay_ms)
{
    pthread_mutex_lock (&self->lock);
    int same = 0;
    for (int i = 0; i < self->count; i++)
        same += strcmp (self->waiting [i].key, key) == 0;
    bool room = !self->stopping && self->count < GATEWAY_LATER_MAX
             && same < GATEWAY_LATER_PER_KEY;
    if (room) {
        //  Suspended under the lock, so the thread cannot resume it first.
        MHD_suspend_connection (conn);
        s_waiting_t *w = &self->waiting [self->count++];
        w->conn = conn;
        w->wake_ms = mt_clock_ms () + delay_ms;
        snprintf (w->key, sizeof w->key, "%s", key);
        pthread_cond_signal (&self->wake);
    }
    pthread_mutex_unlock (&self->lock);
    return room;
}

int
gateway_later_waiting (gateway_later_t *self)
{
    pthread_mutex_lock (&self->lock);
    int n = self->count;
    pthread_mutex_unlock (&self->lock);
    return n;
}
