//  broker_grow - more partitions while the service runs: the state file
//  that keeps their count, `add-partition`, and the pass that moves faces
//  to the partitions they belong to (broker_state.h says how).

#include "broker_state.h"
#include "base/mt_clock.h"

#include "base/mt_log.h"
#include "index/mt_partition.h"
#include "index/mt_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_NAME "broker"

static broker_written_fn s_written;

//  ---------------------------------------------------------------- state file

//  Write the count to the state file: a new file, synced, then renamed over
//  the old one, so that a crash leaves the old count or the new one.
static int
s_state_save (const broker_t *self, uint32_t partitions, mt_err_t *err)
{
    const char *path = self->config->state;
    char temp [1100];
    snprintf (temp, sizeof temp, "%s.new", path);
    FILE *file = fopen (temp, "w");
    if (!file)
        return mt_err_set (err, MT_EIO, "cannot write %s: %s", temp, strerror (errno));
    bool ok = fprintf (file, "partitions %u\n", partitions) > 0 && fflush (file) == 0
           && fsync (fileno (file)) == 0;
    ok &= fclose (file) == 0;
    if (!ok || rename (temp, path) != 0) {
        int code = errno;
        unlink (temp);
        return mt_err_set (err, MT_EIO, "cannot write %s: %s", path, strerror (code));
    }
    return MT_OK;
}

int
broker_state_read (const char *path, uint32_t *count_p, mt_err_t *err)
{
    *count_p = 0;
    FILE *file = fopen (path, "r");
    if (!file)
        return errno == ENOENT ? MT_OK
             : mt_err_set (err, MT_EIO, "cannot read %s: %s", path, strerror (errno));
    unsigned kept = 0;
    int fields = fscanf (file, "partitions %u", &kept);
    fclose (file);
    if (fields != 1 || kept < 1 || kept > 4096)
        return mt_err_set (err, MT_EINVAL, "%s is not a broker state file (it should say "
                           "\"partitions N\"); move it away to start from the configured "
                           "count", path);
    *count_p = kept;
    return MT_OK;
}

int
broker_state_load (broker_t *self, mt_err_t *err)
{
    const char *path = self->config->state;
    uint32_t configured = (uint32_t) self->config->partitions, kept = 0;
    self->partitions = configured;
    if (!*path)
        return MT_OK;
    int rc = broker_state_read (path, &kept, err);
    if (rc != MT_OK)
        return rc;
    if (kept > configured) {
        mt_log_info (S_NAME, "%u partitions (%s; the configuration says %u, and partitions "
                     "are only ever added)", kept, path, configured);
        self->partitions = kept;
        return MT_OK;
    }
    if (kept > 0 && kept < configured)
        mt_log_info (S_NAME, "%u partitions: %u more than %s says; faces move to them once "
                     "they serve", configured, configured - kept, path);
    if (kept == configured)
        return MT_OK;
    if (kept == 0) {
        //  No file yet (its folder may not exist before the shards make it):
        //  it is written when a partition is added.
        mt_err_t why;
        if (s_state_save (self, configured, &why) != MT_OK)
            mt_log_info (S_NAME, "no state file yet: %s", why.msg);
        return MT_OK;
    }
    return s_state_save (self, configured, err);
}

//  ---------------------------------------------------------------- adding

mt_msg_t *
broker_add_partition (broker_t *self, const mt_msg_t *msg)
{
    uint32_t next = self->partitions;
    if (!*self->config->state)
        return mt_msg_error (msg->request_id, MT_EINVAL, "this broker keeps no state file "
                             "(set `state` in its configuration), so an added partition "
                             "would be forgotten when it restarts");
    if (self->adding)
        return mt_msg_error (msg->request_id, MT_EINVAL, "partition %u is being added "
                             "already: start its replicas (homeward shard --partition %u "
                             "--partitions %u)", next, next, next + 1);
    if (self->rehome.active)
        return mt_msg_error (msg->request_id, MT_EUNAVAILABLE, "faces are still moving to "
                             "their partitions (%" PRIu64 " moved so far): add the next "
                             "partition once `homeward index stats` says every face is in its "
                             "partition", self->rehome.moved);
    if (next >= 4096)
        return mt_msg_error (msg->request_id, MT_EINVAL, "4096 partitions is the most");
    broker_partition_t *parts = realloc (self->parts, (next + 2) * sizeof *parts);
    if (!parts)
        return mt_msg_error (msg->request_id, MT_ENOMEM, "out of memory");
    self->parts = parts;
    memset (&parts [next], 0, 2 * sizeof *parts);
    self->adding = true;
    mt_log_info (S_NAME, "partition %u added: it is used once a replica of it serves "
                 "(homeward shard --partition %u --partitions %u, with an empty data folder)",
                 next, next, next + 1);
    return mt_msg_new (MT_MSG_STATS_REPLY);
}

