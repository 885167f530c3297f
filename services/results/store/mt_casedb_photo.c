//  mt_casedb_photo - a case's photos: added, claimed by the intake, done
//  with their faces stored, or failed.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  ---------------------------------------------------------------- photos

int
mt_casedb_photo_add (mt_casedb_t *self, int64_t case_id, const char *sha256, size_t bytes,
                     int year_taken, const char *actor, int64_t *photo_id_p, bool *existed_p,
                     mt_err_t *err)
{
    return mt_casedb_photo_add_aged (self, case_id, sha256, bytes, year_taken, -1, actor,
                                     photo_id_p, existed_p, err);
}

int
mt_casedb_photo_add_aged (mt_casedb_t *self, int64_t case_id, const char *sha256, size_t bytes,
                          int year_taken, int age_taken, const char *actor, int64_t *photo_id_p,
                          bool *existed_p, mt_err_t *err)
{
    *photo_id_p = 0;
    if (existed_p)
        *existed_p = false;
    mt_case_t c;
    int rc = mt_casedb_case_get (self, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (c.state, "open") != 0)
        return mt_err_set (err, MT_EINVAL, "case %lld is closed (%s): it takes no photos",
                           (long long) case_id, c.closed_reason);
    rc = mt_photo_taken_check (&c, year_taken, age_taken, err);
    if (rc != MT_OK)
        return rc;
    if (!sha256 || strlen (sha256) != 64)
        return mt_err_set (err, MT_EINVAL, "a photo needs its sha256");
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT id, removed_at FROM photos"
                                           " WHERE case_id = ? AND sha256 = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, sha256, -1);
    bool was_removed = false;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        *photo_id_p = mti_sql_column_int64 (stmt, 0);
        was_removed = mti_sql_column_type (stmt, 1) != MTI_SQL_NULL;
        if (existed_p)
            *existed_p = !was_removed;
    }
    mti_sql_finalize (stmt);
    if (*photo_id_p && !was_removed)
        return MT_OK;
    if (*photo_id_p) {
        //  Removed earlier and sent again: it comes back, to be processed anew.
        stmt = mti_db_prepare (self, "UPDATE photos SET removed_at = NULL, removed_reason = NULL,"
                               " state = 'pending', lease_until = 0, year_taken = ?,"
                               " age_taken = ? WHERE id = ?", err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int (stmt, 1, year_taken);
        mti_sql_bind_int (stmt, 2, age_taken);
        mti_sql_bind_int64 (stmt, 3, *photo_id_p);
        rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
        mti_sql_finalize (stmt);
        char object [64];
        snprintf (object, sizeof object, "case %lld photo %lld", (long long) case_id,
                  (long long) *photo_id_p);
        return rc == MT_OK ? mt_casedb_audit (self, actor, "photo.add", object, sha256, err) : rc;
    }
    stmt = mti_db_prepare (self, "INSERT INTO photos (case_id, sha256, year_taken, bytes,"
                                 " created_at, age_taken) VALUES (?, ?, ?, ?, ?, ?)"
                                 " RETURNING id", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, sha256, -1);
    mti_sql_bind_int (stmt, 3, year_taken);
    mti_sql_bind_int64 (stmt, 4, (int64_t) bytes);
    mti_sql_bind_text (stmt, 5, now, -1);
    mti_sql_bind_int (stmt, 6, age_taken);
    rc = mti_sql_step (stmt) == MTI_SQL_ROW ? MT_OK : mti_db_fail (self, MT_EIO, err, "add photo");
    if (rc == MT_OK)
        *photo_id_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc != MT_OK)
        return rc;
    char object [64];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) case_id,
              (long long) *photo_id_p);
    return mt_casedb_audit (self, actor, "photo.add", object, sha256, err);
}

static void
s_photo_row (mti_sql_stmt_t *stmt, mt_photo_row_t *row)
{
    memset (row, 0, sizeof *row);
    row->id = mti_sql_column_int64 (stmt, 0);
    row->case_id = mti_sql_column_int64 (stmt, 1);
    mti_db_copy (row->sha256, sizeof row->sha256, mti_sql_column_text (stmt, 2));
    row->year_taken = mti_sql_column_int (stmt, 3);
    row->age_taken = mti_sql_column_int (stmt, 12);
    mti_db_copy (row->state, sizeof row->state, mti_sql_column_text (stmt, 4));
    mti_db_copy (row->error, sizeof row->error, mti_sql_column_text (stmt, 5));
    row->face_count = mti_sql_column_int (stmt, 6);
    row->removed = mti_sql_column_type (stmt, 7) != MTI_SQL_NULL;
    mti_db_copy (row->removed_reason, sizeof row->removed_reason, mti_sql_column_text (stmt, 8));
    row->reembed = mti_sql_column_int (stmt, 9) != 0;
    mti_db_copy (row->person, sizeof row->person, mti_sql_column_text (stmt, 10));
    mti_db_copy (row->error_zh, sizeof row->error_zh, mti_sql_column_text (stmt, 11));
}

