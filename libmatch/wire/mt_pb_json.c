//  mt_pb_json - a protobuf message as JSON and back, from its descriptors.

#include "wire/mt_pb_json.h"

#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- to JSON

//  How a message is written: bytes or not, and who writes which kinds.
typedef struct {
    bool with_bytes;
    mt_pb_json_hook_t hook;
    void *arg;
} s_how_t;

static json_t *
s_message_json (const ProtobufCMessage *m, const s_how_t *how)
{
    json_t *json = how->hook && m ? how->hook (m, how->arg) : NULL;
    return json ? json : mt_pb_json_fields (m, how->with_bytes, how->hook, how->arg);
}

//  One value of a field (at points to it) as JSON; NULL when out of memory.
static json_t *
s_value_json (const ProtobufCFieldDescriptor *f, const void *at, const s_how_t *how)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *) at);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *) at);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return json_integer ((json_int_t) *(const int64_t *) at);
        case PROTOBUF_C_TYPE_FLOAT:
            return json_real (*(const float *) at);
        case PROTOBUF_C_TYPE_DOUBLE:
            return json_real (*(const double *) at);
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *) at);
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (
                f->descriptor, *(const int *) at);
            return v ? json_string (v->name) : json_integer (*(const int *) at);
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *text = *(const char *const *) at;
            return json_string (text ? text : "");
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *data = at;
            size_t size = sodium_base64_encoded_len (data->len, sodium_base64_VARIANT_ORIGINAL);
            char *text = malloc (size);
            if (!text)
                return NULL;
            sodium_bin2base64 (text, size, data->data, data->len, sodium_base64_VARIANT_ORIGINAL);
            json_t *value = json_string (text);
            free (text);
            return value;
        }
        default:        //  a message
            return s_message_json (*(const ProtobufCMessage *const *) at, how);
    }
}

//  The bytes one item of a repeated field takes in its array.
static size_t
s_item_size (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        default:
            return 4;
    }
}

//  Whether a singular field is there: a oneof's when it is the one set, a
//  proto2 optional one when given, a message when it is, any other always.
static bool
s_present (const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *at = (const char *) m + f->offset;
    const void *quantifier = (const char *) m + f->quantifier_offset;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *) quantifier == f->id;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(const void *const *) at != NULL;
    if (f->label != PROTOBUF_C_LABEL_OPTIONAL)
        return true;
    if (f->type == PROTOBUF_C_TYPE_STRING)
        return *(const char *const *) at != NULL
            && *(const void *const *) at != f->default_value;
    return *(const protobuf_c_boolean *) quantifier;
}

json_t *
mt_pb_json (const ProtobufCMessage *m, bool with_bytes)
{
    s_how_t how = { .with_bytes = with_bytes };
    return s_message_json (m, &how);
}

json_t *
mt_pb_json_hooked (const ProtobufCMessage *m, bool with_bytes, mt_pb_json_hook_t hook, void *arg)
{
    s_how_t how = { .with_bytes = with_bytes, .hook = hook, .arg = arg };
    return s_message_json (m, &how);
}

json_t *
mt_pb_json_fields (const ProtobufCMessage *m, bool with_bytes, mt_pb_json_hook_t hook, void *arg)
{
    s_how_t how = { .with_bytes = with_bytes, .hook = hook, .arg = arg };
    json_t *object = m ? json_object () : NULL;
    const ProtobufCMessageDescriptor *d = m ? m->descriptor : NULL;
    for (unsigned i = 0; object && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        const char *at = (const char *) m + f->offset;
        if (f->type == PROTOBUF_C_TYPE_BYTES && !with_bytes)
            continue;
        json_t *value;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) ((const char *) m + f->quantifier_offset);
            size_t size = s_item_size (f);
            const char *items = *(const char *const *) at;
            value = json_array ();
            for (size_t k = 0; value && k < count; k++)
                if (json_array_append_new (value, s_value_json (f, items + k * size,
                                                                &how)) != 0) {
                    json_decref (value);
                    value = NULL;
                }
        }
        else
        if (s_present (m, f))
            value = s_value_json (f, at, &how);
        else
            continue;
        if (!value || json_object_set_new (object, f->name, value) != 0) {
            json_decref (object);
            object = NULL;
        }
    }
    return object;
}

//  ---------------------------------------------------------------- from JSON

static int s_message_from (json_t *object, const ProtobufCMessageDescriptor *d,
                           ProtobufCMessage **message_p, const char *key, mt_err_t *err);

//  A whole number within [low, high] into *value.
static int
s_whole (json_t *json, const char *key, long long low, long long high, long long *value,
         mt_err_t *err)
{
    if (!json_is_integer (json))
        return mt_err_set (err, MT_EINVAL, "%s must be a whole number", key);
    *value = json_integer_value (json);
    if (*value < low || *value > high)
        return mt_err_set (err, MT_EINVAL, "%s must be a whole number from %lld to %lld", key,
                           low, high);
    return MT_OK;
}

