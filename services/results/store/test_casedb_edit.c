//  Self-test of the case store's staff corrections: a face left out of
//  matching and taken back, the person of a group photo, a photo removed
//  (its faces leave the index and are erased, its file once no photo holds
//  it), a case's facts corrected; each audited and requeued for matching.
//  Also the gallery described again with a second descriptor.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <stdlib.h>
#include <string.h>

static mt_casedb_t *s_db;
static int64_t s_case, s_photo;
static int64_t s_faces [3];

//  Take the case out of the match queue (as the matcher would).
static void
s_drain_match (void)
{
    int64_t id, generation;
    mt_err_t err;
    while (mt_casedb_match_next (s_db, &id, &generation, &err) == MT_OK)
        mt_casedb_match_done (s_db, id, generation, &err);
}

//  A found case with one photo of three faces, all enrolled, matched.
static void
s_setup (void)
{
    char path [512], target [1024];
    snprintf (path, sizeof path, "%s/edit.db", mt_test_tmpdir ());
    mt_test_store_new (target, sizeof target, path);
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (target, &s_db, &err), MT_OK, &err);
    if (!s_db)
        return;
    mt_case_t c = { .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
                    .date_found = "2020-05-01", .age_min = 60, .age_max = 70 };
    snprintf (c.consent_basis, sizeof c.consent_basis, "vital_interests");
    MT_CHECK_RC (mt_casedb_case_add (s_db, &c, "staff", &s_case, NULL, &err), MT_OK, &err);
    const char *sha = "cc00000000000000000000000000000000000000000000000000000000000003";
    MT_CHECK_RC (mt_casedb_photo_add (s_db, s_case, sha, 100, 0, "staff", &s_photo, NULL, &err),
                 MT_OK, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    float e [3][MT_EMBEDDING_DIM] = { { 0.1f }, { 0.2f }, { 0.3f } };
    mt_new_face_t faces [3];
    for (int i = 0; i < 3; i++)
        faces [i] = (mt_new_face_t) { .box = { 10 + 100 * i, 20, 90, 90 }, .size_px = 90,
                                      .sharpness = 50, .verdict = "ok", .embedding = e [i] };
    MT_CHECK_RC (mt_casedb_photo_done (s_db, s_photo, 640, 480, "jpeg", faces, 3, &err), MT_OK,
                 &err);
    mt_face_row_t *rows;
    size_t count;
    MT_CHECK_RC (mt_casedb_faces_of_case (s_db, s_case, &rows, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);
    for (size_t i = 0; i < count && i < 3; i++) {
        s_faces [i] = rows [i].id;
        MT_CHECK (rows [i].photo_width == 640 && rows [i].photo_height == 480);
    }
    MT_CHECK_RC (mt_casedb_faces_mark_enrolled (s_db, s_faces, 3, &err), MT_OK, &err);
    free (rows);
    s_drain_match ();
}

static size_t
s_matchable (void)
{
    mt_face_row_t *rows;
    size_t count = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_faces_of_case (s_db, s_case, &rows, &count, &err), MT_OK, &err);
    free (rows);
    return count;
}

static void
test_exclude_and_include (void)
{
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_face_exclude (s_db, s_faces [2], true, "a poster on the wall",
                                         "staff", &err), MT_OK, &err);
    MT_CHECK_INT (s_matchable (), 2);
    MT_CHECK (mt_casedb_match_pending (s_db, s_case));
    //  The index work: the excluded face, once.
    int64_t ids [8];
    size_t count;
    MT_CHECK_RC (mt_casedb_face_removal_next (s_db, ids, 8, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && ids [0] == s_faces [2]);
    MT_CHECK_RC (mt_casedb_face_removal_done (s_db, ids, count, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_face_removal_next (s_db, ids, 8, &count, &err), MT_ENOTFOUND, &err);
    //  Still shown with its photo, marked excluded and no longer enrolled.
    mt_face_row_t *rows;
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &rows, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);
    if (count == 3)
        MT_CHECK (rows [2].excluded && !rows [2].enrolled && !rows [0].excluded);
    free (rows);
    //  Taken back: in matching again (enrolled by the next match).
    MT_CHECK_RC (mt_casedb_face_exclude (s_db, s_faces [2], false, NULL, "staff", &err), MT_OK,
                 &err);
    MT_CHECK_INT (s_matchable (), 3);
    char *audit;
    audit = mt_test_audit_text (s_db, s_case, 50, 0);
    MT_CHECK (audit != NULL);
    MT_CHECK_CONTAINS (audit, "face.exclude");
    MT_CHECK_CONTAINS (audit, "a poster on the wall");
    MT_CHECK_CONTAINS (audit, "face.include");
    free (audit);
    MT_CHECK_RC (mt_casedb_face_exclude (s_db, 999999, true, NULL, "staff", &err), MT_ENOTFOUND,
                 &err);
    s_drain_match ();
}

