//  Finding the family among hundreds, through `homeward serve`: 200
//  families' reports (the 50 people of tests/data/lfw with all their photos
//  but the last, and 150 people of tests/data/lfw-distractors with one),
//  then the 50 found with their last photo; the true family's rank for each
//  is checked. Then staff corrections change the candidates as they
//  should: the person marked in a group photo, a face left out, a photo
//  removed, a fact corrected.

#include "mt_test.h"
#include "mt_test_serve.h"

#include "face/mt_image.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The 50 people and where their family ranked in the reference run
//  (Release build, 2026-11-24). An expected rank above 1 is a hard case of
//  the model's (a turned face, sunglasses); such ranks may move by one
//  between builds, so they are checked as "no lower than expected + 1".
static const struct {
    const char *name;
    int rank;
} s_expected [] = {
#include "identify_expected.inc"
};
#define S_PEOPLE (sizeof s_expected / sizeof s_expected [0])

static int64_t s_families [S_PEOPLE], s_found [S_PEOPLE];
static int s_photos [S_PEOPLE];

static int
s_count_photos (const char *name)
{
    char dir [512];
    snprintf (dir, sizeof dir, "%s/%s", mt_test_data ("lfw"), name);
    DIR *d = opendir (dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir (d)) != NULL)
        n += e->d_name [0] != '.';
    if (d)
        closedir (d);
    return n;
}

static int64_t
s_family (const char *name, const char *sex, int photos)
{
    int64_t id = mt_serve_case ("missing", sex, 11, "family_name", name);
    for (int p = 1; p <= photos; p++) {
        char path [256];
        snprintf (path, sizeof path, "lfw/%s/%d.jpg", name, p);
        mt_serve_photo (id, path);
    }
    return id;
}

static void
test_families_rank (void)
{
    //  Families with no found person, so that each is one among 200. Under
    //  the sanitizers a third of them (the ranks can only be as good).
    DIR *d = opendir (mt_test_data ("lfw-distractors"));
    struct dirent *e;
    size_t distractors = 0, most = MT_TEST_LIGHT ? 50 : 150;
    int64_t last = 0;
    while (d && (e = readdir (d)) != NULL && distractors < most) {
        if (e->d_name [0] == '.')
            continue;
        char path [512];
        snprintf (path, sizeof path, "lfw-distractors/%s", e->d_name);
        last = mt_serve_case ("missing", "unknown", 11, "family_name", e->d_name);
        mt_serve_photo (last, path);
        distractors++;
    }
    if (d)
        closedir (d);
    MT_CHECK_INT (distractors, most);
    for (size_t i = 0; i < S_PEOPLE; i++) {
        s_photos [i] = s_count_photos (s_expected [i].name);
        MT_CHECK (s_photos [i] >= 2);
        const char *sex = strcmp (s_expected [i].name, "Paula_Radcliffe") == 0 ? "female"
                        : "unknown";
        s_families [i] = s_family (s_expected [i].name, sex, s_photos [i] - 1);
    }
    for (size_t i = 0; i < S_PEOPLE; i++)
        mt_serve_settle (s_families [i]);
    mt_serve_settle (last);

    int first = 0;
    for (size_t i = 0; i < S_PEOPLE; i++) {
        char path [256];
        snprintf (path, sizeof path, "lfw/%s/%d.jpg", s_expected [i].name, s_photos [i]);
        s_found [i] = mt_serve_case ("found", "unknown", 11, NULL, NULL);
        mt_serve_photo (s_found [i], path);
    }
    for (size_t i = 0; i < S_PEOPLE; i++) {
        mt_serve_settle (s_found [i]);
        json_t *c = mt_serve_candidates (s_found [i], 50);
        json_t *item = NULL;
        int rank = mt_serve_rank_of (c, s_families [i], &item);
        int want = s_expected [i].rank;
        if (rank != want)
            fprintf (stderr, "%s: the family ranks %d (reference run: %d)\n",
                     s_expected [i].name, rank, want);
        MT_CHECK (rank >= 1 && (want == 1 ? rank == 1 : rank <= want + 1));
        first += rank == 1;
        //  The first candidate explains itself, its score in plain words.
        json_t *top = json_array_get (json_object_get (c, "candidates"), 0);
        MT_CHECK_CONTAINS (json_string_value (json_object_get (top, "meaning")), "in 100");
        MT_CHECK (json_is_object (json_object_get (json_object_get (top, "explanation"),
                                                   "pooled")));
        json_decref (c);
    }
    fprintf (stderr, "the true family first for %d of %zu found people, among %zu families\n",
             first, S_PEOPLE, S_PEOPLE + distractors);
}

