//  The intake's job link with a worker killed. The results service, the
//  broker with one shard, and a real intake pool run as actors in this
//  process; a second worker, in a child process, says it is ready, is
//  pushed the first photo and holds it until it is killed with SIGKILL;
//  the second photo is pushed to it too, queued on its link behind the
//  first (a worker holds two, so that it never waits for the next). Both
//  go to the pool's worker at once: described within 2 s of the kill (the
//  service notices the closed connection; no lease runs out). Then a
//  malformed message on the link is refused and photos are still
//  described. Last, a worker that answers its second photo as if the first
//  never came is given the first again at once, and one that answers in
//  order keeps its second.

#include "mt_test.h"

#include "broker/broker_actor.h"
#include "common/api.h"
#include "intake/intake_actor.h"
#include "results/results_actor.h"
#include "shard/shard_actor.h"
#include "wire/mt_job.h"
#include "wire/mt_wire.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

//  Instrumented code (ASan, UBSan) runs several times slower.
#ifdef MT_SANITIZED
#   define S_GIVEN_BACK_MS 8000
#else
#   define S_GIVEN_BACK_MS 2000
#endif

static char s_jobs [200];
static api_client_t *s_api;

//  The child: a worker that is ready until it is pushed a photo, tells the
//  parent which on fd, and holds it until it is killed.
static void
s_holder (int fd)
{
    mt_err_t err;
    void *socket = mt_wire_connect (ZMQ_DEALER, s_jobs, NULL, &err);
    mt_job_t *ready = mt_job_new (MT_JOB_READY);
    if (!socket || !ready)
        _exit (1);
    snprintf (ready->worker, sizeof ready->worker, "the test's holder");
    for (;;) {
        mt_job_send (socket, NULL, ready, ZMQ_DONTWAIT, &err);
        zmq_pollitem_t item = { socket, 0, ZMQ_POLLIN, 0 };
        mt_job_t *job = NULL;
        if (zmq_poll (&item, 1, 500) > 0 && mt_job_recv (socket, NULL, &job, &err) == MT_OK
        &&  job->type == MT_JOB_JOB) {
            int64_t id = (int64_t) job->photo_id;
            if (write (fd, &id, sizeof id) != sizeof id)
                _exit (1);
            for (;;)
                pause ();
        }
        mt_job_destroy (&job);
    }
}

static json_t *
s_call (const char *method, json_t *params, const void *payload, size_t size)
{
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (s_api, method, params, payload, size, 10000, &result, NULL, NULL, &err);
    if (rc != MT_OK)
        fprintf (stderr, "%s: %s\n", method, err.msg);
    MT_CHECK_INT (rc, MT_OK);
    json_decref (params);
    return result;
}

static int64_t
s_photo (const char *name)
{
    json_t *c = s_call ("case.add", json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "found",
                                               "sex", "unknown", "province", 11, "date_found",
                                               "2021-06-01", "station", "Test station",
                                               "consent_basis", "vital_interests"), NULL, 0);
    int64_t case_id = (int64_t) json_integer_value (json_object_get (c, "case_id"));
    json_decref (c);
    char path [200];
    snprintf (path, sizeof path, "lfw/%s/1.jpg", name);
    size_t size;
    char *bytes = mt_test_read (mt_test_data (path), &size);
    MT_CHECK (bytes != NULL);
    json_t *p = s_call ("photo.add", json_pack ("{s:I}", "case_id", (json_int_t) case_id),
                        bytes, size);
    free (bytes);
    int64_t id = (int64_t) json_integer_value (json_object_get (p, "photo_id"));
    json_decref (p);
    return id;
}

//  Wait until the photo is described; its faces, or -1 on timeout.
static int
s_described (int64_t photo_id, long long within_ms)
{
    long long until = mt_test_now_ms () + within_ms;
    while (mt_test_now_ms () < until) {
        json_t *p = s_call ("photo.get", json_pack ("{s:I}", "photo_id", (json_int_t) photo_id),
                            NULL, 0);
        const char *state = json_string_value (json_object_get (p, "state"));
        int faces = (int) json_array_size (json_object_get (p, "face_list"));
        bool done = state && strcmp (state, "done") == 0;
        json_decref (p);
        if (done)
            return faces;
        mt_test_sleep_ms (10);
    }
    return -1;
}

static long long
s_stat (const char *key)
{
    json_t *s = s_call ("stats", NULL, NULL, 0);
    long long v = json_integer_value (json_object_get (s, key));
    json_decref (s);
    return v;
}

