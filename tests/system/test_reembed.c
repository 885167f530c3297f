//  Describing and matching a gallery again, through `homeward serve`: a
//  gallery made without the second descriptor (--no-mobilefacenet), then
//  `reembed` with it on; the service is killed (SIGKILL) half way and
//  restarted, and the job resumes and finishes: every face described, no
//  face added or lost, searches answered meanwhile, and the families ranked
//  with both descriptors afterwards. Then every candidate list lost (as a
//  store whose candidates predate a model change has none worth keeping),
//  and `crossmatch` brings them back: every open case searched again in
//  batches (the next searched while one is weighed), the families first
//  again, every pair scored (those its second side adds too), the same
//  person registered twice suggested again, its progress kept over a
//  restart.

#include "mt_test.h"
#include "mt_test_serve.h"
#include "mt_test_store.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

//  People of tests/data/lfw, each with a family photo (1.jpg) and a found one (2.jpg).
#define S_PEOPLE 20

static int64_t s_families [S_PEOPLE], s_found [S_PEOPLE];

static json_t *
s_status (void)
{
    return mt_serve_call ("reembed.status", json_object (), NULL, 0, MT_OK);
}

static int64_t
s_field (json_t *json, const char *key)
{
    return json ? (int64_t) json_integer_value (json_object_get (json, key)) : -1;
}

static void
test_reembed_resumes (void)
{
    size_t people = MT_TEST_LIGHT ? 10 : S_PEOPLE;
    const char *const *names;
    if (mt_test_lfw_people (&names) < people) {
        MT_CHECK (!"tests/data/lfw holds enough people");
        return;
    }
    mt_serve_family_pairs (names, people, s_families, s_found);
    for (size_t i = 0; i < people; i++)
        mt_serve_settle (s_families [i]), mt_serve_settle (s_found [i]);
    json_t *before = s_status ();
    int64_t faces = s_field (before, "faces");
    MT_CHECK (faces >= (int64_t) (2 * people));
    MT_CHECK_INT (s_field (before, "described"), 0);
    json_decref (before);

    //  The second descriptor switched on: describe the gallery again, on
    //  one worker so that the kill lands half way.
    int status = mt_test_kill (mt_serve.pid, SIGTERM);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    mt_serve.pid = -1;
    mt_serve_start ("--workers", "1", NULL);
    json_t *started = mt_serve_call ("reembed.start", json_object (), NULL, 0, MT_OK);
    MT_CHECK_INT (s_field (started, "queued"), (int64_t) (2 * people));
    json_decref (started);
    int64_t described = 0, waiting = 0;
    long long until = mt_test_now_ms () + 120000;
    while (mt_test_now_ms () < until) {
        json_t *now = s_status ();
        described = s_field (now, "described"), waiting = s_field (now, "photos_waiting");
        json_decref (now);
        if (described > 0 || waiting == 0)
            break;
        mt_test_sleep_ms (20);
    }
    //  Searches go on meanwhile.
    json_t *c = mt_serve_candidates (s_found [0], 5);
    MT_CHECK (mt_serve_rank_of (c, s_families [0], NULL) >= 1);
    json_decref (c);
    status = mt_test_kill (mt_serve.pid, SIGKILL);
    MT_CHECK (WIFSIGNALED (status));
    mt_serve.pid = -1;
    fprintf (stderr, "killed with %lld of %lld faces described, %lld photos waiting\n",
             (long long) described, (long long) faces, (long long) waiting);
    MT_CHECK (waiting > 0);             //  it was killed half way

    //  Restarted, it resumes without being asked again.
    mt_serve_start (NULL);
    until = mt_test_now_ms () + 180000;
    while (mt_test_now_ms () < until) {
        json_t *now = s_status ();
        described = s_field (now, "described"), waiting = s_field (now, "photos_waiting");
        MT_CHECK_INT (s_field (now, "faces"), faces);
        json_decref (now);
        if (waiting == 0 || mt_test_failures)
            break;
        mt_test_sleep_ms (100);
    }
    MT_CHECK_INT (waiting, 0);
    MT_CHECK_INT (described, faces);

    //  Matched again with both descriptors: the families rank first, and
    //  the explanation shows the second descriptor's distance.
    int first = 0;
    for (size_t i = 0; i < people; i++) {
        mt_serve_settle (s_found [i]);
        json_t *list = mt_serve_candidates (s_found [i], 20);
        json_t *item = NULL;
        int rank = mt_serve_rank_of (list, s_families [i], &item);
        first += rank == 1;
        if (rank == 1)
            MT_CHECK (json_is_number (json_object_get (json_object_get (
                json_object_get (item, "explanation"), "pooled"), "distance2")));
        json_decref (list);
    }
    fprintf (stderr, "the true family first for %d of %zu after describing again\n", first,
             people);
    MT_CHECK (first >= (int) people - 1);
}

