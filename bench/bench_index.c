//  bench/index - one index type against exact search, in one run.
//
//  usage: bench-search --index exact|ivf|ivf-pq|ivf-sq8|hnsw|auto [--n 1000000]
//                      [--queries 1000] [--real-queries N] [--recall 0.99]
//                      [--descriptor dlib|mobilefacenet] [--radius R]
//                      [--tune family|nearest] [--family-target 0.995]
//                      [--nprobe N] [--lists L] [--hnsw-from L] [--sweep]
//                      [--sweep-values 32,64,..]
//                      [--faces FOLDER] [--dir DIR] [--json]
//
//  The gallery is n descriptors: one photo of each person of FOLDER (real
//  descriptors of the chosen descriptor, default ../shared/faces/lfw-scale),
//  then people drawn from a model fitted on them, 1-3 photos each
//  (bench_faces.h); each person is a case. The queries: the real people's
//  other photos (every one, or --real-queries of them), and queries / 2 new
//  photos of drawn people in the gallery. The index is built as the service
//  builds it (mt_index_build_grouped: trained on the gallery, its search
//  parameter tuned on a sample of the gallery until it returns the family
//  target of each sampled face's own case within the radius; --tune nearest:
//  mt_index_build's rule, the 20 nearest), then every query is searched
//  alone (batch 1, one thread) in it and by brute force.
//
//  Reported: qps and exact_qps (single queries), paired_speedup (exact
//  search's time over the index's on the same queries, each query by both
//  in turn, so that the load of a shared machine falls on both alike; up to
//  20 s of exact search, 10 s for each sweep point), recall_at_20 (share of the exact 20 nearest found in the
//  index's 20 nearest, over the queries), family_recall_at_20 (real queries
//  whose person's gallery photo is among the index's 20 nearest) and
//  exact_family_recall_at_20 (the same by exact search; mate_recall_at_20
//  is the older name of the same figures), near_recall_at_20 (the exact
//  20 nearest within the radius), bytes_per_vector (the index as written),
//  and the build's times.

#define _GNU_SOURCE

#include "bench_faces.h"
#include "base/mt_clock.h"
#include "bench_gallery.h"
#include "bench_index.h"
#include "index/mt_index.h"

#include <math.h>
#include <omp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define K 20

//  The descriptor's dimension (128 dlib, 192 MobileFaceNet), set once.
static int D = BENCH_FACES_DIM;

typedef struct {
    size_t n, queries, real_queries;
    int kind;
    double recall_target;
    const char *faces;
    const char *dir;
    const char *descriptor;
    double radius;              //  0: the descriptor's (mt_index_family_radius)
    double family_target;
    int tune_nearest;           //  mt_index_build's rule, not the family's
    int nprobe;                 //  > 0: searched at this nprobe, not the tuned one
    size_t lists;               //  > 0: IVF lists (else the plan's choice by size)
    size_t hnsw_from;           //  > 0: an HNSW graph finds lists from this many
    const char *sweep_values;
    int json;
    int sweep;
    int drawn_only;             //  no real faces in the gallery (to compare)
} s_args_t;

typedef struct {
    float *vectors;             //  n x D
    int64_t *ids;               //  n
    uint64_t *cases;            //  n: each face's person, as the gallery knows its case
    size_t n;
    float *queries;             //  q x D
    int64_t *mate;              //  q: the gallery id of the query's person, -1 for none
    size_t q, real_q;
} s_set_t;

