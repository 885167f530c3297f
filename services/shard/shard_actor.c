//  shard_actor - a shard replica behind the broker.

#include "shard_actor.h"

#include "index/mt_index.h"
#include "base/mt_log.h"
#include "index/mt_partition.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

//  Snapshot bytes per sync chunk.
#define S_CHUNK_BYTES (4u << 20)

const mt_config_key_t shard_config_keys [] = {
    { "broker", MT_CFG_STRING, offsetof (shard_config_t, broker), 0, 256,
      "the broker's shard endpoint to connect to" },
    { "data-dir", MT_CFG_STRING, offsetof (shard_config_t, data_dir), 0, 1024,
      "folder of this replica's snapshot and log" },
    { "index", MT_CFG_STRING, offsetof (shard_config_t, index), 0, 256,
      "auto (exact search while a gallery is small, IVF above exact-below), exact, ivf, "
      "ivf-sq8, or a FAISS factory string" },
    { "exact-below", MT_CFG_INT, offsetof (shard_config_t, exact_below), 2, 1e10,
      "with index auto: exact search below this many faces a gallery" },
    { "recall-target", MT_CFG_DOUBLE, offsetof (shard_config_t, recall_target), 0.5, 1,
      "recall@20 against exact search that an approximate index is tuned to hold" },
    { "partition", MT_CFG_INT, offsetof (shard_config_t, partition), 0, 4095,
      "which partition this replica holds" },
    { "replica", MT_CFG_INT, offsetof (shard_config_t, replica), 0, 255,
      "replica number within the partition" },
    { "partitions", MT_CFG_INT, offsetof (shard_config_t, partitions), 1, 4096,
      "how many partitions there are (a check on partition; the broker's count, which "
      "grows with add-partition, is the one that places cases)" },
    { "heartbeat-ms", MT_CFG_INT, offsetof (shard_config_t, heartbeat_ms), 10, 60000,
      "status interval" },
    { "liveness", MT_CFG_INT, offsetof (shard_config_t, liveness), 2, 100,
      "silent heartbeats before reconnecting to the broker" },
    { "snapshot-ops", MT_CFG_INT, offsetof (shard_config_t, snapshot_ops), 0, 1e9,
      "writes between snapshots (0: only on request)" },
    { "purge-ms", MT_CFG_INT, offsetof (shard_config_t, purge_ms), 0, 86400000,
      "after removing faces, rewrite the snapshot and empty the log within this many ms, "
      "so that removed faces leave the files too" },
    { "sync", MT_CFG_BOOL, offsetof (shard_config_t, sync), 0, 0,
      "fdatasync the log before acknowledging a write" },
    { "blas-threads", MT_CFG_INT, offsetof (shard_config_t, blas_threads), 1, 256,
      "BLAS threads for batch searches" },
    MT_CURVE_CLIENT_KEYS (shard_config_t, curve, "broker-key",
                          "the broker's public key (.pub file or Z85 text)"),
    { .name = NULL }
};

void
shard_config_defaults (shard_config_t *config)
{
    *config = (shard_config_t) {
        .broker = "tcp://127.0.0.1:5556",
        .data_dir = "var/shard-0-0",
        .index = "auto", .exact_below = 200000, .recall_target = 0.99,
        .partition = 0, .replica = 0, .partitions = 1,
        .heartbeat_ms = 500, .liveness = 4,
        .snapshot_ops = 20000, .purge_ms = 2000, .sync = true,
        .blas_threads = 2
    };
}

//  What the engine last published for the status heartbeats.
typedef struct {
    uint64_t seq, digest, missing_count, found_count;
    int syncing;
} s_stats_t;

