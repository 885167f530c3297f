//  mt_requester - the one request stack of Homeward's clients: one request
//  at a time over a DEALER socket, CURVE on tcp://, each request with a
//  timeout (Lazy Pirate: after a timeout the socket is remade, so a late
//  reply can never be taken for the next one's), and, while waiting, a
//  question every 100 ms whether the caller learnt otherwise that the peer
//  is gone. The messages are the caller's: mt_client (the broker's
//  protobuf) and the API client (common/api.c) send on its socket and say
//  which arriving message is their reply.

#ifndef MT_REQUESTER_H_INCLUDED
#define MT_REQUESTER_H_INCLUDED

#include <stdbool.h>

#include "base/mt_error.h"
#include "wire/mt_curve.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_requester mt_requester_t;

//  Connect to endpoint, with CURVE as curve says (copied; NULL for
//  inproc:// and ipc://). Caller owns *self_p.
int mt_requester_new (const char *endpoint, const mt_curve_config_t *curve,
                      mt_requester_t **self_p, mt_err_t *err);
//  Close; NULL-safe; sets *self_p to NULL.
void mt_requester_destroy (mt_requester_t **self_p);
const char *mt_requester_endpoint (const mt_requester_t *self);

//  The socket to send a request on (connected again first when the last
//  reconnect failed); NULL after saying why.
void *mt_requester_socket (mt_requester_t *self, mt_err_t *err);

//  While a request waits, ask gave_up (arg) every 100 ms; when it says
//  true, the wait ends at once with MT_EUNAVAILABLE. NULL: wait the
//  timeout out.
void mt_requester_set_give_up (mt_requester_t *self, bool (*gave_up) (void *arg), void *arg);

//  Reads one arrived message from socket: returns its result with *done
//  true when it was the reply (an error reply's code, or a malformed
//  reply), or with *done false when it was not (a late reply to an
//  earlier request; the wait goes on).
typedef int (mt_requester_take_fn) (void *arg, void *socket, bool *done, mt_err_t *err);

//  Wait up to timeout_ms for the reply, giving each message that arrives to
//  take. Returns take's result for the reply; MT_ETIMEDOUT when none came
//  in time and MT_EUNAVAILABLE when gave_up said so (the socket is remade
//  in both cases; err is left for the caller to word).
int mt_requester_wait (mt_requester_t *self, int timeout_ms, mt_requester_take_fn *take,
                       void *arg, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
