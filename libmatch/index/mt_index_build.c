//  mt_index_build - which index a gallery of n vectors gets, building it
//  from the vectors themselves, and tuning its search parameter until it
//  finds what exact search finds (recall@20 on a sample of its own vectors).

#include "index/mt_index.h"
#include "base/mt_clock.h"

#include "mti_faiss_stop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Recall is measured on the 20 nearest, as the candidates a family gets.
#define S_RECALL_K 20
//  Vectors added to an index at a time, the stop asked between.
#define S_ADD_PART 65536

static const char *s_kind_names [] = { "auto", "exact", "ivf", "ivf-sq8", "hnsw", "ivf-pq" };

const char *
mt_index_kind_name (int kind)
{
    if (kind < 0 || kind >= (int) (sizeof s_kind_names / sizeof *s_kind_names))
        return NULL;
    return s_kind_names [kind];
}

int
mt_index_kind_from_name (const char *name)
{
    for (int kind = 0; name && kind < (int) (sizeof s_kind_names / sizeof *s_kind_names);
         kind++)
        if (strcmp (name, s_kind_names [kind]) == 0)
            return kind;
    return -1;
}

int
mt_index_kind_of (const mt_index_t *index)
{
    char text [128];
    mt_index_describe (index, text, sizeof text);
    if (strstr (text, "HNSW") && !strstr (text, "IVF"))
        return MT_INDEX_HNSW;
    if (strstr (text, "IVF") && strstr (text, ",SQ8"))
        return MT_INDEX_IVF_SQ8;
    if (strstr (text, "IVF") && strstr (text, ",PQ"))
        return MT_INDEX_IVF_PQ;
    if (strstr (text, "IVF"))
        return MT_INDEX_IVF;
    return MT_INDEX_EXACT;
}

mt_index_plan_t
mt_index_plan_default (void)
{
    return (mt_index_plan_t) { .kind = MT_INDEX_AUTO, .recall_target = 0.99,
                               .exact_below = 200000, .tune_queries = 200,
                               .hnsw_quantizer_from = 8192, .family_target = 0.995,
                               .family_radius = 0, .family_queries = 2000,
                               .refine_most = MT_INDEX_REFINE_MOST };
}

//  The radius within which a face can still be the family's. Two ways to
//  it, which agree:
//  - the ranking's face evidence (services/results/store/mt_rank.c, fitted
//    on lfw-scale) falls to the candidate floor, -12, below which a pair is
//    not shown (bench/RESULTS.md, "The candidate floor"): dlib
//    28.90 - 48.17 d = -12 at d = 0.849; MobileFaceNet alone
//    30.132 - 27.477 d = -12 at d = 1.533;
//  - the hardest family in ../shared/FACTS.md ("Faces across ages"): a
//    child's photo against one 20+ years later, mean + 2.5 sd: dlib
//    0.660 + 2.5 x 0.079 = 0.858; MobileFaceNet 1.197 + 2.5 x 0.134 = 1.532.
//  The larger of the two, rounded up: 0.86 and 1.54 (an earlier 1.55 was
//  a little wider than either). The age-gap evidence (mt_rank_age.c) gives
//  no tighter bound: it flattens the line for a child's photo, so at 20+
//  years evidence -12 lies beyond 2, past every stranger. Strangers lie at
//  dlib 0.703 (sd 0.089), MobileFaceNet 1.300 (sd 0.144): most of a face's
//  20 nearest are within the radius, so it is the case, not the radius,
//  that picks the family; the radius only leaves out family photos too far
//  to be found anyway.
double
mt_index_family_radius (int dim)
{
    return dim == 128 ? 0.86 : dim == 192 ? 1.54 : 0;
}

static bool
s_is_ivf (int kind)
{
    return kind == MT_INDEX_IVF || kind == MT_INDEX_IVF_SQ8 || kind == MT_INDEX_IVF_PQ;
}

int
mt_index_plan_kind (const mt_index_plan_t *plan, size_t n)
{
    if (plan->kind != MT_INDEX_AUTO)
        return mt_index_kind_for_size (plan->kind, n);
    return mt_index_kind_for_size (n < plan->exact_below ? MT_INDEX_EXACT : MT_INDEX_IVF_PQ,
                                   n);
}

