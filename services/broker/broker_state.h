//  broker_state - what the broker's files share: replicas, partitions,
//  copies between replicas, requests in flight. Internal to the broker.

#ifndef BROKER_STATE_H_INCLUDED
#define BROKER_STATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "broker_actor.h"
#include "match/mt_msg.h"
#include "match/mt_wire.h"

//  Give up a copy between peers when nothing moved for this long.
#define BROKER_SYNC_IDLE_MS 30000
//  A failed copy is retried after this pause.
#define BROKER_SYNC_RETRY_MS 2000

typedef enum { R_JOINING, R_SYNCING, R_SERVING, R_STALE } broker_rstate;

typedef struct {
    bool used;
    uint32_t gen;                   //  bumped whenever the slot is reused
    mt_route_t route;               //  ROUTER identity of the replica's socket
    uint32_t partition, replica;
    broker_rstate state;
    int64_t last_seen, joined_at, retry_after;
    uint64_t seq, digest, missing_count, found_count;
    size_t searches;                //  in flight, to spread load
} broker_replica_t;

typedef struct {
    uint64_t seq;                   //  last sequence number given to a write
    uint64_t known;                 //  newest write a replica reported applying
    size_t writes;                  //  writes in flight
} broker_partition_t;

typedef struct {
    uint64_t id;
    uint32_t partition;
    size_t source, target;
    uint32_t source_gen, target_gen;
    int64_t active;
} broker_sync_t;

//  One message to one replica, awaited.
typedef struct {
    uint32_t partition;
    size_t slot;
    uint32_t gen;
    bool done, ok;
    int64_t sent;
} broker_leg_t;

typedef struct {
    uint64_t id;                    //  key: the broker's request id
    UT_hash_handle hh;
    mt_route_t client;
    uint64_t client_request;
    mt_msg_type type;
    int64_t deadline;
    mt_msg_t *request;              //  what was sent (searches are re-sent)
    broker_leg_t *legs;
    size_t leg_count, leg_size;
    //  writes
    uint64_t *applied;              //  per partition: faces the replicas added/removed
    uint32_t *acks;                 //  per partition
    bool *involved;                 //  per partition
    char failure [256];
    //  searches
    bool *answered;                 //  per partition
    mt_hit_t *merged;               //  query_count x k
    size_t *counts;
} broker_pending_t;

typedef struct {
    const broker_config_t *config;
    uint32_t partitions;
    void *front, *back;
    broker_replica_t *replicas;
    size_t replica_count, replica_size;
    broker_partition_t *parts;
    broker_sync_t *syncs;
    size_t sync_count;
    broker_pending_t *pending;           //  uthash by id
    uint64_t next_id;
    int64_t started, next_ping;
    uint64_t malformed;
    uint64_t turn;                  //  rotates the choice among equal replicas
} broker_t;

int64_t broker_now_ms (void);
//  Send msg to the replica in slot (if it is still there).
void broker_to_replica (broker_t *self, size_t slot, const mt_msg_t *msg);

//  A copy's message from a replica (chunks, requests for the next, done).
void broker_sync_message (broker_t *self, size_t slot, mt_msg_t *msg);
//  Decide, partition by partition, which joining replicas serve, which
//  need a copy and which are stale.
void broker_promote (broker_t *self, int64_t now);
//  Serving replicas of a partition that report the same write but a
//  different digest disagree: the younger one gets a fresh copy.
void broker_check_agreement (broker_t *self, size_t slot);

#endif
