//  api - Homeward's service API: requests and replies over ZeroMQ between
//  the results service (cases, photos, candidates, reviews) and its
//  clients (the CLI, the gateway, the backup service).
//
//  Frames: [routing ...] [empty] [message] [payload]? The message is
//  protobuf (proto/homeward/v1/api.proto, common/api_pb.h): an ApiRequest
//  with the method's typed parameters, an ApiReply with its typed result
//  or an ApiError (its code's name and its message in English and in
//  Chinese). The payload frame carries bytes (a photo, a chip, a piece of
//  a backup) when a method takes or gives them.
//
//  api_call takes and gives JSON: the parameters are read from the
//  caller's JSON by their definition (wire/mt_pb_json), the result is
//  written as the API documents it (common/api_render), for the callers
//  at the edge (the gateway's HTTP answers, the CLI's --json). JSON is
//  made and read there only.

#ifndef API_H_INCLUDED
#define API_H_INCLUDED

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "wire/mt_wire.h"

#define API_MAX_BODY_BYTES (4u << 20)
#define API_MAX_PAYLOAD_BYTES (64u << 20)

//  A received request or reply: its message (body, protobuf, read by who
//  knows its type) and payload, owned.
typedef struct {
    mt_route_t route;           //  the frames up to and including the empty one
    uint8_t *body;
    size_t body_size;
    uint8_t *payload;
    size_t payload_size;
} api_message_t;

//  Receive one message. MT_EPROTO when the frames are not an API message
//  (route is still filled when it could be read, so the peer can be told).
int api_recv (void *socket, api_message_t *msg, mt_err_t *err);
void api_message_free (api_message_t *msg);

//  Send route (may be NULL: an empty delimiter is sent), a message and an
//  optional payload.
int api_send_body (void *socket, const mt_route_t *route, const void *body, size_t body_size,
                   const void *payload, size_t size, mt_err_t *err);

//  The result code of an error reply's "code" name (MT_EINTERNAL if unknown).
int api_code_from_name (const char *name);

//  The client: requests on the one request stack of Homeward's clients
//  (wire/mt_requester: DEALER, CURVE, a timeout each, Lazy Pirate), as the
//  broker's protobuf client (wire/mt_client) sends its own.
typedef struct api_client api_client_t;

//  Connect to the results service's API, with CURVE on tcp:// as curve says
//  (copied; NULL for inproc:// and ipc://).
int api_client_new (const char *endpoint, const mt_curve_config_t *curve, api_client_t **self_p,
                    mt_err_t *err);
void api_client_destroy (api_client_t **self_p);
//  Who the requests are made for (recorded in the audit log).
void api_client_set_actor (api_client_t *self, const char *actor);
//  The role and station of the person requests are made for (a signed-in
//  user of the gateway; the service applies its rules for them). NULL or
//  "" for none: a request of this machine's operator or of a service.
void api_client_set_role (api_client_t *self, const char *role, const char *station);
//  The error object of the last call's error reply ({"code", "message",
//  and what the service added, e.g. "allowed"}): a new reference, or NULL
//  when the last call did not end with an error reply.
json_t *api_client_last_error (api_client_t *self);
//  While a call waits for its reply, ask gave_up (arg) every 100 ms; when it
//  says true, the call ends at once with MT_EUNAVAILABLE (a client that
//  learnt otherwise that the service is down). NULL: wait the timeout out.
void api_client_set_give_up (api_client_t *self, bool (*gave_up) (void *arg), void *arg);

//  Call method with its parameters (params: a message of its type in
//  api.proto, borrowed) and an optional payload; idempotency_key may be
//  NULL. On success *result_p is its answer (free it with
//  protobuf_c_message_free_unpacked), the reply's payload as below. For a
//  service, which reads the answer's fields.
int api_call_pb (api_client_t *self, const char *method, ProtobufCMessage *params,
                 const char *idempotency_key, const void *payload, size_t size, int timeout_ms,
                 ProtobufCMessage **result_p, uint8_t **reply_payload_p, size_t *reply_size_p,
                 mt_err_t *err);

//  Call method with params (borrowed, may be NULL: its JSON, read by the
//  method's parameters' definition) and an optional payload. MT_ENOTFOUND
//  for a method api.proto does not have. On success *result_p is a new
//  reference (the result as its JSON) (and the reply's payload, if any,
//  goes to *reply_payload_p, which the caller frees; may be NULL). An error
//  reply returns its code, with its messages in err (msg_zh: the reply's
//  Chinese, or the code's Chinese and the English from a service without).
int api_call (api_client_t *self, const char *method, json_t *params, const void *payload,
              size_t size, int timeout_ms, json_t **result_p, uint8_t **reply_payload_p,
              size_t *reply_size_p, mt_err_t *err);

#endif
