//  Black-box test of the sharded index: a real broker and 2 partitions x 2
//  replicas as separate processes on tcp://127.0.0.1, killed and restarted
//  while clients enroll and search. Every link is CURVE-encrypted with keys
//  made by `homeward keygen`; strangers and keyless clients are refused.

#include "index_cluster.h"

#include "index/mt_partition.h"
#include "wire/mt_client.h"
#include "wire/mt_msg.h"
#include "wire/mt_wire.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

//  ---------------------------------------------------------------- tests

static void
test_enroll_and_search (void)
{
    uint32_t replicas = 0;
    for (uint64_t f = 1; f <= 300; f += 30)
        MT_CHECK_RC (cluster_enroll (f, 30, &replicas), MT_OK, NULL);
    MT_CHECK_INT (replicas, 2);
    cluster_result_t r = cluster_search_range (1, 300);
    MT_CHECK_INT (r.found, 300);
    MT_CHECK_INT (r.partial, 0);
    //  Enrolling the same faces again adds nothing.
    MT_CHECK_RC (cluster_enroll (1, 30, NULL), MT_OK, NULL);
    r = cluster_search_range (1, 30);
    MT_CHECK_INT (r.found, 30);
}

//  kill -9 a replica while another thread searches without pause: every
//  answer comes back complete and right.
static void
test_kill_replica_under_load (void)
{
    cluster_load_t load = { 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, cluster_search_load, &load);
    mt_test_sleep_ms (300);
    mt_test_kill (cluster.shard [0][0], SIGKILL);     //  at once, mid-query or not
    mt_test_sleep_ms (700);
    load.stop = 1;
    pthread_join (thread, NULL);
    cluster_kill_shard (0, 0);                        //  (already dead: waits for the broker)
    cluster_result_t *r = &load.result;
    fprintf (stderr, "searches while 0.0 died: %zu queries, %zu found, %zu partial, worst %lld ms\n",
             r->queries, r->found, r->partial, r->worst_ms);
    MT_CHECK (r->queries > 100);
    MT_CHECK_INT (r->found, r->queries);
    MT_CHECK_INT (r->partial, 0);
}

//  A replica that freezes (SIGSTOP: its connection stays open, it answers
//  nothing) costs searches a hedge, not an answer; it is dropped after
//  `liveness` heartbeats and, once it runs again, reconnects and serves.
static void
test_frozen_replica (void)
{
    kill (cluster.shard [0][1], SIGSTOP);
    cluster_result_t r = { 0 };
    for (int i = 0; i < 10; i++) {
        uint64_t faces [20];
        for (int j = 0; j < 20; j++)
            faces [j] = 1 + (uint64_t) ((i * 20 + j) * 11 % 450);
        cluster_search (faces, 20, &r);
    }
    fprintf (stderr, "searches with 0.1 frozen: %zu queries, %zu found, %zu partial, worst %lld ms\n",
             r.queries, r.found, r.partial, r.worst_ms);
    MT_CHECK_INT (r.found, r.queries);
    MT_CHECK_INT (r.partial, 0);
    MT_CHECK (r.worst_ms < 1500);
    char state [16] = "?";
    long long until = mt_test_now_ms () + 3000;
    while (state [0] && mt_test_now_ms () < until) {
        cluster_state (0, 1, state, NULL);
        mt_test_sleep_ms (20);
    }
    MT_CHECK (state [0] == '\0');              //  dropped by the broker
    kill (cluster.shard [0][1], SIGCONT);
    MT_CHECK (cluster_wait_state (0, 1, "serving", 10000));
    r = cluster_search_range (1, 450);
    MT_CHECK_INT (r.found, 450);
}

