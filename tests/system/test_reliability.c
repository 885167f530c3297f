//  The reliability suite's checks and its one test (see reliability.h).

#include "reliability.h"

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
                  rel_text (json_object_get (reply, "token")));
        json_decref (body);
        json_decref (reply);
    }
}

static void
test_kill_each_kind_under_load (void)
{
    pthread_t writer, reviewer, searcher;
    pthread_create (&writer, NULL, rel_writer, NULL);
    pthread_create (&reviewer, NULL, rel_reviewer, NULL);
    pthread_create (&searcher, NULL, rel_searcher, NULL);
    //  Each kind in turn: SIGKILL, two seconds down, restart, let it settle.
    static const int order [] = { P_SHARD_00, P_BROKER, P_RESULTS, P_INTAKE, P_GATEWAY,
                                  P_SHARD_11, P_RESULTS, P_SHARD_01 };
    mt_test_sleep_ms (6000);
    for (size_t i = 0; i < sizeof order / sizeof order [0]; i++) {
        int which = order [i];
        fprintf (stderr, "reliability: kill -9 %s\n", rel_proc_names [which]);
        if (which == P_BROKER) {
            S.broker_down = true;
            S.broker_kills++;
        }
        mt_test_kill (S.pid [which], SIGKILL);
        F.kills++;
        mt_test_sleep_ms (2000);
        rel_start (which);
        if (which == P_BROKER) {
            //  Down until it answers a client again (a restart on a loaded
            //  machine may take longer than any fixed wait), then until
            //  the shards are back.
            rel_wait_broker_answers ();
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
    int total = atomic_load (&rel_case_count);
    for (int i = 0; i < total; i++) {
        rel_case_t *c = &rel_cases [i];
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
                    if (strcmp (rel_text (json_object_get (p, "state")), "done")
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
    rel_people_count = (int) mt_test_lfw_people (&rel_people);
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
    snprintf (S.jobs, sizeof S.jobs, "tcp://127.0.0.1:%d", mt_test_free_port ());
    S.http = mt_test_free_port ();
    rel_make_keys ();
    rel_make_users ();
    for (int i = 0; i < P_COUNT; i++)
        rel_start (i);
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
                fprintf (stderr, "reliability: %s did not stop cleanly\n", rel_proc_names [i]);
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
