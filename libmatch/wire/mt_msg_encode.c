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

int
mt_msg_encode (const mt_msg_t *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = NULL;
    *size_p = 0;
    int rc = mti_msg_check (m, err);
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
    //  The namespace's dimension (the check above knows the namespace).
    int dim = mt_msg_dim (m->ns);

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
                faces [i].n_vector = (size_t) dim;
                faces [i].vector = m->vectors + i * (size_t) dim;
                face_ptrs [i] = &faces [i];
            }
            if (m->type == MT_MSG_REHOME_REPLY) {
                rehome_reply.ns = (Homeward__V1__Namespace) m->ns;
                rehome_reply.n_faces = m->face_count;
                rehome_reply.faces = face_ptrs;
                rehome_reply.remaining = m->total;
                rehome_reply.dim = (uint32_t) dim;
                env.body_case = HOMEWARD__V1__ENVELOPE__BODY_REHOME_REPLY;
                env.rehome_reply = &rehome_reply;
                break;
            }
            enroll.ns = (Homeward__V1__Namespace) m->ns;
            enroll.n_faces = m->face_count;
            enroll.faces = face_ptrs;
            enroll.dim = (uint32_t) dim;
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
            remove.ns = (Homeward__V1__Namespace) m->ns;
            env.body_case = HOMEWARD__V1__ENVELOPE__BODY_REMOVE;
            env.remove = &remove;
            break;
        case MT_MSG_SEARCH:
            search.ns = (Homeward__V1__Namespace) m->ns;
            search.k = m->k;
            search.dim = (uint32_t) dim;
            search.n_vectors = m->query_count * (size_t) dim;
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
            error.message_zh = (char *) m->text_zh;
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

