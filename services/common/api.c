//  api - the results service's requests and replies over ZeroMQ.

#include "api.h"
#include "api_pb.h"
#include "api_render.h"

#include "wire/mt_pb_json.h"
#include "wire/mt_requester.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

void
api_message_free (api_message_t *msg)
{
    free (msg->body);
    free (msg->payload);
    msg->body = NULL;
    msg->payload = NULL;
    msg->payload_size = msg->body_size = 0;
}

int
api_recv (void *socket, api_message_t *msg, mt_err_t *err)
{
    memset (msg, 0, sizeof *msg);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int stage = 0;          //  0 routing, 1 the message, 2 payload, 3 too many
    int rc = MT_OK;
    bool more = true;
    while (more) {
        if (zmq_msg_recv (&frame, socket, 0) < 0) {
            zmq_msg_close (&frame);
            return mt_err_set (err, MT_EIO, "receive failed: %s", zmq_strerror (zmq_errno ()));
        }
        more = zmq_msg_more (&frame);
        size_t size = zmq_msg_size (&frame);
        const void *data = zmq_msg_data (&frame);
        if (rc != MT_OK)
            continue;       //  drain the rest
        if (stage == 0) {
            if (msg->route.count == MT_ROUTE_MAX_FRAMES || size > MT_ROUTE_MAX_BYTES) {
                rc = mt_err_set (err, MT_EPROTO, "too many or too large routing frames");
                continue;
            }
            msg->route.frames [msg->route.count].size = size;
            memcpy (msg->route.frames [msg->route.count].data, data, size);
            msg->route.count++;
            if (size == 0)
                stage = 1;
            else
            if (!more)
                rc = mt_err_set (err, MT_EPROTO, "no empty delimiter frame before the message");
        }
        else
        if (stage == 1) {
            if (size > API_MAX_BODY_BYTES)
                rc = mt_err_set (err, MT_EPROTO, "request of %zu bytes is over the limit", size);
            else
            if ((msg->body = malloc (size ? size : 1)) == NULL)
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
            else {
                memcpy (msg->body, data, size);
                msg->body_size = size;
            }
            stage = 2;
        }
        else
        if (stage == 2) {
            if (size > API_MAX_PAYLOAD_BYTES)
                rc = mt_err_set (err, MT_ETOOBIG, "payload of %zu bytes is over the limit", size);
            else
            if ((msg->payload = malloc (size ? size : 1)) == NULL)
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
            else {
                memcpy (msg->payload, data, size);
                msg->payload_size = size;
            }
            stage = 3;
        }
        else
            rc = mt_err_set (err, MT_EPROTO, "too many frames");
    }
    zmq_msg_close (&frame);
    if (rc == MT_OK && stage < 2)
        rc = mt_err_set (err, MT_EPROTO, "no message frame");
    if (rc != MT_OK) {
        mt_route_t route = msg->route;
        api_message_free (msg);
        msg->route = route;
    }
    return rc;
}

