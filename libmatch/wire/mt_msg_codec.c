//  mt_msg_codec - a message to an envelope's bytes and back, by the table
//  of its fields (mt_msg_fields.c) and protobuf-c's descriptors of the
//  generated messages: no code per message. Checked both ways: nothing
//  malformed leaves (mti_msg_check before encoding) and nothing malformed
//  is let in (the limits, vectors' dimensions, after decoding).

#include "wire/mt_msg.h"
#include "mti_msg.h"
#include "mti_msg_fields.h"
#include "base/mt_text.h"

#include "homeward/v1/homeward.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Envelope s_env_t;

//  What encoding allocates (the bodies and their nested messages): freed
//  once the envelope is packed. Numbers, texts and bytes point into the
//  message.
typedef struct {
    void **blocks;
    size_t count, size;
    bool failed;                //  out of memory
} s_scratch_t;

//  n zeroed items of size (n may be 0); NULL (and failed) when out of
//  memory.
static void *
s_new (s_scratch_t *scratch, size_t n, size_t size)
{
    if (scratch->count == scratch->size) {
        size_t grown = scratch->size ? scratch->size * 2 : 16;
        void **blocks = realloc (scratch->blocks, grown * sizeof *blocks);
        if (!blocks) {
            scratch->failed = true;
            return NULL;
        }
        scratch->blocks = blocks;
        scratch->size = grown;
    }
    void *block = calloc (n + 1, size);
    if (block)
        scratch->blocks [scratch->count++] = block;
    scratch->failed |= !block;
    return block;
}

static const ProtobufCFieldDescriptor *
s_field (const ProtobufCMessageDescriptor *descriptor, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name (descriptor, name);
}

//  A C number as a 64-bit value, and back.
static uint64_t
s_number_of (const mti_field_t *field, const char *member)
{
    switch (field->kind) {
        case MTI_FIELD_INT: return (uint64_t) (int64_t) *(const int *) member;
        case MTI_FIELD_U32: return *(const uint32_t *) member;
        case MTI_FIELD_BOOL: return *(const bool *) member;
        default: return *(const uint64_t *) member;
    }
}

static void
s_number_to (const mti_field_t *field, char *member, uint64_t value)
{
    switch (field->kind) {
        case MTI_FIELD_INT: *(int *) member = (int) (int64_t) value; break;
        case MTI_FIELD_U32: *(uint32_t *) member = (uint32_t) value; break;
        case MTI_FIELD_BOOL: *(bool *) member = value != 0; break;
        default: *(uint64_t *) member = value; break;
    }
}

//  ---------------------------------------------------------------- the table

//  Whether a C kind can hold a protobuf field (its type and label).
static bool
s_fits (const mti_field_t *field, const ProtobufCFieldDescriptor *pf)
{
    bool repeated = pf->label == PROTOBUF_C_LABEL_REPEATED;
    switch (field->kind) {
        case MTI_FIELD_INT:
            return !repeated && (pf->type == PROTOBUF_C_TYPE_ENUM
                                 || pf->type == PROTOBUF_C_TYPE_UINT32);
        case MTI_FIELD_U32: return !repeated && pf->type == PROTOBUF_C_TYPE_UINT32;
        case MTI_FIELD_U64: return !repeated && pf->type == PROTOBUF_C_TYPE_UINT64;
        case MTI_FIELD_BOOL: return !repeated && pf->type == PROTOBUF_C_TYPE_BOOL;
        case MTI_FIELD_FLOAT: return !repeated && pf->type == PROTOBUF_C_TYPE_FLOAT;
        case MTI_FIELD_CHARS: return !repeated && pf->type == PROTOBUF_C_TYPE_STRING;
        case MTI_FIELD_BYTES: return !repeated && pf->type == PROTOBUF_C_TYPE_BYTES;
        case MTI_FIELD_ARRAY:
            return repeated && ((pf->type == PROTOBUF_C_TYPE_UINT32 && field->size == 4)
                                || (pf->type == PROTOBUF_C_TYPE_UINT64 && field->size == 8));
        default:
            return repeated && pf->type == PROTOBUF_C_TYPE_MESSAGE;
    }
}

