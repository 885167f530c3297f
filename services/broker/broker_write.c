//  broker_write - numbered writes: each partition a write touches gets the
//  next number and the write goes to its serving replicas (and those
//  catching up); it is acknowledged once every partition has a replica
//  that made it durable.

#include "broker_state.h"
#include "base/mt_clock.h"

#include "base/mt_log.h"
#include "index/mt_partition.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME "broker"

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
            mt_log_warn (S_NAME, "moving faces: %s", p->failure.code ? p->failure.msg
                         : "no replica made the write durable in time");
        uint64_t id = p->id;
        broker_written_fn *written = p->written;
        broker_pending_free (self, p);
        if (written)
            written (self, id, ok);
        return;
    }
    mt_msg_t *reply;
    if (!ok)
        reply = p->failure.code
              ? mt_msg_error_of (p->client_request, MT_EUNAVAILABLE, &p->failure)
              : mt_msg_error (p->client_request, MT_EUNAVAILABLE,
                              "no replica made the write durable in time");
    else {
        reply = mt_msg_new (MT_MSG_ACK);
        if (reply) {
            reply->request_id = p->client_request;
            reply->applied = applied;
            reply->replicas = fewest;
        }
    }
    broker_to_client (self, &p->client, &reply);
    broker_pending_free (self, p);
}

void
broker_check_write (broker_t *self, broker_pending_t *p, int64_t now)
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
        if (!r->used || r->unreachable || r->partition != partition)
            continue;
        if (r->state == R_SERVING) {
            broker_add_leg (p, partition, i, r->gen, now);
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
        copy->vectors = malloc ((n ? n : 1) * (size_t) mt_msg_dim (msg->ns) * sizeof (float));
    }
    if (!copy || !copy->faces || !copy->vectors) {
        mt_msg_destroy (&copy);
        return NULL;
    }
    for (size_t i = 0; i < msg->face_count; i++)
        if (mt_partition_of (msg->faces [i].case_id, self->partitions) == part) {
            copy->faces [copy->face_count] = msg->faces [i];
            size_t dim = (size_t) mt_msg_dim (msg->ns);
            memcpy (copy->vectors + copy->face_count * dim, msg->vectors + i * dim,
                    dim * sizeof (float));
            copy->face_count++;
        }
    return copy;
}

int
broker_write (broker_t *self, const mt_route_t *client, mt_msg_t *msg, int64_t only,
              broker_written_fn *written, uint64_t *id_p, mt_err_t *why)
{
    int64_t now = mt_clock_ms ();
    bool *touch = calloc (self->partitions, sizeof *touch);
    if (!touch)
        return mt_err_set (why, MT_ENOMEM, "out of memory");
    s_touched (self, msg, only, touch);
    for (uint32_t part = 0; part < self->partitions; part++)
        if (touch [part] && broker_count (self, part, R_SERVING) == 0) {
            bool stale = broker_count (self, part, R_STALE) > 0;
            free (touch);
            return stale ? mt_err_set (why, MT_EUNAVAILABLE, "partition %u has no up-to-date "
                                       "replica (its replicas are behind); nothing was written, "
                                       "try again later", part)
                         : mt_err_set (why, MT_EUNAVAILABLE, "partition %u has no live replica; "
                                       "nothing was written, try again later", part);
        }
    broker_pending_t *p = broker_pending_new (self, client, msg, now + self->config->write_deadline_ms);
    if (!p) {
        free (touch);
        return mt_err_set (why, MT_ENOMEM, "out of memory");
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
    p->written = written;
    if (id_p)
        *id_p = p->id;
    broker_check_write (self, p, now);
    return MT_OK;
}

//  A replica's answer to write p's leg: an ack (durable) or a refusal.
void
broker_write_reply (broker_t *self, broker_pending_t *p, broker_leg_t *leg, const mt_msg_t *msg,
                    int64_t now)
{
    broker_replica_t *r = &self->replicas [leg->slot];
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
        mt_msg_to_err (msg, &p->failure);
        if (r->state == R_SERVING) {
            r->state = R_JOINING;
            r->retry_after = now;
        }
    }
    broker_check_write (self, p, now);
}