//  The added partition serves: write the new count down, place writes among
//  all partitions from now on, and move the faces that belong to it.
static void
s_take_added (broker_t *self)
{
    mt_err_t err;
    uint32_t count = self->partitions + 1;
    if (s_state_save (self, count, &err) != MT_OK) {
        mt_log_error (S_NAME, "partition %u serves but cannot be used yet: %s", count - 1,
                      err.msg);
        return;
    }
    self->partitions = count;
    self->adding = false;
    mt_log_info (S_NAME, "partition %u serves: %u partitions now; moving its faces to it",
                 count - 1, count);
    broker_rehome_start (self);
}

//  ---------------------------------------------------------------- the pass

void
broker_rehome_start (broker_t *self)
{
    broker_rehome_t *rh = &self->rehome;
    mt_msg_destroy (&rh->batch);
    rh->active = true;
    rh->source = 0;
    rh->ns = MT_NS_FIRST;
    rh->stage = G_IDLE;
    rh->retry_after = 0;
    rh->remaining = 0;
    rh->write = 0;
    rh->waiting_logged = false;
}

static void
s_retry (broker_t *self, int64_t now)
{
    self->rehome.stage = G_IDLE;
    self->rehome.retry_after = now + BROKER_REHOME_RETRY_MS;
    mt_msg_destroy (&self->rehome.batch);
}

//  Ask a serving replica of the source for faces that belong elsewhere.
static void
s_list (broker_t *self, int64_t now)
{
    broker_rehome_t *rh = &self->rehome;
    size_t slot = broker_pick (self, rh->source);
    if (slot == SIZE_MAX) {
        if (!rh->waiting_logged && now - self->started > self->config->grace_ms)
            mt_log_warn (S_NAME, "moving faces waits: partition %u has no serving replica",
                         rh->source);
        rh->waiting_logged = now - self->started > self->config->grace_ms;
        rh->retry_after = now + BROKER_REHOME_RETRY_MS;
        return;
    }
    rh->waiting_logged = false;
    mt_msg_t *ask = mt_msg_new (MT_MSG_REHOME);
    if (!ask) {
        s_retry (self, now);
        return;
    }
    ask->request_id = rh->request = ++self->next_id;
    ask->ns = rh->ns;
    ask->partition = rh->source;
    ask->partitions = self->partitions;
    ask->most = (uint32_t) self->config->move_batch;
    rh->stage = G_LISTING;
    rh->sent = now;
    rh->removed_count = rh->removed_case_count = 0;
    broker_to_replica (self, slot, ask);
    mt_msg_destroy (&ask);
}

//  Remove the copied faces from the partition they came from.
static void
s_delete (broker_t *self, int64_t now)
{
    broker_rehome_t *rh = &self->rehome;
    mt_msg_t *remove = mt_msg_new (MT_MSG_REMOVE);
    if (remove) {
        //  From the listed gallery only: the same faces' vectors in the
        //  source's other galleries (dlib's beside MobileFaceNet's) move
        //  when their gallery's turn comes, and must still be there then.
        remove->ns = rh->batch->ns;
        remove->face_ids = malloc (rh->batch->face_count * sizeof *remove->face_ids);
        if (remove->face_ids)
            for (size_t i = 0; i < rh->batch->face_count; i++)
                remove->face_ids [remove->id_count++] = rh->batch->faces [i].face_id;
    }
    mt_err_t why;
    mt_err_set (&why, MT_ENOMEM, "out of memory");
    rh->stage = G_DELETING;
    if (!remove || !remove->face_ids
    ||  broker_write (self, NULL, remove, rh->source, s_written, &rh->write, &why) != MT_OK) {
        mt_log_warn (S_NAME, "moving faces: cannot remove %zu copied faces from partition %u "
                     "yet: %s", rh->batch->face_count, rh->source, why.msg);
        s_retry (self, now);
    }
    mt_msg_destroy (&remove);
}

void
broker_rehome_step (broker_t *self, int64_t now)
{
    broker_rehome_t *rh = &self->rehome;
    if (self->adding && broker_count (self, self->partitions, R_SERVING) > 0)
        s_take_added (self);
    if (!rh->active)
        return;
    if (rh->stage == G_LISTING && now - rh->sent > self->config->write_deadline_ms) {
        mt_log_warn (S_NAME, "moving faces: partition %u did not list its faces in time",
                     rh->source);
        s_retry (self, now);
    }
    broker_pending_t *p, *tmp;
    if (rh->stage == G_COPIED) {
        //  A search begun before the copy was durable may have had its answer
        //  from the new partition without the faces, and may yet ask another
        //  replica of the source (a hedge, a retry): it ends before they go.
        HASH_ITER (hh, self->pending, p, tmp)
            if (p->type == MT_MSG_SEARCH && p->id <= rh->copied_before)
                return;
        s_delete (self, now);
    }
    if (rh->stage != G_IDLE || now < rh->retry_after)
        return;
    //  Requests placed among fewer partitions must end first: a search sent
    //  before the count grew does not ask the new partition.
    HASH_ITER (hh, self->pending, p, tmp)
        if (p->partitions < self->partitions)
            return;
    if (rh->source >= self->partitions) {
        rh->active = false;
        rh->remaining = 0;
        mt_log_info (S_NAME, "every face is in its partition (%" PRIu64 " moved since start)",
                     rh->moved);
        return;
    }
    s_list (self, now);
}

