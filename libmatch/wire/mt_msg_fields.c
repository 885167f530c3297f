//  mt_msg_fields - each message of proto/homeward/v1/homeward.proto as the
//  members of mt_msg_t its fields are; and the parts that take code: the
//  vectors (a namespace's dimension, checked) and an error's code.

#include "mti_msg_fields.h"
#include "base/mt_text.h"

#include "homeward/v1/homeward.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_AT(member) offsetof (mt_msg_t, member)
#define S_NUM(name, kind, member) { name, MTI_FIELD_##kind, S_AT (member), 0, 0, NULL }
#define S_ARRAY(name, member, count, type) \
    { name, MTI_FIELD_ARRAY, S_AT (member), S_AT (count), sizeof (type), NULL }
#define S_END { NULL, 0, 0, 0, 0, NULL }

//  ---------------------------------------------------------------- nested messages

static const mti_field_t s_face [] = {
    { "face_id", MTI_FIELD_U64, offsetof (mt_face_meta_t, face_id), 0, 0, NULL },
    { "case_id", MTI_FIELD_U64, offsetof (mt_face_meta_t, case_id), 0, 0, NULL },
    { "province", MTI_FIELD_U32, offsetof (mt_face_meta_t, province), 0, 0, NULL },
    S_END
};
#define S_FACES { "faces", MTI_FIELD_MESSAGES, S_AT (faces), S_AT (face_count), \
                  sizeof (mt_face_meta_t), s_face }

static const mti_field_t s_hit [] = {
    { "face_id", MTI_FIELD_U64, offsetof (mt_hit_t, face_id), 0, 0, NULL },
    { "case_id", MTI_FIELD_U64, offsetof (mt_hit_t, case_id), 0, 0, NULL },
    { "distance", MTI_FIELD_FLOAT, offsetof (mt_hit_t, distance), 0, 0, NULL },
    { "province", MTI_FIELD_U32, offsetof (mt_hit_t, province), 0, 0, NULL },
    S_END
};

static const mti_field_t s_query_hits [] = {
    { "hits", MTI_FIELD_MESSAGES, offsetof (mt_query_hits_t, hits),
      offsetof (mt_query_hits_t, count), sizeof (mt_hit_t), s_hit },
    S_END
};

#define S_REPLICA_AT(member) offsetof (mt_shard_status_t, member)
static const mti_field_t s_replica [] = {
    { "partition", MTI_FIELD_U32, S_REPLICA_AT (partition), 0, 0, NULL },
    { "replica", MTI_FIELD_U32, S_REPLICA_AT (replica), 0, 0, NULL },
    { "state", MTI_FIELD_CHARS, S_REPLICA_AT (state), 0,
      sizeof ((mt_shard_status_t *) 0)->state, NULL },
    { "seq", MTI_FIELD_U64, S_REPLICA_AT (seq), 0, 0, NULL },
    { "missing_count", MTI_FIELD_U64, S_REPLICA_AT (missing_count), 0, 0, NULL },
    { "found_count", MTI_FIELD_U64, S_REPLICA_AT (found_count), 0, 0, NULL },
    S_END
};

//  ---------------------------------------------------------------- the bodies

