//  mt_msg_decode - an envelope's bytes as a message: unpacked by
//  protobuf-c, copied into plain C, checked against the limits.

#include "wire/mt_msg.h"
#include "mti_msg.h"
#include "base/mt_text.h"

#include "homeward/v1/homeward.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Envelope s_env_t;

static void *
s_copy (const void *src, size_t n, size_t size)
{
    void *dst = malloc (n ? n * size : 1);
    if (dst && n)
        memcpy (dst, src, n * size);
    return dst;
}

static void
s_status_from (mt_shard_status_t *s, const Homeward__V1__ShardStatus *p)
{
    s->partition = p->partition;
    s->replica = p->replica;
    s->partitions = p->partitions;
    s->seq = p->seq;
    s->digest = p->digest;
    s->missing_count = p->missing_count;
    s->found_count = p->found_count;
    s->hello = p->hello;
    s->syncing = p->syncing;
}

//  Faces of namespace m->ns; dim is the one the message states (0 from
//  peers that did not state it: dlib's 128).
static int
s_faces_from (mt_msg_t *m, Homeward__V1__Face **faces, size_t n, uint32_t stated,
              const char *what, mt_err_t *err)
{
    int dim = mt_msg_dim (m->ns);
    if (dim == 0)
        return mt_err_set (err, MT_EPROTO, "%s: unknown namespace %d", what, m->ns);
    if (stated != 0 && stated != (uint32_t) dim)
        return mt_err_set (err, MT_EPROTO, "%s: dimension %u, not the %d of namespace %d", what,
                           stated, dim, m->ns);
    m->face_count = n;
    m->faces = calloc (n ? n : 1, sizeof *m->faces);
    m->vectors = malloc ((n ? n : 1) * (size_t) dim * sizeof (float));
    if (!m->faces || !m->vectors)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Homeward__V1__Face *f = faces [i];
        if (f->n_vector != (size_t) dim)
            return mt_err_set (err, MT_EPROTO, "%s: face %zu has %zu values, not %d", what, i,
                               f->n_vector, dim);
        m->faces [i].face_id = f->face_id;
        m->faces [i].case_id = f->case_id;
        m->faces [i].province = f->province;
        memcpy (m->vectors + i * (size_t) dim, f->vector, (size_t) dim * sizeof (float));
    }
    return MT_OK;
}

//  A search: its vectors a whole number of the namespace's.
static int
s_search_from (const Homeward__V1__Search *s, mt_msg_t *m, mt_err_t *err)
{
    m->type = MT_MSG_SEARCH;
    m->ns = (int) s->ns;
    int dim = mt_msg_dim (m->ns);
    if (dim == 0)
        return mt_err_set (err, MT_EPROTO, "search: unknown namespace %d", m->ns);
    if (s->dim != (uint32_t) dim)
        return mt_err_set (err, MT_EPROTO, "search: dimension %u, not the %d of "
                           "namespace %d", s->dim, dim, m->ns);
    if (s->n_vectors % (size_t) dim != 0)
        return mt_err_set (err, MT_EPROTO, "search: %zu values is not a whole number "
                           "of vectors", s->n_vectors);
    m->k = s->k;
    m->query_count = s->n_vectors / (size_t) dim;
    m->vectors = s_copy (s->vectors, s->n_vectors, sizeof (float));
    m->province_count = s->n_provinces;
    m->provinces = s_copy (s->provinces, s->n_provinces, sizeof (uint32_t));
    m->deadline_ms = s->deadline_ms;
    return m->vectors && m->provinces ? MT_OK
                                      : mt_err_set (err, MT_ENOMEM, "out of memory");
}