static void
test_person_of_photo (void)
{
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_photo_person (s_db, s_photo, s_faces [1], "staff", &err), MT_OK,
                 &err);
    mt_face_row_t *rows;
    size_t count;
    MT_CHECK_RC (mt_casedb_faces_of_case (s_db, s_case, &rows, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && rows [0].id == s_faces [1]);
    free (rows);
    MT_CHECK (mt_casedb_match_pending (s_db, s_case));
    //  Face 0 was enrolled: it leaves the index; face 2 was not enrolled.
    int64_t ids [8];
    MT_CHECK_RC (mt_casedb_face_removal_next (s_db, ids, 8, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && ids [0] == s_faces [0]);
    MT_CHECK_RC (mt_casedb_face_removal_done (s_db, ids, count, &err), MT_OK, &err);
    //  A face of another photo is refused.
    MT_CHECK_RC (mt_casedb_photo_person (s_db, s_photo + 1, s_faces [1], "staff", &err),
                 MT_EINVAL, &err);
    s_drain_match ();
}

static void
test_remove_photo (void)
{
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_photo_remove (s_db, s_photo, "", "staff", &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "reason");
    MT_CHECK_RC (mt_casedb_photo_remove (s_db, s_photo, "another person's photo", "staff", &err),
                 MT_OK, &err);
    MT_CHECK_INT (s_matchable (), 0);
    MT_CHECK (mt_casedb_match_pending (s_db, s_case));
    MT_CHECK_RC (mt_casedb_photo_remove (s_db, s_photo, "again", "staff", &err), MT_EINVAL, &err);
    //  Its file stays until its faces are out of the index.
    char (*shas) [65];
    size_t count;
    MT_CHECK_RC (mt_casedb_removed_photo_files (s_db, &shas, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 0);
    free (shas);
    int64_t ids [8];
    MT_CHECK_RC (mt_casedb_face_removal_next (s_db, ids, 8, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);            //  every face of the photo, to be erased
    MT_CHECK_RC (mt_casedb_face_removal_done (s_db, ids, count, &err), MT_OK, &err);
    mt_face_row_t *rows;
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &rows, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 0);            //  erased
    free (rows);
    MT_CHECK_RC (mt_casedb_removed_photo_files (s_db, &shas, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && strncmp (shas [0], "cc0000", 6) == 0);
    free (shas);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (s_db, s_photo, &row, &err), MT_OK, &err);
    MT_CHECK (row.removed && strcmp (row.removed_reason, "another person's photo") == 0);
    //  Not handed to a worker again; sent again, it comes back to be processed.
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_ENOTFOUND, &err);
    int64_t again;
    bool existed = true;
    MT_CHECK_RC (mt_casedb_photo_add (s_db, s_case, row.sha256, 100, 0, "staff", &again,
                                      &existed, &err), MT_OK, &err);
    MT_CHECK (again == s_photo && !existed);
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.id, s_photo);
    s_drain_match ();
}

