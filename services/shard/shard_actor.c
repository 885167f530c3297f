//  shard_actor - a shard replica behind the broker.

#include "shard_actor.h"
#include "base/mt_clock.h"
#include "shard_engine.h"

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

const mt_config_key_t shard_config_keys [] = {
    { "broker", MT_CFG_STRING, offsetof (shard_config_t, broker), 0, 256,
      "the broker's shard endpoint to connect to" },
    { "data-dir", MT_CFG_STRING, offsetof (shard_config_t, data_dir), 0, 1024,
      "folder of this replica's snapshot and log" },
    { "index", MT_CFG_STRING, offsetof (shard_config_t, index), 0, 256,
      "auto (exact search while a gallery is small, IVF,PQ re-ranked on the exact vectors "
      "above exact-below), exact, ivf, ivf-pq, ivf-sq8, or a FAISS factory string" },
    { "exact-below", MT_CFG_INT, offsetof (shard_config_t, exact_below), 2, 1e10,
      "with index auto: exact search below this many faces a gallery" },
    { "lists-probed-most", MT_CFG_DOUBLE, offsetof (shard_config_t, lists_probed_most), 0, 1,
      "with index auto: a gallery whose IVF index would have to probe more than this share "
      "of its lists to reach its target keeps exact search, which reads no more (0: IVF "
      "however many it probes)" },
    { "recall-target", MT_CFG_DOUBLE, offsetof (shard_config_t, recall_target), 0.5, 1,
      "recall@20 against exact search that an approximate index is tuned to hold "
      "(with family-target 0, or where a gallery's sample has no family)" },
    { "family-target", MT_CFG_DOUBLE, offsetof (shard_config_t, family_target), 0, 1,
      "share of a face's own case's faces (among its 20 nearest, within the descriptor's "
      "radius) that an approximate index is tuned to find; 0 tunes on recall-target" },
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
        .index = "auto", .exact_below = 200000, .lists_probed_most = MT_INDEX_PROBE_MOST,
        .recall_target = 0.99,
        .family_target = 0.995,
        .partition = 0, .replica = 0, .partitions = 1,
        .heartbeat_ms = 500, .liveness = 4,
        .snapshot_ops = 20000, .purge_ms = 2000, .sync = true,
        .blas_threads = 2
    };
}

//  ---------------------------------------------------------------- I/O

typedef struct {
    const shard_config_t *config;
    const char *name;
    shard_stats_t *stats;
    void *dealer;
    int64_t broker_seen;            //  ms of the last message from the broker
    int64_t next_status;
} s_io_t;

static void
s_io_status (s_io_t *io, bool hello)
{
    mt_msg_t *msg = shard_status_msg (io->config, io->stats, hello);
    mt_err_t err;
    if (msg && io->dealer && mt_wire_send (io->dealer, NULL, msg, ZMQ_DONTWAIT, &err) != MT_OK)
        mt_log_warn (io->name, "cannot send status: %s", err.msg);
    mt_msg_destroy (&msg);
    io->next_status = mt_clock_ms () + io->config->heartbeat_ms;
}

static int
s_connect (s_io_t *io, mt_err_t *err)
{
    if (io->dealer)
        zmq_close (io->dealer);
    io->broker_seen = mt_clock_ms ();      //  a failed attempt is retried after liveness too
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

//  A replica's settings that cannot serve: said why.
static int
s_config_check (const shard_config_t *config, const mt_index_plan_t *plan, mt_err_t *err)
{
    if (config->partition >= config->partitions)
        return mt_err_set (err, MT_EINVAL, "partition %d of %d does not exist",
                           (int) config->partition, (int) config->partitions);
    if (plan->kind == MT_INDEX_HNSW)
        return mt_err_set (err, MT_EINVAL, "index hnsw cannot forget a removed face without "
                           "being rebuilt, so erasure could not reach it: use auto, ivf or "
                           "ivf-sq8");
    return MT_OK;
}

//  The pipe between the I/O thread (*engine_p) and the engine (self->out).
static int
s_engine_pipe (shard_engine_t *self, void **engine_p, mt_err_t *err)
{
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://shard-engine-%p", (void *) self);
    void *engine = *engine_p = mt_wire_socket (ZMQ_PAIR, err);
    self->out = mt_wire_socket (ZMQ_PAIR, err);
    //  No high-water mark between the threads: the I/O thread must never
    //  block on a busy engine.
    int unlimited = 0;
    for (int i = 0; engine && self->out && i < 2; i++) {
        zmq_setsockopt (i ? engine : self->out, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
        zmq_setsockopt (i ? engine : self->out, ZMQ_RCVHWM, &unlimited, sizeof unlimited);
    }
    if (!engine || !self->out || zmq_bind (engine, endpoint) != 0
    ||  zmq_connect (self->out, endpoint) != 0)
        return mt_err_set (err, MT_EIO, "cannot connect the shard's engine");
    return MT_OK;
}

void
shard_actor (void *pipe, void *arg)
{
    shard_engine_t self = { .config = arg };
    const shard_config_t *config = self.config;
    snprintf (self.name, sizeof self.name, "shard %d.%d", (int) config->partition,
              (int) config->replica);
    mt_err_t err;
    mt_index_tune_threads ((int) config->blas_threads);
    mt_index_plan_t plan = mt_index_plan_default ();
    plan.kind = mt_index_kind_from_name (config->index);
    plan.exact_below = (size_t) config->exact_below;
    plan.recall_target = config->recall_target;
    plan.family_target = config->family_target;
    if (plan.kind == MT_INDEX_AUTO)
        plan.probe_most = config->lists_probed_most;
    mt_store_config_t store_config = {
        .dir = config->data_dir, .factory = config->index, .dim = MT_DIM, .dim2 = MT_DIM2,
        .snapshot_ops = (uint64_t) config->snapshot_ops, .sync = config->sync,
        .plan = plan.kind >= 0 ? &plan : NULL
    };
    s_io_t io = { .config = config, .name = self.name, .stats = &self.stats };
    void *engine = NULL;
    pthread_t thread;
    bool started = false;
    int rc = s_config_check (config, &plan, &err);
    if (rc == MT_OK)
        rc = mt_store_open (&store_config, &self.store, &err);
    if (rc == MT_OK) {
        shard_publish (&self);
        rc = s_engine_pipe (&self, &engine, &err);
    }
    if (rc == MT_OK && pthread_create (&thread, NULL, shard_engine, &self) != 0)
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
        int64_t wait = io.next_status - mt_clock_ms ();
        if (zmq_poll (items, io.dealer ? 3 : 2, wait > 0 ? (long) wait : 0) < 0
        &&  zmq_errno () != EINTR)
            break;
        if ((items [0].revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
        //  Requests to the engine, replies to the broker; each burst bounded
        //  so that the clock is looked at.
        for (int burst = 0; burst < 256 && (items [2].revents & ZMQ_POLLIN); burst++) {
            io.broker_seen = mt_clock_ms ();
            s_forward (io.dealer, engine);
            if (!s_readable (io.dealer))
                break;
        }
        for (int burst = 0; burst < 256 && (items [1].revents & ZMQ_POLLIN); burst++) {
            s_forward (engine, io.dealer);
            if (!s_readable (engine))
                break;
        }
        int64_t now = mt_clock_ms ();
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
    shard_drop_held (&self);
    free (self.held);
    zmq_close (io.dealer);
    zmq_close (engine);
    zmq_close (self.out);
    mt_store_close (&self.store);
    mt_log_info (self.name, "stopped");
}
