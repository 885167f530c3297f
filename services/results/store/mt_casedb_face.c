//  mt_casedb_face - stored faces (read, chips, enrolled or removed) and the
//  match queue of cases waiting to be searched.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- faces

//  Face rows from a statement with one id to bind.
static int
s_faces_query (mt_casedb_t *self, const char *sql, int64_t id, mt_face_row_t **rows_p,
               size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    size_t size = 0;
    int rc = MT_OK;
    while (mti_sql_step (stmt) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (rows_p, *count_p, &size, sizeof **rows_p, 8, err)) != MT_OK)
            break;
        mt_face_row_t *r = &(*rows_p) [(*count_p)++];
        memset (r, 0, sizeof *r);
        r->id = mti_sql_column_int64 (stmt, 0);
        r->photo_id = mti_sql_column_int64 (stmt, 1);
        r->case_id = mti_sql_column_int64 (stmt, 2);
        for (int b = 0; b < 4; b++)
            r->box [b] = mti_sql_column_int (stmt, 3 + b);
        r->size_px = mti_sql_column_int (stmt, 7);
        r->sharpness = mti_sql_column_double (stmt, 8);
        r->yaw_deg = mti_sql_column_double (stmt, 9);
        mti_db_copy (r->verdict, sizeof r->verdict, mti_sql_column_text (stmt, 10));
        r->year_taken = mti_sql_column_int (stmt, 11);
        r->age_taken = mti_sql_column_int (stmt, 19);
        r->enrolled = mti_sql_column_int (stmt, 12) != 0;
        if (mti_sql_column_bytes (stmt, 13) == (int) sizeof r->embedding)
            memcpy (r->embedding, mti_sql_column_blob (stmt, 13), sizeof r->embedding);
        r->photo_width = mti_sql_column_int (stmt, 14);
        r->photo_height = mti_sql_column_int (stmt, 15);
        r->excluded = mti_sql_column_int (stmt, 16) != 0;
        const char *version = (const char *) mti_sql_column_text (stmt, 18);
        if (mti_sql_column_bytes (stmt, 17) == (int) sizeof r->embedding2) {
            memcpy (r->embedding2, mti_sql_column_blob (stmt, 17), sizeof r->embedding2);
            mti_db_copy (r->descriptor2, sizeof r->descriptor2, (const unsigned char *) version);
            r->has_embedding2 = version && strcmp (version, MT_MOBILEFACENET_VERSION) == 0;
        }
        r->removed = mti_sql_column_int (stmt, 20) != 0;
        r->roll_deg = mti_sql_column_double (stmt, 21);
        mti_db_copy (r->created_at, sizeof r->created_at, mti_sql_column_text (stmt, 22));
        mti_db_copy (r->descriptor, sizeof r->descriptor, mti_sql_column_text (stmt, 23));
    }
    mti_sql_finalize (stmt);
    return rc;
}

#define S_FACE_COLUMNS \
    "SELECT f.id, f.photo_id, f.case_id, f.x, f.y, f.w, f.h, f.size_px, f.sharpness, f.yaw," \
    " f.verdict, p.year_taken, f.enrolled, f.embedding, p.width, p.height, f.excluded," \
    " f.embedding2, f.descriptor2, p.age_taken, f.removed, f.roll, f.created_at, f.descriptor" \
    " FROM faces f JOIN photos p ON p.id = f.photo_id"

int
mt_casedb_faces_of_case (mt_casedb_t *self, int64_t case_id, mt_face_row_t **rows_p,
                         size_t *count_p, mt_err_t *err)
{
    //  A group photo whose uploader is still to say which face is the
    //  person stays out: its strangers are not matched as the person.
    return s_faces_query (self, S_FACE_COLUMNS " WHERE f.case_id = ? AND f.removed = 0"
                          " AND f.excluded = 0 AND (p.person IS NULL OR p.person != 'waiting')"
                          " ORDER BY f.id", case_id, rows_p, count_p, err);
}

int
mt_casedb_faces_held (mt_casedb_t *self, int64_t case_id, mt_face_row_t **rows_p,
                      size_t *count_p, mt_err_t *err)
{
    return s_faces_query (self, S_FACE_COLUMNS " WHERE f.case_id = ? ORDER BY f.id", case_id,
                          rows_p, count_p, err);
}

