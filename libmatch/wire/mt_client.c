//  mt_client - requests to the broker with timeouts.

#include "wire/mt_client.h"
#include "base/mt_clock.h"

#include "wire/mt_requester.h"
#include "wire/mt_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mt_client {
    mt_requester_t *link;
    uint64_t next_id;
};

int
mt_client_new (const char *endpoint, const mt_curve_config_t *curve, mt_client_t **self_p,
               mt_err_t *err)
{
    *self_p = NULL;
    mt_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->next_id = (uint64_t) time (NULL) << 20;
    int rc = mt_requester_new (endpoint, curve, &self->link, err);
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
        mt_requester_destroy (&(*self_p)->link);
        free (*self_p);
        *self_p = NULL;
    }
}

//  The request waited for and where its reply goes.
typedef struct {
    uint64_t request_id;
    mt_msg_t *reply;
} s_wait_t;

static int
s_take (void *arg, void *socket, bool *done, mt_err_t *err)
{
    s_wait_t *wait = arg;
    mt_route_t route;
    mt_msg_t *reply;
    int rc = mt_wire_recv (socket, &route, &reply, err);
    if (rc != MT_OK) {
        *done = rc == MT_EPROTO;
        return rc;
    }
    if (reply->request_id != wait->request_id && reply->request_id != 0) {
        mt_msg_destroy (&reply);        //  a late answer to an earlier request
        return MT_OK;
    }
    *done = true;
    if (reply->type == MT_MSG_ERROR) {
        rc = mt_msg_to_err (reply, err);
        mt_msg_destroy (&reply);
        return rc;
    }
    wait->reply = reply;
    return MT_OK;
}

int
mt_client_request (mt_client_t *self, mt_msg_t *request, int timeout_ms, mt_msg_t **reply_p,
                   mt_err_t *err)
{
    *reply_p = NULL;
    void *socket = mt_requester_socket (self->link, err);
    if (!socket)
        return err ? err->code : MT_EUNAVAILABLE;
    request->request_id = ++self->next_id;
    mt_route_t empty;
    mt_route_delimiter (&empty);
    int rc = mt_wire_send (socket, &empty, request, 0, err);
    if (rc != MT_OK)
        return rc;
    s_wait_t wait = { .request_id = request->request_id };
    rc = mt_requester_wait (self->link, timeout_ms, s_take, &wait, err);
    if (rc == MT_ETIMEDOUT || rc == MT_EUNAVAILABLE)
        return mt_err_set (err, rc, "no answer from the broker at %s in %d ms",
                           mt_requester_endpoint (self->link), timeout_ms);
    *reply_p = wait.reply;
    return rc;
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
