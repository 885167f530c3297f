//  bench/same_person - the same person registered twice, found at scale
//  through the real service (issue 27).
//
//  usage: bench-same-person [--side found|missing] [--facts] [--no-other] [--seed N] [--people N]
//                           [--workers W] [--dir DIR] [--homeward PATH] [--serve ARG]...
//                           [--json] FOLDER
//
//  FOLDER holds one folder per person with their photos (e.g.
//  ../shared/faces/lfw-scale). `homeward serve` starts on an empty data
//  folder with same-person floors below any score, so that every pair it
//  keeps (MT_RANK_SAME_KEPT) is listed with its score and the floor can be
//  chosen afterwards. Every
//  person becomes a case of one side (--side found: a found person;
//  missing: a report) with their first photo; every person with two or
//  more photos is registered twice, at two stations (or by two relatives):
//  the second record holds their second photo. A person with three or more
//  photos is also on the other side with their third (a report of the
//  found person; the found person of the reports), so that the family
//  queue can be counted before and after linking (--no-other: not; a side
//  of thousands against a few hundred of the other makes each new case
//  score the few hundred's long candidate lists again: bench/RESULTS.md).
//
//  With --facts each record gets facts drawn from the person's name:
//  the same sex (recorded wrong in 5% of found records), for found people
//  an age estimated within a decade and found at two dates 1-400 days
//  apart in any provinces, for reports the same birth year (off by one in
//  20%), home province and last-seen date within a month; strangers' facts
//  are independent.
//
//  It prints, at each floor, the share of the twice-registered people
//  suggested (recall) and the share of suggestions that are one person
//  (precision); then, at the default floor, every true suggestion is
//  decided "same" and every false one "different" (as a reviewer would),
//  round after round while decisions raise other pairs to the floor (a
//  pair decided is no longer its records' other pairs' rival), and the
//  family queue is counted again: the items a liaison is spared
//  per found person, and whether the queue has one item per person and
//  family group.

#include "common/api.h"
#include "bench_service.h"
#include "mt_test.h"
#include "base/mt_dir.h"
#include "results/results_actor.h"
#include "results/store/mt_casedb.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_KEPT_FLOOR (-1000.0)

typedef struct {
    char name [256];
    char *photos [3];
    size_t photo_count;             //  up to 3 used
    int64_t first, second;          //  its records on the side searched (second: 0 none)
    int64_t other;                  //  its case on the other side, 0 none
} s_person_t;

typedef struct {
    api_client_t *client;
    bool found_side, facts;
    unsigned seed;
    size_t photos;
} s_run_t;

typedef struct {
    int64_t a, b;
    double score;
    bool same;                      //  one person
} s_pair_t;

static double
s_now (void)
{
    return mt_test_now_ms () / 1e3;
}

static json_t *
s_call (s_run_t *run, const char *method, json_t *params, const void *payload, size_t size)
{
    return bench_call (run->client, "bench-same-person", method, params, payload, size);
}