//  Two faces side by side in one photo: photos of two people, scaled to a
//  height of 150 and put next to each other.
static uint8_t *
s_side_by_side (const char *left, const char *right, size_t *size_p)
{
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_image_t *a = NULL, *b = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data (left), &limits, &a, &err), MT_OK, &err);
    MT_CHECK_RC (mt_image_load (mt_test_data (right), &limits, &b, &err), MT_OK, &err);
    uint8_t *bytes = NULL;
    if (a && b && mt_image_height (a) == 150 && mt_image_height (b) == 150) {
        int wa = mt_image_width (a), wb = mt_image_width (b), w = wa + wb;
        uint8_t *rgb = malloc ((size_t) w * 150 * 3);
        for (int y = 0; y < 150; y++) {
            memcpy (rgb + (size_t) y * w * 3, mt_image_pixels (a) + y * mt_image_stride (a),
                    (size_t) wa * 3);
            memcpy (rgb + ((size_t) y * w + wa) * 3, mt_image_pixels (b) + y * mt_image_stride (b),
                    (size_t) wb * 3);
        }
        MT_CHECK_RC (mt_image_encode (rgb, w, 150, (size_t) w * 3, MT_FORMAT_JPEG, 95, &bytes,
                                      size_p, &err), MT_OK, &err);
        free (rgb);
    }
    mt_image_destroy (&a), mt_image_destroy (&b);
    return bytes;
}

//  The photo encoded anew (other bytes, the same face).
static uint8_t *
s_reencoded (const char *relative, size_t *size_p)
{
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_image_t *image = NULL;
    mt_err_t err;
    uint8_t *bytes = NULL;
    MT_CHECK_RC (mt_image_load (mt_test_data (relative), &limits, &image, &err), MT_OK, &err);
    if (image)
        MT_CHECK_RC (mt_image_encode (mt_image_pixels (image), mt_image_width (image),
                                      mt_image_height (image), mt_image_stride (image),
                                      MT_FORMAT_JPEG, 90, &bytes, size_p, &err), MT_OK, &err);
    mt_image_destroy (&image);
    return bytes;
}

static size_t
s_index_of (const char *name)
{
    for (size_t i = 0; i < S_PEOPLE; i++)
        if (strcmp (s_expected [i].name, name) == 0)
            return i;
    MT_CHECK (!"a person of the table");
    return 0;
}

//  The score of family in case's candidates (0 when it is not there), and
//  its rank.
static double
s_score (int64_t case_id, int64_t family, int *rank_p)
{
    json_t *c = mt_serve_candidates (case_id, 50);
    json_t *item = NULL;
    int rank = mt_serve_rank_of (c, family, &item);
    double score = item ? json_real_value (json_object_get (item, "score")) : 0;
    json_decref (c);
    if (rank_p)
        *rank_p = rank;
    return score;
}