static const mti_field_t s_enroll [] = { S_NUM ("ns", INT, ns), S_FACES, S_END };
static const mti_field_t s_rehome_reply [] = {
    S_NUM ("ns", INT, ns), S_FACES, S_NUM ("remaining", U64, total), S_END
};
static const mti_field_t s_remove [] = {
    S_ARRAY ("face_ids", face_ids, id_count, uint64_t), S_NUM ("case_id", U64, case_id),
    S_NUM ("ns", INT, ns), S_END
};
static const mti_field_t s_search [] = {
    S_NUM ("ns", INT, ns), S_NUM ("k", U32, k),
    S_ARRAY ("provinces", provinces, province_count, uint32_t),
    S_NUM ("deadline_ms", U32, deadline_ms), S_END
};
static const mti_field_t s_search_reply [] = {
    { "results", MTI_FIELD_MESSAGES, S_AT (results), S_AT (query_count),
      sizeof (mt_query_hits_t), s_query_hits },
    S_ARRAY ("answered", answered, answered_count, uint32_t),
    S_ARRAY ("missing", missing, missing_count, uint32_t),
    S_NUM ("partial", BOOL, partial), S_NUM ("partitions", U32, partitions), S_END
};
static const mti_field_t s_ack [] = {
    S_NUM ("applied", U64, applied), S_NUM ("replicas", U32, replicas),
    S_NUM ("seq", U64, seq), S_NUM ("digest", U64, digest), S_END
};
static const mti_field_t s_status [] = {
    S_NUM ("partition", U32, status.partition), S_NUM ("replica", U32, status.replica),
    S_NUM ("partitions", U32, status.partitions), S_NUM ("seq", U64, status.seq),
    S_NUM ("digest", U64, status.digest), S_NUM ("missing_count", U64, status.missing_count),
    S_NUM ("found_count", U64, status.found_count), S_NUM ("hello", BOOL, status.hello),
    S_NUM ("syncing", BOOL, status.syncing), S_END
};
static const mti_field_t s_sync_begin [] = {
    S_NUM ("sync_id", U64, sync_id), S_NUM ("receive", BOOL, receive), S_END
};
static const mti_field_t s_sync_chunk [] = {
    S_NUM ("sync_id", U64, sync_id), S_NUM ("offset", U64, offset),
    { "data", MTI_FIELD_BYTES, S_AT (data), S_AT (data_size), 1, NULL },
    S_NUM ("last", BOOL, last), S_NUM ("total", U64, total), S_END
};
static const mti_field_t s_sync_next [] = {
    S_NUM ("sync_id", U64, sync_id), S_NUM ("offset", U64, offset), S_END
};
static const mti_field_t s_sync_done [] = {
    S_NUM ("sync_id", U64, sync_id), S_NUM ("ok", BOOL, ok),
    { "message", MTI_FIELD_CHARS, S_AT (text), 0, sizeof ((mt_msg_t *) 0)->text, NULL }, S_END
};
static const mti_field_t s_stats_reply [] = {
    S_NUM ("partitions", U32, partitions),
    { "replicas", MTI_FIELD_MESSAGES, S_AT (replica_status), S_AT (replica_count),
      sizeof (mt_shard_status_t), s_replica },
    S_NUM ("malformed", U64, malformed), S_NUM ("adding", BOOL, adding),
    S_NUM ("rehoming", BOOL, rehoming), S_NUM ("moved", U64, moved),
    S_NUM ("remaining", U64, remaining), S_END
};
static const mti_field_t s_rehome [] = {
    S_NUM ("ns", INT, ns), S_NUM ("partition", U32, partition),
    S_NUM ("partitions", U32, partitions), S_NUM ("most", U32, most), S_END
};
static const mti_field_t s_error [] = {
    S_NUM ("code", INT, error_code),
    { "message", MTI_FIELD_CHARS, S_AT (text), 0, sizeof ((mt_msg_t *) 0)->text, NULL },
    { "message_zh", MTI_FIELD_CHARS, S_AT (text_zh), 0, sizeof ((mt_msg_t *) 0)->text_zh, NULL },
    S_END
};
static const mti_field_t s_none [] = { S_END };

//  ---------------------------------------------------------------- what takes code

//  Faces out: each one's vector, of the namespace's dimension, from m's.
static void
s_faces_out (const mt_msg_t *m, Homeward__V1__Face **faces, size_t count, uint32_t *dim_p)
{
    size_t dim = (size_t) mt_msg_dim (m->ns);
    for (size_t i = 0; i < count; i++) {
        faces [i]->n_vector = dim;
        faces [i]->vector = m->vectors + i * dim;
    }
    *dim_p = (uint32_t) dim;
}

static void
s_enroll_out (const mt_msg_t *m, ProtobufCMessage *body)
{
    Homeward__V1__Enroll *enroll = (Homeward__V1__Enroll *) body;
    s_faces_out (m, enroll->faces, enroll->n_faces, &enroll->dim);
}

static void
s_rehome_reply_out (const mt_msg_t *m, ProtobufCMessage *body)
{
    Homeward__V1__RehomeReply *reply = (Homeward__V1__RehomeReply *) body;
    s_faces_out (m, reply->faces, reply->n_faces, &reply->dim);
}

//  Faces in (their ids already read): the dimension the message states (0
//  from peers that did not state it: dlib's 128) and each face's vector,
//  of the namespace's.
static int
s_faces_in (mt_msg_t *m, Homeward__V1__Face **faces, uint32_t stated, const char *what,
            mt_err_t *err)
{
    int dim = mt_msg_dim (m->ns);
    if (dim == 0)
        return mt_err_set (err, MT_EPROTO, "%s: unknown namespace %d", what, m->ns);
    if (stated != 0 && stated != (uint32_t) dim)
        return mt_err_set (err, MT_EPROTO, "%s: dimension %u, not the %d of namespace %d", what,
                           stated, dim, m->ns);
    m->vectors = malloc ((m->face_count ? m->face_count : 1) * (size_t) dim * sizeof (float));
    if (!m->vectors)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->face_count; i++) {
        if (faces [i]->n_vector != (size_t) dim)
            return mt_err_set (err, MT_EPROTO, "%s: face %zu has %zu values, not %d", what, i,
                               faces [i]->n_vector, dim);
        memcpy (m->vectors + i * (size_t) dim, faces [i]->vector, (size_t) dim * sizeof (float));
    }
    return MT_OK;
}