static void
s_date (char *out, size_t size, int days)
{
    time_t t = (time_t) (days + 14610) * 86400;      //  days from 2010-01-01
    struct tm tm;
    gmtime_r (&t, &tm);
    snprintf (out, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

//  A record's facts (see the top): record 0 or 1 of the person on its side.
static void
s_facts (json_t *params, const char *name, bool found, int record, unsigned seed)
{
    static const int provinces [] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36,
                                      37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62,
                                      63, 64, 65 };
    const size_t n_prov = sizeof provinces / sizeof provinces [0];
    unsigned rs = seed + 1000 * (unsigned) record;
    bool male = bench_hash01 (name, seed + 101) < 0.5;
    int born = 1935 + (int) (bench_hash01 (name, seed + 102) * 70);
    int home = provinces [(size_t) (bench_hash01 (name, seed + 103) * n_prov) % n_prov];
    int seen = (int) (bench_hash01 (name, seed + 104) * 365 * 10);
    char date [32];
    if (!found) {
        if (record && bench_hash01 (name, rs + 110) < 0.2)
            born += bench_hash01 (name, rs + 111) < 0.5 ? -1 : 1;
        s_date (date, sizeof date, seen + (record ? (int) (bench_hash01 (name, rs + 112) * 30) : 0));
        json_object_set_new (params, "sex", json_string (male ? "male" : "female"));
        json_object_set_new (params, "birth_year", json_integer (born));
        json_object_set_new (params, "province", json_integer (home));
        json_object_set_new (params, "date_last_seen", json_string (date));
        return;
    }
    if (bench_hash01 (name, rs + 105) < 0.05)
        male = !male;
    int at = seen + (int) (bench_hash01 (name, seed + 106) * 365 * 3)
           + (record ? 1 + (int) (bench_hash01 (name, rs + 113) * 400) : 0);
    s_date (date, sizeof date, at);
    int age = 2010 + at / 365 - born;
    int low = age - 2 - (int) (bench_hash01 (name, rs + 107) * 6);
    low = low < 18 ? 18 : low;
    char ages [32];
    snprintf (ages, sizeof ages, "%d-%d", low, low + 10);
    int where = provinces [(size_t) (bench_hash01 (name, rs + 109) * n_prov) % n_prov];
    json_object_set_new (params, "sex", json_string (male ? "male" : "female"));
    json_object_set_new (params, "age", json_string (ages));
    json_object_set_new (params, "province", json_integer (where));
    json_object_set_new (params, "date_found", json_string (date));
}

//  A case of the person with one photo: found or a report, record 0 or 1
//  (at station A or B).
static int64_t
s_add_case (s_run_t *run, const s_person_t *p, bool found, int record, const char *photo)
{
    char ref [320];
    snprintf (ref, sizeof ref, "bench:%s:%d:%s", found ? "found" : "missing", record, p->name);
    json_t *params = found
        ? json_pack ("{s:s, s:s, s:s, s:s}", "kind", "found", "consent_basis", "vital_interests",
                     "external_ref", ref, "station", record ? "station B" : "station A")
        : json_pack ("{s:s, s:s, s:s, s:s}", "kind", "missing", "consent_basis", "family",
                     "consent_by", record ? "a second relative" : "the family",
                     "external_ref", ref);
    if (run->facts)
        s_facts (params, p->name, found, record, run->seed);
    json_t *r = s_call (run, "case.add", params, NULL, 0);
    int64_t id = r ? (int64_t) json_integer_value (json_object_get (r, "case_id")) : 0;
    json_decref (r);
    FILE *file = fopen (photo, "rb");
    uint8_t *buf = malloc (16u << 20);
    size_t size = file && buf ? fread (buf, 1, 16u << 20, file) : 0;
    if (file)
        fclose (file);
    if (id && size)
        json_decref (s_call (run, "photo.add", json_pack ("{s:I}", "case_id", (json_int_t) id),
                             buf, size));
    free (buf);
    run->photos++;
    return id;
}

static int
s_by_score (const void *x, const void *y)
{
    double a = ((const s_pair_t *) x)->score, b = ((const s_pair_t *) y)->score;
    return (a < b) - (a > b);
}

//  Every pending suggestion, with its truth (owner [case id] is the
//  person's index + 1).
static s_pair_t *
s_suggestions (s_run_t *run, const size_t *owner, size_t owners, size_t *count_p)
{
    s_pair_t *pairs = NULL;
    size_t count = 0, size = 0;
    for (int offset = 0;; offset += 500) {
        json_t *r = s_call (run, "same.list", json_pack ("{s:i, s:i, s:s}", "limit", 500,
                                                         "offset", offset, "state", "pending"),
                            NULL, 0);
        json_t *list = json_object_get (r, "pairs");
        size_t n = json_array_size (list);
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_array_get (list, i);
            if (count == size) {
                size = size ? 2 * size : 1024;
                pairs = realloc (pairs, size * sizeof *pairs);
            }
            s_pair_t *p = &pairs [count++];
            p->a = json_integer_value (json_object_get (item, "case_a"));
            p->b = json_integer_value (json_object_get (item, "case_b"));
            p->score = json_real_value (json_object_get (item, "score"));
            if (json_is_integer (json_object_get (item, "score")))
                p->score = (double) json_integer_value (json_object_get (item, "score"));
            p->same = p->a < (int64_t) owners && p->b < (int64_t) owners && owner [p->a]
                   && owner [p->a] == owner [p->b];
        }
        json_decref (r);
        if (n < 500)
            break;
    }
    qsort (pairs, count, sizeof *pairs, s_by_score);
    *count_p = count;
    return pairs;
}