static int
s_fields_check (const ProtobufCMessageDescriptor *descriptor, const mti_field_t *fields,
                mt_err_t *err)
{
    int rc = MT_OK;
    for (const mti_field_t *field = fields; field->name && rc == MT_OK; field++) {
        const ProtobufCFieldDescriptor *pf = s_field (descriptor, field->name);
        if (!pf)
            return mt_err_set (err, MT_EINTERNAL, "codec: %s.%s is no field of the message",
                               descriptor->name, field->name);
        if (!s_fits (field, pf))
            return mt_err_set (err, MT_EINTERNAL, "codec: %s.%s is not of the kind the table "
                               "says", descriptor->name, field->name);
        if (field->kind == MTI_FIELD_MESSAGES)
            rc = s_fields_check (pf->descriptor, field->sub, err);
    }
    return rc;
}

int
mti_msg_fields_check (mt_err_t *err)
{
    int rc = MT_OK;
    for (size_t i = 0; i < mti_msg_kinds_count && rc == MT_OK; i++) {
        const ProtobufCFieldDescriptor *slot = s_field (&homeward__v1__envelope__descriptor,
                                                        mti_msg_kinds [i].body);
        rc = slot ? s_fields_check (slot->descriptor, mti_msg_kinds [i].fields, err)
                  : mt_err_set (err, MT_EINTERNAL, "codec: the envelope has no body '%s'",
                                mti_msg_kinds [i].body);
    }
    return rc;
}

//  ---------------------------------------------------------------- out

static ProtobufCMessage *s_message_out (s_scratch_t *scratch,
                                        const ProtobufCMessageDescriptor *descriptor,
                                        const mti_field_t *fields, const char *from);

//  One C member into its protobuf field of body.
static void
s_field_out (s_scratch_t *scratch, const ProtobufCFieldDescriptor *pf, const mti_field_t *field,
             char *body, const char *from)
{
    char *to = body + pf->offset;
    const char *member = from + field->at;
    bool counted = field->kind == MTI_FIELD_ARRAY || field->kind == MTI_FIELD_BYTES
                || field->kind == MTI_FIELD_MESSAGES;
    size_t count = counted ? *(const size_t *) (from + field->count_at) : 0;
    switch (field->kind) {
        case MTI_FIELD_FLOAT:
            *(float *) to = *(const float *) member;
            break;
        case MTI_FIELD_CHARS:
            *(const char **) to = member;
            break;
        case MTI_FIELD_ARRAY:
            *(size_t *) (body + pf->quantifier_offset) = count;
            *(void **) to = *(void *const *) member;
            break;
        case MTI_FIELD_BYTES:
            ((ProtobufCBinaryData *) to)->len = count;
            ((ProtobufCBinaryData *) to)->data = *(uint8_t *const *) member;
            break;
        case MTI_FIELD_MESSAGES: {
            ProtobufCMessage **items = s_new (scratch, count, sizeof *items);
            const char *array = *(const char *const *) member;
            for (size_t i = 0; items && i < count; i++)
                items [i] = s_message_out (scratch, pf->descriptor, field->sub,
                                           array + i * field->size);
            *(size_t *) (body + pf->quantifier_offset) = count;
            *(ProtobufCMessage ***) to = items;
            break;
        }
        default: {
            uint64_t value = s_number_of (field, member);
            if (pf->type == PROTOBUF_C_TYPE_UINT64)
                *(uint64_t *) to = value;
            else
            if (pf->type == PROTOBUF_C_TYPE_BOOL)
                *(protobuf_c_boolean *) to = value != 0;
            else
                *(uint32_t *) to = (uint32_t) value;        //  uint32, and an enum's int
        }
    }
}

