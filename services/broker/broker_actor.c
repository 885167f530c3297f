//  broker_actor - clients in front, shard replicas behind.

#include "broker_actor.h"
#include "base/mt_clock.h"
#include "broker_state.h"

#include "base/mt_log.h"
#include "wire/mt_msg.h"
#include "index/mt_partition.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>
#include <zmq.h>

#define S_NAME "broker"

const mt_config_key_t broker_config_keys [] = {
    { "front", MT_CFG_STRING, offsetof (broker_config_t, front), 0, 256,
      "endpoint for clients, bound (e.g. tcp://*:5555)" },
    { "back", MT_CFG_STRING, offsetof (broker_config_t, back), 0, 256,
      "endpoint for shard replicas, bound (e.g. tcp://*:5556)" },
    { "partitions", MT_CFG_INT, offsetof (broker_config_t, partitions), 1, 4096,
      "number of partitions (at least; the state file keeps those added since)" },
    { "state", MT_CFG_STRING, offsetof (broker_config_t, state), 0, 1024,
      "file that keeps the partition count when partitions are added (\"\": none, and "
      "add-partition is refused)" },
    { "move-batch", MT_CFG_INT, offsetof (broker_config_t, move_batch), 1, MT_MSG_MAX_QUERIES,
      "faces moved per step when partitions are added (each step: list, copy, remove)" },
    { "replicas", MT_CFG_INT, offsetof (broker_config_t, replicas), 1, 255,
      "replicas expected per partition (a partition serves without waiting once "
      "they have all joined)" },
    { "heartbeat-ms", MT_CFG_INT, offsetof (broker_config_t, heartbeat_ms), 10, 60000,
      "heartbeat interval" },
    { "liveness", MT_CFG_INT, offsetof (broker_config_t, liveness), 2, 100,
      "silent heartbeats after which a replica counts as dead" },
    { "deadline-ms", MT_CFG_INT, offsetof (broker_config_t, deadline_ms), 1, 600000,
      "search deadline when the client gives none" },
    { "write-deadline-ms", MT_CFG_INT, offsetof (broker_config_t, write_deadline_ms), 1, 600000,
      "time for replicas to make a write durable" },
    { "hedge-ms", MT_CFG_INT, offsetof (broker_config_t, hedge_ms), 1, 600000,
      "ask another replica when a partition has not answered a search after this" },
    { "grace-ms", MT_CFG_INT, offsetof (broker_config_t, grace_ms), 0, 600000,
      "after start, wait this long for every replica to join before serving" },
    MT_CURVE_SERVER_KEYS (broker_config_t, curve),
    { .name = NULL }
};

void
broker_config_defaults (broker_config_t *config)
{
    *config = (broker_config_t) {
        .front = "tcp://127.0.0.1:5555", .back = "tcp://127.0.0.1:5556",
        .partitions = 1, .replicas = 1,
        .heartbeat_ms = 500, .liveness = 4,
        .deadline_ms = 2000, .write_deadline_ms = 5000, .hedge_ms = 250,
        .grace_ms = 3000, .move_batch = 1000
    };
}

static const char *s_rstate_names [] = { "joining", "syncing", "serving", "stale" };








//  ---------------------------------------------------------------- replicas



static void
s_cancel_syncs_of (broker_t *self, size_t slot)
{
    for (size_t i = 0; i < self->sync_count;) {
        broker_sync_t *s = &self->syncs [i];
        if (s->source == slot || s->target == slot) {
            broker_replica_t *t = &self->replicas [s->target];
            if (s->target != slot && t->used && t->gen == s->target_gen && t->state == R_SYNCING) {
                t->state = R_JOINING;
                t->retry_after = mt_clock_ms () + BROKER_SYNC_RETRY_MS;
            }
            mt_log_warn (S_NAME, "copy %" PRIu64 " for partition %u cancelled: a replica left",
                         s->id, s->partition);
            self->syncs [i] = self->syncs [--self->sync_count];
        }
        else
            i++;
    }
}

//  A leg's replica is gone: searches ask another replica; writes stop
//  waiting for it.
static void
s_leg_lost (broker_t *self, broker_pending_t *p, broker_leg_t *leg, int64_t now)
{
    leg->done = true;
    leg->ok = false;
    if (p->type == MT_MSG_SEARCH && !p->answered [leg->partition])
        broker_send_search (self, p, leg->partition, now);
}