static void
test_killed_worker (int child, int fd)
{
    int64_t first = s_photo ("Bill_Gates");
    //  The holder is pushed it (the only worker ready).
    struct pollfd p = { fd, POLLIN, 0 };
    int64_t held = 0;
    MT_CHECK (poll (&p, 1, 20000) == 1 && read (fd, &held, sizeof held) == sizeof held);
    MT_CHECK_INT (held, first);
    //  Pushed to the holder too (its second), before the pool below is ready.
    int64_t next = s_photo ("Ana_Guevara");

    //  A real pool of one worker, ready beside the holder.
    intake_config_t intake;
    intake_config_defaults (&intake);
    intake.face.threads = 1;
    snprintf (intake.jobs, sizeof intake.jobs, "%s", s_jobs);
    mt_actor_t *pool = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_actor_new (intake_actor, &intake, &pool, &err), MT_OK, &err);
    long long until = mt_test_now_ms () + 30000;
    while (s_stat ("intake_workers_ready") < 1 && mt_test_now_ms () < until)
        mt_test_sleep_ms (50);
    MT_CHECK_INT (s_stat ("intake_workers_ready"), 1);
    MT_CHECK_INT (s_stat ("intake_workers_busy"), 1);
    MT_CHECK (s_described (first, 1000) == -1);         //  held
    MT_CHECK (s_described (next, 10) == -1);            //  queued behind it

    long long t0 = mt_test_now_ms ();
    kill (child, SIGKILL);
    waitpid (child, NULL, 0);
    int faces = s_described (first, 30000), next_faces = s_described (next, 30000);
    long long taken = mt_test_now_ms () - t0;
    printf ("jobs: the killed worker's two photos described by another %lld ms after the "
            "kill\n", taken);
    MT_CHECK (faces >= 1 && next_faces >= 1);
    MT_CHECK (taken <= S_GIVEN_BACK_MS);

    //  A malformed message is refused; the link goes on.
    void *rogue = mt_wire_connect (ZMQ_DEALER, s_jobs, NULL, &err);
    MT_CHECK (rogue != NULL);
    zmq_send (rogue, "\xff\xff\xff\x0f", 4, 0);
    mt_job_t *lie = mt_job_new_done ((uint64_t) first, 1);
    lie->faces [0].embedding [0] = 1e9f;
    mt_job_send (rogue, NULL, lie, 0, &err);
    mt_job_destroy (&lie);
    int64_t second = s_photo ("Aaron_Peirsol");
    MT_CHECK (s_described (second, 20000) >= 1);
    zmq_close (rogue);
    MT_CHECK_INT (s_stat ("photos_pending"), 0);
    mt_actor_destroy (&pool);
}

//  The next job on the link within ms; NULL if none came.
static mt_job_t *
s_next_job (void *socket, long long ms)
{
    long long until = mt_test_now_ms () + ms;
    for (;;) {
        long long left = until - mt_test_now_ms ();
        zmq_pollitem_t item = { socket, 0, ZMQ_POLLIN, 0 };
        if (left <= 0 || zmq_poll (&item, 1, (long) left) <= 0)
            return NULL;
        mt_job_t *job = NULL;
        mt_err_t err;
        if (mt_job_recv (socket, NULL, &job, &err) == MT_OK && job->type == MT_JOB_JOB)
            return job;
        mt_job_destroy (&job);
    }
}

//  A described photo, of no face, for the worker's answer.
static int
s_answer_done (void *socket, uint64_t photo_id, mt_err_t *err)
{
    mt_job_t *done = mt_job_new_done (photo_id, 0);
    if (!done)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    done->width = 250, done->height = 250;
    snprintf (done->format, sizeof done->format, "jpeg");
    int rc = mt_job_send (socket, NULL, done, 0, err);
    mt_job_destroy (&done);
    return rc;
}

