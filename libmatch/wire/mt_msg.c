//  mt_msg - the wire codec: plain C messages <-> protobuf-c envelopes. The
//  only file that sees the generated protobuf-c types.

#include "wire/mt_msg.h"

#include "homeward/v1/homeward.pb-c.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Envelope s_env_t;

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
        vsnprintf (self->text, sizeof self->text, fmt, args);
        va_end (args);
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

//  Faces to store: an enroll's, or those a shard hands over.
static int
s_check_faces (const mt_msg_t *m, const char *what, mt_err_t *err)
{
    if (m->ns != 1 && m->ns != 2)
        return mt_err_set (err, MT_EPROTO, "%s: unknown namespace %d", what, m->ns);
    for (size_t i = 0; i < m->face_count; i++)
        if (m->faces [i].face_id == 0 || m->faces [i].face_id > MT_FACE_ID_MAX)
            return mt_err_set (err, MT_EPROTO, "%s: face id %llu out of range", what,
                               (unsigned long long) m->faces [i].face_id);
    if (!s_finite (m->vectors, m->face_count * MT_DIM))
        return mt_err_set (err, MT_EPROTO, "%s: a vector is not finite", what);
    return MT_OK;
}

static int
s_check (const mt_msg_t *m, mt_err_t *err)
{
    switch (m->type) {
        case MT_MSG_ENROLL:
            if (m->face_count == 0)
                return mt_err_set (err, MT_EPROTO, "enroll: no faces");
            return s_check_faces (m, "enroll", err);
        case MT_MSG_REHOME_REPLY:
            return s_check_faces (m, "rehome reply", err);
        case MT_MSG_REHOME:
            if (m->ns != 1 && m->ns != 2)
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
            for (size_t i = 0; i < m->id_count; i++)
                if (m->face_ids [i] > MT_FACE_ID_MAX)
                    return mt_err_set (err, MT_EPROTO, "remove: face id out of range");
            return MT_OK;
        case MT_MSG_SEARCH:
            if (m->ns != 1 && m->ns != 2)
                return mt_err_set (err, MT_EPROTO, "search: unknown namespace %d", m->ns);
            if (m->k < 1 || m->k > MT_MSG_MAX_K)
                return mt_err_set (err, MT_EPROTO, "search: k must be 1..%d, not %u",
                                   MT_MSG_MAX_K, m->k);
            if (m->query_count < 1 || m->query_count > MT_MSG_MAX_QUERIES)
                return mt_err_set (err, MT_EPROTO, "search: 1..%d queries, not %zu",
                                   MT_MSG_MAX_QUERIES, m->query_count);
            if (!s_finite (m->vectors, m->query_count * MT_DIM))
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

//  ---------------------------------------------------------------- encode

int
mt_msg_encode (const mt_msg_t *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = NULL;
    *size_p = 0;
    int rc = s_check (m, err);
    if (rc != MT_OK)
        return rc;

    s_env_t env = HOMEWARD__V1__ENVELOPE__INIT;
    env.version = MT_PROTO_VERSION;
    env.request_id = m->request_id;
    env.seq = m->seq;

    //  Sub-messages live on the stack or in arrays freed below; vectors and
    //  ids point into m.
    Homeward__V1__Enroll enroll = HOMEWARD__V1__ENROLL__INIT;
    Homeward__V1__Face *faces = NULL, **face_ptrs = NULL;
    Homeward__V1__Remove remove = HOMEWARD__V1__REMOVE__INIT;
    Homeward__V1__Search search = HOMEWARD__V1__SEARCH__INIT;
    Homeward__V1__SearchReply reply = HOMEWARD__V1__SEARCH_REPLY__INIT;
    Homeward__V1__QueryHits *qh = NULL, **qh_ptrs = NULL;
    Homeward__V1__Hit *hits = NULL, **hit_ptrs = NULL;
    Homeward__V1__Ack ack = HOMEWARD__V1__ACK__INIT;
    Homeward__V1__ShardStatus status = HOMEWARD__V1__SHARD_STATUS__INIT;
    Homeward__V1__SyncBegin sync_begin = HOMEWARD__V1__SYNC_BEGIN__INIT;
    Homeward__V1__SyncChunk sync_chunk = HOMEWARD__V1__SYNC_CHUNK__INIT;
    Homeward__V1__SyncNext sync_next = HOMEWARD__V1__SYNC_NEXT__INIT;
    Homeward__V1__SyncDone sync_done = HOMEWARD__V1__SYNC_DONE__INIT;
    Homeward__V1__Stats stats = HOMEWARD__V1__STATS__INIT;
    Homeward__V1__StatsReply stats_reply = HOMEWARD__V1__STATS_REPLY__INIT;
    Homeward__V1__StatsReply__Replica *reps = NULL, **rep_ptrs = NULL;
    Homeward__V1__Error error = HOMEWARD__V1__ERROR__INIT;
    Homeward__V1__Ping ping = HOMEWARD__V1__PING__INIT;
    Homeward__V1__AddPartition add_partition = HOMEWARD__V1__ADD_PARTITION__INIT;
    Homeward__V1__Rehome rehome = HOMEWARD__V1__REHOME__INIT;
    Homeward__V1__RehomeReply rehome_reply = HOMEWARD__V1__REHOME_REPLY__INIT;
    rc = MT_OK;

    switch (m->type) {
        case MT_MSG_ENROLL:
        case MT_MSG_REHOME_REPLY:
            faces = calloc (m->face_count + 1, sizeof *faces);
            face_ptrs = calloc (m->face_count + 1, sizeof *face_ptrs);
            if (!faces || !face_ptrs) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < m->face_count; i++) {
                homeward__v1__face__init (&faces [i]);
                faces [i].face_id = m->faces [i].face_id;
                faces [i].case_id = m->faces [i].case_id;
                faces [i].province = m->faces [i].province;
                faces [i].n_vector = MT_DIM;
                faces [i].vector = m->vectors + i * MT_DIM;
                face_ptrs [i] = &faces [i];
            }
            if (m->type == MT_MSG_REHOME_REPLY) {
                rehome_reply.ns = (Homeward__V1__Namespace) m->ns;
                rehome_reply.n_faces = m->face_count;
                rehome_reply.faces = face_ptrs;
                rehome_reply.remaining = m->total;
                env.body_case = HOMEWARD__V1__ENVELOPE__BODY_REHOME_REPLY;
                env.rehome_reply = &rehome_reply;
                break;
            }
            enroll.ns = (Homeward__V1__Namespace) m->ns;
            enroll.n_faces = m->face_count;
            enroll.faces = face_ptrs;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_ENROLL;
            env.enroll = &enroll;
            break;
        case MT_MSG_REHOME:
            rehome.ns = (Homeward__V1__Namespace) m->ns;
            rehome.partition = m->partition;
            rehome.partitions = m->partitions;
            rehome.most = m->most;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_REHOME;
            env.rehome = &rehome;
            break;
        case MT_MSG_ADD_PARTITION:
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_ADD_PARTITION;
            env.add_partition = &add_partition;
            break;
        case MT_MSG_REMOVE:
            remove.n_face_ids = m->id_count;
            remove.face_ids = m->face_ids;
            remove.case_id = m->case_id;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_REMOVE;
            env.remove = &remove;
            break;
        case MT_MSG_SEARCH:
            search.ns = (Homeward__V1__Namespace) m->ns;
            search.k = m->k;
            search.dim = MT_DIM;
            search.n_vectors = m->query_count * MT_DIM;
            search.vectors = m->vectors;
            search.n_provinces = m->province_count;
            search.provinces = m->provinces;
            search.deadline_ms = m->deadline_ms;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SEARCH;
            env.search = &search;
            break;
        case MT_MSG_SEARCH_REPLY: {
            size_t total = 0;
            for (size_t i = 0; i < m->query_count; i++)
                total += m->results [i].count;
            qh = calloc (m->query_count + 1, sizeof *qh);
            qh_ptrs = calloc (m->query_count + 1, sizeof *qh_ptrs);
            hits = calloc (total + 1, sizeof *hits);
            hit_ptrs = calloc (total + 1, sizeof *hit_ptrs);
            if (!qh || !qh_ptrs || !hits || !hit_ptrs) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            size_t at = 0;
            for (size_t i = 0; i < m->query_count; i++) {
                homeward__v1__query_hits__init (&qh [i]);
                qh [i].n_hits = m->results [i].count;
                qh [i].hits = hit_ptrs + at;
                for (size_t j = 0; j < m->results [i].count; j++, at++) {
                    const mt_hit_t *h = &m->results [i].hits [j];
                    homeward__v1__hit__init (&hits [at]);
                    hits [at].face_id = h->face_id;
                    hits [at].case_id = h->case_id;
                    hits [at].distance = h->distance;
                    hits [at].province = h->province;
                    hit_ptrs [at] = &hits [at];
                }
                qh_ptrs [i] = &qh [i];
            }
            reply.n_results = m->query_count;
            reply.results = qh_ptrs;
            reply.n_answered = m->answered_count;
            reply.answered = m->answered;
            reply.n_missing = m->missing_count;
            reply.missing = m->missing;
            reply.partial = m->partial;
            reply.partitions = m->partitions;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SEARCH_REPLY;
            env.search_reply = &reply;
            break;
        }
        case MT_MSG_ACK:
            ack.applied = m->applied;
            ack.replicas = m->replicas;
            ack.seq = m->seq;
            ack.digest = m->digest;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_ACK;
            env.ack = &ack;
            break;
        case MT_MSG_STATUS:
            status.partition = m->status.partition;
            status.replica = m->status.replica;
            status.partitions = m->status.partitions;
            status.seq = m->status.seq;
            status.digest = m->status.digest;
            status.missing_count = m->status.missing_count;
            status.found_count = m->status.found_count;
            status.hello = m->status.hello;
            status.syncing = m->status.syncing;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_STATUS;
            env.status = &status;
            break;
        case MT_MSG_SYNC_BEGIN:
            sync_begin.sync_id = m->sync_id;
            sync_begin.receive = m->receive;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_BEGIN;
            env.sync_begin = &sync_begin;
            break;
        case MT_MSG_SYNC_CHUNK:
            sync_chunk.sync_id = m->sync_id;
            sync_chunk.offset = m->offset;
            sync_chunk.data.len = m->data_size;
            sync_chunk.data.data = m->data;
            sync_chunk.last = m->last;
            sync_chunk.total = m->total;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_CHUNK;
            env.sync_chunk = &sync_chunk;
            break;
        case MT_MSG_SYNC_NEXT:
            sync_next.sync_id = m->sync_id;
            sync_next.offset = m->offset;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_NEXT;
            env.sync_next = &sync_next;
            break;
        case MT_MSG_SYNC_DONE:
            sync_done.sync_id = m->sync_id;
            sync_done.ok = m->ok;
            sync_done.message = (char *) m->text;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_DONE;
            env.sync_done = &sync_done;
            break;
        case MT_MSG_STATS:
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_STATS;
            env.stats = &stats;
            break;
        case MT_MSG_STATS_REPLY:
            reps = calloc (m->replica_count + 1, sizeof *reps);
            rep_ptrs = calloc (m->replica_count + 1, sizeof *rep_ptrs);
            if (!reps || !rep_ptrs) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < m->replica_count; i++) {
                const mt_shard_status_t *s = &m->replica_status [i];
                homeward__v1__stats_reply__replica__init (&reps [i]);
                reps [i].partition = s->partition;
                reps [i].replica = s->replica;
                reps [i].state = (char *) s->state;
                reps [i].seq = s->seq;
                reps [i].missing_count = s->missing_count;
                reps [i].found_count = s->found_count;
                rep_ptrs [i] = &reps [i];
            }
            stats_reply.partitions = m->partitions;
            stats_reply.n_replicas = m->replica_count;
            stats_reply.replicas = rep_ptrs;
            stats_reply.malformed = m->malformed;
            stats_reply.adding = m->adding;
            stats_reply.rehoming = m->rehoming;
            stats_reply.moved = m->moved;
            stats_reply.remaining = m->remaining;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_STATS_REPLY;
            env.stats_reply = &stats_reply;
            break;
        case MT_MSG_ERROR:
            error.code = (uint32_t) m->error_code;
            error.name = (char *) mt_rc_name (m->error_code);
            error.message = (char *) m->text;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_ERROR;
            env.error = &error;
            break;
        case MT_MSG_PING:
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_PING;
            env.ping = &ping;
            break;
        default:
            rc = mt_err_set (err, MT_EINVAL, "cannot encode message type %d", (int) m->type);
    }
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
    free (faces), free (face_ptrs), free (qh), free (qh_ptrs), free (hits), free (hit_ptrs);
    free (reps), free (rep_ptrs);
    return rc;
}

