//  Self-test of candidate ranking: faces order, photos pool into templates
//  so that a consistent family beats a lucky distractor, group photos weigh
//  their faces by where they sit, facts lower or raise but never exclude,
//  weak faces and childhood photos weigh less, every pair explains itself,
//  and the scores of a case's candidates say how likely each is the one.

#include "mt_test.h"

#include "results/store/mt_rank.h"
#include "results/results_explain.h"
#include "common/api_explain.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A face whose descriptor is a fixed base moved by shift along dimension dim.
static mt_face_row_t
s_face_at (int64_t id, int64_t photo, int dim, float shift, const char *verdict, int year)
{
    mt_face_row_t f = { .id = id, .photo_id = photo, .year_taken = year, .age_taken = -1 };
    snprintf (f.verdict, sizeof f.verdict, "%s", verdict);
    for (int d = 0; d < MT_EMBEDDING_DIM; d++)
        f.embedding [d] = (float) (0.12 * sin (d * 0.7));
    f.embedding [dim] += shift;
    return f;
}

static mt_face_row_t
s_face (int64_t id, int64_t photo, float shift, const char *verdict, int year)
{
    return s_face_at (id, photo, 0, shift, verdict, year);
}

//  Put a face's box at (x, y) of a photo of w x h.
static mt_face_row_t
s_placed (mt_face_row_t f, int x, int y, int w, int h)
{
    f.box [0] = x, f.box [1] = y, f.box [2] = f.box [3] = 40;
    f.photo_width = w, f.photo_height = h;
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

//  A pair's explanation in words, as a client shows it, from the packed
//  form the store keeps and the service sends. The texts are freed at exit.
static char *s_texts [256];
static size_t s_text_count;

static const char *
s_words (const mt_rank_t *r)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    mt_err_t err;
    MT_CHECK_RC (results_explain_pack (&r->explanation, &bytes, &size, &err), MT_OK, &err);
    json_t *words = api_explain_stored (bytes, size, NULL);
    MT_CHECK (words != NULL);
    char *text = json_dumps (words, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (words);
    free (bytes);
    if (s_text_count < sizeof s_texts / sizeof s_texts [0])
        s_texts [s_text_count++] = text;
    return text ? text : "";
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
    MT_CHECK (a.face_evidence > 5);             //  far likelier the same person
    MT_CHECK (b.face_evidence < -5);
    MT_CHECK_NEAR (a.distance, 0.3, 1e-3);
    MT_CHECK_INT (a.conflicts, 0);
    //  A small face is what the calibration was made on: it counts fully.
    //  A turned, blurred or unsure one counts less, towards "no information".
    mt_face_row_t small = near, unsure = near;
    snprintf (small.verdict, sizeof small.verdict, "too_small");
    snprintf (unsure.verdict, sizeof unsure.verdict, "unsure");
    mt_rank_t e = s_rank (&found, &probe, 1, &missing, &small, 1);
    mt_rank_t u = s_rank (&found, &probe, 1, &missing, &unsure, 1);
    MT_CHECK_NEAR (e.face_evidence, a.face_evidence, 1e-9);
    MT_CHECK (u.face_evidence < a.face_evidence && u.face_evidence > 0);
    MT_CHECK_CONTAINS (s_words (&u), "low_quality");
    MT_CHECK_CONTAINS (s_words (&u), "\"verdict\":\"unsure\"");
    //  A childhood photo too, flagged with when and at what age.
    mt_face_row_t child = near;
    child.year_taken = 1960;
    mt_rank_t g = s_rank (&found, &probe, 1, &missing, &child, 1);
    MT_CHECK (g.face_evidence < a.face_evidence && g.face_evidence > 0);
    MT_CHECK_CONTAINS (s_words (&g), "child_photo");
    MT_CHECK_CONTAINS (s_words (&g), "\"child_photo\":{\"year\":1960,\"age\":8}");
    //  An excluded face is not there at all.
    mt_face_row_t gone = near;
    gone.excluded = true;
    mt_face_row_t both [2] = { gone, far };
    mt_rank_t x = s_rank (&found, &probe, 1, &missing, both, 2);
    MT_CHECK_NEAR (x.face_evidence, b.face_evidence, 1e-9);
}

//  Five photos of a family, each 0.45 from the found person in its own
//  direction, pool into a template 0.2 away: the family beats a single
//  lucky photo at 0.40, which would win on its best face pair.
static void
test_pooled_photos (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0);
    mt_face_row_t family [5];
    for (int i = 0; i < 5; i++)
        family [i] = s_face_at (20 + i, 200 + i, 3 + 7 * i, 0.45f, "ok", 2015);
    mt_face_row_t lucky = s_face (30, 300, 0.40f, "ok", 2015);
    mt_rank_t pooled = s_rank (&found, &probe, 1, &missing, family, 5);
    mt_rank_t single = s_rank (&found, &probe, 1, &missing, &lucky, 1);
    MT_CHECK (pooled.face_evidence > single.face_evidence + 2);
    MT_CHECK (pooled.distance < 0.25);
    MT_CHECK_CONTAINS (s_words (&pooled), "\"photos\":5");

    //  The template is a search query of its own; one photo makes none.
    mt_rank_model_t model = mt_rank_default_model ();
    float vectors [4 * MT_EMBEDDING_DIM];
    MT_CHECK_INT (mt_rank_templates (&model, &missing, family, 5, vectors, 4), 1);
    MT_CHECK_INT (mt_rank_templates (&model, &missing, &lucky, 1, vectors, 4), 0);
}

