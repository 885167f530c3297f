//  bench/crossmatch - the cross-match's arithmetic: every found face
//  against a gallery of missing faces, in the batches the service sends.
//
//  usage: bench-crossmatch [--found 100000] [--missing 100000] [--batch 1024]
//                          [--index auto|exact|ivf] [--faces FOLDER] [--dir DIR]
//                          [--service [--drawn] [--same-as OLDDIR]] [--json]
//
//  --service measures the whole cross-match through `homeward serve`
//  instead: a store of --missing and --found cases (one face each, written
//  straight into a fresh data folder under DIR, 2 partitions), then
//  `crossmatch.start` through the API and its status until done; reported:
//  seconds, cases_per_s, faces searched and weighed a second, and the
//  service's resident memory once started on the store and at its peak
//  (serve_resting_mb, serve_peak_mb: all its services, one process). The weighing
//  of each case's candidates (the case store's reads and one transaction a
//  case) is what this adds to the arithmetic. --same-as OLDDIR then holds
//  the pairs against those of a run of another build (its --dir, e.g. one
//  built in a git worktree): every found case's candidate families, their
//  scores, evidence and distances the same (to 1e-9); reported as
//  same_pairs and differing (a case's families that are not the same, or a
//  pair's numbers), and likewise every same-person pair (its state,
//  evidence, distance and score: same_person_pairs_same and
//  same_person_pairs_differing); the exit status is 1 when any differ. Its faces are
//  random (every gallery's vectors without neighbourhoods: the worst case
//  for an approximate index); with --drawn, drawn like real ones from
//  --faces's model as below, the found cases half new photos of missing
//  people with the same facts, half strangers: reported then, of a sample
//  of the first, how many have their mate among their candidates and
//  first (mate_listed, mate_first).
//
//  The missing gallery holds --missing faces drawn like real ones
//  (bench_faces.h, fitted on FOLDER, default ../shared/faces/lfw-scale), in
//  an mt_gallery as a shard holds it (its index chosen and built as the
//  shard would: exact below 200,000 faces with auto). The found faces are
//  new photos: half of people in the gallery, half of people who are not.
//  They are searched in batches of --batch queries (the results service
//  sends 1024), 20 nearest each, one thread for the search and BLAS on
//  both cores as a shard runs it. Reported: pairs_per_s (found x missing /
//  seconds), recall_at_20 against brute force (FAISS's exact k-NN on a
//  sample of 500 found faces), mate_recall_at_20 (found faces whose person
//  is in the gallery, with that person's face among the 20), and the hours
//  a million by a million would take at this rate, both directions (the
//  cross-match searches found against missing, then missing against found).

#include "bench_faces.h"
#include "base/mt_clock.h"
#include "results/store/mt_casedb.h"
#include "results/store/mt_rank.h"
#include "common/api.h"
#include "bench_gallery.h"
#include "bench_service.h"
#include "index/mt_gallery.h"
#include "index/mt_index.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define D BENCH_FACES_DIM
#define K 20
#define S_SAMPLE 500
//  Found cases with a mate whose candidates are read after --service --drawn.
#define S_MATES 2000

static json_t *
s_call (api_client_t *client, const char *method)
{
    json_t *result = NULL;
    mt_err_t err;
    if (api_call (client, method, json_object (), NULL, 0, 60000, &result, NULL, NULL, &err)
        != MT_OK)
        fprintf (stderr, "bench-crossmatch: %s: %s\n", method, err.msg);
    return result;
}

