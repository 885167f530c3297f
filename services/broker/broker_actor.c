//  broker_actor - clients in front, shard replicas behind.

#include "broker_actor.h"
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

int64_t
broker_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
s_to_client (broker_t *self, const mt_route_t *route, mt_msg_t **msg_p)
{
    mt_err_t err;
    if (*msg_p && mt_wire_send (self->front, route, *msg_p, ZMQ_DONTWAIT, &err) != MT_OK)
        mt_log_warn (S_NAME, "cannot answer a client: %s", err.msg);
    mt_msg_destroy (msg_p);
}

static bool
s_leg_alive (const broker_t *self, const broker_leg_t *leg)
{
    return leg->slot < self->replica_count && self->replicas [leg->slot].used
        && self->replicas [leg->slot].gen == leg->gen;
}

static void
s_add_leg (broker_pending_t *p, uint32_t partition, size_t slot, uint32_t gen, int64_t now)
{
    if (p->leg_count == p->leg_size) {
        size_t size = p->leg_size ? p->leg_size * 2 : 8;
        broker_leg_t *legs = realloc (p->legs, size * sizeof *legs);
        if (!legs)
            return;
        p->legs = legs;
        p->leg_size = size;
    }
    p->legs [p->leg_count++] = (broker_leg_t) { partition, slot, gen, false, false, now };
}

static void
s_pending_free (broker_t *self, broker_pending_t *p)
{
    HASH_DEL (self->pending, p);
    mt_msg_destroy (&p->request);
    free (p->legs);
    free (p->acks);
    free (p->applied);
    free (p->involved);
    free (p->answered);
    free (p->merged);
    free (p->counts);
    free (p);
}

static broker_pending_t *
s_pending_new (broker_t *self, const mt_route_t *client, const mt_msg_t *msg, int64_t deadline)
{
    broker_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    p->id = ++self->next_id;
    if (client)
        p->client = *client;
    p->internal = client == NULL;
    p->partitions = self->partitions;
    p->client_request = msg->request_id;
    p->type = msg->type;
    p->deadline = deadline;
    p->acks = calloc (p->partitions, sizeof *p->acks);
    p->applied = calloc (p->partitions, sizeof *p->applied);
    p->involved = calloc (p->partitions, sizeof *p->involved);
    p->answered = calloc (p->partitions, sizeof *p->answered);
    if (!p->acks || !p->applied || !p->involved || !p->answered) {
        free (p->acks), free (p->applied), free (p->involved), free (p->answered), free (p);
        return NULL;
    }
    HASH_ADD (hh, self->pending, id, sizeof p->id, p);
    return p;
}

//  ---------------------------------------------------------------- replicas

static size_t
s_find_replica (const broker_t *self, const mt_route_t *route)
{
    for (size_t i = 0; i < self->replica_count; i++) {
        const broker_replica_t *r = &self->replicas [i];
        if (r->used && r->route.frames [0].size == route->frames [0].size
        &&  memcmp (r->route.frames [0].data, route->frames [0].data, route->frames [0].size) == 0)
            return i;
    }
    return SIZE_MAX;
}

size_t
broker_count (const broker_t *self, uint32_t partition, broker_rstate state)
{
    size_t n = 0;
    for (size_t i = 0; i < self->replica_count; i++)
        n += self->replicas [i].used && self->replicas [i].partition == partition
          && self->replicas [i].state == state;
    return n;
}

static void s_leg_lost (broker_t *self, broker_pending_t *p, broker_leg_t *leg, int64_t now);

