//  mt_rank - how strongly a found case and a missing case point to one
//  person, from all their faces and their facts, with the explanation a
//  reviewer reads; and the score: how likely a family is the one, among all
//  the families searched.
//
//  Faces. A case's photos are pooled into descriptions of its person: the
//  faces that stand alone in their photos, and the face of each group photo
//  that lies near them, are averaged (weighted by quality) into one
//  template; a childhood photo, and a group photo whose person is unclear,
//  stay separate descriptions, each face weighted by where it sits in the
//  photo (the person is usually near the middle). A family with five
//  consistent photos is thus not beaten by one lucky distractor. Two
//  descriptions at descriptor distance d give the evidence a + b d (a
//  log-likelihood ratio fitted on labelled photos: bench/bench_calibrate.c);
//  where both also have the second descriptor (MobileFaceNet) at distance
//  d2, a + b d + b2 d2, fitted likewise (the setting "descriptor");
//  a pair with a profile, blurred or unsure face counts less. Where the
//  ages in both photos are known, the evidence follows the years between
//  them (mt_rank_age.c): a distance ordinary across twenty years is
//  stronger evidence than the same distance across two. The case pair's face evidence is the log of the
//  prior-weighted mean likelihood ratio over the pairs of descriptions.
//
//  Facts are soft evidence, never filters: a sex recorded differently, an
//  age that does not fit, dates in the wrong order, a long way between
//  provinces each lower the evidence and are shown with a flag; facts that
//  agree raise it a little (judgement, not measurement).
//
//  Score. For a found person's candidate families with evidence l_j, the
//  probability that family j is the one is
//      1 / (1 + exp (-(b0 + b1 l_j - b2 log (exp (g) N + sum_{k != j} exp (l_k)))))
//  where N is how many families were searched: a family far ahead of the
//  others scores high, one among several close ones or one of a gallery of
//  millions lower. b0, b1, b2, g are fitted on thousands of labelled
//  families (bench/bench_identify.c --fit; bench/RESULTS.md has the
//  reliability table). Only a DNA test decides.

#ifndef MT_RANK_H_INCLUDED
#define MT_RANK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/store/mt_casedb.h"
#include "base/mt_province.h"
#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double face_a, face_b;          //  log-LR of two descriptions at distance d: a + b d
    //  When both descriptions have a second descriptor (MobileFaceNet) at
    //  distance d2: a + b d + b2 d2 instead (fused), unless fused is false.
    bool fused;
    double fused_a, fused_b, fused_b2;
    double weak_face_weight;        //  weight of a pair with a profile, blurred or unsure face
    double child_photo_weight;      //  weight of a pair with a photo taken before 14, where
                                    //  the age gap is not known (else the age gap counts)
    //  The evidence knows the years between two photos where both ages are
    //  known (mt_rank_age.c); of a family's photos at different ages the one
    //  nearest the found person's age counts most: each description's share
    //  falls by e for every age_nearness years between them.
    bool age_gap;
    double age_nearness;
    double subject_spread;          //  the person's face lies this far from a photo's
                                    //  centre (fraction of its size, one standard deviation)
    double template_join;           //  a group photo's face this near the template is the person
    double sex_conflict, sex_agree;
    double age_agree, age_per_year; //  per year outside the tolerance
    double age_floor;
    double dates_slight, dates_wrong;   //  found before last seen: <= 30 days / more
    double province_same, province_per_1000km, province_floor;
    double score_b0, score_b1, score_b2, score_g;   //  the score (see above)
} mt_rank_model_t;

//  Which descriptors weigh faces: "fused" (dlib's and MobileFaceNet's,
//  where both faces have the second; the default), "mobilefacenet" (the
//  second alone, where both have it) or "dlib". Pairs without a second
//  descriptor always use dlib's.
int mt_rank_model_descriptor (mt_rank_model_t *model, const char *name, mt_err_t *err);

//  The model the services use (fitted on this project's labelled photos).
//  Its scores are calibrated where about half of the found people have a
//  family that filed a report among those searched; where nearly all have,
//  they understate (bench/RESULTS.md).
mt_rank_model_t mt_rank_default_model (void);

//  ---------------------------------------------------------------- explanation
//  What a reviewer reads about a pair, as values: the results service keeps
//  it in the store (packed, results_explain.c) and says it in words (JSON,
//  its sentences in English, their values for other languages) when the
//  pair is shown. Numbers are rounded as shown.

#define MT_RANK_PAIRS_SHOWN 5       //  face pairs shown, the nearest first

//  One description of a case's person, shown for the pooled pair.
typedef struct {
    int64_t face;                   //  the face shown for it
    int64_t photos;                 //  the photos it stands for
    double prior;                   //  probability that it is the person (0.001)
    char verdict [16];              //  a member's verdict when it counts less; "" none
    int age;                        //  the person's age in its photos; -1 unknown
    bool child;                     //  a childhood photo (taken before 14)
    int child_year;                 //  its year; 0 unknown
    int group_faces;                //  a group photo whose person was not picked: its
                                    //  faces; 0 otherwise
} mt_rank_desc_t;