int
mt_index_kind_for_size (int kind, size_t n)
{
    //  Too few vectors to train lists on: exact search costs nothing here.
    if (s_is_ivf (kind) && n < MT_INDEX_IVF_MIN)
        return MT_INDEX_EXACT;
    //  Too few to train a code book of 256 values a byte on.
    if (kind == MT_INDEX_IVF_PQ && n < MT_INDEX_PQ_MIN)
        return MT_INDEX_IVF;
    return kind;
}

//  Lists of an IVF index for n vectors: about 4 sqrt(n) (a power of two),
//  with at least 39 training vectors per list as k-means wants.
static size_t
s_ivf_lists_by_size (size_t n)
{
    size_t lists = 1;
    while (lists * 2 <= 4 * sqrt ((double) n) && lists * 2 * 39 <= n && lists < 65536)
        lists *= 2;
    return lists;
}

//  The plan's lists if it sets them (at most one per 39 vectors), else by
//  size.
static size_t
s_ivf_lists (const mt_index_plan_t *plan, size_t n)
{
    if (plan->ivf_lists > 0)
        return plan->ivf_lists * 39 <= n ? plan->ivf_lists : n / 39 > 0 ? n / 39 : 1;
    return s_ivf_lists_by_size (n);
}

//  Many lists: an HNSW graph finds a vector's nearest lists (the flat
//  quantizer would compare it with every list's centre).
static bool
s_hnsw_quantizer (const mt_index_plan_t *plan, int kind, size_t n)
{
    return s_is_ivf (kind) && s_ivf_lists (plan, n) >= plan->hnsw_quantizer_from;
}

//  Codes of 4 dimensions a byte (dlib 32 bytes, MobileFaceNet 48), 2 where
//  the dimension does not divide by 4.
static int
s_pq_bytes (int dim)
{
    return dim % 4 == 0 ? dim / 4 : dim % 2 == 0 ? dim / 2 : dim;
}

static void
s_factory (const mt_index_plan_t *plan, int kind, size_t n, int dim, char *factory,
           size_t size)
{
    size_t lists = s_ivf_lists (plan, n);
    const char *quantizer = s_hnsw_quantizer (plan, kind, n) ? "_HNSW32" : "";
    if (kind == MT_INDEX_IVF)
        snprintf (factory, size, "IVF%zu%s,Flat", lists, quantizer);
    else if (kind == MT_INDEX_IVF_SQ8)
        snprintf (factory, size, "IVF%zu%s,SQ8", lists, quantizer);
    else if (kind == MT_INDEX_IVF_PQ)
        snprintf (factory, size, "IVF%zu%s,PQ%dnp", lists, quantizer, s_pq_bytes (dim));
    else if (kind == MT_INDEX_HNSW)
        snprintf (factory, size, "IDMap2,HNSW32");
    else
        snprintf (factory, size, "%s", MT_INDEX_DEFAULT_FACTORY);
}

//  An evenly spread sample of count vectors (positions into vectors).
static void
s_sample_positions (size_t n, size_t count, size_t *positions)
{
    for (size_t i = 0; i < count; i++)
        positions [i] = (size_t) ((double) i * (double) n / (double) count);
}

typedef struct {
    size_t queries;             //  sampled stored vectors
    size_t k;                   //  neighbours compared (20, fewer in tiny sets)
    float *x;                   //  queries x dim
    int64_t *self_ids;          //  each query's own id
    int64_t *truth;             //  queries x k exact neighbours' ids, self left out
} s_probe_t;

static void
s_probe_free (s_probe_t *probe)
{
    free (probe->x), free (probe->self_ids), free (probe->truth);
}

//  Keep up to k ids of a (k + 1)-long answer, leaving out the query's own.
static void
s_drop_self (const int64_t *row, size_t k, int64_t self_id, int64_t *out)
{
    size_t kept = 0;
    for (size_t j = 0; j <= k && kept < k; j++)
        if (row [j] != self_id)
            out [kept++] = row [j];
    while (kept < k)
        out [kept++] = -1;
}