static void
s_cancel_syncs_of (broker_t *self, size_t slot)
{
    for (size_t i = 0; i < self->sync_count;) {
        broker_sync_t *s = &self->syncs [i];
        if (s->source == slot || s->target == slot) {
            broker_replica_t *t = &self->replicas [s->target];
            if (s->target != slot && t->used && t->gen == s->target_gen && t->state == R_SYNCING) {
                t->state = R_JOINING;
                t->retry_after = broker_now_ms () + BROKER_SYNC_RETRY_MS;
            }
            mt_log_warn (S_NAME, "copy %" PRIu64 " for partition %u cancelled: a replica left",
                         s->id, s->partition);
            self->syncs [i] = self->syncs [--self->sync_count];
        }
        else
            i++;
    }
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
    int64_t now = broker_now_ms ();
    broker_pending_t *p, *tmp;
    HASH_ITER (hh, self->pending, p, tmp)
        for (size_t i = 0; i < p->leg_count; i++)
            if (!p->legs [i].done && p->legs [i].slot == slot && p->legs [i].gen == r->gen)
                s_leg_lost (self, p, &p->legs [i], now);
}

void
broker_to_replica (broker_t *self, size_t slot, const mt_msg_t *msg)
{
    mt_err_t err;
    if (mt_wire_send (self->back, &self->replicas [slot].route, msg, ZMQ_DONTWAIT, &err)
        != MT_OK) {
        //  ROUTER_MANDATORY: the replica's connection is gone.
        s_drop_replica (self, slot, "is unreachable");
    }
}

//  An up-to-date replica for a search of partition, not yet tried by p: the
//  least busy, taking turns among equals.
static size_t
s_pick (const broker_t *self, const broker_pending_t *p, uint32_t partition, bool stale_ok)
{
    size_t best = SIZE_MAX;
    size_t start = self->replica_count ? (size_t) (self->turn % self->replica_count) : 0;
    for (size_t n = 0; n < self->replica_count; n++) {
        size_t i = (start + n) % self->replica_count;
        const broker_replica_t *r = &self->replicas [i];
        if (!r->used || r->partition != partition
        ||  !(r->state == R_SERVING || (stale_ok && r->state == R_STALE)))
            continue;
        bool tried = false;
        for (size_t l = 0; p && l < p->leg_count; l++)
            tried |= p->legs [l].partition == partition && p->legs [l].slot == i
                  && p->legs [l].gen == r->gen;
        if (tried)
            continue;
        if (best == SIZE_MAX || r->searches < self->replicas [best].searches)
            best = i;
    }
    return best;
}

size_t
broker_pick (const broker_t *self, uint32_t partition)
{
    return s_pick (self, NULL, partition, false);
}

//  ---------------------------------------------------------------- searches

static void
s_merge (broker_pending_t *p, const mt_msg_t *reply)
{
    size_t k = p->request->k;
    for (size_t q = 0; q < p->request->query_count && q < reply->query_count; q++) {
        mt_hit_t *top = p->merged + q * k;
        size_t *count = &p->counts [q];
        for (size_t j = 0; j < reply->results [q].count; j++) {
            const mt_hit_t *hit = &reply->results [q].hits [j];
            if (*count == k && hit->distance >= top [k - 1].distance)
                continue;
            //  While faces move between partitions, one may be in two.
            bool seen = false;
            for (size_t i = 0; i < *count && !seen; i++)
                seen = top [i].face_id == hit->face_id;
            if (seen)
                continue;
            //  Insert in order (k is small).
            size_t at = *count < k ? (*count)++ : k - 1;
            while (at > 0 && top [at - 1].distance > hit->distance) {
                top [at] = top [at - 1];
                at--;
            }
            top [at] = *hit;
        }
    }
}

static bool
s_send_search (broker_t *self, broker_pending_t *p, uint32_t partition, int64_t now)
{
    bool serving = broker_count (self, partition, R_SERVING) > 0;
    size_t slot = s_pick (self, p, partition, !serving);
    if (slot == SIZE_MAX)
        return false;
    s_add_leg (p, partition, slot, self->replicas [slot].gen, now);
    self->replicas [slot].searches++;
    self->turn++;
    broker_to_replica (self, slot, p->request);
    return true;
}

