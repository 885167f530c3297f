//  mt_msg_encode - a message as a protobuf-c envelope's bytes (checked
//  first: nothing malformed leaves).

#include "wire/mt_msg.h"
#include "mti_msg.h"

#include "homeward/v1/homeward.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Envelope s_env_t;

//  What an encoder allocates for the envelope's sub-messages: freed once
//  the envelope is packed. Vectors and ids point into the message.
#define S_BLOCKS 6
typedef struct {
    void *blocks [S_BLOCKS];
    size_t count;
} s_scratch_t;

//  n zeroed items of size (one more, so that n may be 0); NULL when out of
//  memory.
static void *
s_new (s_scratch_t *scratch, size_t n, size_t size)
{
    void *block = scratch->count < S_BLOCKS ? calloc (n + 1, size) : NULL;
    if (block)
        scratch->blocks [scratch->count++] = block;
    return block;
}

typedef int (s_encode_fn) (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch);

//  The faces of an enroll or rehome reply, of the namespace's dimension.
static Homeward__V1__Face **
s_faces (const mt_msg_t *m, s_scratch_t *scratch)
{
    int dim = mt_msg_dim (m->ns);
    Homeward__V1__Face *faces = s_new (scratch, m->face_count, sizeof *faces);
    Homeward__V1__Face **ptrs = s_new (scratch, m->face_count, sizeof *ptrs);
    if (!faces || !ptrs)
        return NULL;
    for (size_t i = 0; i < m->face_count; i++) {
        homeward__v1__face__init (&faces [i]);
        faces [i].face_id = m->faces [i].face_id;
        faces [i].case_id = m->faces [i].case_id;
        faces [i].province = m->faces [i].province;
        faces [i].n_vector = (size_t) dim;
        faces [i].vector = m->vectors + i * (size_t) dim;
        ptrs [i] = &faces [i];
    }
    return ptrs;
}

static int
s_enroll (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Enroll *enroll = s_new (scratch, 1, sizeof *enroll);
    Homeward__V1__Face **faces = enroll ? s_faces (m, scratch) : NULL;
    if (!faces)
        return MT_ENOMEM;
    homeward__v1__enroll__init (enroll);
    enroll->ns = (Homeward__V1__Namespace) m->ns;
    enroll->n_faces = m->face_count;
    enroll->faces = faces;
    enroll->dim = (uint32_t) mt_msg_dim (m->ns);
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_ENROLL;
    env->enroll = enroll;
    return MT_OK;
}

static int
s_rehome_reply (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__RehomeReply *reply = s_new (scratch, 1, sizeof *reply);
    Homeward__V1__Face **faces = reply ? s_faces (m, scratch) : NULL;
    if (!faces)
        return MT_ENOMEM;
    homeward__v1__rehome_reply__init (reply);
    reply->ns = (Homeward__V1__Namespace) m->ns;
    reply->n_faces = m->face_count;
    reply->faces = faces;
    reply->remaining = m->total;
    reply->dim = (uint32_t) mt_msg_dim (m->ns);
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_REHOME_REPLY;
    env->rehome_reply = reply;
    return MT_OK;
}

static int
s_rehome (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Rehome *rehome = s_new (scratch, 1, sizeof *rehome);
    if (!rehome)
        return MT_ENOMEM;
    homeward__v1__rehome__init (rehome);
    rehome->ns = (Homeward__V1__Namespace) m->ns;
    rehome->partition = m->partition;
    rehome->partitions = m->partitions;
    rehome->most = m->most;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_REHOME;
    env->rehome = rehome;
    return MT_OK;
}

static int
s_remove (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Remove *remove = s_new (scratch, 1, sizeof *remove);
    if (!remove)
        return MT_ENOMEM;
    homeward__v1__remove__init (remove);
    remove->n_face_ids = m->id_count;
    remove->face_ids = m->face_ids;
    remove->case_id = m->case_id;
    remove->ns = (Homeward__V1__Namespace) m->ns;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_REMOVE;
    env->remove = remove;
    return MT_OK;
}

static int
s_search (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Search *search = s_new (scratch, 1, sizeof *search);
    if (!search)
        return MT_ENOMEM;
    int dim = mt_msg_dim (m->ns);
    homeward__v1__search__init (search);
    search->ns = (Homeward__V1__Namespace) m->ns;
    search->k = m->k;
    search->dim = (uint32_t) dim;
    search->n_vectors = m->query_count * (size_t) dim;
    search->vectors = m->vectors;
    search->n_provinces = m->province_count;
    search->provinces = m->provinces;
    search->deadline_ms = m->deadline_ms;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SEARCH;
    env->search = search;
    return MT_OK;
}