//  Writes go on without 0.0; when it returns it gets a copy from 0.1 and
//  then holds every face, including those enrolled while it was down.
static void
test_replica_catches_up (void)
{
    uint32_t replicas = 0;
    for (uint64_t f = 301; f <= 450; f += 30)
        MT_CHECK_RC (cluster_enroll (f, 30, &replicas), MT_OK, NULL);
    MT_CHECK_INT (replicas, 1);         //  partition 0 has one replica left
    cluster_start_shard (0, 0);
    MT_CHECK (cluster_wait_state (0, 0, "serving", 10000));
    uint64_t a = 0, b = 0;
    char state [16];
    cluster_state (0, 0, state, &a);
    cluster_state (0, 1, state, &b);
    MT_CHECK_INT (a, b);
    cluster_kill_shard (0, 1);
    cluster_result_t r = cluster_search_range (1, 450);
    MT_CHECK_INT (r.found, 450);
    MT_CHECK_INT (r.partial, 0);
    cluster_start_shard (0, 1);
    MT_CHECK (cluster_wait_state (0, 1, "serving", 10000));
}

//  Both replicas of partition 1 dead: searches come back partial, in time;
//  writes to partition 1 are refused; partition 0 works.
static void
test_partition_down (void)
{
    cluster_kill_shard (1, 0);
    cluster_kill_shard (1, 1);
    mt_test_sleep_ms (500);         //  let the broker notice
    cluster_result_t r = { 0 };
    uint64_t faces [20];
    for (int i = 0; i < 20; i++)
        faces [i] = 1 + (uint64_t) i * 13;
    cluster_search (faces, 20, &r);
    MT_CHECK_INT (r.partial, 1);
    MT_CHECK (r.worst_ms < 1500 + 500);
    MT_CHECK (r.found > 0 && r.found < 20);
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    msg->ns = 2;
    msg->k = 3;
    msg->query_count = 1;
    msg->vectors = calloc (DIM, sizeof (float));
    mt_test_vector (1, 7, DIM, msg->vectors);
    mt_err_t err;
    if (mt_client_request (cluster_client, msg, 5000, &reply, &err) == MT_OK) {
        MT_CHECK (reply->partial);
        MT_CHECK_INT (reply->missing_count, 1);
        MT_CHECK_INT (reply->missing [0], 1);
        MT_CHECK_INT (reply->answered_count, 1);
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);

    MT_CHECK_RC (cluster_enroll_case (cluster_case_in (1, 1000)), MT_EUNAVAILABLE, NULL);
    MT_CHECK_RC (cluster_enroll_case (cluster_case_in (0, 1000)), MT_OK, NULL);

    cluster_start_shard (1, 0);
    cluster_start_shard (1, 1);
    MT_CHECK (cluster_wait_state (1, 0, "serving", 10000));
    MT_CHECK (cluster_wait_state (1, 1, "serving", 10000));
    r = cluster_search_range (1, 450);
    MT_CHECK_INT (r.found, 450);
    MT_CHECK_INT (r.partial, 0);
}

//  kill -9 replicas while enrolls stream in; every acknowledged face is
//  there after the restarts.
static void
test_kill_during_enroll (void)
{
    uint64_t acked [400];
    size_t acked_count = 0, refused = 0;
    uint64_t next = 2001;
    for (int batch = 0; batch < 40; batch++, next += 9) {
        if (batch == 8)
            cluster_kill_shard (1, 0);
        if (batch == 15)
            cluster_kill_shard (0, 1);
        if (batch == 24)
            cluster_kill_shard (1, 1);        //  partition 1 is now down
        if (cluster_enroll (next, 9, NULL) == MT_OK)
            for (uint64_t f = next; f < next + 9; f++)
                acked [acked_count++] = f;
        else
            refused++;
    }
    fprintf (stderr, "enroll batches: %zu faces acknowledged, %zu batches refused\n",
             acked_count, refused);
    MT_CHECK (acked_count >= 24 * 9);
    MT_CHECK (refused > 0);
    cluster_start_shard (1, 0);
    cluster_start_shard (1, 1);
    cluster_start_shard (0, 1);
    MT_CHECK (cluster_wait_state (1, 0, "serving", 10000));
    MT_CHECK (cluster_wait_state (1, 1, "serving", 10000));
    MT_CHECK (cluster_wait_state (0, 1, "serving", 10000));
    cluster_result_t r = { 0 };
    for (size_t i = 0; i < acked_count; i += 50)
        cluster_search (acked + i, acked_count - i < 50 ? acked_count - i : 50, &r);
    fprintf (stderr, "after restarts: %zu of %zu acknowledged faces found\n", r.found,
             acked_count);
    MT_CHECK_INT (r.found, acked_count);
    MT_CHECK_INT (r.partial, 0);
}

