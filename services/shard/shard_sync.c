//  shard_sync - copies between replicas: serving this replica's snapshot
//  in chunks, receiving one (writes that arrive meanwhile are held and
//  applied after it).

#include "shard_engine.h"

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

//  Snapshot bytes per sync chunk.
#define S_CHUNK_BYTES (4u << 20)

void
shard_send_chunk (shard_engine_t *self, uint64_t request_id, uint64_t offset)
{
    mt_msg_t *chunk = mt_msg_new (MT_MSG_SYNC_CHUNK);
    FILE *file = fopen (self->export_path, "rb");
    if (!chunk || !file || offset > self->export_size) {
        if (file)
            fclose (file);
        mt_msg_destroy (&chunk);
        mt_msg_t *error = mt_msg_error (request_id, MT_EIO, "copy %" PRIu64 " is gone",
                                        self->export_id);
        shard_reply (self, &error);
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
    shard_reply (self, &chunk);
    if (offset + want >= self->export_size) {
        mt_log_info (self->name, "sent copy %" PRIu64 " (%" PRIu64 " bytes)", self->export_id,
                     self->export_size);
        unlink (self->export_path);
        self->export_id = 0;
    }
}

void
shard_start_export (shard_engine_t *self, const mt_msg_t *msg)
{
    mt_err_t err;
    if (self->export_id)
        unlink (self->export_path);
    self->export_id = msg->sync_id;
    snprintf (self->export_path, sizeof self->export_path, "%s/export-%" PRIu64 ".snap",
              self->config->data_dir, msg->sync_id);
    if (mt_store_export (self->store, self->export_path, &err) != MT_OK) {
        mt_log_error (self->name, "cannot make a copy for a peer: %s", err.msg);
        mt_msg_t *error = mt_msg_error_of (msg->request_id, err.code, &err);
        shard_reply (self, &error);
        self->export_id = 0;
        return;
    }
    FILE *file = fopen (self->export_path, "rb");
    fseeko (file, 0, SEEK_END);
    self->export_size = (uint64_t) ftello (file);
    fclose (file);
    mt_log_info (self->name, "copy %" PRIu64 " at write %" PRIu64 " for a peer: %" PRIu64
                 " bytes", msg->sync_id, mt_store_seq (self->store), self->export_size);
    shard_send_chunk (self, msg->request_id, 0);
}

void
shard_drop_held (shard_engine_t *self)
{
    for (size_t i = 0; i < self->held_count; i++)
        mt_msg_destroy (&self->held [i]);
    self->held_count = 0;
}

void
shard_start_import (shard_engine_t *self, const mt_msg_t *msg)
{
    if (self->import_file)
        fclose (self->import_file);
    shard_drop_held (self);
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
        shard_reply (self, &done);
        self->import_id = 0;
    }
}

void
shard_import_chunk (shard_engine_t *self, const mt_msg_t *msg)
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
        shard_reply (self, &next);
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
            shard_apply_write (self, self->held [i], false);
            replayed++;
        }
    shard_drop_held (self);
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
    shard_reply (self, &done);
    shard_publish (self);
    mt_msg_t *status = shard_status_msg (self->config, &self->stats, false);
    shard_reply (self, &status);
}

void
shard_hold (shard_engine_t *self, mt_msg_t **msg_p)
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
    shard_reply (self, &ack);
}