//  ---------------------------------------------------------------- decode

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

static int
s_faces_from (mt_msg_t *m, Homeward__V1__Face **faces, size_t n, const char *what,
              mt_err_t *err)
{
    m->face_count = n;
    m->faces = calloc (n ? n : 1, sizeof *m->faces);
    m->vectors = malloc ((n ? n : 1) * MT_DIM * sizeof (float));
    if (!m->faces || !m->vectors)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Homeward__V1__Face *f = faces [i];
        if (f->n_vector != MT_DIM)
            return mt_err_set (err, MT_EPROTO, "%s: face %zu has %zu values, not %d", what, i,
                               f->n_vector, MT_DIM);
        m->faces [i].face_id = f->face_id;
        m->faces [i].case_id = f->case_id;
        m->faces [i].province = f->province;
        memcpy (m->vectors + i * MT_DIM, f->vector, MT_DIM * sizeof (float));
    }
    return MT_OK;
}

static int
s_decode_body (const s_env_t *env, mt_msg_t *m, mt_err_t *err)
{
    switch (env->body_case) {
        case HOMEWARD__V1__ENVELOPE__BODY_ENROLL:
            m->type = MT_MSG_ENROLL;
            m->ns = (int) env->enroll->ns;
            return s_faces_from (m, env->enroll->faces, env->enroll->n_faces, "enroll", err);
        case HOMEWARD__V1__ENVELOPE__BODY_REHOME_REPLY:
            m->type = MT_MSG_REHOME_REPLY;
            m->ns = (int) env->rehome_reply->ns;
            m->total = env->rehome_reply->remaining;
            return s_faces_from (m, env->rehome_reply->faces, env->rehome_reply->n_faces,
                                 "rehome reply", err);
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
            return m->face_ids ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
        case HOMEWARD__V1__ENVELOPE__BODY_SEARCH: {
            const Homeward__V1__Search *s = env->search;
            m->type = MT_MSG_SEARCH;
            if (s->dim != MT_DIM)
                return mt_err_set (err, MT_EPROTO, "search: dimension %u, not %d", s->dim,
                                   MT_DIM);
            if (s->n_vectors % MT_DIM != 0)
                return mt_err_set (err, MT_EPROTO, "search: %zu values is not a whole number "
                                   "of vectors", s->n_vectors);
            m->ns = (int) s->ns;
            m->k = s->k;
            m->query_count = s->n_vectors / MT_DIM;
            m->vectors = s_copy (s->vectors, s->n_vectors, sizeof (float));
            m->province_count = s->n_provinces;
            m->provinces = s_copy (s->provinces, s->n_provinces, sizeof (uint32_t));
            m->deadline_ms = s->deadline_ms;
            return m->vectors && m->provinces ? MT_OK
                                              : mt_err_set (err, MT_ENOMEM, "out of memory");
        }
        case HOMEWARD__V1__ENVELOPE__BODY_SEARCH_REPLY: {
            const Homeward__V1__SearchReply *r = env->search_reply;
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
        case HOMEWARD__V1__ENVELOPE__BODY_STATS_REPLY: {
            const Homeward__V1__StatsReply *r = env->stats_reply;
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
        case HOMEWARD__V1__ENVELOPE__BODY_ERROR:
            m->type = MT_MSG_ERROR;
            m->error_code = (int) env->error->code;
            if (m->error_code <= MT_OK || m->error_code >= MT_RC_COUNT)
                m->error_code = MT_EINTERNAL;
            snprintf (m->text, sizeof m->text, "%s",
                      env->error->message ? env->error->message : "");
            return MT_OK;
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
        rc = s_check (m, err);
    homeward__v1__envelope__free_unpacked (env, NULL);
    if (rc != MT_OK) {
        mt_msg_destroy (&m);
        return rc;
    }
    *self_p = m;
    return MT_OK;
}