//  A replica that is behind while no up-to-date one lives takes no writes
//  (no forked histories); when the up-to-date one returns, it catches up.
static void
test_stale_replica (void)
{
    cluster_kill_shard (0, 1);
    uint64_t c = cluster_case_in (0, 3000);
    MT_CHECK_RC (cluster_enroll_case (c), MT_OK, NULL);
    cluster_kill_shard (0, 0);
    cluster_start_shard (0, 1);
    MT_CHECK (cluster_wait_state (0, 1, "stale", 10000));
    MT_CHECK_RC (cluster_enroll_case (cluster_case_in (0, c + 1)), MT_EUNAVAILABLE, NULL);
    cluster_start_shard (0, 0);
    MT_CHECK (cluster_wait_state (0, 0, "serving", 10000));
    MT_CHECK (cluster_wait_state (0, 1, "serving", 10000));
    cluster_kill_shard (0, 0);
    cluster_result_t r = cluster_search_range ((c - 1) * 3 + 1, (c - 1) * 3 + 3);
    MT_CHECK_INT (r.found, 3);
    cluster_start_shard (0, 0);
    MT_CHECK (cluster_wait_state (0, 0, "serving", 10000));
}

//  Garbage and protocol errors get an Error reply and are counted; the
//  broker lives on.
static void
test_malformed_frames (void)
{
    mt_err_t err;
    void *raw = mt_wire_connect (ZMQ_DEALER, cluster.front, &cluster.client, &err);
    MT_CHECK (raw != NULL);
    int timeout = 3000;
    zmq_setsockopt (raw, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    const char *garbage [] = { "\\xff\\x00not protobuf", "" };
    for (int i = 0; i < 2; i++) {
        zmq_send (raw, "", 0, ZMQ_SNDMORE);
        zmq_send (raw, garbage [i], strlen (garbage [i]), 0);
        mt_route_t route;
        mt_msg_t *reply = NULL;
        MT_CHECK_RC (mt_wire_recv (raw, &route, &reply, &err), MT_OK, &err);
        MT_CHECK (reply && reply->type == MT_MSG_ERROR && reply->error_code == MT_EPROTO);
        mt_msg_destroy (&reply);
    }
    mt_msg_t *reply = NULL;
    //  An envelope of the wrong version (field 1 = 9).
    uint8_t wrong [] = { 0x08, 0x09, 0x10, 0x01, 0xa2, 0x01, 0x00 };
    zmq_send (raw, "", 0, ZMQ_SNDMORE);
    zmq_send (raw, wrong, sizeof wrong, 0);
    MT_CHECK_RC (mt_wire_recv (raw, NULL, &reply, &err), MT_EPROTO, &err);
    zmq_close (raw);

    raw = mt_wire_connect (ZMQ_DEALER, cluster.front, &cluster.client, &err);
    zmq_setsockopt (raw, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_send (raw, "", 0, ZMQ_SNDMORE);
    zmq_send (raw, wrong, sizeof wrong, 0);
    mt_route_t route;
    MT_CHECK_RC (mt_wire_recv (raw, &route, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->error_code == MT_EPROTO);
    MT_CHECK_CONTAINS (reply ? reply->text : NULL, "version 9");
    mt_msg_destroy (&reply);
    zmq_close (raw);

    mt_msg_t *stats = mt_msg_new (MT_MSG_STATS);
    if (mt_client_request (cluster_client, stats, 2000, &reply, &err) == MT_OK)
        MT_CHECK (reply->malformed >= 3);
    mt_msg_destroy (&stats);
    mt_msg_destroy (&reply);
    int status;
    MT_CHECK (waitpid (cluster.broker, &status, WNOHANG) == 0);       //  still running
}

//  The command line against the running cluster: photos in, faces found.
static void
test_cli_index (void)
{
    char *out = NULL, *err = NULL;
    cluster_env_t env;
    cluster_cli_env (&env);
    char *stats [] = { S_HOMEWARD, "index", "stats", "--broker", cluster.front, NULL };
    MT_CHECK_INT (mt_test_run (stats, env.vars, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "replica 1.1  serving");
    free (out), free (err);
    char jpg [512], webp [512], tom [512];
    snprintf (jpg, sizeof jpg, "%s", mt_test_data ("formats/face.jpg"));
    snprintf (webp, sizeof webp, "%s", mt_test_data ("formats/face.webp"));
    snprintf (tom, sizeof tom, "%s", mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"));
    char *enroll [] = { S_HOMEWARD, "index", "enroll", "--broker", cluster.front, "--ns", "missing",
                        "--case", "900001", "--province", "44", "--face-id", "9000001", jpg, tom,
                        NULL };
    MT_CHECK_INT (mt_test_run (enroll, env.vars, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "enrolled 2 new faces in missing (durable on 2 replicas)");
    free (out), free (err);
    char *search [] = { S_HOMEWARD, "index", "search", "--broker", cluster.front, "--ns", "missing",
                        "--json", "--k", "2", webp, NULL };
    MT_CHECK_INT (mt_test_run (search, env.vars, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "\"hits\":[{\"face_id\":9000001,\"case_id\":900001,\"province\":44");
    MT_CHECK_CONTAINS (out, "\"partial\":false");
    free (out), free (err);
    char *remove [] = { S_HOMEWARD, "index", "remove", "--broker", cluster.front, "--case", "900001",
                        NULL };
    MT_CHECK_INT (mt_test_run (remove, env.vars, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "removed 2 faces (on 2 replicas)");
    free (out), free (err);
    char *nothing [] = { S_HOMEWARD, "index", "search", "--broker", "tcp://127.0.0.1:1",
                         "--timeout-ms", "300", "--ns", "missing", webp, NULL };
    MT_CHECK_INT (mt_test_run (nothing, env.vars, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "no answer from the broker");
    free (out), free (err);
}

//  A key not in the broker's list gets no answer (and the broker says why);
//  once its .pub is put into the list, the same key is let in without a
//  restart. No keys at all: clients and services refuse tcp:// up front.
static void
test_curve_refuses (void)
{
    mt_curve_config_t stranger = cluster.client;
    snprintf (stranger.key, sizeof stranger.key, "%s/stranger.key", cluster.keys);
    mt_client_t *client = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_client_new (cluster.front, &stranger, &client, &err), MT_OK, &err);
    mt_msg_t *stats = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    MT_CHECK_RC (mt_client_request (client, stats, 1000, &reply, &err), MT_ETIMEDOUT, &err);
    mt_msg_destroy (&reply);
    char *log = mt_test_read (cluster.log, NULL);
    MT_CHECK_CONTAINS (log, "refused a connection from 127.0.0.1");
    free (log);

    char from [400], to [400];
    snprintf (from, sizeof from, "%s/stranger.pub", cluster.keys);
    snprintf (to, sizeof to, "%s/stranger.pub", cluster.authorized);
    char *pub = mt_test_read (from, NULL);
    MT_CHECK (pub && mt_test_write (to, pub, strlen (pub)) == 0);
    free (pub);
    mt_client_destroy (&client);
    MT_CHECK_RC (mt_client_new (cluster.front, &stranger, &client, &err), MT_OK, &err);
    MT_CHECK_RC (mt_client_request (client, stats, 3000, &reply, &err), MT_OK, &err);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&stats);
    mt_client_destroy (&client);
    unlink (to);

    //  The wrong server key: the handshake fails, nothing is answered.
    mt_curve_config_t wrong = cluster.client;
    snprintf (wrong.server_key, sizeof wrong.server_key, "%s/stranger.pub", cluster.keys);
    MT_CHECK_RC (mt_client_new (cluster.front, &wrong, &client, &err), MT_OK, &err);
    stats = mt_msg_new (MT_MSG_STATS);
    MT_CHECK_RC (mt_client_request (client, stats, 1000, &reply, &err), MT_ETIMEDOUT, &err);
    mt_msg_destroy (&stats);
    mt_client_destroy (&client);

    MT_CHECK_RC (mt_client_new (cluster.front, NULL, &client, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "homeward keygen");
    char *out = NULL, *errs = NULL;
    char *cli [] = { S_HOMEWARD, "index", "stats", "--broker", cluster.front, NULL };
    MT_CHECK_INT (mt_test_run (cli, NULL, &out, &errs), 1);
    MT_CHECK_CONTAINS (errs, "--insecure");
    free (out), free (errs);
    char *broker [] = { S_HOMEWARD, "broker", "--front", "tcp://127.0.0.1:1", "--back",
                        "tcp://127.0.0.1:2", NULL };
    MT_CHECK (mt_test_run (broker, NULL, &out, &errs) > 0);
    MT_CHECK_CONTAINS (errs, "tcp://127.0.0.1:1 is a tcp:// endpoint but no --key is given");
    free (out), free (errs);
}

static void
test_clean_shutdown (void)
{
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++) {
            int status = mt_test_kill (cluster.shard [p][r], SIGTERM);
            MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
            cluster.shard [p][r] = -1;
        }
    if (cluster.added > 0) {
        int status = mt_test_kill (cluster.added, SIGTERM);
        MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
        cluster.added = -1;
    }
    int status = mt_test_kill (cluster.broker, SIGTERM);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    cluster.broker = -1;
}

int
main (void)
{
    int front = mt_test_free_port (), back = mt_test_free_port ();
    snprintf (cluster.front, sizeof cluster.front, "tcp://127.0.0.1:%d", front);
    snprintf (cluster.back, sizeof cluster.back, "tcp://127.0.0.1:%d", back);
    snprintf (cluster.dir, sizeof cluster.dir, "%s", mt_test_tmpdir ());
    snprintf (cluster.log, sizeof cluster.log, "%s/cluster.log", cluster.dir);
    cluster_make_keys ();
    cluster_start_broker ();
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++)
            cluster_start_shard (p, r);
    mt_err_t err;
    if (mt_client_new (cluster.front, &cluster.client, &cluster_client, &err) != MT_OK
    ||  mt_client_wait_ready (cluster_client, 10000, &err) != MT_OK) {
        fprintf (stderr, "cluster did not start: %s\n", err.msg);
        mt_test_failures++;
    }
    else {
        MT_RUN (test_enroll_and_search);
        MT_RUN (test_kill_replica_under_load);
        MT_RUN (test_replica_catches_up);
        MT_RUN (test_frozen_replica);
        MT_RUN (test_partition_down);
        MT_RUN (test_kill_during_enroll);
        MT_RUN (test_stale_replica);
        MT_RUN (test_malformed_frames);
        MT_RUN (test_cli_index);
        MT_RUN (test_curve_refuses);
        MT_RUN (test_removal_reaches_every_replica);
        MT_RUN (test_rebuild_under_load);
        MT_RUN (test_add_partition_under_load);
        MT_RUN (test_clean_shutdown);
    }
    mt_client_destroy (&cluster_client);
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++)
            if (cluster.shard [p][r] > 0)
                mt_test_kill (cluster.shard [p][r], SIGKILL);
    if (cluster.added > 0)
        mt_test_kill (cluster.added, SIGKILL);
    if (cluster.broker > 0)
        mt_test_kill (cluster.broker, SIGKILL);
    if (mt_test_failures) {
        //  The processes' logs tell what happened.
        char *log = mt_test_read (cluster.log, NULL);
        fprintf (stderr, "---- cluster log ----\n%s\n", log ? log : "(none)");
        free (log);
    }
    mt_zmq_shutdown ();
    return MT_TEST_MAIN_END ();
}