//  In a group photo the person is more likely the face in the middle; a
//  group photo's face that matches the case's other photos joins them.
static void
test_group_photos (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0);
    mt_face_row_t middle [2] = {
        s_placed (s_face (20, 200, 0.35f, "ok", 0), 280, 220, 600, 480),
        s_placed (s_face (21, 200, 1.0f, "ok", 0), 10, 10, 600, 480) };
    mt_face_row_t corner [2] = {
        s_placed (s_face (20, 200, 0.35f, "ok", 0), 10, 10, 600, 480),
        s_placed (s_face (21, 200, 1.0f, "ok", 0), 280, 220, 600, 480) };
    mt_rank_t a = s_rank (&found, &probe, 1, &missing, middle, 2);
    mt_rank_t b = s_rank (&found, &probe, 1, &missing, corner, 2);
    MT_CHECK (a.face_evidence > b.face_evidence + 1);
    MT_CHECK (b.face_evidence > 0);             //  still a candidate worth a look
    //  Nobody picked the person: the reasons say so, and by what rule.
    MT_CHECK_CONTAINS (s_words (&a), "\"group_photo\":{\"faces\":2");
    MT_CHECK_CONTAINS (s_words (&a), "person_guessed");
    //  With a portrait of the person beside it, the group photo's matching
    //  face joins the portrait in one template.
    mt_face_row_t three [3] = { s_face (22, 201, 0.3f, "ok", 0), corner [0], corner [1] };
    mt_rank_t c = s_rank (&found, &probe, 1, &missing, three, 3);
    MT_CHECK_CONTAINS (s_words (&c), "\"descriptions\":{\"found\":1,\"missing\":1}");
    MT_CHECK_CONTAINS (s_words (&c), "\"photos\":2");
    MT_CHECK (!strstr (s_words (&c), "person_guessed"));
}