static int
s_probe_make (s_probe_t *probe, size_t count, int dim, size_t n, const int64_t *ids,
              const float *vectors, mt_err_t *err)
{
    memset (probe, 0, sizeof *probe);
    probe->queries = count < n ? count : n;
    probe->k = n - 1 < S_RECALL_K ? n - 1 : S_RECALL_K;
    size_t q = probe->queries, k1 = probe->k + 1;
    size_t *positions = malloc (q * sizeof *positions);
    float *d = malloc (q * k1 * sizeof *d);
    int64_t *labels = malloc (q * k1 * sizeof *labels);
    probe->x = malloc (q * (size_t) dim * sizeof *probe->x);
    probe->self_ids = malloc (q * sizeof *probe->self_ids);
    probe->truth = malloc (q * probe->k * sizeof *probe->truth + 1);
    int rc = MT_OK;
    if (!positions || !d || !labels || !probe->x || !probe->self_ids || !probe->truth)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory measuring recall");
    if (rc == MT_OK) {
        s_sample_positions (n, q, positions);
        for (size_t i = 0; i < q; i++) {
            memcpy (probe->x + i * (size_t) dim, vectors + positions [i] * (size_t) dim,
                    (size_t) dim * sizeof *probe->x);
            probe->self_ids [i] = ids [positions [i]];
        }
        rc = mt_index_knn_exact (probe->x, q, vectors, n, dim, k1, d, labels, err);
    }
    for (size_t i = 0; rc == MT_OK && i < q; i++) {
        for (size_t j = 0; j < k1; j++)
            labels [i * k1 + j] = labels [i * k1 + j] < 0 ? -1 : ids [labels [i * k1 + j]];
        s_drop_self (labels + i * k1, probe->k, probe->self_ids [i],
                     probe->truth + i * probe->k);
    }
    free (positions), free (d), free (labels);
    if (rc != MT_OK)
        s_probe_free (probe);
    return rc;
}

//  The family probe: of count sampled stored faces, those with another
//  face of their own case among their exact k nearest and within radius;
//  truth keeps only those faces (the rest -1), so the recall over it is the
//  share of the family returned. probe->queries is 0 when no sampled face
//  has family.
static int
s_family_probe_make (s_probe_t *probe, size_t count, double radius, int dim, size_t n,
                     const int64_t *ids, const uint64_t *cases, const float *vectors,
                     size_t *targets_p, mt_err_t *err)
{
    memset (probe, 0, sizeof *probe);
    *targets_p = 0;
    size_t q = count < n ? count : n;
    probe->k = n - 1 < S_RECALL_K ? n - 1 : S_RECALL_K;
    size_t k1 = probe->k + 1;
    size_t *positions = malloc (q * sizeof *positions);
    float *x = malloc (q * (size_t) dim * sizeof *x);
    float *d = malloc (q * k1 * sizeof *d);
    int64_t *labels = malloc (q * k1 * sizeof *labels);
    probe->x = malloc (q * (size_t) dim * sizeof *probe->x + 1);
    probe->self_ids = malloc (q * sizeof *probe->self_ids + 1);
    probe->truth = malloc (q * probe->k * sizeof *probe->truth + 1);
    int rc = MT_OK;
    if (!positions || !x || !d || !labels || !probe->x || !probe->self_ids || !probe->truth)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory measuring recall");
    if (rc == MT_OK) {
        s_sample_positions (n, q, positions);
        for (size_t i = 0; i < q; i++)
            memcpy (x + i * (size_t) dim, vectors + positions [i] * (size_t) dim,
                    (size_t) dim * sizeof *x);
        rc = mt_index_knn_exact (x, q, vectors, n, dim, k1, d, labels, err);
    }
    //  Squared distances from the exact search; no radius: any distance.
    double limit = radius > 0 ? radius * radius : INFINITY;
    for (size_t i = 0; rc == MT_OK && i < q; i++) {
        size_t self = positions [i], kept = 0;
        int64_t *row = probe->truth + probe->queries * probe->k;
        for (size_t j = 0; j < k1 && kept < probe->k; j++) {
            int64_t at = labels [i * k1 + j];
            if (at < 0 || (size_t) at == self)
                continue;
            if (cases [at] == cases [self] && d [i * k1 + j] <= limit)
                row [kept++] = ids [at];
        }
        if (kept == 0)
            continue;
        *targets_p += kept;
        while (kept < probe->k)
            row [kept++] = -1;
        memcpy (probe->x + probe->queries * (size_t) dim, x + i * (size_t) dim,
                (size_t) dim * sizeof *x);
        probe->self_ids [probe->queries++] = ids [self];
    }
    free (positions), free (x), free (d), free (labels);
    if (rc != MT_OK)
        s_probe_free (probe);
    return rc;
}