//  A new protobuf message of descriptor's type with fields from the C
//  struct at from; NULL (scratch failed) when out of memory.
static ProtobufCMessage *
s_message_out (s_scratch_t *scratch, const ProtobufCMessageDescriptor *descriptor,
               const mti_field_t *fields, const char *from)
{
    ProtobufCMessage *body = s_new (scratch, 1, descriptor->sizeof_message);
    if (!body)
        return NULL;
    protobuf_c_message_init (descriptor, body);
    for (const mti_field_t *field = fields; field->name && !scratch->failed; field++) {
        //  Every field the table names is there (mti_msg_fields_check).
        const ProtobufCFieldDescriptor *pf = s_field (descriptor, field->name);
        if (pf)
            s_field_out (scratch, pf, field, (char *) body, from);
    }
    return body;
}

static const mti_msg_kind_t *
s_kind_of_type (mt_msg_type type)
{
    for (size_t i = 0; i < mti_msg_kinds_count; i++)
        if (mti_msg_kinds [i].type == type)
            return &mti_msg_kinds [i];
    return NULL;
}

int
mt_msg_encode (const mt_msg_t *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = NULL;
    *size_p = 0;
    int rc = mti_msg_check (m, err);
    if (rc != MT_OK)
        return rc;
    const mti_msg_kind_t *kind = s_kind_of_type (m->type);
    const ProtobufCFieldDescriptor *slot = kind
        ? s_field (&homeward__v1__envelope__descriptor, kind->body) : NULL;
    if (!slot)
        return mt_err_set (err, MT_EINVAL, "cannot encode message type %d", (int) m->type);
    s_env_t env = HOMEWARD__V1__ENVELOPE__INIT;
    env.version = MT_PROTO_VERSION;
    env.request_id = m->request_id;
    env.seq = m->seq;
    s_scratch_t scratch = { .count = 0 };
    ProtobufCMessage *body = s_message_out (&scratch, slot->descriptor, kind->fields,
                                            (const char *) m);
    if (body && !scratch.failed && kind->more_out)
        kind->more_out (m, body);
    //  The body in the envelope's oneof: its pointer, and which it is.
    *(ProtobufCMessage **) ((char *) &env + slot->offset) = body;
    *(uint32_t *) ((char *) &env + slot->quantifier_offset) = slot->id;
    if (scratch.failed)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory encoding a %s",
                         mt_msg_type_name (m->type));
    if (rc == MT_OK) {
        size_t size = homeward__v1__envelope__get_packed_size (&env);
        uint8_t *bytes = malloc (size ? size : 1);
        if (!bytes)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory encoding %zu bytes", size);
        else {
            homeward__v1__envelope__pack (&env, bytes);
            *bytes_p = bytes;
            *size_p = size;
        }
    }
    for (size_t i = 0; i < scratch.count; i++)
        free (scratch.blocks [i]);
    free (scratch.blocks);
    return rc;
}

//  ---------------------------------------------------------------- in

static int s_message_in (const ProtobufCMessage *body, const mti_field_t *fields, char *to,
                         mt_err_t *err);

//  count items of size from src into a new array at *dst_p (never NULL
//  when there is memory, even for none).
static bool
s_copy (void **dst_p, const void *src, size_t count, size_t size)
{
    *dst_p = malloc (count ? count * size : 1);
    if (*dst_p && count)
        memcpy (*dst_p, src, count * size);
    return *dst_p != NULL;
}