//  The family queue as the service serves it (the store's own queue, read
//  at once from the data folder's store: the API's pages of 500 would sort
//  the whole queue again for each): its items (*total_p), those that pair
//  a person's records (*true_p) and how many people they are (*people_p).
static void
s_queue (const char *db_path, const size_t *owner, size_t owners, int64_t *total_p,
         size_t *true_p, size_t *people_p)
{
    *total_p = 0, *true_p = 0, *people_p = 0;
    mt_casedb_t *db = NULL;
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    mt_err_t err;
    int64_t total = 0;
    if (mt_casedb_open (db_path, &db, &err) != MT_OK
    ||  mt_casedb_queue_count (db, 0, RESULTS_FLOOR_DEFAULT, &total, &err) != MT_OK
    ||  mt_casedb_queue (db, 0, RESULTS_FLOOR_DEFAULT, (size_t) total + 1, 0, &rows, &count,
                         NULL, &err) != MT_OK) {
        fprintf (stderr, "bench-same-person: the queue: %s\n", err.msg);
        mt_casedb_close (&db);
        return;
    }
    bool *seen = calloc (owners + 1, sizeof *seen);
    for (size_t i = 0; seen && i < count; i++) {
        int64_t f = rows [i].found_case, m = rows [i].missing_case;
        if (f < (int64_t) owners && m < (int64_t) owners && owner [f] && owner [f] == owner [m]) {
            (*true_p)++;
            *people_p += !seen [owner [f]];
            seen [owner [f]] = true;
        }
    }
    *total_p = (int64_t) count;
    free (seen);
    mt_casedb_candidates_free (rows, count);
    mt_casedb_close (&db);
}