//  A search's answer: at most MT_MSG_MAX_K hits for each of its queries.
static int
s_search_reply_from (const Homeward__V1__SearchReply *r, mt_msg_t *m, mt_err_t *err)
{
    m->type = MT_MSG_SEARCH_REPLY;
    if (r->n_results > MT_MSG_MAX_QUERIES)
        return mt_err_set (err, MT_EPROTO, "search reply: %zu results", r->n_results);
    m->query_count = r->n_results;
    m->results = calloc (r->n_results ? r->n_results : 1, sizeof *m->results);
    if (!m->results)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_results; i++) {
        const Homeward__V1__QueryHits *q = r->results [i];
        if (q->n_hits > MT_MSG_MAX_K)
            return mt_err_set (err, MT_EPROTO, "search reply: %zu hits", q->n_hits);
        m->results [i].hits = calloc (q->n_hits ? q->n_hits : 1, sizeof (mt_hit_t));
        if (!m->results [i].hits)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        m->results [i].count = q->n_hits;
        for (size_t j = 0; j < q->n_hits; j++) {
            mt_hit_t *h = &m->results [i].hits [j];
            h->face_id = q->hits [j]->face_id;
            h->case_id = q->hits [j]->case_id;
            h->distance = q->hits [j]->distance;
            h->province = q->hits [j]->province;
        }
    }
    m->answered_count = r->n_answered;
    m->answered = s_copy (r->answered, r->n_answered, sizeof (uint32_t));
    m->missing_count = r->n_missing;
    m->missing = s_copy (r->missing, r->n_missing, sizeof (uint32_t));
    m->partial = r->partial;
    m->partitions = r->partitions;
    return m->answered && m->missing ? MT_OK
                                     : mt_err_set (err, MT_ENOMEM, "out of memory");
}

//  The broker's stats: its replicas' states.
static int
s_stats_reply_from (const Homeward__V1__StatsReply *r, mt_msg_t *m, mt_err_t *err)
{
    m->type = MT_MSG_STATS_REPLY;
    m->partitions = r->partitions;
    m->malformed = r->malformed;
    m->adding = r->adding;
    m->rehoming = r->rehoming;
    m->moved = r->moved;
    m->remaining = r->remaining;
    m->replica_count = r->n_replicas;
    m->replica_status = calloc (r->n_replicas ? r->n_replicas : 1,
                                sizeof *m->replica_status);
    if (!m->replica_status)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_replicas; i++) {
        mt_shard_status_t *s = &m->replica_status [i];
        s->partition = r->replicas [i]->partition;
        s->replica = r->replicas [i]->replica;
        s->seq = r->replicas [i]->seq;
        s->missing_count = r->replicas [i]->missing_count;
        s->found_count = r->replicas [i]->found_count;
        snprintf (s->state, sizeof s->state, "%s",
                  r->replicas [i]->state ? r->replicas [i]->state : "");
    }
    return MT_OK;
}

//  An error: a known code, its English and its Chinese (the code's own
//  Chinese from a peer without it).
static int
s_error_from (const Homeward__V1__Error *e, mt_msg_t *m, mt_err_t *err)
{
    (void) err;
    m->type = MT_MSG_ERROR;
    m->error_code = (int) e->code;
    if (m->error_code <= MT_OK || m->error_code >= MT_RC_COUNT)
        m->error_code = MT_EINTERNAL;
    snprintf (m->text, sizeof m->text, "%s", e->message ? e->message : "");
    //  A peer without the Chinese: the code's, with the English.
    if (e->message_zh && e->message_zh [0])
        snprintf (m->text_zh, sizeof m->text_zh, "%s", e->message_zh);
    else
        mt_text_fallback_zh (mt_rc_name (m->error_code), m->text, m->text_zh,
                             sizeof m->text_zh);
    mt_text_trim_utf8 (m->text);
    mt_text_trim_utf8 (m->text_zh);
    return MT_OK;
}

