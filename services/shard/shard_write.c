//  shard_write - the engine's writes and what it says: a numbered write
//  applied (or refused when writes were missed), replies to the broker, the
//  figures the heartbeats carry.

#include "shard_engine.h"
#include "base/mt_clock.h"

#include "base/mt_log.h"
#include "index/mt_index.h"
#include "index/mt_partition.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

void
shard_send (shard_engine_t *self, mt_msg_t *msg)
{
    mt_err_t err;
    if (msg && mt_wire_send (self->out, NULL, msg, 0, &err) != MT_OK)
        mt_log_warn (self->name, "cannot send %s: %s", mt_msg_type_name (msg->type), err.msg);
}

void
shard_reply (shard_engine_t *self, mt_msg_t **msg_p)
{
    shard_send (self, *msg_p);
    mt_msg_destroy (msg_p);
}

void
shard_publish (shard_engine_t *self)
{
    __atomic_store_n (&self->stats.seq, mt_store_seq (self->store), __ATOMIC_RELAXED);
    __atomic_store_n (&self->stats.digest, mt_store_digest (self->store), __ATOMIC_RELAXED);
    __atomic_store_n (&self->stats.missing_count,
                      (uint64_t) mt_gallery_size (mt_store_gallery (self->store, MT_NS_MISSING)),
                      __ATOMIC_RELAXED);
    __atomic_store_n (&self->stats.found_count,
                      (uint64_t) mt_gallery_size (mt_store_gallery (self->store, MT_NS_FOUND)),
                      __ATOMIC_RELAXED);
    __atomic_store_n (&self->stats.syncing, self->import_id != 0, __ATOMIC_RELAXED);
}

mt_msg_t *
shard_status_msg (const shard_config_t *config, shard_stats_t *stats, bool hello)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATUS);
    if (msg)
        msg->status = (mt_shard_status_t) {
            .partition = (uint32_t) config->partition,
            .replica = (uint32_t) config->replica,
            .partitions = (uint32_t) config->partitions,
            .seq = __atomic_load_n (&stats->seq, __ATOMIC_RELAXED),
            .digest = __atomic_load_n (&stats->digest, __ATOMIC_RELAXED),
            .missing_count = __atomic_load_n (&stats->missing_count, __ATOMIC_RELAXED),
            .found_count = __atomic_load_n (&stats->found_count, __ATOMIC_RELAXED),
            .hello = hello,
            .syncing = __atomic_load_n (&stats->syncing, __ATOMIC_RELAXED) != 0
        };
    return msg;
}

//  Apply a numbered write and answer it with an Ack (or an Error that makes
//  the broker re-sync this replica).
void
shard_apply_write (shard_engine_t *self, mt_msg_t *msg, bool reply)
{
    uint64_t seq = msg->seq, have = mt_store_seq (self->store);
    mt_msg_t *answer = NULL;
    if (seq != 0 && seq <= have) {
        //  A repeat of a write already applied: harmless, say where we are.
        answer = mt_msg_new (MT_MSG_ACK);
    }
    else
    if (seq != 0 && seq != have + 1) {
        mt_log_warn (self->name, "write %" PRIu64 " arrived after %" PRIu64 ": writes were "
                     "missed; asking for a copy", seq, have);
        answer = mt_msg_error (msg->request_id, MT_ENOTFOUND, "replica %s missed writes %"
                               PRIu64 "..%" PRIu64, self->name, have + 1, seq - 1);
    }
    else {
        size_t applied = 0;
        mt_err_t err;
        int rc = msg->type == MT_MSG_ENROLL
               ? mt_store_enroll (self->store, seq, (mt_ns) msg->ns, msg->face_count,
                                  msg->faces, msg->vectors, &applied, &err)
               : mt_store_remove_from (self->store, seq, msg->ns, msg->id_count,
                                       msg->face_ids, msg->case_id, &applied, &err);
        if (rc == MT_OK) {
            answer = mt_msg_new (MT_MSG_ACK);
            if (answer)
                answer->applied = applied;
            if (msg->type == MT_MSG_REMOVE && applied > 0 && !self->purge_at)
                self->purge_at = mt_clock_ms () + self->config->purge_ms;
        }
        else {
            mt_log_error (self->name, "write %" PRIu64 " failed: %s", seq, err.msg);
            answer = mt_msg_error_of (msg->request_id, rc, &err);
        }
    }
    if (answer && answer->type == MT_MSG_ACK) {
        answer->seq = mt_store_seq (self->store);
        answer->digest = mt_store_digest (self->store);
        answer->replicas = 1;
    }
    if (answer)
        answer->request_id = msg->request_id;
    if (reply)
        shard_send (self, answer);
    mt_msg_destroy (&answer);
}