//  The engine: the thread that owns the store and does the work, so that
//  the I/O thread stays free to keep the heartbeats going while a large
//  write or search runs.
typedef struct {
    const shard_config_t *config;
    char name [32];
    mt_store_t *store;
    void *out;                      //  PAIR to the I/O thread: replies go there
    s_stats_t stats;                //  read by the I/O thread (atomically)
    //  Serving a copy to a peer.
    uint64_t export_id;
    char export_path [1100];
    uint64_t export_size;
    //  Receiving a copy: writes that arrive meanwhile wait here.
    uint64_t import_id;
    char import_path [1100];
    FILE *import_file;
    mt_msg_t **held;
    size_t held_count, held_size;
    //  Removed faces are still in the log and the last snapshot: rewrite
    //  them at this time (ms, 0: nothing to purge).
    int64_t purge_at;
} s_shard_t;

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_send (s_shard_t *self, mt_msg_t *msg)
{
    mt_err_t err;
    if (msg && mt_wire_send (self->out, NULL, msg, 0, &err) != MT_OK)
        mt_log_warn (self->name, "cannot send %s: %s", mt_msg_type_name (msg->type), err.msg);
}

static void
s_reply (s_shard_t *self, mt_msg_t **msg_p)
{
    s_send (self, *msg_p);
    mt_msg_destroy (msg_p);
}

static void
s_publish (s_shard_t *self)
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

static mt_msg_t *
s_status_msg (const shard_config_t *config, s_stats_t *stats, bool hello)
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
static void
s_apply_write (s_shard_t *self, mt_msg_t *msg, bool reply)
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
               : mt_store_remove (self->store, seq, msg->id_count, msg->face_ids, msg->case_id,
                                  &applied, &err);
        if (rc == MT_OK) {
            answer = mt_msg_new (MT_MSG_ACK);
            if (answer)
                answer->applied = applied;
            if (msg->type == MT_MSG_REMOVE && applied > 0 && !self->purge_at)
                self->purge_at = s_now_ms () + self->config->purge_ms;
        }
        else {
            mt_log_error (self->name, "write %" PRIu64 " failed: %s", seq, err.msg);
            answer = mt_msg_error (msg->request_id, rc, "%s", err.msg);
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
        s_send (self, answer);
    mt_msg_destroy (&answer);
}

static void
s_search (s_shard_t *self, const mt_msg_t *msg)
{
    const mt_gallery_t *gallery = mt_store_gallery (self->store, (mt_ns) msg->ns);
    size_t n = msg->query_count, k = msg->k;
    mt_hit_t *hits = malloc (n * k * sizeof *hits);
    size_t *counts = malloc (n * sizeof *counts);
    mt_msg_t *reply = mt_msg_new (MT_MSG_SEARCH_REPLY);
    mt_err_t err;
    int rc = hits && counts && reply ? MT_OK : mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK)
        rc = mt_gallery_search (gallery, n, msg->vectors, k, msg->provinces,
                                msg->province_count, hits, counts, &err);
    if (rc == MT_OK) {
        reply->request_id = msg->request_id;
        reply->query_count = n;
        reply->results = calloc (n, sizeof *reply->results);
        reply->answered = malloc (sizeof (uint32_t));
        rc = reply->results && reply->answered ? MT_OK
           : mt_err_set (&err, MT_ENOMEM, "out of memory");
        for (size_t q = 0; rc == MT_OK && q < n; q++) {
            reply->results [q].count = counts [q];
            reply->results [q].hits = malloc ((counts [q] ? counts [q] : 1) * sizeof (mt_hit_t));
            if (!reply->results [q].hits) {
                rc = mt_err_set (&err, MT_ENOMEM, "out of memory");
                break;
            }
            memcpy (reply->results [q].hits, hits + q * k, counts [q] * sizeof (mt_hit_t));
        }
        if (rc == MT_OK) {
            reply->answered [0] = (uint32_t) self->config->partition;
            reply->answered_count = 1;
            reply->partitions = (uint32_t) self->config->partitions;
        }
    }
    free (hits);
    free (counts);
    if (rc != MT_OK) {
        mt_msg_destroy (&reply);
        reply = mt_msg_error (msg->request_id, rc, "%s", err.msg);
    }
    s_reply (self, &reply);
}

//  ---------------------------------------------------------------- rehoming

//  A face of another partition under the count the broker asks about.
static bool
s_foreign (const mt_face_meta_t *meta, void *arg)
{
    const mt_msg_t *msg = arg;
    return mt_partition_of (meta->case_id, msg->partitions) != msg->partition;
}

