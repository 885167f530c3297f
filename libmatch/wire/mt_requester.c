//  mt_requester - one request at a time over a DEALER socket, with a
//  timeout, CURVE and a way to give up early.

#include "wire/mt_requester.h"
#include "base/mt_clock.h"
#include "wire/mt_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

//  How often a waiting request asks whether to give up.
#define S_GIVE_UP_MS 100

struct mt_requester {
    char endpoint [256];
    mt_curve_config_t curve;
    bool secure;                    //  curve was given
    void *socket;
    bool (*gave_up) (void *arg);
    void *gave_up_arg;
};

static int
s_connect (mt_requester_t *self, mt_err_t *err)
{
    if (self->socket)
        zmq_close (self->socket);
    mt_err_t local;
    self->socket = mt_wire_connect (ZMQ_DEALER, self->endpoint,
                                    self->secure ? &self->curve : NULL, err ? err : &local);
    return self->socket ? MT_OK : err ? err->code : local.code;
}

int
mt_requester_new (const char *endpoint, const mt_curve_config_t *curve,
                  mt_requester_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_requester_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (curve) {
        self->curve = *curve;
        self->secure = true;
    }
    int rc = s_connect (self, err);
    if (rc != MT_OK) {
        mt_requester_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_requester_destroy (mt_requester_t **self_p)
{
    if (self_p && *self_p) {
        if ((*self_p)->socket)
            zmq_close ((*self_p)->socket);
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
mt_requester_endpoint (const mt_requester_t *self)
{
    return self->endpoint;
}

void *
mt_requester_socket (mt_requester_t *self, mt_err_t *err)
{
    //  The last reconnect failed (a key file went away?): try again.
    if (!self->socket && s_connect (self, err) != MT_OK)
        return NULL;
    return self->socket;
}

void
mt_requester_set_give_up (mt_requester_t *self, bool (*gave_up) (void *arg), void *arg)
{
    self->gave_up = gave_up;
    self->gave_up_arg = arg;
}

int
mt_requester_wait (mt_requester_t *self, int timeout_ms, mt_requester_take_fn *take,
                   void *arg, mt_err_t *err)
{
    if (!self->socket)
        return MT_EUNAVAILABLE;
    int64_t deadline = mt_clock_ms () + timeout_ms;
    for (;;) {
        int64_t wait = deadline - mt_clock_ms ();
        if (self->gave_up && wait > S_GIVE_UP_MS)
            wait = S_GIVE_UP_MS;
        zmq_pollitem_t item = { self->socket, 0, ZMQ_POLLIN, 0 };
        if (wait <= 0 || zmq_poll (&item, 1, (long) wait) <= 0 || !(item.revents & ZMQ_POLLIN)) {
            bool gone = self->gave_up && self->gave_up (self->gave_up_arg);
            if (!gone && mt_clock_ms () < deadline)
                continue;       //  a slice passed, or interrupted
            s_connect (self, NULL);
            return gone ? MT_EUNAVAILABLE : MT_ETIMEDOUT;
        }
        bool done = false;
        int rc = take (arg, self->socket, &done, err);
        if (done)
            return rc;
    }
}