int
mt_casedb_photo_faces (mt_casedb_t *self, int64_t photo_id, mt_face_row_t **rows_p,
                       size_t *count_p, mt_err_t *err)
{
    return s_faces_query (self, S_FACE_COLUMNS " WHERE f.photo_id = ? AND f.removed = 0"
                          " ORDER BY f.id", photo_id, rows_p, count_p, err);
}

int
mt_casedb_face_chip (mt_casedb_t *self, int64_t face_id, uint8_t **jpeg_p, size_t *size_p,
                     mt_err_t *err)
{
    *jpeg_p = NULL;
    *size_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT chip FROM faces WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    int rc = mt_err_set (err, MT_ENOTFOUND, "face %lld has no chip", (long long) face_id);
    if (mti_sql_step (stmt) == MTI_SQL_ROW && mti_sql_column_bytes (stmt, 0) > 0) {
        size_t size = (size_t) mti_sql_column_bytes (stmt, 0);
        *jpeg_p = malloc (size);
        if (*jpeg_p) {
            memcpy (*jpeg_p, mti_sql_column_blob (stmt, 0), size);
            *size_p = size;
            rc = MT_OK;
        }
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_faces_mark_enrolled (mt_casedb_t *self, const int64_t *ids, size_t count,
                               mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE faces SET enrolled = 1 WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = mt_casedb_begin (self, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mti_sql_reset (stmt);
        mti_sql_bind_int64 (stmt, 1, ids [i]);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "mark enrolled");
    }
    mti_sql_finalize (stmt);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_faces_mark_removed (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE faces SET removed = 1"
                                                 " WHERE case_id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "faces");
    mti_sql_finalize (stmt);
    return rc;
}

//  ---------------------------------------------------------------- match queue

int
mt_casedb_match_enqueue (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    //  Queued again while being matched: the generation moves on, so that the
    //  matcher's "done" for the older state does not drop the newer one.
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "INSERT INTO match_queue (case_id, queued_at)"
                                          " VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE"
                                          " SET generation = match_queue.generation + 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, now, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "queue");
    mti_sql_finalize (stmt);
    //  Its linked records too: their pairs weigh its photos and facts
    //  (issue 27: a linked group is matched as one person).
    stmt = rc == MT_OK ? mti_db_prepare (self, "INSERT INTO match_queue (case_id, queued_at)"
                                         " SELECT g.id, ?1 FROM cases g, cases c"
                                         " WHERE c.id = ?2 AND c.person_group IS NOT NULL"
                                         " AND g.person_group = c.person_group AND g.id <> c.id"
                                         " AND g.state = 'open'"
                                         " ON CONFLICT (case_id) DO UPDATE"
                                         " SET generation = match_queue.generation + 1", err)
                       : NULL;
    if (rc == MT_OK && !stmt)
        return MT_EINTERNAL;
    if (stmt) {
        mti_sql_bind_text (stmt, 1, now, -1);
        mti_sql_bind_int64 (stmt, 2, case_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "queue");
        mti_sql_finalize (stmt);
    }
    return rc;
}

int
mt_casedb_match_next (mt_casedb_t *self, int64_t *case_id_p, int64_t *generation_p,
                      mt_err_t *err)
{
    return mti_db_first (self, "SELECT case_id, generation FROM match_queue"
                               " ORDER BY queued_at, case_id LIMIT 1", case_id_p, generation_p,
                         "nothing to match", err);
}

bool
mt_casedb_match_pending (mt_casedb_t *self, int64_t case_id)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT 1 FROM match_queue WHERE case_id = ?"
                                          " UNION ALL SELECT 1 FROM photos WHERE case_id = ?"
                                          " AND state = 'pending'", NULL);
    bool pending = false;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_int64 (stmt, 2, case_id);
        pending = mti_sql_step (stmt) == MTI_SQL_ROW;
    }
    mti_sql_finalize (stmt);
    return pending;
}

int
mt_casedb_match_done (mt_casedb_t *self, int64_t case_id, int64_t generation, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "DELETE FROM match_queue WHERE case_id = ?"
                                          " AND generation = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_int64 (stmt, 2, generation);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "queue");
    mti_sql_finalize (stmt);
    return rc;
}
