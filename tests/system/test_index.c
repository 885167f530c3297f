//  Black-box test of the sharded index: a real broker and 2 partitions x 2
//  replicas as separate processes on tcp://127.0.0.1, killed and restarted
//  while clients enroll and search. Every link is CURVE-encrypted with keys
//  made by `homeward keygen`; strangers and keyless clients are refused.

#include "mt_test.h"

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

#define S_HOMEWARD MT_TEST_BIN "/homeward"
#define DIM MT_DIM
#define P 2
#define R 2
//  Each gallery past this many faces is rebuilt as IVF (test_rebuild_under_load).
#define S_EXACT_BELOW "2000"

typedef struct {
    char front [64], back [64], dir [256], log [300];
    char keys [300], authorized [320];
    mt_curve_config_t client;       //  the test's key, the broker's public key
    int broker;
    int shard [P][R];
    int added;                      //  replica 0 of partition P, added while running
} s_cluster_t;

static s_cluster_t C;
static mt_client_t *s_client;

//  ---------------------------------------------------------------- data

static uint64_t
s_case_of (uint64_t face)
{
    return 1 + (face - 1) / 3;
}

//  Enroll faces first..first+n-1; returns the result code.
static int
s_enroll (uint64_t first, size_t n, uint32_t *replicas_p)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    msg->ns = 2;
    msg->face_count = n;
    msg->faces = calloc (n, sizeof *msg->faces);
    msg->vectors = malloc (n * DIM * sizeof (float));
    for (size_t i = 0; i < n; i++) {
        uint64_t face = first + i;
        msg->faces [i] = (mt_face_meta_t) { face, s_case_of (face),
                                            (uint32_t) (11 + s_case_of (face) % 5) };
        mt_test_vector (face, 7, DIM, msg->vectors + i * DIM);
    }
    mt_err_t err;
    int rc = mt_client_request (s_client, msg, 5000, &reply, &err);
    if (rc == MT_OK && replicas_p)
        *replicas_p = reply->replicas;
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Enroll the faces of one case (three faces) whose id is case_id.
static int
s_enroll_case (uint64_t case_id)
{
    return s_enroll ((case_id - 1) * 3 + 1, 3, NULL);
}

typedef struct {
    size_t queries, found, partial;
    size_t unflagged_missed;        //  faces missed by answers not flagged partial
    long long worst_ms;
} s_search_result_t;

//  Search for faces[] (each query is its own vector slightly moved); counts
//  those found first.
static void
s_search_with (mt_client_t *client, const uint64_t *faces, size_t n, s_search_result_t *result)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    msg->ns = 2;
    msg->k = 5;
    msg->query_count = n;
    msg->vectors = malloc (n * DIM * sizeof (float));
    for (size_t i = 0; i < n; i++) {
        mt_test_vector (faces [i], 7, DIM, msg->vectors + i * DIM);
        msg->vectors [i * DIM] += 0.01f;
    }
    mt_err_t err;
    long long start = mt_test_now_ms ();
    int rc = mt_client_request (client, msg, 5000, &reply, &err);
    long long took = mt_test_now_ms () - start;
    result->worst_ms = took > result->worst_ms ? took : result->worst_ms;
    result->queries += n;
    MT_CHECK_RC (rc, MT_OK, &err);
    if (rc == MT_OK) {
        result->partial += reply->partial;
        for (size_t i = 0; i < n && i < reply->query_count; i++) {
            bool first = reply->results [i].count > 0
                      && reply->results [i].hits [0].face_id == faces [i];
            result->found += first;
            result->unflagged_missed += !first && !reply->partial;
        }
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
}

static void
s_search (const uint64_t *faces, size_t n, s_search_result_t *result)
{
    s_search_with (s_client, faces, n, result);
}

//  Search every face in [first, last] in batches.
static s_search_result_t
s_search_range (uint64_t first, uint64_t last)
{
    s_search_result_t result = { 0 };
    uint64_t faces [50];
    for (uint64_t f = first; f <= last;) {
        size_t n = 0;
        while (n < 50 && f <= last)
            faces [n++] = f++;
        s_search (faces, n, &result);
    }
    return result;
}

//  ---------------------------------------------------------------- cluster