static int
s_args (int argc, char **argv, s_args_t *args)
{
    *args = (s_args_t) { .n = 1000000, .queries = 1000, .real_queries = SIZE_MAX,
                         .recall_target = 0.99, .family_target = 0.995,
                         .faces = "../shared/faces/lfw-scale", .dir = "/tmp/homeward-bench-index",
                         .descriptor = "dlib", .kind = -1 };
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--n") == 0 && i + 1 < argc)
            args->n = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--queries") == 0 && i + 1 < argc)
            args->queries = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--index") == 0 && i + 1 < argc)
            args->kind = mt_index_kind_from_name (argv [++i]);
        else if (strcmp (argv [i], "--real-queries") == 0 && i + 1 < argc)
            args->real_queries = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--recall") == 0 && i + 1 < argc)
            args->recall_target = atof (argv [++i]);
        else if (strcmp (argv [i], "--descriptor") == 0 && i + 1 < argc)
            args->descriptor = argv [++i];
        else if (strcmp (argv [i], "--radius") == 0 && i + 1 < argc)
            args->radius = atof (argv [++i]);
        else if (strcmp (argv [i], "--family-target") == 0 && i + 1 < argc)
            args->family_target = atof (argv [++i]);
        else if (strcmp (argv [i], "--tune") == 0 && i + 1 < argc) {
            const char *rule = argv [++i];
            args->tune_nearest = strcmp (rule, "nearest") == 0;
            if (!args->tune_nearest && strcmp (rule, "family") != 0)
                args->kind = -2;
        }
        else if (strcmp (argv [i], "--lists") == 0 && i + 1 < argc)
            args->lists = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--hnsw-from") == 0 && i + 1 < argc)
            args->hnsw_from = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--nprobe") == 0 && i + 1 < argc)
            args->nprobe = atoi (argv [++i]);
        else if (strcmp (argv [i], "--sweep-values") == 0 && i + 1 < argc)
            args->sweep = 1, args->sweep_values = argv [++i];
        else if (strcmp (argv [i], "--faces") == 0 && i + 1 < argc)
            args->faces = argv [++i];
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            args->dir = argv [++i];
        else if (strcmp (argv [i], "--json") == 0)
            args->json = 1;
        else if (strcmp (argv [i], "--sweep") == 0)
            args->sweep = 1;
        else if (strcmp (argv [i], "--drawn-only") == 0)
            args->drawn_only = 1;
        else {
            fprintf (stderr, "usage: bench-search --index exact|ivf|ivf-pq|ivf-sq8|hnsw|auto [--n N] "
                     "[--queries Q] [--real-queries N] [--recall R] "
                     "[--descriptor dlib|mobilefacenet] [--radius R] [--tune family|nearest] "
                     "[--family-target T] [--nprobe N] [--lists L] [--hnsw-from L] [--sweep] "
                     "[--sweep-values A,B,..] "
                     "[--faces FOLDER] [--dir DIR] [--json]\n");
            return -1;
        }
    }
    if (args->kind < 0 || args->n < 100 || args->queries < 10
    ||  args->recall_target <= 0 || args->recall_target > 1
    ||  args->family_target <= 0 || args->family_target > 1 || args->radius < 0
    ||  (strcmp (args->descriptor, "dlib") != 0
         && strcmp (args->descriptor, "mobilefacenet") != 0)) {
        fprintf (stderr, "bench-search: --index is one of exact, ivf, ivf-pq, ivf-sq8, hnsw, auto; "
                 "--n at least 100, --queries at least 10, --recall and --family-target in "
                 "(0, 1], --radius at least 0, --descriptor dlib or mobilefacenet, --tune "
                 "family or nearest\n");
        return -1;
    }
    return 0;
}