static int
s_decode_body (const s_env_t *env, mt_msg_t *m, mt_err_t *err)
{
    switch (env->body_case) {
        case HOMEWARD__V1__ENVELOPE__BODY_ENROLL:
            m->type = MT_MSG_ENROLL;
            m->ns = (int) env->enroll->ns;
            return s_faces_from (m, env->enroll->faces, env->enroll->n_faces, env->enroll->dim,
                                 "enroll", err);
        case HOMEWARD__V1__ENVELOPE__BODY_REHOME_REPLY:
            m->type = MT_MSG_REHOME_REPLY;
            m->ns = (int) env->rehome_reply->ns;
            m->total = env->rehome_reply->remaining;
            return s_faces_from (m, env->rehome_reply->faces, env->rehome_reply->n_faces,
                                 env->rehome_reply->dim, "rehome reply", err);
        case HOMEWARD__V1__ENVELOPE__BODY_REHOME:
            m->type = MT_MSG_REHOME;
            m->ns = (int) env->rehome->ns;
            m->partition = env->rehome->partition;
            m->partitions = env->rehome->partitions;
            m->most = env->rehome->most;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_ADD_PARTITION:
            m->type = MT_MSG_ADD_PARTITION;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_REMOVE:
            m->type = MT_MSG_REMOVE;
            m->id_count = env->remove->n_face_ids;
            m->face_ids = s_copy (env->remove->face_ids, m->id_count, sizeof (uint64_t));
            m->case_id = env->remove->case_id;
            m->ns = (int) env->remove->ns;
            return m->face_ids ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
        case HOMEWARD__V1__ENVELOPE__BODY_SEARCH:
            return s_search_from (env->search, m, err);
        case HOMEWARD__V1__ENVELOPE__BODY_SEARCH_REPLY:
            return s_search_reply_from (env->search_reply, m, err);
        case HOMEWARD__V1__ENVELOPE__BODY_ACK:
            m->type = MT_MSG_ACK;
            m->applied = env->ack->applied;
            m->replicas = env->ack->replicas;
            m->digest = env->ack->digest;
            if (env->ack->seq)
                m->seq = env->ack->seq;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_STATUS:
            m->type = MT_MSG_STATUS;
            s_status_from (&m->status, env->status);
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_SYNC_BEGIN:
            m->type = MT_MSG_SYNC_BEGIN;
            m->sync_id = env->sync_begin->sync_id;
            m->receive = env->sync_begin->receive;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_SYNC_CHUNK:
            m->type = MT_MSG_SYNC_CHUNK;
            m->sync_id = env->sync_chunk->sync_id;
            m->offset = env->sync_chunk->offset;
            m->last = env->sync_chunk->last;
            m->total = env->sync_chunk->total;
            m->data_size = env->sync_chunk->data.len;
            m->data = s_copy (env->sync_chunk->data.data, m->data_size, 1);
            return m->data ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
        case HOMEWARD__V1__ENVELOPE__BODY_SYNC_NEXT:
            m->type = MT_MSG_SYNC_NEXT;
            m->sync_id = env->sync_next->sync_id;
            m->offset = env->sync_next->offset;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_SYNC_DONE:
            m->type = MT_MSG_SYNC_DONE;
            m->sync_id = env->sync_done->sync_id;
            m->ok = env->sync_done->ok;
            snprintf (m->text, sizeof m->text, "%s",
                      env->sync_done->message ? env->sync_done->message : "");
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_STATS:
            m->type = MT_MSG_STATS;
            return MT_OK;
        case HOMEWARD__V1__ENVELOPE__BODY_STATS_REPLY:
            return s_stats_reply_from (env->stats_reply, m, err);
        case HOMEWARD__V1__ENVELOPE__BODY_ERROR:
            return s_error_from (env->error, m, err);
        case HOMEWARD__V1__ENVELOPE__BODY_PING:
            m->type = MT_MSG_PING;
            return MT_OK;
        default:
            return mt_err_set (err, MT_EPROTO, "message without a body");
    }
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
        rc = s_decode_body (env, m, err);
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
