//  Self-test of the day's work in the case store: the review workflow (every
//  move it allows and refuses, notes, a second confirmation of one person,
//  a reunion that is final, an administrator's reopening and a reopening
//  while the faces are being taken out of the index, the trail), the
//  candidate floor in a case's candidates and in the queue, a group photo
//  whose uploader is asked which face is the person, and the answers kept
//  for Idempotency-Keys.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <stdlib.h>
#include <string.h>

static int64_t
s_add (mt_casedb_t *db, mt_case_t c)
{
    int64_t id = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &id, NULL, &err), MT_OK, &err);
    return id;
}

static int
s_review (mt_casedb_t *db, int64_t a, int64_t b, const char *state, const char *note,
          mt_err_t *err)
{
    mt_review_t review = { .state = state, .note = note };
    return mt_casedb_review (db, a, b, &review, "police", err);
}

static void
s_state_is (mt_casedb_t *db, int64_t found, int64_t missing, const char *want)
{
    char state [16] = "";
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_pair_state (db, found, missing, state, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (state, want);
}

//  Every move of the workflow, allowed or refused with the reason.
static void
test_workflow (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("wf.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    int64_t m1 = s_add (db, mt_test_missing_case ()), m2 = s_add (db, mt_test_missing_case ());
    int64_t m3 = s_add (db, mt_test_missing_case ());
    for (int64_t m = m1; m <= m3; m++)
        MT_CHECK_RC (mt_casedb_candidate_put (db, found, m, 5, 0.4, "\x08\x01", 2, NULL, &err),
                     MT_OK, &err);
    //  What each state allows, and which moves need a note.
    const char *to [8];
    MT_CHECK_INT (mt_review_next ("pending", to, 8), 2);
    MT_CHECK_INT (mt_review_next ("reunited", to, 8), 0);
    MT_CHECK (mt_review_needs_note ("dna_requested", "confirmed"));
    MT_CHECK (mt_review_needs_note ("rejected", "pending"));
    MT_CHECK (!mt_review_needs_note ("pending", "rejected"));

    //  Only a DNA test confirms: pending -> confirmed or reunited refused.
    MT_CHECK_RC (s_review (db, found, m1, "confirmed", "faces agree", &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "only a DNA test confirms");
    MT_CHECK_CONTAINS (err.msg, "dna_requested or rejected");
    MT_CHECK_RC (s_review (db, m1, found, "reunited", "x", &err), MT_ECONFLICT, &err);
    MT_CHECK_RC (s_review (db, found, m1, "pending", NULL, &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "pending already");
    s_state_is (db, found, m1, "pending");
    //  A DNA test for two families at once; neither confirmed while the
    //  other's result is out.
    mt_review_t dna = { .state = "dna_requested", .dna_ref = "sample GZ-2026-0042" };
    MT_CHECK_RC (mt_casedb_review (db, found, m1, &dna, "police", &err), MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m2, "dna_requested", NULL, &err), MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m1, "confirmed", NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "note");
    MT_CHECK_RC (s_review (db, found, m1, "confirmed", "DNA matched", &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "record its result first");
    //  m2's test did not match; then m1's is confirmed, and no other may be.
    MT_CHECK_RC (s_review (db, found, m2, "rejected", NULL, &err), MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m1, "confirmed", "DNA matched (lab report 7731)", &err),
                 MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m3, "dna_requested", NULL, &err), MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m3, "confirmed", "a second match?", &err), MT_ECONFLICT,
                 &err);
    MT_CHECK_CONTAINS (err.msg, "confirmed with report");
    MT_CHECK_RC (s_review (db, found, m3, "rejected", NULL, &err), MT_OK, &err);
    //  The undo of a rejection needs a note; it goes back to pending.
    MT_CHECK_RC (s_review (db, found, m2, "pending", NULL, &err), MT_EINVAL, &err);
    MT_CHECK_RC (s_review (db, found, m2, "pending", "rejected by mistake", &err), MT_OK, &err);
    //  A note's limit is in characters: 500 Chinese characters pass, 501 do not.
    char note [MT_UTF8_BYTES (501)] = "";
    for (int i = 0; i < 501; i++)
        strcat (note, "\xe5\xa4\x87");
    MT_CHECK_RC (s_review (db, found, m2, "rejected", note, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "500 characters");
    note [500 * 3] = '\0';
    MT_CHECK_RC (s_review (db, found, m2, "rejected", note, &err), MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, m2, "rejected", "\xff\xfe", &err), MT_EINVAL, &err);

    //  Reunited: needs a note, closes both cases, and is final.
    MT_CHECK_RC (s_review (db, found, m1, "reunited", NULL, &err), MT_EINVAL, &err);
    MT_CHECK_RC (s_review (db, found, m1, "reunited", "handed to his son", &err), MT_OK, &err);
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, m1, &c, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (c.state, "closed");
    mt_reunion_t reunion;
    MT_CHECK_RC (mt_casedb_reunion (db, found, &reunion, &err), MT_OK, &err);
    MT_CHECK_INT (reunion.other_case, m1);
    MT_CHECK_CONTAINS (reunion.actor, "police");
    MT_CHECK_RC (mt_casedb_reunion (db, m2, &reunion, &err), MT_ENOTFOUND, &err);
    static const char *const after [] = { "rejected", "pending", "confirmed", "dna_requested" };
    for (size_t i = 0; i < 4; i++) {
        MT_CHECK_RC (s_review (db, found, m1, after [i], "x", &err), MT_ECONFLICT, &err);
        MT_CHECK_CONTAINS (err.msg, "closed");
    }
    //  Nor with a second family: the found person's case is closed.
    MT_CHECK_RC (s_review (db, found, m2, "pending", "x", &err), MT_ECONFLICT, &err);
    s_state_is (db, found, m1, "reunited");

    //  The trail: each decision with the state it left and the DNA reference.
    mt_review_row_t *trail;
    size_t count;
    MT_CHECK_RC (mt_casedb_trail (db, found, m1, &trail, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);
    if (count == 3) {
        MT_CHECK_CONTAINS (trail [0].from_state, "pending");
        MT_CHECK_CONTAINS (trail [0].dna_ref, "GZ-2026-0042");
        MT_CHECK_CONTAINS (trail [1].state, "confirmed");
        MT_CHECK_CONTAINS (trail [1].note, "lab report 7731");
        MT_CHECK_CONTAINS (trail [2].state, "reunited");
        MT_CHECK_CONTAINS (trail [2].event, "review");
    }
    free (trail);

    //  An administrator reopens the reunion: both cases open, the pair back
    //  to confirmed, in the trail and the audit log.
    MT_CHECK_RC (mt_casedb_case_reopen (db, found, NULL, "admin", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_case_reopen (db, m2, "why", "admin", &err), MT_ECONFLICT, &err);
    int64_t audited = mt_casedb_audit_count (db);
    MT_CHECK_RC (mt_casedb_case_reopen (db, found, "the wrong family was marked", "admin", &err),
                 MT_OK, &err);
    MT_CHECK (mt_casedb_audit_count (db) >= audited + 3);
    MT_CHECK_RC (mt_casedb_case_get (db, m1, &c, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (c.state, "open");
    s_state_is (db, found, m1, "confirmed");
    MT_CHECK_RC (mt_casedb_reunion (db, found, &reunion, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_trail (db, found, m1, &trail, &count, &err), MT_OK, &err);
    MT_CHECK (count == 4 && strcmp (trail [3].event, "reopen") == 0
              && strcmp (trail [3].from_state, "reunited") == 0);
    free (trail);
    //  The pairs take reviews again.
    MT_CHECK_RC (s_review (db, found, m2, "pending", "reopened: look again", &err), MT_OK, &err);
    mt_casedb_close (&db);
}

//  A case reopened while the matcher takes its faces out of the index: the
//  faces are enrolled again, not left out for good.
static void
test_reopen_during_removal (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("reopen.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    const char *sha = "ee00000000000000000000000000000000000000000000000000000000000001";
    int64_t photo;
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 0, "staff", &photo, NULL, &err),
                 MT_OK, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_OK, &err);
    float e [MT_EMBEDDING_DIM] = { 0.5f };
    mt_new_face_t face = { .box = { 10, 10, 90, 90 }, .size_px = 90, .verdict = "ok",
                           .embedding = e };
    MT_CHECK_RC (mt_casedb_photo_done (db, photo, 640, 480, "jpeg", &face, 1, &err), MT_OK, &err);
    mt_face_row_t *faces;
    size_t n;
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 1);
    int64_t face_id = n ? faces [0].id : 0;
    free (faces);
    MT_CHECK_RC (mt_casedb_faces_mark_enrolled (db, &face_id, 1, &err), MT_OK, &err);
    //  Closed; the matcher takes its removal, and meanwhile it is reopened.
    MT_CHECK_RC (mt_casedb_case_close (db, found, "entered twice", "staff", &err), MT_OK, &err);
    int64_t next;
    int level;
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_reopen (db, found, "not a duplicate after all", "admin", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_done (db, next, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &n, &err), MT_OK, &err);
    MT_CHECK (n == 1 && !faces [0].enrolled);
    free (faces);
    MT_CHECK (mt_casedb_match_pending (db, found));
    //  Closed again and removed in full; reopened after: its face is back.
    MT_CHECK_RC (mt_casedb_case_close (db, found, "moved away", "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_done (db, next, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 0);
    free (faces);
    MT_CHECK_RC (mt_casedb_case_reopen (db, found, "came back", "admin", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &n, &err), MT_OK, &err);
    MT_CHECK (n == 1 && !faces [0].enrolled);
    free (faces);
    //  An erased case is not reopened.
    MT_CHECK_RC (mt_casedb_erase_request (db, found, MT_ERASE_MEDIA, "consent withdrawn", "admin",
                                          &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_reopen (db, found, "why not", "admin", &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "erased");
    mt_casedb_close (&db);
}

//  The floor: pending pairs of little evidence neither show by default nor
//  queue, however their score stands; pairs a person acted on always do.
static void
test_floor (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("floor.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    int64_t strong = s_add (db, mt_test_missing_case ()), weak = s_add (db, mt_test_missing_case ());
    int64_t weak_dna = s_add (db, mt_test_missing_case ());
    int64_t ids [3] = { strong, weak, weak_dna };
    double evidence [3] = { 9, -20, -19 }, scores [3] = { 0.9, 1e-9, 2e-9 };
    double rivals [3] = { -1, -1, -1 };
    for (int i = 0; i < 3; i++)
        MT_CHECK_RC (mt_casedb_candidate_put (db, found, ids [i], evidence [i], 0.5, "\x08\x01", 2,
                                              NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_scores_set (db, found, ids, scores, rivals, 3, 3, &err),
                 MT_OK, &err);
    MT_CHECK_RC (s_review (db, found, weak_dna, "dna_requested", NULL, &err), MT_OK, &err);
    mt_candidate_row_t *rows;
    size_t count;
    int64_t weaker = -1;
    MT_CHECK_RC (mt_casedb_candidates (db, found, -12, false, 20, 0, &rows, &count, &weaker,
                                       &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);                     //  the strong one and the one with a DNA test
    MT_CHECK_INT (weaker, 1);
    for (size_t i = 0; i < count; i++)
        MT_CHECK (rows [i].missing_case != weak);
    mt_casedb_candidates_free (rows, count);
    MT_CHECK_RC (mt_casedb_candidates (db, found, -12, true, 20, 0, &rows, &count, &weaker,
                                       &err), MT_OK, &err);
    MT_CHECK_INT (count, 3);                     //  "show weaker candidates"
    mt_casedb_candidates_free (rows, count);
    int64_t below = -1;
    MT_CHECK_RC (mt_casedb_queue (db, 0, -12, 50, 0, &rows, &count, &below, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    MT_CHECK_INT (below, 1);
    mt_casedb_candidates_free (rows, count);
    MT_CHECK_RC (mt_casedb_queue (db, 0, -1000, 50, 0, &rows, &count, &below, &err), MT_OK,
                 &err);
    MT_CHECK_INT (count, 3);                     //  no floor: everything, as before
    MT_CHECK_INT (below, 0);
    mt_casedb_candidates_free (rows, count);
    mt_casedb_close (&db);
}

//  A group photo whose uploader is asked: its faces stay out of matching
//  until one is picked (or the uploader cannot tell); a photo of one face
//  is not held; an import's photo keeps today's rule.
static void
test_person_asked (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("ask.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    float e [3][MT_EMBEDDING_DIM] = { { 0.1f }, { 0.2f }, { 0.3f } };
    mt_new_face_t faces [3];
    for (int i = 0; i < 3; i++)
        faces [i] = (mt_new_face_t) { .box = { 10 + 100 * i, 20, 90, 90 }, .size_px = 90,
                                      .verdict = "ok", .embedding = e [i] };
    const char *shas [3] = {
        "ab00000000000000000000000000000000000000000000000000000000000001",
        "ab00000000000000000000000000000000000000000000000000000000000002",
        "ab00000000000000000000000000000000000000000000000000000000000003" };
    int64_t photos [3];
    size_t face_counts [3] = { 3, 1, 2 };
    bool ask [3] = { true, true, false };
    for (int p = 0; p < 3; p++) {
        MT_CHECK_RC (mt_casedb_photo_add (db, found, shas [p], 100, 0, "staff", &photos [p], NULL,
                                          &err), MT_OK, &err);
        if (ask [p])
            MT_CHECK_RC (mt_casedb_photo_ask_person (db, photos [p], &err), MT_OK, &err);
        mt_photo_row_t row;
        MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_OK, &err);
        MT_CHECK_RC (mt_casedb_photo_done (db, row.id, 640, 480, "jpeg", faces, face_counts [p],
                                           &err), MT_OK, &err);
    }
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (db, photos [0], &row, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (row.person, "waiting");
    MT_CHECK_RC (mt_casedb_photo_get (db, photos [1], &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.person [0], 0);
    MT_CHECK_RC (mt_casedb_photo_get (db, photos [2], &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.person [0], 0);
    mt_face_row_t *rows;
    size_t n;
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &rows, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 3);                          //  the portrait and the import's two faces
    for (size_t i = 0; i < n; i++)
        MT_CHECK (rows [i].photo_id != photos [0]);
    free (rows);
    //  Picked: that face joins matching, the others stay out.
    mt_face_row_t *group;
    MT_CHECK_RC (mt_casedb_photo_faces (db, photos [0], &group, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 3);
    int64_t picked = n == 3 ? group [1].id : 0;
    free (group);
    MT_CHECK_RC (mt_casedb_photo_person (db, photos [0], picked, "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, photos [0], &row, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (row.person, "picked");
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &rows, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 4);
    free (rows);
    //  Another group photo, and the uploader cannot tell: every face counts.
    const char *sha = "ab00000000000000000000000000000000000000000000000000000000000004";
    int64_t other;
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 0, "staff", &other, NULL, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_photo_ask_person (db, other, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_done (db, other, 640, 480, "jpeg", faces, 2, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &rows, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 4);
    free (rows);
    MT_CHECK_RC (mt_casedb_photo_person_unsure (db, other, "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &rows, &n, &err), MT_OK, &err);
    MT_CHECK_INT (n, 6);
    free (rows);
    mt_casedb_close (&db);
}

//  The first answer to a key comes back; keys are per user.
static void
test_idempotency (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("idem.db");
    if (!db)
        return;
    mt_err_t err;
    mt_idem_t idem;
    MT_CHECK_RC (mt_casedb_idem_get (db, "staff_a", "k1", &idem, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_idem_put (db, "staff_a", "k1", "case.add", "d1",
                                     "{\"case_id\":7}", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_idem_get (db, "staff_a", "k1", &idem, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (idem.method, "case.add");
    MT_CHECK_CONTAINS (idem.request, "d1");
    MT_CHECK (idem.result && strcmp (idem.result, "{\"case_id\":7}") == 0);
    free (idem.result);
    MT_CHECK_RC (mt_casedb_idem_get (db, "staff_b", "k1", &idem, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_idem_put (db, "staff_a", "k1", "case.add", "d1", "{}", &err), MT_EIO,
                 &err);
    mt_casedb_close (&db);
}

int
main (void)
{
    MT_RUN (test_workflow);
    MT_RUN (test_reopen_during_removal);
    MT_RUN (test_floor);
    MT_RUN (test_person_asked);
    MT_RUN (test_idempotency);
    return MT_TEST_MAIN_END ();
}
