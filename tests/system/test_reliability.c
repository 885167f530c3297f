//  Reliability suite: the multi-process deployment on loopback (a broker,
//  2 partitions x 2 shard replicas, the results service, intake workers and
//  the gateway, each its own process with its own CURVE key, configured by
//  deploy/multiprocess/*.conf) under a bounded load, while each kind of
//  process in turn is killed with SIGKILL and restarted.
//
//  The load: station staff file missing reports and found persons with a
//  photo each through the HTTP API (retrying what was not acknowledged,
//  with the same external reference, as a client should), a police liaison
//  reviews candidates, and a client searches the index directly.
//
//  Checked at the end, with every process back: no acknowledged case,
//  photo, face or review lost; none twice; every face in every replica of
//  its partition; every search answered (complete or flagged partial)
//  within its deadline while the broker was up. The figures are printed.

#include "mt_test.h"
#include "mt_test_store.h"
#include "mt_test_http.h"

#include "wire/mt_client.h"
#include "wire/mt_msg.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"
#define S_CONF MT_TEST_SOURCE "/deploy/multiprocess"
#define S_PASSWORD "reliability password"
#define S_MAX_PEOPLE 120
#define S_HTTP_TIMEOUT_MS 45000
#define S_SEARCH_DEADLINE_MS 2000
//  Instrumented code (ASan, UBSan) runs several times slower on the same
//  two cores: a lighter load, and more time for an answer to come back.
#ifdef MT_SANITIZED
#   define S_PACE_MS 1500
#   define S_SLACK_MS 4000
#else
#   define S_PACE_MS 700
#   define S_SLACK_MS 1000
#endif

//  ---------------------------------------------------------------- processes

enum { P_BROKER, P_SHARD_00, P_SHARD_01, P_SHARD_10, P_SHARD_11, P_RESULTS, P_INTAKE,
       P_GATEWAY, P_COUNT };
static const char *s_proc_names [P_COUNT] = {
    "broker", "shard-0-0", "shard-0-1", "shard-1-0", "shard-1-1", "results", "intake",
    "gateway"
};

static struct {
    char dir [300], keys [320], log [340];
    char db [1024];                 //  the case store (mt_test_store.h)
    char front [64], back [64], api [64];
    int http;
    int pid [P_COUNT];
    mt_curve_config_t client;
    char tokens [2][80];            //  staff, police
    atomic_bool broker_down, stop;
    atomic_int broker_kills;        //  a search across a kill is excused whenever it ends
} S;

static void
s_key (char *out, size_t size, const char *name, const char *ext)
{
    snprintf (out, size, "%s/%s.%s", S.keys, name, ext);
}

//  Append the words of rest to argv at *n.
static void
s_args (char **argv, int *n, char *const *rest, size_t count)
{
    for (size_t i = 0; i < count; i++)
        argv [(*n)++] = rest [i];
    argv [*n] = NULL;
}

