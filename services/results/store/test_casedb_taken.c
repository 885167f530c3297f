//  Self-test of when a photo was taken: the year and the person's age in
//  it stored (migration 8: a store of schema 7 comes up with every age
//  unknown), read into photo and face rows, checked against the birth year
//  (refused with a message that names the years, in English and Chinese),
//  and corrected later, audited and requeued for matching.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  An explanation as pairs weighed before schema 10 kept it.
#define S_OLD_EXPLANATION "{\"pairs\":[],\"evidence\":-1.5,\"flags\":[\"no_faces\"]}"
#define S_SHA "dd00000000000000000000000000000000000000000000000000000000000001"
#define S_SHA2 "dd00000000000000000000000000000000000000000000000000000000000002"

static char s_target [1024];

//  A report of a child born in 1956 (the family's photo at 6, in 1962).
static mt_case_t
s_report (void)
{
    mt_case_t c = mt_test_missing_case ();
    c.birth_year_min = c.birth_year_max = 1956;
    return c;
}

//  A store of schema 7 with one photo, opened by this version: the photo's
//  age is unknown and the store at the newest schema.
static void
test_migration (void)
{
    char path [512], why [256];
    snprintf (path, sizeof path, "%s/taken-old.db", mt_test_tmpdir ());
    char old [1024];
    mt_test_store_new (old, sizeof old, path);
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (old, &db, &err), MT_OK, &err);
    if (!db)
        return;
    int latest = mt_casedb_schema_version (db);
    MT_CHECK (latest >= 8);
    mt_case_t c = s_report ();
    int64_t case_id = 0, photo = 0;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &case_id, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add (db, case_id, S_SHA, 10, 1962, "staff", &photo, NULL, &err),
                 MT_OK, &err);
    mt_case_t f = mt_test_found_case ();
    int64_t found_id = 0;
    MT_CHECK_RC (mt_casedb_case_add (db, &f, "staff", &found_id, NULL, &err), MT_OK, &err);
    mt_casedb_close (&db);
    //  Back to schema 7, as a store written before this version was (the
    //  migrations after 7 undone), with a pair weighed then: its
    //  explanation JSON text.
    char undo [2048];
    snprintf (undo, sizeof undo, "%s DROP INDEX candidates_state;"
              "CREATE INDEX candidates_score ON candidates (state, score);"
              "ALTER TABLE cases DROP COLUMN version;"
              "DROP TABLE notices; DROP TABLE same_person; DROP INDEX cases_person_group;"
              "ALTER TABLE cases DROP COLUMN person_group;"
              "ALTER TABLE photos DROP COLUMN age_taken;"
              "DROP TABLE rescore_due; DROP TABLE same_due;"
              "ALTER TABLE candidates DROP COLUMN explanation_pb;"
              "INSERT INTO candidates (found_case, missing_case, score, distance, explanation,"
              " created_at, updated_at) VALUES (%lld, %lld, 0.5, 0.4, '%s', 'then', 'then');"
              "DELETE FROM schema_migrations WHERE version >= 8",
              mt_test_store_is_pg ()
              ? "DROP TRIGGER cases_version ON cases; DROP TRIGGER faces_version ON faces;"
                "DROP TRIGGER photos_version ON photos; DROP FUNCTION case_version_next;"
                "DROP FUNCTION case_version_of_row;"
              : "DROP TRIGGER cases_version; DROP TRIGGER faces_added;"
                "DROP TRIGGER faces_changed; DROP TRIGGER faces_deleted;"
                "DROP TRIGGER photos_changed; DROP TRIGGER photos_deleted;"
                "DROP TRIGGER cases_changed; DROP TRIGGER cases_gone; DROP TABLE case_changes;"
                "DROP INDEX candidates_weigh;",
              (long long) found_id,
              (long long) case_id, S_OLD_EXPLANATION);
    MT_CHECK_INT (mt_test_store_exec (old, undo, why, sizeof why), 0);
    MT_CHECK_RC (mt_casedb_open (old, &db, &err), MT_OK, &err);
    if (!db)
        return;
    MT_CHECK_INT (mt_casedb_schema_version (db), latest);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (db, photo, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.year_taken, 1962);
    MT_CHECK_INT (row.age_taken, -1);
    //  The pair weighed then keeps its explanation text (migration 10).
    mt_candidate_row_t pair;
    MT_CHECK_RC (mt_casedb_candidate_get (db, found_id, case_id, &pair, &err), MT_OK, &err);
    MT_CHECK (pair.explanation == NULL && pair.explanation_size == 0);
    MT_CHECK (pair.explanation_text && strcmp (pair.explanation_text, S_OLD_EXPLANATION) == 0);
    mt_casedb_candidate_free (&pair);
    mt_casedb_close (&db);
}

