//  shard_engine - the thread that owns the store and does the work, so
//  that the I/O thread stays free to keep the heartbeats going while a
//  large write or search runs: searches, listings of faces to move,
//  purges of removed faces, index maintenance.

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

static void
s_search (shard_engine_t *self, const mt_msg_t *msg)
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
        reply = mt_msg_error_of (msg->request_id, rc, &err);
    }
    shard_reply (self, &reply);
}

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
s_rehome (shard_engine_t *self, const mt_msg_t *msg)
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
        reply->vectors = malloc ((size_t) msg->most * (size_t) mt_msg_dim (msg->ns)
                                 * sizeof (float));
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
        reply = mt_msg_error_of (msg->request_id, rc, &err);
    }
    shard_reply (self, &reply);
}

static void
s_handle (shard_engine_t *self, const void *bytes, size_t size)
{
    mt_msg_t *msg = NULL;
    mt_err_t err;
    if (mt_msg_decode (bytes, size, &msg, &err) != MT_OK) {
        mt_log_warn (self->name, "malformed message from the broker: %s", err.msg);
        mt_msg_t *error = mt_msg_error_of (0, MT_EPROTO, &err);
        shard_reply (self, &error);
        return;
    }
    switch (msg->type) {
        case MT_MSG_ENROLL:
        case MT_MSG_REMOVE:
            if (self->import_id)
                shard_hold (self, &msg);
            else
                shard_apply_write (self, msg, true);
            break;
        case MT_MSG_SEARCH:
            s_search (self, msg);
            break;
        case MT_MSG_REHOME:
            s_rehome (self, msg);
            break;
        case MT_MSG_SYNC_BEGIN:
            if (msg->receive)
                shard_start_import (self, msg);
            else
                shard_start_export (self, msg);
            break;
        case MT_MSG_SYNC_NEXT:
            if (msg->sync_id == self->export_id)
                shard_send_chunk (self, msg->request_id, msg->offset);
            break;
        case MT_MSG_SYNC_CHUNK:
            shard_import_chunk (self, msg);
            break;
        case MT_MSG_PING:
            break;
        case MT_MSG_ERROR:
            mt_log_warn (self->name, "broker says: %s", msg->text);
            break;
        default: {
            mt_msg_t *error = mt_msg_error (msg->request_id, MT_EPROTO, "a shard does not "
                                            "take %s messages", mt_msg_type_name (msg->type));
            shard_reply (self, &error);
        }
    }
    mt_msg_destroy (&msg);
    shard_publish (self);
}

//  Rewrite the snapshot and empty the log, so that faces removed from the
//  index are gone from this replica's files too (an erasure must reach
//  the disk, not only the searches).
static void
s_purge (shard_engine_t *self)
{
    self->purge_at = 0;
    if (self->import_id)
        return;                 //  the copy being received replaces the files anyway
    if (mt_store_rebuilding (self->store)) {
        //  The snapshot would wait for the rebuild and stop the searches:
        //  purge once the rebuilt index has taken over.
        self->purge_at = mt_clock_ms () + 1000;
        return;
    }
    mt_err_t err;
    if (mt_store_snapshot (self->store, &err) == MT_OK)
        mt_log_info (self->name, "removed faces purged from the files (snapshot at write %"
                     PRIu64 ")", mt_store_seq (self->store));
    else {
        mt_log_error (self->name, "cannot purge removed faces: %s (retrying)", err.msg);
        self->purge_at = mt_clock_ms () + 1000;
    }
}

//  Let the indexes follow the galleries' sizes; true while a rebuild runs.
static bool
s_maintain (shard_engine_t *self)
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

void *
shard_engine (void *arg)
{
    shard_engine_t *self = arg;
    //  OpenMP's thread count is per thread: set it in the thread that
    //  searches (shared FACTS.md: OpenMP and OpenBLAS threads fight).
    mt_index_tune_threads ((int) self->config->blas_threads);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    bool rebuilding = s_maintain (self);
    for (;;) {
        int64_t wait = self->purge_at ? self->purge_at - mt_clock_ms () : -1;
        if (wait < 0)
            wait = 0;
        if (!self->purge_at)
            wait = rebuilding ? 1000 : -1;
        else if (rebuilding && wait > 1000)
            wait = 1000;
        zmq_pollitem_t item = { self->out, 0, ZMQ_POLLIN, 0 };
        if (wait >= 0 && zmq_poll (&item, 1, (long) wait) == 0) {
            if (self->purge_at && mt_clock_ms () >= self->purge_at)
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
