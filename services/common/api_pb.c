//  api_pb - the results service's methods on protobuf (api.proto).

#include "api_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The field of d named as method is, with '_' for '.'.
static const ProtobufCFieldDescriptor *
s_field (const ProtobufCMessageDescriptor *d, const char *method)
{
    char name [64];
    if (!method || strlen (method) >= sizeof name)
        return NULL;
    snprintf (name, sizeof name, "%s", method);
    for (char *c = name; *c; c++)
        if (*c == '.')
            *c = '_';
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (d, name);
    //  Only the oneof's fields are methods (not "id", "method" ...).
    return f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type == PROTOBUF_C_TYPE_MESSAGE
         ? f : NULL;
}

const ProtobufCFieldDescriptor *
api_pb_params_field (const char *method)
{
    return s_field (&homeward__v1__api_request__descriptor, method);
}

const ProtobufCFieldDescriptor *
api_pb_result_field (const char *method)
{
    const ProtobufCFieldDescriptor *f = s_field (&homeward__v1__api_reply__descriptor, method);
    return f && strcmp (f->name, "error") != 0 ? f : NULL;
}

ProtobufCMessage *
api_pb_oneof (const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (!m || !f || *(const uint32_t *) ((const char *) m + f->quantifier_offset) != f->id)
        return NULL;
    return *(ProtobufCMessage *const *) ((const char *) m + f->offset);
}

void
api_pb_set_oneof (ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, ProtobufCMessage *value)
{
    *(uint32_t *) ((char *) m + f->quantifier_offset) = value ? f->id : 0;
    *(ProtobufCMessage **) ((char *) m + f->offset) = value;
}

int
api_pb_pack (const ProtobufCMessage *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    size_t size = protobuf_c_message_get_packed_size (m);
    *bytes_p = malloc (size ? size : 1);
    if (!*bytes_p)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    *size_p = protobuf_c_message_pack (m, *bytes_p);
    return MT_OK;
}

int
api_pb_request_read (const uint8_t *bytes, size_t size, Homeward__V1__ApiRequest **request_p,
                     mt_err_t *err)
{
    Homeward__V1__ApiRequest *request = homeward__v1__api_request__unpack (NULL, size, bytes);
    *request_p = request;
    if (!request)
        return mt_err_set (err, MT_EPROTO, "not an API request (api.proto)");
    const ProtobufCFieldDescriptor *f = api_pb_params_field (request->method);
    if (!f || !api_pb_oneof (&request->base, f))
        return mt_err_set (err, MT_EPROTO, "the request names no method of api.proto with "
                           "its parameters: '%s'", request->method ? request->method : "");
    return MT_OK;
}

int
api_pb_reply_pack (uint64_t id, const char *method, int code, const mt_err_t *err,
                   const Homeward__V1__ApiError *more, ProtobufCMessage *result,
                   uint8_t **bytes_p, size_t *size_p, mt_err_t *pack_err)
{
    Homeward__V1__ApiReply reply = HOMEWARD__V1__API_REPLY__INIT;
    reply.has_id = 1;
    reply.id = id;
    Homeward__V1__ApiError error = HOMEWARD__V1__API_ERROR__INIT;
    mt_err_t said;
    const ProtobufCFieldDescriptor *f = api_pb_result_field (method);
    if (code == MT_OK && f && result)
        api_pb_set_oneof (&reply.base, f, result);
    else {
        if (code == MT_OK)
            code = MT_EINTERNAL;
        mt_err_copy (&said, code, err);
        if (!said.msg [0])              //  a method that failed without saying why
            mt_err_copy (&said, code, NULL);
        error.code = (char *) mt_rc_name (code);
        error.message = said.msg;
        error.message_zh = said.msg_zh;
        if (more) {
            error.state = more->state;
            error.allowed = more->allowed;
            error.n_allowed = more->n_allowed;
        }
        reply.result_case = HOMEWARD__V1__API_REPLY__RESULT_ERROR;
        reply.error = &error;
    }
    return api_pb_pack (&reply.base, bytes_p, size_p, pack_err);
}

int
api_pb_case_facts_from_json (json_t *params, Homeward__V1__CaseFields *fields, mt_err_t *err)
{
    const char *key;
    json_t *value;
    size_t count = 0;
    json_object_foreach (params, key, value)
        count++;
    //  Facts are keys of their own: a "facts" list given as such (read into
    //  fields as any field is) is let go, not added to (it overflowed the
    //  list made for the keys, and leaked).
    for (size_t i = 0; i < fields->n_facts; i++)
        protobuf_c_message_free_unpacked (&fields->facts [i]->base, NULL);
    free (fields->facts);
    fields->n_facts = 0;
    fields->facts = count ? calloc (count, sizeof *fields->facts) : NULL;
    if (count && !fields->facts)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    json_object_foreach (params, key, value) {
        if (json_is_null (value) || strcmp (key, "idempotency_key") == 0
        ||  protobuf_c_message_descriptor_get_field_by_name (fields->base.descriptor, key))
            continue;
        //  jansson holds UTF-8, but a "\u0000" inside would cut the text short.
        if (json_is_string (value) && strlen (json_string_value (value))
                                      != json_string_length (value))
            return mt_err_set (err, MT_EINVAL, "%s is not valid UTF-8 text", key);
        Homeward__V1__CaseFact *fact = malloc (sizeof *fact);
        if (!fact)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        homeward__v1__case_fact__init (fact);
        fields->facts [fields->n_facts++] = fact;
        if (!(fact->name = strdup (key)))
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        if (json_is_string (value)) {
            fact->value_case = HOMEWARD__V1__CASE_FACT__VALUE_TEXT;
            if (!(fact->text = strdup (json_string_value (value))))
                return mt_err_set (err, MT_ENOMEM, "out of memory");
        }
        else
        if (json_is_integer (value)) {
            fact->value_case = HOMEWARD__V1__CASE_FACT__VALUE_NUMBER;
            fact->number = json_integer_value (value);
        }
        else {
            fact->value_case = HOMEWARD__V1__CASE_FACT__VALUE_OTHER;
            fact->other = 1;
        }
    }
    return MT_OK;
}