//  Key pairs by `homeward keygen`; the broker admits the shards' and the
//  test's public keys (its authorized folder), not the stranger's.
static void
s_make_keys (void)
{
    snprintf (C.keys, sizeof C.keys, "%s/keys", C.dir);
    snprintf (C.authorized, sizeof C.authorized, "%s/authorized", C.keys);
    mkdir (C.keys, 0700);
    mkdir (C.authorized, 0700);
    const char *names [] = { "broker", "shard", "client", "stranger" };
    char paths [4][400];
    for (int i = 0; i < 4; i++)
        snprintf (paths [i], sizeof paths [i], "%s/%s", C.keys, names [i]);
    char *argv [] = { S_HOMEWARD, "keygen", paths [0], paths [1], paths [2], paths [3], NULL };
    char *out = NULL, *err = NULL;
    MT_CHECK_INT (mt_test_run (argv, NULL, &out, &err), 0);
    free (out), free (err);
    //  An existing key is never overwritten.
    char *again [] = { S_HOMEWARD, "keygen", paths [0], NULL };
    MT_CHECK_INT (mt_test_run (again, NULL, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "File exists");
    free (out), free (err);
    for (int i = 1; i <= 2; i++) {
        char from [500], to [500];
        snprintf (from, sizeof from, "%s.pub", paths [i]);
        snprintf (to, sizeof to, "%s/%s.pub", C.authorized, names [i]);
        char *pub = mt_test_read (from, NULL);
        MT_CHECK (pub && mt_test_write (to, pub, strlen (pub)) == 0);
        free (pub);
    }
    snprintf (C.client.key, sizeof C.client.key, "%s.key", paths [2]);
    snprintf (C.client.server_key, sizeof C.client.server_key, "%s.pub", paths [0]);
}

static void
s_start_broker (void)
{
    char key [400];
    snprintf (key, sizeof key, "%s/broker.key", C.keys);
    char state [300];
    snprintf (state, sizeof state, "%s/broker.state", C.dir);
    char *argv [] = { S_HOMEWARD, "broker", "--front", C.front, "--back", C.back,
                      "--state", state, "--move-batch", "50",
                      "--partitions", "2", "--replicas", "2", "--heartbeat-ms", "100",
                      "--liveness", "3", "--deadline-ms", "1500", "--hedge-ms", "100",
                      "--grace-ms", "1000", "--key", key, "--authorized-keys", C.authorized,
                      NULL };
    C.broker = mt_test_spawn (argv, C.log);
}

static int
s_spawn_shard (int p, int r, char *partitions)
{
    char partition [16], replica [16], dir [300];
    snprintf (partition, sizeof partition, "%d", p);
    snprintf (replica, sizeof replica, "%d", r);
    snprintf (dir, sizeof dir, "%s/shard-%d-%d", C.dir, p, r);
    char key [400];
    snprintf (key, sizeof key, "%s/shard.key", C.keys);
    char *argv [] = { S_HOMEWARD, "shard", "--broker", C.back, "--partition", partition,
                      "--replica", replica, "--partitions", partitions, "--data-dir", dir,
                      "--heartbeat-ms", "100", "--liveness", "3", "--snapshot-ops", "40",
                      "--blas-threads", "1", "--exact-below", S_EXACT_BELOW, "--key", key,
                      "--broker-key",
                      C.client.server_key, NULL };
    return mt_test_spawn (argv, C.log);
}

static void
s_start_shard (int p, int r)
{
    C.shard [p][r] = s_spawn_shard (p, r, "2");
}

static void s_state (int p, int r, char *state, uint64_t *seq);

//  kill -9 a replica and wait until the broker has noticed, so that a later
//  wait for the replica's state sees the new instance, not the dead one.
static void
s_kill_shard (int p, int r)
{
    mt_test_kill (C.shard [p][r], SIGKILL);
    C.shard [p][r] = -1;
    char state [16] = "?";
    long long until = mt_test_now_ms () + 5000;
    while (state [0] && mt_test_now_ms () < until) {
        s_state (p, r, state, NULL);
        if (state [0])
            mt_test_sleep_ms (20);
    }
    MT_CHECK (state [0] == '\0');
}

//  The state the broker gives replica p.r ("" when it does not know it).
static void
s_state (int p, int r, char *state, uint64_t *seq)
{
    state [0] = '\0';
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t err;
    if (mt_client_request (s_client, msg, 2000, &reply, &err) == MT_OK)
        for (size_t i = 0; i < reply->replica_count; i++)
            if (reply->replica_status [i].partition == (uint32_t) p
            &&  reply->replica_status [i].replica == (uint32_t) r) {
                strcpy (state, reply->replica_status [i].state);
                if (seq)
                    *seq = reply->replica_status [i].seq;
            }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
}

static bool
s_wait_state (int p, int r, const char *want, long timeout_ms)
{
    char state [16];
    long long until = mt_test_now_ms () + timeout_ms;
    do {
        s_state (p, r, state, NULL);
        if (strcmp (state, want) == 0)
            return true;
        mt_test_sleep_ms (50);
    } while (mt_test_now_ms () < until);
    fprintf (stderr, "replica %d.%d is '%s', not '%s' after %ld ms\n", p, r, state, want,
             timeout_ms);
    return false;
}

//  A case id of partition p above from.
static uint64_t
s_case_in (uint32_t p, uint64_t from)
{
    while (mt_partition_of (from, P) != p)
        from++;
    return from;
}

//  ---------------------------------------------------------------- tests

static void
test_enroll_and_search (void)
{
    uint32_t replicas = 0;
    for (uint64_t f = 1; f <= 300; f += 30)
        MT_CHECK_RC (s_enroll (f, 30, &replicas), MT_OK, NULL);
    MT_CHECK_INT (replicas, 2);
    s_search_result_t r = s_search_range (1, 300);
    MT_CHECK_INT (r.found, 300);
    MT_CHECK_INT (r.partial, 0);
    //  Enrolling the same faces again adds nothing.
    MT_CHECK_RC (s_enroll (1, 30, NULL), MT_OK, NULL);
    r = s_search_range (1, 30);
    MT_CHECK_INT (r.found, 30);
}

typedef struct {
    volatile int stop;
    s_search_result_t result;
} s_load_t;

//  Searches in a loop from a second client until told to stop.
static void *
s_search_load (void *arg)
{
    s_load_t *load = arg;
    mt_client_t *client;
    mt_err_t err;
    if (mt_client_new (C.front, &C.client, &client, &err) != MT_OK)
        return NULL;
    for (int i = 0; !load->stop; i++) {
        uint64_t faces [20];
        for (int j = 0; j < 20; j++)
            faces [j] = 1 + (uint64_t) ((i * 20 + j) * 7 % 300);
        s_search_with (client, faces, 20, &load->result);
    }
    mt_client_destroy (&client);
    return NULL;
}

//  kill -9 a replica while another thread searches without pause: every
//  answer comes back complete and right.
static void
test_kill_replica_under_load (void)
{
    s_load_t load = { 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_search_load, &load);
    mt_test_sleep_ms (300);
    mt_test_kill (C.shard [0][0], SIGKILL);     //  at once, mid-query or not
    mt_test_sleep_ms (700);
    load.stop = 1;
    pthread_join (thread, NULL);
    s_kill_shard (0, 0);                        //  (already dead: waits for the broker)
    s_search_result_t *r = &load.result;
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
    kill (C.shard [0][1], SIGSTOP);
    s_search_result_t r = { 0 };
    for (int i = 0; i < 10; i++) {
        uint64_t faces [20];
        for (int j = 0; j < 20; j++)
            faces [j] = 1 + (uint64_t) ((i * 20 + j) * 11 % 450);
        s_search (faces, 20, &r);
    }
    fprintf (stderr, "searches with 0.1 frozen: %zu queries, %zu found, %zu partial, worst %lld ms\n",
             r.queries, r.found, r.partial, r.worst_ms);
    MT_CHECK_INT (r.found, r.queries);
    MT_CHECK_INT (r.partial, 0);
    MT_CHECK (r.worst_ms < 1500);
    char state [16] = "?";
    long long until = mt_test_now_ms () + 3000;
    while (state [0] && mt_test_now_ms () < until) {
        s_state (0, 1, state, NULL);
        mt_test_sleep_ms (20);
    }
    MT_CHECK (state [0] == '\0');              //  dropped by the broker
    kill (C.shard [0][1], SIGCONT);
    MT_CHECK (s_wait_state (0, 1, "serving", 10000));
    r = s_search_range (1, 450);
    MT_CHECK_INT (r.found, 450);
}

//  Writes go on without 0.0; when it returns it gets a copy from 0.1 and
//  then holds every face, including those enrolled while it was down.
static void
test_replica_catches_up (void)
{
    uint32_t replicas = 0;
    for (uint64_t f = 301; f <= 450; f += 30)
        MT_CHECK_RC (s_enroll (f, 30, &replicas), MT_OK, NULL);
    MT_CHECK_INT (replicas, 1);         //  partition 0 has one replica left
    s_start_shard (0, 0);
    MT_CHECK (s_wait_state (0, 0, "serving", 10000));
    uint64_t a = 0, b = 0;
    char state [16];
    s_state (0, 0, state, &a);
    s_state (0, 1, state, &b);
    MT_CHECK_INT (a, b);
    s_kill_shard (0, 1);
    s_search_result_t r = s_search_range (1, 450);
    MT_CHECK_INT (r.found, 450);
    MT_CHECK_INT (r.partial, 0);
    s_start_shard (0, 1);
    MT_CHECK (s_wait_state (0, 1, "serving", 10000));
}

//  Both replicas of partition 1 dead: searches come back partial, in time;
//  writes to partition 1 are refused; partition 0 works.
static void
test_partition_down (void)
{
    s_kill_shard (1, 0);
    s_kill_shard (1, 1);
    mt_test_sleep_ms (500);         //  let the broker notice
    s_search_result_t r = { 0 };
    uint64_t faces [20];
    for (int i = 0; i < 20; i++)
        faces [i] = 1 + (uint64_t) i * 13;
    s_search (faces, 20, &r);
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
    if (mt_client_request (s_client, msg, 5000, &reply, &err) == MT_OK) {
        MT_CHECK (reply->partial);
        MT_CHECK_INT (reply->missing_count, 1);
        MT_CHECK_INT (reply->missing [0], 1);
        MT_CHECK_INT (reply->answered_count, 1);
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);

    MT_CHECK_RC (s_enroll_case (s_case_in (1, 1000)), MT_EUNAVAILABLE, NULL);
    MT_CHECK_RC (s_enroll_case (s_case_in (0, 1000)), MT_OK, NULL);

    s_start_shard (1, 0);
    s_start_shard (1, 1);
    MT_CHECK (s_wait_state (1, 0, "serving", 10000));
    MT_CHECK (s_wait_state (1, 1, "serving", 10000));
    r = s_search_range (1, 450);
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
            s_kill_shard (1, 0);
        if (batch == 15)
            s_kill_shard (0, 1);
        if (batch == 24)
            s_kill_shard (1, 1);        //  partition 1 is now down
        if (s_enroll (next, 9, NULL) == MT_OK)
            for (uint64_t f = next; f < next + 9; f++)
                acked [acked_count++] = f;
        else
            refused++;
    }
    fprintf (stderr, "enroll batches: %zu faces acknowledged, %zu batches refused\n",
             acked_count, refused);
    MT_CHECK (acked_count >= 24 * 9);
    MT_CHECK (refused > 0);
    s_start_shard (1, 0);
    s_start_shard (1, 1);
    s_start_shard (0, 1);
    MT_CHECK (s_wait_state (1, 0, "serving", 10000));
    MT_CHECK (s_wait_state (1, 1, "serving", 10000));
    MT_CHECK (s_wait_state (0, 1, "serving", 10000));
    s_search_result_t r = { 0 };
    for (size_t i = 0; i < acked_count; i += 50)
        s_search (acked + i, acked_count - i < 50 ? acked_count - i : 50, &r);
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
    s_kill_shard (0, 1);
    uint64_t c = s_case_in (0, 3000);
    MT_CHECK_RC (s_enroll_case (c), MT_OK, NULL);
    s_kill_shard (0, 0);
    s_start_shard (0, 1);
    MT_CHECK (s_wait_state (0, 1, "stale", 10000));
    MT_CHECK_RC (s_enroll_case (s_case_in (0, c + 1)), MT_EUNAVAILABLE, NULL);
    s_start_shard (0, 0);
    MT_CHECK (s_wait_state (0, 0, "serving", 10000));
    MT_CHECK (s_wait_state (0, 1, "serving", 10000));
    s_kill_shard (0, 0);
    s_search_result_t r = s_search_range ((c - 1) * 3 + 1, (c - 1) * 3 + 3);
    MT_CHECK_INT (r.found, 3);
    s_start_shard (0, 0);
    MT_CHECK (s_wait_state (0, 0, "serving", 10000));
}