//  Forget a replica: every request waiting on it moves on.
static void
s_drop_replica (broker_t *self, size_t slot, const char *why)
{
    broker_replica_t *r = &self->replicas [slot];
    if (!r->used)
        return;
    mt_log_warn (S_NAME, "replica %u.%u %s (%s)", r->partition, r->replica, why,
                 s_rstate_names [r->state]);
    s_cancel_syncs_of (self, slot);
    r->used = false;
    int64_t now = mt_clock_ms ();
    broker_pending_t *p, *tmp;
    HASH_ITER (hh, self->pending, p, tmp)
        for (size_t i = 0; i < p->leg_count; i++)
            if (!p->legs [i].done && p->legs [i].slot == slot && p->legs [i].gen == r->gen)
                s_leg_lost (self, p, &p->legs [i], now);
}















static void
s_client_write (broker_t *self, const mt_route_t *client, mt_msg_t *msg)
{
    if (msg->type == MT_MSG_REMOVE)
        broker_rehome_note_removal (self, msg);
    mt_err_t why;
    int rc = broker_write (self, client, msg, -1, NULL, NULL, &why);
    if (rc != MT_OK) {
        mt_msg_t *error = mt_msg_error_of (msg->request_id, rc, &why);
        broker_to_client (self, client, &error);
    }
}

//  ---------------------------------------------------------------- legs


//  A reply from a replica to one of our requests.
static void
s_replica_reply (broker_t *self, size_t slot, mt_msg_t *msg)
{
    broker_pending_t *p = NULL;
    HASH_FIND (hh, self->pending, &msg->request_id, sizeof msg->request_id, p);
    if (!p)
        return;             //  late: the request has been answered already
    broker_replica_t *r = &self->replicas [slot];
    broker_leg_t *leg = NULL;
    for (size_t i = 0; i < p->leg_count && !leg; i++)
        if (p->legs [i].slot == slot && p->legs [i].gen == r->gen && !p->legs [i].done)
            leg = &p->legs [i];
    if (!leg)
        return;             //  a replica we do not wait for (syncing)
    leg->done = true;
    if (p->type == MT_MSG_SEARCH)
        broker_search_reply (self, p, leg, msg, mt_clock_ms ());
    else
        broker_write_reply (self, p, leg, msg, mt_clock_ms ());
}


//  ---------------------------------------------------------------- input

static void
s_shard_status (broker_t *self, const mt_route_t *route, const mt_msg_t *msg, int64_t now)
{
    const mt_shard_status_t *st = &msg->status;
    size_t slot = broker_find_replica (self, route);
    if (slot == SIZE_MAX) {
        mt_err_t refusal;
        mt_err_clear (&refusal);
        bool added = self->adding && st->partition == self->partitions;
        if (st->partition >= self->partitions && !added)
            mt_err_set (&refusal, MT_EINVAL, "this broker has %u partitions (0..%u); partition "
                        "%u does not exist: add it first with `homeward index add-partition`",
                        self->partitions, self->partitions - 1, st->partition);
        else
        if (added && (st->seq > 0 || st->missing_count + st->found_count > 0))
            mt_err_set (&refusal, MT_EINVAL, "partition %u is new and must start empty, but "
                        "this replica holds %" PRIu64 " faces (write %" PRIu64 "): give it an "
                        "empty data folder", st->partition, st->missing_count + st->found_count,
                        st->seq);
        if (refusal.code) {
            mt_msg_t *error = mt_msg_error_of (0, MT_EINVAL, &refusal);
            mt_err_t err;
            mt_wire_send (self->back, route, error, ZMQ_DONTWAIT, &err);
            mt_msg_destroy (&error);
            mt_log_error (S_NAME, "refused replica %u.%u: %s", st->partition, st->replica,
                          refusal.msg);
            return;
        }
        //  A new instance replaces an old one of the same replica.
        for (size_t i = 0; i < self->replica_count; i++)
            if (self->replicas [i].used && self->replicas [i].partition == st->partition
            &&  self->replicas [i].replica == st->replica)
                s_drop_replica (self, i, "was replaced by a new instance");
        for (slot = 0; slot < self->replica_count && self->replicas [slot].used; slot++)
            ;
        if (slot == self->replica_size) {
            size_t size = self->replica_size ? self->replica_size * 2 : 16;
            broker_replica_t *bigger = realloc (self->replicas, size * sizeof *bigger);
            if (!bigger)
                return;
            memset (bigger + self->replica_size, 0, (size - self->replica_size) * sizeof *bigger);
            self->replicas = bigger;
            self->replica_size = size;
        }
        if (slot == self->replica_count)
            self->replica_count++;
        broker_replica_t *r = &self->replicas [slot];
        uint32_t gen = r->gen + 1;
        *r = (broker_replica_t) {
            .used = true, .gen = gen, .route = *route, .partition = st->partition,
            .replica = st->replica, .state = R_JOINING, .joined_at = now
        };
        mt_log_info (S_NAME, "replica %u.%u joined at write %" PRIu64 " (%" PRIu64 " + %"
                     PRIu64 " faces)", st->partition, st->replica, st->seq,
                     st->missing_count, st->found_count);
    }
    broker_replica_t *r = &self->replicas [slot];
    r->last_seen = now;
    r->seq = st->seq;
    r->digest = st->digest;
    r->missing_count = st->missing_count;
    r->found_count = st->found_count;
    //  A write counts as existing once some replica reports having it (a
    //  number given to a write that no replica applied does not).
    if (st->seq > self->parts [r->partition].known)
        self->parts [r->partition].known = st->seq;
    broker_check_agreement (self, slot);
}

