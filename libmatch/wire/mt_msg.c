//  mt_msg - the wire's messages as plain C: made, freed, named, checked.
//  The codec: mt_msg_codec.c, by the table of mt_msg_fields.c (the only
//  files that see the generated protobuf-c types).

#include "wire/mt_msg.h"

#include "mti_msg.h"
#include "base/mt_text.h"
#include "index/mt_store.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mt_msg_t *
mt_msg_new (mt_msg_type type)
{
    mt_msg_t *self = calloc (1, sizeof *self);
    if (self)
        self->type = type;
    return self;
}

void
mt_msg_destroy (mt_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_msg_t *self = *self_p;
    free (self->faces);
    free (self->vectors);
    free (self->face_ids);
    free (self->provinces);
    if (self->results)
        for (size_t i = 0; i < self->query_count; i++)
            free (self->results [i].hits);
    free (self->results);
    free (self->answered);
    free (self->missing);
    free (self->data);
    free (self->replica_status);
    free (self);
    *self_p = NULL;
}

mt_msg_t *
mt_msg_error (uint64_t request_id, int code, const char *fmt, ...)
{
    mt_msg_t *self = mt_msg_new (MT_MSG_ERROR);
    if (self) {
        self->request_id = request_id;
        self->error_code = code;
        va_list args;
        va_start (args, fmt);
        if (!mt_text_vformat (self->text, sizeof self->text, self->text_zh,
                              sizeof self->text_zh, fmt, args))
            mt_text_fallback_zh (mt_rc_name (code), self->text, self->text_zh,
                                 sizeof self->text_zh);
        va_end (args);
    }
    return self;
}

int
mt_msg_to_err (const mt_msg_t *self, mt_err_t *err)
{
    if (err) {
        err->code = self->error_code;
        snprintf (err->msg, sizeof err->msg, "%s", self->text);
        snprintf (err->msg_zh, sizeof err->msg_zh, "%s", self->text_zh);
        if (!err->msg_zh [0])
            mt_text_fallback_zh (mt_rc_name (self->error_code), err->msg, err->msg_zh,
                                 sizeof err->msg_zh);
    }
    return self->error_code;
}

mt_msg_t *
mt_msg_error_of (uint64_t request_id, int code, const mt_err_t *err)
{
    mt_msg_t *self = mt_msg_new (MT_MSG_ERROR);
    if (self) {
        self->request_id = request_id;
        self->error_code = code;
        mt_err_t copy;
        mt_err_copy (&copy, code, err);
        snprintf (self->text, sizeof self->text, "%s", copy.msg);
        snprintf (self->text_zh, sizeof self->text_zh, "%s", copy.msg_zh);
    }
    return self;
}

const char *
mt_msg_type_name (mt_msg_type type)
{
    static const char *names [] = {
        "none", "enroll", "remove", "search", "search_reply", "ack", "status", "sync_begin",
        "sync_chunk", "sync_next", "sync_done", "stats", "stats_reply", "error", "ping",
        "add_partition", "rehome", "rehome_reply"
    };
    return (unsigned) type < sizeof names / sizeof names [0] ? names [type] : "unknown";
}

//  ---------------------------------------------------------------- checks

static bool
s_finite (const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite (v [i]))
            return false;
    return true;
}

int
mt_msg_dim (int ns)
{
    return ns == MT_NS_MISSING || ns == MT_NS_FOUND ? MT_DIM
         : ns == MT_NS_MISSING_MFN || ns == MT_NS_FOUND_MFN ? MT_DIM2 : 0;
}

//  Faces to store: an enroll's, or those a shard hands over.
static int
s_check_faces (const mt_msg_t *m, const char *what, mt_err_t *err)
{
    if (!mt_msg_dim (m->ns))
        return mt_err_set (err, MT_EPROTO, "%s: unknown namespace %d", what, m->ns);
    for (size_t i = 0; i < m->face_count; i++)
        if (m->faces [i].face_id == 0 || m->faces [i].face_id > MT_FACE_ID_MAX)
            return mt_err_set (err, MT_EPROTO, "%s: face id %llu out of range", what,
                               (unsigned long long) m->faces [i].face_id);
    if (!s_finite (m->vectors, m->face_count * (size_t) mt_msg_dim (m->ns)))
        return mt_err_set (err, MT_EPROTO, "%s: a vector is not finite", what);
    return MT_OK;
}

int
mti_msg_check (const mt_msg_t *m, mt_err_t *err)
{
    switch (m->type) {
        case MT_MSG_ENROLL:
            if (m->face_count == 0)
                return mt_err_set (err, MT_EPROTO, "enroll: no faces");
            return s_check_faces (m, "enroll", err);
        case MT_MSG_REHOME_REPLY:
            return s_check_faces (m, "rehome reply", err);
        case MT_MSG_REHOME:
            if (!mt_msg_dim (m->ns))
                return mt_err_set (err, MT_EPROTO, "rehome: unknown namespace %d", m->ns);
            if (m->partitions < 1 || m->partitions > 4096 || m->partition >= m->partitions)
                return mt_err_set (err, MT_EPROTO, "rehome: partition %u of %u", m->partition,
                                   m->partitions);
            if (m->most < 1 || m->most > MT_MSG_MAX_QUERIES)
                return mt_err_set (err, MT_EPROTO, "rehome: 1..%d faces per answer, not %u",
                                   MT_MSG_MAX_QUERIES, m->most);
            return MT_OK;
        case MT_MSG_REMOVE:
            if (m->id_count == 0 && m->case_id == 0)
                return mt_err_set (err, MT_EPROTO, "remove: no face ids and no case id");
            if (m->ns != 0 && !mt_msg_dim (m->ns))
                return mt_err_set (err, MT_EPROTO, "remove: unknown namespace %d", m->ns);
            for (size_t i = 0; i < m->id_count; i++)
                if (m->face_ids [i] > MT_FACE_ID_MAX)
                    return mt_err_set (err, MT_EPROTO, "remove: face id out of range");
            return MT_OK;
        case MT_MSG_SEARCH:
            if (!mt_msg_dim (m->ns))
                return mt_err_set (err, MT_EPROTO, "search: unknown namespace %d", m->ns);
            if (m->k < 1 || m->k > MT_MSG_MAX_K)
                return mt_err_set (err, MT_EPROTO, "search: k must be 1..%d, not %u",
                                   MT_MSG_MAX_K, m->k);
            if (m->query_count < 1 || m->query_count > MT_MSG_MAX_QUERIES)
                return mt_err_set (err, MT_EPROTO, "search: 1..%d queries, not %zu",
                                   MT_MSG_MAX_QUERIES, m->query_count);
            if (!s_finite (m->vectors, m->query_count * (size_t) mt_msg_dim (m->ns)))
                return mt_err_set (err, MT_EPROTO, "search: a vector is not finite");
            return MT_OK;
        case MT_MSG_SEARCH_REPLY:
            if (m->query_count > MT_MSG_MAX_QUERIES)
                return mt_err_set (err, MT_EPROTO, "search reply: too many results");
            for (size_t i = 0; i < m->query_count; i++)
                if (m->results [i].count > MT_MSG_MAX_K)
                    return mt_err_set (err, MT_EPROTO, "search reply: too many hits");
            return MT_OK;
        case MT_MSG_NONE:
            return mt_err_set (err, MT_EPROTO, "message without a body");
        default:
            return MT_OK;
    }
}
