//  mt_rank - how likely a found case and a missing case are the same
//  person, from all their faces and their facts, with the explanation a
//  reviewer reads.
//
//  Faces: every pair of a found face and a missing face gives a distance,
//  turned into evidence (a log-odds) by a logistic calibration measured on
//  labelled photos (bench/bench_calibrate.c, bench/RESULTS.md). A pair with
//  a small, blurred or turned face, or a childhood photo, counts less (its
//  evidence is pulled towards "no information"). The case's face evidence
//  combines the best pair and the mean of the best two, so agreement across
//  photos ranks higher than one lucky pair.
//
//  Facts are soft evidence, never filters: a sex recorded differently, an
//  age that does not fit, dates in the wrong order, a long way between
//  provinces each lower the score and are shown with a flag; facts that
//  agree raise it a little. The score is 1 / (1 + exp (-(faces + facts))).
//  What a score means is in bench/RESULTS.md: on labelled pairs drawn one
//  same for one different, about that share of pairs scored so were the
//  same person. In a real search a true match is one among many, so a
//  score orders candidates for review; only a DNA test decides.

#ifndef MT_RANK_H_INCLUDED
#define MT_RANK_H_INCLUDED

#include <stddef.h>

#include "match/mt_casedb.h"
#include "match/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double face_a, face_b;          //  P(same | d) = 1 / (1 + exp (-(a + b d)))
    double low_quality_weight;      //  weight of a pair with a face not "ok"
    double child_photo_weight;      //  weight of a pair with a photo taken before 14
    double sex_conflict, sex_agree;
    double age_agree, age_per_year; //  per year outside the tolerance
    double age_floor;
    double dates_slight, dates_wrong;   //  found before last seen: <= 30 days / more
    double province_same, province_per_1000km, province_floor;
} mt_rank_model_t;

//  The model the services use (calibrated on this project's labelled photos).
mt_rank_model_t mt_rank_default_model (void);

typedef struct {
    double score;                   //  0..1
    double logit, face_logit, facts_logit;
    double best_distance;           //  closest face pair
    int conflicts;                  //  facts that disagree
    char *explanation;              //  JSON text, owned: pairs, facts, flags
} mt_rank_t;

//  Rank a found case against a missing case. Either may have no faces
//  (the result then rests on facts only and says so).
int mt_rank_pair (const mt_rank_model_t *model,
                  const mt_case_t *found, const mt_face_row_t *found_faces, size_t found_count,
                  const mt_case_t *missing, const mt_face_row_t *missing_faces,
                  size_t missing_count, mt_rank_t *out, mt_err_t *err);

//  Free the explanation; NULL-safe.
void mt_rank_free (mt_rank_t *rank);

//  Great-circle distance in km between the capitals of two provinces (GB/T
//  2260 codes); -1 when either is unknown.
double mt_province_distance_km (int a, int b);
//  English name of a province ("Guangdong"), or "unknown".
const char *mt_province_name (int code);

#ifdef __cplusplus
}
#endif

#endif