#define S_PHOTO_COLUMNS "id, case_id, sha256, year_taken, state, error_message," \
    " (SELECT COUNT (*) FROM faces WHERE photo_id = photos.id AND removed = 0)," \
    " removed_at, removed_reason, reembed, person, error_message_zh, age_taken"

int
mt_casedb_photo_get (mt_casedb_t *self, int64_t photo_id, mt_photo_row_t *row, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_PHOTO_COLUMNS
                                                 " FROM photos WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, photo_id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        s_photo_row (stmt, row);
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no photo %lld", (long long) photo_id);
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_photos_of_case (mt_casedb_t *self, int64_t case_id, mt_photo_row_t **rows_p,
                          size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_PHOTO_COLUMNS " FROM photos"
                                          " WHERE case_id = ? ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    size_t size = 0;
    int rc = MT_OK;
    while (mti_sql_step (stmt) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (rows_p, *count_p, &size, sizeof **rows_p, 8, err)) != MT_OK)
            break;
        s_photo_row (stmt, &(*rows_p) [(*count_p)++]);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_photo_claim (mt_casedb_t *self, int lease_s, mt_photo_row_t *row, mt_err_t *err)
{
    //  New photos first; then one to describe again, if any (each query
    //  runs on its own index: state || '' keeps SQLite off photos_pending
    //  for the second, where it walked every done photo, 0.2 s a claim at
    //  a million, and the intake's polling kept the service from answering).
    static const char *const sql [2] = {
        "UPDATE photos SET lease_until = ? WHERE id = (SELECT id FROM photos"
        " WHERE state = 'pending' AND removed_at IS NULL AND lease_until < ? ORDER BY id LIMIT 1)"
        " RETURNING " S_PHOTO_COLUMNS,
        "UPDATE photos SET lease_until = ? WHERE id = (SELECT id FROM photos"
        " WHERE reembed = 1 AND state || '' = 'done' AND removed_at IS NULL AND lease_until < ?"
        " ORDER BY id LIMIT 1) RETURNING " S_PHOTO_COLUMNS
    };
    int64_t now = (int64_t) time (NULL);
    mti_sql_stmt_t *stmt = NULL;
    int step = MTI_SQL_DONE;
    for (int i = 0; i < 2 && step == MTI_SQL_DONE; i++) {
        mti_sql_finalize (stmt);
        stmt = mti_db_prepare (self, sql [i], err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int64 (stmt, 1, now + lease_s);
        mti_sql_bind_int64 (stmt, 2, now);
        step = mti_sql_step (stmt);
    }
    int rc = MT_OK;
    if (step == MTI_SQL_ROW)
        s_photo_row (stmt, row);
    else
    if (step == MTI_SQL_DONE)
        rc = mt_err_set (err, MT_ENOTFOUND, "no photo waits");
    else
        rc = mti_db_fail (self, MT_EIO, err, "claim photo");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_leases_clear (mt_casedb_t *self, mt_err_t *err)
{
    return mti_db_exec (self, "UPDATE photos SET lease_until = 0 WHERE lease_until > 0", err);
}

//  One photo's row changed by sql, whose one parameter is the photo's id.
static int
s_photo_update (mt_casedb_t *self, const char *sql, int64_t photo_id, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, photo_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_photo_release (mt_casedb_t *self, int64_t photo_id, mt_err_t *err)
{
    return s_photo_update (self, "UPDATE photos SET lease_until = 0 WHERE id = ?", photo_id, err);
}

int
mt_casedb_photo_done (mt_casedb_t *self, int64_t photo_id, int width, int height,
                      const char *format, const mt_new_face_t *faces, size_t count,
                      mt_err_t *err)
{
    mt_photo_row_t photo;
    int rc = mt_casedb_photo_get (self, photo_id, &photo, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (photo.state, "done") == 0 && photo.reembed && !photo.removed)
        return mti_casedb_reembed_done (self, &photo, faces, count, err);
    if (strcmp (photo.state, "pending") != 0)
        return MT_OK;       //  done already (a worker's lease ran out and both finished)
    if (photo.removed)
        count = 0;          //  removed while its faces were being found: keep none
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_stmt_t *face = mti_db_prepare (self,
        "INSERT INTO faces (photo_id, case_id, x, y, w, h, size_px, sharpness, yaw, roll,"
        " verdict, embedding, chip, created_at, embedding2, descriptor2)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
    for (size_t i = 0; face && rc == MT_OK && i < count; i++) {
        const mt_new_face_t *f = &faces [i];
        mti_sql_reset (face);
        mti_sql_bind_int64 (face, 1, photo_id);
        mti_sql_bind_int64 (face, 2, photo.case_id);
        for (int b = 0; b < 4; b++)
            mti_sql_bind_int (face, 3 + b, f->box [b]);
        mti_sql_bind_int (face, 7, f->size_px);
        mti_sql_bind_double (face, 8, f->sharpness);
        mti_sql_bind_double (face, 9, f->yaw_deg);
        mti_sql_bind_double (face, 10, f->roll_deg);
        mti_sql_bind_text (face, 11, f->verdict, -1);
        mti_sql_bind_blob (face, 12, f->embedding, MT_EMBEDDING_DIM * sizeof (float));
        if (f->chip_jpeg)
            mti_sql_bind_blob (face, 13, f->chip_jpeg, (int) f->chip_size);
        else
            mti_sql_bind_null (face, 13);
        mti_sql_bind_text (face, 14, now, -1);
        if (f->embedding2 && f->descriptor2) {
            mti_sql_bind_blob (face, 15, f->embedding2, MT_EMBEDDING2_DIM * sizeof (float));
            mti_sql_bind_text (face, 16, f->descriptor2, -1);
        }
        else
            mti_sql_bind_null (face, 15), mti_sql_bind_null (face, 16);
        if (mti_sql_step (face) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "add face");
    }
    if (!face)
        rc = MT_EINTERNAL;
    mti_sql_finalize (face);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE photos SET state = 'done', width = ?, height = ?, format = ?, processed_at = ?,"
        " lease_until = 0 WHERE id = ?", err) : NULL;
    if (stmt) {
        mti_sql_bind_int (stmt, 1, width);
        mti_sql_bind_int (stmt, 2, height);
        mti_sql_bind_text (stmt, 3, format, -1);
        mti_sql_bind_text (stmt, 4, now, -1);
        mti_sql_bind_int64 (stmt, 5, photo_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "finish photo");
        mti_sql_finalize (stmt);
    }
    //  A photo whose uploader is to be asked which face is the person:
    //  waiting, if it has several.
    stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE photos SET person = CASE WHEN ? > 1 THEN 'waiting' ELSE NULL END"
        " WHERE id = ? AND person = 'ask'", err) : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, (int64_t) count);
        mti_sql_bind_int64 (stmt, 2, photo_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "finish photo");
        mti_sql_finalize (stmt);
    }
    if (rc == MT_OK && count > 0)
        rc = mt_casedb_match_enqueue (self, photo.case_id, err);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_photo_ask_person (mt_casedb_t *self, int64_t photo_id, mt_err_t *err)
{
    return s_photo_update (self, "UPDATE photos SET person = 'ask'"
                                 " WHERE id = ? AND state = 'pending'", photo_id, err);
}

int
mt_casedb_photo_failed (mt_casedb_t *self, int64_t photo_id, const char *code,
                        const char *message, const char *message_zh, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE photos SET state = 'failed', error_code = ?, error_message = ?, processed_at = ?,"
        " error_message_zh = ? WHERE id = ? AND state = 'pending'", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_text (stmt, 1, code, -1);
    mti_sql_bind_text (stmt, 2, message, -1);
    mti_sql_bind_text (stmt, 3, now, -1);
    mti_db_bind_text (stmt, 4, message_zh);
    mti_sql_bind_int64 (stmt, 5, photo_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
    mti_sql_finalize (stmt);
    //  A photo that was to be described again keeps its faces as they are.
    stmt = rc == MT_OK ? mti_db_prepare (self, "UPDATE photos SET reembed = 0 WHERE id = ?"
                                         " AND state = 'done'", err) : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, photo_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "photo");
        mti_sql_finalize (stmt);
    }
    return rc;
}