//  A photo of two people: both families come up; marking one face
//  as the person sends the other family down; leaving that face out too
//  leaves no face to match; taking it back brings the family back.
static void
test_group_photo_person (void)
{
    size_t a = s_index_of ("Gerry_Parsky"), b = s_index_of ("Ana_Guevara");
    size_t size = 0;
    uint8_t *bytes = s_side_by_side ("lfw/Gerry_Parsky/2.jpg", "lfw/Ana_Guevara/6.jpg", &size);
    if (!bytes)
        return;
    int64_t found = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    int64_t photo = mt_serve_photo_bytes (found, bytes, size);
    free (bytes);
    mt_serve_settle (found);
    int ra, rb;
    double sa = s_score (found, s_families [a], &ra), sb = s_score (found, s_families [b], &rb);
    fprintf (stderr, "group photo: Parsky family rank %d score %.3f, Guevara family rank %d "
             "score %.3f\n", ra, sa, rb, sb);
    MT_CHECK (ra >= 1 && ra <= 2 && rb >= 1 && rb <= 2);
    //  The faces, left to right: which one is Parsky's.
    json_t *p = mt_serve_call ("photo.get", json_pack ("{s:I}", "photo_id", (json_int_t) photo),
                               NULL, 0, MT_OK);
    json_t *faces = json_object_get (p, "face_list");
    MT_CHECK_INT (json_array_size (faces), 2);
    int64_t left = 0;
    for (size_t i = 0; i < json_array_size (faces); i++) {
        json_t *f = json_array_get (faces, i);
        if (json_integer_value (json_array_get (json_object_get (f, "box"), 0)) < 150)
            left = (int64_t) json_integer_value (json_object_get (f, "face_id"));
    }
    json_decref (p);
    MT_CHECK (left);

    json_decref (mt_serve_call ("photo.person", json_pack ("{s:I, s:I}", "photo_id",
                                (json_int_t) photo, "face_id", (json_int_t) left), NULL, 0, MT_OK));
    mt_serve_settle (found);
    double sa2 = s_score (found, s_families [a], &ra), sb2 = s_score (found, s_families [b], &rb);
    fprintf (stderr, "Parsky marked as the person: Parsky rank %d score %.3f, Guevara rank %d "
             "score %.3f\n", ra, sa2, rb, sb2);
    MT_CHECK_INT (ra, 1);
    MT_CHECK (sa2 >= sa && sb2 < 0.01 && (rb == 0 || rb > 2));

    json_decref (mt_serve_call ("face.exclude", json_pack ("{s:I, s:b, s:s}", "face_id",
                                (json_int_t) left, "excluded", 1, "reason", "test"), NULL, 0,
                                MT_OK));
    mt_serve_settle (found);
    double sa3 = s_score (found, s_families [a], NULL);
    MT_CHECK (sa3 < 0.01);
    json_decref (mt_serve_call ("face.exclude", json_pack ("{s:I, s:b}", "face_id",
                                (json_int_t) left, "excluded", 0), NULL, 0, MT_OK));
    mt_serve_settle (found);
    MT_CHECK (s_score (found, s_families [a], &ra) > 0.5 && ra == 1);
    //  The trail has each correction.
    json_t *audit = mt_serve_call ("audit.list", json_pack ("{s:I}", "case_id", (json_int_t) found),
                                   NULL, 0, MT_OK);
    char *text = json_dumps (audit, JSON_COMPACT);
    MT_CHECK_CONTAINS (text, "photo.person");
    MT_CHECK_CONTAINS (text, "face.exclude");
    MT_CHECK_CONTAINS (text, "face.include");
    free (text);
    json_decref (audit);
}

//  Faces in the index (all replicas), once it holds every enrolled face of
//  the database: the removals and enrolments queued are done.
static long long
s_indexed_settled (void)
{
    long long until = mt_test_now_ms () + 30000, indexed = -1, enrolled = -2;
    while (indexed != enrolled && mt_test_now_ms () < until) {
        json_t *stats = mt_serve_call ("stats", NULL, NULL, 0, MT_OK);
        indexed = 0;
        size_t i;
        json_t *r;
        json_array_foreach (json_object_get (stats, "replicas"), i, r)
            indexed += json_integer_value (json_object_get (r, "found_faces"))
                     + json_integer_value (json_object_get (r, "missing_faces"));
        enrolled = json_integer_value (json_object_get (stats, "faces"))
                 - json_integer_value (json_object_get (stats, "faces_not_enrolled"));
        json_decref (stats);
        if (indexed != enrolled)
            mt_test_sleep_ms (100);
    }
    MT_CHECK_INT (indexed, enrolled);
    return indexed;
}

