//  Self-test of the case store's records of what was done and undone: the
//  hash-chained audit trail, erasure and retention, a copy to another
//  store.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void
test_audit_chain (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("audit.db");
    const char *target = mt_test_store_named ("audit.db");
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
        text = mt_test_audit_text (db, 1, 10, 2);
        MT_CHECK (text != NULL);
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
    db = mt_test_casedb_open ("audit.db");
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
    db = mt_test_casedb_open ("audit.db");
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
    mt_casedb_t *db = mt_test_casedb_open ("erase.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t a, b, photo, shared_a, shared_b;
    mt_case_t ca = mt_test_missing_case (), cb = mt_test_missing_case ();
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
    mt_face_row_t *faces = NULL;
    size_t face_count = 0;
    MT_CHECK_RC (mt_casedb_faces_held (db, a, &faces, &face_count, &err), MT_OK, &err);
    MT_CHECK (face_count == 1 && faces [0].embedding [1] == embedding [1]);
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
    trail = mt_test_audit_text (db, a, 100, 0);
    MT_CHECK (trail != NULL);
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
    mt_case_t cf = mt_test_found_case (), cm = mt_test_missing_case ();
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
    //  A packed explanation with NULs and high bytes, as it is kept.
    static const char packed [] = "\x08\x01\x00\xff age fits";
    MT_CHECK_RC (mt_casedb_candidate_put (from, found, missing, 3.25, 0.41, packed,
                                          sizeof packed - 1, NULL, &err), MT_OK, &err);
    mt_review_t dna = { .state = "dna_requested", .note = "call the family",
                        .dna_ref = "sample 2026-17" };
    MT_CHECK_RC (mt_casedb_review (from, found, missing, &dna, "police", &err), MT_OK, &err);
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
    char *trail_before = NULL;
    mt_face_row_t *faces_before = NULL;
    size_t faces_before_count = 0;
    MT_CHECK_RC (mt_casedb_faces_held (from, found, &faces_before, &faces_before_count, &err),
                 MT_OK, &err);
    trail_before = mt_test_audit_text (from, 0, 1000, 0);
    MT_CHECK (trail_before != NULL);

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
        char *trail = NULL;
        mt_face_row_t *faces = NULL;
        size_t face_count = 0;
        MT_CHECK_RC (mt_casedb_faces_held (db, found, &faces, &face_count, &err), MT_OK, &err);
        trail = mt_test_audit_text (db, 0, 1000, 0);
    MT_CHECK (trail != NULL);
        MT_CHECK (face_count == faces_before_count && face_count > 0
                  && memcmp (faces, faces_before, face_count * sizeof *faces) == 0);
        MT_CHECK (trail && strcmp (trail, trail_before) == 0);
        free (faces), free (trail);
        mt_audit_check_t check = { 0 };
        MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
        MT_CHECK_INT (check.broken_id, 0);
        mt_review_row_t *pair = NULL;
        size_t entries = 0;
        MT_CHECK_RC (mt_casedb_trail (db, found, missing, &pair, &entries, &err), MT_OK, &err);
        MT_CHECK_INT (entries, 1);
        if (entries == 1) {
            MT_CHECK_CONTAINS (pair [0].note, "call the family");
            MT_CHECK_CONTAINS (pair [0].dna_ref, "sample 2026-17");
            MT_CHECK_CONTAINS (pair [0].from_state, "pending");
        }
        free (pair);
        mt_candidate_row_t row;
        MT_CHECK_RC (mt_casedb_candidate_get (db, found, missing, &row, &err), MT_OK, &err);
        MT_CHECK (row.explanation_size == sizeof packed - 1 && row.explanation
                  && memcmp (row.explanation, packed, sizeof packed - 1) == 0);
        mt_casedb_candidate_free (&row);
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
    MT_RUN (test_audit_chain);
    MT_RUN (test_erasure);
    MT_RUN (test_copy);
    return MT_TEST_MAIN_END ();
}