static void
s_start (int which)
{
    //  Every buffer the arguments point into lives until the spawn.
    char key [400], peer [400], dir [400], auth [400], conf [400], port [16];
    char partition [8], replica [8], photos [400], users [400];
    const char *name = s_proc_names [which];
    s_key (key, sizeof key, name, "key");
    char *argv [32] = { S_HOMEWARD };
    int n = 1;
    if (which == P_BROKER) {
        snprintf (conf, sizeof conf, "%s/broker.conf", S_CONF);
        snprintf (auth, sizeof auth, "%s/broker-clients", S.keys);
        snprintf (dir, sizeof dir, "%s/broker.state", S.dir);
        char *rest [] = { "broker", "--config", conf, "--front", S.front, "--back", S.back,
                          "--state", dir, "--key", key, "--authorized-keys", auth };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which >= P_SHARD_00 && which <= P_SHARD_11) {
        int p = (which - P_SHARD_00) / 2, r = (which - P_SHARD_00) % 2;
        snprintf (partition, sizeof partition, "%d", p);
        snprintf (replica, sizeof replica, "%d", r);
        snprintf (conf, sizeof conf, "%s/shard.conf", S_CONF);
        snprintf (dir, sizeof dir, "%s/shards/%d-%d", S.dir, p, r);
        s_key (peer, sizeof peer, "broker", "pub");
        char *rest [] = { "shard", "--config", conf, "--broker", S.back, "--partition",
                          partition, "--replica", replica, "--data-dir", dir, "--key", key,
                          "--broker-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which == P_RESULTS) {
        snprintf (conf, sizeof conf, "%s/results.conf", S_CONF);
        snprintf (photos, sizeof photos, "%s/photos", S.dir);
        snprintf (auth, sizeof auth, "%s/results-clients", S.keys);
        s_key (peer, sizeof peer, "broker", "pub");
        char *rest [] = { "results", "--config", conf, "--api", S.api, "--broker", S.front,
                          "--db", S.db, "--photos", photos, "--key", key, "--authorized-keys",
                          auth, "--broker-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which == P_INTAKE) {
        snprintf (conf, sizeof conf, "%s/intake.conf", S_CONF);
        s_key (peer, sizeof peer, "results", "pub");
        char *rest [] = { "intake", "--config", conf, "--results", S.api, "--key", key,
                          "--results-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else {
        snprintf (users, sizeof users, "%s/users.db", S.dir);
        snprintf (port, sizeof port, "%d", S.http);
        s_key (peer, sizeof peer, "results", "pub");
        char *rest [] = { "gateway", "--port", port, "--results", S.api, "--users", users,
                          "--key", key, "--results-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    S.pid [which] = mt_test_spawn (argv, S.log);
}

//  Key pairs by `homeward keygen`; each server's folder of client keys.
static void
s_make_keys (void)
{
    snprintf (S.keys, sizeof S.keys, "%s/keys", S.dir);
    char broker_clients [400], results_clients [400];
    snprintf (broker_clients, sizeof broker_clients, "%s/broker-clients", S.keys);
    snprintf (results_clients, sizeof results_clients, "%s/results-clients", S.keys);
    mkdir (S.keys, 0700);
    mkdir (broker_clients, 0700);
    mkdir (results_clients, 0700);
    for (int i = 0; i <= P_COUNT; i++) {
        const char *name = i < P_COUNT ? s_proc_names [i] : "test";
        char base [400], *out, *err;
        snprintf (base, sizeof base, "%s/%s", S.keys, name);
        char *argv [] = { S_HOMEWARD, "keygen", base, NULL };
        MT_CHECK_INT (mt_test_run (argv, NULL, &out, &err), 0);
        free (out), free (err);
        bool of_broker = i != P_BROKER && i != P_INTAKE && i != P_GATEWAY;
        bool of_results = i == P_INTAKE || i == P_GATEWAY || i == P_COUNT;
        char from [420], to [480];
        snprintf (from, sizeof from, "%s.pub", base);
        char *pub = mt_test_read (from, NULL);
        for (int side = 0; pub && side < 2; side++)
            if (side == 0 ? of_broker : of_results) {
                snprintf (to, sizeof to, "%s/%s.pub", side == 0 ? broker_clients
                                                                 : results_clients, name);
                MT_CHECK (mt_test_write (to, pub, strlen (pub)) == 0);
            }
        free (pub);
    }
    s_key (S.client.key, sizeof S.client.key, "test", "key");
    s_key (S.client.server_key, sizeof S.client.server_key, "broker", "pub");
}

static void
s_make_users (void)
{
    char users [400];
    snprintf (users, sizeof users, "%s/users.db", S.dir);
    char *env [] = { "HOMEWARD_PASSWORD=" S_PASSWORD, NULL };
    char *staff [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "staff", "--role",
                       "station_staff", "--station", "Test station", "--province", "11", NULL };
    char *police [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "police",
                        "--role", "police_liaison", "--province", "11", NULL };
    char *admin [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "admin", "--role",
                       "admin", NULL };
    char **all [] = { staff, police, admin };
    for (int i = 0; i < 3; i++) {
        char *out, *err;
        MT_CHECK_INT (mt_test_run (all [i], env, &out, &err), 0);
        free (out), free (err);
    }
}

//  ---------------------------------------------------------------- figures

static struct {
    pthread_mutex_t lock;
    long requests, failures;
    long queries, answered, partial, unanswered, late, unavailable;
    long long worst_query_ms;
    int kills;
} F = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
s_count (long *what, long by)
{
    pthread_mutex_lock (&F.lock);
    *what += by;
    pthread_mutex_unlock (&F.lock);
}

//  ---------------------------------------------------------------- the load

typedef struct {
    char ref [32];
    int person;
    bool found;
    int64_t case_id;                //  0 until acknowledged
    int64_t photo_id;               //  0 until acknowledged
    bool reviewed;                  //  acknowledged review (found cases)
    int64_t reviewed_with;
} s_case_t;

static s_case_t s_cases [2 * S_MAX_PEOPLE];
static atomic_int s_case_count;

//  The LFW people of tests/data (mt_test_lfw_people), set first in main.
static const char *const *s_people;
static int s_people_count;
#define S_PEOPLE s_people_count

static const char *
s_text (json_t *value)
{
    return json_is_string (value) ? json_string_value (value) : "";
}

static bool
s_ok (int status)
{
    return status >= 200 && status < 300;
}

//  Repeat a request until it is acknowledged (2xx) or refused for a reason
//  a retry cannot mend (4xx but 401/408/429); unanswered and 5xx are
//  retried, as a client of a service that restarts must.
typedef int (*s_request_fn) (void *arg, json_t **reply);

static int
s_until_acknowledged (s_request_fn fn, void *arg, json_t **reply_p)
{
    long long until = mt_test_now_ms () + 180000;
    int status = 0;
    while (mt_test_now_ms () < until) {
        json_t *reply = NULL;
        status = fn (arg, &reply);
        s_count (&F.requests, 1);
        if (s_ok (status)) {
            *reply_p = reply;
            return status;
        }
        s_count (&F.failures, 1);
        if (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429) {
            char *text = reply ? json_dumps (reply, 0) : NULL;
            fprintf (stderr, "reliability: refused with %d: %s\n", status, text ? text : "");
            free (text);
            json_decref (reply);
            return status;
        }
        json_decref (reply);
        mt_test_sleep_ms (250);
    }
    return status;
}

static int
s_add_case (void *arg, json_t **reply)
{
    s_case_t *c = arg;
    json_t *body = c->found
        ? json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "found", "sex", "unknown",
                     "province", 11, "date_found", "2021-06-01", "consent_basis",
                     "vital_interests", "external_ref", c->ref)
        : json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "kind", "missing", "sex",
                     "unknown", "province", 11, "date_last_seen", "2020-01-02", "family_name",
                     s_people [c->person], "consent_basis", "family", "consent_by", "family",
                     "external_ref", c->ref);
    int status = mt_test_http_json (S.http, "POST", "/api/v1/cases", S.tokens [0], body,
                                    S_HTTP_TIMEOUT_MS, reply);
    json_decref (body);
    return status;
}

static int
s_add_photo (void *arg, json_t **reply)
{
    s_case_t *c = arg;
    char path [64], file [256], relative [128];
    snprintf (path, sizeof path, "/api/v1/cases/%lld/photos", (long long) c->case_id);
    snprintf (relative, sizeof relative, "lfw/%s/%d.jpg", s_people [c->person],
              c->found ? 2 : 1);
    snprintf (file, sizeof file, "%s", mt_test_data (relative));
    return mt_test_http_upload (S.http, path, S.tokens [0], file, S_HTTP_TIMEOUT_MS, reply);
}

//  Files reports and found persons, one person after another, while the
//  chaos runs; then stops.
static void *
s_writer (void *arg)
{
    (void) arg;
    //  Paced, so that the load spans all the kills.
    long long next = mt_test_now_ms ();
    for (int i = 0; !S.stop && i < S_MAX_PEOPLE; i++, next += S_PACE_MS) {
        while (mt_test_now_ms () < next && !S.stop)
            mt_test_sleep_ms (20);
        for (int found = 0; found < 2; found++) {
            s_case_t *c = &s_cases [2 * i + found];
            c->person = i % S_PEOPLE;
            c->found = found;
            snprintf (c->ref, sizeof c->ref, "rel-%s-%d", found ? "f" : "m", i);
            atomic_fetch_add (&s_case_count, 1);
            json_t *reply = NULL;
            if (!s_ok (s_until_acknowledged (s_add_case, c, &reply)))
                continue;
            int64_t id = (int64_t) json_integer_value (json_object_get (reply, "case_id"));
            json_decref (reply);
            c->case_id = id;
            if (s_ok (s_until_acknowledged (s_add_photo, c, &reply)))
                c->photo_id = (int64_t) json_integer_value (json_object_get (reply,
                                                                             "photo_id"));
            json_decref (reply);
        }
    }
    return NULL;
}

typedef struct {
    s_case_t *found;
    int64_t missing;
    char note [48];
} s_review_t;

//  A review is acknowledged, or already in the trail from an attempt whose
//  answer was lost: then it is not sent twice.
static int
s_review (void *arg, json_t **reply)
{
    s_review_t *r = arg;
    char path [64];
    snprintf (path, sizeof path, "/api/v1/cases/%lld/reviews", (long long) r->found->case_id);
    json_t *trail = NULL;
    int status = mt_test_http_json (S.http, "GET", path, S.tokens [1], NULL, S_HTTP_TIMEOUT_MS,
                                    &trail);
    if (!s_ok (status)) {
        json_decref (trail);
        return status;
    }
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (trail, "reviews"), i, entry) {
        const char *note = json_string_value (json_object_get (entry, "note"));
        if (note && strcmp (note, r->note) == 0) {
            *reply = trail;
            return 200;
        }
    }
    json_decref (trail);
    json_t *body = json_pack ("{s:I, s:I, s:s, s:s}", "case_id", (json_int_t) r->found->case_id,
                              "candidate", (json_int_t) r->missing, "state", "dna_requested",
                              "note", r->note);
    status = mt_test_http_json (S.http, "POST", "/api/v1/reviews", S.tokens [1], body,
                                S_HTTP_TIMEOUT_MS, reply);
    json_decref (body);
    return status;
}

//  The police liaison: for each found case with candidates, asks for a DNA
//  test on the best one.
static void *
s_reviewer (void *arg)
{
    (void) arg;
    int next = 0;
    while (!S.stop || next < atomic_load (&s_case_count)) {
        s_case_t *c = next < atomic_load (&s_case_count) ? &s_cases [next] : NULL;
        if (!c || (c->found && !c->photo_id && !S.stop)) {
            mt_test_sleep_ms (200);
            continue;
        }
        next++;
        if (!c->found || !c->photo_id)
            continue;
        char path [80];
        snprintf (path, sizeof path, "/api/v1/cases/%lld/candidates?limit=5",
                  (long long) c->case_id);
        int64_t best = 0;
        long long until = mt_test_now_ms () + 120000;
        while (!best && mt_test_now_ms () < until) {
            json_t *list = NULL;
            s_count (&F.requests, 1);
            if (s_ok (mt_test_http_json (S.http, "GET", path, S.tokens [1], NULL,
                                         S_HTTP_TIMEOUT_MS, &list)))
                best = (int64_t) json_integer_value (json_object_get (
                    json_array_get (json_object_get (list, "candidates"), 0), "case_id"));
            else
                s_count (&F.failures, 1);
            json_decref (list);
            if (!best)
                mt_test_sleep_ms (500);
        }
        if (!best)
            continue;
        s_review_t r = { .found = c, .missing = best };
        snprintf (r.note, sizeof r.note, "reliability %.31s", c->ref);
        json_t *reply = NULL;
        if (s_ok (s_until_acknowledged (s_review, &r, &reply))) {
            c->reviewed = true;
            c->reviewed_with = best;
        }
        json_decref (reply);
    }
    return NULL;
}

//  Wait (at most 60 s) until the broker answers a search, whatever the
//  answer: a client of its own, as a new client would see it.
static void
s_wait_broker_answers (void)
{
    mt_client_t *client = NULL;
    mt_err_t err;
    if (mt_client_new (S.front, &S.client, &client, &err) != MT_OK)
        return;
    long long until = mt_test_now_ms () + 60000;
    while (mt_test_now_ms () < until) {
        mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
        msg->ns = 1;
        msg->k = 1;
        msg->query_count = 1;
        msg->deadline_ms = 500;
        msg->vectors = calloc (MT_DIM, sizeof (float));
        msg->vectors [0] = 1;
        int rc = mt_client_request (client, msg, 1000, &reply, &err);
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
        if (rc == MT_OK || rc == MT_EUNAVAILABLE)
            break;
    }
    mt_client_destroy (&client);
}

//  Searches the index directly, as the results service does: each answer
//  complete or flagged partial, within its deadline.
static void *
s_searcher (void *arg)
{
    (void) arg;
    mt_client_t *client = NULL;
    mt_err_t err;
    if (mt_client_new (S.front, &S.client, &client, &err) != MT_OK) {
        fprintf (stderr, "reliability: searcher: %s\n", err.msg);
        return NULL;
    }
    uint64_t x = 88172645463325252ull;
    while (!S.stop) {
        mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
        msg->ns = (x & 1) ? 1 : 2;
        msg->k = 10;
        msg->query_count = 1;
        msg->deadline_ms = S_SEARCH_DEADLINE_MS;
        msg->vectors = malloc (MT_DIM * sizeof (float));
        double norm = 0;
        for (int d = 0; d < MT_DIM; d++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            msg->vectors [d] = (float) ((double) (x >> 11) / 9007199254740992.0 - 0.5);
            norm += msg->vectors [d] * msg->vectors [d];
        }
        for (int d = 0; d < MT_DIM; d++)
            msg->vectors [d] = (float) (msg->vectors [d] / sqrt (norm));
        bool broker_down = S.broker_down;
        int kills = S.broker_kills;
        long long start = mt_test_now_ms ();
        int rc = mt_client_request (client, msg, S_SEARCH_DEADLINE_MS + S_SLACK_MS + 2000, &reply,
                                    &err);
        long long took = mt_test_now_ms () - start;
        //  Sent before a kill, its timeout may end after the broker is back.
        broker_down |= S.broker_down || S.broker_kills != kills;
        pthread_mutex_lock (&F.lock);
        F.queries++;
        if (rc == MT_OK) {
            F.answered++;
            F.partial += reply->partial;
            F.worst_query_ms = took > F.worst_query_ms ? took : F.worst_query_ms;
            //  The broker's deadline, plus the slack for the trip and
            //  scheduling on a loaded two-core machine.
            if (took > S_SEARCH_DEADLINE_MS + S_SLACK_MS) {
                F.late++;
                fprintf (stderr, "reliability: a search took %lld ms\n", took);
            }
        }
        else
        if (rc == MT_EUNAVAILABLE)
            F.unavailable++;        //  said at once: nothing to search (e.g. just restarted)
        else {
            F.unanswered++;
            if (!broker_down) {
                F.late++;
                fprintf (stderr, "reliability: a search got no answer (%s) while the broker "
                         "was up\n", err.msg);
            }
        }
        pthread_mutex_unlock (&F.lock);
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
        mt_test_sleep_ms (100);
    }
    mt_client_destroy (&client);
    return NULL;
}

//  ---------------------------------------------------------------- checks

//  A gauge of /metrics (-1 if absent).
static long long
s_metric (const char *name)
{
    mt_http_reply_t reply;
    mt_test_http (S.http, "GET", "/metrics", NULL, NULL, 0, 10000, &reply);
    long long value = -1;
    char pattern [96];
    snprintf (pattern, sizeof pattern, "\n%s ", name);
    const char *at = reply.body ? strstr (reply.body, pattern) : NULL;
    if (at)
        value = atoll (at + strlen (pattern));
    free (reply.body);
    return value;
}

static bool
s_quiet (void)
{
    return s_metric ("homeward_photos_pending") == 0 && s_metric ("homeward_match_queue") == 0
        && s_metric ("homeward_faces_not_enrolled") == 0
        && s_metric ("homeward_removal_queue") == 0;
}

//  Faces per replica, as the replicas report them to the broker.
static bool
s_index_faces (uint64_t faces [2][2])
{
    mt_client_t *client = NULL;
    mt_err_t err;
    bool ok = false;
    if (mt_client_new (S.front, &S.client, &client, &err) == MT_OK) {
        mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
        if (mt_client_request (client, msg, 5000, &reply, &err) == MT_OK) {
            memset (faces, 0, 4 * sizeof faces [0][0]);
            int seen = 0;
            for (size_t i = 0; i < reply->replica_count; i++) {
                uint32_t p = reply->replica_status [i].partition;
                uint32_t r = reply->replica_status [i].replica;
                if (p < 2 && r < 2 && strcmp (reply->replica_status [i].state, "serving") == 0) {
                    faces [p][r] = reply->replica_status [i].missing_count
                                 + reply->replica_status [i].found_count;
                    seen++;
                }
            }
            ok = seen == 4;
        }
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
    }
    mt_client_destroy (&client);
    return ok;
}

static void
s_sign_in (void)
{
    const char *names [2] = { "staff", "police" };
    for (int i = 0; i < 2; i++) {
        json_t *body = json_pack ("{s:s, s:s, s:b}", "name", names [i], "password", S_PASSWORD,
                                  "bearer", 1), *reply = NULL;
        int status = mt_test_http_json (S.http, "POST", "/api/v1/session", NULL, body, 30000,
                                        &reply);
        MT_CHECK_INT (status, 200);
        snprintf (S.tokens [i], sizeof S.tokens [i], "%s",
                  s_text (json_object_get (reply, "token")));
        json_decref (body);
        json_decref (reply);
    }
}

static void
test_kill_each_kind_under_load (void)
{
    pthread_t writer, reviewer, searcher;
    pthread_create (&writer, NULL, s_writer, NULL);
    pthread_create (&reviewer, NULL, s_reviewer, NULL);
    pthread_create (&searcher, NULL, s_searcher, NULL);
    //  Each kind in turn: SIGKILL, two seconds down, restart, let it settle.
    static const int order [] = { P_SHARD_00, P_BROKER, P_RESULTS, P_INTAKE, P_GATEWAY,
                                  P_SHARD_11, P_RESULTS, P_SHARD_01 };
    mt_test_sleep_ms (6000);
    for (size_t i = 0; i < sizeof order / sizeof order [0]; i++) {
        int which = order [i];
        fprintf (stderr, "reliability: kill -9 %s\n", s_proc_names [which]);
        if (which == P_BROKER) {
            S.broker_down = true;
            S.broker_kills++;
        }
        mt_test_kill (S.pid [which], SIGKILL);
        F.kills++;
        mt_test_sleep_ms (2000);
        s_start (which);
        if (which == P_BROKER) {
            //  Down until it answers a client again (a restart on a loaded
            //  machine may take longer than any fixed wait), then until
            //  the shards are back.
            s_wait_broker_answers ();
            mt_test_sleep_ms (3000);
            S.broker_down = false;
        }
        mt_test_sleep_ms (6000);
    }
    S.stop = true;
    pthread_join (writer, NULL);
    pthread_join (reviewer, NULL);
    pthread_join (searcher, NULL);

    //  Everything back: wait until the work in flight is done.
    long long until = mt_test_now_ms () + 300000;
    while (!s_quiet () && mt_test_now_ms () < until)
        mt_test_sleep_ms (500);
    MT_CHECK (s_quiet ());

    //  Cases and photos: every acknowledged one there, once.
    long lost = 0, duplicates = 0, cases = 0, photos = 0, reviews = 0;
    int total = atomic_load (&s_case_count);
    for (int i = 0; i < total; i++) {
        s_case_t *c = &s_cases [i];
        if (!c->case_id)
            continue;
        cases++;
        char path [64];
        snprintf (path, sizeof path, "/api/v1/cases/%lld", (long long) c->case_id);
        json_t *got = NULL;
        int status = mt_test_http_json (S.http, "GET", path, S.tokens [0], NULL, 30000, &got);
        const char *ref = json_string_value (json_object_get (got, "external_ref"));
        if (status != 200 || !ref || strcmp (ref, c->ref) != 0) {
            fprintf (stderr, "reliability: case %s (%lld) LOST (%d)\n", c->ref,
                     (long long) c->case_id, status);
            lost++;
        }
        size_t listed = json_array_size (json_object_get (got, "photo_list"));
        if (c->photo_id) {
            photos++;
            bool there = false;
            size_t k;
            json_t *p;
            json_array_foreach (json_object_get (got, "photo_list"), k, p)
                if (json_integer_value (json_object_get (p, "photo_id")) == c->photo_id) {
                    there = true;
                    if (strcmp (s_text (json_object_get (p, "state")), "done")
                    ||  json_integer_value (json_object_get (p, "faces")) < 1) {
                        fprintf (stderr, "reliability: photo %lld of %s has no face\n",
                                 (long long) c->photo_id, c->ref);
                        lost++;
                    }
                }
            if (!there) {
                fprintf (stderr, "reliability: photo %lld of %s LOST\n",
                         (long long) c->photo_id, c->ref);
                lost++;
            }
        }
        if (listed > 1) {
            fprintf (stderr, "reliability: case %s has %zu photos, one was sent\n", c->ref,
                     listed);
            duplicates += (long) listed - 1;
        }
        json_decref (got);
        if (c->reviewed) {
            reviews++;
            snprintf (path, sizeof path, "/api/v1/cases/%lld/reviews", (long long) c->case_id);
            json_t *trail = NULL;
            mt_test_http_json (S.http, "GET", path, S.tokens [1], NULL, 30000, &trail);
            char note [48];
            snprintf (note, sizeof note, "reliability %.31s", c->ref);
            int times = 0;
            size_t k;
            json_t *entry;
            json_array_foreach (json_object_get (trail, "reviews"), k, entry)
                times += json_string_value (json_object_get (entry, "note"))
                      && strcmp (json_string_value (json_object_get (entry, "note")), note) == 0;
            if (times == 0)
                fprintf (stderr, "reliability: review of %s LOST\n", c->ref);
            lost += times == 0;
            duplicates += times > 1 ? times - 1 : 0;
            json_decref (trail);
        }
    }
    //  No case filed twice: as many cases as references sent.
    json_t *list = NULL;
    mt_test_http_json (S.http, "GET", "/api/v1/cases?limit=500", S.tokens [0], NULL, 30000,
                       &list);
    long listed = (long) json_array_size (json_object_get (list, "cases"));
    json_decref (list);
    if (listed > total) {
        fprintf (stderr, "reliability: %ld cases for %d references\n", listed, total);
        duplicates += listed - total;
    }
    //  Faces: every one of the database in every replica of its partition.
    //  Replicas report their counts in their heartbeats: give the last
    //  writes' counts a few heartbeats to arrive before comparing.
    long long db_faces = s_metric ("homeward_faces");
    uint64_t faces [2][2] = { { 0 } };
    long long settle = mt_test_now_ms () + 20000;
    bool counted = false;
    while (mt_test_now_ms () < settle) {
        counted = s_index_faces (faces);
        if (counted && faces [0][0] == faces [0][1] && faces [1][0] == faces [1][1]
        &&  (long long) (faces [0][0] + faces [1][0]) == db_faces)
            break;
        mt_test_sleep_ms (250);
    }
    MT_CHECK (counted);
    long long index_faces = (long long) (faces [0][0] + faces [1][0]);
    MT_CHECK (faces [0][0] == faces [0][1] && faces [1][0] == faces [1][1]);
    MT_CHECK_INT (index_faces, db_faces);
    if (index_faces < db_faces)
        lost += db_faces - index_faces;
    else
        duplicates += index_faces - db_faces;

    printf ("reliability: %d kills (broker, 4 shard replicas, results twice, intake, gateway)\n"
            "reliability: requests %ld, failures %ld (retried), acknowledged: cases %ld, "
            "photos %ld, faces %lld, reviews %ld\n"
            "reliability: searches %ld: answered %ld (partial %ld), refused at once %ld, "
            "unanswered %ld (broker down), late %ld; slowest answer %lld ms\n"
            "reliability: lost=%ld duplicates=%ld\n",
            F.kills, F.requests, F.failures, cases, photos, db_faces, reviews, F.queries,
            F.answered, F.partial, F.unavailable, F.unanswered, F.late, F.worst_query_ms, lost,
            duplicates);
    MT_CHECK_INT (lost, 0);
    MT_CHECK_INT (duplicates, 0);
    MT_CHECK_INT (F.late, 0);
    MT_CHECK (cases >= 20 && photos >= 20 && reviews >= 5);
}

int
main (void)
{
    s_people_count = (int) mt_test_lfw_people (&s_people);
    snprintf (S.dir, sizeof S.dir, "%s", mt_test_tmpdir ());
    {
        char path [400];
        snprintf (path, sizeof path, "%s/homeward.db", S.dir);
        mt_test_store_new (S.db, sizeof S.db, path);
    }
    snprintf (S.log, sizeof S.log, "%s/processes.log", S.dir);
    snprintf (S.front, sizeof S.front, "tcp://127.0.0.1:%d", mt_test_free_port ());
    snprintf (S.back, sizeof S.back, "tcp://127.0.0.1:%d", mt_test_free_port ());
    snprintf (S.api, sizeof S.api, "tcp://127.0.0.1:%d", mt_test_free_port ());
    S.http = mt_test_free_port ();
    s_make_keys ();
    s_make_users ();
    for (int i = 0; i < P_COUNT; i++)
        s_start (i);
    long long until = mt_test_now_ms () + 60000;
    uint64_t faces [2][2];
    while (mt_test_now_ms () < until && !(s_index_faces (faces) && s_metric ("homeward_faces") >= 0))
        mt_test_sleep_ms (200);
    s_sign_in ();
    if (!mt_test_failures)
        MT_RUN (test_kill_each_kind_under_load);
    for (int i = P_COUNT - 1; i >= 0; i--)
        if (S.pid [i] > 0) {
            int status = mt_test_kill (S.pid [i], SIGTERM);
            if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
                fprintf (stderr, "reliability: %s did not stop cleanly\n", s_proc_names [i]);
                mt_test_failures++;
            }
        }
    if (mt_test_failures) {
        char *log = mt_test_read (S.log, NULL);
        size_t length = log ? strlen (log) : 0;
        fprintf (stderr, "---- processes (last 12000 bytes) ----\n%s\n",
                 log ? log + (length > 12000 ? length - 12000 : 0) : "(none)");
        free (log);
    }
    return MT_TEST_MAIN_END ();
}