//  A worker answers its photos in the order they were given: when it
//  answers the second, the first never reached it (its message was lost
//  on the link) and is given again at once, not after its lease (120 s);
//  when it answers the first, the second is still its own and stays with
//  it. The test is a worker on the real link, the only one taking photos
//  (the pool of the test before is gone: a photo pushed to it comes back,
//  so which of the two comes first is not asserted).
static void
test_lost_message (void)
{
    mt_err_t err;
    void *worker = mt_wire_connect (ZMQ_DEALER, s_jobs, NULL, &err);
    mt_job_t *ready = mt_job_new (MT_JOB_READY);
    MT_CHECK (worker != NULL && ready != NULL);
    if (!worker || !ready) {
        mt_job_destroy (&ready);
        if (worker)
            zmq_close (worker);
        return;
    }
    snprintf (ready->worker, sizeof ready->worker, "the test's skipper");
    MT_CHECK_RC (mt_job_send (worker, NULL, ready, 0, &err), MT_OK, &err);
    mt_job_destroy (&ready);
    int64_t a = s_photo ("Bill_Gates"), b = s_photo ("Ana_Guevara");
    mt_job_t *first = s_next_job (worker, 10000), *second = s_next_job (worker, 10000);
    MT_CHECK (first && second);
    mt_job_t *again = NULL;
    if (first && second) {
        int64_t lost = (int64_t) first->photo_id, kept = (int64_t) second->photo_id;
        MT_CHECK ((lost == a && kept == b) || (lost == b && kept == a));
        long long t0 = mt_test_now_ms ();
        MT_CHECK_RC (s_answer_done (worker, second->photo_id, &err), MT_OK, &err);
        again = s_next_job (worker, S_GIVEN_BACK_MS);
        printf ("jobs: a photo whose message was lost given again %lld ms after the answer "
                "to the next\n", mt_test_now_ms () - t0);
        MT_CHECK (again != NULL);
        if (again) {
            MT_CHECK_INT ((int64_t) again->photo_id, lost);
            MT_CHECK_RC (s_answer_done (worker, again->photo_id, &err), MT_OK, &err);
        }
        MT_CHECK_INT (s_described (kept, 10000), 0);
        MT_CHECK_INT (s_described (lost, 10000), 0);
    }
    mt_job_destroy (&first), mt_job_destroy (&second), mt_job_destroy (&again);
    //  Answered in order: the second photo is not given again.
    int64_t c = s_photo ("Amram_Mitzna"), d = s_photo ("Aron_Ralston");
    first = s_next_job (worker, 10000), second = s_next_job (worker, 10000);
    MT_CHECK (first && second);
    if (first && second) {
        MT_CHECK ((first->photo_id == (uint64_t) c && second->photo_id == (uint64_t) d)
               || (first->photo_id == (uint64_t) d && second->photo_id == (uint64_t) c));
        MT_CHECK_RC (s_answer_done (worker, first->photo_id, &err), MT_OK, &err);
        again = s_next_job (worker, 500);
        MT_CHECK (again == NULL);
        mt_job_destroy (&again);
        MT_CHECK_RC (s_answer_done (worker, second->photo_id, &err), MT_OK, &err);
        MT_CHECK_INT (s_described (c, 10000), 0);
        MT_CHECK_INT (s_described (d, 10000), 0);
    }
    mt_job_destroy (&first), mt_job_destroy (&second);
    MT_CHECK_INT (s_stat ("photos_pending"), 0);
    zmq_close (worker);
}

int
main (void)
{
    snprintf (s_jobs, sizeof s_jobs, "ipc://%s/jobs", mt_test_tmpdir ());
    //  The holder forks before this process makes any ZeroMQ context.
    int fds [2];
    MT_CHECK (pipe (fds) == 0);
    int child = fork ();
    if (child == 0) {
        close (fds [0]);
        s_holder (fds [1]);
    }
    close (fds [1]);

    broker_config_t broker;
    broker_config_defaults (&broker);
    snprintf (broker.front, sizeof broker.front, "inproc://jobs-front");
    snprintf (broker.back, sizeof broker.back, "inproc://jobs-back");
    broker.partitions = 1;
    broker.grace_ms = 0;
    shard_config_t shard;
    shard_config_defaults (&shard);
    snprintf (shard.broker, sizeof shard.broker, "inproc://jobs-back");
    snprintf (shard.data_dir, sizeof shard.data_dir, "%s/shard", mt_test_tmpdir ());
    shard.partitions = 1;
    results_config_t results;
    results_config_defaults (&results);
    snprintf (results.api, sizeof results.api, "inproc://jobs-api");
    snprintf (results.jobs, sizeof results.jobs, "%s", s_jobs);
    snprintf (results.broker, sizeof results.broker, "inproc://jobs-front");
    snprintf (results.db, sizeof results.db, "%s/homeward.db", mt_test_tmpdir ());
    snprintf (results.photos, sizeof results.photos, "%s/photos", mt_test_tmpdir ());
    mt_actor_t *actors [3] = { NULL };
    mt_err_t err;
    MT_CHECK_RC (mt_actor_new (broker_actor, &broker, &actors [0], &err), MT_OK, &err);
    MT_CHECK_RC (mt_actor_new (shard_actor, &shard, &actors [1], &err), MT_OK, &err);
    MT_CHECK_RC (mt_actor_new (results_actor, &results, &actors [2], &err), MT_OK, &err);
    MT_CHECK_RC (api_client_new (results.api, NULL, &s_api, &err), MT_OK, &err);
    if (!mt_test_failures) {
        test_killed_worker (child, fds [0]);
        test_lost_message ();
    }
    else
        kill (child, SIGKILL);
    api_client_destroy (&s_api);
    for (int i = 2; i >= 0; i--)
        mt_actor_destroy (&actors [i]);
    mt_zmq_shutdown ();
    return MT_TEST_MAIN_END ();
}
