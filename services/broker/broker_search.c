//  broker_search - a search fanned out to one replica of every partition:
//  hedged and retried on another replica, answers merged (a face in two
//  partitions while faces move counts once), finished when every partition
//  answered or has no replica left to ask, or at the deadline.

#include "broker_state.h"
#include "base/mt_clock.h"

#include "base/mt_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME "broker"

void
broker_search_merge (broker_pending_t *p, const mt_msg_t *reply)
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

bool
broker_send_search (broker_t *self, broker_pending_t *p, uint32_t partition, int64_t now)
{
    bool serving = broker_count (self, partition, R_SERVING) > 0;
    size_t slot = broker_pick_for (self, p, partition, !serving);
    if (slot == SIZE_MAX)
        return false;
    broker_add_leg (p, partition, slot, self->replicas [slot].gen, now);
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
        if (!p->legs [i].done && broker_leg_alive (self, &p->legs [i])
        &&  self->replicas [p->legs [i].slot].searches > 0)
            self->replicas [p->legs [i].slot].searches--;
    broker_to_client (self, &p->client, &reply);
    broker_pending_free (self, p);
}

//  Done when every partition has answered or has no replica left to ask.
void
broker_check_search (broker_t *self, broker_pending_t *p, int64_t now)
{
    bool settled = true;
    for (uint32_t part = 0; settled && part < p->partitions; part++) {
        if (p->answered [part])
            continue;
        bool open = false;
        for (size_t l = 0; l < p->leg_count && !open; l++)
            open = p->legs [l].partition == part && !p->legs [l].done;
        bool serving = broker_count (self, part, R_SERVING) > 0;
        settled = !open && broker_pick_for (self, p, part, !serving) == SIZE_MAX;
    }
    if (settled || now >= p->deadline)
        s_finish_search (self, p);
}

void
broker_client_search (broker_t *self, const mt_route_t *client, mt_msg_t **msg_p)
{
    mt_msg_t *msg = *msg_p;
    int64_t now = mt_clock_ms ();
    int64_t deadline = now + (msg->deadline_ms ? msg->deadline_ms : self->config->deadline_ms);
    broker_pending_t *p = broker_pending_new (self, client, msg, deadline);
    size_t nq = msg->query_count, k = msg->k;
    if (p) {
        p->merged = malloc (nq * k * sizeof *p->merged);
        p->counts = calloc (nq, sizeof *p->counts);
    }
    if (!p || !p->merged || !p->counts) {
        if (p)
            broker_pending_free (self, p);
        mt_msg_t *error = mt_msg_error (msg->request_id, MT_ENOMEM, "out of memory");
        broker_to_client (self, client, &error);
        return;
    }
    //  The shards see the broker's request id.
    msg->request_id = p->id;
    p->request = msg;
    *msg_p = NULL;
    for (uint32_t part = 0; part < p->partitions; part++)
        broker_send_search (self, p, part, now);
    broker_check_search (self, p, now);
}

//  A replica's answer (or error) to search p's leg.
void
broker_search_reply (broker_t *self, broker_pending_t *p, broker_leg_t *leg, const mt_msg_t *msg,
                     int64_t now)
{
    broker_replica_t *r = &self->replicas [leg->slot];
    if (r->searches > 0)
        r->searches--;
    if (msg->type == MT_MSG_SEARCH_REPLY && !p->answered [leg->partition]) {
        leg->ok = true;
        p->answered [leg->partition] = true;
        broker_search_merge (p, msg);
    }
    else
    if (msg->type == MT_MSG_ERROR && !p->answered [leg->partition]) {
        mt_log_warn (S_NAME, "replica %u.%u failed a search: %s", r->partition, r->replica,
                     msg->text);
        broker_send_search (self, p, leg->partition, now);
    }
    broker_check_search (self, p, now);
}