static int
s_search_reply (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    size_t total = 0;
    for (size_t i = 0; i < m->query_count; i++)
        total += m->results [i].count;
    Homeward__V1__SearchReply *reply = s_new (scratch, 1, sizeof *reply);
    Homeward__V1__QueryHits *qh = s_new (scratch, m->query_count, sizeof *qh);
    Homeward__V1__QueryHits **qh_ptrs = s_new (scratch, m->query_count, sizeof *qh_ptrs);
    Homeward__V1__Hit *hits = s_new (scratch, total, sizeof *hits);
    Homeward__V1__Hit **hit_ptrs = s_new (scratch, total, sizeof *hit_ptrs);
    if (!reply || !qh || !qh_ptrs || !hits || !hit_ptrs)
        return MT_ENOMEM;
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
    homeward__v1__search_reply__init (reply);
    reply->n_results = m->query_count;
    reply->results = qh_ptrs;
    reply->n_answered = m->answered_count;
    reply->answered = m->answered;
    reply->n_missing = m->missing_count;
    reply->missing = m->missing;
    reply->partial = m->partial;
    reply->partitions = m->partitions;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SEARCH_REPLY;
    env->search_reply = reply;
    return MT_OK;
}

static int
s_ack (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Ack *ack = s_new (scratch, 1, sizeof *ack);
    if (!ack)
        return MT_ENOMEM;
    homeward__v1__ack__init (ack);
    ack->applied = m->applied;
    ack->replicas = m->replicas;
    ack->seq = m->seq;
    ack->digest = m->digest;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_ACK;
    env->ack = ack;
    return MT_OK;
}

static int
s_status (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__ShardStatus *status = s_new (scratch, 1, sizeof *status);
    if (!status)
        return MT_ENOMEM;
    homeward__v1__shard_status__init (status);
    status->partition = m->status.partition;
    status->replica = m->status.replica;
    status->partitions = m->status.partitions;
    status->seq = m->status.seq;
    status->digest = m->status.digest;
    status->missing_count = m->status.missing_count;
    status->found_count = m->status.found_count;
    status->hello = m->status.hello;
    status->syncing = m->status.syncing;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_STATUS;
    env->status = status;
    return MT_OK;
}

static int
s_sync_begin (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__SyncBegin *begin = s_new (scratch, 1, sizeof *begin);
    if (!begin)
        return MT_ENOMEM;
    homeward__v1__sync_begin__init (begin);
    begin->sync_id = m->sync_id;
    begin->receive = m->receive;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_BEGIN;
    env->sync_begin = begin;
    return MT_OK;
}

static int
s_sync_chunk (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__SyncChunk *chunk = s_new (scratch, 1, sizeof *chunk);
    if (!chunk)
        return MT_ENOMEM;
    homeward__v1__sync_chunk__init (chunk);
    chunk->sync_id = m->sync_id;
    chunk->offset = m->offset;
    chunk->data.len = m->data_size;
    chunk->data.data = m->data;
    chunk->last = m->last;
    chunk->total = m->total;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_CHUNK;
    env->sync_chunk = chunk;
    return MT_OK;
}

static int
s_sync_next (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__SyncNext *next = s_new (scratch, 1, sizeof *next);
    if (!next)
        return MT_ENOMEM;
    homeward__v1__sync_next__init (next);
    next->sync_id = m->sync_id;
    next->offset = m->offset;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_NEXT;
    env->sync_next = next;
    return MT_OK;
}

static int
s_sync_done (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__SyncDone *done = s_new (scratch, 1, sizeof *done);
    if (!done)
        return MT_ENOMEM;
    homeward__v1__sync_done__init (done);
    done->sync_id = m->sync_id;
    done->ok = m->ok;
    done->message = (char *) m->text;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_SYNC_DONE;
    env->sync_done = done;
    return MT_OK;
}

