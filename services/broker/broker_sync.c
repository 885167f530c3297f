//  broker_sync - which replicas of a partition serve: promotion of
//  joining replicas, copies from an up-to-date peer to one that is behind,
//  and the check that serving replicas agree.

#include "broker_state.h"
#include "base/mt_clock.h"

#include "base/mt_log.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#define S_NAME "broker"

static void
s_start_sync (broker_t *self, size_t source, size_t target)
{
    broker_sync_t *syncs = realloc (self->syncs, (self->sync_count + 1) * sizeof *syncs);
    if (!syncs)
        return;
    self->syncs = syncs;
    broker_replica_t *s = &self->replicas [source], *t = &self->replicas [target];
    broker_sync_t *sync = &self->syncs [self->sync_count++];
    *sync = (broker_sync_t) {
        .id = ++self->next_id, .partition = t->partition, .source = source, .target = target,
        .source_gen = s->gen, .target_gen = t->gen, .active = mt_clock_ms ()
    };
    t->state = R_SYNCING;
    mt_log_info (S_NAME, "replica %u.%u (write %" PRIu64 ") gets a copy of %u.%u (write %"
                 PRIu64 "), copy %" PRIu64, t->partition, t->replica, t->seq, s->partition,
                 s->replica, s->seq, sync->id);
    mt_msg_t *begin = mt_msg_new (MT_MSG_SYNC_BEGIN);
    if (!begin)
        return;
    begin->sync_id = sync->id;
    //  The target first, so that every write sent after the source's copy
    //  point is also held by the target.
    begin->receive = true;
    broker_to_replica (self, target, begin);
    begin->receive = false;
    broker_to_replica (self, source, begin);
    mt_msg_destroy (&begin);
}

static broker_sync_t *
s_find_sync (broker_t *self, uint64_t id)
{
    for (size_t i = 0; i < self->sync_count; i++)
        if (self->syncs [i].id == id)
            return &self->syncs [i];
    return NULL;
}

void
broker_sync_message (broker_t *self, size_t slot, mt_msg_t *msg)
{
    broker_sync_t *sync = s_find_sync (self, msg->sync_id);
    if (!sync)
        return;
    sync->active = mt_clock_ms ();
    if (msg->type == MT_MSG_SYNC_CHUNK && slot == sync->source)
        broker_to_replica (self, sync->target, msg);
    else
    if (msg->type == MT_MSG_SYNC_NEXT && slot == sync->target)
        broker_to_replica (self, sync->source, msg);
    else
    if (msg->type == MT_MSG_SYNC_DONE && slot == sync->target) {
        broker_replica_t *t = &self->replicas [slot];
        if (msg->ok) {
            t->state = R_SERVING;
            mt_log_info (S_NAME, "replica %u.%u is in sync and serving (copy %" PRIu64 ")",
                         t->partition, t->replica, sync->id);
        }
        else {
            t->state = R_JOINING;
            t->retry_after = mt_clock_ms () + BROKER_SYNC_RETRY_MS;
            mt_log_error (S_NAME, "replica %u.%u could not load copy %" PRIu64 ": %s",
                          t->partition, t->replica, sync->id, msg->text);
        }
        *sync = self->syncs [--self->sync_count];
    }
}

//  ---------------------------------------------------------------- promotion

static bool
s_is_syncing (const broker_t *self, size_t slot)
{
    for (size_t i = 0; i < self->sync_count; i++)
        if (self->syncs [i].source == slot || self->syncs [i].target == slot)
            return true;
    return false;
}

//  Decide, partition by partition, which joining replicas serve, which
//  need a copy and which are stale.
void
broker_promote (broker_t *self, int64_t now)
{
    for (uint32_t part = 0; part < self->partitions + self->adding; part++) {
        size_t present = 0;
        for (size_t i = 0; i < self->replica_count; i++)
            present += self->replicas [i].used && self->replicas [i].partition == part;
        bool waiting = now - self->started < self->config->grace_ms
                    && present < (size_t) self->config->replicas;
        size_t source = SIZE_MAX;
        for (size_t i = 0; i < self->replica_count; i++) {
            broker_replica_t *r = &self->replicas [i];
            if (r->used && r->partition == part && r->state == R_SERVING
            &&  (source == SIZE_MAX || r->joined_at < self->replicas [source].joined_at))
                source = i;
        }
        for (size_t i = 0; i < self->replica_count; i++) {
            broker_replica_t *r = &self->replicas [i];
            if (!r->used || r->partition != part || now < r->retry_after)
                continue;
            if (r->state == R_STALE && source != SIZE_MAX)
                r->state = R_JOINING;
            if (r->state != R_JOINING || waiting)
                continue;
            if (source == SIZE_MAX) {
                if (r->seq >= self->parts [part].known) {
                    r->state = R_SERVING;
                    source = i;
                    //  Writes numbered past it were applied by no replica (a
                    //  full disk refused them; their clients were told and
                    //  will send them again): number the next one after it,
                    //  or it would refuse every write as "missed".
                    if (self->parts [part].writes == 0 && self->parts [part].seq > r->seq) {
                        mt_log_warn (S_NAME, "partition %u: writes %" PRIu64 "..%" PRIu64
                                     " were applied by no replica; numbering goes on from %"
                                     PRIu64, part, r->seq + 1, self->parts [part].seq, r->seq);
                        self->parts [part].seq = r->seq;
                    }
                    mt_log_info (S_NAME, "replica %u.%u serves partition %u (write %" PRIu64
                                 ", %" PRIu64 " + %" PRIu64 " faces)", r->partition,
                                 r->replica, part, r->seq, r->missing_count, r->found_count);
                }
                else {
                    r->state = R_STALE;
                    mt_log_error (S_NAME, "replica %u.%u is behind (write %" PRIu64 " of %"
                                  PRIu64 ") and no up-to-date replica is live: it answers "
                                  "searches but takes no writes until one returns",
                                  r->partition, r->replica, r->seq, self->parts [part].known);
                }
                continue;
            }
            if (self->parts [part].writes > 0)
                continue;           //  compare once the writes in flight are done
            const broker_replica_t *s = &self->replicas [source];
            if (r->seq == s->seq && r->digest == s->digest) {
                r->state = R_SERVING;
                mt_log_info (S_NAME, "replica %u.%u is in sync (write %" PRIu64 ") and serves",
                             r->partition, r->replica, r->seq);
            }
            else
            if (!s_is_syncing (self, i))
                s_start_sync (self, source, i);
        }
    }
}

//  Serving replicas of a partition that report the same write but a
//  different digest disagree: the younger one gets a fresh copy.
void
broker_check_agreement (broker_t *self, size_t slot)
{
    broker_replica_t *r = &self->replicas [slot];
    if (r->state != R_SERVING || self->parts [r->partition].writes > 0)
        return;
    for (size_t i = 0; i < self->replica_count; i++) {
        broker_replica_t *o = &self->replicas [i];
        if (i == slot || !o->used || o->partition != r->partition || o->state != R_SERVING
        ||  o->seq != r->seq || o->digest == r->digest)
            continue;
        broker_replica_t *younger = o->joined_at > r->joined_at ? o : r;
        mt_log_error (S_NAME, "replicas %u.%u and %u.%u disagree at write %" PRIu64 "; "
                      "%u.%u gets a fresh copy", r->partition, r->replica, o->partition,
                      o->replica, r->seq, younger->partition, younger->replica);
        younger->state = R_JOINING;
        return;
    }
}