int
main (int argc, char **argv)
{
    size_t max_people = 0;
    unsigned seed = 0;
    int workers = 2, json = 0;
    bool facts = false, found_side = true, other_side = true;
    char dir [1024] = "", homeward [1100] = "";
    const char *folder = NULL;
    char *serve_args [8];
    int serve_extra = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--side") == 0 && i + 1 < argc)
            found_side = strcmp (argv [++i], "missing") != 0;
        else if (strcmp (argv [i], "--seed") == 0 && i + 1 < argc)
            seed = (unsigned) atoi (argv [++i]);
        else if (strcmp (argv [i], "--people") == 0 && i + 1 < argc)
            max_people = (size_t) atoi (argv [++i]);
        else if (strcmp (argv [i], "--workers") == 0 && i + 1 < argc)
            workers = atoi (argv [++i]);
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--homeward") == 0 && i + 1 < argc)
            snprintf (homeward, sizeof homeward, "%s", argv [++i]);
        else if (strcmp (argv [i], "--facts") == 0)
            facts = true;
        else if (strcmp (argv [i], "--no-other") == 0)
            other_side = false;
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else if (strcmp (argv [i], "--serve") == 0 && i + 1 < argc && serve_extra < 8)
            serve_args [serve_extra++] = argv [++i];
        else if (argv [i][0] != '-' && !folder)
            folder = argv [i];
        else {
            printf ("usage: bench-same-person [--side found|missing] [--facts] [--seed N] "
                    "[--no-other] [--people N] [--workers W] [--dir DIR] [--homeward PATH] "
                    "[--serve ARG]... [--json] FOLDER\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!folder) {
        fprintf (stderr, "bench-same-person: give a FOLDER of people's folders\n");
        return 2;
    }
    if (!homeward [0])
        snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-same-person-XXXXXX");
        if (!mkdtemp (dir))
            return 1;
    }
    else
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "bench-same-person: cannot make %s: %s\n", dir, strerror (errno));
        return 1;
    }

    //  The people and their first three photos.
    char **names;
    size_t count = mt_dir_list (folder, &names);
    s_person_t *people = calloc (count ? count : 1, sizeof *people);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        char path [2048];
        snprintf (path, sizeof path, "%s/%s", folder, names [i]);
        char **files;
        size_t photos = mt_dir_list (path, &files);
        if (photos > 0 && (!max_people || n < max_people)) {
            s_person_t *p = &people [n++];
            snprintf (p->name, sizeof p->name, "%s", names [i]);
            for (size_t f = 0; f < photos && f < 3; f++) {
                char full [4096];
                snprintf (full, sizeof full, "%s/%s", path, files [f]);
                p->photos [p->photo_count++] = strdup (full);
            }
        }
        for (size_t f = 0; f < photos; f++)
            free (files [f]);
        free (files);
        free (names [i]);
    }
    free (names);

    //  The service, on an empty data folder, keeping every suggestion.
    char var [1100], api [1200], log [1200], w [16], port [16], floor_text [32];
    snprintf (var, sizeof var, "%s/var", dir);
    snprintf (api, sizeof api, "ipc://%s/api.sock", var);
    snprintf (log, sizeof log, "%s/serve.log", dir);
    snprintf (w, sizeof w, "%d", workers);
    snprintf (port, sizeof port, "%d", 20000 + (int) (getpid () % 20000));
    snprintf (floor_text, sizeof floor_text, "%g", S_KEPT_FLOOR);
    char *sargv [24] = { homeward, "serve", "--var", var, "--api", api, "--workers", w,
                         "--http-port", port, "--same-person-floor-found", floor_text,
                         "--same-person-floor-missing", floor_text };
    for (int i = 0; i < serve_extra; i++)
        sargv [14 + i] = serve_args [i];
    pid_t serve = mt_test_spawn (sargv, log);
    if (serve < 0) {
        fprintf (stderr, "bench-same-person: cannot start %s\n", homeward);
        return 1;
    }
    s_run_t run = { .facts = facts, .seed = seed, .found_side = found_side };
    mt_err_t err;
    api_client_new (api, NULL, &run.client, &err);
    json_t *r = NULL;
    double t0 = s_now ();
    while (api_call (run.client, "stats", NULL, NULL, 0, 1000, &r, NULL, NULL, &err) != MT_OK) {
        if (s_now () - t0 > 300 || waitpid (serve, NULL, WNOHANG) == serve) {
            fprintf (stderr, "bench-same-person: the service did not start (see %s)\n", log);
            return 1;
        }
        struct timespec pause = { 0, 100 * 1000000 };
        nanosleep (&pause, NULL);
    }
    json_decref (r);

    //  Everyone's records; the other side for people with three photos.
    t0 = s_now ();
    size_t twice = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        s_person_t *p = &people [i];
        p->first = s_add_case (&run, p, found_side, 0, p->photos [0]);
        if (p->photo_count >= 2)
            p->second = s_add_case (&run, p, found_side, 1, p->photos [1]), twice++;
        if (p->photo_count >= 3 && other_side)
            p->other = s_add_case (&run, p, !found_side, 0, p->photos [2]), others++;
    }
    bench_settle (run.client, "bench-same-person", "records", (long long) (t0 * 1e3), 0);
    double took = s_now () - t0;

    //  Who each case is.
    int64_t most = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ids [3] = { people [i].first, people [i].second, people [i].other };
        for (int k = 0; k < 3; k++)
            most = ids [k] > most ? ids [k] : most;
    }
    size_t *owner = calloc ((size_t) most + 1, sizeof *owner);
    for (size_t i = 0; i < n; i++) {
        owner [people [i].first] = i + 1;
        if (people [i].second)
            owner [people [i].second] = i + 1;
        if (people [i].other)
            owner [people [i].other] = i + 1;
    }
    size_t pairs_count = 0;
    s_pair_t *pairs = s_suggestions (&run, owner, (size_t) most + 1, &pairs_count);

    double default_floor = found_side ? RESULTS_SAME_FLOOR_FOUND : RESULTS_SAME_FLOOR_MISSING;
    //  Recall and precision at each floor.
    static const double floors [] = { 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8 };
    const size_t n_floors = sizeof floors / sizeof floors [0];
    size_t suggested [16] = { 0 }, right [16] = { 0 };
    for (size_t i = 0; i < pairs_count; i++)
        for (size_t f = 0; f < n_floors; f++)
            if (pairs [i].score >= floors [f]) {
                suggested [f]++;
                right [f] += pairs [i].same;
            }

    //  At the default floor: decided as a reviewer would; the family queue
    //  before and after.
    int64_t queue_before = 0, queue_after = 0;
    size_t true_before = 0, true_after = 0, people_before = 0, people_after = 0;
    char db_path [1200];
    snprintf (db_path, sizeof db_path, "%s/homeward.db", var);
    s_queue (db_path, owner, (size_t) most + 1, &queue_before, &true_before, &people_before);
    size_t linked = 0, decided = 0, rounds = 0;
    s_pair_t *round = pairs;
    size_t round_count = pairs_count;
    for (;;) {
        size_t now = 0;
        for (size_t i = 0; i < round_count; i++) {
            if (round [i].score < default_floor)
                continue;
            json_decref (s_call (&run, "same.decide", json_pack ("{s:I, s:I, s:s}", "case_a",
                                 (json_int_t) round [i].a, "case_b", (json_int_t) round [i].b,
                                 "decision", round [i].same ? "same" : "different"), NULL, 0));
            linked += round [i].same;
            now++;
        }
        if (round != pairs)
            free (round);
        decided += now;
        t0 = s_now ();
        bench_settle (run.client, "bench-same-person", "records", (long long) (t0 * 1e3), 0);
        if (now == 0 || ++rounds == 10)
            break;
        round = s_suggestions (&run, owner, (size_t) most + 1, &round_count);
    }
    s_queue (db_path, owner, (size_t) most + 1, &queue_after, &true_after, &people_after);

    //  Families' items with both records of a person twice registered (the
    //  true pairs queued) and how many remain: one per person and family.
    size_t f_people = 0;
    for (size_t i = 0; i < n; i++)
        f_people += found_side ? 1 + (people [i].second != 0) : (people [i].other != 0);

    size_t at_default = 0;
    for (size_t f = 0; f < n_floors; f++)
        if (floors [f] == default_floor)
            at_default = f;
    if (json) {
        printf ("{\"side\":\"%s\",\"people\":%zu,\"twice\":%zu,\"other_side\":%zu,\"photos\":%zu,"
                "\"seconds\":%.1f,\"suggestions\":%zu,\"floors\":[", found_side ? "found"
                : "missing", n, twice, others, run.photos, took, pairs_count);
        for (size_t f = 0; f < n_floors; f++)
            printf ("%s{\"floor\":%g,\"suggested\":%zu,\"right\":%zu,\"recall\":%.4f,"
                    "\"precision\":%.4f}", f ? "," : "", floors [f], suggested [f], right [f],
                    twice ? (double) right [f] / (double) twice : 0,
                    suggested [f] ? (double) right [f] / (double) suggested [f] : 0);
        printf ("],\"default_floor\":%g,\"linked\":%zu,\"decided\":%zu,\"rounds\":%zu,"
                "\"queue_before\":%lld,"
                "\"queue_after\":%lld,\"found_people\":%zu,\"true_items_before\":%zu,"
                "\"true_items_after\":%zu,\"true_people_before\":%zu,"
                "\"true_people_after\":%zu}\n", default_floor, linked, decided, rounds,
                (long long) queue_before, (long long) queue_after, f_people, true_before,
                true_after, people_before, people_after);
    }
    else {
        printf ("%zu people, %zu registered twice (%s side), %zu also on the other side; "
                "%zu photos in %.0f s\n", n, twice, found_side ? "found" : "missing", others,
                run.photos, took);
        printf ("floor   suggested  right  recall  precision\n");
        for (size_t f = 0; f < n_floors; f++)
            printf ("%5.1f  %9zu  %5zu  %5.1f%%  %8.1f%%\n", floors [f], suggested [f],
                    right [f], twice ? 100.0 * (double) right [f] / (double) twice : 0,
                    suggested [f] ? 100.0 * (double) right [f] / (double) suggested [f] : 0);
        printf ("at the default floor (%g): recall %.1f%%, precision %.1f%%\n", default_floor,
                twice ? 100.0 * (double) right [at_default] / (double) twice : 0,
                suggested [at_default] ? 100.0 * (double) right [at_default]
                                         / (double) suggested [at_default] : 0);
        printf ("reviewed in %zu round%s (a decision may let other pairs rise to the floor): "
                "%zu pairs decided, %zu linked (%.1f%% of the people registered twice)\n",
                rounds, rounds == 1 ? "" : "s", decided, linked,
                twice ? 100.0 * (double) linked / (double) twice : 0);
        printf ("family queue: %lld items before linking, %lld after: %.3f items fewer per "
                "found person (%zu found people)\n", (long long) queue_before,
                (long long) queue_after, f_people ? (double) (queue_before - queue_after)
                                                    / (double) f_people : 0, f_people);
        printf ("true family pairs queued: %zu items for %zu people before linking, %zu items "
                "for %zu people after\n", true_before, people_before, true_after, people_after);
    }
    kill (serve, SIGTERM);
    waitpid (serve, NULL, 0);
    free (owner);
    free (pairs);
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < people [i].photo_count; f++)
            free (people [i].photos [f]);
    free (people);
    api_client_destroy (&run.client);
    return 0;
}
