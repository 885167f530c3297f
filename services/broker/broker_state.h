//  broker_state - what the broker's files share: replicas, partitions,
//  copies between replicas, requests in flight. Internal to the broker.

#ifndef BROKER_STATE_H_INCLUDED
#define BROKER_STATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "broker_actor.h"
#include "base/mt_clock.h"
#include "wire/mt_msg.h"
#include "wire/mt_wire.h"

//  Give up a copy between peers when nothing moved for this long.
#define BROKER_SYNC_IDLE_MS 30000
//  A failed copy is retried after this pause.
#define BROKER_SYNC_RETRY_MS 2000

//  A failed step of the move is tried again after this pause.
#define BROKER_REHOME_RETRY_MS 1000

typedef enum { R_JOINING, R_SYNCING, R_SERVING, R_STALE } broker_rstate;

//  Moving faces to the partitions they belong to (after the count grew, and
//  once at every start as a check): partition by partition and gallery by
//  gallery, a serving replica lists up to a batch of faces that belong
//  elsewhere; they are written to their partitions, and once that write is
//  durable, and every search begun before it has ended, they are removed
//  from the source. A face is always in at least one partition (searches
//  merge duplicates away), so searches stay complete throughout.
typedef enum { G_IDLE, G_LISTING, G_COPYING, G_COPIED, G_DELETING } broker_gstage;

typedef struct {
    bool active;                //  a pass runs
    uint32_t source;            //  partition being emptied of others' faces
    int ns;                     //  its gallery now (mt_ns: 1 missing, 2 found, 3-4 their
                                //  MobileFaceNet galleries)
    broker_gstage stage;
    uint64_t request;           //  the listing's id
    uint64_t write;             //  the copy's or removal's id (a write's pending id)
    uint64_t copied_before;     //  requests up to this id began before the copy was durable
    int64_t sent, retry_after;
    mt_msg_t *batch;            //  the faces being moved (a RehomeReply)
    //  Removals sent by clients while a listing was out: those faces must
    //  not be copied (the copy would come back after the removal).
    uint64_t *removed;          //  face ids, then case ids
    size_t removed_count, removed_size;
    uint64_t *removed_cases;
    size_t removed_case_count, removed_case_size;
    uint64_t moved;             //  since the broker started
    uint64_t remaining;         //  in the gallery being moved now, as last listed
    bool waiting_logged;
} broker_rehome_t;

