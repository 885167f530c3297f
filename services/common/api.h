//  api - Homeward's service API: requests and replies over ZeroMQ, for
//  the results service (cases, photos, candidates, reviews, jobs for the
//  intake workers) and its clients (the CLI, the gateway, the backup
//  service).
//
//  Frames: [routing ...] [empty] [body] [payload]? The payload frame
//  carries bytes (a photo) when a method takes or gives them. The body is
//  protobuf for the methods of proto/homeward/v1/api.proto (api_pb.h: an
//  ApiRequest, an ApiReply) and JSON for the others, which move there one
//  by one: {"id": N, "method": "case.add", "params": {...}, "actor":
//  "who"}, with "role" and "station" when it is made for a signed-in user;
//  a reply is {"id": N, "result": {...}} or {"id": N, "error": {"code":
//  "not_found", "message": "...", "message_zh": "..."}} (the message in
//  English and in Chinese). A JSON body starts with '{', a protobuf one
//  with its first field's tag.
//
//  api_call takes and gives JSON either way: a method on protobuf has its
//  parameters read from the JSON by their definition and its result
//  written as JSON from it (wire/mt_pb_json), for the callers at the edge
//  (the gateway's HTTP answers, the CLI's --json), so that they stay as
//  documented.

#ifndef API_H_INCLUDED
#define API_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "wire/mt_wire.h"

#define API_MAX_JSON_BYTES (4u << 20)
#define API_MAX_PAYLOAD_BYTES (64u << 20)

//  A received request or reply. json (a JSON body), body (a protobuf
//  one: the other is NULL) and payload are owned.
typedef struct {
    mt_route_t route;           //  the frames up to and including the empty one
    json_t *json;
    uint8_t *body;
    size_t body_size;
    uint8_t *payload;
    size_t payload_size;
} api_message_t;

//  Receive one message. MT_EPROTO when the frames are not an API message
//  (route is still filled when it could be read, so the peer can be told).
int api_recv (void *socket, api_message_t *msg, mt_err_t *err);
void api_message_free (api_message_t *msg);

//  Send route (may be NULL: an empty delimiter is sent), json (borrowed) and
//  an optional payload.
int api_send (void *socket, const mt_route_t *route, json_t *json, const void *payload,
              size_t size, mt_err_t *err);
//  The same with a protobuf body.
int api_send_body (void *socket, const mt_route_t *route, const void *body, size_t body_size,
                   const void *payload, size_t size, mt_err_t *err);

//  {"id": id, "error": {"code": name of code, "message": ..., "message_zh":
//  its Chinese}} (new ref): message is a message of the catalog
//  (base/mt_text.h), whose Chinese is looked up.
json_t *api_error (json_t *id, int code, const char *message);
//  The same with an error's messages (err may be NULL: the code's text).
json_t *api_error_of (json_t *id, int code, const mt_err_t *err);
//  {"id": id, "result": result} (steals result).
json_t *api_result (json_t *id, json_t *result);

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

//  Call method with params (borrowed, may be NULL) and an optional payload.
//  On success *result_p is a new reference (and the reply's payload, if any,
//  goes to *reply_payload_p, which the caller frees; may be NULL). An error
//  reply returns its code, with its messages in err (msg_zh: the reply's
//  Chinese, or the code's Chinese and the English from a service without).
int api_call (api_client_t *self, const char *method, json_t *params, const void *payload,
              size_t size, int timeout_ms, json_t **result_p, uint8_t **reply_payload_p,
              size_t *reply_size_p, mt_err_t *err);

#endif