//  The partitions grew: list the faces that belong elsewhere now, for the
//  broker to copy to their partition and then remove from this one.
static void
s_rehome (s_shard_t *self, const mt_msg_t *msg)
{
    mt_err_t err;
    int rc = MT_OK;
    mt_msg_t *reply = mt_msg_new (MT_MSG_REHOME_REPLY);
    if (msg->partition != (uint32_t) self->config->partition)
        rc = mt_err_set (&err, MT_EINVAL, "replica %s holds partition %d, not %u", self->name,
                         (int) self->config->partition, msg->partition);
    else
    if (self->import_id)
        rc = mt_err_set (&err, MT_EUNAVAILABLE, "replica %s is receiving a copy", self->name);
    else
    if (!reply)
        rc = mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK) {
        reply->faces = malloc (msg->most * sizeof *reply->faces);
        reply->vectors = malloc ((size_t) msg->most * MT_DIM * sizeof (float));
        if (!reply->faces || !reply->vectors)
            rc = mt_err_set (&err, MT_ENOMEM, "out of memory listing %u faces", msg->most);
    }
    size_t total = 0;
    if (rc == MT_OK)
        rc = mt_gallery_select (mt_store_gallery (self->store, (mt_ns) msg->ns), s_foreign,
                                (void *) msg, msg->most, reply->faces, reply->vectors,
                                &reply->face_count, &total, &err);
    if (rc == MT_OK) {
        reply->request_id = msg->request_id;
        reply->ns = msg->ns;
        reply->total = total;
    }
    else {
        mt_msg_destroy (&reply);
        reply = mt_msg_error (msg->request_id, rc, "%s", err.msg);
    }
    s_reply (self, &reply);
}

//  ---------------------------------------------------------------- sync

static void
s_send_chunk (s_shard_t *self, uint64_t request_id, uint64_t offset)
{
    mt_msg_t *chunk = mt_msg_new (MT_MSG_SYNC_CHUNK);
    FILE *file = fopen (self->export_path, "rb");
    if (!chunk || !file || offset > self->export_size) {
        if (file)
            fclose (file);
        mt_msg_destroy (&chunk);
        mt_msg_t *error = mt_msg_error (request_id, MT_EIO, "copy %" PRIu64 " is gone",
                                        self->export_id);
        s_reply (self, &error);
        return;
    }
    size_t want = self->export_size - offset < S_CHUNK_BYTES
                ? (size_t) (self->export_size - offset) : S_CHUNK_BYTES;
    chunk->data = malloc (want ? want : 1);
    if (chunk->data && fseeko (file, (off_t) offset, SEEK_SET) == 0)
        chunk->data_size = fread (chunk->data, 1, want, file);
    fclose (file);
    chunk->request_id = request_id;
    chunk->sync_id = self->export_id;
    chunk->offset = offset;
    chunk->total = self->export_size;
    chunk->last = offset + chunk->data_size >= self->export_size;
    s_reply (self, &chunk);
    if (offset + want >= self->export_size) {
        mt_log_info (self->name, "sent copy %" PRIu64 " (%" PRIu64 " bytes)", self->export_id,
                     self->export_size);
        unlink (self->export_path);
        self->export_id = 0;
    }
}

static void
s_start_export (s_shard_t *self, const mt_msg_t *msg)
{
    mt_err_t err;
    if (self->export_id)
        unlink (self->export_path);
    self->export_id = msg->sync_id;
    snprintf (self->export_path, sizeof self->export_path, "%s/export-%" PRIu64 ".snap",
              self->config->data_dir, msg->sync_id);
    if (mt_store_export (self->store, self->export_path, &err) != MT_OK) {
        mt_log_error (self->name, "cannot make a copy for a peer: %s", err.msg);
        mt_msg_t *error = mt_msg_error (msg->request_id, err.code, "%s", err.msg);
        s_reply (self, &error);
        self->export_id = 0;
        return;
    }
    FILE *file = fopen (self->export_path, "rb");
    fseeko (file, 0, SEEK_END);
    self->export_size = (uint64_t) ftello (file);
    fclose (file);
    mt_log_info (self->name, "copy %" PRIu64 " at write %" PRIu64 " for a peer: %" PRIu64
                 " bytes", msg->sync_id, mt_store_seq (self->store), self->export_size);
    s_send_chunk (self, msg->request_id, 0);
}