static int
s_enroll_in (const ProtobufCMessage *body, mt_msg_t *m, mt_err_t *err)
{
    const Homeward__V1__Enroll *enroll = (const Homeward__V1__Enroll *) body;
    return s_faces_in (m, enroll->faces, enroll->dim, "enroll", err);
}

static int
s_rehome_reply_in (const ProtobufCMessage *body, mt_msg_t *m, mt_err_t *err)
{
    const Homeward__V1__RehomeReply *reply = (const Homeward__V1__RehomeReply *) body;
    return s_faces_in (m, reply->faces, reply->dim, "rehome reply", err);
}

//  A search's queries: query_count vectors of the namespace's dimension,
//  row after row.
static void
s_search_out (const mt_msg_t *m, ProtobufCMessage *body)
{
    Homeward__V1__Search *search = (Homeward__V1__Search *) body;
    int dim = mt_msg_dim (m->ns);
    search->dim = (uint32_t) dim;
    search->n_vectors = m->query_count * (size_t) dim;
    search->vectors = m->vectors;
}

static int
s_search_in (const ProtobufCMessage *body, mt_msg_t *m, mt_err_t *err)
{
    const Homeward__V1__Search *s = (const Homeward__V1__Search *) body;
    int dim = mt_msg_dim (m->ns);
    if (dim == 0)
        return mt_err_set (err, MT_EPROTO, "search: unknown namespace %d", m->ns);
    if (s->dim != (uint32_t) dim)
        return mt_err_set (err, MT_EPROTO, "search: dimension %u, not the %d of "
                           "namespace %d", s->dim, dim, m->ns);
    if (s->n_vectors % (size_t) dim != 0)
        return mt_err_set (err, MT_EPROTO, "search: %zu values is not a whole number "
                           "of vectors", s->n_vectors);
    m->query_count = s->n_vectors / (size_t) dim;
    m->vectors = malloc (s->n_vectors ? s->n_vectors * sizeof (float) : 1);
    if (!m->vectors)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    if (s->n_vectors)
        memcpy (m->vectors, s->vectors, s->n_vectors * sizeof (float));
    return MT_OK;
}

//  An error's code by its stable name too.
static void
s_error_out (const mt_msg_t *m, ProtobufCMessage *body)
{
    ((Homeward__V1__Error *) body)->name = (char *) mt_rc_name (m->error_code);
}

//  A known code, else MT_EINTERNAL; from a peer without the Chinese, the
//  code's own Chinese with the English.
static int
s_error_in (const ProtobufCMessage *body, mt_msg_t *m, mt_err_t *err)
{
    (void) body;
    (void) err;
    if (m->error_code <= MT_OK || m->error_code >= MT_RC_COUNT)
        m->error_code = MT_EINTERNAL;
    if (!m->text_zh [0])
        mt_text_fallback_zh (mt_rc_name (m->error_code), m->text, m->text_zh,
                             sizeof m->text_zh);
    return MT_OK;
}

//  ---------------------------------------------------------------- the table

const mti_msg_kind_t mti_msg_kinds [] = {
    { MT_MSG_ENROLL, "enroll", s_enroll, s_enroll_out, s_enroll_in },
    { MT_MSG_REMOVE, "remove", s_remove, NULL, NULL },
    { MT_MSG_SEARCH, "search", s_search, s_search_out, s_search_in },
    { MT_MSG_SEARCH_REPLY, "search_reply", s_search_reply, NULL, NULL },
    { MT_MSG_ACK, "ack", s_ack, NULL, NULL },
    { MT_MSG_STATUS, "status", s_status, NULL, NULL },
    { MT_MSG_SYNC_BEGIN, "sync_begin", s_sync_begin, NULL, NULL },
    { MT_MSG_SYNC_CHUNK, "sync_chunk", s_sync_chunk, NULL, NULL },
    { MT_MSG_SYNC_NEXT, "sync_next", s_sync_next, NULL, NULL },
    { MT_MSG_SYNC_DONE, "sync_done", s_sync_done, NULL, NULL },
    { MT_MSG_STATS, "stats", s_none, NULL, NULL },
    { MT_MSG_STATS_REPLY, "stats_reply", s_stats_reply, NULL, NULL },
    { MT_MSG_ERROR, "error", s_error, s_error_out, s_error_in },
    { MT_MSG_PING, "ping", s_none, NULL, NULL },
    { MT_MSG_ADD_PARTITION, "add_partition", s_none, NULL, NULL },
    { MT_MSG_REHOME, "rehome", s_rehome, NULL, NULL },
    { MT_MSG_REHOME_REPLY, "rehome_reply", s_rehome_reply, s_rehome_reply_out, s_rehome_reply_in },
};
const size_t mti_msg_kinds_count = sizeof mti_msg_kinds / sizeof mti_msg_kinds [0];