static void
test_facts (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0), near = s_face (20, 200, 0.45f, "ok", 0);
    mt_rank_t base = s_rank (&found, &probe, 1, &missing, &near, 1);
    MT_CHECK_CONTAINS (s_words (&base), "found in the home province (Guangdong)");

    //  Sex recorded differently: lower, flagged, still there.
    mt_case_t wrong = found;
    wrong.sex = MT_SEX_FEMALE;
    mt_rank_t sex = s_rank (&wrong, &probe, 1, &missing, &near, 1);
    MT_CHECK (sex.evidence < base.evidence - 2 && sex.evidence > 0);
    MT_CHECK_INT (sex.conflicts, 1);
    MT_CHECK_CONTAINS (s_words (&sex), "sex_mismatch");
    MT_CHECK_CONTAINS (s_words (&sex), "found person recorded female, missing person male");

    //  Found three days before last seen: a slight conflict; a year before: strong.
    mt_case_t early = found;
    snprintf (early.date_found, sizeof early.date_found, "2019-02-27");
    mt_rank_t slight = s_rank (&early, &probe, 1, &missing, &near, 1);
    snprintf (early.date_found, sizeof early.date_found, "2018-03-01");
    mt_rank_t strong = s_rank (&early, &probe, 1, &missing, &near, 1);
    MT_CHECK (slight.evidence < base.evidence && strong.evidence < slight.evidence);
    MT_CHECK_CONTAINS (s_words (&slight), "3 days before last seen");
    MT_CHECK_CONTAINS (s_words (&slight), "dates_out_of_order");

    //  An age that cannot fit: born 1952 is 68 in 2020; estimated 20-25.
    mt_case_t young = found;
    young.age_min = 20;
    young.age_max = 25;
    mt_rank_t age = s_rank (&young, &probe, 1, &missing, &near, 1);
    MT_CHECK (age.evidence < base.evidence);
    MT_CHECK_CONTAINS (s_words (&age), "age_mismatch");
    MT_CHECK_CONTAINS (s_words (&age), "would be 68 in 2020");

    //  Far from home: mildly lower; Xinjiang to Guangdong.
    mt_case_t far = found;
    far.province = 65;
    mt_rank_t distance = s_rank (&far, &probe, 1, &missing, &near, 1);
    MT_CHECK (distance.evidence < base.evidence && distance.evidence > sex.evidence);
    MT_CHECK (mt_province_distance_km (65, 44) > 2500);
    MT_CHECK_NEAR (mt_province_distance_km (44, 44), 0, 1e-9);
    MT_CHECK (mt_province_distance_km (0, 44) < 0);

    //  No faces at all: facts only, and it says so.
    mt_rank_t none = s_rank (&found, NULL, 0, &missing, &near, 1);
    MT_CHECK_CONTAINS (s_words (&none), "no_faces");
    MT_CHECK_NEAR (none.face_evidence, 0, 1e-12);

    //  The explanation is JSON with its parts.
    json_error_t jerr;
    json_t *ex = json_loads (s_words (&base), 0, &jerr);
    MT_CHECK (ex != NULL);
    MT_CHECK_INT (json_array_size (json_object_get (ex, "facts")), 4);
    MT_CHECK_INT (json_array_size (json_object_get (ex, "pairs")), 1);
    MT_CHECK (json_is_number (json_object_get (ex, "evidence")));
    MT_CHECK (json_is_object (json_object_get (ex, "pooled")));
    json_decref (ex);
}

//  A family far ahead of the case's other candidates scores high; two
//  close ones share; more families searched or stronger rivals lower it.
static void
test_scores (void)
{
    mt_rank_model_t m = mt_rank_default_model ();
    double scores [4], rivals [4];
    double clear [4] = { 9, -2, -3, -4 };
    mt_rank_scores (&m, clear, 4, 3000, scores, rivals);
    MT_CHECK (scores [0] > 0.9);
    for (int j = 1; j < 4; j++)
        MT_CHECK (scores [j] < 0.01 && scores [j] > 0);
    MT_CHECK_NEAR (rivals [0], log (exp (-2) + exp (-3) + exp (-4)), 1e-9);

    double tied [4] = { 7, 7, -3, -4 };
    mt_rank_scores (&m, tied, 4, 3000, scores, rivals);
    MT_CHECK (scores [0] < 0.6 && scores [0] > 0.05);
    MT_CHECK_NEAR (scores [0], scores [1], 1e-12);

    //  The same evidence among a million families is weaker than among 3,000.
    double alone [1] = { 5 }, at_3k, at_1m;
    mt_rank_scores (&m, alone, 1, 3000, scores, rivals);
    at_3k = scores [0];
    MT_CHECK (isinf (rivals [0]) && rivals [0] < 0);
    mt_rank_scores (&m, alone, 1, 1000000, scores, rivals);
    at_1m = scores [0];
    MT_CHECK (at_1m < at_3k);

    //  More evidence, higher; a stronger rival, lower.
    double a [2] = { 6, 2 }, b [2] = { 8, 2 }, c [2] = { 6, 5 };
    double sa [2], sb [2], sc [2];
    mt_rank_scores (&m, a, 2, 3000, sa, rivals);
    mt_rank_scores (&m, b, 2, 3000, sb, rivals);
    mt_rank_scores (&m, c, 2, 3000, sc, rivals);
    MT_CHECK (sb [0] > sa [0] && sc [0] < sa [0]);
    //  Nothing to score is fine.
    mt_rank_scores (&m, a, 0, 3000, sa, rivals);

    //  A stored score is kept while one more family changes it a little,
    //  written again when many more do, or a rival comes; never scored is
    //  always written; two saturated scores are the same, and so are two
    //  that round to 0.000%.
    double one [1] = { 5 }, s3000, s3001, s4000;
    mt_rank_scores (&m, one, 1, 3000, &s3000, rivals);
    mt_rank_scores (&m, one, 1, 3001, &s3001, rivals);
    mt_rank_scores (&m, one, 1, 4000, &s4000, rivals);
    MT_CHECK (s3001 != s3000 && !mt_rank_score_moved (s3000, s3001));
    MT_CHECK (mt_rank_score_moved (s3000, s4000));
    MT_CHECK (mt_rank_score_moved (sa [0], sc [0]));
    MT_CHECK (mt_rank_score_moved (NAN, s3000));
    MT_CHECK (!mt_rank_score_moved (1.0, 1.0) && !mt_rank_score_moved (0.0, 0.0));
    MT_CHECK (!mt_rank_score_moved (0.0, 1e-9) && !mt_rank_score_moved (1e-7, 3e-6));
    MT_CHECK (mt_rank_score_moved (0.0, 1e-3) && mt_rank_score_moved (1.0, 0.9999));
}