static void
s_drop_held (s_shard_t *self)
{
    for (size_t i = 0; i < self->held_count; i++)
        mt_msg_destroy (&self->held [i]);
    self->held_count = 0;
}

static void
s_start_import (s_shard_t *self, const mt_msg_t *msg)
{
    if (self->import_file)
        fclose (self->import_file);
    s_drop_held (self);
    self->import_id = msg->sync_id;
    snprintf (self->import_path, sizeof self->import_path, "%s/import.snap",
              self->config->data_dir);
    self->import_file = fopen (self->import_path, "wb");
    mt_log_info (self->name, "receiving copy %" PRIu64 " from a peer", msg->sync_id);
    if (!self->import_file) {
        mt_msg_t *done = mt_msg_new (MT_MSG_SYNC_DONE);
        done->sync_id = msg->sync_id;
        snprintf (done->text, sizeof done->text, "cannot create %.180s: %s", self->import_path,
                  strerror (errno));
        s_reply (self, &done);
        self->import_id = 0;
    }
}

static void
s_import_chunk (s_shard_t *self, const mt_msg_t *msg)
{
    if (!self->import_file || msg->sync_id != self->import_id)
        return;
    mt_err_t err;
    int rc = MT_OK;
    if (fseeko (self->import_file, (off_t) msg->offset, SEEK_SET) != 0
    ||  fwrite (msg->data, 1, msg->data_size, self->import_file) != msg->data_size)
        rc = mt_err_set (&err, MT_EIO, "cannot write %s", self->import_path);
    if (rc == MT_OK && !msg->last) {
        mt_msg_t *next = mt_msg_new (MT_MSG_SYNC_NEXT);
        next->sync_id = msg->sync_id;
        next->offset = msg->offset + msg->data_size;
        s_reply (self, &next);
        return;
    }
    if (fclose (self->import_file) != 0 && rc == MT_OK)
        rc = mt_err_set (&err, MT_EIO, "cannot write %s", self->import_path);
    self->import_file = NULL;
    if (rc == MT_OK)
        rc = mt_store_import (self->store, self->import_path, &err);
    unlink (self->import_path);
    //  The writes that came during the copy go on top of it, in order.
    size_t replayed = 0;
    for (size_t i = 0; rc == MT_OK && i < self->held_count; i++)
        if (self->held [i]->seq > mt_store_seq (self->store)) {
            s_apply_write (self, self->held [i], false);
            replayed++;
        }
    s_drop_held (self);
    mt_msg_t *done = mt_msg_new (MT_MSG_SYNC_DONE);
    done->sync_id = self->import_id;
    done->ok = rc == MT_OK;
    if (rc == MT_OK)
        mt_log_info (self->name, "copy %" PRIu64 " loaded: %" PRIu64 " writes, then %zu held "
                     "during the copy", self->import_id, mt_store_seq (self->store), replayed);
    else {
        snprintf (done->text, sizeof done->text, "%s", err.msg);
        mt_log_error (self->name, "copy %" PRIu64 " failed: %s", self->import_id, err.msg);
    }
    self->import_id = 0;
    s_reply (self, &done);
    s_publish (self);
    mt_msg_t *status = s_status_msg (self->config, &self->stats, false);
    s_reply (self, &status);
}

static void
s_hold (s_shard_t *self, mt_msg_t **msg_p)
{
    if (self->held_count == self->held_size) {
        size_t size = self->held_size ? self->held_size * 2 : 64;
        mt_msg_t **held = realloc (self->held, size * sizeof *held);
        if (!held)
            return;
        self->held = held;
        self->held_size = size;
    }
    mt_msg_t *ack = mt_msg_new (MT_MSG_ACK);
    if (ack) {
        ack->request_id = (*msg_p)->request_id;
        ack->seq = 0;       //  not applied yet: the broker does not count it
    }
    self->held [self->held_count++] = *msg_p;
    *msg_p = NULL;
    s_reply (self, &ack);
}