int
api_send_body (void *socket, const mt_route_t *route, const void *body, size_t body_size,
               const void *payload, size_t size, mt_err_t *err)
{
    int rc = MT_OK;
    if (route)
        for (size_t i = 0; rc == MT_OK && i < route->count; i++)
            if (zmq_send (socket, route->frames [i].data, route->frames [i].size,
                          ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
                rc = MT_EIO;
    if (rc == MT_OK && !route && zmq_send (socket, "", 0, ZMQ_SNDMORE) < 0)
        rc = MT_EIO;
    if (rc == MT_OK && zmq_send (socket, body, body_size, payload ? ZMQ_SNDMORE : 0) < 0)
        rc = MT_EIO;
    if (rc == MT_OK && payload && zmq_send (socket, payload, size, 0) < 0)
        rc = MT_EIO;
    if (rc != MT_OK)
        return mt_err_set (err, MT_EIO, "send failed: %s", zmq_strerror (zmq_errno ()));
    return MT_OK;
}

int
api_code_from_name (const char *name)
{
    for (int code = 1; name && code < MT_RC_COUNT; code++)
        if (strcmp (mt_rc_name (code), name) == 0)
            return code;
    return MT_EINTERNAL;
}

//  ---------------------------------------------------------------- client

struct api_client {
    mt_requester_t *link;
    char actor [64];
    char role [32], station [512];  //  the caller's, "" when not a person's request
    json_t *last_error;             //  the last error reply's error object, or NULL
    uint64_t next_id;
};

int
api_client_new (const char *endpoint, const mt_curve_config_t *curve, api_client_t **self_p,
                mt_err_t *err)
{
    *self_p = NULL;
    api_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    snprintf (self->actor, sizeof self->actor, "cli");
    self->next_id = (uint64_t) time (NULL) * 1000;
    int rc = mt_requester_new (endpoint, curve, &self->link, err);
    if (rc != MT_OK) {
        api_client_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
api_client_destroy (api_client_t **self_p)
{
    if (self_p && *self_p) {
        mt_requester_destroy (&(*self_p)->link);
        json_decref ((*self_p)->last_error);
        free (*self_p);
        *self_p = NULL;
    }
}

void
api_client_set_actor (api_client_t *self, const char *actor)
{
    snprintf (self->actor, sizeof self->actor, "%s", actor && *actor ? actor : "cli");
}

void
api_client_set_role (api_client_t *self, const char *role, const char *station)
{
    snprintf (self->role, sizeof self->role, "%s", role ? role : "");
    snprintf (self->station, sizeof self->station, "%s", station ? station : "");
}

json_t *
api_client_last_error (api_client_t *self)
{
    return json_incref (self->last_error);
}

void
api_client_set_give_up (api_client_t *self, bool (*gave_up) (void *arg), void *arg)
{
    mt_requester_set_give_up (self->link, gave_up, arg);
}

//  A call waited for and where its answer goes.
typedef struct {
    api_client_t *client;
    const char *method;
    uint64_t id;
    ProtobufCMessage *result;       //  the method's answer, taken out of its reply
    uint8_t *payload;
    size_t payload_size;
} s_call_t;

//  The reply's error object as the call's error (its message in English
//  and Chinese).
static int
s_error_reply (api_client_t *self, json_t *error, mt_err_t *err)
{
    self->last_error = json_incref (error);
    const char *message = json_string_value (json_object_get (error, "message"));
    const char *message_zh = json_string_value (json_object_get (error, "message_zh"));
    int rc = api_code_from_name (json_string_value (json_object_get (error, "code")));
    mt_err_t said;
    //  A service without the Chinese: the catalog's, or the code's.
    mt_err_set (&said, rc, "%s", message ? message : "");
    if (message_zh && *message_zh)
        snprintf (said.msg_zh, sizeof said.msg_zh, "%s", message_zh);
    return mt_err_copy (err, rc, &said);
}

//  The reply (ApiReply) to call: its result, or its error.
static int
s_take (void *arg, void *socket, bool *done, mt_err_t *err)
{
    s_call_t *call = arg;
    api_message_t reply;
    if (api_recv (socket, &reply, err) != MT_OK)
        return MT_EPROTO;
    Homeward__V1__ApiReply *pb = homeward__v1__api_reply__unpack (NULL, reply.body_size,
                                                                  reply.body);
    int rc = pb ? MT_OK : mt_err_set (err, MT_EPROTO, "not an API reply (api.proto)");
    if (pb && (!pb->has_id || pb->id != call->id)) {
        protobuf_c_message_free_unpacked (&pb->base, NULL);
        api_message_free (&reply);
        return MT_OK;           //  a late reply to an earlier call
    }
    *done = pb != NULL;
    const ProtobufCFieldDescriptor *f = api_pb_result_field (call->method);
    if (pb && pb->result_case == HOMEWARD__V1__API_REPLY__RESULT_ERROR) {
        //  {"code", "message", "message_zh"} and what the method added.
        json_t *error = mt_pb_json (&pb->error->base, false);
        if (error && !pb->error->state)
            json_object_del (error, "allowed");
        rc = error ? s_error_reply (call->client, error, err)
                   : mt_err_set (err, MT_ENOMEM, "out of memory");
        json_decref (error);
    }
    else
    if (pb && !(call->result = api_pb_oneof (&pb->base, f)))
        rc = mt_err_set (err, MT_EPROTO, "reply without a result");
    else
    if (pb) {
        //  The answer is the caller's now; the reply goes without it.
        api_pb_set_oneof (&pb->base, f, NULL);
        call->payload = reply.payload;
        call->payload_size = reply.payload_size;
        reply.payload = NULL;
    }
    if (pb)
        protobuf_c_message_free_unpacked (&pb->base, NULL);
    api_message_free (&reply);
    return rc;
}

int
api_call_pb (api_client_t *self, const char *method, ProtobufCMessage *params,
             const char *idempotency_key, const void *payload, size_t size, int timeout_ms,
             ProtobufCMessage **result_p, uint8_t **reply_payload_p, size_t *reply_size_p,
             mt_err_t *err)
{
    *result_p = NULL;
    if (reply_payload_p)
        *reply_payload_p = NULL;
    if (reply_size_p)
        *reply_size_p = 0;
    json_decref (self->last_error);
    self->last_error = NULL;
    const ProtobufCFieldDescriptor *f = api_pb_params_field (method);
    if (!f || !params || params->descriptor != f->descriptor)
        return mt_err_set (err, MT_ENOTFOUND, "unknown method '%s'", method ? method : "");
    void *socket = mt_requester_socket (self->link, err);
    if (!socket)
        return err ? err->code : MT_EUNAVAILABLE;
    Homeward__V1__ApiRequest request = HOMEWARD__V1__API_REQUEST__INIT;
    request.has_id = 1;
    request.id = ++self->next_id;
    request.method = (char *) method;
    request.actor = self->actor;
    request.role = self->role;
    request.station = self->station;
    request.idempotency_key = (char *) idempotency_key;
    api_pb_set_oneof (&request.base, f, params);
    uint8_t *body = NULL;
    size_t body_size = 0;
    int rc = api_pb_pack (&request.base, &body, &body_size, err);
    if (rc == MT_OK)
        rc = api_send_body (socket, NULL, body, body_size, payload, size, err);
    free (body);
    if (rc != MT_OK)
        return rc;
    s_call_t call = { .client = self, .method = method, .id = request.id };
    rc = mt_requester_wait (self->link, timeout_ms, s_take, &call, err);
    if (rc == MT_EUNAVAILABLE)
        return mt_err_set (err, MT_EUNAVAILABLE, "Homeward at %s stopped answering",
                           mt_requester_endpoint (self->link));
    if (rc == MT_ETIMEDOUT)
        return mt_err_set (err, MT_ETIMEDOUT, "no answer from Homeward at %s in %d ms "
                           "(is `homeward serve` running?)", mt_requester_endpoint (self->link),
                           timeout_ms);
    if (rc != MT_OK) {
        free (call.payload);
        return rc;
    }
    *result_p = call.result;
    if (reply_payload_p) {
        *reply_payload_p = call.payload;
        if (reply_size_p)
            *reply_size_p = call.payload_size;
    }
    else
        free (call.payload);
    return MT_OK;
}

int
api_call (api_client_t *self, const char *method, json_t *params, const void *payload,
          size_t size, int timeout_ms, json_t **result_p, uint8_t **reply_payload_p,
          size_t *reply_size_p, mt_err_t *err)
{
    *result_p = NULL;
    if (reply_payload_p)
        *reply_payload_p = NULL;
    if (reply_size_p)
        *reply_size_p = 0;
    json_decref (self->last_error);
    self->last_error = NULL;
    const ProtobufCFieldDescriptor *f = api_pb_params_field (method);
    if (!f)
        return mt_err_set (err, MT_ENOTFOUND, "unknown method '%s'", method ? method : "");
    //  The parameters read from the JSON by their definition (a case's
    //  facts each by its name; idempotency_key goes to the envelope).
    json_t *key = json_object_get (params, "idempotency_key");
    if (key && !json_is_string (key))
        return mt_err_set (err, MT_EINVAL, "%s must be text", "idempotency_key");
    ProtobufCMessage *typed = NULL, *result = NULL;
    int rc = mt_pb_from_json (params, f->descriptor, &typed, err);
    if (rc == MT_OK && f->descriptor == &homeward__v1__case_fields__descriptor)
        rc = api_pb_case_facts_from_json (params, (Homeward__V1__CaseFields *) typed, err);
    if (rc == MT_OK)
        rc = api_call_pb (self, method, typed, key ? json_string_value (key) : NULL, payload,
                          size, timeout_ms, &result, reply_payload_p, reply_size_p, err);
    //  The answer written as the API documents it.
    if (rc == MT_OK && !(*result_p = api_render (result))) {
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
        if (reply_payload_p) {
            free (*reply_payload_p);
            *reply_payload_p = NULL;
        }
    }
    if (typed)
        protobuf_c_message_free_unpacked (typed, NULL);
    if (result)
        protobuf_c_message_free_unpacked (result, NULL);
    return rc;
}