//  recall@k of the index against the probe's exact answers.
static int
s_probe_recall (const s_probe_t *probe, const mt_index_t *index, double *recall_p,
                mt_err_t *err)
{
    size_t q = probe->queries, k = probe->k, k1 = k + 1;
    float *d = malloc (q * k1 * sizeof *d);
    int64_t *got = malloc (q * k1 * sizeof *got);
    int64_t *kept = malloc (k * sizeof *kept + 1);
    if (!d || !got || !kept) {
        free (d), free (got), free (kept);
        return mt_err_set (err, MT_ENOMEM, "out of memory measuring recall");
    }
    int rc = mt_index_search_alone (index, q, probe->x, k1, d, got, err);
    size_t found = 0, wanted = 0;
    for (size_t i = 0; rc == MT_OK && i < q; i++) {
        s_drop_self (got + i * k1, k, probe->self_ids [i], kept);
        for (size_t j = 0; j < k; j++) {
            int64_t want = probe->truth [i * k + j];
            if (want < 0)
                continue;
            wanted++;
            for (size_t m = 0; m < k; m++)
                if (kept [m] == want) {
                    found++;
                    break;
                }
        }
    }
    *recall_p = wanted ? (double) found / (double) wanted : 1.0;
    free (d), free (got), free (kept);
    return rc;
}

//  Set the search parameter; with an HNSW graph over the IVF lists, the
//  graph must look at more than nprobe lists' centres to return nprobe of
//  them (its default 16 returns ever fewer: all 8,192 lists "probed" found
//  0.79 of the 20 nearest at 10M).
static int
s_set (mt_index_t *index, const char *param, int value, bool hnsw_quantizer, mt_err_t *err)
{
    int rc = mt_index_set_param (index, param, value, err);
    if (rc == MT_OK && hnsw_quantizer)
        rc = mt_index_set_param (index, "quantizer_efSearch", value * 2 < 128 ? 128 : value * 2,
                                 err);
    return rc;
}

//  The smallest value of the search parameter (1..most) whose recall meets
//  the target: doubling, then halving the last step.
static int
s_tune (mt_index_t *index, const char *param, int first, int most, bool hnsw_quantizer,
        double target, const s_probe_t *probe, mt_index_report_t *report, mt_err_t *err)
{
    int low = 0, value = first;
    double recall = 0;
    for (;;) {
        if (value > most)
            value = most;
        int rc = s_set (index, param, value, hnsw_quantizer, err);
        if (rc == MT_OK)
            rc = s_probe_recall (probe, index, &recall, err);
        if (rc != MT_OK)
            return rc;
        if (recall >= target || value == most)
            break;
        low = value;
        value *= 2;
    }
    int high = value;
    double high_recall = recall;
    while (high - low > 1 && high_recall >= target) {
        int mid = low + (high - low) / 2;
        int rc = s_set (index, param, mid, hnsw_quantizer, err);
        if (rc == MT_OK)
            rc = s_probe_recall (probe, index, &recall, err);
        if (rc != MT_OK)
            return rc;
        if (recall >= target)
            high = mid, high_recall = recall;
        else
            low = mid;
    }
    snprintf (report->param, sizeof report->param, "%s", param);
    report->param_value = high;
    report->recall = high_recall;
    report->short_of_target = high_recall < target;
    if (high_recall < target)
        return mt_err_set (err, MT_EINTERNAL, "%s finds %.3f of exact search's nearest at "
                           "%s %d, the most, short of %.3f: kept out", report->factory,
                           high_recall, param, high, target);
    return s_set (index, param, high, hnsw_quantizer, err);
}