static void
test_update_facts (void)
{
    mt_err_t err;
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (s_db, s_case, &c, &err), MT_OK, &err);
    c.sex = MT_SEX_FEMALE;
    c.age_min = 50, c.age_max = 55;
    MT_CHECK_RC (mt_casedb_case_update (s_db, &c, "sex: male -> female; age: 60-70 -> 50-55",
                                        "staff", &err), MT_OK, &err);
    mt_case_t back;
    MT_CHECK_RC (mt_casedb_case_get (s_db, s_case, &back, &err), MT_OK, &err);
    MT_CHECK (back.sex == MT_SEX_FEMALE && back.age_min == 50 && back.age_max == 55);
    MT_CHECK (mt_casedb_match_pending (s_db, s_case));
    char *audit;
    audit = mt_test_audit_text (s_db, s_case, 50, 0);
    MT_CHECK (audit != NULL);
    MT_CHECK_CONTAINS (audit, "case.update");
    MT_CHECK_CONTAINS (audit, "sex: male -> female");
    free (audit);
    //  Facts that do not hold, or a kind that changes, are refused.
    c.age_min = 90, c.age_max = 80;
    MT_CHECK_RC (mt_casedb_case_update (s_db, &c, "x", "staff", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_case_get (s_db, s_case, &c, &err), MT_OK, &err);
    c.kind = MT_KIND_MISSING;
    MT_CHECK_RC (mt_casedb_case_update (s_db, &c, "x", "staff", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_case_close (s_db, s_case, "reunited", "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (s_db, s_case, &c, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_update (s_db, &c, "x", "staff", &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "closed");
    mt_audit_check_t check = { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (s_db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 0);
}

//  The gallery described again with a second descriptor: the photo is
//  handed out after new photos, its faces keep their ids and get the new
//  descriptor where the boxes match, the case is matched again.
static void
test_reembed (void)
{
    mt_err_t err;
    mt_reembed_status_t status;
    //  Which faces the index holds now (restored at the end).
    bool was_enrolled [3] = { false };
    mt_face_row_t *before = NULL;
    size_t before_count = 0;
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &before, &before_count, &err), MT_OK,
                 &err);
    for (size_t i = 0; i < before_count && i < 3; i++)
        was_enrolled [i] = before [i].enrolled;
    free (before);
    MT_CHECK_RC (mt_casedb_reembed_status (s_db, "v1", &status, &err), MT_OK, &err);
    MT_CHECK_INT (status.faces, 3);
    MT_CHECK_INT (status.described, 0);
    MT_CHECK_INT (status.photos_waiting, 0);
    int64_t queued = 0;
    MT_CHECK_RC (mt_casedb_reembed_queue (s_db, "v1", "operator", &queued, &err), MT_OK, &err);
    MT_CHECK_INT (queued, 1);
    MT_CHECK_RC (mt_casedb_reembed_queue (s_db, "v1", "operator", &queued, &err), MT_OK, &err);
    MT_CHECK_INT (queued, 0);               //  queued once
    //  A new photo goes first.
    int64_t other_case, other_photo;
    mt_case_t c = { .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
                    .date_found = "2020-06-01", .age_min = 60, .age_max = 70 };
    snprintf (c.consent_basis, sizeof c.consent_basis, "vital_interests");
    MT_CHECK_RC (mt_casedb_case_add (s_db, &c, "staff", &other_case, NULL, &err), MT_OK, &err);
    const char *sha = "dd00000000000000000000000000000000000000000000000000000000000004";
    MT_CHECK_RC (mt_casedb_photo_add (s_db, other_case, sha, 100, 0, "staff", &other_photo, NULL,
                                      &err), MT_OK, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    MT_CHECK (row.id == other_photo && !row.reembed);
    MT_CHECK_RC (mt_casedb_photo_failed (s_db, other_photo, "no_face", "none", NULL, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    MT_CHECK (row.id == s_photo && row.reembed);
    //  Held by a worker: not handed out twice.
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_ENOTFOUND, &err);
    s_drain_match ();
    //  The pipeline finds two of the three faces again (one box moved a
    //  little), and one more that was not stored.
    float e [MT_EMBEDDING_DIM] = { 0.5f }, e2 [3][MT_EMBEDDING2_DIM] = { { 1 }, { 0, 1 }, { 0, 0, 1 } };
    mt_new_face_t faces [3] = {
        { .box = { 12, 21, 90, 88 }, .verdict = "ok", .embedding = e, .embedding2 = e2 [0],
          .descriptor2 = "v1" },
        { .box = { 210, 20, 90, 90 }, .verdict = "ok", .embedding = e, .embedding2 = e2 [1],
          .descriptor2 = "v1" },
        { .box = { 500, 300, 50, 50 }, .verdict = "ok", .embedding = e, .embedding2 = e2 [2],
          .descriptor2 = "v1" } };
    int64_t in_index [2] = { s_faces [0], s_faces [2] };
    MT_CHECK_RC (mt_casedb_faces_mark_enrolled (s_db, in_index, 2, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_done (s_db, s_photo, 640, 480, "jpeg", faces, 3, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_reembed_status (s_db, "v1", &status, &err), MT_OK, &err);
    MT_CHECK_INT (status.faces, 3);         //  no face added
    MT_CHECK_INT (status.described, 2);
    MT_CHECK_INT (status.photos_waiting, 0);
    mt_face_row_t *rows;
    size_t count = 0;
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &rows, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);
    for (size_t i = 0; i < count && i < 3; i++) {
        MT_CHECK (rows [i].id == s_faces [i]);
        MT_CHECK (rows [i].embedding [0] == 0.1f * (float) (i + 1));    //  dlib's kept
        //  Only MT_MOBILEFACENET_VERSION counts as current when read.
        MT_CHECK (!rows [i].has_embedding2);
    }
    //  The two given a descriptor (0 and 2) are to be enrolled again (their
    //  vectors go to the MobileFaceNet gallery); face 1 is as it was.
    MT_CHECK (count == 3 && !rows [0].enrolled && !rows [2].enrolled
              && rows [1].enrolled == was_enrolled [1]);
    free (rows);
    //  Its case is matched again.
    int64_t id, generation;
    MT_CHECK_RC (mt_casedb_match_next (s_db, &id, &generation, &err), MT_OK, &err);
    MT_CHECK (id == s_case);
    s_drain_match ();
    //  The current version is read back.
    float current [MT_EMBEDDING2_DIM] = { 0.6f, 0.8f };
    MT_CHECK_RC (mt_casedb_reembed_queue (s_db, MT_MOBILEFACENET_VERSION, "operator", &queued,
                                          &err), MT_OK, &err);
    MT_CHECK_INT (queued, 1);
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    //  Face 0 is in the index with its v1 vector: the new one replaces it
    //  by a removal from the index first.
    MT_CHECK_RC (mt_casedb_faces_mark_enrolled (s_db, &s_faces [0], 1, &err), MT_OK, &err);
    faces [0].embedding2 = current;
    faces [0].descriptor2 = MT_MOBILEFACENET_VERSION;
    MT_CHECK_RC (mt_casedb_photo_done (s_db, s_photo, 640, 480, "jpeg", faces, 1, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &rows, &count, &err), MT_OK, &err);
    MT_CHECK (count == 3 && rows [0].has_embedding2 && rows [0].embedding2 [1] == 0.8f);
    MT_CHECK (count == 3 && !rows [1].has_embedding2);
    free (rows);
    int64_t removal [16];
    size_t removals = 0;
    MT_CHECK_RC (mt_casedb_face_removal_next (s_db, removal, 16, &removals, &err), MT_OK, &err);
    MT_CHECK (removals == 1 && removal [0] == s_faces [0]);
    MT_CHECK_RC (mt_casedb_face_removal_done (s_db, removal, removals, &err), MT_OK, &err);
    s_drain_match ();

    //  Starting reembed again sends the vectors of faces described already
    //  (enrolled before the index had MobileFaceNet galleries): enrolled
    //  again, their case matched again; nothing to describe.
    MT_CHECK_RC (mt_casedb_faces_mark_enrolled (s_db, s_faces, 3, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_reembed_queue (s_db, MT_MOBILEFACENET_VERSION, "operator", &queued,
                                          &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, s_photo, &rows, &count, &err), MT_OK, &err);
    MT_CHECK (count == 3 && !rows [0].enrolled && rows [1].enrolled && rows [2].enrolled);
    free (rows);
    int64_t id2, generation2;
    MT_CHECK_RC (mt_casedb_match_next (s_db, &id2, &generation2, &err), MT_OK, &err);
    MT_CHECK (id2 == s_case);
    s_drain_match ();
    //  As the next tests expect it: the index holds what it held.
    for (size_t i = 0; i < 3; i++)
        MT_CHECK_RC (was_enrolled [i] ? mt_casedb_faces_mark_enrolled (s_db, &s_faces [i], 1, &err)
                                      : mt_casedb_face_removal_done (s_db, &s_faces [i], 1, &err),
                     MT_OK, &err);
}

int
main (void)
{
    s_setup ();
    if (!s_db)
        return 1;
    MT_RUN (test_exclude_and_include);
    MT_RUN (test_person_of_photo);
    MT_RUN (test_reembed);
    MT_RUN (test_remove_photo);
    MT_RUN (test_update_facts);
    mt_casedb_close (&s_db);
    return MT_TEST_MAIN_END ();
}
