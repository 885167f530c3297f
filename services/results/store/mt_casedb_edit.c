//  mt_casedb_edit - staff corrections: a face left out of matching (not the
//  person of a group photo, not a face at all), a photo removed (uploaded
//  by mistake), a case's facts corrected; the queue of faces these take out
//  of the index. Every correction is audited and puts the case back in the
//  match queue, so that its candidates change at once.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Run one statement with up to two integer ids bound; MT_OK when done.
static int
s_exec_ids (mt_casedb_t *self, const char *sql, int64_t a, int64_t b, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    if (mti_sql_bind_parameter_count (stmt) >= 1)
        mti_sql_bind_int64 (stmt, 1, a);
    if (mti_sql_bind_parameter_count (stmt) >= 2)
        mti_sql_bind_int64 (stmt, 2, b);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, sql);
    mti_sql_finalize (stmt);
    return rc;
}

//  Run one statement whose ?1 is the time now, then text (if not NULL),
//  then id.
static int
s_exec_now (mt_casedb_t *self, const char *sql, const char *text, int64_t id, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    int at = 1;
    mti_sql_bind_text (stmt, at++, now, -1);
    if (text)
        mti_sql_bind_text (stmt, at++, text, -1);
    mti_sql_bind_int64 (stmt, at, id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, sql);
    mti_sql_finalize (stmt);
    return rc;
}

//  The photo and case of a face, with the case open.
static int
s_face_photo (mt_casedb_t *self, int64_t face_id, int64_t *photo_id_p, int64_t *case_id_p,
              mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT f.photo_id, f.case_id, c.state FROM faces f"
        " JOIN cases c ON c.id = f.case_id WHERE f.id = ? AND f.removed = 0", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    int rc = mt_err_set (err, MT_ENOTFOUND, "there is no face %lld", (long long) face_id);
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        *photo_id_p = mti_sql_column_int64 (stmt, 0);
        *case_id_p = mti_sql_column_int64 (stmt, 1);
        rc = strcmp ((const char *) mti_sql_column_text (stmt, 2), "open") == 0 ? MT_OK
           : mt_err_set (err, MT_EINVAL, "case %lld is closed", (long long) *case_id_p);
    }
    mti_sql_finalize (stmt);
    return rc;
}

//  End a correction's transaction: the case back in the match queue and
//  the correction in the audit log, committed with it (rc: so far).
static int
s_finish (mt_casedb_t *self, int rc, int64_t case_id, const char *object, const char *action,
          const char *detail, const char *actor, mt_err_t *err)
{
    if (rc == MT_OK)
        rc = mt_casedb_match_enqueue (self, case_id, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, action, object, detail, err);
    return mt_casedb_commit (self, rc, err);
}

//  Mark one face in or out of matching; an enrolled face going out is
//  queued for removal from the index, one coming back is enrolled by the
//  next match.
static int
s_set_excluded (mt_casedb_t *self, int64_t face_id, bool excluded, mt_err_t *err)
{
    int rc = s_exec_ids (self, "UPDATE faces SET excluded = ?1 WHERE id = ?2", excluded,
                         face_id, err);
    if (rc == MT_OK && excluded)
        rc = s_exec_now (self, "INSERT INTO face_removal_queue (face_id, queued_at)"
                         " SELECT id, ?1 FROM faces WHERE id = ?2 AND enrolled = 1"
                         " ON CONFLICT DO NOTHING", NULL, face_id, err);
    else
    if (rc == MT_OK)
        //  Back before its removal ran: it stays in the index.
        rc = s_exec_ids (self, "DELETE FROM face_removal_queue WHERE face_id = ? AND erase = 0",
                         face_id, 0, err);
    return rc;
}