//  The gallery and the queries, as the file's comment says.
static int
s_make_set (const s_args_t *args, const bench_faces_t *faces, bench_faces_model_t *model,
            s_set_t *set)
{
    memset (set, 0, sizeof *set);
    set->n = args->n;
    //  Room for every real query and the drawn ones; q is set at the end.
    size_t room = faces->count + args->queries / 2;
    set->vectors = malloc (set->n * D * sizeof (float));
    set->ids = malloc (set->n * sizeof (int64_t));
    set->cases = malloc (set->n * sizeof (uint64_t));
    set->queries = malloc (room * D * sizeof (float));
    set->mate = malloc (room * sizeof (int64_t));
    int64_t *first = malloc (faces->people * sizeof *first);
    if (!set->vectors || !set->ids || !set->cases || !set->queries || !set->mate || !first)
        return -1;
    size_t at = 0;
    for (size_t p = 0; p < faces->people; p++)
        first [p] = -1;
    //  Each real person's first photo in the gallery, later ones as queries.
    for (size_t i = 0; !args->drawn_only && i < faces->count && at < set->n; i++) {
        uint32_t p = faces->person [i];
        if (first [p] < 0) {
            first [p] = (int64_t) at + 1;
            memcpy (set->vectors + at * D, faces->vectors + i * D, D * sizeof (float));
            set->ids [at] = (int64_t) at + 1;
            set->cases [at] = (uint64_t) at + 1;
            at++;
        }
        else if (set->real_q < args->real_queries) {
            memcpy (set->queries + set->real_q * D, faces->vectors + i * D, D * sizeof (float));
            set->mate [set->real_q++] = first [p];
        }
    }
    free (first);
    set->q = set->real_q + args->queries / 2;
    //  Drawn people, 1-3 photos each; some of them queried with a new photo.
    size_t drawn_people = 0, q = set->real_q;
    float centre [BENCH_FACES_MAX_DIM];
    while (at < set->n) {
        bench_faces_draw_person (model, centre);
        int photos = 1 + (int) (bench_faces_uniform (model) * 3);
        int64_t person_first = (int64_t) at + 1;
        for (int j = 0; j < photos && at < set->n; j++, at++) {
            bench_faces_draw_photo (model, centre, set->vectors + at * D);
            set->ids [at] = (int64_t) at + 1;
            set->cases [at] = (uint64_t) person_first;
        }
        drawn_people++;
        if (q < set->q && bench_faces_uniform (model) < 4.0 * (double) (set->q - q)
                                                       / (double) (set->n - at + 1)) {
            bench_faces_draw_photo (model, centre, set->queries + q * D);
            set->mate [q++] = -1 - person_first;    //  drawn: not counted as a real mate
        }
    }
    //  Any queries still wanted: new photos of drawn people at random.
    while (q < set->q) {
        size_t pick = (size_t) (bench_faces_uniform (model) * (double) set->n);
        bench_faces_draw_photo (model, set->vectors + pick * D, set->queries + q * D);
        set->mate [q++] = -1;
    }
    return 0;
}

static void
s_set_free (s_set_t *set)
{
    free (set->vectors), free (set->ids), free (set->cases), free (set->queries),
        free (set->mate);
}

//  fopencookie's writer that only counts: the index's size as written.
static ssize_t
s_count_write (void *cookie, const char *buf, size_t size)
{
    (void) buf;
    *(size_t *) cookie += size;
    return (ssize_t) size;
}

static size_t
s_written_bytes (const mt_index_t *index)
{
    size_t bytes = 0;
    cookie_io_functions_t io = { .write = s_count_write };
    FILE *file = fopencookie (&bytes, "w", io);
    mt_err_t err;
    if (!file || mt_index_write (index, file, &err) != MT_OK)
        bytes = 0;
    if (file)
        fclose (file);
    return bytes;
}

static double
s_overlap (const int64_t *truth, const int64_t *got)
{
    size_t wanted = 0, found = 0;
    for (int i = 0; i < K; i++) {
        if (truth [i] < 0)
            continue;
        wanted++;
        for (int j = 0; j < K; j++)
            if (got [j] == truth [i]) {
                found++;
                break;
            }
    }
    return wanted ? (double) found / (double) wanted : 1.0;
}

static int
s_has (const int64_t *row, int64_t id)
{
    for (int j = 0; j < K; j++)
        if (row [j] == id)
            return 1;
    return 0;
}

typedef struct {
    double qps, recall, near_recall, mate, mate_exact;
    double paired_speedup;      //  exact search's time / the index's, same queries
    size_t paired_queries;      //  how many, taken in turn
    size_t real;
} s_measured_t;

//  The queries exact search is timed on: all of them in an order that
//  mixes real and drawn ones (a stride prime to q), so that a run cut
//  short by time still holds both kinds (exact_qps, and the paired timing).
typedef struct {
    size_t *order;              //  q positions
    size_t timed;               //  how many of order were timed
    double exact_s;             //  their time by exact search
    double budget_s;            //  paired timing: seconds of exact search at most
} s_timing_t;

