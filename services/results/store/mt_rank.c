//  mt_rank - the evidence of a case pair from their pooled faces and their
//  facts (mt_rank_facts.c), with its explanation; the scores of a case's
//  candidates among the families searched.

#include "results/store/mt_rank.h"
#include "mti_rank.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  bench-calibrate on ../shared/faces/lfw-scale (2,784 people, 4,227 faces,
//  mirror descriptors): a class-balanced logistic fit of same against
//  different person over all 8.9 million pairs of photos (bench/RESULTS.md).
#define S_FACE_A 28.90
#define S_FACE_B (-48.17)
//  The same fit with both descriptors, over the same pairs: mirror-averaged
//  dlib at distance d and MobileFaceNet at distance d2 (unit vectors),
//  a + b d + b2 d2; and MobileFaceNet alone, a + b2 d2 (bench/RESULTS.md,
//  "A second descriptor").
#define S_FUSED_A 31.345
#define S_FUSED_B (-17.907)
#define S_FUSED_B2 (-18.600)
#define S_MFN_A 30.132
#define S_MFN_B2 (-27.477)

//  How much a face counts in its case's template, by verdict: a small face
//  was the rule in the calibration, a turned, blurred or unsure one is
//  noisier (judgement).
#define S_TEMPLATE_WEIGHT_OK 1.0
#define S_TEMPLATE_WEIGHT_SMALL 0.7
#define S_TEMPLATE_WEIGHT_WEAK 0.3

int
mt_rank_model_descriptor (mt_rank_model_t *m, const char *name, mt_err_t *err)
{
    //  The score's parameters are fitted for each (bench-identify --absent
    //  0.5 --fit on lfw-scale; bench/RESULTS.md): the stronger evidence of
    //  both descriptors takes a stronger prior against any one family.
    if (strcmp (name, "fused") == 0 || strcmp (name, "mobilefacenet") == 0) {
        m->fused = true;
        bool both = strcmp (name, "fused") == 0;
        m->fused_a = both ? S_FUSED_A : S_MFN_A;
        m->fused_b = both ? S_FUSED_B : 0;
        m->fused_b2 = both ? S_FUSED_B2 : S_MFN_B2;
        m->score_b0 = -3.42, m->score_b1 = 1.247, m->score_b2 = 0.978, m->score_g = -6.5;
    }
    else
    if (strcmp (name, "dlib") == 0) {
        m->fused = false;
        m->score_b0 = -1.34, m->score_b1 = 1.335, m->score_b2 = 1.29, m->score_g = -4.5;
    }
    else
        return mt_err_set (err, MT_EINVAL, "descriptor must be dlib, mobilefacenet or fused, "
                           "not '%s'", name);
    return MT_OK;
}

mt_rank_model_t
mt_rank_default_model (void)
{
    mt_rank_model_t m = {
        .face_a = S_FACE_A, .face_b = S_FACE_B,
        .weak_face_weight = 0.6,
        .child_photo_weight = 0.6,
        .age_gap = true, .age_nearness = 10,
        .subject_spread = 0.2,
        .template_join = 0.6,
        .sex_conflict = -2.5, .sex_agree = 0.3,
        .age_agree = 0.3, .age_per_year = -0.15, .age_floor = -3.0,
        .dates_slight = -0.5, .dates_wrong = -2.0,
        .province_same = 0.2, .province_per_1000km = -0.2, .province_floor = -0.6,
    };
    mt_rank_model_descriptor (&m, "fused", NULL);
    return m;
}

//  ---------------------------------------------------------------- descriptions