//  ---------------------------------------------------------------- loop

static void
s_handle (s_shard_t *self, const void *bytes, size_t size)
{
    mt_msg_t *msg = NULL;
    mt_err_t err;
    if (mt_msg_decode (bytes, size, &msg, &err) != MT_OK) {
        mt_log_warn (self->name, "malformed message from the broker: %s", err.msg);
        mt_msg_t *error = mt_msg_error (0, MT_EPROTO, "%s", err.msg);
        s_reply (self, &error);
        return;
    }
    switch (msg->type) {
        case MT_MSG_ENROLL:
        case MT_MSG_REMOVE:
            if (self->import_id)
                s_hold (self, &msg);
            else
                s_apply_write (self, msg, true);
            break;
        case MT_MSG_SEARCH:
            s_search (self, msg);
            break;
        case MT_MSG_REHOME:
            s_rehome (self, msg);
            break;
        case MT_MSG_SYNC_BEGIN:
            if (msg->receive)
                s_start_import (self, msg);
            else
                s_start_export (self, msg);
            break;
        case MT_MSG_SYNC_NEXT:
            if (msg->sync_id == self->export_id)
                s_send_chunk (self, msg->request_id, msg->offset);
            break;
        case MT_MSG_SYNC_CHUNK:
            s_import_chunk (self, msg);
            break;
        case MT_MSG_PING:
            break;
        case MT_MSG_ERROR:
            mt_log_warn (self->name, "broker says: %s", msg->text);
            break;
        default: {
            mt_msg_t *error = mt_msg_error (msg->request_id, MT_EPROTO, "a shard does not "
                                            "take %s messages", mt_msg_type_name (msg->type));
            s_reply (self, &error);
        }
    }
    mt_msg_destroy (&msg);
    s_publish (self);
}

//  Rewrite the snapshot and empty the log, so that faces removed from the
//  index are gone from this replica's files too (an erasure must reach
//  the disk, not only the searches).
static void
s_purge (s_shard_t *self)
{
    self->purge_at = 0;
    if (self->import_id)
        return;                 //  the copy being received replaces the files anyway
    if (mt_store_rebuilding (self->store)) {
        //  The snapshot would wait for the rebuild and stop the searches:
        //  purge once the rebuilt index has taken over.
        self->purge_at = s_now_ms () + 1000;
        return;
    }
    mt_err_t err;
    if (mt_store_snapshot (self->store, &err) == MT_OK)
        mt_log_info (self->name, "removed faces purged from the files (snapshot at write %"
                     PRIu64 ")", mt_store_seq (self->store));
    else {
        mt_log_error (self->name, "cannot purge removed faces: %s (retrying)", err.msg);
        self->purge_at = s_now_ms () + 1000;
    }
}

//  Let the indexes follow the galleries' sizes; true while a rebuild runs.
static bool
s_maintain (s_shard_t *self)
{
    bool busy = false;
    char news [512];
    mt_err_t err;
    if (mt_store_maintain (self->store, &busy, news, sizeof news, &err) != MT_OK)
        mt_log_error (self->name, "%s", news);
    else if (*news)
        mt_log_info (self->name, "%s", news);
    return busy;
}

static void *
s_engine (void *arg)
{
    s_shard_t *self = arg;
    //  OpenMP's thread count is per thread: set it in the thread that
    //  searches (shared FACTS.md: OpenMP and OpenBLAS threads fight).
    mt_index_tune_threads ((int) self->config->blas_threads);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    bool rebuilding = s_maintain (self);
    for (;;) {
        int64_t wait = self->purge_at ? self->purge_at - s_now_ms () : -1;
        if (wait < 0)
            wait = 0;
        if (!self->purge_at)
            wait = rebuilding ? 1000 : -1;
        else if (rebuilding && wait > 1000)
            wait = 1000;
        zmq_pollitem_t item = { self->out, 0, ZMQ_POLLIN, 0 };
        if (wait >= 0 && zmq_poll (&item, 1, (long) wait) == 0) {
            if (self->purge_at && s_now_ms () >= self->purge_at)
                s_purge (self);
            rebuilding = s_maintain (self);
            continue;
        }
        if (zmq_msg_recv (&frame, self->out, 0) < 0)
            break;
        if (zmq_msg_size (&frame) == 5 && memcmp (zmq_msg_data (&frame), "$TERM", 5) == 0)
            break;
        s_handle (self, zmq_msg_data (&frame), zmq_msg_size (&frame));
        rebuilding = s_maintain (self);
    }
    zmq_msg_close (&frame);
    return NULL;
}