static int
s_stats_reply (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__StatsReply *reply = s_new (scratch, 1, sizeof *reply);
    Homeward__V1__StatsReply__Replica *reps = s_new (scratch, m->replica_count, sizeof *reps);
    Homeward__V1__StatsReply__Replica **ptrs = s_new (scratch, m->replica_count, sizeof *ptrs);
    if (!reply || !reps || !ptrs)
        return MT_ENOMEM;
    for (size_t i = 0; i < m->replica_count; i++) {
        const mt_shard_status_t *s = &m->replica_status [i];
        homeward__v1__stats_reply__replica__init (&reps [i]);
        reps [i].partition = s->partition;
        reps [i].replica = s->replica;
        reps [i].state = (char *) s->state;
        reps [i].seq = s->seq;
        reps [i].missing_count = s->missing_count;
        reps [i].found_count = s->found_count;
        ptrs [i] = &reps [i];
    }
    homeward__v1__stats_reply__init (reply);
    reply->partitions = m->partitions;
    reply->n_replicas = m->replica_count;
    reply->replicas = ptrs;
    reply->malformed = m->malformed;
    reply->adding = m->adding;
    reply->rehoming = m->rehoming;
    reply->moved = m->moved;
    reply->remaining = m->remaining;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_STATS_REPLY;
    env->stats_reply = reply;
    return MT_OK;
}

static int
s_error (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    Homeward__V1__Error *error = s_new (scratch, 1, sizeof *error);
    if (!error)
        return MT_ENOMEM;
    homeward__v1__error__init (error);
    error->code = (uint32_t) m->error_code;
    error->name = (char *) mt_rc_name (m->error_code);
    error->message = (char *) m->text;
    error->message_zh = (char *) m->text_zh;
    env->body_case = HOMEWARD__V1__ENVELOPE__BODY_ERROR;
    env->error = error;
    return MT_OK;
}

//  The messages without fields: their empty body.
static int
s_empty (const mt_msg_t *m, s_env_t *env, s_scratch_t *scratch)
{
    //  Every empty message has the same layout: a ProtobufCMessage alone.
    ProtobufCMessage *body = s_new (scratch, 1, sizeof *body);
    if (!body)
        return MT_ENOMEM;
    switch (m->type) {
        case MT_MSG_STATS:
            homeward__v1__stats__init ((Homeward__V1__Stats *) body);
            env->body_case = HOMEWARD__V1__ENVELOPE__BODY_STATS;
            env->stats = (Homeward__V1__Stats *) body;
            break;
        case MT_MSG_PING:
            homeward__v1__ping__init ((Homeward__V1__Ping *) body);
            env->body_case = HOMEWARD__V1__ENVELOPE__BODY_PING;
            env->ping = (Homeward__V1__Ping *) body;
            break;
        default:
            homeward__v1__add_partition__init ((Homeward__V1__AddPartition *) body);
            env->body_case = HOMEWARD__V1__ENVELOPE__BODY_ADD_PARTITION;
            env->add_partition = (Homeward__V1__AddPartition *) body;
    }
    return MT_OK;
}

//  Each message type's encoder, by mt_msg_type.
static s_encode_fn *const s_encoders [] = {
    [MT_MSG_ENROLL] = s_enroll,             [MT_MSG_REMOVE] = s_remove,
    [MT_MSG_SEARCH] = s_search,             [MT_MSG_SEARCH_REPLY] = s_search_reply,
    [MT_MSG_ACK] = s_ack,                   [MT_MSG_STATUS] = s_status,
    [MT_MSG_SYNC_BEGIN] = s_sync_begin,     [MT_MSG_SYNC_CHUNK] = s_sync_chunk,
    [MT_MSG_SYNC_NEXT] = s_sync_next,       [MT_MSG_SYNC_DONE] = s_sync_done,
    [MT_MSG_STATS] = s_empty,               [MT_MSG_STATS_REPLY] = s_stats_reply,
    [MT_MSG_ERROR] = s_error,               [MT_MSG_PING] = s_empty,
    [MT_MSG_ADD_PARTITION] = s_empty,       [MT_MSG_REHOME] = s_rehome,
    [MT_MSG_REHOME_REPLY] = s_rehome_reply
};

int
mt_msg_encode (const mt_msg_t *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = NULL;
    *size_p = 0;
    int rc = mti_msg_check (m, err);
    if (rc != MT_OK)
        return rc;
    s_encode_fn *encode = (size_t) m->type < sizeof s_encoders / sizeof s_encoders [0]
                        ? s_encoders [m->type] : NULL;
    if (!encode)
        return mt_err_set (err, MT_EINVAL, "cannot encode message type %d", (int) m->type);
    s_env_t env = HOMEWARD__V1__ENVELOPE__INIT;
    env.version = MT_PROTO_VERSION;
    env.request_id = m->request_id;
    env.seq = m->seq;
    s_scratch_t scratch = { .count = 0 };
    if (encode (m, &env, &scratch) != MT_OK)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
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
    return rc;
}