typedef struct {
    int64_t found_face, missing_face;
    double distance;                //  0.001
    char found_verdict [16], missing_verdict [16];
} mt_rank_face_pair_t;

//  The facts weighed, in this order.
typedef enum {
    MT_RANK_FACT_SEX, MT_RANK_FACT_AGE, MT_RANK_FACT_DATES, MT_RANK_FACT_PROVINCE,
    MT_RANK_FACTS
} mt_rank_fact;

typedef enum {
    MT_RANK_UNKNOWN,                //  not recorded on both cases
    MT_RANK_AGREES,
    MT_RANK_CONFLICTS,
    MT_RANK_FAR                     //  provinces far apart
} mt_rank_verdict;

//  The facts' verdicts, effects (log-odds, 0.01) and the values behind them
//  (set for the facts whose verdict is not unknown).
typedef struct {
    mt_rank_verdict verdict [MT_RANK_FACTS];
    double effect [MT_RANK_FACTS];
    int sex_found, sex_missing;     //  mt_sex
    int age_estimated [2];          //  the found person's estimated age, min and max
    int age_would_be [2];           //  the missing person's age then, from the birth years
    int age_year;                   //  the year it is reckoned for
    char date_found [16], date_last_seen [16];
    int64_t days;                   //  from last seen to found (negative: found before)
    int province_found, province_home, km;
} mt_rank_facts_t;

//  Flags, in the order they are shown.
#define MT_RANK_FLAG_CHILD_PHOTO        (1u << 0)
#define MT_RANK_FLAG_AGE_GAP            (1u << 1)
#define MT_RANK_FLAG_LOW_QUALITY        (1u << 2)
#define MT_RANK_FLAG_PERSON_GUESSED     (1u << 3)
#define MT_RANK_FLAG_NO_FACES           (1u << 4)
#define MT_RANK_FLAG_SEX_MISMATCH       (1u << 5)
#define MT_RANK_FLAG_AGE_MISMATCH       (1u << 6)
#define MT_RANK_FLAG_DATES_OUT_OF_ORDER (1u << 7)
#define MT_RANK_FLAG_FAR_FROM_HOME      (1u << 8)
#define MT_RANK_FLAGS 9
//  (explanation.proto's Flag names them: results_explain.c holds the two
//  alike.)

typedef struct {
    //  The pair of descriptions that weighs most (where both cases have
    //  faces; else pooled is false and the flags say no_faces).
    bool pooled;
    mt_rank_desc_t found, missing;
    double distance, weight;        //  0.001, 0.01
    double distance2;               //  MobileFaceNet's, 0.001; -1 none
    int age_gap;                    //  the years between their photos; -1 unknown
    int64_t descriptions_found, descriptions_missing;
    size_t pairs;
    mt_rank_face_pair_t pair [MT_RANK_PAIRS_SHOWN];
    double evidence, face_evidence, facts_evidence;     //  0.01
    mt_rank_facts_t facts;
    unsigned flags;                 //  MT_RANK_FLAG_*
    //  A side that is a linked group (the same person's records): how many
    //  records were weighed as one, their photos pooled and their facts
    //  merged (mt_rank_group_facts); 0 for a record alone.
    int records_found, records_missing;
} mt_rank_explanation_t;

typedef struct {
    double evidence;                //  log-likelihood ratio: faces + facts
    double face_evidence, facts_evidence;
    double distance;                //  of the pair of descriptions that weighs most
    int conflicts;                  //  facts that disagree
    mt_rank_explanation_t explanation;
} mt_rank_t;

//  Weigh a found case against a missing case. Either may have no faces
//  (the evidence then rests on facts only and says so). Faces marked
//  excluded are left out.
int mt_rank_pair (const mt_rank_model_t *model,
                  const mt_case_t *found, const mt_face_row_t *found_faces, size_t found_count,
                  const mt_case_t *missing, const mt_face_row_t *missing_faces,
                  size_t missing_count, mt_rank_t *out, mt_err_t *err);

//  Weigh two cases of one side (found and found, missing and missing) as
//  one person registered twice: their faces as mt_rank_pair weighs them,
//  their facts by what can tell two people apart (sex; ages that cannot be
//  one person's; for found people, found the same day in provinces far
//  apart; for reports, home provinces). The explanation's found side is a,
//  its missing side b. MT_EINVAL for cases of two sides.
int mt_rank_same (const mt_rank_model_t *model,
                  const mt_case_t *a, const mt_face_row_t *a_faces, size_t a_count,
                  const mt_case_t *b, const mt_face_row_t *b_faces, size_t b_count,
                  mt_rank_t *out, mt_err_t *err);