static void
s_from_shard (broker_t *self)
{
    mt_route_t route;
    mt_msg_t *msg = NULL;
    mt_err_t err;
    int rc = mt_wire_recv (self->back, &route, &msg, &err);
    if (rc == MT_EPROTO) {
        self->malformed++;
        mt_log_warn (S_NAME, "malformed message from a shard: %s", err.msg);
        if (route.count == 1) {
            mt_msg_t *error = mt_msg_error_of (0, MT_EPROTO, &err);
            mt_wire_send (self->back, &route, error, ZMQ_DONTWAIT, &err);
            mt_msg_destroy (&error);
        }
        return;
    }
    if (rc != MT_OK || route.count != 1) {
        mt_msg_destroy (&msg);
        return;
    }
    int64_t now = mt_clock_ms ();
    if (msg->type == MT_MSG_STATUS)
        s_shard_status (self, &route, msg, now);
    else {
        size_t slot = broker_find_replica (self, &route);
        if (slot == SIZE_MAX) {
            //  Not registered (e.g. we restarted): ask it to say hello.
            mt_msg_t *ping = mt_msg_new (MT_MSG_PING);
            if (ping)
                mt_wire_send (self->back, &route, ping, ZMQ_DONTWAIT, &err);
            mt_msg_destroy (&ping);
        }
        else {
            self->replicas [slot].last_seen = now;
            if (self->rehome.stage == G_LISTING && msg->request_id == self->rehome.request
            &&  (msg->type == MT_MSG_REHOME_REPLY || msg->type == MT_MSG_ERROR)) {
                broker_rehome_reply (self, &msg);
                mt_msg_destroy (&msg);
                return;
            }
            switch (msg->type) {
                case MT_MSG_ACK:
                case MT_MSG_SEARCH_REPLY:
                case MT_MSG_ERROR:
                    s_replica_reply (self, slot, msg);
                    break;
                case MT_MSG_SYNC_CHUNK:
                case MT_MSG_SYNC_NEXT:
                case MT_MSG_SYNC_DONE:
                    broker_sync_message (self, slot, msg);
                    break;
                default:
                    break;
            }
        }
    }
    mt_msg_destroy (&msg);
}