static int
s_train_and_add (mt_index_t *index, int kind, int dim, size_t n, const int64_t *ids,
                 const float *vectors, size_t lists, mt_index_report_t *report, mt_err_t *err)
{
    double start = mt_clock_s ();
    int rc = MT_OK;
    if (!mt_index_is_trained (index)) {
        //  k-means wants 39..256 vectors per list; more only costs time.
        size_t count = lists * 64 < n ? lists * 64 : n;
        size_t *positions = malloc (count * sizeof *positions);
        float *sample = malloc (count * (size_t) dim * sizeof *sample);
        if (!positions || !sample)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory training the index");
        if (rc == MT_OK) {
            s_sample_positions (n, count, positions);
            for (size_t i = 0; i < count; i++)
                memcpy (sample + i * (size_t) dim, vectors + positions [i] * (size_t) dim,
                        (size_t) dim * sizeof *sample);
            rc = mt_index_train (index, count, sample, err);
        }
        free (positions), free (sample);
    }
    report->train_s = mt_clock_s () - start;
    start = mt_clock_s ();
    //  In parts, the stop asked between them: FAISS checks its hook while
    //  it trains and searches, not while it adds to an IVF or exact index
    //  (a million faces: ~11 s, that a gallery closed meanwhile waited). An
    //  HNSW graph is added whole (FAISS checks the hook as it adds one): it
    //  places a part's vertices level by level, and in parts the graph
    //  would come out otherwise.
    size_t part = kind == MT_INDEX_HNSW ? n : S_ADD_PART;
    for (size_t at = 0; rc == MT_OK && at < n; at += part) {
        if (mti_faiss_stop_asked ())
            rc = mt_err_set (err, MT_EINTERNAL, "adding to the index was interrupted: it "
                             "was asked to stop");
        else
            rc = mt_index_add (index, n - at < part ? n - at : part,
                               vectors + at * (size_t) dim, ids + at, err);
    }
    report->add_s = mt_clock_s () - start;
    return rc;
}

int
mt_index_build (const mt_index_plan_t *plan, int dim, size_t n, const int64_t *ids,
                const float *vectors, mt_index_t **self_p, mt_index_report_t *report,
                mt_err_t *err)
{
    return mt_index_build_grouped (plan, dim, n, ids, NULL, vectors, self_p, report, err);
}

//  The probe to tune on: the family's where cases are known and a sample
//  has family, else the 20 nearest; *target_p the recall it must reach.
static int
s_tuning_probe (const mt_index_plan_t *plan, int dim, size_t n, const int64_t *ids,
                const uint64_t *cases, const float *vectors, s_probe_t *probe,
                double *target_p, mt_index_report_t *report, mt_err_t *err)
{
    if (cases && plan->family_target > 0) {
        double radius = plan->family_radius > 0 ? plan->family_radius
                                                : mt_index_family_radius (dim);
        size_t targets;
        int rc = s_family_probe_make (probe, plan->family_queries, radius, dim, n, ids, cases,
                                      vectors, &targets, err);
        if (rc != MT_OK)
            return rc;
        if (probe->queries > 0) {
            snprintf (report->rule, sizeof report->rule, "family");
            report->family_faces = targets;
            *target_p = 1 - (1 - plan->family_target) / 2;
            return MT_OK;
        }
        s_probe_free (probe);
    }
    snprintf (report->rule, sizeof report->rule, "nearest");
    //  Stored faces as queries are easier than new photos of the same
    //  people (1M faces: 0.990 on stored ones gave 0.987 on new photos,
    //  bench/RESULTS.md): the sample must miss half as many as the target
    //  allows.
    *target_p = 1 - (1 - plan->recall_target) / 2;
    return s_probe_make (probe, plan->tune_queries, dim, n, ids, vectors, err);
}

static int s_build_kind (const mt_index_plan_t *plan, int kind, int dim, size_t n,
                         const int64_t *ids, const uint64_t *cases, const float *vectors,
                         mt_index_t **self_p, mt_index_report_t *report, mt_err_t *err);