//  A same-person pair's score: its evidence less what its two records'
//  other pending pairs say (issue 27). Among thousands of records a face
//  that looks like one other record looks like several: each record is one
//  person, so a look-alike stranger competes with the true second record
//  and the pair is only as likely as it stands out. With rivals_a the
//  log-sum of exp (evidence) of a's other pairs (-INFINITY: none), and
//  rivals_b b's:
//      score = evidence - softplus (rivals_a - R) - softplus (rivals_b - R)
//  R (MT_RANK_SAME_RIVALS) as measured (bench/RESULTS.md): a pair with no
//  rival above a few units keeps its evidence. Pairs are kept (and rival
//  others) from MT_RANK_SAME_KEPT on, whatever the floor that suggests
//  them. Records nearly sure to be one person (MT_RANK_SAME_ONE, or
//  linked) are not each other's rivals for a third that resembles both
//  (mt_casedb_same.c).
#define MT_RANK_SAME_RIVALS 4.0
#define MT_RANK_SAME_KEPT 2.0
#define MT_RANK_SAME_ONE 6.0
double mt_rank_same_score (double evidence, double rivals_a, double rivals_b);

//  What the facts alone of two cases of one side say of their being one
//  person, as mt_rank_same weighs them: each fact's verdict and values in
//  ex (its faces left unset). Returns how many of the facts conflict.
int mt_rank_same_facts (const mt_rank_model_t *model, const mt_case_t *a, const mt_case_t *b,
                        mt_rank_explanation_t *ex);

//  The facts of a linked group's person (records [0..n), the same person
//  registered at several stations or reported by several relatives) as the
//  pairs of records [self] weigh them against the other side: out is
//  records [self] with
//  - sex: the one the records give where they agree, unknown where two
//    differ (one of them is wrong, and the linked page shows which two);
//  - a found person's date found: the earliest (the family's last sighting
//    must come before it), the province: the earliest record's that has
//    one (where the wanderer was first taken in, nearest home); the age:
//    the years of birth every estimate allows (where two do not meet, the
//    span of them all), as an age at that date;
//  - a report's years of birth: as a found person's, from the reports'
//    years; last seen: the latest (someone saw the person then); home
//    province: its own, else the one the other reports agree on.
//  Everything else is records [self]'s own.
void mt_rank_group_facts (const mt_case_t *records, size_t n, size_t self, mt_case_t *out);

//  The templates of a case's person (the pooled descriptions of more than
//  one photo), to search with beside its faces: writes up to max vectors of
//  MT_EMBEDDING_DIM floats into vectors and returns how many.
size_t mt_rank_templates (const mt_rank_model_t *model, const mt_case_t *c,
                          const mt_face_row_t *faces, size_t count, float *vectors, size_t max);

//  The scores of one case's n candidates from their evidence, among
//  families searched: scores [j] and rivals [j] (log of the sum of the other
//  candidates' likelihood ratios; -INFINITY when there is none).
void mt_rank_scores (const mt_rank_model_t *model, const double *evidence, size_t n,
                     size_t families, double *scores, double *rivals);

//  How far a stored score may lie from a fresh one before its row is
//  written again: in log-odds (0.005: the odds within 0.5%, a score of 50%
//  within 0.13 points), or in probability (0.00001: a score shown as 0.0%
//  stays so). A found case's pairs are scored again whenever one of them
//  or the number of families changes, and each score depends on all the
//  others (rivals): every new report changed every row of every found case
//  it paired with, and a link that made one pair stronger changed all of
//  its found case's hundreds. Rewriting them filled a disk where reports
//  far outnumber found people (bench/RESULTS.md); nearly all of those rows
//  score below 0.000001. A score kept is always within either bound of
//  what it would be now.
#define MT_RANK_SCORE_KEPT 0.005
#define MT_RANK_SCORE_KEPT_P 1e-5

//  Whether a fresh score moved from the stored one by more than both
//  bounds (a stored NaN, never scored, always has).
bool mt_rank_score_moved (double stored, double fresh);

//  The mean distance between two photos of one person, the younger taken
//  at age young, the other gap years later, by dlib's descriptor and by
//  MobileFaceNet's (either pointer may be NULL): ../shared/FACTS.md.
void mt_rank_age_means (double young, double gap, double *dlib, double *mfn);

//  The face evidence (log-likelihood ratio) of two descriptions at dlib
//  distance d and MobileFaceNet distance d2 (negative: none), the younger
//  photo taken at age young, gap years later the other (either negative:
//  unknown), as a pair is weighed before its weight (bench-age-evidence).
double mt_rank_face_evidence (const mt_rank_model_t *model, double d, double d2, double young,
                              double gap);

//  log (exp (a) + exp (b)) without overflow; either may be -INFINITY.
double mt_rank_logaddexp (double a, double b);


#ifdef __cplusplus
}
#endif

#endif