static void
s_stats (broker_t *self, const mt_route_t *client, const mt_msg_t *msg)
{
    mt_msg_t *reply = mt_msg_new (MT_MSG_STATS_REPLY);
    if (!reply)
        return;
    reply->request_id = msg->request_id;
    reply->partitions = self->partitions;
    reply->malformed = self->malformed;
    reply->adding = self->adding;
    reply->rehoming = self->rehome.active;
    reply->moved = self->rehome.moved;
    reply->remaining = self->rehome.remaining;
    reply->replica_status = calloc (self->replica_count + 1, sizeof *reply->replica_status);
    for (size_t i = 0; reply->replica_status && i < self->replica_count; i++) {
        const broker_replica_t *r = &self->replicas [i];
        if (!r->used)
            continue;
        mt_shard_status_t *s = &reply->replica_status [reply->replica_count++];
        s->partition = r->partition;
        s->replica = r->replica;
        s->seq = r->seq;
        s->missing_count = r->missing_count;
        s->found_count = r->found_count;
        snprintf (s->state, sizeof s->state, "%s", s_rstate_names [r->state]);
    }
    broker_to_client (self, client, &reply);
}

static void
s_from_client (broker_t *self)
{
    mt_route_t route;
    mt_msg_t *msg = NULL;
    mt_err_t err;
    int rc = mt_wire_recv (self->front, &route, &msg, &err);
    if (rc == MT_EPROTO) {
        self->malformed++;
        mt_log_warn (S_NAME, "malformed message from a client: %s", err.msg);
        if (route.count >= 1) {
            mt_msg_t *error = mt_msg_error_of (0, MT_EPROTO, &err);
            broker_to_client (self, &route, &error);
        }
        return;
    }
    if (rc != MT_OK)
        return;
    switch (msg->type) {
        case MT_MSG_ENROLL:
        case MT_MSG_REMOVE:
            s_client_write (self, &route, msg);
            break;
        case MT_MSG_SEARCH:
            broker_client_search (self, &route, &msg);
            break;
        case MT_MSG_STATS:
            s_stats (self, &route, msg);
            break;
        case MT_MSG_ADD_PARTITION: {
            mt_msg_t *reply = broker_add_partition (self, msg);
            if (reply && reply->type == MT_MSG_STATS_REPLY) {
                mt_msg_destroy (&reply);
                s_stats (self, &route, msg);
            }
            else
                broker_to_client (self, &route, &reply);
            break;
        }
        default: {
            self->malformed++;
            mt_msg_t *error = mt_msg_error (msg->request_id, MT_EPROTO, "the broker takes "
                                            "enroll, remove, search, stats and add_partition, "
                                            "not %s",
                                            mt_msg_type_name (msg->type));
            broker_to_client (self, &route, &error);
        }
    }
    mt_msg_destroy (&msg);
}

//  ---------------------------------------------------------------- timers

static int64_t
s_tick (broker_t *self, int64_t now)
{
    int64_t expiry = self->config->heartbeat_ms * self->config->liveness;
    for (size_t i = 0; i < self->replica_count; i++)
        if (self->replicas [i].used && self->replicas [i].unreachable)
            s_drop_replica (self, i, "is unreachable");
        else
        if (self->replicas [i].used && now - self->replicas [i].last_seen > expiry)
            s_drop_replica (self, i, "stopped answering");
    for (size_t i = 0; i < self->sync_count;)
        if (now - self->syncs [i].active > BROKER_SYNC_IDLE_MS)
            s_cancel_syncs_of (self, self->syncs [i].target);
        else
            i++;
    if (now >= self->next_ping) {
        mt_msg_t *ping = mt_msg_new (MT_MSG_PING);
        for (size_t i = 0; ping && i < self->replica_count; i++)
            if (self->replicas [i].used)
                broker_to_replica (self, i, ping);
        mt_msg_destroy (&ping);
        self->next_ping = now + self->config->heartbeat_ms;
    }
    broker_promote (self, now);
    broker_rehome_step (self, now);

    //  Deadlines and hedges; the next time something is due.
    int64_t next = self->next_ping;
    broker_pending_t *p, *tmp;
    HASH_ITER (hh, self->pending, p, tmp) {
        if (p->type == MT_MSG_SEARCH) {
            for (uint32_t part = 0; part < p->partitions; part++) {
                if (p->answered [part])
                    continue;
                int64_t last = 0;
                bool open = false;
                for (size_t l = 0; l < p->leg_count; l++)
                    if (p->legs [l].partition == part) {
                        last = p->legs [l].sent > last ? p->legs [l].sent : last;
                        open |= !p->legs [l].done;
                    }
                if (!open || now - last >= self->config->hedge_ms)
                    broker_send_search (self, p, part, now);
                int64_t hedge = last + self->config->hedge_ms;
                if (hedge > now && hedge < next)
                    next = hedge;
            }
            if (p->deadline < next)
                next = p->deadline;
            broker_check_search (self, p, now);
        }
        else {
            if (p->deadline < next)
                next = p->deadline;
            broker_check_write (self, p, now);
        }
    }
    if (self->rehome.active && self->rehome.stage == G_IDLE && self->rehome.retry_after > now
    &&  self->rehome.retry_after < next)
        next = self->rehome.retry_after;
    //  A replica found unreachable meanwhile is dropped at once.
    for (size_t i = 0; i < self->replica_count; i++)
        if (self->replicas [i].used && self->replicas [i].unreachable)
            next = now;
    return next;
}