//  Whether a face was removed by a client while its listing was out.
static bool
s_removed_meanwhile (const broker_rehome_t *rh, const mt_face_meta_t *face)
{
    for (size_t i = 0; i < rh->removed_count; i++)
        if (rh->removed [i] == face->face_id)
            return true;
    for (size_t i = 0; i < rh->removed_case_count; i++)
        if (rh->removed_cases [i] == face->case_id)
            return true;
    return false;
}

void
broker_rehome_reply (broker_t *self, mt_msg_t **msg_p)
{
    broker_rehome_t *rh = &self->rehome;
    mt_msg_t *msg = *msg_p;
    int64_t now = mt_clock_ms ();
    if (msg->type == MT_MSG_ERROR) {
        mt_log_warn (S_NAME, "moving faces: partition %u cannot list its faces: %s",
                     rh->source, msg->text);
        s_retry (self, now);
        return;
    }
    rh->remaining = msg->total;
    if (msg->face_count == 0) {
        //  This gallery is done: the next (dlib's two, then MobileFaceNet's
        //  two), or the next partition.
        rh->stage = G_IDLE;
        rh->ns = rh->ns < MT_NS_LAST ? rh->ns + 1 : MT_NS_FIRST;
        rh->source += rh->ns == MT_NS_FIRST;
        return;
    }
    //  A face listed whose case belongs to the source itself is not moved:
    //  copied "to itself" it would be skipped as present and then removed.
    //  Only a shard placing cases by another rule lists one.
    size_t kept = 0, home = 0;
    for (size_t i = 0; i < msg->face_count; i++) {
        bool at_home = mt_partition_of (msg->faces [i].case_id, self->partitions)
                       == rh->source;
        home += at_home;
        if (!at_home && !s_removed_meanwhile (rh, &msg->faces [i])) {
            msg->faces [kept] = msg->faces [i];
            size_t dim = (size_t) mt_msg_dim (msg->ns);
            memmove (msg->vectors + kept * dim, msg->vectors + i * dim, dim * sizeof (float));
            kept++;
        }
    }
    msg->face_count = kept;
    rh->stage = G_IDLE;
    if (home > 0)
        mt_log_warn (S_NAME, "moving faces: partition %u listed %zu of its own faces "
                     "as belonging elsewhere (another placement rule?); not moved",
                     rh->source, home);
    if (kept == 0 && home > 0) {
        s_retry (self, now);    //  it would list them again at once
        return;
    }
    if (kept == 0)
        return;                 //  all removed meanwhile: list again
    //  The copy: an enroll, placed by the new count.
    msg->type = MT_MSG_ENROLL;
    msg->request_id = 0;
    rh->batch = msg;
    *msg_p = NULL;
    rh->stage = G_COPYING;
    mt_err_t why;
    if (broker_write (self, NULL, msg, -1, s_written, &rh->write, &why) != MT_OK) {
        mt_log_warn (S_NAME, "moving faces: cannot copy %zu faces yet: %s", kept, why.msg);
        s_retry (self, now);
    }
}

//  The pass's write `id` ended; ok when every partition made it durable.
static void
s_written (broker_t *self, uint64_t id, bool ok)
{
    broker_rehome_t *rh = &self->rehome;
    int64_t now = mt_clock_ms ();
    if (id != rh->write || (rh->stage != G_COPYING && rh->stage != G_DELETING))
        return;                 //  a write of a pass that began again since
    if (!ok) {
        s_retry (self, now);
        return;
    }
    if (rh->stage == G_COPYING) {
        rh->stage = G_COPIED;
        rh->copied_before = self->next_id;
    }
    else
    if (rh->stage == G_DELETING) {
        rh->moved += rh->batch->face_count;
        rh->remaining -= rh->remaining > rh->batch->face_count ? rh->batch->face_count
                                                               : rh->remaining;
        mt_msg_destroy (&rh->batch);
        rh->stage = G_IDLE;
    }
}

static void
s_note (uint64_t **list, size_t *count, size_t *size, uint64_t value)
{
    if (*count == *size) {
        size_t bigger = *size ? *size * 2 : 64;
        uint64_t *grown = realloc (*list, bigger * sizeof *grown);
        if (!grown)
            return;
        *list = grown;
        *size = bigger;
    }
    (*list) [(*count)++] = value;
}

void
broker_rehome_note_removal (broker_t *self, const mt_msg_t *msg)
{
    broker_rehome_t *rh = &self->rehome;
    if (rh->stage != G_LISTING)
        return;
    for (size_t i = 0; i < msg->id_count; i++)
        s_note (&rh->removed, &rh->removed_count, &rh->removed_size, msg->face_ids [i]);
    if (msg->case_id)
        s_note (&rh->removed_cases, &rh->removed_case_count, &rh->removed_case_size,
                msg->case_id);
}

void
broker_rehome_free (broker_t *self)
{
    mt_msg_destroy (&self->rehome.batch);
    free (self->rehome.removed);
    free (self->rehome.removed_cases);
}