//  One found case's candidates in a store, by missing case (new array).
static mt_candidate_row_t *
s_pairs_of (mt_casedb_t *db, int64_t id, size_t *count_p)
{
    mt_candidate_row_t *rows = NULL;
    size_t count = 0, kept = 0;
    mt_err_t err;
    if (mt_casedb_candidates (db, id, -1e300, true, 100000, 0, &rows, &count, NULL, &err)
        != MT_OK) {
        *count_p = 0;
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (rows [i].found_case == id)
            rows [kept++] = rows [i];
        else
            mt_casedb_candidate_free (&rows [i]);
    *count_p = kept;
    return rows;
}

static int
s_by_missing (const void *a, const void *b)
{
    int64_t x = ((const mt_candidate_row_t *) a)->missing_case;
    int64_t y = ((const mt_candidate_row_t *) b)->missing_case;
    return (x > y) - (x < y);
}

static bool
s_near (double a, double b)
{
    return fabs (a - b) <= 1e-9 * fmax (1, fabs (a));
}

//  A same-person pair, as two runs' are compared.
typedef struct {
    int64_t a, b;
    double evidence, distance, score;
    char state [16];
} s_same_t;

static int
s_by_cases (const void *x, const void *y)
{
    const s_same_t *p = x, *q = y;
    return p->a != q->a ? (p->a > q->a) - (p->a < q->a) : (p->b > q->b) - (p->b < q->b);
}

//  Every same-person pair of a store (both its cases open), by its cases
//  (new array; NULL on failure). Read as the list shows them: a pending
//  pair of a case waiting for a cross-match's round would be left out,
//  but none waits once the cross-match is done.
static s_same_t *
s_same_of (mt_casedb_t *db, size_t *count_p)
{
    enum { PAGE = 10000 };
    mt_same_filter_t all = { .floor_found = -1e300, .floor_missing = -1e300 };
    s_same_t *pairs = NULL;
    size_t n = 0;
    for (size_t offset = 0;; offset += PAGE) {
        mt_same_row_t *rows = NULL;
        size_t count = 0;
        mt_err_t err;
        s_same_t *grown = NULL;
        if (mt_casedb_same_list (db, &all, PAGE, offset, &rows, &count, NULL, &err) != MT_OK
        ||  !(grown = realloc (pairs, (n + count + 1) * sizeof *pairs))) {
            mt_casedb_same_rows_free (rows, count);
            free (pairs);
            return NULL;
        }
        pairs = grown;
        for (size_t i = 0; i < count; i++, n++) {
            pairs [n] = (s_same_t) { .a = rows [i].case_a, .b = rows [i].case_b,
                                     .evidence = rows [i].evidence,
                                     .distance = rows [i].distance, .score = rows [i].score };
            snprintf (pairs [n].state, sizeof pairs [n].state, "%s", rows [i].state);
        }
        mt_casedb_same_rows_free (rows, count);
        if (count < PAGE)
            break;
    }
    qsort (pairs, n, sizeof *pairs, s_by_cases);
    *count_p = n;
    return pairs;
}

//  The same-person pairs of two stores compared: how many are the same
//  (the same cases, state, evidence, distance and score, to 1e-9), how
//  many differ (in *differing: in one store only, or their numbers).
static long long
s_same_persons (mt_casedb_t *a, mt_casedb_t *b, long long *differing)
{
    size_t na = 0, nb = 0, i = 0, j = 0;
    s_same_t *pa = s_same_of (a, &na), *pb = s_same_of (b, &nb);
    long long same = 0;
    *differing = pa && pb ? 0 : -1;
    while (pa && pb && (i < na || j < nb)) {
        int order = i == na ? 1 : j == nb ? -1 : s_by_cases (&pa [i], &pb [j]);
        if (order == 0 && strcmp (pa [i].state, pb [j].state) == 0
        &&  s_near (pa [i].evidence, pb [j].evidence) && s_near (pa [i].distance, pb [j].distance)
        &&  s_near (pa [i].score, pb [j].score))
            same++;
        else
            (*differing)++;
        i += order <= 0, j += order >= 0;
    }
    free (pa);
    free (pb);
    return same;
}

//  The pairs of two runs' stores compared: how many are the same, how
//  many differ (in *differing); the same of their same-person pairs
//  (*same_persons_p, *persons_differing).
static long long
s_same_pairs (const char *var, const char *other_dir, size_t cases, long long *differing,
              long long *same_persons_p, long long *persons_differing)
{
    char path [4300], other [4300];
    snprintf (path, sizeof path, "%s/homeward.db", var);
    snprintf (other, sizeof other, "%s/crossmatch-var/homeward.db", other_dir);
    mt_casedb_t *a = NULL, *b = NULL;
    mt_err_t err;
    long long same = 0;
    *differing = 0;
    if (mt_casedb_open (path, &a, &err) != MT_OK || mt_casedb_open (other, &b, &err) != MT_OK) {
        fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
        mt_casedb_close (&a);
        *differing = *persons_differing = -1;
        return 0;
    }
    for (int64_t id = 1; id <= (int64_t) cases; id++) {
        size_t na, nb;
        mt_candidate_row_t *ra = s_pairs_of (a, id, &na), *rb = s_pairs_of (b, id, &nb);
        if (na != nb)
            (*differing)++;
        qsort (ra, na, sizeof *ra, s_by_missing);
        qsort (rb, nb, sizeof *rb, s_by_missing);
        for (size_t i = 0; na == nb && i < na; i++)
            if (ra [i].missing_case == rb [i].missing_case
            &&  !mt_rank_score_moved (ra [i].score, rb [i].score)
            &&  s_near (ra [i].evidence, rb [i].evidence)
            &&  s_near (ra [i].distance, rb [i].distance)
            &&  strcmp (ra [i].state, rb [i].state) == 0)
                same++;
            else
                (*differing)++;
        mt_casedb_candidates_free (ra, na);
        mt_casedb_candidates_free (rb, nb);
    }
    *same_persons_p = s_same_persons (a, b, persons_differing);
    mt_casedb_close (&a);
    mt_casedb_close (&b);
    return same;
}

//  The real faces of faces_from (cached in dir) and the model fitted on
//  them. 0 on success.
static int
s_model (const char *faces_from, const char *dir, bench_faces_t *faces,
         bench_faces_model_t *model)
{
    char cache [4096];
    snprintf (cache, sizeof cache, "%s/faces.bin", dir);
    if (bench_faces_load (faces_from, cache, faces) != 0
    ||  bench_faces_fit (faces, 0xc405, model) != 0) {
        fprintf (stderr, "bench-crossmatch: no model of faces from %s\n", faces_from);
        return 1;
    }
    return 0;
}

//  Faces drawn like real ones for the service's store (rows of D: the
//  missing cases', one person each, then the found cases'): a found case
//  of even id is a new photo of a missing person with the same facts (the
//  store's facts go by id modulo 70: sex, province, year of birth), one of
//  odd id a stranger. mates [k]: found case missing + 1 + k's missing case,
//  or 0. NULL when no model.
static float *
s_drawn (const char *faces_from, const char *dir, size_t missing, size_t found,
         int64_t *mates)
{
    bench_faces_t faces;
    bench_faces_model_t model;
    if (s_model (faces_from, dir, &faces, &model) != 0)
        return NULL;
    bench_faces_free (&faces);
    float *centres = malloc (missing * D * sizeof *centres);
    float *drawn = malloc ((missing + found) * D * sizeof *drawn);
    if (!centres || !drawn) {
        free (centres), free (drawn);
        return NULL;
    }
    for (size_t i = 0; i < missing; i++) {
        bench_faces_draw_person (&model, centres + i * D);
        bench_faces_draw_photo (&model, centres + i * D, drawn + i * D);
    }
    float stranger [D];
    for (size_t k = 0; k < found; k++) {
        size_t id = missing + 1 + k, mate = 0;
        if (id % 2 == 0 && missing >= 70) {
            //  A missing case with the same facts: the same id modulo 70.
            size_t least = id % 70 ? id % 70 : 70, ids = (missing - least) / 70 + 1;
            size_t t = (size_t) (bench_faces_uniform (&model) * (double) ids);
            mate = least + 70 * (t < ids ? t : ids - 1);
        }
        if (!mate)
            bench_faces_draw_person (&model, stranger);
        bench_faces_draw_photo (&model, mate ? centres + (mate - 1) * D : stranger,
                                drawn + (missing + k) * D);
        mates [k] = (int64_t) mate;
    }
    free (centres);
    return drawn;
}

//  Of a sample of the found cases with a mate: how many have it among their
//  candidates (*listed_p) and first (*first_p); the sample's size returned.
static size_t
s_mates (const char *var, size_t missing, size_t found, const int64_t *mates, size_t *listed_p,
         size_t *first_p)
{
    char path [4300];
    snprintf (path, sizeof path, "%s/homeward.db", var);
    mt_casedb_t *db = NULL;
    mt_err_t err;
    *listed_p = *first_p = 0;
    if (mt_casedb_open (path, &db, &err) != MT_OK) {
        fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
        return 0;
    }
    //  Mates are every other found case: each pair of places looked at once.
    size_t sample = 0, stride = 2 * (found / (2 * S_MATES) + 1);
    for (size_t at = 0; at + 1 < found && sample < S_MATES; at += stride) {
        size_t k = mates [at] ? at : at + 1;
        if (!mates [k])
            continue;
        mt_candidate_row_t *rows = NULL;
        size_t count = 0;
        int64_t id = (int64_t) (missing + 1 + k);
        if (mt_casedb_candidates (db, id, -1e300, true, 100000, 0, &rows, &count, NULL, &err)
            != MT_OK)
            continue;
        sample++;
        size_t rank = 0;
        while (rank < count
           &&  !(rows [rank].found_case == id && rows [rank].missing_case == mates [k]))
            rank++;
        *listed_p += rank < count;
        *first_p += rank == 0 && count > 0;
        mt_casedb_candidates_free (rows, count);
    }
    mt_casedb_close (&db);
    return sample;
}

//  The whole cross-match through the service; with faces_from, its faces
//  drawn like real ones from that folder's (s_drawn), else random.
static int
s_service (size_t found, size_t missing, const char *dir, const char *same_as,
           const char *faces_from, int json)
{
    char var [4200], log [4200], command [4300];
    snprintf (var, sizeof var, "%s/crossmatch-var", dir);
    snprintf (log, sizeof log, "%s/crossmatch-serve.log", dir);
    snprintf (command, sizeof command, "rm -rf '%s'", var);
    if (system (command) != 0)
        return 1;
    int64_t *mates = faces_from ? calloc (found, sizeof *mates) : NULL;
    float *drawn = mates ? s_drawn (faces_from, dir, missing, found, mates) : NULL;
    if (faces_from && !drawn) {
        free (mates);
        return 1;
    }
    double start = mt_clock_s ();
    int written = drawn ? bench_gallery_write_faces (var, missing, found, 2, drawn)
                        : bench_gallery_write_both (var, missing, found, 2, NULL, NULL);
    free (drawn);
    if (written != 0) {
        free (mates);
        return 1;
    }
    fprintf (stderr, "bench-crossmatch: %zu missing and %zu found cases written in %.1f s\n",
             missing, found, mt_clock_s () - start);
    char *extra [] = { "--crossmatch-share", "1", "--workers", "1", NULL };
    api_client_t *client;
    pid_t serve = bench_serve_start (var, log, extra, &client);
    if (serve < 0) {
        free (mates);
        return 1;
    }
    double resting_mb = bench_process_mb (serve, "VmRSS");
    json_decref (s_call (client, "crossmatch.start"));
    start = mt_clock_s ();
    json_t *status = NULL;
    for (int failed = 0; failed < 5;) {
        json_decref (status);
        status = s_call (client, "crossmatch.status");
        const char *state = status ? json_string_value (json_object_get (status, "state")) : NULL;
        failed = state ? 0 : failed + 1;
        if (state && strcmp (state, "running") != 0)
            break;
        struct timespec pause = { 0, 200000000 };
        nanosleep (&pause, NULL);
    }
    double seconds = mt_clock_s () - start;
    long long cases = status ? json_integer_value (json_object_get (status, "cases_done")) : 0;
    long long faces = status ? json_integer_value (json_object_get (status, "faces_done")) : 0;
    double peak_mb = bench_process_mb (serve, "VmHWM");
    if (json)
        printf ("{\"service\":true,\"found\":%zu,\"missing\":%zu,\"seconds\":%.1f,"
                "\"cases\":%lld,\"cases_per_s\":%.1f,\"faces_per_s\":%.1f,"
                "\"pairs_per_s\":%.4g,\"serve_resting_mb\":%.0f,\"serve_peak_mb\":%.0f}\n",
                found, missing, seconds, cases, (double) cases / seconds,
                (double) faces / seconds, 2.0 * (double) found * (double) missing / seconds,
                resting_mb, peak_mb);
    else
        printf ("through the service: %zu found x %zu missing cases: %lld cases in %.1f s, "
                "%.1f cases/s; the service's memory %.0f MB started, %.0f MB at its peak\n",
                found, missing, cases, seconds, (double) cases / seconds, resting_mb, peak_mb);
    json_decref (status);
    api_client_destroy (&client);
    bench_serve_stop (serve);
    size_t listed = 0, first = 0;
    size_t sample = mates ? s_mates (var, missing, found, mates, &listed, &first) : 0;
    free (mates);
    if (sample && json)
        printf ("{\"mates_sampled\":%zu,\"mate_listed\":%.4f,\"mate_first\":%.4f}\n",
                sample, (double) listed / (double) sample, (double) first / (double) sample);
    else
    if (sample)
        printf ("found cases with a mate: %zu sampled, the mate among their candidates for "
                "%zu (%.1f%%), first for %zu (%.1f%%)\n", sample, listed,
                100.0 * (double) listed / (double) sample, first,
                100.0 * (double) first / (double) sample);
    long long differing = 0, persons = 0, persons_differing = 0;
    long long same = same_as ? s_same_pairs (var, same_as, found + missing, &differing, &persons,
                                             &persons_differing) : 0;
    if (same_as && json)
        printf ("{\"same_as\":\"%s\",\"same_pairs\":%lld,\"differing\":%lld,"
                "\"same_person_pairs_same\":%lld,\"same_person_pairs_differing\":%lld}\n",
                same_as, same, differing, persons, persons_differing);
    else
    if (same_as)
        printf ("against %s: %lld pairs the same, %lld differing; same-person pairs: %lld the "
                "same, %lld differing\n", same_as, same, differing, persons, persons_differing);
    return cases == (long long) (found + missing) && differing == 0 && persons_differing == 0
           ? 0 : 1;
}

int
main (int argc, char **argv)
{
    size_t found = 100000, missing = 100000, batch = 1024;
    const char *faces_from = "../shared/faces/lfw-scale", *dir = "/tmp/homeward-bench-index";
    const char *index_kind = "auto", *same_as = NULL;
    int json = 0, service = 0, drawn = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--found") == 0 && i + 1 < argc)
            found = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--missing") == 0 && i + 1 < argc)
            missing = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--batch") == 0 && i + 1 < argc)
            batch = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--index") == 0 && i + 1 < argc)
            index_kind = argv [++i];
        else if (strcmp (argv [i], "--faces") == 0 && i + 1 < argc)
            faces_from = argv [++i];
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            dir = argv [++i];
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else if (strcmp (argv [i], "--service") == 0)
            service = 1;
        else if (strcmp (argv [i], "--drawn") == 0)
            drawn = 1;
        else if (strcmp (argv [i], "--same-as") == 0 && i + 1 < argc)
            same_as = argv [++i];
        else {
            printf ("usage: bench-crossmatch [--found N] [--missing M] [--batch B] "
                    "[--index auto|exact|ivf] [--faces FOLDER] [--dir DIR]\n"
                    "                        [--service [--drawn] [--same-as OLDDIR]] [--json]\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    mt_index_plan_t plan = mt_index_plan_default ();
    plan.kind = mt_index_kind_from_name (index_kind);
    if (plan.kind == MT_INDEX_AUTO)
        plan.probe_most = MT_INDEX_PROBE_MOST;      //  as a shard plans it
    if (found < S_SAMPLE || missing < 100 || batch < 1 || batch > 4096 || plan.kind < 0) {
        fprintf (stderr, "bench-crossmatch: --found at least %d, --missing at least 100, "
                 "--batch 1..4096, --index auto, exact, ivf or ivf-sq8\n", S_SAMPLE);
        return 2;
    }
    mkdir (dir, 0700);
    if (service)
        return s_service (found, missing, dir, same_as, drawn ? faces_from : NULL, json);
    bench_faces_t faces;
    bench_faces_model_t model;
    if (s_model (faces_from, dir, &faces, &model) != 0)
        return 1;
    //  The missing gallery: one face a person; found faces: new photos.
    float *centres = malloc (missing * D * sizeof *centres);
    float *gallery = malloc (missing * D * sizeof *gallery);
    float *queries = malloc (found * D * sizeof *queries);
    mt_face_meta_t *meta = malloc (missing * sizeof *meta);
    int64_t *mate = malloc (found * sizeof *mate);
    if (!centres || !gallery || !queries || !meta || !mate) {
        fprintf (stderr, "bench-crossmatch: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < missing; i++) {
        bench_faces_draw_person (&model, centres + i * D);
        bench_faces_draw_photo (&model, centres + i * D, gallery + i * D);
        meta [i] = (mt_face_meta_t) { i + 1, i + 1, 11 };
    }
    float stranger [D];
    for (size_t i = 0; i < found; i++) {
        size_t person = (size_t) (bench_faces_uniform (&model) * (double) missing);
        bool known = i % 2 == 0;
        if (!known)
            bench_faces_draw_person (&model, stranger);
        bench_faces_draw_photo (&model, known ? centres + person * D : stranger,
                                queries + i * D);
        mate [i] = known ? (int64_t) person + 1 : -1;
    }
    free (centres);

    //  As a shard: one OpenMP thread, OpenBLAS on both cores.
    mt_index_tune_threads (2);
    mt_gallery_t *g;
    mt_err_t err;
    mt_index_report_t report;
    double start = mt_clock_s ();
    if (mt_gallery_new_planned (&plan, D, &g, &err) != MT_OK
    ||  mt_gallery_add (g, missing, meta, gallery, NULL, &err) != MT_OK) {
        fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
        return 1;
    }
    if (mt_gallery_maintain (g, &report, &err) == MT_GALLERY_STARTED
    &&  mt_gallery_finish_rebuild (g, &report, &err) != MT_OK) {
        fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
        return 1;
    }
    double build_s = mt_clock_s () - start;
    char described [128];
    mt_gallery_describe (g, described, sizeof described);

    //  The cross-match: batches, as a shard answers them.
    mt_hit_t *hits = malloc (batch * K * sizeof *hits);
    size_t *counts = malloc (batch * sizeof *counts);
    int64_t *got = malloc (found * K * sizeof *got);
    start = mt_clock_s ();
    for (size_t at = 0; at < found; at += batch) {
        size_t n = found - at < batch ? found - at : batch;
        if (mt_gallery_search (g, n, queries + at * D, K, NULL, 0, hits, counts, &err)
            != MT_OK) {
            fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
            return 1;
        }
        for (size_t q = 0; q < n; q++)
            for (size_t j = 0; j < K; j++)
                got [(at + q) * K + j] = j < counts [q] ? (int64_t) hits [q * K + j].face_id : -1;
    }
    double seconds = mt_clock_s () - start;
    double pairs_per_s = (double) found * (double) missing / seconds;

    //  Brute force on a sample, spread over the found faces.
    float *sample = malloc (S_SAMPLE * D * sizeof *sample), *d = malloc (S_SAMPLE * K * sizeof *d);
    int64_t *truth = malloc (S_SAMPLE * K * sizeof *truth);
    size_t stride = found / S_SAMPLE;
    for (size_t s = 0; s < S_SAMPLE; s++)
        memcpy (sample + s * D, queries + s * stride * D, D * sizeof *sample);
    if (mt_index_knn_exact (sample, S_SAMPLE, gallery, missing, D, K, d, truth, &err) != MT_OK) {
        fprintf (stderr, "bench-crossmatch: %s\n", err.msg);
        return 1;
    }
    size_t wanted = 0, hit = 0, known = 0, mate_hit = 0, mate_exact = 0;
    for (size_t s = 0; s < S_SAMPLE; s++) {
        const int64_t *row = got + s * stride * K;
        for (size_t j = 0; j < K; j++) {
            int64_t want = truth [s * K + j] + 1;      //  positions to ids
            wanted++;
            for (size_t m = 0; m < K; m++)
                if (row [m] == want) {
                    hit++;
                    break;
                }
        }
        int64_t person = mate [s * stride];
        if (person > 0) {
            known++;
            for (size_t m = 0; m < K; m++) {
                mate_hit += row [m] == person;
                mate_exact += truth [s * K + m] + 1 == person;
            }
        }
    }
    double recall = (double) hit / (double) wanted;
    //  Both directions, a million each way, at the measured rate.
    double hours_1m = 2 * 1e12 / pairs_per_s / 3600;
    if (json)
        printf ("{\"found\":%zu,\"missing\":%zu,\"batch\":%zu,\"index\":\"%s\",\"built\":\"%s\","
                "\"build_s\":%.1f,\"seconds\":%.1f,\"pairs_per_s\":%.4g,\"recall_at_20\":%.4f,"
                "\"mate_recall_at_20\":%.4f,\"exact_mate_recall_at_20\":%.4f,"
                "\"hours_1m_x_1m_both_ways\":%.2f}\n", found, missing, batch, index_kind,
                described, build_s, seconds, pairs_per_s, recall,
                known ? (double) mate_hit / (double) known : 0,
                known ? (double) mate_exact / (double) known : 0, hours_1m);
    else
        printf ("%zu found x %zu missing (%s), batches of %zu: %.1f s, %.3g pairs/s; "
                "recall@20 %.4f against brute force; true person in the 20: %zu of %zu "
                "(brute force %zu); 1M x 1M both ways: %.2f h\n", found, missing, described,
                batch, seconds, pairs_per_s, recall, mate_hit, known, mate_exact, hours_1m);
    free (sample), free (d), free (truth), free (hits), free (counts), free (got);
    free (gallery), free (queries), free (meta), free (mate);
    mt_gallery_destroy (&g);
    bench_faces_free (&faces);
    return 0;
}
