//  Self-test of the case store: validation, consent, dedupe, the photo job
//  flow, the match queue, candidates, reviews, closing (the audit trail,
//  erasure, retention and copies: test_casedb_privacy.c).

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"
#include "base/mt_text.h"

#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

static void
test_validation (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("v.db");
    if (!db)
        return;
    MT_CHECK_INT (mt_casedb_schema_version (db), 18);
    mt_err_t err;
    int64_t id;
    mt_case_t c = mt_test_found_case ();
    snprintf (c.date_found, sizeof c.date_found, "2020-02-30");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "not a real day");
    snprintf (c.date_found, sizeof c.date_found, "3020-01-01");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "future");
    snprintf (c.date_found, sizeof c.date_found, "01/05/2020");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "YYYY-MM-DD");
    c = mt_test_found_case ();
    c.age_min = 70;
    c.age_max = 60;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    c = mt_test_found_case ();
    c.province = 99;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "province 99");
    c = mt_test_found_case ();
    c.birth_year_min = c.birth_year_max = 1950;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, 12345, &c, &err), MT_ENOTFOUND, &err);
    MT_CHECK_CONTAINS (err.msg, "no case 12345");
    MT_CHECK (mt_sex_from_name ("robot") < 0);
    MT_CHECK_INT (mt_case_kind_from_name ("lost"), 0);
    mt_casedb_close (&db);
    //  Reopening migrates nothing twice.
    db = mt_test_casedb_open ("v.db");
    MT_CHECK (db && mt_casedb_schema_version (db) == 18);
    mt_casedb_close (&db);
}

