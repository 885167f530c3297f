//  mt_client - requests to the broker with timeouts.

#include "wire/mt_client.h"
#include "base/mt_clock.h"

#include "wire/mt_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

struct mt_client {
    char endpoint [256];
    mt_curve_config_t curve;
    bool secure;                    //  curve was given
    void *socket;
    uint64_t next_id;
};

static int
s_connect (mt_client_t *self, mt_err_t *err)
{
    if (self->socket)
        zmq_close (self->socket);
    mt_err_t local;
    self->socket = mt_wire_connect (ZMQ_DEALER, self->endpoint, self->secure ? &self->curve : NULL,
                                    err ? err : &local);
    return self->socket ? MT_OK : err ? err->code : local.code;
}

int
mt_client_new (const char *endpoint, const mt_curve_config_t *curve, mt_client_t **self_p,
               mt_err_t *err)
{
    *self_p = NULL;
    mt_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (curve) {
        self->curve = *curve;
        self->secure = true;
    }
    self->next_id = (uint64_t) time (NULL) << 20;
    int rc = s_connect (self, err);
    if (rc != MT_OK) {
        mt_client_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_client_destroy (mt_client_t **self_p)
{
    if (self_p && *self_p) {
        if ((*self_p)->socket)
            zmq_close ((*self_p)->socket);
        free (*self_p);
        *self_p = NULL;
    }
}

int
mt_client_request (mt_client_t *self, mt_msg_t *request, int timeout_ms, mt_msg_t **reply_p,
                   mt_err_t *err)
{
    *reply_p = NULL;
    if (!self->socket) {
        //  The last reconnect failed (a key file went away?): try again.
        int rc = s_connect (self, err);
        if (rc != MT_OK)
            return rc;
    }
    request->request_id = ++self->next_id;
    mt_route_t empty;
    mt_route_delimiter (&empty);
    int rc = mt_wire_send (self->socket, &empty, request, 0, err);
    if (rc != MT_OK)
        return rc;
    int64_t deadline = mt_clock_ms () + timeout_ms;
    for (;;) {
        int64_t wait = deadline - mt_clock_ms ();
        zmq_pollitem_t item = { self->socket, 0, ZMQ_POLLIN, 0 };
        if (wait <= 0 || zmq_poll (&item, 1, (long) wait) <= 0 || !(item.revents & ZMQ_POLLIN)) {
            if (mt_clock_ms () < deadline)
                continue;       //  interrupted
            s_connect (self, NULL);
            return mt_err_set (err, MT_ETIMEDOUT, "no answer from the broker at %s in %d ms",
                               self->endpoint, timeout_ms);
        }
        mt_route_t route;
        mt_msg_t *reply;
        rc = mt_wire_recv (self->socket, &route, &reply, err);
        if (rc == MT_EPROTO)
            return rc;
        if (rc != MT_OK)
            continue;
        if (reply->request_id != request->request_id && reply->request_id != 0) {
            mt_msg_destroy (&reply);        //  a late answer to an earlier request
            continue;
        }
        if (reply->type == MT_MSG_ERROR) {
            rc = mt_msg_to_err (reply, err);
            mt_msg_destroy (&reply);
            return rc;
        }
        *reply_p = reply;
        return MT_OK;
    }
}

int
mt_client_wait_ready (mt_client_t *self, int timeout_ms, mt_err_t *err)
{
    int64_t deadline = mt_clock_ms () + timeout_ms;
    char last [MT_ERR_MSG_MAX] = "no answer";
    while (mt_clock_ms () < deadline) {
        mt_msg_t *stats = mt_msg_new (MT_MSG_STATS), *reply = NULL;
        mt_err_t why;
        int rc = stats ? mt_client_request (self, stats, 1000, &reply, &why) : MT_ENOMEM;
        mt_msg_destroy (&stats);
        if (rc == MT_OK) {
            uint32_t ready = 0;
            for (uint32_t p = 0; p < reply->partitions; p++) {
                bool serving = false;
                for (size_t i = 0; i < reply->replica_count; i++)
                    serving |= reply->replica_status [i].partition == p
                             && strcmp (reply->replica_status [i].state, "serving") == 0;
                ready += serving;
            }
            snprintf (last, sizeof last, "%u of %u partitions serving", ready,
                      reply->partitions);
            bool all = ready == reply->partitions;
            mt_msg_destroy (&reply);
            if (all)
                return MT_OK;
        }
        else
            snprintf (last, sizeof last, "%s", why.msg);
        struct timespec pause = { 0, 100 * 1000000 };
        nanosleep (&pause, NULL);
    }
    return mt_err_set (err, MT_ETIMEDOUT, "the index is not ready after %d ms: %s", timeout_ms,
                       last);
}