typedef struct {
    bool used;
    uint32_t gen;                   //  bumped whenever the slot is reused
    mt_route_t route;               //  ROUTER identity of the replica's socket
    uint32_t partition, replica;
    broker_rstate state;
    int64_t last_seen, joined_at, retry_after;
    uint64_t seq, digest, missing_count, found_count;
    size_t searches;                //  in flight, to spread load
    bool unreachable;               //  a send failed: dropped at the next tick
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

typedef struct broker_s broker_t;
//  The end of the broker's own write `id`; ok when every partition made it
//  durable.
typedef void (broker_written_fn) (broker_t *self, uint64_t id, bool ok);

typedef struct {
    uint64_t id;                    //  key: the broker's request id
    UT_hash_handle hh;
    uint32_t partitions;            //  the count when it came (the arrays' size)
    bool internal;                  //  the broker's own write (moving faces)
    broker_written_fn *written;     //  told when an internal write ends
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
    mt_err_t failure;               //  a replica's refusal (code MT_OK: none)
    //  searches
    bool *answered;                 //  per partition
    mt_hit_t *merged;               //  query_count x k
    size_t *counts;
} broker_pending_t;

struct broker_s {
    const broker_config_t *config;
    uint32_t partitions;            //  in use: writes are placed among these
    bool adding;                    //  partition `partitions` waits for its first replica
    broker_rehome_t rehome;
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
};

//  broker_replicas.c: the replica table and the requests in flight.
//  A replica's slot by its route (SIZE_MAX: not registered).
size_t broker_find_replica (const broker_t *self, const mt_route_t *route);
//  Reachable replicas of partition in state.
size_t broker_count (const broker_t *self, uint32_t partition, broker_rstate state);
//  An up-to-date replica for a search of partition not yet tried by p (may
//  be NULL): the least busy, taking turns among equals; stale ones too
//  when stale_ok. SIZE_MAX: none.
size_t broker_pick_for (const broker_t *self, const broker_pending_t *p, uint32_t partition,
                        bool stale_ok);
//  A serving replica of partition to ask (SIZE_MAX: none).
size_t broker_pick (const broker_t *self, uint32_t partition);
//  Send msg to the replica in slot. If it cannot be reached it is marked
//  unreachable, and the actor drops it before it looks at requests again.
void broker_to_replica (broker_t *self, size_t slot, const mt_msg_t *msg);
//  Send *msg_p (taken; may be NULL) to a client.
void broker_to_client (broker_t *self, const mt_route_t *route, mt_msg_t **msg_p);
//  A request in flight (client NULL: the broker's own), keyed by a new id.
broker_pending_t *broker_pending_new (broker_t *self, const mt_route_t *client,
                                      const mt_msg_t *msg, int64_t deadline);
void broker_pending_free (broker_t *self, broker_pending_t *p);
void broker_add_leg (broker_pending_t *p, uint32_t partition, size_t slot, uint32_t gen,
                     int64_t now);
//  Whether a leg's replica is still the one it was sent to.
bool broker_leg_alive (const broker_t *self, const broker_leg_t *leg);

//  broker_search.c: a client's search, fanned out and merged.
void broker_client_search (broker_t *self, const mt_route_t *client, mt_msg_t **msg_p);
//  Ask a replica of partition (one not yet tried); false if none is left.
bool broker_send_search (broker_t *self, broker_pending_t *p, uint32_t partition, int64_t now);
//  Answer the client when every partition answered or none can, or at the
//  deadline.
void broker_check_search (broker_t *self, broker_pending_t *p, int64_t now);
void broker_search_reply (broker_t *self, broker_pending_t *p, broker_leg_t *leg,
                          const mt_msg_t *msg, int64_t now);

//  broker_write.c: numbered writes.
//  Start a numbered write: to the partitions its faces or case belong to,
//  or only to partition `only` (>= 0). client NULL: the broker's own write,
//  whose end is told to written with its id (*id_p, may be NULL).
//  MT_EUNAVAILABLE with why when a partition it needs has no serving
//  replica (nothing was sent).
int broker_write (broker_t *self, const mt_route_t *client, mt_msg_t *msg, int64_t only,
                  broker_written_fn *written, uint64_t *id_p, mt_err_t *why);
//  Finish the write when no replica is awaited any more, or at the deadline.
void broker_check_write (broker_t *self, broker_pending_t *p, int64_t now);
void broker_write_reply (broker_t *self, broker_pending_t *p, broker_leg_t *leg,
                         const mt_msg_t *msg, int64_t now);

//  broker_grow.c: the partition count, adding a partition, moving faces.
//  Load or create the state file (the partition count); MT_OK or a reason.
int broker_state_load (broker_t *self, mt_err_t *err);
//  A client asks for one more partition: the reply (StatsReply or Error).
mt_msg_t *broker_add_partition (broker_t *self, const mt_msg_t *msg);
//  Start a pass that moves faces to the partitions they belong to.
void broker_rehome_start (broker_t *self);
//  Move the pass on (and take an added partition into use once it serves).
void broker_rehome_step (broker_t *self, int64_t now);
//  A shard's answer to a listing (RehomeReply or Error); takes *msg_p when
//  it keeps it.
void broker_rehome_reply (broker_t *self, mt_msg_t **msg_p);
//  A client's removal: remembered while a listing is out.
void broker_rehome_note_removal (broker_t *self, const mt_msg_t *msg);
//  Free what a pass holds.
void broker_rehome_free (broker_t *self);

//  broker_sync.c: copies between replicas.
//  A copy's message from a replica (chunks, requests for the next, done).
void broker_sync_message (broker_t *self, size_t slot, mt_msg_t *msg);
//  Decide, partition by partition, which joining replicas serve, which
//  need a copy and which are stale.
void broker_promote (broker_t *self, int64_t now);
//  Serving replicas of a partition that report the same write but a
//  different digest disagree: the younger one gets a fresh copy.
void broker_check_agreement (broker_t *self, size_t slot);

#endif