static int64_t
s_crossmatch_field (const char *key, char *state, size_t size)
{
    json_t *now = mt_serve_call ("crossmatch.status", json_object (), NULL, 0, MT_OK);
    if (state)
        snprintf (state, size, "%s", now ? json_string_value (json_object_get (now, "state"))
                                         : "");
    int64_t value = s_field (now, key);
    json_decref (now);
    return value;
}

//  Waits up to a minute for the store's index of pairs by found case
//  (SQLite only: PostgreSQL has none); checks it is there.
static void
s_weigh_index_waited (void)
{
    if (mt_test_store_is_pg ())
        return;
    char why [256];
    const char *use = "SELECT * FROM candidates INDEXED BY candidates_weigh WHERE found_case = 0";
    long long until = mt_test_now_ms () + 60000;
    while (mt_test_store_exec (mt_serve.db, use, why, sizeof why) != 0
       &&  mt_test_now_ms () < until)
        mt_test_sleep_ms (50);
    MT_CHECK_INT (mt_test_store_exec (mt_serve.db, use, why, sizeof why), 0);
}

static void
test_crossmatch_restores (void)
{
    size_t people = MT_TEST_LIGHT ? 10 : S_PEOPLE;
    char state [32];
    s_crossmatch_field ("cases_done", state, sizeof state);
    MT_CHECK_CONTAINS (state, "idle");
    //  The first person found again at another station: the same person
    //  registered twice, a suggestion the cross-match must find again too.
    const char *const *names;
    mt_test_lfw_people (&names);
    int64_t twice = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    char path [300];
    snprintf (path, sizeof path, "lfw/%s/3.jpg", names [0]);
    mt_serve_photo (twice, path);
    mt_serve_settle (twice);
    //  The third person reported twice, by two relatives (a third photo): the
    //  found person nearest both reports keeps the nearer when the found
    //  side is searched; the other report finds it when its side is.
    int64_t reported_twice = mt_serve_case ("missing", "unknown", 12, NULL, NULL);
    snprintf (path, sizeof path, "lfw/%s/3.jpg", names [2]);
    mt_serve_photo (reported_twice, path);
    mt_serve_settle (reported_twice);
    int status = mt_test_kill (mt_serve.pid, SIGTERM);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    mt_serve.pid = -1;
    char why [256];
    MT_CHECK_INT (mt_test_store_exec (mt_serve.db, "DELETE FROM candidates;"
                                      "DELETE FROM same_person", why, sizeof why), 0);
    //  The index scoring reads pairs by, gone as a kill between a
    //  cross-match's end and its build leaves it: the service builds it
    //  again when idle.
    if (!mt_test_store_is_pg ())
        MT_CHECK_INT (mt_test_store_exec (mt_serve.db, "DROP INDEX candidates_weigh",
                                          why, sizeof why), 0);
    //  One neighbour a face, by dlib's descriptor alone: a report then finds
    //  found people who did not find it (the pairs that the cross-match's
    //  second side adds to found cases weighed and scored on its first).
    //  All the partitions' time to the cross-match: each batch's successor
    //  is then searched while it is weighed (results_crossmatch.c's chain).
    mt_serve_start ("--search-k", "1", "--search-k2", "0", "--crossmatch-share", "1", NULL);
    s_weigh_index_waited ();
    json_t *list = mt_serve_candidates (s_found [0], 5);
    MT_CHECK_INT (mt_serve_rank_of (list, s_families [0], NULL), 0);
    json_decref (list);

    json_t *started = mt_serve_call ("crossmatch.start", json_object (), NULL, 0, MT_OK);
    MT_CHECK_INT (s_field (started, "cases_total"), (int64_t) (2 * people + 2));
    json_decref (started);
    //  A second start while it runs is refused, with the reason.
    json_t *again = mt_serve_call ("crossmatch.status", json_object (), NULL, 0, MT_OK);
    if (again && strcmp (json_string_value (json_object_get (again, "state")), "running") == 0)
        json_decref (mt_serve_call ("crossmatch.start", json_object (), NULL, 0, MT_EINVAL));
    json_decref (again);
    long long until = mt_test_now_ms () + 120000;
    while (mt_test_now_ms () < until) {
        s_crossmatch_field ("cases_done", state, sizeof state);
        if (strcmp (state, "running") != 0)
            break;
        mt_test_sleep_ms (50);
    }
    MT_CHECK_CONTAINS (state, "done");
    MT_CHECK_INT (s_crossmatch_field ("cases_done", NULL, 0), (int64_t) (2 * people + 2));
    //  Left out while the cross-match ran, built again at its end.
    s_weigh_index_waited ();
    char *log = mt_test_store_is_pg () ? NULL : mt_test_read (mt_serve.log, NULL);
    MT_CHECK (mt_test_store_is_pg () || (log && strstr (log, "left out while the cross-match")));
    free (log);
    json_t *same = mt_serve_call ("same.list", json_pack ("{s:I}", "case_id", (json_int_t) twice),
                                  NULL, 0, MT_OK);
    json_t *pair = json_array_get (json_object_get (same, "pairs"), 0);
    MT_CHECK (pair && s_field (pair, "case_a") == s_found [0] && s_field (pair, "case_b") == twice);
    json_decref (same);
    int first = 0;
    for (size_t i = 0; i < people; i++) {
        list = mt_serve_candidates (s_found [i], 20);
        first += mt_serve_rank_of (list, s_families [i], NULL) == 1
              || (i == 2 && mt_serve_rank_of (list, reported_twice, NULL) == 1);
        json_decref (list);
    }
    fprintf (stderr, "the true family first for %d of %zu after the cross-match\n", first,
             people);
    MT_CHECK (first >= (int) people - 1);
    //  Every pair scored among its found case's rivals, those the second
    //  side added too (a pair never scored has a NaN score).
    mt_casedb_t *db = NULL;
    mt_err_t err = { 0 };
    MT_CHECK_RC (mt_casedb_open (mt_serve.db, &db, &err), MT_OK, &err);
    size_t pairs = 0, unscored = 0;
    for (size_t i = 0; db && i <= people; i++) {
        int64_t *missing = NULL;
        double *evidence = NULL, *scores = NULL;
        size_t count = 0;
        MT_CHECK_RC (mt_casedb_candidate_evidence (db, i < people ? s_found [i] : twice,
                                                   &missing, &evidence, &scores, &count, &err),
                     MT_OK, &err);
        for (size_t j = 0; j < count; j++)
            unscored += isnan (scores [j]);
        pairs += count;
        free (missing), free (evidence), free (scores);
    }
    mt_casedb_close (&db);
    fprintf (stderr, "%zu pairs after the cross-match, %zu not scored\n", pairs, unscored);
    MT_CHECK (pairs > people);
    MT_CHECK_INT ((int64_t) unscored, 0);
    //  Its progress is the store's: still there after a restart.
    status = mt_test_kill (mt_serve.pid, SIGTERM);
    mt_serve.pid = -1;
    mt_serve_start (NULL);
    s_crossmatch_field ("cases_done", state, sizeof state);
    MT_CHECK_CONTAINS (state, "done");
}

int
main (void)
{
    if (mt_serve_init () != 0)
        return 1;
    mt_serve_start ("--no-mobilefacenet", NULL);
    MT_RUN (test_reembed_resumes);
    MT_RUN (test_crossmatch_restores);
    mt_serve_finish ();
    return MT_TEST_MAIN_END ();
}