//  Give a face a second descriptor: a unit vector at angle theta from a
//  fixed direction.
static mt_face_row_t
s_second (mt_face_row_t f, double theta)
{
    memset (f.embedding2, 0, sizeof f.embedding2);
    f.embedding2 [0] = (float) cos (theta);
    f.embedding2 [1] = (float) sin (theta);
    f.has_embedding2 = true;
    return f;
}

//  Where both faces have the second descriptor it weighs in (fused): at
//  the same dlib distance, the pair nearer by MobileFaceNet has more
//  evidence, by fused_b2 per unit of distance; where one face lacks it,
//  dlib's alone counts; the "dlib" model ignores it; the explanation shows
//  the second distance.
static void
test_second_descriptor (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    found.age_min = found.age_max = -1;     //  the fitted lines, no age gap
    mt_face_row_t probe = s_second (s_face (10, 100, 0, "ok", 0), 0);
    mt_face_row_t near2 = s_second (s_face (20, 200, 0.5f, "ok", 2010), 0.5);
    mt_face_row_t far2 = s_second (s_face (30, 300, 0.5f, "ok", 2010), 1.2);
    mt_face_row_t none = s_face (40, 400, 0.5f, "ok", 2010);
    mt_rank_model_t model = mt_rank_default_model ();
    MT_CHECK (model.fused);
    mt_rank_t a = s_rank (&found, &probe, 1, &missing, &near2, 1);
    mt_rank_t b = s_rank (&found, &probe, 1, &missing, &far2, 1);
    mt_rank_t c = s_rank (&found, &probe, 1, &missing, &none, 1);
    double d2_near = 2 * sin (0.25), d2_far = 2 * sin (0.6);   //  chord lengths
    MT_CHECK_NEAR (a.face_evidence - b.face_evidence, model.fused_b2 * (d2_near - d2_far), 1e-3);
    MT_CHECK_NEAR (c.face_evidence, model.face_a + model.face_b * 0.5, 1e-3);
    MT_CHECK_NEAR (a.face_evidence, model.fused_a + model.fused_b * 0.5
                                    + model.fused_b2 * d2_near, 1e-3);
    MT_CHECK_CONTAINS (s_words (&a), "\"distance2\"");
    MT_CHECK (strstr (s_words (&c), "\"distance2\"") == NULL);
    mt_err_t err;
    mt_rank_t d;
    MT_CHECK_RC (mt_rank_model_descriptor (&model, "dlib", &err), MT_OK, &err);
    MT_CHECK_RC (mt_rank_pair (&model, &found, &probe, 1, &missing, &far2, 1, &d, &err), MT_OK,
                 &err);
    MT_CHECK_NEAR (d.face_evidence, c.face_evidence, 1e-6);
    MT_CHECK_RC (mt_rank_model_descriptor (&model, "mobilefacenet", &err), MT_OK, &err);
    mt_rank_t e;
    MT_CHECK_RC (mt_rank_pair (&model, &found, &probe, 1, &missing, &near2, 1, &e, &err), MT_OK,
                 &err);
    MT_CHECK_NEAR (e.face_evidence, model.fused_a + model.fused_b2 * d2_near, 1e-3);
    MT_CHECK_RC (mt_rank_model_descriptor (&model, "arcface", &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "dlib, mobilefacenet or fused");
    //  A template of photos with the second descriptor averages it too (of
    //  unit length); a member without one leaves the template dlib's only.
    mt_face_row_t family [2] = { s_second (s_face (50, 500, 0.5f, "ok", 2010), 0.4),
                                 s_second (s_face (51, 501, 0.5f, "ok", 2011), 0.6) };
    mt_rank_t t = s_rank (&found, &probe, 1, &missing, family, 2);
    MT_CHECK_NEAR (t.face_evidence, log (2.0 / 2.0) + model.fused_a * 0 + a.face_evidence, 0.05);
    family [1].has_embedding2 = false;
    mt_rank_t u = s_rank (&found, &probe, 1, &missing, family, 2);
    MT_CHECK_NEAR (u.face_evidence, c.face_evidence, 1e-3);
}

//  The evidence knows the age gap (mt_rank_age.c). Faces at a chosen
//  dlib distance d and MobileFaceNet distance d2 from the probe.
static mt_face_row_t
s_aged (int64_t id, int64_t photo, double d, double d2, int age)
{
    mt_face_row_t f = s_second (s_face_at (id, photo, (int) (id % 64), (float) d, "ok", 0),
                                2 * asin (d2 / 2));
    f.age_taken = age;
    return f;
}

static void
test_age_gap (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    found.age_min = 28, found.age_max = 32;     //  30 when found
    missing.birth_year_min = missing.birth_year_max = 1990;
    mt_rank_model_t model = mt_rank_default_model ();
    mt_face_row_t probe = s_second (s_face (10, 100, 0, "ok", 0), 0);

    //  The table's cells come back at the bands' middles.
    double dlib, mfn;
    mt_rank_age_means (5, 25, &dlib, &mfn);
    MT_CHECK_NEAR (dlib, 0.660, 1e-9);
    MT_CHECK_NEAR (mfn, 1.197, 1e-9);
    mt_rank_age_means (40, 2, &dlib, &mfn);
    MT_CHECK_NEAR (dlib, 0.384, 1e-9);
    MT_CHECK_NEAR (mfn, 0.648, 1e-9);

    //  Adult photos two years apart: the fitted line as it is.
    mt_face_row_t adult = s_aged (20, 200, 0.5, 0.9, 28);
    mt_rank_t a = s_rank (&found, &probe, 1, &missing, &adult, 1);
    MT_CHECK_NEAR (a.face_evidence, model.fused_a + model.fused_b * 0.5 + model.fused_b2 * 0.9,
                   1e-3);

    //  The same distances between a photo at 5 and the man at 30: what is
    //  rare for one adult photographed twice is ordinary across 25 years.
    //  A child's old photo at 0.62 / 1.15 outranks an adult stranger's
    //  recent one at the same distances.
    mt_face_row_t child = s_aged (21, 201, 0.62, 1.15, 5);
    mt_face_row_t stranger = s_aged (22, 202, 0.62, 1.15, 31);
    mt_rank_t c = s_rank (&found, &probe, 1, &missing, &child, 1);
    mt_rank_t s = s_rank (&found, &probe, 1, &missing, &stranger, 1);
    MT_CHECK (c.face_evidence > s.face_evidence + 1.5);
    MT_CHECK (c.face_evidence > 0 && s.face_evidence < 0);
    MT_CHECK_CONTAINS (s_words (&c), "\"age_gap\":25");
    MT_CHECK_CONTAINS (s_words (&c), "\"child_photo\":{\"age\":5}");
    MT_CHECK_CONTAINS (s_words (&c), "\"flags\":[\"child_photo\",\"age_gap\"");
    MT_CHECK (strstr (s_words (&s), "\"age_gap\"]") == NULL);
    //  Across 25 years the faces say little either way: a stranger at the
    //  strangers' mean distances is near no evidence, not strongly against.
    mt_face_row_t typical = s_aged (23, 203, 0.703, 1.300, 5);
    mt_rank_t t = s_rank (&found, &probe, 1, &missing, &typical, 1);
    MT_CHECK (fabs (t.face_evidence) < 1.5);
    MT_CHECK (t.face_evidence < c.face_evidence);
    //  Unknown ages: the fitted line, and the old childhood rule.
    child.age_taken = -1;
    mt_rank_t u = s_rank (&found, &probe, 1, &missing, &child, 1);
    MT_CHECK_NEAR (u.face_evidence, model.fused_a + model.fused_b * 0.62
                                    + model.fused_b2 * 1.15, 1e-3);
    //  Off, the same.
    model.age_gap = false;
    mt_err_t err;
    mt_rank_t off;
    child.age_taken = 5;
    MT_CHECK_RC (mt_rank_pair (&model, &found, &probe, 1, &missing, &child, 1, &off, &err),
                 MT_OK, &err);
    MT_CHECK_NEAR (off.face_evidence, model.child_photo_weight * u.face_evidence, 1e-3);

    //  A family's photos at 5 and at 29: the one nearest the found
    //  person's age counts most. For the true family (recent photo near)
    //  the evidence stays that of the recent photo; a stranger family
    //  whose recent photo is far stays clearly against, whatever its
    //  childhood photo.
    mt_face_row_t recent = s_aged (24, 204, 0.35, 0.6, 29);
    mt_face_row_t far = s_aged (25, 205, 0.75, 1.35, 29);
    mt_face_row_t true_family [2] = { typical, recent }, other_family [2] = { child, far };
    mt_rank_t r = s_rank (&found, &probe, 1, &missing, &recent, 1);
    mt_rank_t tf = s_rank (&found, &probe, 1, &missing, true_family, 2);
    mt_rank_t of = s_rank (&found, &probe, 1, &missing, other_family, 2);
    MT_CHECK (tf.face_evidence > r.face_evidence - 0.5);
    MT_CHECK (of.face_evidence < -3);
}

//  A stored explanation: packed, or the JSON text of a pair weighed before
//  schema 10; bytes that are not one give none.
static void
test_stored (void)
{
    json_t *old = api_explain_stored (NULL, 0, "{\"flags\":[\"no_faces\"]}");
    MT_CHECK (json_is_array (json_object_get (old, "flags")));
    json_decref (old);
    static const uint8_t junk [] = { 0xff, 0xff, 0xff, 0xff };
    MT_CHECK (api_explain_stored (junk, sizeof junk, "") == NULL);
    MT_CHECK (api_explain_stored (NULL, 0, "") == NULL);
}

//  One person registered twice (mt_rank_same): two found records weighed
//  by their faces as a family pair is, and by the facts that tell two
//  people apart: a sex recorded differently, years of birth that cannot
//  meet, found the same day in provinces far apart; never two sides.
static void
test_same_person (void)
{
    mt_case_t a, b, missing;
    s_cases (&a, &missing);
    b = a;
    b.id = 3, b.province = 11, snprintf (b.date_found, sizeof b.date_found, "2021-01-10");
    mt_face_row_t fa = s_face (10, 100, 0.30f, "ok", 2020), fb = s_face (11, 110, 0.31f, "ok",
                                                                         2021);
    mt_face_row_t far = s_face (12, 120, 1.3f, "ok", 2021);
    mt_rank_t near_rank, far_rank, r;
    mt_err_t err;
    mt_rank_model_t model = mt_rank_default_model ();
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &b, &fb, 1, &near_rank, &err), MT_OK, &err);
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &b, &far, 1, &far_rank, &err), MT_OK, &err);
    MT_CHECK (near_rank.evidence > far_rank.evidence + 10);
    MT_CHECK_INT (near_rank.conflicts, 0);
    MT_CHECK_INT (near_rank.explanation.facts.verdict [MT_RANK_FACT_AGE], MT_RANK_AGREES);
    MT_CHECK_INT (near_rank.explanation.facts.verdict [MT_RANK_FACT_DATES], MT_RANK_AGREES);
    //  Found far apart across China: no count against a wanderer.
    MT_CHECK_INT (near_rank.explanation.facts.verdict [MT_RANK_FACT_PROVINCE], MT_RANK_AGREES);
    //  Another sex, a birth forty years apart, the same day 1,900 km apart.
    mt_case_t other = b;
    other.sex = MT_SEX_FEMALE, other.age_min = 20, other.age_max = 25;
    snprintf (other.date_found, sizeof other.date_found, "%s", a.date_found);
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &other, &fb, 1, &r, &err), MT_OK, &err);
    MT_CHECK_INT (r.conflicts, 3);
    MT_CHECK (r.explanation.flags & MT_RANK_FLAG_SEX_MISMATCH);
    MT_CHECK (r.explanation.flags & MT_RANK_FLAG_AGE_MISMATCH);
    MT_CHECK (r.explanation.flags & MT_RANK_FLAG_DATES_OUT_OF_ORDER);
    MT_CHECK (r.evidence < near_rank.evidence - 5);
    //  Two reports of one child: birth years a year apart meet, three do not.
    mt_case_t m2 = missing;
    m2.id = 4, m2.birth_year_min = m2.birth_year_max = 1953;
    MT_CHECK_RC (mt_rank_same (&model, &missing, &fa, 1, &m2, &fb, 1, &r, &err), MT_OK, &err);
    MT_CHECK_INT (r.explanation.facts.verdict [MT_RANK_FACT_AGE], MT_RANK_AGREES);
    m2.birth_year_min = m2.birth_year_max = 1955;
    MT_CHECK_RC (mt_rank_same (&model, &missing, &fa, 1, &m2, &fb, 1, &r, &err), MT_OK, &err);
    MT_CHECK_INT (r.explanation.facts.verdict [MT_RANK_FACT_AGE], MT_RANK_CONFLICTS);
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &missing, &fb, 1, &r, &err), MT_EINVAL, &err);

    //  Two strangers photographed beside one station worker: the worker's
    //  face, off the photos' centres, does not make them one person; the
    //  same two photos centred on one person do.
    mt_face_row_t one [2] = { s_placed (fa, 180, 180, 400, 400),
                              s_placed (s_face (13, 100, -0.9f, "ok", 2020), 10, 10, 400, 400) };
    mt_face_row_t two [2] = { s_placed (far, 180, 180, 400, 400),
                              s_placed (s_face (14, 120, -0.9f, "ok", 2021), 350, 10, 400, 400) };
    mt_rank_t strangers, worker;
    MT_CHECK_RC (mt_rank_same (&model, &a, one, 2, &b, two, 2, &strangers, &err), MT_OK, &err);
    MT_CHECK (strangers.evidence < far_rank.evidence + 1);
    one [1] = s_placed (one [1], 180, 180, 400, 400), one [0] = s_placed (one [0], 10, 10, 400, 400);
    two [1] = s_placed (two [1], 180, 180, 400, 400), two [0] = s_placed (two [0], 350, 10, 400, 400);
    MT_CHECK_RC (mt_rank_same (&model, &a, one, 2, &b, two, 2, &worker, &err), MT_OK, &err);
    MT_CHECK (worker.evidence > near_rank.evidence - 3);

    //  Two stations' photos months apart: their faces are weighed across
    //  the months between them, not across the decades between two
    //  estimates of the age (a stranger estimated 30 years younger is not
    //  a person grown older; the age fact says they do not meet).
    mt_face_row_t look_alike = s_face (15, 130, 0.85f, "ok", 2021);
    mt_case_t young = b;
    young.age_min = 30, young.age_max = 40;
    mt_rank_t same_age, decades;
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &b, &look_alike, 1, &same_age, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_rank_same (&model, &a, &fa, 1, &young, &look_alike, 1, &decades, &err),
                 MT_OK, &err);
    MT_CHECK (fabs (same_age.face_evidence - decades.face_evidence) < 1e-9);
    MT_CHECK_INT (decades.explanation.age_gap, 1);
    MT_CHECK (decades.face_evidence < mt_rank_face_evidence (&model, decades.distance,
                                                             -1, 35, 30));
    MT_CHECK_INT (decades.explanation.facts.verdict [MT_RANK_FACT_AGE], MT_RANK_CONFLICTS);

    //  A pair's score: its evidence where neither record has another pair
    //  worth a thought; less the stronger its records' other pairs.
    MT_CHECK (mt_rank_same_score (6, -INFINITY, -INFINITY) == 6);
    MT_CHECK (fabs (mt_rank_same_score (6, 0, -INFINITY) - 6) < 0.02);
    MT_CHECK (mt_rank_same_score (6, 8, -INFINITY) < 2);
    MT_CHECK (mt_rank_same_score (6, 8, 8) < mt_rank_same_score (6, 8, -INFINITY) - 3.9);
}