//  Every query alone through the index, timed; its answers against the
//  exact ones (truth, with squared distances truth_d).
static int
s_measure (const mt_index_t *index, const s_set_t *set, const int64_t *truth,
           const float *truth_d, double radius, const s_timing_t *timing, s_measured_t *m)
{
    int64_t *got = malloc (set->q * K * sizeof *got);
    float d [K];
    mt_err_t err;
    memset (m, 0, sizeof *m);
    double start = mt_clock_s ();
    for (size_t i = 0; got && i < set->q; i++)
        if (mt_index_search (index, 1, set->queries + i * D, K, d, got + i * K, &err)
            != MT_OK) {
            fprintf (stderr, "bench-search: %s\n", err.msg);
            free (got);
            return -1;
        }
    m->qps = (double) set->q / (mt_clock_s () - start);
    //  Exact search and the index query by query, side by side: the
    //  machine is shared, and its load moves between the two timings
    //  above (paired_speedup, within budget_s of exact search).
    double exact_s = 0, index_s = 0;
    float exact_d [K];
    int64_t exact_ids [K];
    for (size_t i = 0; got && i < set->q && exact_s < timing->budget_s; i++) {
        const float *query = set->queries + timing->order [i] * D;
        double at = mt_clock_s ();
        mt_index_knn_exact (query, 1, set->vectors, set->n, D, K, exact_d, exact_ids, &err);
        double between = mt_clock_s ();
        mt_index_search (index, 1, query, K, d, exact_ids, &err);
        exact_s += between - at, index_s += mt_clock_s () - between;
        m->paired_queries = i + 1;
    }
    m->paired_speedup = index_s > 0 ? exact_s / index_s : 0;
    size_t near = 0, near_found = 0, mate_found = 0, mate_exact = 0;
    for (size_t i = 0; got && i < set->q; i++) {
        m->recall += s_overlap (truth + i * K, got + i * K);
        for (int j = 0; j < K; j++)
            if (truth [i * K + j] >= 0 && truth_d [i * K + j] <= radius * radius) {
                near++;
                near_found += s_has (got + i * K, truth [i * K + j]);
            }
        if (set->mate [i] > 0) {
            m->real++;
            mate_found += s_has (got + i * K, set->mate [i]);
            mate_exact += s_has (truth + i * K, set->mate [i]);
        }
    }
    m->recall /= (double) set->q;
    m->near_recall = near ? (double) near_found / (double) near : 1;
    m->mate = m->real ? (double) mate_found / (double) m->real : 0;
    m->mate_exact = m->real ? (double) mate_exact / (double) m->real : 0;
    free (got);
    return 0;
}

//  The search parameter's values (--sweep-values, or from 1 (16 for
//  efSearch) doubling): speed against the recalls.
static void
s_sweep (mt_index_t *index, const s_set_t *set, const int64_t *truth, const float *truth_d,
         double radius, const char *param, double exact_qps, const s_timing_t *timing,
         const char *values, int hnsw_quantizer)
{
    mt_err_t err;
    const char *next = values;
    for (int value = strcmp (param, "efSearch") == 0 ? 16 : 1; value <= 8192; value *= 2) {
        if (next) {
            if (!*next)
                break;
            char *end;
            value = (int) strtol (next, &end, 10);
            next = *end == ',' ? end + 1 : "";
            if (value <= 0)
                break;
        }
        if (mt_index_set_param (index, param, value, &err) != MT_OK)
            break;
        if (hnsw_quantizer)
            mt_index_set_param (index, "quantizer_efSearch", value * 2 < 128 ? 128 : value * 2,
                                &err);
        s_measured_t m;
        if (s_measure (index, set, truth, truth_d, radius, timing, &m) != 0)
            break;
        printf ("{\"sweep\":\"%s\",\"value\":%d,\"qps\":%.1f,\"speedup\":%.1f,"
                "\"paired_speedup\":%.1f,\"paired_queries\":%zu,"
                "\"recall_at_20\":%.4f,\"near_recall_at_20\":%.4f,"
                "\"family_recall_at_20\":%.4f,\"exact_family_recall_at_20\":%.4f}\n",
                param, value, m.qps, m.qps / exact_qps, m.paired_speedup, m.paired_queries,
                m.recall,
                m.near_recall, m.mate, m.mate_exact);
        fflush (stdout);
        if (!values && m.recall >= 0.9999)
            break;
        if (values)
            value = 1;      //  doubled to 2, then replaced by the next listed
    }
}