int
mt_casedb_face_exclude (mt_casedb_t *self, int64_t face_id, bool excluded, const char *reason,
                        const char *actor, mt_err_t *err)
{
    int64_t photo_id = 0, case_id = 0;
    int rc = mti_text_ok (reason, "reason", MT_CASE_REASON_CHARS, err);
    if (rc == MT_OK)
        rc = s_face_photo (self, face_id, &photo_id, &case_id, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    rc = s_set_excluded (self, face_id, excluded, err);
    char object [96];
    snprintf (object, sizeof object, "case %lld photo %lld face %lld", (long long) case_id,
              (long long) photo_id, (long long) face_id);
    return s_finish (self, rc, case_id, object, excluded ? "face.exclude" : "face.include",
                     reason, actor, err);
}

int
mt_casedb_photo_person (mt_casedb_t *self, int64_t photo_id, int64_t face_id,
                        const char *actor, mt_err_t *err)
{
    int64_t face_photo = 0, case_id = 0;
    int rc = s_face_photo (self, face_id, &face_photo, &case_id, err);
    if (rc == MT_OK && face_photo != photo_id)
        rc = mt_err_set (err, MT_EINVAL, "face %lld is not in photo %lld", (long long) face_id,
                         (long long) photo_id);
    if (rc != MT_OK)
        return rc;
    mt_face_row_t *faces;
    size_t count;
    rc = mt_casedb_photo_faces (self, photo_id, &faces, &count, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        if (faces [i].excluded != (faces [i].id != face_id))
            rc = s_set_excluded (self, faces [i].id, faces [i].id != face_id, err);
    free (faces);
    if (rc == MT_OK)
        rc = s_exec_ids (self, "UPDATE photos SET person = 'picked' WHERE id = ?", photo_id, 0,
                         err);
    char object [96];
    snprintf (object, sizeof object, "case %lld photo %lld face %lld", (long long) case_id,
              (long long) photo_id, (long long) face_id);
    return s_finish (self, rc, case_id, object, "photo.person",
                     "the person of the photo; its other faces left out of matching", actor, err);
}

int
mt_casedb_photo_person_unsure (mt_casedb_t *self, int64_t photo_id, const char *actor,
                               mt_err_t *err)
{
    mt_photo_row_t photo;
    mt_case_t c;
    int rc = mt_casedb_photo_get (self, photo_id, &photo, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (self, photo.case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (c.state, "open") != 0)
        return mt_err_set (err, MT_EINVAL, "case %lld is closed", (long long) c.id);
    rc = mt_casedb_begin (self, err);
    if (rc == MT_OK)
        rc = s_exec_ids (self, "UPDATE photos SET person = 'unsure' WHERE id = ?", photo_id, 0,
                         err);
    char object [64];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) c.id,
              (long long) photo_id);
    return s_finish (self, rc, c.id, object, "photo.person", "the uploader cannot tell which "
                     "face is the person: the face nearest the middle counts most", actor, err);
}

int
mt_casedb_photo_remove (mt_casedb_t *self, int64_t photo_id, const char *reason,
                        const char *actor, mt_err_t *err)
{
    mt_photo_row_t photo;
    int rc = mt_casedb_photo_get (self, photo_id, &photo, err);
    if (rc != MT_OK)
        return rc;
    if (photo.removed)
        return mt_err_set (err, MT_EINVAL, "photo %lld was removed already", (long long) photo_id);
    mt_case_t c;
    rc = mt_casedb_case_get (self, photo.case_id, &c, err);
    if (rc == MT_OK && strcmp (c.state, "open") != 0)
        rc = mt_err_set (err, MT_EINVAL, "case %lld is closed", (long long) c.id);
    if (rc == MT_OK && (!reason || !*reason))
        rc = mt_err_set (err, MT_EINVAL, "say why the photo is removed (a reason)");
    if (rc == MT_OK)
        rc = mti_text_ok (reason, "reason", MT_CASE_REASON_CHARS, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    if (rc == MT_OK)
        rc = s_exec_now (self, "UPDATE photos SET removed_at = ?1, removed_reason = ?2"
                         " WHERE id = ?3", reason, photo_id, err);
    //  Its faces leave matching now, the index next, and are then erased.
    if (rc == MT_OK)
        rc = s_exec_now (self, "INSERT INTO face_removal_queue (face_id, erase, queued_at)"
                         " SELECT id, 1, ?1 FROM faces WHERE photo_id = ?2 AND removed = 0"
                         " ON CONFLICT (face_id) DO UPDATE SET erase = 1", NULL, photo_id, err);
    if (rc == MT_OK)
        rc = s_exec_ids (self, "UPDATE faces SET excluded = 1 WHERE photo_id = ?", photo_id, 0,
                         err);
    char object [64];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) photo.case_id,
              (long long) photo_id);
    return s_finish (self, rc, photo.case_id, object, "photo.remove", reason, actor, err);
}