//  The age stored with the photo reaches its row and its faces' rows.
static void
test_stored_and_read (void)
{
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (s_target, &db, &err), MT_OK, &err);
    if (!db)
        return;
    mt_case_t c = s_report ();
    int64_t case_id = 0, photo = 0;
    bool existed = true;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &case_id, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add_aged (db, case_id, S_SHA, 10, 1962, 6, "family", &photo,
                                           &existed, &err), MT_OK, &err);
    MT_CHECK (!existed);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (db, photo, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.year_taken, 1962);
    MT_CHECK_INT (row.age_taken, 6);
    //  The intake describes it: each face carries its photo's year and age.
    MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.age_taken, 6);
    float e [MT_EMBEDDING_DIM] = { 0.1f };
    mt_new_face_t face = { .box = { 10, 10, 60, 60 }, .size_px = 60, .sharpness = 50,
                           .verdict = "too_small", .embedding = e };
    MT_CHECK_RC (mt_casedb_photo_done (db, photo, 640, 480, "jpeg", &face, 1, &err), MT_OK, &err);
    mt_face_row_t *faces = NULL;
    size_t count = 0;
    MT_CHECK_RC (mt_casedb_faces_of_case (db, case_id, &faces, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 1);
    if (count == 1) {
        MT_CHECK_INT (faces [0].year_taken, 1962);
        MT_CHECK_INT (faces [0].age_taken, 6);
    }
    free (faces);
    //  The same photo's age without a year: kept as given.
    int64_t second = 0;
    MT_CHECK_RC (mt_casedb_photo_add_aged (db, case_id, S_SHA2, 10, 0, 30, "family", &second,
                                           NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, second, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.year_taken, 0);
    MT_CHECK_INT (row.age_taken, 30);
    mt_casedb_close (&db);
}

//  What cannot be: an age over 120, a year long before the birth, a year
//  and an age that give another birth year, an age not yet reached.
static void
test_refused (void)
{
    mt_case_t c = s_report ();
    mt_err_t err;
    MT_CHECK_RC (mt_photo_taken_check (&c, 1962, 6, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 0, -1, &err), MT_OK, &err);
    //  A year or two off is a family's memory, let through.
    MT_CHECK_RC (mt_photo_taken_check (&c, 1954, -1, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 1962, 8, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 1962, 4, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 1962, 121, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "0 to 120");
    MT_CHECK_RC (mt_photo_taken_check (&c, 0, -2, &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 1950, -1, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "the photo's year 1950 is before the birth year 1956");
    MT_CHECK_CONTAINS (err.msg_zh, "照片年份 1950 早于出生年份 1956");
    MT_CHECK_RC (mt_photo_taken_check (&c, 1980, 6, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "born in 1974, but the birth year is 1956");
    MT_CHECK_CONTAINS (err.msg_zh, "推算出生于 1974 年");
    MT_CHECK_RC (mt_photo_taken_check (&c, 1962, 3, &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 0, 100, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg_zh, "还不到 100 岁");
    MT_CHECK_RC (mt_photo_taken_check (&c, 1850, -1, &err), MT_EINVAL, &err);
    //  A range of birth years: the years between are all possible.
    c.birth_year_min = 1948, c.birth_year_max = 1952;
    MT_CHECK_RC (mt_photo_taken_check (&c, 1960, 12, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&c, 1960, 4, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "1948-1952");
    //  No birth year known (a found person): only the bounds.
    mt_case_t found = mt_test_found_case ();
    MT_CHECK_RC (mt_photo_taken_check (&found, 1962, 6, &err), MT_OK, &err);
    MT_CHECK_RC (mt_photo_taken_check (&found, 0, 120, &err), MT_OK, &err);
    //  The store refuses them too, keeping nothing.
    mt_casedb_t *db = NULL;
    MT_CHECK_RC (mt_casedb_open (s_target, &db, &err), MT_OK, &err);
    if (!db)
        return;
    mt_case_t report = s_report ();
    int64_t case_id = 0, photo = 0;
    MT_CHECK_RC (mt_casedb_case_add (db, &report, "staff", &case_id, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add_aged (db, case_id, S_SHA, 10, 1950, 6, "family", &photo,
                                           NULL, &err), MT_EINVAL, &err);
    MT_CHECK_INT (photo, 0);
    mt_photo_row_t *rows = NULL;
    size_t count = 9;
    MT_CHECK_RC (mt_casedb_photos_of_case (db, case_id, &rows, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 0);
    free (rows);
    mt_casedb_close (&db);
}

//  A correction: checked, stored, audited with before and after, and the
//  case back in the match queue.
static void
test_corrected (void)
{
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (s_target, &db, &err), MT_OK, &err);
    if (!db)
        return;
    mt_case_t c = s_report ();
    int64_t case_id = 0, photo = 0, id, generation;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &case_id, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add (db, case_id, S_SHA, 10, 1970, "family", &photo, NULL,
                                      &err), MT_OK, &err);
    while (mt_casedb_match_next (db, &id, &generation, &err) == MT_OK)
        mt_casedb_match_done (db, id, generation, &err);
    MT_CHECK_RC (mt_casedb_photo_taken (db, photo, 1962, 6, "staff", &err), MT_OK, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (db, photo, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.year_taken, 1962);
    MT_CHECK_INT (row.age_taken, 6);
    MT_CHECK (mt_casedb_match_pending (db, case_id));
    char *audit = NULL;
    audit = mt_test_audit_text (db, case_id, 50, 0);
    MT_CHECK (audit != NULL);
    MT_CHECK_CONTAINS (audit, "photo.taken");
    MT_CHECK_CONTAINS (audit, "year 1970 -> 1962, age unknown -> 6");
    free (audit);
    //  Refused as when added; the photo keeps what it had.
    MT_CHECK_RC (mt_casedb_photo_taken (db, photo, 1950, -1, "staff", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, photo, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.year_taken, 1962);
    //  Back to unknown.
    MT_CHECK_RC (mt_casedb_photo_taken (db, photo, 0, -1, "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, photo, &row, &err), MT_OK, &err);
    MT_CHECK (row.year_taken == 0 && row.age_taken == -1);
    MT_CHECK_RC (mt_casedb_photo_taken (db, 999999, 1962, 6, "staff", &err), MT_ENOTFOUND, &err);
    //  A removed photo, or a closed case, keeps what it had.
    MT_CHECK_RC (mt_casedb_photo_remove (db, photo, "another family's photo", "staff", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_taken (db, photo, 1962, 6, "staff", &err), MT_EINVAL, &err);
    mt_casedb_close (&db);
}

int
main (void)
{
    char path [512];
    snprintf (path, sizeof path, "%s/taken.db", mt_test_tmpdir ());
    mt_test_store_new (s_target, sizeof s_target, path);
    MT_RUN (test_migration);
    MT_RUN (test_stored_and_read);
    MT_RUN (test_refused);
    MT_RUN (test_corrected);
    return MT_TEST_MAIN_END ();
}
