//  mt_job_json - a job link message as JSON, written from the message's own
//  definition: protobuf-c's descriptors of proto/homeward/v1/jobs.proto
//  give each field's name, type and nesting, so that what `homeward embed
//  --json` prints is the described face the intake sends, field for field.

#include "wire/mt_job.h"

#include "homeward/v1/jobs.pb-c.h"

#include <sodium.h>
#include <stdlib.h>

static json_t *s_message_json (const ProtobufCMessage *m, bool with_bytes);

//  One value of a field (at points to it) as JSON; NULL when out of memory.
static json_t *
s_value_json (const ProtobufCFieldDescriptor *f, const void *at, bool with_bytes)
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
            (void) with_bytes;
            return s_message_json (*(const ProtobufCMessage *const *) at, with_bytes);
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
        default:
            return 4;
    }
}

//  A message's fields as a JSON object, in their declared order: every
//  field (proto3's zeros too, so that a reader finds each key), a oneof's
//  the one set, bytes only with_bytes.
static json_t *
s_message_json (const ProtobufCMessage *m, bool with_bytes)
{
    json_t *object = m ? json_object () : NULL;
    const ProtobufCMessageDescriptor *d = m ? m->descriptor : NULL;
    for (unsigned i = 0; object && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        const char *at = (const char *) m + f->offset;
        const void *quantifier = (const char *) m + f->quantifier_offset;
        if ((f->type == PROTOBUF_C_TYPE_BYTES && !with_bytes)
        ||  ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *) quantifier != f->id))
            continue;
        json_t *value;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) quantifier, size = s_item_size (f);
            const char *items = *(const char *const *) at;
            value = json_array ();
            for (size_t k = 0; value && k < count; k++)
                if (json_array_append_new (value, s_value_json (f, items + k * size,
                                                                with_bytes)) != 0) {
                    json_decref (value);
                    value = NULL;
                }
        }
        else
            value = s_value_json (f, at, with_bytes);
        if (!value || json_object_set_new (object, f->name, value) != 0) {
            json_decref (object);
            object = NULL;
        }
    }
    return object;
}

json_t *
mt_job_json (const mt_job_t *self, bool with_bytes)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    mt_err_t err;
    if (mt_job_encode (self, &bytes, &size, &err) != MT_OK)
        return NULL;
    Homeward__V1__JobEnvelope *env = homeward__v1__job_envelope__unpack (NULL, size, bytes);
    free (bytes);
    //  The body: the envelope's one field that is set, of its oneof.
    const ProtobufCMessage *body = NULL;
    for (unsigned i = 0; env && !body && i < env->base.descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &env->base.descriptor->fields [i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) ((const char *) env + f->quantifier_offset) == f->id)
            body = *(const ProtobufCMessage *const *) ((const char *) env + f->offset);
    }
    json_t *json = body ? s_message_json (body, with_bytes) : NULL;
    homeward__v1__job_envelope__free_unpacked (env, NULL);
    return json;
}