//  One protobuf field of body into its C member.
static int
s_field_in (const ProtobufCFieldDescriptor *pf, const mti_field_t *field, const char *body,
            char *to, mt_err_t *err)
{
    const char *from = body + pf->offset;
    char *member = to + field->at;
    size_t count = pf->label == PROTOBUF_C_LABEL_REPEATED
                 ? *(const size_t *) (body + pf->quantifier_offset) : 0;
    bool ok = true;
    switch (field->kind) {
        case MTI_FIELD_FLOAT:
            *(float *) member = *(const float *) from;
            break;
        case MTI_FIELD_CHARS: {
            const char *text = *(const char *const *) from;
            snprintf (member, field->size, "%s", text ? text : "");
            mt_text_trim_utf8 (member);
            break;
        }
        case MTI_FIELD_ARRAY:
            ok = s_copy ((void **) member, *(void *const *) from, count, field->size);
            *(size_t *) (to + field->count_at) = ok ? count : 0;
            break;
        case MTI_FIELD_BYTES: {
            const ProtobufCBinaryData *data = (const ProtobufCBinaryData *) from;
            ok = s_copy ((void **) member, data->data, data->len, 1);
            *(size_t *) (to + field->count_at) = ok ? data->len : 0;
            break;
        }
        case MTI_FIELD_MESSAGES: {
            char *array = calloc (count ? count : 1, field->size);
            *(char **) member = array;
            *(size_t *) (to + field->count_at) = array ? count : 0;
            ok = array != NULL;
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) from;
            int rc = MT_OK;
            for (size_t i = 0; ok && rc == MT_OK && i < count; i++)
                rc = s_message_in (items [i], field->sub, array + i * field->size, err);
            if (rc != MT_OK)
                return rc;
            break;
        }
        default:
            s_number_to (field, member, pf->type == PROTOBUF_C_TYPE_UINT64
                                        ? *(const uint64_t *) from
                                        : pf->type == PROTOBUF_C_TYPE_BOOL
                                        ? (uint64_t) *(const protobuf_c_boolean *) from
                                        : (uint64_t) (int64_t) *(const int32_t *) from);
    }
    return ok ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
}

//  A protobuf message's fields into the C struct at to.
static int
s_message_in (const ProtobufCMessage *body, const mti_field_t *fields, char *to, mt_err_t *err)
{
    int rc = MT_OK;
    for (const mti_field_t *field = fields; field->name && rc == MT_OK; field++) {
        const ProtobufCFieldDescriptor *pf = s_field (body->descriptor, field->name);
        rc = pf ? s_field_in (pf, field, (const char *) body, to, err)
                : mt_err_set (err, MT_EINTERNAL, "the codec knows no field '%s' of %s",
                              field->name, body->descriptor->name);
    }
    return rc;
}

//  The envelope's body into m.
static int
s_body_in (const s_env_t *env, mt_msg_t *m, mt_err_t *err)
{
    for (size_t i = 0; i < mti_msg_kinds_count; i++) {
        const mti_msg_kind_t *kind = &mti_msg_kinds [i];
        const ProtobufCFieldDescriptor *slot = s_field (&homeward__v1__envelope__descriptor,
                                                        kind->body);
        if (!slot || slot->id != (unsigned) env->body_case)
            continue;
        const ProtobufCMessage *body =
            *(ProtobufCMessage *const *) ((const char *) env + slot->offset);
        m->type = kind->type;
        int rc = s_message_in (body, kind->fields, (char *) m, err);
        if (rc == MT_OK && kind->more_in)
            rc = kind->more_in (body, m, err);
        return rc;
    }
    return mt_err_set (err, MT_EPROTO, "message without a body");
}

int
mt_msg_decode (const uint8_t *bytes, size_t size, mt_msg_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (size > MT_MSG_MAX_BYTES)
        return mt_err_set (err, MT_EPROTO, "message of %zu bytes is over the limit", size);
    s_env_t *env = homeward__v1__envelope__unpack (NULL, size, bytes);
    if (!env)
        return mt_err_set (err, MT_EPROTO, "not a homeward.v1 message (%zu bytes)", size);
    int rc = MT_OK;
    if (env->version != MT_PROTO_VERSION)
        rc = mt_err_set (err, MT_EPROTO, "protocol version %u, this peer speaks %d",
                         env->version, MT_PROTO_VERSION);
    mt_msg_t *m = rc == MT_OK ? mt_msg_new (MT_MSG_NONE) : NULL;
    if (rc == MT_OK && !m)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK) {
        m->request_id = env->request_id;
        m->seq = env->seq;
        rc = s_body_in (env, m, err);
    }
    if (rc == MT_OK)
        rc = mti_msg_check (m, err);
    homeward__v1__envelope__free_unpacked (env, NULL);
    if (rc != MT_OK) {
        mt_msg_destroy (&m);
        return rc;
    }
    *self_p = m;
    return MT_OK;
}
