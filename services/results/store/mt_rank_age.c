//  mt_rank_age - the face evidence of two photos that knows how many years
//  lie between them. A family's photo is often decades older than the
//  found person: the same person's faces then lie further apart, most of
//  all when the younger photo is of a child, while strangers lie as far
//  apart as ever. So a distance that would be rare for one adult photographed
//  twice is ordinary across twenty years, and the same distance is
//  stronger evidence there.
//
//  The model. For each descriptor the distance between two photos of one
//  person at a given younger age and age gap has a mean (measured on a
//  labelled aging set: ../shared/FACTS.md, "Faces across ages"); strangers'
//  distances have theirs. The evidence the services use (a + b d, or
//  a + b d + b2 d2 for both descriptors; bench/bench_calibrate.c on
//  lfw-scale) is a straight line whose slope is what separates the two
//  means in units of the spread: (mean of strangers - mean of one person)
//  / spread^2 (for dlib's descriptor: (0.703 - 0.384) / 0.081^2 = 48.6,
//  against the fitted 48.17). Across an age gap the line keeps the spread
//  and follows the means: its slope shrinks in proportion to the smaller
//  distance between the two means, and it crosses zero as far beyond
//  the midpoint between them as the fitted line does for adult photos a
//  few years apart (the conditions of lfw-scale, where it was fitted). With
//  no ages known the evidence is the fitted line, unchanged.

#include "results/store/mt_rank.h"
#include "mti_rank.h"

#include <math.h>

//  Mean same-person distances by the younger photo's age (rows: under 10,
//  10-17, 18 and over) and the age gap (columns: 0-4, 5-9, 10-19, 20 and
//  more years), dlib's descriptor and MobileFaceNet's; and strangers'.
//  ../shared/FACTS.md, "Faces across ages" (996 photos of 82 people aged
//  0-69, every same-person pair, mirror-averaged descriptors as the
//  service makes them).
static const double s_same_dlib [3][4] = {
    { 0.409, 0.494, 0.599, 0.660 },
    { 0.421, 0.482, 0.502, 0.547 },
    { 0.384, 0.405, 0.430, 0.475 },
};
static const double s_same_mfn [3][4] = {
    { 0.741, 0.911, 1.117, 1.197 },
    { 0.736, 0.862, 0.907, 0.979 },
    { 0.648, 0.701, 0.752, 0.850 },
};
#define S_STRANGERS_DLIB 0.703
#define S_STRANGERS_MFN 1.300

//  Where the rows and columns stand (years): the middle of each band; the
//  last row holds from 18 on, the last column from 25 on.
static const double s_young_at [3] = { 5, 13.5, 18 };
static const double s_gap_at [4] = { 2, 7, 14.5, 25 };

//  The shrunk slope never falls below this share of the fitted one: the
//  faces still say something at any age gap.
#define S_SLOPE_FLOOR 0.1

//  Position of x among the points at [n]: the index below and the weight
//  of the one above, clamped at both ends.
static void
s_between (const double *at, int n, double x, int *i, double *t)
{
    if (x <= at [0]) {
        *i = 0, *t = 0;
        return;
    }
    for (int k = 0; k + 1 < n; k++)
        if (x < at [k + 1]) {
            *i = k, *t = (x - at [k]) / (at [k + 1] - at [k]);
            return;
        }
    *i = n - 2, *t = 1;
}

static double
s_table (const double table [3][4], double young, double gap)
{
    int r, c;
    double tr, tc;
    s_between (s_young_at, 3, young, &r, &tr);
    s_between (s_gap_at, 4, gap, &c, &tc);
    double top = table [r][c] * (1 - tc) + table [r][c + 1] * tc;
    double bottom = table [r + 1][c] * (1 - tc) + table [r + 1][c + 1] * tc;
    return top * (1 - tr) + bottom * tr;
}

void
mt_rank_age_means (double young, double gap, double *dlib, double *mfn)
{
    if (dlib)
        *dlib = s_table (s_same_dlib, young, gap);
    if (mfn)
        *mfn = s_table (s_same_mfn, young, gap);
}

//  One descriptor's term: the fitted slope b, shrunk for the context, the
//  line crossing zero at the context's midpoint plus the fitted offset.
static double
s_term (double b, double offset, double same_base, double same, double strangers, double d)
{
    double shrink = (strangers - same) / (strangers - same_base);
    if (shrink < S_SLOPE_FLOOR)
        shrink = S_SLOPE_FLOOR;
    return b * shrink * (d - (same + strangers) / 2 - offset);
}

double
mti_rank_face_llr (const mt_rank_model_t *m, double d, double d2, double young, double gap)
{
    bool fused = m->fused && d2 >= 0;
    if (young < 0 || gap < 0 || !m->age_gap)
        return fused ? m->fused_a + m->fused_b * d + m->fused_b2 * d2 : m->face_a + m->face_b * d;
    double base1, base2, same1, same2;
    mt_rank_age_means (s_young_at [2], s_gap_at [0], &base1, &base2);
    mt_rank_age_means (young, gap, &same1, &same2);
    //  The fitted lines' offsets beyond the adult midpoint: dlib's from its
    //  own fit, MobileFaceNet's from the fused (or its own) constant.
    double mid1 = (base1 + S_STRANGERS_DLIB) / 2, mid2 = (base2 + S_STRANGERS_MFN) / 2;
    double offset1 = -m->face_a / m->face_b - mid1;
    if (!fused)
        return s_term (m->face_b, offset1, base1, same1, S_STRANGERS_DLIB, d);
    double offset2 = (-m->fused_a - m->fused_b * (mid1 + offset1)) / m->fused_b2 - mid2;
    return s_term (m->fused_b, offset1, base1, same1, S_STRANGERS_DLIB, d)
         + s_term (m->fused_b2, offset2, base2, same2, S_STRANGERS_MFN, d2);
}

double
mt_rank_face_evidence (const mt_rank_model_t *model, double d, double d2, double young,
                       double gap)
{
    return mti_rank_face_llr (model, d, d2, young, gap);
}