//  ---------------------------------------------------------------- actor

void
broker_actor (void *pipe, void *arg)
{
    broker_t self = { .config = arg };
    const broker_config_t *config = self.config;
    self.partitions = (uint32_t) config->partitions;
    mt_err_t err;
    int rc = MT_OK;
    rc = broker_state_load (&self, &err);
    //  One more, for a partition being added.
    self.parts = calloc (self.partitions + 1, sizeof *self.parts);
    self.front = mt_wire_socket (ZMQ_ROUTER, &err);
    self.back = mt_wire_socket (ZMQ_ROUTER, &err);
    if (rc == MT_OK && (!self.parts || !self.front || !self.back))
        rc = mt_err_set (&err, MT_ENOMEM, "cannot set up the broker");
    int mandatory = 1;
    if (rc == MT_OK)
        zmq_setsockopt (self.back, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    if (rc == MT_OK)
        rc = mt_wire_bind (self.front, config->front, &config->curve, &err);
    if (rc == MT_OK)
        rc = mt_wire_bind (self.back, config->back, &config->curve, &err);
    if (rc != MT_OK) {
        if (self.front)
            zmq_close (self.front);
        if (self.back)
            zmq_close (self.back);
        free (self.parts);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    self.started = mt_clock_ms ();
    broker_rehome_start (&self);
    mt_log_info (S_NAME, "clients on %s, shards on %s, %u partitions x %d replicas",
                 config->front, config->back, self.partitions, (int) config->replicas);
    mt_actor_ready (pipe, MT_OK, NULL);

    int64_t next = self.started;
    for (;;) {
        zmq_pollitem_t items [3] = {
            { pipe, 0, ZMQ_POLLIN, 0 }, { self.back, 0, ZMQ_POLLIN, 0 },
            { self.front, 0, ZMQ_POLLIN, 0 }
        };
        int64_t wait = next - mt_clock_ms ();
        if (zmq_poll (items, 3, wait > 0 ? (long) wait : 0) < 0 && zmq_errno () != EINTR)
            break;
        if ((items [0].revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
        //  Replies first: they finish requests and free the replicas.
        for (int burst = 0; burst < 256 && (items [1].revents & ZMQ_POLLIN); burst++) {
            s_from_shard (&self);
            int events = 0;
            size_t size = sizeof events;
            zmq_getsockopt (self.back, ZMQ_EVENTS, &events, &size);
            if (!(events & ZMQ_POLLIN))
                break;
        }
        for (int burst = 0; burst < 64 && (items [2].revents & ZMQ_POLLIN); burst++) {
            s_from_client (&self);
            int events = 0;
            size_t size = sizeof events;
            zmq_getsockopt (self.front, ZMQ_EVENTS, &events, &size);
            if (!(events & ZMQ_POLLIN))
                break;
        }
        next = s_tick (&self, mt_clock_ms ());
    }
    broker_pending_t *p, *tmp;
    HASH_ITER (hh, self.pending, p, tmp)
        broker_pending_free (&self, p);
    broker_rehome_free (&self);
    free (self.replicas);
    free (self.parts);
    free (self.syncs);
    zmq_close (self.front);
    zmq_close (self.back);
    mt_log_info (S_NAME, "stopped");
}
