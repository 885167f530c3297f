//  Self-test of candidate ranking: faces order, facts lower or raise but
//  never exclude, quality and childhood photos weigh less, every score
//  explains itself.

#include "mt_test.h"

#include "match/mt_rank.h"

#include <jansson.h>
#include <stdlib.h>

static mt_face_row_t
s_face (int64_t id, int64_t photo, float shift, const char *verdict, int year)
{
    mt_face_row_t f = { .id = id, .photo_id = photo, .year_taken = year };
    snprintf (f.verdict, sizeof f.verdict, "%s", verdict);
    for (int d = 0; d < MT_EMBEDDING_DIM; d++)
        f.embedding [d] = (float) (0.12 * sin (d * 0.7));
    f.embedding [0] += shift;
    return f;
}

static void
s_cases (mt_case_t *found, mt_case_t *missing)
{
    *found = (mt_case_t) { .id = 1, .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
                           .date_found = "2020-05-01", .age_min = 60, .age_max = 70 };
    *missing = (mt_case_t) { .id = 2, .kind = MT_KIND_MISSING, .sex = MT_SEX_MALE,
                             .province = 44, .date_last_seen = "2019-03-02",
                             .age_min = -1, .age_max = -1, .birth_year_min = 1952,
                             .birth_year_max = 1952 };
}

static mt_rank_t
s_rank (const mt_case_t *found, const mt_face_row_t *ff, size_t nf, const mt_case_t *missing,
        const mt_face_row_t *mf, size_t nm)
{
    mt_rank_model_t model = mt_rank_default_model ();
    mt_rank_t r;
    mt_err_t err;
    MT_CHECK_RC (mt_rank_pair (&model, found, ff, nf, missing, mf, nm, &r, &err), MT_OK, &err);
    return r;
}

static void
test_faces_order (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0);
    mt_face_row_t near = s_face (20, 200, 0.3f, "ok", 2010);      //  distance 0.3
    mt_face_row_t far = s_face (21, 201, 0.9f, "ok", 2010);       //  distance 0.9
    mt_rank_t a = s_rank (&found, &probe, 1, &missing, &near, 1);
    mt_rank_t b = s_rank (&found, &probe, 1, &missing, &far, 1);
    MT_CHECK (a.score > 0.9);
    MT_CHECK (b.score < 0.1);
    MT_CHECK_NEAR (a.best_distance, 0.3, 1e-3);
    MT_CHECK_INT (a.conflicts, 0);
    //  A second photo that agrees adds to the evidence.
    mt_face_row_t two [2] = { near, s_face (22, 202, 0.35f, "ok", 2012) };
    mt_rank_t c = s_rank (&found, &probe, 1, &missing, two, 2);
    mt_face_row_t lucky [2] = { near, far };
    mt_rank_t d = s_rank (&found, &probe, 1, &missing, lucky, 2);
    MT_CHECK (c.logit > d.logit);
    //  A small face counts less: towards "no information".
    mt_face_row_t small = near;
    snprintf (small.verdict, sizeof small.verdict, "too_small");
    mt_rank_t e = s_rank (&found, &probe, 1, &missing, &small, 1);
    MT_CHECK (e.face_logit < a.face_logit && e.face_logit > 0);
    MT_CHECK_CONTAINS (e.explanation, "a face is too_small");
    //  A childhood photo too, with a note.
    mt_face_row_t child = near;
    child.year_taken = 1960;
    mt_rank_t g = s_rank (&found, &probe, 1, &missing, &child, 1);
    MT_CHECK (g.face_logit < a.face_logit);
    MT_CHECK_CONTAINS (g.explanation, "childhood photo (1960, age about 8)");
    mt_rank_free (&a), mt_rank_free (&b), mt_rank_free (&c), mt_rank_free (&d);
    mt_rank_free (&e), mt_rank_free (&g);
}

static void
test_facts (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0), near = s_face (20, 200, 0.45f, "ok", 0);
    mt_rank_t base = s_rank (&found, &probe, 1, &missing, &near, 1);
    MT_CHECK_CONTAINS (base.explanation, "found in the home province (Guangdong)");

    //  Sex recorded differently: lower, flagged, still there.
    mt_case_t wrong = found;
    wrong.sex = MT_SEX_FEMALE;
    mt_rank_t sex = s_rank (&wrong, &probe, 1, &missing, &near, 1);
    MT_CHECK (sex.score < base.score && sex.score > 0.01);
    MT_CHECK_INT (sex.conflicts, 1);
    MT_CHECK_CONTAINS (sex.explanation, "sex_mismatch");
    MT_CHECK_CONTAINS (sex.explanation, "found person recorded female, missing person male");

    //  Found three days before last seen: a slight conflict; a year before: strong.
    mt_case_t early = found;
    snprintf (early.date_found, sizeof early.date_found, "2019-02-27");
    mt_rank_t slight = s_rank (&early, &probe, 1, &missing, &near, 1);
    snprintf (early.date_found, sizeof early.date_found, "2018-03-01");
    mt_rank_t strong = s_rank (&early, &probe, 1, &missing, &near, 1);
    MT_CHECK (slight.score < base.score && strong.score < slight.score);
    MT_CHECK_CONTAINS (slight.explanation, "3 days before last seen");
    MT_CHECK_CONTAINS (slight.explanation, "dates_out_of_order");

    //  An age that cannot fit: born 1952 is 68 in 2020; estimated 20-25.
    mt_case_t young = found;
    young.age_min = 20;
    young.age_max = 25;
    mt_rank_t age = s_rank (&young, &probe, 1, &missing, &near, 1);
    MT_CHECK (age.score < base.score);
    MT_CHECK_CONTAINS (age.explanation, "age_mismatch");
    MT_CHECK_CONTAINS (age.explanation, "would be 68 in 2020");

    //  Far from home: mildly lower; Xinjiang to Guangdong.
    mt_case_t far = found;
    far.province = 65;
    mt_rank_t distance = s_rank (&far, &probe, 1, &missing, &near, 1);
    MT_CHECK (distance.score < base.score && distance.score > sex.score);
    MT_CHECK (mt_province_distance_km (65, 44) > 2500);
    MT_CHECK_NEAR (mt_province_distance_km (44, 44), 0, 1e-9);
    MT_CHECK (mt_province_distance_km (0, 44) < 0);

    //  No faces at all: facts only, and it says so.
    mt_rank_t none = s_rank (&found, NULL, 0, &missing, &near, 1);
    MT_CHECK_CONTAINS (none.explanation, "no_faces");
    MT_CHECK_NEAR (none.face_logit, 0, 1e-12);

    //  The explanation is JSON with its parts.
    json_error_t jerr;
    json_t *ex = json_loads (base.explanation, 0, &jerr);
    MT_CHECK (ex != NULL);
    MT_CHECK_INT (json_array_size (json_object_get (ex, "facts")), 4);
    MT_CHECK_INT (json_array_size (json_object_get (ex, "pairs")), 1);
    MT_CHECK (json_is_number (json_object_get (ex, "score")));
    json_decref (ex);
    mt_rank_free (&base), mt_rank_free (&sex), mt_rank_free (&slight), mt_rank_free (&strong);
    mt_rank_free (&age), mt_rank_free (&distance), mt_rank_free (&none);
}

int
main (void)
{
    MT_RUN (test_faces_order);
    MT_RUN (test_facts);
    return MT_TEST_MAIN_END ();
}
