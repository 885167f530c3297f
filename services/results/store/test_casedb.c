//  Self-test of the case store: validation, consent, dedupe, the photo job
//  flow, the match queue, candidates, reviews, closing, the hash-chained
//  audit trail, erasure and retention.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

//  The store called name: a file in the temp folder, or a PostgreSQL
//  database made for it the first time (mt_test_store.h).
static const char *
s_target (const char *name)
{
    static struct { char name [64]; char target [1024]; } s_stores [16];
    size_t at = 0;
    while (at < 16 && s_stores [at].name [0] && strcmp (s_stores [at].name, name) != 0)
        at++;
    if (at == 16)
        return NULL;
    if (!s_stores [at].name [0]) {
        char path [512];
        snprintf (path, sizeof path, "%s/%s", mt_test_tmpdir (), name);
        snprintf (s_stores [at].name, sizeof s_stores [at].name, "%s", name);
        mt_test_store_new (s_stores [at].target, sizeof s_stores [at].target, path);
    }
    return s_stores [at].target;
}

static mt_casedb_t *
s_open (const char *name)
{
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (s_target (name), &db, &err), MT_OK, &err);
    return db;
}

static mt_case_t
s_found (void)
{
    mt_case_t c = { .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
                    .date_found = "2020-05-01", .age_min = 60, .age_max = 70,
                    .birth_year_min = 0 };
    snprintf (c.station, sizeof c.station, "Guangzhou relief station");
    snprintf (c.consent_basis, sizeof c.consent_basis, "vital_interests");
    return c;
}

static mt_case_t
s_missing (void)
{
    mt_case_t c = { .kind = MT_KIND_MISSING, .sex = MT_SEX_MALE, .province = 44,
                    .date_last_seen = "2019-03-02", .age_min = -1, .age_max = -1,
                    .birth_year_min = 1950, .birth_year_max = 1950 };
    snprintf (c.family_name, sizeof c.family_name, "Li");
    snprintf (c.consent_basis, sizeof c.consent_basis, "family");
    snprintf (c.consent_by, sizeof c.consent_by, "Li Ming (son)");
    return c;
}

static void
test_validation (void)
{
    mt_casedb_t *db = s_open ("v.db");
    if (!db)
        return;
    MT_CHECK_INT (mt_casedb_schema_version (db), 6);
    mt_err_t err;
    int64_t id;
    mt_case_t c = s_found ();
    snprintf (c.date_found, sizeof c.date_found, "2020-02-30");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "not a real day");
    snprintf (c.date_found, sizeof c.date_found, "3020-01-01");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "future");
    snprintf (c.date_found, sizeof c.date_found, "01/05/2020");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "YYYY-MM-DD");
    c = s_found ();
    c.age_min = 70;
    c.age_max = 60;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    c = s_found ();
    c.province = 99;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "province 99");
    c = s_found ();
    c.birth_year_min = c.birth_year_max = 1950;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, 12345, &c, &err), MT_ENOTFOUND, &err);
    MT_CHECK_CONTAINS (err.msg, "no case 12345");
    MT_CHECK (mt_sex_from_name ("robot") < 0);
    MT_CHECK_INT (mt_case_kind_from_name ("lost"), 0);
    mt_casedb_close (&db);
    //  Reopening migrates nothing twice.
    db = s_open ("v.db");
    MT_CHECK (db && mt_casedb_schema_version (db) == 6);
    mt_casedb_close (&db);
}