//  ---------------------------------------------------------------- I/O

typedef struct {
    const shard_config_t *config;
    const char *name;
    s_stats_t *stats;
    void *dealer;
    int64_t broker_seen;            //  ms of the last message from the broker
    int64_t next_status;
} s_io_t;

static void
s_io_status (s_io_t *io, bool hello)
{
    mt_msg_t *msg = s_status_msg (io->config, io->stats, hello);
    mt_err_t err;
    if (msg && io->dealer && mt_wire_send (io->dealer, NULL, msg, ZMQ_DONTWAIT, &err) != MT_OK)
        mt_log_warn (io->name, "cannot send status: %s", err.msg);
    mt_msg_destroy (&msg);
    io->next_status = s_now_ms () + io->config->heartbeat_ms;
}

static int
s_connect (s_io_t *io, mt_err_t *err)
{
    if (io->dealer)
        zmq_close (io->dealer);
    io->broker_seen = s_now_ms ();      //  a failed attempt is retried after liveness too
    io->dealer = mt_wire_connect (ZMQ_DEALER, io->config->broker, &io->config->curve, err);
    if (!io->dealer)
        return err->code;
    s_io_status (io, true);
    return MT_OK;
}

//  Move one frame from a socket to another; never blocks (a frame that
//  cannot go is dropped: the broker's deadline covers it).
static void
s_forward (void *from, void *to)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, from, ZMQ_DONTWAIT) >= 0)
        zmq_msg_send (&frame, to, ZMQ_DONTWAIT);
    zmq_msg_close (&frame);
}

static bool
s_readable (void *socket)
{
    int events = 0;
    size_t size = sizeof events;
    zmq_getsockopt (socket, ZMQ_EVENTS, &events, &size);
    return (events & ZMQ_POLLIN) != 0;
}

