//  mt_actor - services in threads behind an inproc pipe.

#include "wire/mt_actor.h"

#include "wire/mt_wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct mt_actor {
    pthread_t thread;
    void *pipe;             //  our end
    void *peer;             //  the actor's end
    mt_actor_fn *fn;
    void *arg;
};

static void *
s_run (void *arg)
{
    mt_actor_t *self = arg;
    self->fn (self->peer, self->arg);
    //  Tell a waiting destroy that the function has returned.
    zmq_send (self->peer, "$DONE", 5, 0);
    return NULL;
}

int
mt_actor_new (mt_actor_fn *fn, void *arg, mt_actor_t **self_p, mt_err_t *err)
{
    static int serial = 0;
    *self_p = NULL;
    mt_actor_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->fn = fn;
    self->arg = arg;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://mt-actor-%p-%d", (void *) self,
              __atomic_fetch_add (&serial, 1, __ATOMIC_RELAXED));
    self->pipe = mt_wire_socket (ZMQ_PAIR, err);
    self->peer = mt_wire_socket (ZMQ_PAIR, err);
    if (!self->pipe || !self->peer || zmq_bind (self->pipe, endpoint) != 0
    ||  zmq_connect (self->peer, endpoint) != 0) {
        if (self->pipe)
            zmq_close (self->pipe);
        if (self->peer)
            zmq_close (self->peer);
        free (self);
        return mt_err_set (err, MT_EIO, "cannot make an actor pipe");
    }
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        zmq_close (self->pipe);
        zmq_close (self->peer);
        free (self);
        return mt_err_set (err, MT_ENOMEM, "cannot start a thread");
    }
    //  The first message is the ready signal: an mt_err_t.
    mt_err_t ready;
    int n = zmq_recv (self->pipe, &ready, sizeof ready, 0);
    if (n != (int) sizeof ready || ready.code != MT_OK) {
        if (n == (int) sizeof ready)
            mt_err_copy (err, ready.code, &ready);
        else
            mt_err_set (err, MT_EINTERNAL, "actor did not start");
        pthread_join (self->thread, NULL);
        zmq_close (self->pipe);
        zmq_close (self->peer);
        free (self);
        return err ? err->code : MT_EINTERNAL;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_actor_destroy (mt_actor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_actor_t *self = *self_p;
    zmq_send (self->pipe, "$TERM", 5, 0);
    //  Wait for $DONE (anything else the actor sent is dropped).
    char buf [16];
    for (;;) {
        int n = zmq_recv (self->pipe, buf, sizeof buf, 0);
        if (n < 0 || (n == 5 && memcmp (buf, "$DONE", 5) == 0))
            break;
    }
    pthread_join (self->thread, NULL);
    zmq_close (self->pipe);
    zmq_close (self->peer);
    free (self);
    *self_p = NULL;
}

void *
mt_actor_pipe (mt_actor_t *self)
{
    return self->pipe;
}

void
mt_actor_ready (void *pipe, int rc, const mt_err_t *err)
{
    mt_err_t ready;
    mt_err_clear (&ready);
    if (rc != MT_OK)
        mt_err_copy (&ready, rc, err);
    zmq_send (pipe, &ready, sizeof ready, 0);
}

int
mt_actor_is_term (void *pipe)
{
    char buf [16];
    int n = zmq_recv (pipe, buf, sizeof buf, ZMQ_DONTWAIT);
    return n == 5 && memcmp (buf, "$TERM", 5) == 0;
}