//  Another person's photo uploaded by mistake: their family comes up;
//  once the photo is removed it goes down, its faces leave the index and
//  its file the store.
static void
test_removed_photo (void)
{
    size_t a = s_index_of ("Clint_Eastwood"), b = s_index_of ("Arsinee_Khanjian");
    int64_t found = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    char path [256];
    snprintf (path, sizeof path, "lfw/Clint_Eastwood/%d.jpg", s_photos [a]);
    mt_serve_photo (found, path);
    snprintf (path, sizeof path, "lfw/Arsinee_Khanjian/%d.jpg", s_photos [b]);
    size_t size = 0;
    uint8_t *bytes = s_reencoded (path, &size);
    int64_t wrong = bytes ? mt_serve_photo_bytes (found, bytes, size) : 0;
    free (bytes);
    mt_serve_settle (found);
    long long before = s_indexed_settled ();
    int rb;
    double sb = s_score (found, s_families [b], &rb);
    MT_CHECK (rb >= 1 && rb <= 2);
    json_t *p = mt_serve_call ("photo.get", json_pack ("{s:I}", "photo_id", (json_int_t) wrong),
                               NULL, 0, MT_OK);
    size_t wrong_faces = json_array_size (json_object_get (p, "face_list"));
    json_decref (p);
    MT_CHECK (wrong_faces >= 1);

    json_decref (mt_serve_call ("photo.remove", json_pack ("{s:I, s:s}", "photo_id",
                                (json_int_t) wrong, "reason", "another person's photo"), NULL, 0,
                                MT_OK));
    mt_serve_settle (found);
    MT_CHECK_INT (s_indexed_settled (), before - (long long) wrong_faces);
    int ra;
    double sb2 = s_score (found, s_families [b], &rb);
    s_score (found, s_families [a], &ra);
    fprintf (stderr, "wrong photo removed: Khanjian family score %.3f -> %.3f (rank %d), "
             "Eastwood rank %d\n", sb, sb2, rb, ra);
    MT_CHECK (sb2 < 0.01 && ra == 1);
    p = mt_serve_call ("photo.get", json_pack ("{s:I}", "photo_id", (json_int_t) wrong), NULL, 0,
                       MT_OK);
    MT_CHECK_CONTAINS (json_string_value (json_object_get (p, "removed")), "another person");
    MT_CHECK_INT (json_array_size (json_object_get (p, "face_list")), 0);
    char sha [80];
    snprintf (sha, sizeof sha, "%s", json_string_value (json_object_get (p, "sha256"))
                                     ? json_string_value (json_object_get (p, "sha256")) : "");
    json_decref (p);
    //  No other photo has these bytes: the file is gone from the store.
    char file [900];
    snprintf (file, sizeof file, "%s/photos/%.2s/%s", mt_serve.var, sha, sha);
    if (!sha [0] || access (file, F_OK) == 0)
        fprintf (stderr, "the removed photo's file '%s' is still there\n", file);
    MT_CHECK (sha [0] && access (file, F_OK) != 0);
}

//  The sex recorded wrongly on a found person: the family is there with the
//  conflict flagged; corrected, the conflict goes and the score rises.
static void
test_corrected_fact (void)
{
    size_t a = s_index_of ("Paula_Radcliffe");
    int64_t found = mt_serve_case ("found", "male", 11, NULL, NULL);
    char path [256];
    snprintf (path, sizeof path, "lfw/Paula_Radcliffe/%d.jpg", s_photos [a]);
    mt_serve_photo (found, path);
    mt_serve_settle (found);
    json_t *c = mt_serve_candidates (found, 50);
    json_t *item = NULL;
    MT_CHECK (mt_serve_rank_of (c, s_families [a], &item) >= 1);
    double before = item ? json_real_value (json_object_get (item, "evidence")) : 0;
    char *text = item ? json_dumps (json_object_get (item, "explanation"), 0) : NULL;
    MT_CHECK_CONTAINS (text, "sex_mismatch");
    free (text);
    json_decref (c);
    json_t *r = mt_serve_call ("case.update", json_pack ("{s:I, s:s}", "case_id",
                               (json_int_t) found, "sex", "female"), NULL, 0, MT_OK);
    MT_CHECK_CONTAINS (json_string_value (json_object_get (r, "changes")), "sex: male -> female");
    json_decref (r);
    mt_serve_settle (found);
    c = mt_serve_candidates (found, 50);
    item = NULL;
    MT_CHECK_INT (mt_serve_rank_of (c, s_families [a], &item), 1);
    double after = item ? json_real_value (json_object_get (item, "evidence")) : 0;
    text = item ? json_dumps (json_object_get (item, "explanation"), 0) : NULL;
    MT_CHECK (text && !strstr (text, "sex_mismatch"));
    free (text);
    json_decref (c);
    fprintf (stderr, "sex corrected: evidence %.2f -> %.2f\n", before, after);
    MT_CHECK (after > before + 2);
    //  A field that is not a correction is refused with the reason.
    json_decref (mt_serve_call ("case.update", json_pack ("{s:I, s:s}", "case_id",
                                (json_int_t) found, "kind", "missing"), NULL, 0, MT_EINVAL));
}

int
main (void)
{
    if (mt_serve_init () != 0)
        return 1;
    mt_serve_start (NULL);
    MT_RUN (test_families_rank);
    MT_RUN (test_group_photo_person);
    MT_RUN (test_removed_photo);
    MT_RUN (test_corrected_fact);
    mt_serve_finish ();
    return MT_TEST_MAIN_END ();
}