//  One description of a case's person: a template of several photos, or
//  one face of a photo that stays apart.
typedef struct {
    float vector [MT_EMBEDDING_DIM];
    bool has2;                      //  every member has a second descriptor: vector2
    float vector2 [MT_EMBEDDING2_DIM];
    double prior;                   //  probability that it is the person
    double weight;                  //  how much its evidence counts
    size_t photos;                  //  photos it stands for
    const mt_face_row_t *face;      //  the face shown for it (the best member)
    const char *weak_verdict;       //  a member's verdict when it counts less
    double age;                     //  the person's age in its photos, -1 unknown
    double taken;                   //  when they were taken, in years (2017.5), -1 unknown
    bool child;                     //  a childhood photo (taken before 14)
    int child_year;                 //  its year, 0 unknown
    int group_faces;                //  a group photo's face whose person nobody picked:
                                    //  the photo's faces in matching (else 0)
} s_desc_t;

static bool
s_weak (const char *verdict)
{
    return strcmp (verdict, "ok") != 0 && strcmp (verdict, "too_small") != 0;
}

static double
s_template_weight (const char *verdict)
{
    return strcmp (verdict, "ok") == 0 ? S_TEMPLATE_WEIGHT_OK
         : strcmp (verdict, "too_small") == 0 ? S_TEMPLATE_WEIGHT_SMALL
         : S_TEMPLATE_WEIGHT_WEAK;
}

//  The person's age in a face's photo, or -1: as given for the photo; for
//  a family's photo from its year and the birth year; for a found person
//  the age staff estimated when they were found, less the years since an
//  older photo was taken.
static double
s_face_age (const mt_case_t *c, const mt_face_row_t *f)
{
    if (f->age_taken >= 0)
        return f->age_taken;
    if (c->kind == MT_KIND_MISSING) {
        if (!f->year_taken || !c->birth_year_min)
            return -1;
        double born = c->birth_year_max >= c->birth_year_min
                    ? (c->birth_year_min + c->birth_year_max) / 2.0 : c->birth_year_min;
        return f->year_taken >= born ? f->year_taken - born : -1;
    }
    if (c->age_min < 0)
        return -1;
    double age = c->age_max >= c->age_min ? (c->age_min + c->age_max) / 2.0 : c->age_min;
    int found_year = 0;
    if (sscanf (c->date_found, "%4d", &found_year) == 1 && f->year_taken
    &&  f->year_taken < found_year)
        age -= found_year - f->year_taken;
    return age >= 0 ? age : -1;
}

//  When a face's photo was taken, in years (2017.22), or -1: a found
//  person's photo on the day they were found, unless an earlier year is
//  given for it; any other photo in the middle of its year, if given.
static double
s_face_taken (const mt_case_t *c, const mt_face_row_t *f)
{
    int year = 0, month = 0, day = 0;
    if (c->kind == MT_KIND_FOUND
    &&  sscanf (c->date_found, "%4d-%2d-%2d", &year, &month, &day) == 3
    &&  !(f->year_taken && f->year_taken < year))
        return year + ((month - 1) * 30.44 + (day - 1)) / 365.25;
    return f->year_taken ? f->year_taken + 0.5 : -1;
}

//  The age at which a missing person's photo was taken, or -1.
static int
s_age_at (const mt_case_t *c, const mt_face_row_t *f)
{
    return c->kind == MT_KIND_MISSING ? (int) s_face_age (c, f) : -1;
}

//  How likely a face is the photo's person, before its descriptor is seen:
//  by how far it sits from the photo's centre.
static double
s_subject_prior (const mt_rank_model_t *m, const mt_face_row_t *f)
{
    if (f->photo_width <= 0 || f->photo_height <= 0)
        return 1;
    double dx = (f->box [0] + f->box [2] / 2.0) / f->photo_width - 0.5;
    double dy = (f->box [1] + f->box [3] / 2.0) / f->photo_height - 0.5;
    double r = sqrt (dx * dx + dy * dy) / m->subject_spread;
    return exp (-0.5 * r * r) + 1e-6;
}

