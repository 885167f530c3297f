//  mt_client - a client of the broker: one request at a time, each with a
//  timeout, on the one request stack of the clients (wire/mt_requester:
//  DEALER, CURVE, Lazy Pirate).

#ifndef MT_CLIENT_H_INCLUDED
#define MT_CLIENT_H_INCLUDED

#include "wire/mt_curve.h"
#include "base/mt_error.h"
#include "wire/mt_msg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_client mt_client_t;

//  Connect to the broker's client endpoint, with CURVE as curve says (copied;
//  may be NULL for inproc:// and ipc://). Caller owns *self_p.
int mt_client_new (const char *endpoint, const mt_curve_config_t *curve, mt_client_t **self_p,
                   mt_err_t *err);

//  Close; NULL-safe; sets *self_p to NULL.
void mt_client_destroy (mt_client_t **self_p);

//  Send request (its request_id is set here) and wait up to timeout_ms for
//  the reply, which the caller owns. An MT_MSG_ERROR reply is returned as
//  its code with its text in err (and no reply). MT_ETIMEDOUT when the
//  broker did not answer.
int mt_client_request (mt_client_t *self, mt_msg_t *request, int timeout_ms,
                       mt_msg_t **reply_p, mt_err_t *err);

//  Wait until every partition has a serving replica (asks for stats every
//  100 ms), up to timeout_ms.
int mt_client_wait_ready (mt_client_t *self, int timeout_ms, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