static int
s_cmp_float (const void *a, const void *b)
{
    float x = *(const float *) a, y = *(const float *) b;
    return (x > y) - (x < y);
}

//  The distance within which 99% of two photos of one person fall, among
//  the real faces (reported beside the radius, to compare).
static double
s_same_person_r99 (const bench_faces_t *faces)
{
    size_t cap = 1 << 20, count = 0;
    float *d = malloc (cap * sizeof *d);
    for (size_t i = 0; d && i < faces->count; i++)
        for (size_t j = i + 1; j < faces->count && count < cap; j++) {
            if (faces->person [j] != faces->person [i])
                continue;
            double sum = 0;
            for (int k = 0; k < D; k++) {
                double diff = faces->vectors [i * D + k] - faces->vectors [j * D + k];
                sum += diff * diff;
            }
            d [count++] = (float) sqrt (sum);
        }
    double radius = 0;
    if (count > 10) {
        qsort (d, count, sizeof *d, s_cmp_float);
        radius = d [(size_t) (0.99 * (double) (count - 1))];
    }
    free (d);
    return radius;
}

static size_t
s_gcd (size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b, b = t;
    }
    return a;
}

int
bench_index_main (int argc, char **argv)
{
    s_args_t args;
    if (s_args (argc, argv, &args) != 0)
        return 2;
    mkdir (args.dir, 0700);
    char cache [4096];
    snprintf (cache, sizeof cache, "%s/faces.bin", args.dir);
    bench_faces_t faces;
    bench_faces_model_t model;
    if (bench_faces_load_descriptor (args.faces, cache, args.descriptor, &faces) != 0
    ||  bench_faces_fit (&faces, 0x5eed, &model) != 0) {
        fprintf (stderr, "bench-search: no model of faces from %s\n", args.faces);
        return 1;
    }
    D = faces.dim;
    s_set_t set;
    if (s_make_set (&args, &faces, &model, &set) != 0) {
        fprintf (stderr, "bench-search: out of memory for %zu vectors\n", args.n);
        return 1;
    }
    mt_err_t err;
    double radius = args.radius > 0 ? args.radius : mt_index_family_radius (D);
    double r99 = s_same_person_r99 (&faces);

    //  Exact answers by brute force: all queries together (the BLAS path),
    //  then single queries timed on a sample.
    int64_t *truth = malloc (set.q * K * sizeof *truth);
    float *dist = malloc (set.q * K * sizeof *dist);
    s_timing_t timing = { .order = malloc (set.q * sizeof (size_t)) };
    if (!truth || !dist || !timing.order
    ||  mt_index_knn_exact (set.queries, set.q, set.vectors, set.n, D, K, dist, truth, &err)
        != MT_OK) {
        fprintf (stderr, "bench-search: exact search failed\n");
        return 1;
    }
    for (size_t i = 0; i < set.q * K; i++)
        truth [i] = truth [i] < 0 ? -1 : set.ids [truth [i]];
    size_t stride = 7919;
    while (s_gcd (stride, set.q) != 1)
        stride += 2;
    for (size_t i = 0; i < set.q; i++)
        timing.order [i] = (i * stride) % set.q;
    mt_index_tune_threads (1);
    size_t timed = set.q;
    double exact_start = mt_clock_s ();
    float one_d [K];
    int64_t one [K];
    for (size_t i = 0; i < timed; i++) {
        mt_index_knn_exact (set.queries + timing.order [i] * D, 1, set.vectors, set.n, D, K,
                            one_d, one, &err);
        //  Not more than ~20 s on exact single queries at 10M.
        if (mt_clock_s () - exact_start > 20 && i >= 10) {
            timed = i + 1;
            break;
        }
    }
    timing.timed = timed;
    timing.exact_s = mt_clock_s () - exact_start;
    double exact_qps = (double) timed / timing.exact_s;
    //  Built as a shard builds: one OpenMP thread, OpenBLAS on both cores
    //  (with two OpenMP threads as well they fight: half the time in the
    //  kernel, shared FACTS.md).
    mt_index_tune_threads (2);
    omp_set_num_threads (1);

    mt_index_plan_t plan = mt_index_plan_default ();
    plan.kind = args.kind;
    plan.recall_target = args.recall_target;
    plan.family_target = args.family_target;
    plan.family_radius = radius;
    plan.ivf_lists = args.lists;
    if (args.hnsw_from > 0)
        plan.hnsw_quantizer_from = args.hnsw_from;
    mt_index_t *index;
    mt_index_report_t report;
    if (mt_index_build_grouped (&plan, D, set.n, set.ids, args.tune_nearest ? NULL : set.cases,
                                set.vectors, &index, &report, &err)
        != MT_OK) {
        fprintf (stderr, "bench-search: %s\n", err.msg);
        return 1;
    }
    bool hnsw_quantizer = strstr (report.factory, "_HNSW") != NULL;
    if (args.nprobe > 0 && strcmp (report.param, "nprobe") == 0) {
        mt_index_set_param (index, "nprobe", args.nprobe, &err);
        if (hnsw_quantizer)
            mt_index_set_param (index, "quantizer_efSearch",
                                args.nprobe * 2 < 128 ? 128 : args.nprobe * 2, &err);
    }
    //  Searched as a shard searches: one query at a time, one thread.
    mt_index_tune_threads (1);
    timing.budget_s = 20;
    s_measured_t m;
    if (s_measure (index, &set, truth, dist, radius, &timing, &m) != 0)
        return 1;
    char described [128];
    mt_index_describe (index, described, sizeof described);
    double bytes = (double) s_written_bytes (index) / (double) set.n;
    if (args.json)
        printf ("{\"n\":%zu,\"index\":\"%s\",\"descriptor\":\"%s\",\"built\":\"%s\","
                "\"tuned_on\":\"%s\",\"tuned_value\":%d,\"family_faces\":%zu,"
                "\"qps\":%.1f,\"exact_qps\":%.2f,"
                "\"speedup\":%.1f,\"paired_speedup\":%.1f,\"paired_queries\":%zu,"
                "\"recall_at_20\":%.4f,\"tuned_recall_at_20\":%.4f,"
                "\"near_recall_at_20\":%.4f,\"radius\":%.3f,\"same_person_r99\":%.3f,"
                "\"family_recall_at_20\":%.4f,\"exact_family_recall_at_20\":%.4f,"
                "\"mate_recall_at_20\":%.4f,\"exact_mate_recall_at_20\":%.4f,"
                "\"real_queries\":%zu,\"queries\":%zu,\"bytes_per_vector\":%.1f,"
                "\"train_s\":%.1f,\"add_s\":%.1f,\"tune_s\":%.1f,\"real_faces\":%zu}\n",
                set.n, mt_index_kind_name (args.kind), args.descriptor, described,
                report.rule, report.param_value, report.family_faces, m.qps, exact_qps,
                m.qps / exact_qps, m.paired_speedup, m.paired_queries, m.recall, report.recall,
                m.near_recall, radius, r99, m.mate, m.mate_exact, m.mate, m.mate_exact, m.real,
                set.q, bytes, report.train_s, report.add_s, report.tune_s, faces.count);
    else
        printf ("%zu vectors, %s, %s (%s, tuned on the %s: %d): %.1f q/s (exact %.2f q/s, "
                "x%.1f; x%.1f on the same %zu queries), recall@20 %.4f (tuned on the gallery "
                "%.4f), within %.3f %.4f, true person in the 20: %.4f of %zu (exact %.4f), "
                "%.1f bytes a vector; train %.1f s, add %.1f s, tune %.1f s\n", set.n,
                mt_index_kind_name (args.kind), args.descriptor, described, report.rule,
                report.param_value, m.qps, exact_qps, m.qps / exact_qps, m.paired_speedup,
                m.paired_queries, m.recall, report.recall, radius, m.near_recall, m.mate, m.real,
                m.mate_exact, bytes, report.train_s, report.add_s, report.tune_s);
    fflush (stdout);
    timing.budget_s = 10;
    if (args.sweep && report.param [0])
        s_sweep (index, &set, truth, dist, radius, report.param, exact_qps, &timing,
                 args.sweep_values, hnsw_quantizer);
    mt_index_destroy (&index);
    free (truth), free (dist), free (timing.order);
    s_set_free (&set);
    bench_faces_free (&faces);
    return 0;
}