//  The cross-match's progress: none, started, moved on, read back.
static void
test_crossmatch_progress (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("x.db");
    if (!db)
        return;
    mt_err_t err;
    mt_crossmatch_t cm, back;
    MT_CHECK_RC (mt_casedb_crossmatch_get (db, &cm, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (cm.state, "idle");
    int64_t ids [3];
    for (int i = 0; i < 3; i++) {
        mt_case_t c = mt_test_found_case ();
        MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &ids [i], NULL, &err), MT_OK, &err);
    }
    MT_CHECK_RC (mt_casedb_crossmatch_start (db, &cm, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (cm.state, "running");
    MT_CHECK_INT (cm.cases_total, 3);
    int64_t listed [8];
    size_t count = 0;
    MT_CHECK_RC (mt_casedb_open_cases_after (db, MT_KIND_FOUND, ids [0], listed, 8, &count,
                                             &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    MT_CHECK_INT (listed [0], ids [1]);
    MT_CHECK_RC (mt_casedb_open_cases_after (db, MT_KIND_MISSING, 0, listed, 8, &count, &err),
                 MT_OK, &err);
    MT_CHECK_INT (count, 0);
    cm.after_case = ids [1], cm.cases_done = 2, cm.faces_done = 5, cm.kind = MT_KIND_MISSING;
    MT_CHECK_RC (mt_casedb_crossmatch_put (db, &cm, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_crossmatch_get (db, &back, &err), MT_OK, &err);
    MT_CHECK_INT (back.after_case, ids [1]);
    MT_CHECK_INT (back.faces_done, 5);
    MT_CHECK_INT (back.kind, MT_KIND_MISSING);
    MT_CHECK (back.updated_at > 0);
    mt_casedb_close (&db);
}

static void
test_flow (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("flow.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found, missing, again;
    bool existed;
    mt_case_t f = mt_test_found_case (), m = mt_test_missing_case ();
    snprintf (m.external_ref, sizeof m.external_ref, "import:x:7");
    MT_CHECK_RC (mt_casedb_case_add (db, &f, "staff", &found, &existed, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (db, &m, "staff", &missing, &existed, &err), MT_OK, &err);
    MT_CHECK (!existed);
    MT_CHECK_RC (mt_casedb_case_add (db, &m, "staff", &again, &existed, &err), MT_OK, &err);
    MT_CHECK (existed && again == missing);

    const char *sha = "aa00000000000000000000000000000000000000000000000000000000000001";
    int64_t photo, photo2;
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 0, "staff", &photo, &existed, &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 0, "staff", &photo2, &existed, &err),
                 MT_OK, &err);
    MT_CHECK (existed && photo2 == photo);      //  the same bytes again: one photo
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 1800, "staff", &photo2, &existed,
                                      &err), MT_EINVAL, &err);

    //  A worker claims it; a second claim finds nothing while the lease runs.
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_OK, &err);
    MT_CHECK_INT (row.id, photo);
    MT_CHECK_RC (mt_casedb_photo_claim (db, 60, &row, &err), MT_ENOTFOUND, &err);
    float embedding [MT_EMBEDDING_DIM] = { 0.5f };
    mt_new_face_t face = { .box = { 1, 2, 100, 100 }, .size_px = 100, .sharpness = 50,
                           .verdict = "ok", .embedding = embedding,
                           .chip_jpeg = (const uint8_t *) "JPEG", .chip_size = 4 };
    MT_CHECK_RC (mt_casedb_photo_done (db, photo, 640, 480, "jpeg", &face, 1, &err), MT_OK, &err);
    MT_CHECK (mt_casedb_match_pending (db, found));
    int64_t next, generation;
    MT_CHECK_RC (mt_casedb_match_next (db, &next, &generation, &err), MT_OK, &err);
    MT_CHECK_INT (next, found);
    //  Queued again while being matched: "done" for the old state keeps it.
    MT_CHECK_RC (mt_casedb_match_enqueue (db, found, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_match_done (db, found, generation, &err), MT_OK, &err);
    MT_CHECK (mt_casedb_match_pending (db, found));
    MT_CHECK_RC (mt_casedb_match_next (db, &next, &generation, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_match_done (db, found, generation, &err), MT_OK, &err);
    MT_CHECK (!mt_casedb_match_pending (db, found));

    mt_face_row_t *faces;
    size_t count;
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 1);
    if (count == 1) {
        MT_CHECK_NEAR (faces [0].embedding [0], 0.5, 0);
        MT_CHECK (!faces [0].enrolled);
        MT_CHECK_RC (mt_casedb_faces_mark_enrolled (db, &faces [0].id, 1, &err), MT_OK, &err);
        uint8_t *chip;
        size_t size;
        MT_CHECK_RC (mt_casedb_face_chip (db, faces [0].id, &chip, &size, &err), MT_OK, &err);
        MT_CHECK (size == 4 && memcmp (chip, "JPEG", 4) == 0);
        free (chip);
    }
    free (faces);
    //  The found person as weighing reads them: the same facts, no counts.
    mt_case_t full, facts;
    MT_CHECK_RC (mt_casedb_case_get (db, found, &full, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_facts (db, found, &facts, &err), MT_OK, &err);
    MT_CHECK (full.photo_count >= 1 && full.face_count == 1);
    MT_CHECK (facts.photo_count == 0 && facts.face_count == 0);
    facts.photo_count = full.photo_count, facts.face_count = full.face_count;
    MT_CHECK (memcmp (&full, &facts, sizeof full) == 0);
    MT_CHECK_RC (mt_casedb_case_facts (db, 999999, &facts, &err), MT_ENOTFOUND, &err);

    //  Candidates: two families, best first; a rejected pair never returns.
    mt_case_t m2 = mt_test_missing_case ();
    int64_t missing2;
    MT_CHECK_RC (mt_casedb_case_add (db, &m2, "staff", &missing2, NULL, &err), MT_OK, &err);
    bool written = false;
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing, 6.5, 0.4, "\x08\x01", 2,
                                          &written, &err), MT_OK, &err);
    MT_CHECK (written);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing2, -1.5, 0.6, "\x08\x01", 2,
                                          NULL, &err), MT_OK, &err);
    //  Weighed again to the same evidence, a pair is not written again (its
    //  updated_at, set back by hand, stays; the put says so: a cross-match
    //  scores again only the found cases whose pairs changed); to other
    //  evidence, it is.
    char why [256];
    MT_CHECK_INT (mt_test_store_exec (mt_test_store_named ("flow.db"),
                                      "UPDATE candidates SET updated_at = 'then'", why,
                                      sizeof why), 0);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing, 6.5, 0.4, "\x08\x01", 2,
                                          &written, &err), MT_OK, &err);
    MT_CHECK (!written);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing2, -1.5, 0.6, "\x08\x02", 2,
                                          &written, &err), MT_OK, &err);
    MT_CHECK (written);
    mt_candidate_row_t pair;
    MT_CHECK_RC (mt_casedb_candidate_get (db, found, missing, &pair, &err), MT_OK, &err);
    MT_CHECK (strcmp (pair.updated_at, "then") == 0);
    mt_casedb_candidate_free (&pair);
    MT_CHECK_RC (mt_casedb_candidate_get (db, found, missing2, &pair, &err), MT_OK, &err);
    MT_CHECK (strcmp (pair.updated_at, "then") != 0);
    MT_CHECK (pair.explanation_size == 2 && memcmp (pair.explanation, "\x08\x02", 2) == 0);
    mt_casedb_candidate_free (&pair);
    //  Scored together: the pairs that compete, with their evidence.
    int64_t *ids;
    double *evidence, *stored;
    MT_CHECK_RC (mt_casedb_candidate_evidence (db, found, &ids, &evidence, &stored, &count, &err),
                 MT_OK, &err);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK (ids [0] == missing && ids [1] == missing2);
        MT_CHECK_NEAR (evidence [0], 6.5, 1e-12);
        MT_CHECK (isnan (stored [0]) && isnan (stored [1]));     //  never scored
        double scores [2] = { 0.9, 0.3 }, rivals [2] = { -1.5, 6.5 };
        MT_CHECK_RC (mt_casedb_candidate_scores_set (db, found, ids, scores, rivals, 2, 2, &err),
                     MT_OK, &err);
    }
    free (ids), free (evidence), free (stored);
    MT_CHECK_RC (mt_casedb_candidate_evidence (db, found, &ids, &evidence, &stored, &count, &err),
                 MT_OK, &err);
    MT_CHECK (count == 2 && stored [0] == 0.9 && stored [1] == 0.3);
    free (ids), free (evidence), free (stored);
    //  The same pairs read without the index by found case (a cross-match
    //  leaves it out) and with it built again; each change once, none
    //  inside a transaction. PostgreSQL has no such index.
    bool pg = mt_test_store_is_pg (), changed = true;
    for (int pass = 0; pass < 4; pass++) {
        MT_CHECK_RC (mt_casedb_weigh_index (db, pass >= 2, &changed, &err), MT_OK, &err);
        MT_CHECK (changed == (!pg && pass % 2 == 0));
        MT_CHECK_INT (mt_test_store_exec (mt_test_store_named ("flow.db"),
                                          "SELECT * FROM candidates INDEXED BY candidates_weigh",
                                          why, sizeof why) == 0, !pg && pass >= 2);
        MT_CHECK_RC (mt_casedb_candidate_evidence (db, found, &ids, &evidence, &stored, &count,
                                                   &err), MT_OK, &err);
        MT_CHECK (count == 2 && ids [0] == missing && ids [1] == missing2
                  && evidence [0] == 6.5 && stored [0] == 0.9 && stored [1] == 0.3);
        free (ids), free (evidence), free (stored);
    }
    MT_CHECK_RC (mt_casedb_begin (db, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_weigh_index (db, false, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_commit (db, MT_OK, &err), MT_OK, &err);
    MT_CHECK_INT (mt_casedb_open_count (db, MT_KIND_MISSING), 2);
    mt_candidate_row_t *cands;
    MT_CHECK_RC (mt_casedb_candidates (db, found, -1000, false, 20, 0, &cands, &count, NULL, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK (cands [0].missing_case == missing && cands [0].score > cands [1].score);
        MT_CHECK_NEAR (cands [0].evidence, 6.5, 1e-12);
        MT_CHECK_NEAR (cands [0].rivals, -1.5, 1e-12);
        MT_CHECK_INT (cands [0].families, 2);
    }
    mt_casedb_candidates_free (cands, count);
    mt_review_t reject = { .state = "rejected", .note = "different ears" };
    MT_CHECK_RC (mt_casedb_review (db, missing2, found, &reject, "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing2, 9.5, 0.3, "\x08\x01", 2, NULL,
                                          &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidates (db, found, -1000, false, 20, 0, &cands, &count, NULL, &err), MT_OK, &err);
    MT_CHECK_INT (count, 1);
    mt_casedb_candidates_free (cands, count);
    //  A case's pairs read at once for weighing, from either side: which is
    //  rejected, and whether figures weighed again would change the pair.
    mt_casedb_pair_t *pairs;
    MT_CHECK_RC (mt_casedb_pairs_of (db, found, &pairs, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK (pairs [0].other == missing && !pairs [0].rejected);
        MT_CHECK (pairs [1].other == missing2 && pairs [1].rejected);
        MT_CHECK (mt_casedb_pair_find (pairs, count, missing2) == &pairs [1]);
        MT_CHECK (!mt_casedb_pair_find (pairs, count, found));
        MT_CHECK (mt_casedb_pair_unchanged (&pairs [0], 6.5, 0.4, "\x08\x01", 2));
        MT_CHECK (!mt_casedb_pair_unchanged (&pairs [0], 6.25, 0.4, "\x08\x01", 2));
        MT_CHECK (!mt_casedb_pair_unchanged (&pairs [0], 6.5, 0.45, "\x08\x01", 2));
        MT_CHECK (!mt_casedb_pair_unchanged (&pairs [0], 6.5, 0.4, "\x08\x02", 2));
        MT_CHECK (!mt_casedb_pair_unchanged (&pairs [0], 6.5, 0.4, NULL, 0));
        MT_CHECK (!mt_casedb_pair_unchanged (&pairs [1], -1.5, 0.6, "\x08\x02", 2));
        MT_CHECK (!mt_casedb_pair_unchanged (NULL, 6.5, 0.4, "\x08\x01", 2));
    }
    mt_casedb_pairs_free (pairs, count);
    MT_CHECK_RC (mt_casedb_pairs_of (db, missing2, &pairs, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && pairs [0].other == found && pairs [0].rejected);
    mt_casedb_pairs_free (pairs, count);
    mt_review_t maybe = { .state = "maybe" }, rejected = { .state = "rejected" };
    MT_CHECK_RC (mt_casedb_review (db, found, missing, &maybe, "police", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_review (db, found, found, &rejected, "police", &err), MT_EINVAL, &err);

    //  Reunited closes both cases and queues their faces' removal (the
    //  workflow's every rule: test_casedb_workflow.c).
    int64_t before = mt_casedb_audit_count (db);
    mt_review_t steps [] = { { .state = "dna_requested", .note = "sample taken" },
                             { .state = "confirmed", .note = "DNA match" },
                             { .state = "reunited", .note = "home" } };
    for (size_t i = 0; i < 3; i++)
        MT_CHECK_RC (mt_casedb_review (db, found, missing, &steps [i], "police", &err), MT_OK,
                     &err);
    MT_CHECK (mt_casedb_audit_count (db) >= before + 5);
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, found, &c, &err), MT_OK, &err);
    MT_CHECK (strcmp (c.state, "closed") == 0);
    MT_CHECK_CONTAINS (c.closed_reason, "reunited");
    MT_CHECK_RC (mt_casedb_photo_add (db, found, sha, 100, 0, "staff", &photo2, NULL, &err),
                 MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "closed");
    int64_t removal;
    int level = -1;
    MT_CHECK_RC (mt_casedb_removal_next (db, &removal, &level, &err), MT_OK, &err);
    MT_CHECK_INT (level, MT_ERASE_INDEX);
    MT_CHECK_RC (mt_casedb_removal_done (db, removal, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_next (db, &removal, &level, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_done (db, removal, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_next (db, &removal, &level, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (db, found, &faces, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 0);        //  flagged removed, still in the database
    free (faces);
    //  The reunited pair still shows on the closed case, with its state.
    MT_CHECK_RC (mt_casedb_candidates (db, found, -1000, false, 20, 0, &cands, &count, NULL, &err), MT_OK, &err);
    MT_CHECK (count == 1 && strcmp (cands [0].state, "reunited") == 0);
    mt_casedb_candidates_free (cands, count);

    mt_review_row_t *trail;
    MT_CHECK_RC (mt_casedb_trail (db, found, 0, &trail, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 4);
    if (count == 4)
        MT_CHECK_CONTAINS (trail [0].note, "different ears");
    free (trail);

    //  A failed photo keeps its reason.
    int64_t open_case;
    mt_case_t f2 = mt_test_found_case ();
    mt_casedb_case_add (db, &f2, "staff", &open_case, NULL, &err);
    int64_t bad;
    MT_CHECK_RC (mt_casedb_photo_add (db, open_case,
        "bb00000000000000000000000000000000000000000000000000000000000002", 9, 0, "staff", &bad,
        NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_failed (db, bad, "undecodable", "the JPEG is truncated",
                                         "JPEG \xe4\xb8\x8d\xe5\xae\x8c\xe6\x95\xb4", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, bad, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.state, "failed") == 0);
    MT_CHECK_CONTAINS (row.error, "truncated");
    MT_CHECK_CONTAINS (row.error_zh, "JPEG \xe4\xb8\x8d");         //  in Chinese too
    mt_casedb_close (&db);
}

static void
test_consent (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("consent.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t id;
    mt_case_t c = mt_test_found_case ();
    c.consent_basis [0] = '\0';
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "record the consent");
    snprintf (c.consent_basis, sizeof c.consent_basis, "because");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    //  A child found: only a guardian's consent will do.
    c = mt_test_found_case ();
    c.age_min = 6;
    c.age_max = 8;
    MT_CHECK (mt_case_may_be_minor (&c));
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "minor");
    snprintf (c.consent_basis, sizeof c.consent_basis, "guardian");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "consent_by");
    snprintf (c.consent_by, sizeof c.consent_by, "Guangzhou relief station (temporary guardian)");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_OK, &err);
    mt_case_t back;
    MT_CHECK_RC (mt_casedb_case_get (db, id, &back, &err), MT_OK, &err);
    MT_CHECK (strcmp (back.consent_basis, "guardian") == 0);
    MT_CHECK (strcmp (back.purpose, "family reunification") == 0);
    MT_CHECK (strlen (back.consent_date) == 10);      //  today
    //  A missing child: the parent who reports consents as guardian.
    c = mt_test_missing_case ();
    c.birth_year_min = c.birth_year_max = 2020;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    snprintf (c.consent_basis, sizeof c.consent_basis, "guardian");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_OK, &err);
    //  A missing person cannot consent for themself here.
    c = mt_test_missing_case ();
    snprintf (c.consent_basis, sizeof c.consent_basis, "self");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    mt_casedb_close (&db);
}

//  The case list: a station's cases only, by kind and state, a search by
//  number or by text (any case of ASCII letters, LIKE's characters taken
//  literally), pages and the total; the review queue's total.
static void
test_case_list (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("list.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t ids [6];
    for (int i = 0; i < 6; i++) {
        mt_case_t c = i % 2 ? mt_test_missing_case () : mt_test_found_case ();
        if (i % 2) {
            snprintf (c.person_name, sizeof c.person_name, "%s",
                      i == 1 ? "李小明" : i == 3 ? "Wang 100%" : "Zhao Lei");
            snprintf (c.family_name, sizeof c.family_name, "Li family %d", i);
            snprintf (c.station, sizeof c.station, "Beijing relief station");
        }
        if (i == 4)
            snprintf (c.external_ref, sizeof c.external_ref, "GZ-2020-017");
        if (i == 2)
            snprintf (c.city, sizeof c.city, "广州市天河区");
        MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &ids [i], NULL, &err), MT_OK, &err);
    }
    MT_CHECK_RC (mt_casedb_case_close (db, ids [0], "left the station", "t", &err), MT_OK, &err);
    struct { mt_case_filter_t filter; int64_t total; int64_t first; } cases [] = {
        { { 0 }, 6, ids [5] },
        { { .station = "Guangzhou relief station" }, 3, ids [4] },
        { { .station = "" }, 0, 0 },                       //  no station: none, not all
        { { .kind = MT_KIND_MISSING }, 3, ids [5] },
        { { .state = "closed" }, 1, ids [0] },
        { { .state = "open", .kind = MT_KIND_FOUND }, 2, ids [4] },
        { { .q = "李小明" }, 1, ids [1] },
        { { .q = "  li FAMILY " }, 3, ids [5] },
        { { .q = "100%" }, 1, ids [3] },
        { { .q = "0%" }, 1, ids [3] },                    //  % is a character, not "anything"
        { { .q = "l_" }, 0, 0 },
        { { .q = "gz-2020" }, 1, ids [4] },
        { { .q = "天河" }, 1, ids [2] },
        { { .q = "beijing", .station = "Guangzhou relief station" }, 0, 0 },
        { { .q = "BEIJING" }, 3, ids [5] },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        mt_case_t *list = NULL;
        size_t count = 0;
        int64_t total = -1;
        MT_CHECK_RC (mt_casedb_cases_list (db, &cases [i].filter, 50, 0, &list, &count, &total,
                                           &err), MT_OK, &err);
        MT_CHECK_INT (total, cases [i].total);
        MT_CHECK_INT (count, cases [i].total);
        if (count)
            MT_CHECK_INT (list [0].id, cases [i].first);
        free (list);
    }
    //  By number, with or without '#': the case, and any whose text holds it.
    char q [32];
    mt_case_t *list = NULL;
    size_t count = 0;
    int64_t total = 0;
    snprintf (q, sizeof q, "#%lld", (long long) ids [2]);
    mt_case_filter_t by_id = { .q = q };
    MT_CHECK_RC (mt_casedb_cases_list (db, &by_id, 50, 0, &list, &count, &total, &err), MT_OK,
                 &err);
    bool seen = false;
    for (size_t i = 0; i < count; i++)
        seen |= list [i].id == ids [2] && list [i].province == 44;
    MT_CHECK (total >= 1 && seen);
    free (list);
    //  A page: two rows, the total still all of them, with their facts; past
    //  the end, none.
    mt_case_filter_t all = { 0 };
    MT_CHECK_RC (mt_casedb_cases_list (db, &all, 2, 2, &list, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK_INT (total, 6);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK_INT (list [0].id, ids [3]);
        MT_CHECK_CONTAINS (list [0].person_name, "Wang 100%");
        MT_CHECK_INT (list [0].birth_year_min, 1950);
        MT_CHECK_INT (list [1].age_max, 70);
    }
    free (list);
    MT_CHECK_RC (mt_casedb_cases_list (db, &all, 10, 100, &list, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (count == 0 && total == 6);
    free (list);
    mt_case_filter_t bad = { .state = "lost" };
    MT_CHECK_RC (mt_casedb_cases_list (db, &bad, 10, 0, &list, &count, &total, &err), MT_EINVAL,
                 &err);

    //  The queue's total is every pair it holds, whatever the page.
    MT_CHECK_RC (mt_casedb_candidate_put (db, ids [2], ids [1], 6.5, 0.4, "\x08\x01", 2, NULL,
                                          &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_put (db, ids [2], ids [3], 5.5, 0.5, "\x08\x01", 2, NULL,
                                          &err), MT_OK, &err);
    mt_candidate_row_t *rows;
    MT_CHECK_RC (mt_casedb_queue (db, 0, -12, 500, 0, &rows, &count, NULL, &err), MT_OK, &err);
    mt_casedb_candidates_free (rows, count);
    MT_CHECK_RC (mt_casedb_queue_count (db, 0, -12, &total, &err), MT_OK, &err);
    MT_CHECK_INT (total, (int64_t) count);
    MT_CHECK (count >= 1);
    MT_CHECK_RC (mt_casedb_queue (db, 0, -12, 1, 0, &rows, &count, NULL, &err), MT_OK, &err);
    mt_casedb_candidates_free (rows, count);
    MT_CHECK_INT (count, 1);
    MT_CHECK_RC (mt_casedb_queue_count (db, 11, -12, &total, &err), MT_OK, &err);
    MT_CHECK_INT (total, 0);                        //  found in Guangdong, not Beijing
    mt_casedb_close (&db);
}

//  Whether got holds each fact as want does (those with a flag of cleared:
//  none at all), each that does not named.
static void
s_facts_agree (const mt_case_t *want, const mt_case_t *got, unsigned cleared, const char *what)
{
    for (size_t f = 0; f < mt_case_facts_count; f++) {
        const mt_case_fact_t *fact = &mt_case_facts [f];
        char a [4096], b [4096];
        mt_case_fact_text (fact, want, a, sizeof a);
        mt_case_fact_text (fact, got, b, sizeof b);
        if ((fact->flags & cleared) ? b [0] != '\0' : strcmp (a, b) != 0)
            MT_FAIL ("fact %s %s: '%s', read back '%s'", fact->name, what, a, b);
    }
}

//  Every fact of the table (mt_case_facts.h) goes into the store and comes
//  back as it went; a correction changes each one staff may correct; an
//  erasure clears those it erases and leaves the others; each has its
//  Chinese name among the catalog's terms. A new row is checked here with
//  no line added: its column must exist (the migration) and hold it.
static void
test_case_facts (void)
{
    for (size_t f = 0; f < mt_case_facts_count; f++) {
        const mt_case_fact_t *fact = &mt_case_facts [f];
        if (!mt_text_term_zh (fact->name))
            MT_FAIL ("fact %s has no Chinese name among the catalog's terms", fact->name);
        MT_CHECK (mt_case_fact_find (fact->name) == fact);
        MT_CHECK (fact->flag && fact->flag [0] == '-' && fact->help && fact->help [0]);
    }
    mt_casedb_t *db = mt_test_casedb_open ("facts.db");
    if (!db)
        return;
    mt_err_t err;
    mt_case_t c = mt_test_missing_case (), back;
    snprintf (c.consent_date, sizeof c.consent_date, "2019-03-04");
    //  Each text not set by the valid case: at its longest, in Chinese.
    for (size_t f = 0; f < mt_case_facts_count; f++) {
        const mt_case_fact_t *fact = &mt_case_facts [f];
        char *text = fact->type == MT_FACT_TEXT ? mt_case_fact_chars (fact, &c) : NULL;
        for (int i = 0; text && !text [0] && i < fact->limit; i++)
            strcat (text, i == 0 ? "事" : "实");
    }
    int64_t id;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, id, &back, &err), MT_OK, &err);
    s_facts_agree (&c, &back, 0, "stored");
    //  Corrected: each correctable text one character shorter.
    c = back;
    for (size_t f = 0; f < mt_case_facts_count; f++) {
        const mt_case_fact_t *fact = &mt_case_facts [f];
        if (fact->type == MT_FACT_TEXT && (fact->flags & MT_FACT_CORRECT)
        &&  strlen (mt_case_fact_chars (fact, &c)) > 3)
            strcpy (mt_case_fact_chars (fact, &c), "改");
    }
    MT_CHECK_RC (mt_casedb_case_update (db, &c, "all", "t", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, id, &back, &err), MT_OK, &err);
    s_facts_agree (&c, &back, 0, "corrected");
    MT_CHECK_RC (mt_casedb_erase_request (db, id, MT_ERASE_ALL, "consent withdrawn", "t", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (db, id, MT_ERASE_ALL, "t", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, id, &back, &err), MT_OK, &err);
    s_facts_agree (&c, &back, MT_FACT_ERASE, "erased");
    mt_casedb_close (&db);
}

//  Two writers of one store in one process (the results service's API and
//  its matcher): one that commits and begins again at once does not keep
//  the other out. Without turns SQLite's busy wait mostly missed the
//  moment between two transactions, and the other waited seconds.
typedef struct {
    mt_casedb_t *db;
    atomic_int started, stop;
} s_busy_writer_t;

static void *
s_busy_writer (void *arg)
{
    s_busy_writer_t *w = arg;
    mt_err_t err;
    long long until = mt_test_now_ms () + 4000;
    while (!w->stop && mt_test_now_ms () < until) {
        if (mt_casedb_begin (w->db, &err) != MT_OK)
            break;
        w->started = 1;
        struct timespec pause = { 0, 20 * 1000000 };
        nanosleep (&pause, NULL);
        mt_casedb_commit (w->db, MT_OK, &err);
    }
    return NULL;
}

static void
test_writers_take_turns (void)
{
    const char *target = mt_test_store_named ("turns.db");
    mt_casedb_t *a = NULL, *b = NULL;
    mt_err_t err;
    if (!target || mt_casedb_open (target, &a, &err) != MT_OK
    ||  mt_casedb_open (target, &b, &err) != MT_OK) {
        MT_CHECK (!"open turns.db twice");
        mt_casedb_close (&a);
        return;
    }
    s_busy_writer_t w = { .db = a };
    pthread_t thread;
    MT_CHECK (pthread_create (&thread, NULL, s_busy_writer, &w) == 0);
    while (!w.started)
        sched_yield ();
    long long t0 = mt_test_now_ms ();
    MT_CHECK_RC (mt_casedb_begin (b, &err), MT_OK, &err);
    long long waited = mt_test_now_ms () - t0;
    MT_CHECK_RC (mt_casedb_commit (b, MT_OK, &err), MT_OK, &err);
    MT_CHECK (waited < 1500);
    w.stop = 1;
    pthread_join (thread, NULL);
    mt_casedb_close (&a);
    mt_casedb_close (&b);
}

//  SQLite's write-ahead log under writes that never pause, moved into the
//  database by another connection now and then (the service's checkpoint
//  thread, here every 100 ms): it starts over rather than growing with all that
//  was written. A passive checkpoint alone never caught its end: the log
//  grew to 12 GB in a cross-match of 50,000 cases.
typedef struct {
    mt_casedb_t *db;
    atomic_int stop;
} s_checkpointer_t;

static void *
s_checkpointer (void *arg)
{
    s_checkpointer_t *c = arg;
    while (!c->stop) {
        mt_casedb_checkpoint (c->db, 0);
        mt_test_sleep_ms (100);
    }
    return NULL;
}

static void
test_log_starts_over (void)
{
    if (mt_test_store_is_pg ())
        return;                     //  PostgreSQL keeps its own log
    const char *target = mt_test_store_named ("log.db");
    mt_casedb_t *db = NULL;
    s_checkpointer_t c = { 0 };
    mt_err_t err;
    if (!target || mt_casedb_open (target, &db, &err) != MT_OK
    ||  mt_casedb_open (target, &c.db, &err) != MT_OK) {
        MT_CHECK (!"open log.db twice");
        mt_casedb_close (&db);
        return;
    }
    mt_casedb_checkpoint_by_hand (db);
    mt_case_t f = mt_test_found_case ();
    int64_t found;
    MT_CHECK_RC (mt_casedb_case_add (db, &f, "staff", &found, NULL, &err), MT_OK, &err);
    int64_t missing [40];
    for (int i = 0; i < 40; i++) {
        mt_case_t m = mt_test_missing_case ();
        snprintf (m.external_ref, sizeof m.external_ref, "log:%d", i);
        MT_CHECK_RC (mt_casedb_case_add (db, &m, "staff", &missing [i], NULL, &err), MT_OK,
                     &err);
    }
    pthread_t thread;
    MT_CHECK (pthread_create (&thread, NULL, s_checkpointer, &c) == 0);
    //  Transactions of 40 pairs, each with 8 KB of explanation that
    //  changes every time: 120 MB written, without a pause.
    enum { S_BLOB = 8192, S_ROUNDS = 375 };
    uint8_t *blob = calloc (1, S_BLOB);
    struct stat st;
    char wal [1100];
    snprintf (wal, sizeof wal, "%s-wal", target);
    off_t longest = 0;
    for (int round = 0; blob && round < S_ROUNDS; round++) {
        MT_CHECK_RC (mt_casedb_begin (db, &err), MT_OK, &err);
        int rc = MT_OK;
        for (int i = 0; rc == MT_OK && i < 40; i++) {
            memset (blob, round + i, S_BLOB);
            rc = mt_casedb_candidate_put (db, found, missing [i], round, 0.4, blob, S_BLOB, NULL,
                                          &err);
        }
        MT_CHECK_RC (mt_casedb_commit (db, rc, &err), MT_OK, &err);
        if (stat (wal, &st) == 0 && st.st_size > longest)
            longest = st.st_size;
    }
    c.stop = 1;
    pthread_join (thread, NULL);
    fprintf (stderr, "log: at most %.1f MB after %.0f MB written\n", (double) longest / 1e6,
             (double) S_ROUNDS * 40 * S_BLOB / 1e6);
    MT_CHECK (longest > 0 && longest < 64 * 1000 * 1000);      //  half of what was written
    free (blob);
    mt_casedb_close (&c.db);
    mt_casedb_close (&db);
}

int
main (void)
{
    MT_RUN (test_validation);
    MT_RUN (test_writers_take_turns);
    MT_RUN (test_log_starts_over);
    MT_RUN (test_case_facts);
    MT_RUN (test_crossmatch_progress);
    MT_RUN (test_consent);
    MT_RUN (test_flow);
    MT_RUN (test_case_list);
    return MT_TEST_MAIN_END ();
}
