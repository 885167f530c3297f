//  mt_wire - sending and receiving mt_msg messages on ZeroMQ sockets, with
//  the routing frames ROUTER sockets need (the context: mt_zmq).

#ifndef MT_WIRE_H_INCLUDED
#define MT_WIRE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "wire/mt_curve.h"
#include "base/mt_error.h"
#include "wire/mt_msg.h"
#include "wire/mt_zmq.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_ROUTE_MAX_FRAMES 4
#define MT_ROUTE_MAX_BYTES 256

//  The frames before the message: a ROUTER's peer identity, a REQ's empty
//  delimiter. Plain data; copy freely.
typedef struct {
    size_t count;
    struct {
        size_t size;
        uint8_t data [MT_ROUTE_MAX_BYTES];
    } frames [MT_ROUTE_MAX_FRAMES];
} mt_route_t;

//  Terminate the process-wide context (at exit, after every socket closed).
void mt_zmq_shutdown (void);

//  A new socket of type (ZMQ_ROUTER, ...) with linger 0 and the message size
//  capped at MT_MSG_MAX_BYTES. NULL with err set on failure.
void *mt_wire_socket (int type, mt_err_t *err);

//  A new socket of type (as mt_wire_socket) connected to endpoint, with
//  CURVE on tcp:// as curve says (may be NULL: then tcp:// is refused; see
//  mt_curve_client). NULL with err set on failure.
void *mt_wire_connect (int type, const char *endpoint, const mt_curve_config_t *curve,
                       mt_err_t *err);

//  Bind socket to endpoint, with CURVE on tcp:// as curve says (see
//  mt_curve_server).
int mt_wire_bind (void *socket, const char *endpoint, const mt_curve_config_t *curve,
                  mt_err_t *err);

//  Receive one message. Returns MT_OK with *msg_p set; MT_EPROTO when the
//  frames arrived but do not hold a valid message (route is still filled so
//  that the sender can be told); MT_ETIMEDOUT / MT_EIO from ZeroMQ. route
//  may be NULL when the socket has no routing frames.
int mt_wire_recv (void *socket, mt_route_t *route, mt_msg_t **msg_p, mt_err_t *err);

//  Send route's frames (may be NULL) then msg. Non-blocking when
//  ZMQ_DONTWAIT is in flags.
int mt_wire_send (void *socket, const mt_route_t *route, const mt_msg_t *msg, int flags,
                  mt_err_t *err);

//  The same for another codec: decode (the last frame's bytes) makes *out_p.
typedef int (mt_wire_decode_fn) (const uint8_t *bytes, size_t size, void **out_p,
                                 mt_err_t *err);
int mt_wire_recv_with (void *socket, mt_route_t *route, mt_wire_decode_fn *decode, void **out_p,
                       mt_err_t *err);

//  Send route's frames (may be NULL) then bytes. MT_ENOTFOUND when a
//  ROUTER_MANDATORY socket's peer is gone, MT_EUNAVAILABLE when ZMQ_DONTWAIT is in
//  flags and the peer's queue is full, MT_EIO otherwise.
int mt_wire_send_bytes (void *socket, const mt_route_t *route, const uint8_t *bytes, size_t size,
                        int flags, mt_err_t *err);

//  Route made of one identity frame (a ROUTER peer) / of one empty frame.
void mt_route_identity (mt_route_t *route, const void *id, size_t size);
void mt_route_delimiter (mt_route_t *route);

#ifdef __cplusplus
}
#endif

#endif