//  Garbage and protocol errors get an Error reply and are counted; the
//  broker lives on.
static void
test_malformed_frames (void)
{
    mt_err_t err;
    void *raw = mt_wire_connect (ZMQ_DEALER, C.front, &C.client, &err);
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

    raw = mt_wire_connect (ZMQ_DEALER, C.front, &C.client, &err);
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
    if (mt_client_request (s_client, stats, 2000, &reply, &err) == MT_OK)
        MT_CHECK (reply->malformed >= 3);
    mt_msg_destroy (&stats);
    mt_msg_destroy (&reply);
    int status;
    MT_CHECK (waitpid (C.broker, &status, WNOHANG) == 0);       //  still running
}

//  The command line against the running cluster: photos in, faces found.
static void
test_cli_index (void)
{
    char *out = NULL, *err = NULL;
    char key [1100], broker_key [1100];
    snprintf (key, sizeof key, "HOMEWARD_KEY=%s", C.client.key);
    snprintf (broker_key, sizeof broker_key, "HOMEWARD_BROKER_KEY=%s", C.client.server_key);
    char *env [] = { key, broker_key, NULL };
    char *stats [] = { S_HOMEWARD, "index", "stats", "--broker", C.front, NULL };
    MT_CHECK_INT (mt_test_run (stats, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "replica 1.1  serving");
    free (out), free (err);
    char jpg [512], webp [512], tom [512];
    snprintf (jpg, sizeof jpg, "%s", mt_test_data ("formats/face.jpg"));
    snprintf (webp, sizeof webp, "%s", mt_test_data ("formats/face.webp"));
    snprintf (tom, sizeof tom, "%s", mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"));
    char *enroll [] = { S_HOMEWARD, "index", "enroll", "--broker", C.front, "--ns", "missing",
                        "--case", "900001", "--province", "44", "--face-id", "9000001", jpg, tom,
                        NULL };
    MT_CHECK_INT (mt_test_run (enroll, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "enrolled 2 new faces in missing (durable on 2 replicas)");
    free (out), free (err);
    char *search [] = { S_HOMEWARD, "index", "search", "--broker", C.front, "--ns", "missing",
                        "--json", "--k", "2", webp, NULL };
    MT_CHECK_INT (mt_test_run (search, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "\"hits\":[{\"face_id\":9000001,\"case_id\":900001,\"province\":44");
    MT_CHECK_CONTAINS (out, "\"partial\":false");
    free (out), free (err);
    char *remove [] = { S_HOMEWARD, "index", "remove", "--broker", C.front, "--case", "900001",
                        NULL };
    MT_CHECK_INT (mt_test_run (remove, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "removed 2 faces (on 2 replicas)");
    free (out), free (err);
    char *nothing [] = { S_HOMEWARD, "index", "search", "--broker", "tcp://127.0.0.1:1",
                         "--timeout-ms", "300", "--ns", "missing", webp, NULL };
    MT_CHECK_INT (mt_test_run (nothing, env, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "no answer from the broker");
    free (out), free (err);
}

//  A key not in the broker's list gets no answer (and the broker says why);
//  once its .pub is put into the list, the same key is let in without a
//  restart. No keys at all: clients and services refuse tcp:// up front.
static void
test_curve_refuses (void)
{
    mt_curve_config_t stranger = C.client;
    snprintf (stranger.key, sizeof stranger.key, "%s/stranger.key", C.keys);
    mt_client_t *client = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_client_new (C.front, &stranger, &client, &err), MT_OK, &err);
    mt_msg_t *stats = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    MT_CHECK_RC (mt_client_request (client, stats, 1000, &reply, &err), MT_ETIMEDOUT, &err);
    mt_msg_destroy (&reply);
    char *log = mt_test_read (C.log, NULL);
    MT_CHECK_CONTAINS (log, "refused a connection from 127.0.0.1");
    free (log);

    char from [400], to [400];
    snprintf (from, sizeof from, "%s/stranger.pub", C.keys);
    snprintf (to, sizeof to, "%s/stranger.pub", C.authorized);
    char *pub = mt_test_read (from, NULL);
    MT_CHECK (pub && mt_test_write (to, pub, strlen (pub)) == 0);
    free (pub);
    mt_client_destroy (&client);
    MT_CHECK_RC (mt_client_new (C.front, &stranger, &client, &err), MT_OK, &err);
    MT_CHECK_RC (mt_client_request (client, stats, 3000, &reply, &err), MT_OK, &err);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&stats);
    mt_client_destroy (&client);
    unlink (to);

    //  The wrong server key: the handshake fails, nothing is answered.
    mt_curve_config_t wrong = C.client;
    snprintf (wrong.server_key, sizeof wrong.server_key, "%s/stranger.pub", C.keys);
    MT_CHECK_RC (mt_client_new (C.front, &wrong, &client, &err), MT_OK, &err);
    stats = mt_msg_new (MT_MSG_STATS);
    MT_CHECK_RC (mt_client_request (client, stats, 1000, &reply, &err), MT_ETIMEDOUT, &err);
    mt_msg_destroy (&stats);
    mt_client_destroy (&client);

    MT_CHECK_RC (mt_client_new (C.front, NULL, &client, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "homeward keygen");
    char *out = NULL, *errs = NULL;
    char *cli [] = { S_HOMEWARD, "index", "stats", "--broker", C.front, NULL };
    MT_CHECK_INT (mt_test_run (cli, NULL, &out, &errs), 1);
    MT_CHECK_CONTAINS (errs, "--insecure");
    free (out), free (errs);
    char *broker [] = { S_HOMEWARD, "broker", "--front", "tcp://127.0.0.1:1", "--back",
                        "tcp://127.0.0.1:2", NULL };
    MT_CHECK (mt_test_run (broker, NULL, &out, &errs) > 0);
    MT_CHECK_CONTAINS (errs, "tcp://127.0.0.1:1 is a tcp:// endpoint but no --key is given");
    free (out), free (errs);
}

//  Whether any file of replica p.r holds one of case_id's face vectors.
static bool
s_files_hold_case (int p, int r, uint64_t case_id, char *where, size_t size)
{
    char dir [400];
    snprintf (dir, sizeof dir, "%s/shard-%d-%d", C.dir, p, r);
    for (uint64_t face = (case_id - 1) * 3 + 1; face <= case_id * 3; face++) {
        float v [DIM];
        mt_test_vector (face, 7, DIM, v);
        if (mt_test_tree_holds (dir, v, sizeof v, where, size))
            return true;
    }
    return false;
}

//  Removing a case reaches every replica of its partition, the one that
//  was down when it happened included (it catches up from its peer), and
//  the faces leave the replicas' files (snapshot and log), not only the
//  searches.
//  Occurrences of text in the cluster's log.
static int
s_log_count (const char *text)
{
    char *log = mt_test_read (C.log, NULL);
    int count = 0;
    for (const char *at = log; at && (at = strstr (at, text)) != NULL; at += strlen (text))
        count++;
    free (log);
    return count;
}

//  How many of the replicas have logged that a gallery is now IVF.
static int
s_replicas_rebuilt (void)
{
    char *log = mt_test_read (C.log, NULL);
    int count = 0;
    for (int p = 0; log && p < P; p++)
        for (int r = 0; r < R; r++) {
            char who [32];
            snprintf (who, sizeof who, "shard %d.%d: ", p, r);
            bool rebuilt = false;
            for (const char *at = log; !rebuilt && (at = strstr (at, who)) != NULL; at++) {
                const char *end = strchr (at, '\n');
                const char *ivf = strstr (at, "is now IVF");
                rebuilt = ivf && (!end || ivf < end);
            }
            count += rebuilt;
        }
    free (log);
    return count;
}

//  Every partition grows past exact-below while searches go on: each
//  replica rebuilds its gallery as IVF in the background, and every answer
//  meanwhile is complete (no partial flag) and finds the face searched;
//  afterwards the IVF indexes find what was enrolled, before and since.
static void
test_rebuild_under_load (void)
{
    int before = s_log_count ("is now IVF");
    s_load_t load = { 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_search_load, &load);
    uint64_t first = 30001, last = first + 2 * P * 2000;
    for (uint64_t f = first; f < last; f += 60)
        MT_CHECK_RC (s_enroll (f, 60, NULL), MT_OK, NULL);
    //  Every replica rebuilt (one whose gallery doubled again meanwhile
    //  may have rebuilt twice).
    long long until = mt_test_now_ms () + 60000;
    while (s_replicas_rebuilt () < P * R && mt_test_now_ms () < until)
        mt_test_sleep_ms (100);
    load.stop = 1;
    pthread_join (thread, NULL);
    MT_CHECK_INT (s_replicas_rebuilt (), P * R);
    MT_CHECK (s_log_count ("is now IVF") - before >= P * R);
    s_search_result_t *r = &load.result;
    fprintf (stderr, "searches while the galleries were rebuilt: %zu queries, %zu found, "
             "%zu partial, worst %lld ms\n", r->queries, r->found, r->partial, r->worst_ms);
    MT_CHECK (r->queries > 100);
    MT_CHECK_INT (r->found, r->queries);
    MT_CHECK_INT (r->partial, 0);
    //  Approximate now, tuned to find what exact search finds.
    s_search_result_t old = s_search_range (1, 300), grown = s_search_range (first, last - 1);
    fprintf (stderr, "after: %zu of %zu earlier faces found first, %zu of %zu new ones\n",
             old.found, old.queries, grown.found, grown.queries);
    MT_CHECK (old.found * 100 >= old.queries * 99);
    MT_CHECK (grown.found * 100 >= grown.queries * 99);
    MT_CHECK_INT (old.partial + grown.partial, 0);
}

static void
test_removal_reaches_every_replica (void)
{
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++) {
            if (C.shard [p][r] <= 0)
                s_start_shard (p, r);
            MT_CHECK (s_wait_state (p, r, "serving", 10000));
        }
    uint64_t gone = s_case_in (0, 7000), kept = s_case_in (0, gone + 1);
    MT_CHECK_RC (s_enroll_case (gone), MT_OK, NULL);
    MT_CHECK_RC (s_enroll_case (kept), MT_OK, NULL);
    char where [1024];
    for (int r = 0; r < R; r++)
        MT_CHECK (s_files_hold_case (0, r, gone, where, sizeof where));
    s_kill_shard (0, 1);
    mt_msg_t *msg = mt_msg_new (MT_MSG_REMOVE), *reply = NULL;
    msg->case_id = gone;
    mt_err_t err;
    MT_CHECK_RC (mt_client_request (s_client, msg, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->applied == 3);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    s_start_shard (0, 1);
    MT_CHECK (s_wait_state (0, 1, "serving", 10000));
    long long until = mt_test_now_ms () + 15000;
    bool purged = false;
    while (!purged && mt_test_now_ms () < until) {
        purged = !s_files_hold_case (0, 0, gone, where, sizeof where)
              && !s_files_hold_case (0, 1, gone, where, sizeof where);
        if (!purged)
            mt_test_sleep_ms (200);
    }
    if (!purged)
        fprintf (stderr, "a removed face is still in %s\n", where);
    MT_CHECK (purged);
    MT_CHECK (s_files_hold_case (0, 0, kept, where, sizeof where));
    MT_CHECK (s_files_hold_case (0, 1, kept, where, sizeof where));
    //  Each replica answers alone: the removed faces are not found, the
    //  kept ones are.
    for (int r = 0; r < R; r++) {
        s_kill_shard (0, 1 - r);
        uint64_t faces [6];
        for (int i = 0; i < 3; i++) {
            faces [i] = (gone - 1) * 3 + 1 + (uint64_t) i;
            faces [3 + i] = (kept - 1) * 3 + 1 + (uint64_t) i;
        }
        s_search_result_t found_gone = { 0 }, found_kept = { 0 };
        s_search (faces, 3, &found_gone);
        s_search (faces + 3, 3, &found_kept);
        MT_CHECK_INT (found_gone.found, 0);
        MT_CHECK_INT (found_kept.found, 3);
        s_start_shard (0, 1 - r);
        MT_CHECK (s_wait_state (0, 1 - r, "serving", 10000));
    }
}

//  The broker's count of partitions, whether faces are moving (or a
//  partition waits to be used), and the found faces of each partition's
//  replica 0 (in faces [0..P]), summed in the return value.
static uint64_t
s_partition_faces (uint32_t *partitions_p, bool *busy_p, uint64_t faces [P + 1])
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t err;
    uint64_t total = 0;
    memset (faces, 0, (P + 1) * sizeof *faces);
    *partitions_p = 0;
    *busy_p = true;
    if (mt_client_request (s_client, msg, 2000, &reply, &err) == MT_OK) {
        *partitions_p = reply->partitions;
        *busy_p = reply->adding || reply->rehoming;
        for (size_t i = 0; i < reply->replica_count; i++) {
            const mt_shard_status_t *r = &reply->replica_status [i];
            if (r->replica == 0 && r->partition <= P) {
                faces [r->partition] = r->found_count;
                total += r->found_count;
            }
        }
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return total;
}

//  `homeward index add-partition` while one client searches and another
//  enrolls and removes: no write is lost, every answer is complete and
//  right, and afterwards every face is in its partition under the new
//  count, the new one included (checked through the counts).
static void
test_add_partition_under_load (void)
{
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++)
            MT_CHECK (s_wait_state (p, r, "serving", 10000));
    uint32_t partitions = 0;
    bool busy = true;
    uint64_t faces [P + 1];
    //  A case that will belong to the new partition, removed while it moves.
    uint64_t gone = 20000;
    while (mt_partition_of (gone, P + 1) != P)
        gone++;
    uint64_t before = s_partition_faces (&partitions, &busy, faces);
    MT_CHECK_INT (partitions, P);
    MT_CHECK (!busy);
    MT_CHECK_RC (s_enroll_case (gone), MT_OK, NULL);

    char *out = NULL, *err = NULL;
    char key [1100], broker_key [1100];
    snprintf (key, sizeof key, "HOMEWARD_KEY=%s", C.client.key);
    snprintf (broker_key, sizeof broker_key, "HOMEWARD_BROKER_KEY=%s", C.client.server_key);
    char *env [] = { key, broker_key, NULL };
    char *add [] = { S_HOMEWARD, "index", "add-partition", "--broker", C.front, NULL };
    MT_CHECK_INT (mt_test_run (add, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "partition 2 added: start its replicas now");
    free (out), free (err);
    MT_CHECK_INT (mt_test_run (add, env, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "partition 2 is being added already");
    free (out), free (err);

    s_load_t load = { 0 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_search_load, &load);
    C.added = s_spawn_shard (P, 0, "3");
    //  A write refused (a partition's only replica dropped on a busy machine:
    //  "nothing was written, try again later") is sent again, as a client does.
    uint64_t next = 60001, enrolled = 0;
    size_t refused = 0;
    bool removed = false;
    long long until = mt_test_now_ms () + 60000;
    do {
        int rc = s_enroll (next, 30, NULL);
        if (rc == MT_EUNAVAILABLE) {
            refused++;
            mt_test_sleep_ms (50);
            continue;
        }
        MT_CHECK_RC (rc, MT_OK, NULL);
        next += 30;
        enrolled += 30;
        s_partition_faces (&partitions, &busy, faces);
        if (!removed && partitions == P + 1) {
            mt_msg_t *msg = mt_msg_new (MT_MSG_REMOVE), *reply = NULL;
            msg->case_id = gone;
            mt_err_t why;
            rc = mt_client_request (s_client, msg, 5000, &reply, &why);
            if (rc == MT_OK) {
                //  A face caught between its copy and its removal from the
                //  old partition is counted in both.
                MT_CHECK (reply && reply->applied >= 3 && reply->applied <= 6);
                removed = true;
            }
            else
                MT_CHECK_RC (rc, MT_EUNAVAILABLE, &why);
            mt_msg_destroy (&msg);
            mt_msg_destroy (&reply);
        }
    } while ((partitions != P + 1 || busy || enrolled < 600 || !removed)
             && mt_test_now_ms () < until);
    load.stop = 1;
    pthread_join (thread, NULL);
    MT_CHECK_INT (partitions, P + 1);
    MT_CHECK (!busy);
    MT_CHECK (removed);

    s_search_result_t *r = &load.result;
    fprintf (stderr, "searches while partition %d was added: %zu queries, %zu found, %zu "
             "answers flagged partial, worst %lld ms; %zu writes refused and sent again\n", P,
             r->queries, r->found, r->partial, r->worst_ms, refused);
    MT_CHECK (r->queries > 100);
    //  Never an incomplete answer without the flag (a flagged one comes only
    //  when a partition's replicas all missed the deadline).
    MT_CHECK_INT (r->unflagged_missed, 0);
    MT_CHECK (r->found + 20 * r->partial >= r->queries);
    //  No write lost; the new partition holds its share. (The counts come
    //  with the replicas' heartbeats: give the last removal one to arrive.)
    uint64_t after = 0;
    until = mt_test_now_ms () + 3000;
    do {
        mt_test_sleep_ms (100);
        after = s_partition_faces (&partitions, &busy, faces);
    } while (after != before + enrolled && mt_test_now_ms () < until);
    fprintf (stderr, "faces: %llu before, %llu after (%llu %llu %llu per partition)\n",
             (unsigned long long) before, (unsigned long long) after,
             (unsigned long long) faces [0], (unsigned long long) faces [1],
             (unsigned long long) faces [2]);
    MT_CHECK_INT (after, before + enrolled);
    MT_CHECK (faces [P] * 5 > after);
    s_search_result_t old = s_search_range (1, 300), grown = s_search_range (60001, next - 1);
    MT_CHECK_INT (old.found, old.queries);
    MT_CHECK_INT (grown.found, grown.queries);
    MT_CHECK_INT (old.partial + grown.partial, 0);
    uint64_t gone_faces [3] = { (gone - 1) * 3 + 1, (gone - 1) * 3 + 2, gone * 3 };
    s_search_result_t erased = { 0 };
    s_search (gone_faces, 3, &erased);
    MT_CHECK_INT (erased.found, 0);

    char *stats [] = { S_HOMEWARD, "index", "stats", "--broker", C.front, NULL };
    MT_CHECK_INT (mt_test_run (stats, env, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "3 partitions");
    MT_CHECK_CONTAINS (out, "every face is in its partition");
    MT_CHECK_CONTAINS (out, "replica 2.0  serving");
    free (out), free (err);
    char path [300];
    snprintf (path, sizeof path, "%s/broker.state", C.dir);
    char *state = mt_test_read (path, NULL);
    MT_CHECK_CONTAINS (state, "partitions 3");
    free (state);
}

static void
test_clean_shutdown (void)
{
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++) {
            int status = mt_test_kill (C.shard [p][r], SIGTERM);
            MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
            C.shard [p][r] = -1;
        }
    if (C.added > 0) {
        int status = mt_test_kill (C.added, SIGTERM);
        MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
        C.added = -1;
    }
    int status = mt_test_kill (C.broker, SIGTERM);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    C.broker = -1;
}

int
main (void)
{
    int front = mt_test_free_port (), back = mt_test_free_port ();
    snprintf (C.front, sizeof C.front, "tcp://127.0.0.1:%d", front);
    snprintf (C.back, sizeof C.back, "tcp://127.0.0.1:%d", back);
    snprintf (C.dir, sizeof C.dir, "%s", mt_test_tmpdir ());
    snprintf (C.log, sizeof C.log, "%s/cluster.log", C.dir);
    s_make_keys ();
    s_start_broker ();
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++)
            s_start_shard (p, r);
    mt_err_t err;
    if (mt_client_new (C.front, &C.client, &s_client, &err) != MT_OK
    ||  mt_client_wait_ready (s_client, 10000, &err) != MT_OK) {
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
    mt_client_destroy (&s_client);
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++)
            if (C.shard [p][r] > 0)
                mt_test_kill (C.shard [p][r], SIGKILL);
    if (C.added > 0)
        mt_test_kill (C.added, SIGKILL);
    if (C.broker > 0)
        mt_test_kill (C.broker, SIGKILL);
    if (mt_test_failures) {
        //  The processes' logs tell what happened.
        char *log = mt_test_read (C.log, NULL);
        fprintf (stderr, "---- cluster log ----\n%s\n", log ? log : "(none)");
        free (log);
    }
    mt_zmq_shutdown ();
    return MT_TEST_MAIN_END ();
}