//  One value of field f from json, written at at.
static int
s_value_from (json_t *json, const ProtobufCFieldDescriptor *f, void *at, const char *key,
              mt_err_t *err)
{
    long long whole = 0;
    int rc = MT_OK;
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            if ((rc = s_whole (json, key, INT32_MIN, INT32_MAX, &whole, err)) == MT_OK)
                *(int32_t *) at = (int32_t) whole;
            return rc;
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            if ((rc = s_whole (json, key, 0, UINT32_MAX, &whole, err)) == MT_OK)
                *(uint32_t *) at = (uint32_t) whole;
            return rc;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
            if ((rc = s_whole (json, key, LLONG_MIN, LLONG_MAX, &whole, err)) == MT_OK)
                *(int64_t *) at = (int64_t) whole;
            return rc;
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            if ((rc = s_whole (json, key, 0, LLONG_MAX, &whole, err)) == MT_OK)
                *(uint64_t *) at = (uint64_t) whole;
            return rc;
        case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
            if (!json_is_number (json))
                return mt_err_set (err, MT_EINVAL, "%s must be a number", key);
            if (f->type == PROTOBUF_C_TYPE_FLOAT)
                *(float *) at = (float) json_number_value (json);
            else
                *(double *) at = json_number_value (json);
            return MT_OK;
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (json))
                return mt_err_set (err, MT_EINVAL, "%s must be true or false", key);
            *(protobuf_c_boolean *) at = json_is_true (json);
            return MT_OK;
        case PROTOBUF_C_TYPE_STRING:
            if (!json_is_string (json))
                return mt_err_set (err, MT_EINVAL, "%s must be text", key);
            if (!(*(char **) at = strdup (json_string_value (json))))
                return mt_err_set (err, MT_ENOMEM, "out of memory");
            return MT_OK;
        case PROTOBUF_C_TYPE_MESSAGE:
            return s_message_from (json, f->descriptor, (ProtobufCMessage **) at, key, err);
        default:        //  bytes and enums: no API parameter is one
            return mt_err_set (err, MT_EINVAL, "%s cannot be given as JSON", key);
    }
}

//  A repeated field's items from a JSON array.
static int
s_items_from (json_t *json, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
              const char *key, mt_err_t *err)
{
    if (!json_is_array (json))
        return mt_err_set (err, MT_EINVAL, "%s must be a list", key);
    size_t count = json_array_size (json), size = s_item_size (f);
    char *items = calloc (count ? count : 1, size);
    if (!items)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    *(void **) ((char *) m + f->offset) = items;
    size_t *quantifier = (size_t *) ((char *) m + f->quantifier_offset);
    int rc = MT_OK;
    for (size_t k = 0; rc == MT_OK && k < count; k++)
        if ((rc = s_value_from (json_array_get (json, k), f, items + k * size, key, err))
            == MT_OK)
            *quantifier = k + 1;
    return rc;
}

static int
s_message_from (json_t *object, const ProtobufCMessageDescriptor *d,
                ProtobufCMessage **message_p, const char *key, mt_err_t *err)
{
    *message_p = NULL;
    if (object && !json_is_object (object))
        return mt_err_set (err, MT_EINVAL, "%s must be an object", key);
    ProtobufCMessage *m = malloc (d->sizeof_message);
    if (!m)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    d->message_init (m);
    *message_p = m;
    const char *name;
    json_t *value;
    int rc = MT_OK;
    json_object_foreach (object, name, value) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (
            d, name);
        //  null: not given, or, where the message has a bool NAME_null, said
        //  so ("unknown", where leaving it out keeps what is there).
        if (f && json_is_null (value)) {
            char flag [128];
            snprintf (flag, sizeof flag, "%s_null", name);
            f = protobuf_c_message_descriptor_get_field_by_name (d, flag);
            if (f && f->type == PROTOBUF_C_TYPE_BOOL && f->label == PROTOBUF_C_LABEL_OPTIONAL) {
                *(protobuf_c_boolean *) ((char *) m + f->offset) = 1;
                *(protobuf_c_boolean *) ((char *) m + f->quantifier_offset) = 1;
            }
            continue;
        }
        if (!f)
            continue;
        char *at = (char *) m + f->offset;
        void *quantifier = (char *) m + f->quantifier_offset;
        bool oneof = f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF;
        if (oneof && *(uint32_t *) quantifier != 0)
            rc = mt_err_set (err, MT_EINVAL, "give %s or another of its kind, not both", name);
        else
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            rc = s_items_from (value, m, f, name, err);
        else {
            //  The oneof's case first, so that what is made is freed with
            //  the message should a part of it fail.
            if (oneof)
                *(uint32_t *) quantifier = f->id;
            rc = s_value_from (value, f, at, name, err);
            if (rc == MT_OK && !oneof && f->label == PROTOBUF_C_LABEL_OPTIONAL
            &&  f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
                *(protobuf_c_boolean *) quantifier = 1;
        }
        if (rc != MT_OK)
            break;
    }
    return rc;
}

int
mt_pb_from_json (json_t *object, const ProtobufCMessageDescriptor *d,
                 ProtobufCMessage **message_p, mt_err_t *err)
{
    int rc = s_message_from (object, d, message_p, "the parameters", err);
    if (rc != MT_OK && *message_p) {
        protobuf_c_message_free_unpacked (*message_p, NULL);
        *message_p = NULL;
    }
    return rc;
}