//  A linked group's facts as one person's (issue 27): one record fills what
//  another lacks; where two records differ, the weighing does not lean on
//  either; a found person's earliest record says when and where the family
//  lost them.
static void
test_group_facts (void)
{
    mt_case_t found, missing;
    s_cases (&found, &missing);
    //  Station A knew nothing but the date and place; station B, a year
    //  later far away, saw a man of about 70 (estimated 66-74).
    mt_case_t a = found, b = found, person;
    a.sex = MT_SEX_UNKNOWN, a.age_min = a.age_max = -1;
    b.id = 3, b.province = 65, b.age_min = 66, b.age_max = 74;
    snprintf (b.date_found, sizeof b.date_found, "2021-06-01");
    mt_case_t group [2] = { a, b };
    mt_rank_group_facts (group, 2, 0, &person);
    MT_CHECK_INT (person.id, 1);
    MT_CHECK_INT (person.sex, MT_SEX_MALE);
    MT_CHECK (strcmp (person.date_found, "2020-05-01") == 0);
    MT_CHECK_INT (person.province, 44);
    MT_CHECK_INT (person.age_min, 65);          //  born 1947-1955: 65-73 in 2020
    MT_CHECK_INT (person.age_max, 73);
    //  As station B's pairs weigh it: the same person, first found in 2020.
    mt_rank_group_facts (group, 2, 1, &person);
    MT_CHECK_INT (person.id, 3);
    MT_CHECK (strcmp (person.date_found, "2020-05-01") == 0);
    MT_CHECK_INT (person.province, 44);
    MT_CHECK_INT (person.age_min, 65);

    //  Alone, A's pairs with the family know no sex and no age; linked they
    //  do, and weigh more.
    mt_face_row_t probe = s_face (10, 100, 0, "ok", 0), near = s_face (20, 200, 0.45f, "ok", 0);
    mt_rank_t alone = s_rank (&a, &probe, 1, &missing, &near, 1);
    mt_rank_group_facts (group, 2, 0, &person);
    mt_rank_t linked = s_rank (&person, &probe, 1, &missing, &near, 1);
    MT_CHECK (linked.evidence > alone.evidence + 0.5);
    MT_CHECK_CONTAINS (s_words (&linked), "both male");
    MT_CHECK_CONTAINS (s_words (&linked), "would be 68 in 2020");

    //  Two sexes recorded: neither is weighed. Estimates that cannot meet
    //  (20-25 and 66-74): the span of both.
    group [0].sex = MT_SEX_FEMALE, group [0].age_min = 20, group [0].age_max = 25;
    mt_rank_group_facts (group, 2, 0, &person);
    MT_CHECK_INT (person.sex, MT_SEX_UNKNOWN);
    MT_CHECK_INT (person.age_min, 20);          //  born 1947-2000
    MT_CHECK_INT (person.age_max, 73);

    //  Two relatives' reports: the birth years both allow, the later last
    //  sighting, a home province where one report has none.
    mt_case_t mother = missing, grandfather = missing;
    mother.birth_year_min = 1950, mother.birth_year_max = 1953, mother.province = 0;
    grandfather.id = 4, grandfather.birth_year_min = 1952, grandfather.birth_year_max = 0;
    snprintf (grandfather.date_last_seen, sizeof grandfather.date_last_seen, "2019-04-10");
    mt_case_t reports [2] = { mother, grandfather };
    mt_rank_group_facts (reports, 2, 0, &person);
    MT_CHECK_INT (person.birth_year_min, 1952);
    MT_CHECK_INT (person.birth_year_max, 1952);
    MT_CHECK (strcmp (person.date_last_seen, "2019-04-10") == 0);
    MT_CHECK_INT (person.province, 44);
    //  A report that says no date takes the other's; one that does keeps
    //  its own beside a report without.
    reports [0].date_last_seen [0] = '\0';
    mt_rank_group_facts (reports, 2, 0, &person);
    MT_CHECK (strcmp (person.date_last_seen, "2019-04-10") == 0);
    mt_rank_group_facts (reports, 2, 1, &person);
    MT_CHECK (strcmp (person.date_last_seen, "2019-04-10") == 0);
    //  Each report keeps its own home province where it gives one.
    reports [0].province = 11;
    mt_rank_group_facts (reports, 2, 0, &person);
    MT_CHECK_INT (person.province, 11);
}

int
main (void)
{
    MT_RUN (test_faces_order);
    MT_RUN (test_age_gap);
    MT_RUN (test_pooled_photos);
    MT_RUN (test_group_photos);
    MT_RUN (test_facts);
    MT_RUN (test_scores);
    MT_RUN (test_second_descriptor);
    MT_RUN (test_stored);
    MT_RUN (test_same_person);
    MT_RUN (test_group_facts);
    for (size_t i = 0; i < s_text_count; i++)
        free (s_texts [i]);
    return MT_TEST_MAIN_END ();
}