void
shard_actor (void *pipe, void *arg)
{
    s_shard_t self = { .config = arg };
    const shard_config_t *config = self.config;
    snprintf (self.name, sizeof self.name, "shard %d.%d", (int) config->partition,
              (int) config->replica);
    mt_err_t err;
    mt_index_tune_threads ((int) config->blas_threads);
    mt_index_plan_t plan = mt_index_plan_default ();
    plan.kind = mt_index_kind_from_name (config->index);
    plan.exact_below = (size_t) config->exact_below;
    plan.recall_target = config->recall_target;
    mt_store_config_t store_config = {
        .dir = config->data_dir, .factory = config->index, .dim = MT_DIM,
        .snapshot_ops = (uint64_t) config->snapshot_ops, .sync = config->sync,
        .plan = plan.kind >= 0 ? &plan : NULL
    };
    s_io_t io = { .config = config, .name = self.name, .stats = &self.stats };
    void *engine = NULL;
    pthread_t thread;
    bool started = false;
    int rc = MT_OK;
    if (config->partition >= config->partitions)
        rc = mt_err_set (&err, MT_EINVAL, "partition %d of %d does not exist",
                         (int) config->partition, (int) config->partitions);
    if (plan.kind == MT_INDEX_HNSW)
        rc = mt_err_set (&err, MT_EINVAL, "index hnsw cannot forget a removed face without "
                         "being rebuilt, so erasure could not reach it: use auto, ivf or "
                         "ivf-sq8");
    if (rc == MT_OK)
        rc = mt_store_open (&store_config, &self.store, &err);
    if (rc == MT_OK) {
        s_publish (&self);
        char endpoint [64];
        snprintf (endpoint, sizeof endpoint, "inproc://shard-engine-%p", (void *) &self);
        engine = mt_wire_socket (ZMQ_PAIR, &err);
        self.out = mt_wire_socket (ZMQ_PAIR, &err);
        //  No high-water mark between the threads: the I/O thread must
        //  never block on a busy engine.
        int unlimited = 0;
        for (int i = 0; engine && self.out && i < 2; i++) {
            zmq_setsockopt (i ? engine : self.out, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
            zmq_setsockopt (i ? engine : self.out, ZMQ_RCVHWM, &unlimited, sizeof unlimited);
        }
        if (!engine || !self.out || zmq_bind (engine, endpoint) != 0
        ||  zmq_connect (self.out, endpoint) != 0)
            rc = mt_err_set (&err, MT_EIO, "cannot connect the shard's engine");
    }
    if (rc == MT_OK && pthread_create (&thread, NULL, s_engine, &self) != 0)
        rc = mt_err_set (&err, MT_ENOMEM, "cannot start the shard's engine");
    started = rc == MT_OK;
    if (rc == MT_OK)
        rc = s_connect (&io, &err);
    if (rc != MT_OK) {
        if (started) {
            zmq_send (engine, "$TERM", 5, 0);
            pthread_join (thread, NULL);
        }
        if (io.dealer)
            zmq_close (io.dealer);
        if (engine)
            zmq_close (engine);
        if (self.out)
            zmq_close (self.out);
        mt_store_close (&self.store);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    mt_log_info (self.name, "serving %s: %zu missing, %zu found faces, write %" PRIu64
                 "; broker %s", config->data_dir,
                 mt_gallery_size (mt_store_gallery (self.store, MT_NS_MISSING)),
                 mt_gallery_size (mt_store_gallery (self.store, MT_NS_FOUND)),
                 mt_store_seq (self.store), config->broker);
    mt_actor_ready (pipe, MT_OK, NULL);

    for (;;) {
        //  No dealer while a reconnect fails (its key file unreadable): poll
        //  the other two until the next try.
        zmq_pollitem_t items [3] = {
            { pipe, 0, ZMQ_POLLIN, 0 }, { engine, 0, ZMQ_POLLIN, 0 },
            { io.dealer, 0, ZMQ_POLLIN, 0 }
        };
        int64_t wait = io.next_status - s_now_ms ();
        if (zmq_poll (items, io.dealer ? 3 : 2, wait > 0 ? (long) wait : 0) < 0
        &&  zmq_errno () != EINTR)
            break;
        if ((items [0].revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
        //  Requests to the engine, replies to the broker; each burst bounded
        //  so that the clock is looked at.
        for (int burst = 0; burst < 256 && (items [2].revents & ZMQ_POLLIN); burst++) {
            io.broker_seen = s_now_ms ();
            s_forward (io.dealer, engine);
            if (!s_readable (io.dealer))
                break;
        }
        for (int burst = 0; burst < 256 && (items [1].revents & ZMQ_POLLIN); burst++) {
            s_forward (engine, io.dealer);
            if (!s_readable (engine))
                break;
        }
        int64_t now = s_now_ms ();
        if (now - io.broker_seen > config->heartbeat_ms * config->liveness) {
            mt_log_warn (self.name, "no word from the broker for %" PRId64 " ms; reconnecting",
                         now - io.broker_seen);
            if (s_connect (&io, &err) != MT_OK)
                mt_log_error (self.name, "%s", err.msg);
        }
        else
        if (now >= io.next_status)
            s_io_status (&io, false);
    }
    zmq_send (engine, "$TERM", 5, 0);
    pthread_join (thread, NULL);
    if (self.import_file)
        fclose (self.import_file);
    if (self.export_id)
        unlink (self.export_path);
    s_drop_held (&self);
    free (self.held);
    zmq_close (io.dealer);
    zmq_close (engine);
    zmq_close (self.out);
    mt_store_close (&self.store);
    mt_log_info (self.name, "stopped");
}
