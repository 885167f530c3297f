//  results_jobs - the intake's job link on the results service's side
//  (results_jobs.h).

#include "results/results_jobs.h"

#include "base/mt_clock.h"
#include "base/mt_log.h"
#include "results/results_disk.h"
#include "results/store/photo_store.h"
#include "wire/mt_job.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_NAME "results"
//  A ready worker still marked busy this long after its photo went out
//  never got it (its link was cut in between): the photo goes to another.
#define S_LOST_JOB_MS 3000
//  An idle worker not heard of for this long is forgotten.
#define S_FORGET_MS 30000
//  The pause after the store could not take an answer: doubled each time.
#define S_PAUSE_FIRST_MS 200
#define S_PAUSE_MOST_MS 10000

//  Leases to clear later, at most (beyond: they run out by themselves).
#define S_UNRELEASED_MAX 1024
//  Photos a worker holds at once: the one it describes and the next, queued
//  on its link. With one, a worker waited after each answer for the service
//  to store it, claim the next photo and read it (a write transaction of
//  its own each, behind the matcher's): 26-33 ms of its ~74 ms a photo
//  in a bulk import on two workers (bench/RESULTS.md).
#define S_AHEAD 2

typedef struct {
    uint8_t id [MT_ROUTE_MAX_BYTES];
    size_t id_size;
    char name [128];
    int64_t photo_id [S_AHEAD];     //  the photos it holds; 0: none
    int64_t given_ms [S_AHEAD];     //  when given, or when the one before was answered
    uint64_t given_seq [S_AHEAD];   //  the order they were given in
    int64_t seen_ms;
} s_worker_t;

struct results_jobs {
    void *socket;
    uint64_t pushes;                //  photos pushed so far (their order)
    s_worker_t *workers;
    size_t count, room;
    bool waiting;                   //  a claim may find a photo
    int64_t next_probe_ms;
    int64_t paused_until_ms, pause_ms;
    long long failures;
    int64_t said_ms;
    //  Photos given back whose lease the store could not clear (its disk
    //  was full): cleared before the next claim.
    int64_t unreleased [S_UNRELEASED_MAX];
    size_t unreleased_count;
};

