//  mt_wire - mt_msg messages over ZeroMQ.

#include "wire/mt_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void
mt_zmq_shutdown (void)
{
    mt_zmq_context_term ();
    //  The context's end made the ZAP handler's socket return; join it.
    mti_curve_reap ();
}

void *
mt_wire_socket (int type, mt_err_t *err)
{
    void *socket = zmq_socket (mt_zmq_context (), type);
    if (!socket) {
        mt_err_set (err, MT_EIO, "cannot create a ZeroMQ socket: %s", zmq_strerror (zmq_errno ()));
        return NULL;
    }
    int linger = 0;
    int64_t max = MT_MSG_MAX_BYTES;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (socket, ZMQ_MAXMSGSIZE, &max, sizeof max);
    return socket;
}

void *
mt_wire_connect (int type, const char *endpoint, const mt_curve_config_t *curve, mt_err_t *err)
{
    void *socket = mt_wire_socket (type, err);
    if (!socket)
        return NULL;
    if (mt_curve_client (socket, endpoint, curve, err) != MT_OK) {
        zmq_close (socket);
        return NULL;
    }
    if (zmq_connect (socket, endpoint) != 0) {
        mt_err_set (err, MT_EINVAL, "cannot connect to %s: %s", endpoint,
                    zmq_strerror (zmq_errno ()));
        zmq_close (socket);
        return NULL;
    }
    return socket;
}

int
mt_wire_bind (void *socket, const char *endpoint, const mt_curve_config_t *curve, mt_err_t *err)
{
    int rc = mt_curve_server (socket, endpoint, curve, err);
    if (rc == MT_OK && zmq_bind (socket, endpoint) != 0)
        rc = mt_err_set (err, MT_EIO, "cannot bind %s: %s", endpoint, zmq_strerror (zmq_errno ()));
    return rc;
}

void
mt_route_identity (mt_route_t *route, const void *id, size_t size)
{
    route->count = 1;
    route->frames [0].size = size < MT_ROUTE_MAX_BYTES ? size : MT_ROUTE_MAX_BYTES;
    memcpy (route->frames [0].data, id, route->frames [0].size);
}

void
mt_route_delimiter (mt_route_t *route)
{
    route->count = 1;
    route->frames [0].size = 0;
}

//  Unroutable (a ROUTER_MANDATORY peer that is gone): MT_ENOTFOUND; a
//  full queue under ZMQ_DONTWAIT: MT_EUNAVAILABLE; else MT_EIO.
static int
s_send_failed (mt_err_t *err)
{
    int e = zmq_errno ();
    int code = e == EHOSTUNREACH ? MT_ENOTFOUND : e == EAGAIN ? MT_EUNAVAILABLE : MT_EIO;
    return mt_err_set (err, code, "send failed: %s", zmq_strerror (e));
}

int
mt_wire_recv_with (void *socket, mt_route_t *route, mt_wire_decode_fn *decode, void **out_p,
                   mt_err_t *err)
{
    *out_p = NULL;
    if (route)
        route->count = 0;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    size_t frames = 0;
    int extra = 0;
    for (;;) {
        if (zmq_msg_recv (&frame, socket, 0) < 0) {
            int e = zmq_errno ();
            zmq_msg_close (&frame);
            return mt_err_set (err, e == EAGAIN ? MT_ETIMEDOUT : MT_EIO, "receive failed: %s",
                               zmq_strerror (e));
        }
        frames++;
        if (!zmq_msg_more (&frame))
            break;
        //  Every frame but the last is routing.
        if (route && route->count < MT_ROUTE_MAX_FRAMES && zmq_msg_size (&frame) <= MT_ROUTE_MAX_BYTES) {
            route->frames [route->count].size = zmq_msg_size (&frame);
            memcpy (route->frames [route->count].data, zmq_msg_data (&frame), zmq_msg_size (&frame));
            route->count++;
        }
        else
            extra = 1;
    }
    int rc;
    if (extra)
        rc = mt_err_set (err, MT_EPROTO, "message with %zu frames or oversized routing frames",
                         frames);
    else
        rc = decode (zmq_msg_data (&frame), zmq_msg_size (&frame), out_p, err);
    zmq_msg_close (&frame);
    return rc;
}

static int
s_decode_msg (const uint8_t *bytes, size_t size, void **out_p, mt_err_t *err)
{
    mt_msg_t *msg = NULL;
    int rc = mt_msg_decode (bytes, size, &msg, err);
    *out_p = msg;
    return rc;
}

int
mt_wire_recv (void *socket, mt_route_t *route, mt_msg_t **msg_p, mt_err_t *err)
{
    void *msg = NULL;
    int rc = mt_wire_recv_with (socket, route, s_decode_msg, &msg, err);
    *msg_p = msg;
    return rc;
}

int
mt_wire_send_bytes (void *socket, const mt_route_t *route, const uint8_t *bytes, size_t size,
                    int flags, mt_err_t *err)
{
    for (size_t i = 0; route && i < route->count; i++)
        if (zmq_send (socket, route->frames [i].data, route->frames [i].size,
                      flags | ZMQ_SNDMORE) < 0)
            return s_send_failed (err);
    return zmq_send (socket, bytes, size, flags) < 0 ? s_send_failed (err) : MT_OK;
}

int
mt_wire_send (void *socket, const mt_route_t *route, const mt_msg_t *msg, int flags,
              mt_err_t *err)
{
    uint8_t *bytes;
    size_t size;
    int rc = mt_msg_encode (msg, &bytes, &size, err);
    if (rc == MT_OK)
        rc = mt_wire_send_bytes (socket, route, bytes, size, flags, err);
    free (bytes);
    return rc;
}