static int
s_by_photo (const void *a, const void *b)
{
    const mt_face_row_t *x = *(const mt_face_row_t *const *) a;
    const mt_face_row_t *y = *(const mt_face_row_t *const *) b;
    return x->photo_id != y->photo_id ? (x->photo_id > y->photo_id) - (x->photo_id < y->photo_id)
                                      : (x->id > y->id) - (x->id < y->id);
}

//  The template's second descriptor: the members' mean, weighted as for
//  dlib's, of unit length (MobileFaceNet's descriptors are compared by
//  angle); none unless every member has one.
static void
s_template2 (s_desc_t *t, const mt_face_row_t *const *f, const bool *member, size_t n)
{
    double sum [MT_EMBEDDING2_DIM] = { 0 }, norm = 0;
    t->has2 = false;
    for (size_t i = 0; i < n; i++)
        if (member [i]) {
            if (!f [i]->has_embedding2)
                return;
            double w = s_template_weight (f [i]->verdict);
            for (int d = 0; d < MT_EMBEDDING2_DIM; d++)
                sum [d] += w * f [i]->embedding2 [d];
        }
    for (int d = 0; d < MT_EMBEDDING2_DIM; d++)
        norm += sum [d] * sum [d];
    if (!(norm > 1e-12))
        return;
    norm = sqrt (norm);
    for (int d = 0; d < MT_EMBEDDING2_DIM; d++)
        t->vector2 [d] = (float) (sum [d] / norm);
    t->has2 = true;
}

//  The template's descriptor: its members' weighted mean (sum / total),
//  the best of them for show, their age where every one's is known.
static void
s_template_out (const mt_rank_model_t *m, const mt_case_t *c, const mt_face_row_t **f,
                const bool *member, size_t n, const double *sum, double total, s_desc_t *t)
{
    memset (t, 0, sizeof *t);
    bool strong = false;
    double best_w = -1;
    size_t covered = 0;
    for (size_t i = 0; i < n; i++)
        if (member [i]) {
            covered++;
            strong |= !s_weak (f [i]->verdict);
            if (s_template_weight (f [i]->verdict) > best_w) {
                best_w = s_template_weight (f [i]->verdict);
                t->face = f [i];
            }
            if (s_weak (f [i]->verdict))
                t->weak_verdict = f [i]->verdict;
        }
    for (int d = 0; d < MT_EMBEDDING_DIM; d++)
        t->vector [d] = (float) (sum [d] / total);
    s_template2 (t, f, member, n);
    //  Its age and when it was taken: the members' mean, where every
    //  member's is known.
    double ages = 0, taken = 0;
    for (size_t i = 0; i < n; i++)
        if (member [i]) {
            ages = ages >= 0 && s_face_age (c, f [i]) >= 0 ? ages + s_face_age (c, f [i]) : -1;
            taken = taken >= 0 && s_face_taken (c, f [i]) >= 0 ? taken + s_face_taken (c, f [i])
                                                                : -1;
        }
    t->age = ages >= 0 ? ages / (double) covered : -1;
    t->taken = taken >= 0 ? taken / (double) covered : -1;
    t->photos = covered;
    t->weight = strong ? 1 : m->weak_face_weight;
    if (strong)
        t->weak_verdict = NULL;
    t->prior = (double) covered;
}

//  A face the template does not cover, apart: its photo's share (norm: the
//  photo's faces' priors summed; faces: how many the photo has).
static void
s_face_out (const mt_rank_model_t *m, const mt_case_t *c, const mt_face_row_t *f, double norm,
            int faces, s_desc_t *d)
{
    memset (d, 0, sizeof *d);
    memcpy (d->vector, f->embedding, sizeof d->vector);
    d->has2 = f->has_embedding2;
    if (d->has2)
        memcpy (d->vector2, f->embedding2, sizeof d->vector2);
    d->face = f;
    d->photos = 1;
    d->age = s_face_age (c, f);
    d->taken = s_face_taken (c, f);
    d->prior = s_subject_prior (m, f) / norm;
    if (faces > 1)
        d->group_faces = faces;
    d->weight = 1;
    if (s_weak (f->verdict)) {
        d->weight *= m->weak_face_weight;
        d->weak_verdict = f->verdict;
    }
    int age = s_age_at (c, f);
    if (age >= 0 && age < 14) {
        d->child = true;
        d->child_year = f->year_taken;
    }
}