int
mt_index_build_grouped (const mt_index_plan_t *plan, int dim, size_t n, const int64_t *ids,
                        const uint64_t *cases, const float *vectors, mt_index_t **self_p,
                        mt_index_report_t *report, mt_err_t *err)
{
    *self_p = NULL;
    mt_index_report_t own;
    if (!report)
        report = &own;
    int kind = mt_index_plan_kind (plan, n);
    int rc = s_build_kind (plan, kind, dim, n, ids, cases, vectors, self_p, report, err);
    //  Codes too rough for the target even probing every list (vectors
    //  nearly as near as each other, e.g. no family among the 20 nearest):
    //  the lists keep the vectors themselves.
    if (rc != MT_OK && kind == MT_INDEX_IVF_PQ && report->short_of_target) {
        char why [sizeof report->note - 32];
        snprintf (why, sizeof why, "%s", err->msg);
        rc = s_build_kind (plan, MT_INDEX_IVF, dim, n, ids, cases, vectors, self_p, report,
                           err);
        snprintf (report->note, sizeof report->note, "%s: IVF,Flat instead", why);
    }
    //  Lists that do not narrow the search (vectors with no neighbourhoods
    //  for k-means to find): exact search reads no more, faster.
    size_t lists = s_ivf_lists (plan, n);
    if (rc == MT_OK && plan->probe_most > 0 && strcmp (report->param, "nprobe") == 0
    &&  report->param_value > plan->probe_most * (double) lists) {
        char why [sizeof report->note];
        snprintf (why, sizeof why, "%.160s%s%.40s nprobe %d of %zu lists: exact search instead",
                  report->note, report->note [0] ? "; " : "", report->factory,
                  report->param_value, lists);
        mt_index_destroy (self_p);
        rc = s_build_kind (plan, MT_INDEX_EXACT, dim, n, ids, cases, vectors, self_p, report,
                           err);
        memcpy (report->note, why, sizeof report->note);
    }
    return rc;
}

static int
s_build_kind (const mt_index_plan_t *plan, int kind, int dim, size_t n, const int64_t *ids,
              const uint64_t *cases, const float *vectors, mt_index_t **self_p,
              mt_index_report_t *report, mt_err_t *err)
{
    *self_p = NULL;
    memset (report, 0, sizeof *report);
    report->recall = 1;
    kind = mt_index_kind_for_size (kind, n);
    s_factory (plan, kind, n, dim, report->factory, sizeof report->factory);
    bool hnsw_quantizer = s_hnsw_quantizer (plan, kind, n);
    mt_index_t *index;
    int rc = mt_index_new (report->factory, dim, &index, err);
    if (rc != MT_OK)
        return rc;
    //  Each vector into its nearest list: the graph looks wider than its
    //  default while filling.
    if (hnsw_quantizer)
        rc = mt_index_set_param (index, "quantizer_efSearch", 128, err);
    if (rc == MT_OK)
        rc = s_train_and_add (index, kind, dim, n, ids, vectors, s_ivf_lists (plan, n), report,
                              err);
    double start = mt_clock_s ();
    if (rc == MT_OK && kind != MT_INDEX_EXACT && n > 1) {
        s_probe_t probe;
        double target = 1;
        rc = s_tuning_probe (plan, dim, n, ids, cases, vectors, &probe, &target, report, err);
        bool probed = rc == MT_OK;
        if (rc == MT_OK && kind == MT_INDEX_HNSW)
            rc = s_tune (index, "efSearch", 16, 4096, false, target, &probe, report, err);
        else if (rc == MT_OK)
            rc = s_tune (index, "nprobe", 1, (int) s_ivf_lists (plan, n), hnsw_quantizer,
                         target, &probe, report, err);
        //  Codes short of the target probing every list: re-rank more of
        //  them (the 20 nearest need it; the family seldom does).
        if (rc != MT_OK && probed && kind == MT_INDEX_IVF_PQ && report->short_of_target
        &&  plan->refine_most > MT_INDEX_REFINE_LEAST) {
            report->short_of_target = false;
            rc = mt_index_set_param (index, "refine", plan->refine_most, err);
            if (rc == MT_OK)
                rc = s_tune (index, "nprobe", 1, (int) s_ivf_lists (plan, n), hnsw_quantizer,
                             target, &probe, report, err);
            report->refine = plan->refine_most;
        }
        if (probed)
            s_probe_free (&probe);
    }
    report->tune_s = mt_clock_s () - start;
    if (rc != MT_OK) {
        mt_index_destroy (&index);
        return rc;
    }
    *self_p = index;
    return MT_OK;
}
