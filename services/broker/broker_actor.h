//  broker_actor - routes Homeward's index traffic between clients and shard
//  replicas (in the spirit of the zguide's Majordomo and Paranoid Pirate).
//
//  Front (ROUTER, bound): clients send enroll, remove, search and stats.
//  Back (ROUTER, bound): shard replicas connect, say hello with their
//  partition and replica, and send their status every heartbeat; the broker
//  pings them back. A replica silent for `liveness` heartbeats is dropped.
//
//  Writes: the faces of a case go to partition mt_partition_of (case_id, P)
//  (a consistent hash: adding a partition moves only the cases that now
//  belong to it), to every
//  live replica of it, numbered with the partition's next sequence number;
//  the client's acknowledgement waits until every up-to-date replica made
//  the write durable (or is gone), and says how many did. A partition
//  without an up-to-date replica refuses writes (nothing is half-written).
//
//  Searches: one up-to-date replica per partition; a partition that has not
//  answered after hedge_ms is asked again on another replica, and a replica
//  that dies is replaced at once; at the deadline the merged top-k goes back
//  with the partitions that answered and a partial flag.
//
//  Catching up: a replica that (re)joins is compared with a serving peer of
//  its partition (sequence number and content digest). If it differs, the
//  peer writes a snapshot and the broker relays it in chunks while new
//  writes reach both; the joiner loads the copy, applies the writes it held
//  meanwhile, and only then serves. A replica behind the newest known write
//  with no up-to-date peer alive is "stale": it answers searches if nothing
//  better is live but takes no writes, so that two histories never fork.
//
//  Growing: `homeward index add-partition` asks for partition P; once its
//  first replica serves, the broker writes P+1 to its state file, places new
//  writes among P+1 partitions and moves the faces that belong to P there
//  (copy, then remove from the source: searches, which merge duplicates,
//  stay complete). The same pass runs once at every start, as a check.

#ifndef BROKER_ACTOR_H_INCLUDED
#define BROKER_ACTOR_H_INCLUDED

#include <stdint.h>

#include "wire/mt_actor.h"
#include "base/mt_config.h"
#include "wire/mt_curve.h"

typedef struct {
    char front [256];           //  clients' endpoint, bound
    char back [256];            //  shards' endpoint, bound
    int64_t partitions;
    int64_t replicas;           //  replicas expected per partition
    int64_t heartbeat_ms;
    int64_t liveness;
    int64_t deadline_ms;        //  searches without their own deadline
    int64_t write_deadline_ms;
    int64_t hedge_ms;
    int64_t grace_ms;           //  after start, wait this long for replicas to join
    char state [1024];          //  file keeping the partition count ("": none)
    int64_t move_batch;         //  faces moved per step when partitions grow
    mt_curve_config_t curve;    //  both endpoints: CURVE on tcp://
} broker_config_t;

extern const mt_config_key_t broker_config_keys [];

void broker_config_defaults (broker_config_t *config);

//  The partition count a broker's state file keeps (0 when there is no
//  file yet). MT_OK, or a reason the file cannot be read.
int broker_state_read (const char *path, uint32_t *count_p, mt_err_t *err);

//  The actor function: mt_actor_new (broker_actor, &config, ...).
void broker_actor (void *pipe, void *arg);


#endif
