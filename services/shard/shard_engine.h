//  shard_engine - what the shard's files share: the engine's state and its
//  parts. Internal to the shard. The layers, each using only those below:
//  shard_actor (I/O thread) -> shard_engine (the engine thread) ->
//  shard_sync (copies) -> shard_write (writes applied, replies, figures).

#ifndef SHARD_ENGINE_H_INCLUDED
#define SHARD_ENGINE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shard_actor.h"
#include "base/mt_clock.h"
#include "index/mt_store.h"
#include "wire/mt_msg.h"

//  What the engine last published for the status heartbeats.
typedef struct {
    uint64_t seq, digest, missing_count, found_count;
    int syncing;
} shard_stats_t;

//  The engine: the thread that owns the store and does the work, so that
//  the I/O thread stays free to keep the heartbeats going while a large
//  write or search runs.
typedef struct {
    const shard_config_t *config;
    char name [32];
    mt_store_t *store;
    void *out;                      //  PAIR to the I/O thread: replies go there
    shard_stats_t stats;            //  read by the I/O thread (atomically)
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
} shard_engine_t;

//  shard_write.c
//  Send msg (not taken; may be NULL) to the broker through the I/O thread.
void shard_send (shard_engine_t *self, mt_msg_t *msg);
//  Send *msg_p and destroy it.
void shard_reply (shard_engine_t *self, mt_msg_t **msg_p);
//  Publish the store's figures for the heartbeats.
void shard_publish (shard_engine_t *self);
//  A Status message from published figures (hello: first after connecting).
mt_msg_t *shard_status_msg (const shard_config_t *config, shard_stats_t *stats, bool hello);
//  Apply a numbered write and answer it (if reply) with an Ack, or an Error
//  that makes the broker re-sync this replica.
void shard_apply_write (shard_engine_t *self, mt_msg_t *msg, bool reply);

//  shard_sync.c
void shard_send_chunk (shard_engine_t *self, uint64_t request_id, uint64_t offset);
void shard_start_export (shard_engine_t *self, const mt_msg_t *msg);
void shard_start_import (shard_engine_t *self, const mt_msg_t *msg);
void shard_import_chunk (shard_engine_t *self, const mt_msg_t *msg);
//  Free the writes held while a copy was received.
void shard_drop_held (shard_engine_t *self);
//  Keep a write (taken) until the copy being received is in.
void shard_hold (shard_engine_t *self, mt_msg_t **msg_p);

//  shard_engine.c: the engine thread's body (pthread_create); arg is the
//  shard_engine_t.
void *shard_engine (void *arg);

#endif
