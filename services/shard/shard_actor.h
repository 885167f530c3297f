//  shard_actor - one replica of one partition of both galleries: a durable
//  mt_store served to the broker over a DEALER socket.
//
//  It says hello with its partition, replica, sequence number and digest,
//  then sends its status every heartbeat; it applies the writes the broker
//  numbers (refusing a gap or a repeat, so that the broker re-syncs it),
//  answers searches, serves snapshot copies to a syncing peer, and takes a
//  copy from a peer when the broker says so. If the broker is silent for
//  `liveness` heartbeats it reconnects (Paranoid Pirate).

#ifndef SHARD_ACTOR_H_INCLUDED
#define SHARD_ACTOR_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "wire/mt_actor.h"
#include "base/mt_config.h"
#include "wire/mt_curve.h"

typedef struct {
    char broker [256];          //  the broker's shard endpoint, e.g. tcp://127.0.0.1:5556
    char data_dir [1024];
    char index [256];           //  auto, exact, ivf, ivf-pq, ivf-sq8, or a FAISS factory string
    int64_t exact_below;        //  auto: exact search below this many faces a gallery
    double lists_probed_most;   //  auto: IVF probing more of its lists: exact instead
    double recall_target;       //  recall@20 an approximate index is tuned to hold
    double family_target;       //  share of the family it is tuned to find (0: recall_target)
    int64_t partition, replica, partitions;
    int64_t heartbeat_ms;
    int64_t liveness;
    int64_t snapshot_ops;
    int64_t purge_ms;           //  after a removal, snapshot within this so files drop the faces
    bool sync;                  //  fdatasync every write
    int64_t blas_threads;
    mt_curve_config_t curve;    //  key, broker-key, insecure
} shard_config_t;

extern const mt_config_key_t shard_config_keys [];

void shard_config_defaults (shard_config_t *config);

//  The actor function: mt_actor_new (shard_actor, &config, ...).
void shard_actor (void *pipe, void *arg);

#endif