int
mt_casedb_case_update (mt_casedb_t *self, const mt_case_t *c, const char *changes,
                       const char *actor, mt_err_t *err)
{
    mt_case_t before;
    int rc = mt_casedb_case_get (self, c->id, &before, err);
    if (rc == MT_OK && strcmp (before.state, "open") != 0)
        rc = mt_err_set (err, MT_EINVAL, "case %lld is closed: its facts stay as they were",
                         (long long) c->id);
    if (rc == MT_OK && before.kind != c->kind)
        rc = mt_err_set (err, MT_EINVAL, "a case's kind cannot change");
    if (rc == MT_OK)
        rc = mt_case_validate (c, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self, mti_case_sql (MTI_CASE_UPDATE),
                                                         err) : NULL;
    if (stmt) {
        char now [32];
        mti_db_now (now, sizeof now);
        mti_sql_bind_text (stmt, 1, now, -1);
        int at = mti_case_bind_facts (stmt, 2, c, MT_FACT_CORRECT);
        mti_sql_bind_int64 (stmt, at, c->id);
        rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "case");
        mti_sql_finalize (stmt);
    }
    else
    if (rc == MT_OK)
        rc = MT_EINTERNAL;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) c->id);
    return s_finish (self, rc, c->id, object, "case.update", changes, actor, err);
}

//  ---------------------------------------------------------------- face removals

int
mt_casedb_face_removal_next (mt_casedb_t *self, int64_t *ids, size_t max, size_t *count_p,
                             mt_err_t *err)
{
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT face_id FROM face_removal_queue"
                                           " ORDER BY queued_at, face_id LIMIT ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, (int64_t) max);
    int rc = mti_db_ids (self, stmt, ids, max, count_p, "read the face removal queue", err);
    return rc != MT_OK || *count_p > 0 ? rc : MT_ENOTFOUND;
}

int
mt_casedb_face_removal_done (mt_casedb_t *self, const int64_t *ids, size_t count,
                             mt_err_t *err)
{
    int rc = mt_casedb_begin (self, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        //  Erased (its photo removed), or out of the index until included again.
        rc = s_exec_ids (self, "DELETE FROM faces WHERE id = ? AND id IN (SELECT face_id FROM"
                         " face_removal_queue WHERE erase = 1)", ids [i], 0, err);
        if (rc == MT_OK)
            rc = s_exec_ids (self, "UPDATE faces SET enrolled = 0 WHERE id = ?", ids [i], 0, err);
        if (rc == MT_OK)
            rc = s_exec_ids (self, "DELETE FROM face_removal_queue WHERE face_id = ?", ids [i], 0,
                             err);
    }
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_removed_photo_files (mt_casedb_t *self, char (**shas_p) [65], size_t *count_p,
                               mt_err_t *err)
{
    *shas_p = NULL;
    *count_p = 0;
    //  Removed photos whose faces are all gone, and whose bytes no other
    //  photo holds.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT DISTINCT p.sha256 FROM photos p WHERE p.removed_at IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id)"
        " AND NOT EXISTS (SELECT 1 FROM photos o WHERE o.sha256 = p.sha256"
        "                 AND o.removed_at IS NULL)", err);
    if (!stmt)
        return MT_EINTERNAL;
    return mti_db_shas (stmt, shas_p, count_p, err);
}