int
results_jobs_new (results_state_t *self, mt_err_t *err)
{
    results_jobs_t *jobs = calloc (1, sizeof *jobs);
    if (!jobs)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->jobs = jobs;
    jobs->waiting = true;           //  what was waiting when the service stopped
    jobs->socket = mt_wire_socket (ZMQ_ROUTER, err);
    if (!jobs->socket)
        return MT_EIO;
    int on = 1, ivl = 1000, timeout = 3000;
    zmq_setsockopt (jobs->socket, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
    zmq_setsockopt (jobs->socket, ZMQ_ROUTER_HANDOVER, &on, sizeof on);
    zmq_setsockopt (jobs->socket, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (jobs->socket, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
    return mt_wire_bind (jobs->socket, self->config->jobs, &self->config->curve, err);
}

void
results_jobs_destroy (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    if (!jobs)
        return;
    if (jobs->socket)
        zmq_close (jobs->socket);
    free (jobs->workers);
    free (jobs);
    self->jobs = NULL;
}

void *
results_jobs_socket (results_state_t *self)
{
    return self->jobs->socket;
}

//  ---------------------------------------------------------------- workers

static s_worker_t *
s_worker (results_jobs_t *jobs, const mt_route_t *route, bool add)
{
    if (route->count != 1)
        return NULL;
    for (size_t i = 0; i < jobs->count; i++)
        if (jobs->workers [i].id_size == route->frames [0].size
        &&  memcmp (jobs->workers [i].id, route->frames [0].data, route->frames [0].size) == 0)
            return &jobs->workers [i];
    if (!add)
        return NULL;
    if (jobs->count == jobs->room) {
        size_t room = jobs->room ? jobs->room * 2 : 16;
        s_worker_t *more = realloc (jobs->workers, room * sizeof *more);
        if (!more)
            return NULL;
        jobs->workers = more;
        jobs->room = room;
    }
    s_worker_t *w = &jobs->workers [jobs->count++];
    memset (w, 0, sizeof *w);
    w->id_size = route->frames [0].size;
    memcpy (w->id, route->frames [0].data, w->id_size);
    return w;
}

//  A photo's lease cleared, now or (the store cannot write) before the
//  next claim.
static void
s_release (results_state_t *self, int64_t photo_id)
{
    results_jobs_t *jobs = self->jobs;
    mt_err_t err;
    if (mt_casedb_photo_release (self->db, photo_id, &err) != MT_OK
    &&  jobs->unreleased_count < S_UNRELEASED_MAX)
        jobs->unreleased [jobs->unreleased_count++] = photo_id;
}

//  The leases that could not be cleared: false while the store still
//  cannot.
static bool
s_release_later_ones (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    mt_err_t err;
    while (jobs->unreleased_count > 0) {
        if (mt_casedb_photo_release (self->db, jobs->unreleased [jobs->unreleased_count - 1],
                                     &err) != MT_OK)
            return false;
        jobs->unreleased_count--;
    }
    return true;
}

//  How many photos the worker holds.
static size_t
s_held (const s_worker_t *w)
{
    size_t held = 0;
    for (size_t slot = 0; slot < S_AHEAD; slot++)
        held += w->photo_id [slot] != 0;
    return held;
}

//  A worker's photo (its slot) back to the waiting ones.
static void
s_give_back (results_state_t *self, s_worker_t *w, size_t slot, const char *why)
{
    if (!w->photo_id [slot])
        return;
    s_release (self, w->photo_id [slot]);
    mt_log_info (S_NAME, "photo %lld goes to another worker: %s %s",
                 (long long) w->photo_id [slot], w->name [0] ? w->name : "a worker", why);
    w->photo_id [slot] = 0;
    self->jobs->waiting = true;
}

//  Every photo of a worker that is gone back to the waiting ones.
static void
s_give_back_all (results_state_t *self, s_worker_t *w, const char *why)
{
    for (size_t slot = 0; slot < S_AHEAD; slot++)
        s_give_back (self, w, slot, why);
}

static void
s_forget (results_jobs_t *jobs, s_worker_t *w)
{
    *w = jobs->workers [--jobs->count];
}

static void
s_route (const s_worker_t *w, mt_route_t *route)
{
    mt_route_identity (route, w->id, w->id_size);
}

//  The store could not take an answer (or say which photo waits): no
//  photo goes out for a while, longer after each failure.
static void
s_pause (results_state_t *self, const char *what, const mt_err_t *why)
{
    results_jobs_t *jobs = self->jobs;
    jobs->failures++;
    int64_t now = mt_clock_ms ();
    jobs->pause_ms = jobs->pause_ms ? jobs->pause_ms * 2 : S_PAUSE_FIRST_MS;
    if (jobs->pause_ms > S_PAUSE_MOST_MS)
        jobs->pause_ms = S_PAUSE_MOST_MS;
    if (jobs->failures == 1 || now - jobs->said_ms >= 60000) {
        mt_log_warn (S_NAME, "%s: %s (%lld failed so far; photos go out again in %lld ms, "
                     "then less and less often)", what, why->msg, jobs->failures,
                     (long long) jobs->pause_ms);
        jobs->said_ms = now;
    }
    jobs->paused_until_ms = now + jobs->pause_ms;
    if (why->code == MT_ENOSPACE)
        self->disk_full_ms = now;
}

static void
s_stored (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    if (jobs->failures)
        mt_log_info (S_NAME, "the store takes described photos again (after %lld failures)",
                     jobs->failures);
    jobs->failures = 0;
    jobs->pause_ms = 0;
    self->disk_full_ms = 0;
}

//  ---------------------------------------------------------------- pushing photos

//  Push one waiting photo to worker w, into a free slot of its. false when
//  none waits (or the store cannot say), or when w is gone (then forgotten;
//  its photos given back).
static bool
s_push (results_state_t *self, s_worker_t *w)
{
    size_t slot = 0;
    while (slot < S_AHEAD && w->photo_id [slot])
        slot++;
    if (slot == S_AHEAD)
        return false;
    results_jobs_t *jobs = self->jobs;
    mt_photo_row_t row;
    mt_err_t err;
    //  The store's lease covers the wait behind the photos before it.
    int lease_s = (int) self->config->lease_s * (int) (s_held (w) + 1);
    int rc = mt_casedb_photo_claim (self->db, lease_s, &row, &err);
    if (rc == MT_ENOTFOUND)
        jobs->waiting = false;
    else
    if (rc != MT_OK)
        s_pause (self, "photos waiting", &err);     //  and look again after the pause
    if (rc != MT_OK)
        return false;
    mt_job_t *job = mt_job_new (MT_JOB_JOB);
    rc = job ? photo_store_get (self->config->photos, row.sha256, &job->photo, &job->photo_size,
                                &err)
             : mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc != MT_OK) {
        //  The stored bytes are gone or unreadable: said on the photo (out
        //  of memory: given back).
        if (job)
            mt_casedb_photo_failed (self->db, row.id, mt_rc_name (rc), err.msg, err.msg_zh,
                                    NULL);
        else
            s_release (self, row.id);
        mt_job_destroy (&job);
        return rc != MT_ENOMEM;
    }
    job->photo_id = (uint64_t) row.id;
    job->case_id = (uint64_t) row.case_id;
    mt_route_t route;
    s_route (w, &route);
    rc = mt_job_send (jobs->socket, &route, job, ZMQ_DONTWAIT, &err);
    mt_job_destroy (&job);
    w->photo_id [slot] = row.id;
    w->given_ms [slot] = mt_clock_ms ();
    w->given_seq [slot] = ++jobs->pushes;
    if (rc != MT_OK) {
        s_give_back_all (self, w, "is gone");
        s_forget (jobs, w);
    }
    return true;
}

static void
s_dispatch (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    if (mt_clock_ms () < jobs->paused_until_ms || !jobs->waiting)
        return;
    if (!s_release_later_ones (self)) {
        jobs->paused_until_ms = mt_clock_ms () + S_PAUSE_FIRST_MS;
        return;
    }
    //  Until nothing waits, or the store failed (paused: once, not once a
    //  worker). Every worker gets a photo to describe before any gets one
    //  to queue.
    for (size_t held = 0; held < S_AHEAD; held++)
        for (size_t i = 0; jobs->waiting && i < jobs->count
                           && mt_clock_ms () >= jobs->paused_until_ms; ) {
            s_worker_t *w = &jobs->workers [i];
            size_t count = jobs->count, before = s_held (w);
            if (before > held || !s_push (self, w)
            ||  (jobs->count == count && s_held (w) > before))
                i++;
            //  (else the worker was gone and replaced by the last, or the
            //  photo it was to get could not be read: look at i again)
        }
}

void
results_jobs_waiting (results_state_t *self)
{
    self->jobs->waiting = true;
    s_dispatch (self);
}

//  ---------------------------------------------------------------- answers

//  A described photo's faces into the store.
static int
s_store_done (results_state_t *self, const mt_job_t *done, mt_err_t *err)
{
    mt_new_face_t *rows = calloc (done->face_count + 1, sizeof *rows);
    if (!rows)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < done->face_count; i++) {
        const mt_job_face_t *f = &done->faces [i];
        memcpy (rows [i].box, f->box, sizeof rows [i].box);
        rows [i].size_px = f->size_px;
        rows [i].sharpness = f->sharpness;
        rows [i].yaw_deg = f->yaw_deg;
        rows [i].roll_deg = f->roll_deg;
        rows [i].verdict = f->verdict [0] ? f->verdict : "ok";
        rows [i].embedding = f->embedding;
        rows [i].embedding2 = f->has_embedding2 ? f->embedding2 : NULL;
        rows [i].descriptor2 = f->has_embedding2 ? f->descriptor2 : NULL;
        rows [i].chip_jpeg = f->chip;
        rows [i].chip_size = f->chip_size;
    }
    int rc = mt_casedb_photo_done (self->db, (int64_t) done->photo_id, (int) done->width,
                                   (int) done->height, done->format, rows, done->face_count,
                                   err);
    free (rows);
    return rc;
}

static void
s_answer (results_state_t *self, s_worker_t *w, const mt_job_t *answer)
{
    mt_err_t err;
    int rc = answer->type == MT_JOB_DONE
           ? s_store_done (self, answer, &err)
           : mt_casedb_photo_failed (self->db, (int64_t) answer->photo_id,
                                     answer->code [0] ? answer->code : "unknown",
                                     answer->message, answer->message_zh, &err);
    char what [64];
    snprintf (what, sizeof what, "job.%s for photo %llu", mt_job_type_name (answer->type),
              (unsigned long long) answer->photo_id);
    //  A worker answers in the order its photos were given: one given
    //  before the photo answered never reached it (its message was lost:
    //  given back now); one given after reaches it now (its lease, and the
    //  time after which an idle worker never got it, count from here).
    size_t answered = S_AHEAD;
    for (size_t slot = 0; slot < S_AHEAD; slot++)
        if (w->photo_id [slot] && w->photo_id [slot] == (int64_t) answer->photo_id)
            answered = slot;
    for (size_t slot = 0; answered < S_AHEAD && slot < S_AHEAD; slot++)
        if (slot != answered && w->given_seq [slot] < w->given_seq [answered])
            s_give_back (self, w, slot, "never got it");
        else
        if (slot != answered)
            w->given_ms [slot] = mt_clock_ms ();
    if (answered < S_AHEAD)
        w->photo_id [answered] = 0;
    if (rc == MT_ENOSPACE || rc == MT_EIO || rc == MT_ETIMEDOUT || rc == MT_EUNAVAILABLE) {
        //  Not taken for lack of space or of the database: described again
        //  once the pause is over, rather than lost.
        s_release (self, (int64_t) answer->photo_id);
        s_pause (self, what, &err);
    }
    else
    if (rc != MT_OK)
        mt_log_warn (S_NAME, "%s: %s", what, err.msg);
    else {
        s_stored (self);
        if (answer->type == MT_JOB_DONE)
            results_call_nudge (self);
    }
    self->jobs->waiting = true;
}

void
results_jobs_recv (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    mt_route_t route;
    mt_job_t *msg = NULL;
    mt_err_t err;
    int rc = mt_job_recv (jobs->socket, &route, &msg, &err);
    if (rc != MT_OK) {
        if (rc == MT_EPROTO)
            mt_log_warn (S_NAME, "a worker's message: %s", err.msg);
        return;
    }
    s_worker_t *w = s_worker (jobs, &route, msg->type == MT_JOB_READY
                                            || msg->type == MT_JOB_DONE
                                            || msg->type == MT_JOB_FAILED);
    if (w) {
        w->seen_ms = mt_clock_ms ();
        if (msg->type == MT_JOB_READY) {
            if (strcmp (w->name, msg->worker) != 0)
                mt_log_info (S_NAME, "intake worker %s is ready", msg->worker);
            snprintf (w->name, sizeof w->name, "%s", msg->worker);
            //  Idle: what it was given long enough ago never reached it.
            for (size_t slot = 0; slot < S_AHEAD; slot++)
                if (w->photo_id [slot] && w->seen_ms - w->given_ms [slot] > S_LOST_JOB_MS)
                    s_give_back (self, w, slot, "never got it");
        }
        else
        if (msg->type == MT_JOB_DONE || msg->type == MT_JOB_FAILED)
            s_answer (self, w, msg);
    }
    mt_job_destroy (&msg);
    s_dispatch (self);
}

//  ---------------------------------------------------------------- time

void
results_jobs_tick (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    int64_t now = mt_clock_ms ();
    if (now >= jobs->next_probe_ms) {
        mt_job_t *probe = mt_job_new (MT_JOB_PROBE);
        for (size_t i = 0; probe && i < jobs->count; ) {
            s_worker_t *w = &jobs->workers [i];
            mt_route_t route;
            s_route (w, &route);
            if (s_held (w) && mt_job_send (jobs->socket, &route, probe, ZMQ_DONTWAIT, NULL)
                              == MT_ENOTFOUND) {
                s_give_back_all (self, w, "is gone");
                s_forget (jobs, w);
                continue;
            }
            //  Still at it after its lease: the photo goes to another too.
            for (size_t slot = 0; slot < S_AHEAD; slot++)
                if (w->photo_id [slot] && now - w->given_ms [slot] > self->config->lease_s * 1000)
                    s_give_back (self, w, slot, "has had it longer than its lease");
            if (!s_held (w) && now - w->seen_ms > S_FORGET_MS) {
                s_forget (jobs, w);
                continue;
            }
            i++;
        }
        mt_job_destroy (&probe);
        jobs->next_probe_ms = now + RESULTS_JOBS_PROBE_MS;
    }
    s_dispatch (self);
}

long
results_jobs_timeout (results_state_t *self)
{
    results_jobs_t *jobs = self->jobs;
    if (jobs->count == 0)
        return -1;
    int64_t now = mt_clock_ms ();
    int64_t due = jobs->next_probe_ms;
    bool busy = false;
    for (size_t i = 0; i < jobs->count; i++)
        busy |= s_held (&jobs->workers [i]) > 0;
    if (!busy)
        due = now + S_FORGET_MS;
    if (jobs->waiting && jobs->paused_until_ms > now && jobs->paused_until_ms < due)
        due = jobs->paused_until_ms;
    return due > now ? (long) (due - now) : 0;
}

void
results_jobs_workers (results_state_t *self, size_t *idle_p, size_t *busy_p)
{
    *idle_p = *busy_p = 0;
    for (size_t i = 0; self->jobs && i < self->jobs->count; i++)
        (*(s_held (&self->jobs->workers [i]) ? busy_p : idle_p))++;
}