static void
s_finish_search (broker_t *self, broker_pending_t *p)
{
    mt_msg_t *reply = mt_msg_new (MT_MSG_SEARCH_REPLY);
    if (reply) {
        size_t nq = p->request->query_count, k = p->request->k;
        reply->request_id = p->client_request;
        reply->query_count = nq;
        reply->results = calloc (nq, sizeof *reply->results);
        reply->answered = calloc (p->partitions, sizeof (uint32_t));
        reply->missing = calloc (p->partitions, sizeof (uint32_t));
        reply->partitions = p->partitions;
        if (reply->results && reply->answered && reply->missing) {
            for (size_t q = 0; q < nq; q++) {
                reply->results [q].count = p->counts [q];
                reply->results [q].hits = malloc ((p->counts [q] ? p->counts [q] : 1)
                                                  * sizeof (mt_hit_t));
                if (reply->results [q].hits)
                    memcpy (reply->results [q].hits, p->merged + q * k,
                            p->counts [q] * sizeof (mt_hit_t));
                else
                    reply->results [q].count = 0;
            }
            for (uint32_t part = 0; part < p->partitions; part++) {
                if (p->answered [part])
                    reply->answered [reply->answered_count++] = part;
                else
                    reply->missing [reply->missing_count++] = part;
            }
            reply->partial = reply->missing_count > 0;
        }
        else {
            mt_msg_destroy (&reply);
            reply = mt_msg_error (p->client_request, MT_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < p->leg_count; i++)
        if (!p->legs [i].done && s_leg_alive (self, &p->legs [i])
        &&  self->replicas [p->legs [i].slot].searches > 0)
            self->replicas [p->legs [i].slot].searches--;
    s_to_client (self, &p->client, &reply);
    s_pending_free (self, p);
}

//  Done when every partition has answered or has no replica left to ask.
static void
s_check_search (broker_t *self, broker_pending_t *p, int64_t now)
{
    bool settled = true;
    for (uint32_t part = 0; settled && part < p->partitions; part++) {
        if (p->answered [part])
            continue;
        bool open = false;
        for (size_t l = 0; l < p->leg_count && !open; l++)
            open = p->legs [l].partition == part && !p->legs [l].done;
        bool serving = broker_count (self, part, R_SERVING) > 0;
        settled = !open && s_pick (self, p, part, !serving) == SIZE_MAX;
    }
    if (settled || now >= p->deadline)
        s_finish_search (self, p);
}

static void
s_client_search (broker_t *self, const mt_route_t *client, mt_msg_t **msg_p)
{
    mt_msg_t *msg = *msg_p;
    int64_t now = broker_now_ms ();
    int64_t deadline = now + (msg->deadline_ms ? msg->deadline_ms : self->config->deadline_ms);
    broker_pending_t *p = s_pending_new (self, client, msg, deadline);
    size_t nq = msg->query_count, k = msg->k;
    if (p) {
        p->merged = malloc (nq * k * sizeof *p->merged);
        p->counts = calloc (nq, sizeof *p->counts);
    }
    if (!p || !p->merged || !p->counts) {
        if (p)
            s_pending_free (self, p);
        mt_msg_t *error = mt_msg_error (msg->request_id, MT_ENOMEM, "out of memory");
        s_to_client (self, client, &error);
        return;
    }
    //  The shards see the broker's request id.
    msg->request_id = p->id;
    p->request = msg;
    *msg_p = NULL;
    for (uint32_t part = 0; part < p->partitions; part++)
        s_send_search (self, p, part, now);
    s_check_search (self, p, now);
}

//  ---------------------------------------------------------------- writes

static void
s_finish_write (broker_t *self, broker_pending_t *p)
{
    uint32_t fewest = UINT32_MAX;
    bool missing = false;
    uint64_t applied = 0;
    for (uint32_t part = 0; part < p->partitions; part++)
        if (p->involved [part]) {
            applied += p->applied [part];
            if (p->acks [part] < fewest)
                fewest = p->acks [part];
            missing |= p->acks [part] == 0;
        }
    bool ok = !missing && fewest != UINT32_MAX;
    for (uint32_t part = 0; part < p->partitions; part++)
        if (p->involved [part] && self->parts [part].writes > 0)
            self->parts [part].writes--;
    if (p->internal) {
        if (!ok)
            mt_log_warn (S_NAME, "moving faces: %s", p->failure [0] ? p->failure
                         : "no replica made the write durable in time");
        uint64_t id = p->id;
        s_pending_free (self, p);
        broker_rehome_written (self, id, ok);
        return;
    }
    mt_msg_t *reply;
    if (!ok)
        reply = mt_msg_error (p->client_request, MT_EUNAVAILABLE, "%s",
                              p->failure [0] ? p->failure
                                             : "no replica made the write durable in time");
    else {
        reply = mt_msg_new (MT_MSG_ACK);
        if (reply) {
            reply->request_id = p->client_request;
            reply->applied = applied;
            reply->replicas = fewest;
        }
    }
    s_to_client (self, &p->client, &reply);
    s_pending_free (self, p);
}

static void
s_check_write (broker_t *self, broker_pending_t *p, int64_t now)
{
    bool waiting = false;
    for (size_t i = 0; i < p->leg_count; i++)
        waiting |= !p->legs [i].done;
    if (!waiting || now >= p->deadline)
        s_finish_write (self, p);
}

//  Send a numbered write to every serving and syncing replica of partition.
static void
s_send_write (broker_t *self, broker_pending_t *p, uint32_t partition, mt_msg_t *msg, int64_t now)
{
    broker_partition_t *part = &self->parts [partition];
    if (part->seq < part->known)
        part->seq = part->known;
    msg->seq = ++part->seq;
    msg->request_id = p->id;
    p->involved [partition] = true;
    self->parts [partition].writes++;
    for (size_t i = 0; i < self->replica_count; i++) {
        broker_replica_t *r = &self->replicas [i];
        if (!r->used || r->partition != partition)
            continue;
        if (r->state == R_SERVING) {
            s_add_leg (p, partition, i, r->gen, now);
            broker_to_replica (self, i, msg);
        }
        else
        if (r->state == R_SYNCING)
            broker_to_replica (self, i, msg);        //  held by the replica, not awaited
    }
}

//  The partitions a write touches (true in touch).
static void
s_touched (const broker_t *self, const mt_msg_t *msg, int64_t only, bool *touch)
{
    if (only >= 0)
        touch [only] = true;
    else
    if (msg->type == MT_MSG_ENROLL)
        for (size_t i = 0; i < msg->face_count; i++)
            touch [mt_partition_of (msg->faces [i].case_id, self->partitions)] = true;
    else
    if (msg->id_count > 0)
        //  Face ids say nothing of their case.
        for (uint32_t part = 0; part < self->partitions; part++)
            touch [part] = true;
    else {
        touch [mt_partition_of (msg->case_id, self->partitions)] = true;
        //  While faces move, a case's may still be in any partition the
        //  pass has not emptied of others' faces yet.
        for (uint32_t part = self->rehome.source; self->rehome.active
             && part < self->partitions; part++)
            touch [part] = true;
    }
}

//  The faces of an enroll that go to partition part, as their own message.
static mt_msg_t *
s_enroll_part (const broker_t *self, const mt_msg_t *msg, uint32_t part)
{
    mt_msg_t *copy = mt_msg_new (MT_MSG_ENROLL);
    size_t n = 0;
    for (size_t i = 0; i < msg->face_count; i++)
        n += mt_partition_of (msg->faces [i].case_id, self->partitions) == part;
    if (copy) {
        copy->ns = msg->ns;
        copy->faces = malloc ((n ? n : 1) * sizeof *copy->faces);
        copy->vectors = malloc ((n ? n : 1) * MT_DIM * sizeof (float));
    }
    if (!copy || !copy->faces || !copy->vectors) {
        mt_msg_destroy (&copy);
        return NULL;
    }
    for (size_t i = 0; i < msg->face_count; i++)
        if (mt_partition_of (msg->faces [i].case_id, self->partitions) == part) {
            copy->faces [copy->face_count] = msg->faces [i];
            memcpy (copy->vectors + copy->face_count * MT_DIM, msg->vectors + i * MT_DIM,
                    MT_DIM * sizeof (float));
            copy->face_count++;
        }
    return copy;
}

int
broker_write (broker_t *self, const mt_route_t *client, mt_msg_t *msg, int64_t only,
              uint64_t *id_p, char *why, size_t why_size)
{
    int64_t now = broker_now_ms ();
    bool *touch = calloc (self->partitions, sizeof *touch);
    if (!touch) {
        snprintf (why, why_size, "out of memory");
        return MT_ENOMEM;
    }
    s_touched (self, msg, only, touch);
    for (uint32_t part = 0; part < self->partitions; part++)
        if (touch [part] && broker_count (self, part, R_SERVING) == 0) {
            bool stale = broker_count (self, part, R_STALE) > 0;
            snprintf (why, why_size, "partition %u has no %s replica; nothing was written, try "
                      "again later", part,
                      stale ? "up-to-date (its replicas are behind)" : "live");
            free (touch);
            return MT_EUNAVAILABLE;
        }
    broker_pending_t *p = s_pending_new (self, client, msg, now + self->config->write_deadline_ms);
    if (!p) {
        free (touch);
        snprintf (why, why_size, "out of memory");
        return MT_ENOMEM;
    }
    for (uint32_t part = 0; part < self->partitions; part++) {
        if (!touch [part])
            continue;
        mt_msg_t *copy = NULL;
        if (msg->type == MT_MSG_ENROLL && only < 0) {
            copy = s_enroll_part (self, msg, part);
            if (!copy)
                continue;
        }
        s_send_write (self, p, part, copy ? copy : msg, now);
        mt_msg_destroy (&copy);
    }
    free (touch);
    if (id_p)
        *id_p = p->id;
    s_check_write (self, p, now);
    return MT_OK;
}

static void
s_client_write (broker_t *self, const mt_route_t *client, mt_msg_t *msg)
{
    if (msg->type == MT_MSG_REMOVE)
        broker_rehome_note_removal (self, msg);
    char why [256];
    int rc = broker_write (self, client, msg, -1, NULL, why, sizeof why);
    if (rc != MT_OK) {
        mt_msg_t *error = mt_msg_error (msg->request_id, rc, "%s", why);
        s_to_client (self, client, &error);
    }
}

//  ---------------------------------------------------------------- legs

//  A leg's replica is gone: searches ask another replica; writes stop
//  waiting for it.
static void
s_leg_lost (broker_t *self, broker_pending_t *p, broker_leg_t *leg, int64_t now)
{
    leg->done = true;
    leg->ok = false;
    if (p->type == MT_MSG_SEARCH && !p->answered [leg->partition])
        s_send_search (self, p, leg->partition, now);
}

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
    int64_t now = broker_now_ms ();
    if (p->type == MT_MSG_SEARCH) {
        if (r->searches > 0)
            r->searches--;
        if (msg->type == MT_MSG_SEARCH_REPLY && !p->answered [leg->partition]) {
            leg->ok = true;
            p->answered [leg->partition] = true;
            s_merge (p, msg);
        }
        else
        if (msg->type == MT_MSG_ERROR && !p->answered [leg->partition]) {
            mt_log_warn (S_NAME, "replica %u.%u failed a search: %s", r->partition, r->replica,
                         msg->text);
            s_send_search (self, p, leg->partition, now);
        }
        s_check_search (self, p, now);
        return;
    }
    if (msg->type == MT_MSG_ACK) {
        leg->ok = true;
        p->acks [leg->partition]++;
        //  Replicas of a partition agree; a repeat counts as none applied.
        if (msg->applied > p->applied [leg->partition])
            p->applied [leg->partition] = msg->applied;
        if (msg->seq) {
            r->seq = msg->seq;
            r->digest = msg->digest;
            if (msg->seq > self->parts [r->partition].known)
                self->parts [r->partition].known = msg->seq;
        }
    }
    else {
        //  The replica refused the write (it missed some): it needs a copy.
        mt_log_warn (S_NAME, "replica %u.%u refused write: %s", r->partition, r->replica,
                     msg->text);
        snprintf (p->failure, sizeof p->failure, "%s", msg->text);
        if (r->state == R_SERVING) {
            r->state = R_JOINING;
            r->retry_after = now;
        }
    }
    s_check_write (self, p, now);
}

//  ---------------------------------------------------------------- input

static void
s_shard_status (broker_t *self, const mt_route_t *route, const mt_msg_t *msg, int64_t now)
{
    const mt_shard_status_t *st = &msg->status;
    size_t slot = s_find_replica (self, route);
    if (slot == SIZE_MAX) {
        char refusal [256] = "";
        bool added = self->adding && st->partition == self->partitions;
        if (st->partition >= self->partitions && !added)
            snprintf (refusal, sizeof refusal, "this broker has %u partitions (0..%u); partition "
                      "%u does not exist: add it first with `homeward index add-partition`",
                      self->partitions, self->partitions - 1, st->partition);
        else
        if (added && (st->seq > 0 || st->missing_count + st->found_count > 0))
            snprintf (refusal, sizeof refusal, "partition %u is new and must start empty, but "
                      "this replica holds %" PRIu64 " faces (write %" PRIu64 "): give it an "
                      "empty data folder", st->partition, st->missing_count + st->found_count,
                      st->seq);
        if (*refusal) {
            mt_msg_t *error = mt_msg_error (0, MT_EINVAL, "%s", refusal);
            mt_err_t err;
            mt_wire_send (self->back, route, error, ZMQ_DONTWAIT, &err);
            mt_msg_destroy (&error);
            mt_log_error (S_NAME, "refused replica %u.%u: %s", st->partition, st->replica,
                          refusal);
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
            mt_msg_t *error = mt_msg_error (0, MT_EPROTO, "%s", err.msg);
            mt_wire_send (self->back, &route, error, ZMQ_DONTWAIT, &err);
            mt_msg_destroy (&error);
        }
        return;
    }
    if (rc != MT_OK || route.count != 1) {
        mt_msg_destroy (&msg);
        return;
    }
    int64_t now = broker_now_ms ();
    if (msg->type == MT_MSG_STATUS)
        s_shard_status (self, &route, msg, now);
    else {
        size_t slot = s_find_replica (self, &route);
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
    s_to_client (self, client, &reply);
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
            mt_msg_t *error = mt_msg_error (0, MT_EPROTO, "%s", err.msg);
            s_to_client (self, &route, &error);
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
            s_client_search (self, &route, &msg);
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
                s_to_client (self, &route, &reply);
            break;
        }
        default: {
            self->malformed++;
            mt_msg_t *error = mt_msg_error (msg->request_id, MT_EPROTO, "the broker takes "
                                            "enroll, remove, search, stats and add_partition, "
                                            "not %s",
                                            mt_msg_type_name (msg->type));
            s_to_client (self, &route, &error);
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
                    s_send_search (self, p, part, now);
                int64_t hedge = last + self->config->hedge_ms;
                if (hedge > now && hedge < next)
                    next = hedge;
            }
            if (p->deadline < next)
                next = p->deadline;
            s_check_search (self, p, now);
        }
        else {
            if (p->deadline < next)
                next = p->deadline;
            s_check_write (self, p, now);
        }
    }
    if (self->rehome.active && self->rehome.stage == G_IDLE && self->rehome.retry_after > now
    &&  self->rehome.retry_after < next)
        next = self->rehome.retry_after;
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
    self.started = broker_now_ms ();
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
        int64_t wait = next - broker_now_ms ();
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
        next = s_tick (&self, broker_now_ms ());
    }
    broker_pending_t *p, *tmp;
    HASH_ITER (hh, self.pending, p, tmp)
        s_pending_free (&self, p);
    broker_rehome_free (&self);
    free (self.replicas);
    free (self.parts);
    free (self.syncs);
    zmq_close (self.front);
    zmq_close (self.back);
    mt_log_info (S_NAME, "stopped");
}