//  The descriptions of a case's person (at most count + 1) into out;
//  returns how many. The template, if any, comes first.
static size_t
s_describe (const mt_rank_model_t *m, const mt_case_t *c, const mt_face_row_t *faces,
            size_t count, s_desc_t *out)
{
    const mt_face_row_t **f = malloc ((count ? count : 1) * sizeof *f);
    bool *member = calloc (count ? count : 1, sizeof *member);
    size_t n = 0;
    for (size_t i = 0; f && i < count; i++)
        if (!faces [i].excluded)
            f [n++] = &faces [i];
    if (!f || !member || n == 0) {
        free (f), free (member);
        return 0;
    }
    qsort (f, n, sizeof *f, s_by_photo);
    //  Photos as runs [start, end) of f.
    size_t photos = 0, *start = malloc ((n + 1) * sizeof *start);
    if (!start) {
        free (f), free (member);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (i == 0 || f [i]->photo_id != f [i - 1]->photo_id)
            start [photos++] = i;
    start [photos] = n;

    //  The template: faces alone in their photo (not childhood photos),
    //  then from each group photo the face nearest to them, if near enough.
    double sum [MT_EMBEDDING_DIM] = { 0 }, total = 0;
    for (size_t p = 0; p < photos; p++)
        if (start [p + 1] - start [p] == 1 && !(s_age_at (c, f [start [p]]) >= 0
                                               && s_age_at (c, f [start [p]]) < 14))
            member [start [p]] = true;
    for (size_t i = 0; i < n; i++)
        if (member [i]) {
            double w = s_template_weight (f [i]->verdict);
            for (int d = 0; d < MT_EMBEDDING_DIM; d++)
                sum [d] += w * f [i]->embedding [d];
            total += w;
        }
    if (total > 0) {
        float anchor [MT_EMBEDDING_DIM];
        for (int d = 0; d < MT_EMBEDDING_DIM; d++)
            anchor [d] = (float) (sum [d] / total);
        for (size_t p = 0; p < photos; p++) {
            if (start [p + 1] - start [p] < 2)
                continue;
            size_t best = n;
            float best_d = 0;
            for (size_t i = start [p]; i < start [p + 1]; i++) {
                float d = mt_embedding_distance (anchor, f [i]->embedding);
                if (!(s_age_at (c, f [i]) >= 0 && s_age_at (c, f [i]) < 14)
                &&  (best == n || d < best_d))
                    best = i, best_d = d;
            }
            if (best < n && best_d < m->template_join) {
                member [best] = true;
                double w = s_template_weight (f [best]->verdict);
                for (int d = 0; d < MT_EMBEDDING_DIM; d++)
                    sum [d] += w * f [best]->embedding [d];
                total += w;
            }
        }
    }
    size_t count_out = 0;
    if (total > 0)
        s_template_out (m, c, f, member, n, sum, total, &out [count_out++]);
    //  The photos the template does not cover: each face apart, the photo's
    //  share spread by where the faces sit.
    for (size_t p = 0; p < photos; p++) {
        bool in_template = false;
        double norm = 0;
        for (size_t i = start [p]; i < start [p + 1]; i++) {
            in_template |= member [i];
            norm += s_subject_prior (m, f [i]);
        }
        if (in_template)
            continue;
        for (size_t i = start [p]; i < start [p + 1]; i++)
            s_face_out (m, c, f [i], norm, (int) (start [p + 1] - start [p]),
                        &out [count_out++]);
    }
    for (size_t i = 0; i < count_out; i++)
        out [i].prior /= (double) photos;
    free (f), free (member), free (start);
    return count_out;
}

size_t
mt_rank_templates (const mt_rank_model_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                   size_t count, float *vectors, size_t max)
{
    s_desc_t *desc = malloc ((count + 1) * sizeof *desc);
    size_t n = desc ? s_describe (m, c, faces, count, desc) : 0, made = 0;
    for (size_t i = 0; i < n && made < max; i++)
        if (desc [i].photos > 1)
            memcpy (vectors + made++ * MT_EMBEDDING_DIM, desc [i].vector, sizeof desc [i].vector);
    free (desc);
    return made;
}

//  ---------------------------------------------------------------- evidence

//  Two descriptions compared: their distances, the years between their
//  photos (-1 unknown) and the weighed evidence. dated: two records of one
//  side, whose photos, if they are one person, are as many years apart as
//  they were taken (two stations' photos of a wanderer months apart), not
//  as two staff's estimates of the age are: those are years off each, and
//  strangers' estimates decades apart made the evidence of a look-alike
//  lenient, as if the faces were of a person grown older.
typedef struct {
    double d, d2, gap, llr;
} s_face_pair_llr_t;

static s_face_pair_llr_t
s_pair_llr (const mt_rank_model_t *m, const s_desc_t *f, const s_desc_t *g, bool dated)
{
    s_face_pair_llr_t p = { .d = mt_embedding_distance (f->vector, g->vector), .d2 = -1,
                            .gap = -1 };
    if (m->fused && f->has2 && g->has2)
        p.d2 = mt_mobilefacenet_distance (f->vector2, g->vector2);
    bool aged = m->age_gap && f->age >= 0 && g->age >= 0;
    if (aged)
        p.gap = dated && f->taken >= 0 && g->taken >= 0 ? fabs (f->taken - g->taken)
                                                       : fabs (f->age - g->age);
    double w = f->weight * g->weight;
    if (!aged && (f->child || g->child))
        w *= m->child_photo_weight;
    p.llr = w * mti_rank_face_llr (m, p.d, p.d2, aged ? fmin (f->age, g->age) : -1, p.gap);
    return p;
}

//  How much a family's description counts against a found person's, by the
//  years between their ages (1 where either is unknown).
static double
s_nearness (const mt_rank_model_t *m, const s_desc_t *found, const s_desc_t *missing)
{
    if (found->age < 0 || missing->age < 0 || !(m->age_nearness > 0))
        return 1;
    return exp (-fabs (found->age - missing->age) / m->age_nearness);
}

typedef struct {
    const mt_face_row_t *found, *missing;
    double distance;
} s_face_pair_t;

static int
s_by_distance (const void *a, const void *b)
{
    double x = ((const s_face_pair_t *) a)->distance, y = ((const s_face_pair_t *) b)->distance;
    return (x > y) - (x < y);
}

//  The face pairs a reviewer compares side by side: the nearest first.
static void
s_pairs_shown (const mt_face_row_t *ff, size_t nf, const mt_face_row_t *mf, size_t nm,
               mt_rank_explanation_t *ex)
{
    size_t most = nf * nm > 0 ? nf * nm : 1;
    s_face_pair_t *pairs = malloc (most * sizeof *pairs);
    size_t n = 0;
    for (size_t i = 0; pairs && i < nf; i++)
        for (size_t j = 0; j < nm; j++)
            if (!ff [i].excluded && !mf [j].excluded)
                pairs [n++] = (s_face_pair_t) { &ff [i], &mf [j],
                    mt_embedding_distance (ff [i].embedding, mf [j].embedding) };
    if (pairs)
        qsort (pairs, n, sizeof *pairs, s_by_distance);
    ex->pairs = n < MT_RANK_PAIRS_SHOWN ? n : MT_RANK_PAIRS_SHOWN;
    for (size_t i = 0; i < ex->pairs; i++) {
        mt_rank_face_pair_t *p = &ex->pair [i];
        p->found_face = pairs [i].found->id;
        p->missing_face = pairs [i].missing->id;
        p->distance = round (pairs [i].distance * 1000) / 1000;
        snprintf (p->found_verdict, sizeof p->found_verdict, "%s", pairs [i].found->verdict);
        snprintf (p->missing_verdict, sizeof p->missing_verdict, "%s",
                  pairs [i].missing->verdict);
    }
    free (pairs);
}

static void
s_desc_shown (const s_desc_t *d, mt_rank_desc_t *out)
{
    *out = (mt_rank_desc_t) {
        .face = d->face->id, .photos = (int64_t) d->photos,
        .prior = round (d->prior * 1000) / 1000,
        .age = d->age >= 0 ? (int) lround (d->age) : -1,
        .child = d->child, .child_year = d->child_year,
        //  Nobody said which face of this group photo is the person (an
        //  import, or an uploader who could not tell): the face nearest
        //  the middle counts most.
        .group_faces = d->group_faces
    };
    if (d->weak_verdict)
        snprintf (out->verdict, sizeof out->verdict, "%s", d->weak_verdict);
}

//  What the facts of two cases say (mti_rank_facts, mti_rank_same_facts).
typedef double (s_facts_fn) (const mt_rank_model_t *, const mt_case_t *, const mt_case_t *,
                             mt_rank_explanation_t *, int *);

//  Two cases weighed: their faces pooled and paired, then their facts by
//  facts_fn. found and missing name the sides of a family pair; two cases of
//  one side take the same places (dated: s_pair_llr).
static int
s_pair (const mt_rank_model_t *m, const mt_case_t *found, const mt_face_row_t *ff,
        size_t nf, const mt_case_t *missing, const mt_face_row_t *mf, size_t nm,
        s_facts_fn *facts_fn, bool dated, mt_rank_t *out, mt_err_t *err)
{
    memset (out, 0, sizeof *out);
    out->distance = -1;
    mt_rank_explanation_t *ex = &out->explanation;
    ex->distance2 = -1, ex->age_gap = -1;
    s_desc_t *fd = malloc ((nf + 1) * sizeof *fd), *md = malloc ((nm + 1) * sizeof *md);
    if (!fd || !md) {
        free (fd), free (md);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    size_t nfd = s_describe (m, found, ff, nf, fd), nmd = s_describe (m, missing, mf, nm, md);

    //  The mixture over which descriptions are the person on each side. A
    //  family's photos of one person at known ages, against a found
    //  person of known age, are one hypothesis: their evidence adds up,
    //  each weighed by how near its age lies to the found person's (the
    //  nearest counts fully), so that a childhood photo neither hides a
    //  recent photo's verdict nor stands in for it.
    double face = 0, best_term = -INFINITY;
    s_face_pair_llr_t best = { .d2 = -1, .gap = -1 };
    const s_desc_t *bf = NULL, *bm = NULL;
    if (nfd > 0 && nmd > 0) {
        double lse = -INFINITY;
        for (size_t i = 0; i < nfd; i++) {
            size_t sure = 0, aged = 0;
            double nearest = 0, sure_prior = 0, sure_llr = 0;
            for (size_t j = 0; j < nmd; j++)
                if (!md [j].group_faces) {
                    sure++, sure_prior += md [j].prior;
                    aged += md [j].age >= 0;
                    nearest = fmax (nearest, s_nearness (m, &fd [i], &md [j]));
                }
            bool together = m->age_gap && fd [i].age >= 0 && sure >= 2 && aged == sure;
            const s_desc_t *counts_most = NULL;
            s_face_pair_llr_t most = { .d2 = -1, .gap = -1 };
            for (size_t j = 0; j < nmd; j++) {
                s_face_pair_llr_t p = s_pair_llr (m, &fd [i], &md [j], dated);
                if (together && !md [j].group_faces) {
                    double near = s_nearness (m, &fd [i], &md [j]) / nearest;
                    sure_llr += near * p.llr;
                    if (!counts_most || near > s_nearness (m, &fd [i], counts_most) / nearest)
                        counts_most = &md [j], most = p;
                    continue;
                }
                double term = log (fd [i].prior * md [j].prior) + p.llr;
                lse = mt_rank_logaddexp (lse, term);
                if (term > best_term)
                    best_term = term, bf = &fd [i], bm = &md [j], best = p;
            }
            if (together) {
                double term = log (fd [i].prior * sure_prior) + sure_llr;
                lse = mt_rank_logaddexp (lse, term);
                if (term > best_term)
                    best_term = term, bf = &fd [i], bm = counts_most, best = most;
            }
        }
        out->distance = best.d;
        face = lse;
        ex->pooled = true;
        s_desc_shown (bf, &ex->found);
        s_desc_shown (bm, &ex->missing);
        ex->distance = round (out->distance * 1000) / 1000;
        ex->weight = round (bf->weight * bm->weight * 100) / 100;
        if (best.d2 >= 0)
            ex->distance2 = round (best.d2 * 1000) / 1000;
        //  The years between the photos that weigh most, where both ages are
        //  known: their evidence was weighed for them.
        if (best.gap >= 0)
            ex->age_gap = (int) lround (best.gap);
        ex->descriptions_found = (int64_t) nfd, ex->descriptions_missing = (int64_t) nmd;
        if (bf->child || bm->child)
            ex->flags |= MT_RANK_FLAG_CHILD_PHOTO;
        if (best.gap >= 10)
            ex->flags |= MT_RANK_FLAG_AGE_GAP;
        if (bf->weak_verdict || bm->weak_verdict)
            ex->flags |= MT_RANK_FLAG_LOW_QUALITY;
        if (bf->group_faces || bm->group_faces)
            ex->flags |= MT_RANK_FLAG_PERSON_GUESSED;
    }
    else
        ex->flags |= MT_RANK_FLAG_NO_FACES;
    s_pairs_shown (ff, nf, mf, nm, ex);

    double fact = facts_fn (m, found, missing, ex, &out->conflicts);
    out->face_evidence = face;
    out->facts_evidence = fact;
    out->evidence = face + fact;
    ex->evidence = round (out->evidence * 100) / 100;
    ex->face_evidence = round (face * 100) / 100;
    ex->facts_evidence = round (fact * 100) / 100;
    free (fd), free (md);
    return MT_OK;
}

int
mt_rank_pair (const mt_rank_model_t *m, const mt_case_t *found, const mt_face_row_t *ff,
              size_t nf, const mt_case_t *missing, const mt_face_row_t *mf, size_t nm,
              mt_rank_t *out, mt_err_t *err)
{
    return s_pair (m, found, ff, nf, missing, mf, nm, mti_rank_facts, false, out, err);
}

//  A found person's faces as one person against another: of each photo
//  with several faces, the one nearest its centre (the person the station
//  photographed), into a new array (*count_p of them); a photo where staff
//  marked the person has that face alone already. Others in the picture
//  (a station worker beside many found people, a passer-by) would make two
//  strangers one person; their own faces are theirs, and for a family pair
//  the photo's faces are each weighed by how likely they are its person.
static mt_face_row_t *
s_subjects (const mt_rank_model_t *m, const mt_face_row_t *faces, size_t n, size_t *count_p)
{
    mt_face_row_t *kept = malloc ((n ? n : 1) * sizeof *kept);
    *count_p = 0;
    for (size_t i = 0; kept && i < n; i++) {
        bool central = true;
        for (size_t j = 0; j < n && central; j++)
            if (j != i && faces [j].photo_id == faces [i].photo_id) {
                double pi = s_subject_prior (m, &faces [i]), pj = s_subject_prior (m, &faces [j]);
                central = pi > pj || (pi == pj && i < j);
            }
        if (central)
            kept [(*count_p)++] = faces [i];
    }
    return kept;
}

int
mt_rank_same (const mt_rank_model_t *m, const mt_case_t *a, const mt_face_row_t *fa, size_t na,
              const mt_case_t *b, const mt_face_row_t *fb, size_t nb, mt_rank_t *out,
              mt_err_t *err)
{
    if (a->kind != b->kind)
        return mt_err_set (err, MT_EINVAL, "cases %lld and %lld are of two sides",
                           (long long) a->id, (long long) b->id);
    if (a->kind != MT_KIND_FOUND)
        return s_pair (m, a, fa, na, b, fb, nb, mti_rank_same_facts, true, out, err);
    size_t ka = 0, kb = 0;
    mt_face_row_t *sa = s_subjects (m, fa, na, &ka), *sb = s_subjects (m, fb, nb, &kb);
    int rc = sa && sb ? s_pair (m, a, sa, ka, b, sb, kb, mti_rank_same_facts, true, out, err)
                      : mt_err_set (err, MT_ENOMEM, "out of memory");
    free (sa), free (sb);
    return rc;
}

int
mt_rank_same_facts (const mt_rank_model_t *m, const mt_case_t *a, const mt_case_t *b,
                    mt_rank_explanation_t *ex)
{
    memset (ex, 0, sizeof *ex);
    int conflicts = 0;
    mti_rank_same_facts (m, a, b, ex, &conflicts);
    return conflicts;
}

//  ---------------------------------------------------------------- scores

static double
s_softplus (double x)
{
    return x > 30 ? x : log1p (exp (x));
}

double
mt_rank_same_score (double evidence, double rivals_a, double rivals_b)
{
    return evidence - s_softplus (rivals_a - MT_RANK_SAME_RIVALS)
                    - s_softplus (rivals_b - MT_RANK_SAME_RIVALS);
}

double
mt_rank_logaddexp (double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p (exp (b - a)) : b + log1p (exp (a - b));
}

void
mt_rank_scores (const mt_rank_model_t *m, const double *evidence, size_t n, size_t families,
                double *scores, double *rivals)
{
    //  The log-sum of the others for each j: prefix and suffix sums.
    double *before = malloc ((n + 1) * sizeof *before), *after = malloc ((n + 1) * sizeof *after);
    if (!before || !after) {
        for (size_t j = 0; j < n; j++)
            scores [j] = 0, rivals [j] = -INFINITY;
        free (before), free (after);
        return;
    }
    before [0] = after [n] = -INFINITY;
    for (size_t j = 0; j < n; j++)
        before [j + 1] = mt_rank_logaddexp (before [j], evidence [j]);
    for (size_t j = n; j > 0; j--)
        after [j - 1] = mt_rank_logaddexp (after [j], evidence [j - 1]);
    double searched = m->score_g + log ((double) (families > 0 ? families : 1));
    for (size_t j = 0; j < n; j++) {
        rivals [j] = mt_rank_logaddexp (before [j], after [j + 1]);
        double z = m->score_b0 + m->score_b1 * evidence [j]
                 - m->score_b2 * mt_rank_logaddexp (searched, rivals [j]);
        scores [j] = 1 / (1 + exp (-z));
    }
    free (before), free (after);
}

//  The log-odds of p, with 0 and 1 held just inside so that two saturated
//  scores compare equal.
static double
s_logit (double p)
{
    p = fmin (fmax (p, DBL_MIN), 1 - DBL_EPSILON / 2);
    return log (p) - log1p (-p);
}

bool
mt_rank_score_moved (double stored, double fresh)
{
    return isnan (stored) || (fabs (stored - fresh) > MT_RANK_SCORE_KEPT_P
                          &&  fabs (s_logit (stored) - s_logit (fresh)) > MT_RANK_SCORE_KEPT);
}