//  The cross-match's progress: none, started, moved on, read back.
static void
test_crossmatch_progress (void)
{
    mt_casedb_t *db = s_open ("x.db");
    if (!db)
        return;
    mt_err_t err;
    mt_crossmatch_t cm, back;
    MT_CHECK_RC (mt_casedb_crossmatch_get (db, &cm, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (cm.state, "idle");
    int64_t ids [3];
    for (int i = 0; i < 3; i++) {
        mt_case_t c = s_found ();
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
    mt_casedb_t *db = s_open ("flow.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found, missing, again;
    bool existed;
    mt_case_t f = s_found (), m = s_missing ();
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

    //  Candidates: two families, best first; a rejected pair never returns.
    mt_case_t m2 = s_missing ();
    int64_t missing2;
    MT_CHECK_RC (mt_casedb_case_add (db, &m2, "staff", &missing2, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing, 6.5, 0.4, "{}", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing2, -1.5, 0.6, "{}", &err), MT_OK, &err);
    //  Scored together: the pairs that compete, with their evidence.
    int64_t *ids;
    double *evidence;
    MT_CHECK_RC (mt_casedb_candidate_evidence (db, found, &ids, &evidence, &count, &err), MT_OK,
                 &err);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK (ids [0] == missing && ids [1] == missing2);
        MT_CHECK_NEAR (evidence [0], 6.5, 1e-12);
        double scores [2] = { 0.9, 0.3 }, rivals [2] = { -1.5, 6.5 };
        MT_CHECK_RC (mt_casedb_candidate_scores_set (db, found, ids, scores, rivals, 2, 2, &err),
                     MT_OK, &err);
    }
    free (ids), free (evidence);
    MT_CHECK_INT (mt_casedb_open_count (db, MT_KIND_MISSING), 2);
    mt_candidate_row_t *cands;
    MT_CHECK_RC (mt_casedb_candidates (db, found, 20, 0, &cands, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    if (count == 2) {
        MT_CHECK (cands [0].missing_case == missing && cands [0].score > cands [1].score);
        MT_CHECK_NEAR (cands [0].evidence, 6.5, 1e-12);
        MT_CHECK_NEAR (cands [0].rivals, -1.5, 1e-12);
        MT_CHECK_INT (cands [0].families, 2);
    }
    mt_casedb_candidates_free (cands, count);
    MT_CHECK_RC (mt_casedb_review (db, missing2, found, "rejected", "different ears", "police",
                                   &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidate_put (db, found, missing2, 9.5, 0.3, "{}", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_candidates (db, found, 20, 0, &cands, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 1);
    mt_casedb_candidates_free (cands, count);
    MT_CHECK (mt_casedb_candidate_rejected (db, found, missing2));
    MT_CHECK_RC (mt_casedb_review (db, found, missing, "maybe", NULL, "police", &err), MT_EINVAL,
                 &err);
    MT_CHECK_RC (mt_casedb_review (db, found, found, "rejected", NULL, "police", &err), MT_EINVAL,
                 &err);

    //  Reunited closes both cases and queues their faces' removal.
    int64_t before = mt_casedb_audit_count (db);
    MT_CHECK_RC (mt_casedb_review (db, found, missing, "dna_requested", "sample taken", "police",
                                   &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (db, found, missing, "reunited", "DNA match", "police", &err),
                 MT_OK, &err);
    MT_CHECK (mt_casedb_audit_count (db) >= before + 4);
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
    MT_CHECK_RC (mt_casedb_candidates (db, found, 20, 0, &cands, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && strcmp (cands [0].state, "reunited") == 0);
    mt_casedb_candidates_free (cands, count);

    char *trail;
    MT_CHECK_RC (mt_casedb_reviews_json (db, found, 0, &trail, &err), MT_OK, &err);
    json_error_t jerr;
    json_t *list = json_loads (trail, 0, &jerr);
    MT_CHECK_INT (json_array_size (list), 3);
    MT_CHECK_CONTAINS (trail, "\"note\":\"different ears\"");
    json_decref (list);
    free (trail);

    //  A failed photo keeps its reason.
    int64_t open_case;
    mt_case_t f2 = s_found ();
    mt_casedb_case_add (db, &f2, "staff", &open_case, NULL, &err);
    int64_t bad;
    MT_CHECK_RC (mt_casedb_photo_add (db, open_case,
        "bb00000000000000000000000000000000000000000000000000000000000002", 9, 0, "staff", &bad,
        NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_failed (db, bad, "undecodable", "the JPEG is truncated", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_get (db, bad, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.state, "failed") == 0);
    MT_CHECK_CONTAINS (row.error, "truncated");
    mt_casedb_close (&db);
}

static void
test_consent (void)
{
    mt_casedb_t *db = s_open ("consent.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t id;
    mt_case_t c = s_found ();
    c.consent_basis [0] = '\0';
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "record the consent");
    snprintf (c.consent_basis, sizeof c.consent_basis, "because");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    //  A child found: only a guardian's consent will do.
    c = s_found ();
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
    c = s_missing ();
    c.birth_year_min = c.birth_year_max = 2020;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    snprintf (c.consent_basis, sizeof c.consent_basis, "guardian");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_OK, &err);
    //  A missing person cannot consent for themself here.
    c = s_missing ();
    snprintf (c.consent_basis, sizeof c.consent_basis, "self");
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "t", &id, NULL, &err), MT_EINVAL, &err);
    mt_casedb_close (&db);
}

static void
test_audit_chain (void)
{
    mt_casedb_t *db = s_open ("audit.db");
    const char *target = s_target ("audit.db");
    if (!db)
        return;
    mt_err_t err;
    for (int i = 0; i < 5; i++)
        MT_CHECK_RC (mt_casedb_audit (db, "staff", "case.read", "case 1", NULL, &err), MT_OK,
                     &err);
    mt_audit_check_t check = { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 0);
    MT_CHECK_INT (check.entries, 5);
    MT_CHECK_INT (strlen (check.head), 64);
    //  An anchor kept outside: entry 3's hash.
    mt_audit_check_t anchor = { .anchor_id = 3 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &anchor, &err), MT_OK, &err);
    char json_anchor [65];
    {
        char *text;
        MT_CHECK_RC (mt_casedb_audit_json (db, 1, 10, 2, &text, &err), MT_OK, &err);
        json_error_t jerr;
        json_t *list = json_loads (text, 0, &jerr);
        snprintf (json_anchor, sizeof json_anchor, "%s",
                  json_string_value (json_object_get (json_array_get (list, 0), "hash")));
        json_decref (list);
        free (text);
    }
    anchor = (mt_audit_check_t) { .anchor_id = 3 };
    snprintf (anchor.anchor_hash, sizeof anchor.anchor_hash, "%s", json_anchor);
    MT_CHECK_RC (mt_casedb_audit_verify (db, &anchor, &err), MT_OK, &err);
    MT_CHECK_INT (anchor.broken_id, 0);
    mt_casedb_close (&db);

    //  The log refuses changes; made around the triggers, the check finds them.
    char why [256];
    MT_CHECK (mt_test_store_exec (target, "UPDATE audit SET actor = 'nobody' WHERE id = 2", why,
                                  sizeof why) != 0);
    MT_CHECK_CONTAINS (why, "append-only");
    MT_CHECK (mt_test_store_exec (target, "DELETE FROM audit WHERE id = 4", why, sizeof why)
              != 0);
    MT_CHECK_CONTAINS (why, "append-only");
    MT_CHECK (mt_test_store_exec (target, mt_test_store_is_pg ()
                                  ? "DROP TRIGGER audit_no_change ON audit;"
                                  : "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;",
                                  why, sizeof why) == 0);
    MT_CHECK (mt_test_store_exec (target, "UPDATE audit SET actor = 'nobody' WHERE id = 2", why,
                                  sizeof why) == 0);
    db = s_open ("audit.db");
    if (!db)
        return;
    check = (mt_audit_check_t) { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 2);
    MT_CHECK_CONTAINS (check.reason, "changed");
    MT_CHECK_INT (check.entries, 1);
    mt_casedb_close (&db);
    MT_CHECK (mt_test_store_exec (target, "UPDATE audit SET actor = 'staff' WHERE id = 2;"
                                  " DELETE FROM audit WHERE id = 4", why, sizeof why) == 0);
    db = s_open ("audit.db");
    if (!db)
        return;
    check = (mt_audit_check_t) { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 5);
    MT_CHECK_CONTAINS (check.reason, "removed");
    mt_casedb_close (&db);
}

//  Whether the bytes occur in the file.
static bool
s_file_holds (const char *path, const void *bytes, size_t size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return false;
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *data = malloc (length > 0 ? (size_t) length : 1);
    size_t got = data ? fread (data, 1, (size_t) length, file) : 0;
    fclose (file);
    bool found = false;
    for (size_t i = 0; !found && got >= size && i <= got - size; i++)
        found = memcmp (data + i, bytes, size) == 0;
    free (data);
    return found;
}

static void
test_erasure (void)
{
    char path [512], wal [530];
    snprintf (path, sizeof path, "%s/erase.db", mt_test_tmpdir ());
    snprintf (wal, sizeof wal, "%s-wal", path);
    mt_casedb_t *db = s_open ("erase.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t a, b, photo, shared_a, shared_b;
    mt_case_t ca = s_missing (), cb = s_missing ();
    snprintf (ca.family_contact, sizeof ca.family_contact, "+86 138 0000 1234");
    snprintf (ca.notes, sizeof ca.notes, "scar over the left eyebrow");
    MT_CHECK_RC (mt_casedb_case_add (db, &ca, "staff", &a, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (db, &cb, "staff", &b, NULL, &err), MT_OK, &err);
    const char *own = "cc00000000000000000000000000000000000000000000000000000000000001";
    const char *shared = "cc00000000000000000000000000000000000000000000000000000000000002";
    MT_CHECK_RC (mt_casedb_photo_add (db, a, own, 10, 0, "staff", &photo, NULL, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_photo_add (db, a, shared, 10, 0, "staff", &shared_a, NULL, &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_photo_add (db, b, shared, 10, 0, "staff", &shared_b, NULL, &err),
                 MT_OK, &err);
    //  A face with an embedding no other bytes in the file look like.
    float embedding [MT_EMBEDDING_DIM];
    for (int i = 0; i < MT_EMBEDDING_DIM; i++)
        embedding [i] = 0.0123f * (float) (i + 7);
    mt_new_face_t face = { .box = { 1, 2, 100, 100 }, .size_px = 100, .sharpness = 50,
                           .verdict = "ok", .embedding = embedding };
    MT_CHECK_RC (mt_casedb_photo_done (db, photo, 640, 480, "jpeg", &face, 1, &err), MT_OK,
                 &err);
    char *faces = NULL;
    MT_CHECK_RC (mt_casedb_faces_json (db, a, &faces, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (faces, "\"embedding\":[");
    free (faces);

    MT_CHECK_RC (mt_casedb_erase_request (db, a, 7, "x", "admin", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_erase_request (db, a, MT_ERASE_ALL, "", "admin", &err), MT_EINVAL,
                 &err);
    MT_CHECK_RC (mt_casedb_erase_request (db, 999, MT_ERASE_ALL, "consent withdrawn", "admin",
                                          &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_erase_request (db, a, MT_ERASE_ALL, "consent withdrawn", "admin",
                                          &err), MT_OK, &err);
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, a, &c, &err), MT_OK, &err);
    MT_CHECK (strcmp (c.state, "closed") == 0 && c.closed_at [0]);
    int64_t next;
    int level;
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_OK, &err);
    MT_CHECK (next == a && level == MT_ERASE_ALL);
    //  The shared photo's file stays: case b holds it too.
    char (*shas) [65];
    size_t count;
    MT_CHECK_RC (mt_casedb_erase_files (db, a, &shas, &count, &err), MT_OK, &err);
    MT_CHECK (count == 1 && strcmp (shas [0], own) == 0);
    free (shas);
    //  The files are SQLite's; PostgreSQL keeps erased rows' old versions
    //  until a VACUUM reuses their space (deploy/README.md).
    bool lite = !mt_test_store_is_pg ();
    MT_CHECK (!lite || s_file_holds (path, embedding, sizeof embedding)
              || s_file_holds (wal, embedding, sizeof embedding));
    MT_CHECK_RC (mt_casedb_erase (db, a, level, "matcher", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, a, &c, &err), MT_OK, &err);
    MT_CHECK (c.erased_at [0] && c.erased_level == MT_ERASE_ALL);
    MT_CHECK (c.photo_count == 0 && c.face_count == 0);
    MT_CHECK (!c.family_contact [0] && !c.notes [0] && !c.family_name [0]);
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_ENOTFOUND, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_get (db, shared_b, &row, &err), MT_OK, &err);
    //  Nothing of the face or the contact is left in the files.
    MT_CHECK (!lite || !s_file_holds (path, embedding, sizeof embedding));
    MT_CHECK (!lite || !s_file_holds (wal, embedding, sizeof embedding));
    MT_CHECK (!lite || !s_file_holds (path, "0000 1234", 9));
    MT_CHECK (!lite || !s_file_holds (path, "left eyebrow", 12));
    char *trail;
    MT_CHECK_RC (mt_casedb_audit_json (db, a, 100, 0, &trail, &err), MT_OK, &err);
    MT_CHECK_CONTAINS (trail, "case.erase.request");
    MT_CHECK_CONTAINS (trail, "\"action\":\"case.erase\"");
    free (trail);
    mt_audit_check_t check = { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 0);

    //  Retention: a case closed now is not due in 30 days' time, but is at 0.
    int64_t queued;
    MT_CHECK_RC (mt_casedb_case_close (db, b, "duplicate report", "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_removal_done (db, next, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_retention_due (db, 30, &queued, &err), MT_OK, &err);
    MT_CHECK_INT (queued, 0);
    MT_CHECK_RC (mt_casedb_retention_due (db, 0, &queued, &err), MT_OK, &err);
    MT_CHECK_INT (queued, 1);
    MT_CHECK_RC (mt_casedb_removal_next (db, &next, &level, &err), MT_OK, &err);
    MT_CHECK (next == b && level == MT_ERASE_MEDIA);
    MT_CHECK_RC (mt_casedb_erase (db, b, level, "matcher", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_retention_due (db, 0, &queued, &err), MT_OK, &err);
    MT_CHECK_INT (queued, 0);                       //  erased cases are not due again
    MT_CHECK_RC (mt_casedb_case_get (db, b, &c, &err), MT_OK, &err);
    MT_CHECK (c.erased_level == MT_ERASE_MEDIA && strcmp (c.family_name, "Li") == 0);
    mt_casedb_close (&db);
}

//  A store copied into a new one (homeward migrate-store; on the
//  PostgreSQL run from SQLite into PostgreSQL and back): the same records,
//  bytes and audit head, ids kept, and each id counter past the source's.
static void
test_copy (void)
{
    char path [512], back_path [512], middle [1024];
    snprintf (path, sizeof path, "%s/copy-from.db", mt_test_tmpdir ());
    snprintf (back_path, sizeof back_path, "%s/copy-back.db", mt_test_tmpdir ());
    mt_casedb_t *from = NULL, *to = NULL, *back = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (path, &from, &err), MT_OK, &err);
    if (!from)
        return;
    int64_t found, missing, photo, spare;
    mt_case_t cf = s_found (), cm = s_missing ();
    MT_CHECK_RC (mt_casedb_case_add (from, &cf, "staff", &found, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (from, &cm, "staff", &missing, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (from, &cm, "staff", &spare, NULL, &err), MT_OK, &err);
    const char *sha = "dd00000000000000000000000000000000000000000000000000000000000001";
    MT_CHECK_RC (mt_casedb_photo_add (from, found, sha, 10, 2001, "staff", &photo, NULL, &err),
                 MT_OK, &err);
    float embedding [MT_EMBEDDING_DIM];
    for (int i = 0; i < MT_EMBEDDING_DIM; i++)
        embedding [i] = 1.0f / (float) (i + 3);
    unsigned char chip [300];
    for (int i = 0; i < 300; i++)
        chip [i] = (unsigned char) (i * 7);         //  NULs and high bytes
    mt_new_face_t face = { .box = { 1, 2, 100, 100 }, .size_px = 100, .sharpness = 50.25,
                           .verdict = "ok", .embedding = embedding, .chip_jpeg = chip,
                           .chip_size = sizeof chip };
    MT_CHECK_RC (mt_casedb_photo_done (from, photo, 640, 480, "jpeg", &face, 1, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_candidate_put (from, found, missing, 3.25, 0.41, "age fits", &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (from, found, missing, "dna_requested", "call the family",
                                   "police", &err), MT_OK, &err);
    //  The last photo is erased: its id is no longer among the rows, but
    //  the counter keeps it from being handed out again.
    int64_t spare_photo;
    const char *spare_sha = "dd00000000000000000000000000000000000000000000000000000000000002";
    MT_CHECK_RC (mt_casedb_photo_add (from, spare, spare_sha, 10, 0, "staff", &spare_photo, NULL,
                                      &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase_request (from, spare, MT_ERASE_ALL, "entered twice", "admin",
                                          &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (from, spare, MT_ERASE_ALL, "matcher", &err), MT_OK, &err);
    mt_photo_row_t gone;
    MT_CHECK_RC (mt_casedb_photo_get (from, spare_photo, &gone, &err), MT_ENOTFOUND, &err);
    char *faces_before = NULL, *trail_before = NULL;
    MT_CHECK_RC (mt_casedb_faces_json (from, found, &faces_before, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_audit_json (from, 0, 1000, 0, &trail_before, &err), MT_OK, &err);

    mt_test_store_new (middle, sizeof middle, back_path);
    if (!mt_test_store_is_pg ())
        snprintf (middle, sizeof middle, "%s/copy-to.db", mt_test_tmpdir ());
    MT_CHECK_RC (mt_casedb_open (middle, &to, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_copy (from, to, NULL, NULL, &err), MT_OK, &err);
    //  Only into an empty store.
    MT_CHECK_RC (mt_casedb_copy (from, to, NULL, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "not empty");
    //  And back again (on the PostgreSQL run: out of PostgreSQL).
    MT_CHECK_RC (mt_casedb_open (back_path, &back, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_copy (to, back, NULL, NULL, &err), MT_OK, &err);
    mt_casedb_t *copies [] = { to, back };
    for (int i = 0; i < 2; i++) {
        mt_casedb_t *db = copies [i];
        mt_casedb_counts_t a, b;
        MT_CHECK_RC (mt_casedb_counts (from, &a, &err), MT_OK, &err);
        MT_CHECK_RC (mt_casedb_counts (db, &b, &err), MT_OK, &err);
        MT_CHECK (memcmp (&a, &b, sizeof a) == 0);
        MT_CHECK_INT (b.cases, 3);
        MT_CHECK_INT (b.faces, 1);
        char *faces = NULL, *trail = NULL;
        MT_CHECK_RC (mt_casedb_faces_json (db, found, &faces, &err), MT_OK, &err);
        MT_CHECK_RC (mt_casedb_audit_json (db, 0, 1000, 0, &trail, &err), MT_OK, &err);
        MT_CHECK (faces && strcmp (faces, faces_before) == 0);
        MT_CHECK (trail && strcmp (trail, trail_before) == 0);
        free (faces), free (trail);
        mt_audit_check_t check = { 0 };
        MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
        MT_CHECK_INT (check.broken_id, 0);
        char *pair = NULL;
        MT_CHECK_RC (mt_casedb_reviews_json (db, found, missing, &pair, &err), MT_OK, &err);
        MT_CHECK_CONTAINS (pair, "call the family");
        free (pair);
        //  New records take new ids, past the erased photo's.
        int64_t next;
        MT_CHECK_RC (mt_casedb_case_add (db, &cm, "staff", &next, NULL, &err), MT_OK, &err);
        MT_CHECK_INT (next, spare + 1);
        const char *new_sha = "dd00000000000000000000000000000000000000000000000000000000000003";
        MT_CHECK_RC (mt_casedb_photo_add (db, next, new_sha, 10, 0, "staff", &next, NULL, &err),
                     MT_OK, &err);
        MT_CHECK_INT (next, spare_photo + 1);
    }
    free (faces_before), free (trail_before);
    mt_casedb_close (&back);
    mt_casedb_close (&to);
    mt_casedb_close (&from);
}

int
main (void)
{
    MT_RUN (test_validation);
    MT_RUN (test_crossmatch_progress);
    MT_RUN (test_consent);
    MT_RUN (test_flow);
    MT_RUN (test_audit_chain);
    MT_RUN (test_erasure);
    MT_RUN (test_copy);
    return MT_TEST_MAIN_END ();
}
