//  broker_replicas - the broker's table of replicas and its requests in
//  flight: find, count and pick replicas, send to one, answer a client.
//  Below every other broker file; it calls none of them.

#include "broker_state.h"

#include "base/mt_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_NAME "broker"

void
broker_to_client (broker_t *self, const mt_route_t *route, mt_msg_t **msg_p)
{
    mt_err_t err;
    if (*msg_p && mt_wire_send (self->front, route, *msg_p, ZMQ_DONTWAIT, &err) != MT_OK)
        mt_log_warn (S_NAME, "cannot answer a client: %s", err.msg);
    mt_msg_destroy (msg_p);
}

bool
broker_leg_alive (const broker_t *self, const broker_leg_t *leg)
{
    return leg->slot < self->replica_count && self->replicas [leg->slot].used
        && self->replicas [leg->slot].gen == leg->gen;
}

void
broker_add_leg (broker_pending_t *p, uint32_t partition, size_t slot, uint32_t gen, int64_t now)
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

void
broker_pending_free (broker_t *self, broker_pending_t *p)
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

broker_pending_t *
broker_pending_new (broker_t *self, const mt_route_t *client, const mt_msg_t *msg, int64_t deadline)
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

size_t
broker_find_replica (const broker_t *self, const mt_route_t *route)
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
        n += self->replicas [i].used && !self->replicas [i].unreachable
          && self->replicas [i].partition == partition
          && self->replicas [i].state == state;
    return n;
}

void
broker_to_replica (broker_t *self, size_t slot, const mt_msg_t *msg)
{
    broker_replica_t *r = &self->replicas [slot];
    mt_err_t err;
    if (r->used && !r->unreachable
    &&  mt_wire_send (self->back, &r->route, msg, ZMQ_DONTWAIT, &err) != MT_OK)
        //  ROUTER_MANDATORY: the replica's connection is gone. The actor
        //  drops it before its next look at the requests (s_tick).
        r->unreachable = true;
}

//  An up-to-date replica for a search of partition, not yet tried by p: the
//  least busy, taking turns among equals.
size_t
broker_pick_for (const broker_t *self, const broker_pending_t *p, uint32_t partition, bool stale_ok)
{
    size_t best = SIZE_MAX;
    size_t start = self->replica_count ? (size_t) (self->turn % self->replica_count) : 0;
    for (size_t n = 0; n < self->replica_count; n++) {
        size_t i = (start + n) % self->replica_count;
        const broker_replica_t *r = &self->replicas [i];
        if (!r->used || r->unreachable || r->partition != partition
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
    return broker_pick_for (self, NULL, partition, false);
}
