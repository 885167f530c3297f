//  mt_casedb_reembed - describing a gallery again when the second
//  descriptor is new or changed: photos whose faces lack a current one are
//  flagged, the intake workers take them after any new photo (the same
//  lease as new photos, so a worker that dies gives its photo back), and
//  each photo's faces get their new descriptor in place: face ids, reviews
//  and dlib's descriptor (the index) stay, so searches go on meanwhile and
//  a case is matched again once its photo is done. The flags live in the
//  database: a killed service resumes where it stopped.
//
//  The shards hold each face's MobileFaceNet vector too (their -mfn
//  galleries): a face given a new descriptor leaves the index and is
//  enrolled again with it (the matcher's removals, then its match); a face
//  described before, whose vector the index may lack (enrolled before the
//  galleries existed), is enrolled again when the work starts.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
mt_casedb_reembed_queue (mt_casedb_t *self, const char *version, const char *actor,
                         int64_t *queued_p, mt_err_t *err)
{
    *queued_p = 0;
    int rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    //  Faces of open cases described already with this version: enrolled
    //  again (the index skips their dlib vector, takes their MobileFaceNet
    //  one) by a match of their case, which also retrieves by them.
    char now [32];
    mti_db_now (now, sizeof now);
    static const char *again [2] = {
        "INSERT INTO match_queue (case_id, queued_at) SELECT DISTINCT f.case_id, ?2 FROM faces f"
        " JOIN cases c ON c.id = f.case_id WHERE f.enrolled = 1 AND f.removed = 0"
        " AND f.descriptor2 = ?1 AND c.state = 'open'"
        " ON CONFLICT (case_id) DO UPDATE SET generation = match_queue.generation + 1",
        "UPDATE faces SET enrolled = 0 WHERE enrolled = 1 AND removed = 0 AND descriptor2 = ?1"
        " AND case_id IN (SELECT id FROM cases WHERE state = 'open')"
    };
    for (int i = 0; rc == MT_OK && i < 2; i++) {
        mti_sql_stmt_t *step = mti_db_prepare (self, again [i], err);
        if (!step) {
            rc = MT_EINTERNAL;
            break;
        }
        mti_sql_bind_text (step, 1, version, -1);
        if (i == 0)
            mti_sql_bind_text (step, 2, now, -1);
        if (mti_sql_step (step) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "enrol described faces again");
        mti_sql_finalize (step);
    }
    if (rc != MT_OK)
        return mt_casedb_commit (self, rc, err);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE photos SET reembed = 1 WHERE reembed = 0 AND state = 'done'"
        " AND removed_at IS NULL AND EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = photos.id"
        " AND f.removed = 0 AND (f.descriptor2 IS NULL OR f.descriptor2 != ?))", err);
    if (!stmt)
        return mt_casedb_commit (self, MT_EINTERNAL, err);
    mti_sql_bind_text (stmt, 1, version, -1);
    rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
       : mti_db_fail (self, MT_EIO, err, "queue photos to describe again");
    mti_sql_finalize (stmt);
    if (rc == MT_OK)
        *queued_p = mti_sql_changes (self->db);
    char detail [96];
    snprintf (detail, sizeof detail, "%lld photos to describe with %s", (long long) *queued_p,
              version);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "reembed.start", "gallery", detail, err);
    return mt_casedb_commit (self, rc, err);
}

//  One number from a query with the version bound to its ?1, if it has one.
static int64_t
s_count (mt_casedb_t *self, const char *sql, const char *version)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, NULL);
    int64_t n = -1;
    if (stmt) {
        if (mti_sql_bind_parameter_count (stmt) >= 1)
            mti_sql_bind_text (stmt, 1, version, -1);
        if (mti_sql_step (stmt) == MTI_SQL_ROW)
            n = mti_sql_column_int64 (stmt, 0);
        mti_sql_finalize (stmt);
    }
    return n;
}

int
mt_casedb_reembed_status (mt_casedb_t *self, const char *version, mt_reembed_status_t *status,
                          mt_err_t *err)
{
    memset (status, 0, sizeof *status);
    status->faces = s_count (self, "SELECT COUNT (*) FROM faces WHERE removed = 0", NULL);
    status->described = s_count (self, "SELECT COUNT (*) FROM faces WHERE removed = 0"
                                 " AND descriptor2 = ?1", version);
    status->photos_waiting = s_count (self, "SELECT COUNT (*) FROM photos WHERE reembed = 1"
                                      " AND state = 'done' AND removed_at IS NULL", NULL);
    if (status->faces < 0 || status->described < 0 || status->photos_waiting < 0)
        return mti_db_fail (self, MT_EIO, err, "count described faces");
    return MT_OK;
}

//  A face about to get a new second descriptor: queued for removal from
//  the index when it had one and is enrolled, else marked not enrolled; the
//  match its photo queues enrols it again either way.
static int
s_index_again (mt_casedb_t *self, int64_t face_id, mt_err_t *err)
{
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO face_removal_queue (face_id, queued_at) SELECT id, ? FROM faces"
        " WHERE id = ? AND enrolled = 1 AND embedding2 IS NOT NULL ON CONFLICT DO NOTHING", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, now, -1);
    mti_sql_bind_int64 (stmt, 2, face_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
           : mti_db_fail (self, MT_EIO, err, "queue a face's removal from the index");
    mti_sql_finalize (stmt);
    if (rc != MT_OK)
        return rc;
    stmt = mti_db_prepare (self, "UPDATE faces SET enrolled = 0 WHERE id = ?"
                           " AND embedding2 IS NULL", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
       : mti_db_fail (self, MT_EIO, err, "enrol a face again");
    mti_sql_finalize (stmt);
    return rc;
}

//  How much two boxes (x, y, w, h) overlap: intersection over union.
static double
s_overlap (const int *a, const int *b)
{
    int x0 = a [0] > b [0] ? a [0] : b [0], y0 = a [1] > b [1] ? a [1] : b [1];
    int x1 = a [0] + a [2] < b [0] + b [2] ? a [0] + a [2] : b [0] + b [2];
    int y1 = a [1] + a [3] < b [1] + b [3] ? a [1] + a [3] : b [1] + b [3];
    if (x1 <= x0 || y1 <= y0)
        return 0;
    double inter = (double) (x1 - x0) * (y1 - y0);
    return inter / ((double) a [2] * a [3] + (double) b [2] * b [3] - inter);
}

int
mti_casedb_reembed_done (mt_casedb_t *self, const mt_photo_row_t *photo,
                         const mt_new_face_t *faces, size_t count, mt_err_t *err)
{
    mt_face_row_t *rows = NULL;
    size_t n = 0;
    int rc = mt_casedb_photo_faces (self, photo->id, &rows, &n, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    mti_sql_stmt_t *put = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE faces SET embedding2 = ?, descriptor2 = ? WHERE id = ?", err) : NULL;
    if (rc == MT_OK && !put)
        rc = MT_EINTERNAL;
    //  Each stored face takes the new face that overlaps it most (the
    //  pipeline finds the same faces in the same bytes, so nearly always
    //  the same box); a stored face with none keeps what it had.
    size_t updated = 0;
    for (size_t i = 0; rc == MT_OK && i < n; i++) {
        const mt_new_face_t *best = NULL;
        double best_overlap = 0.5;
        for (size_t j = 0; j < count; j++)
            if (faces [j].embedding2 && faces [j].descriptor2
            &&  s_overlap (rows [i].box, faces [j].box) > best_overlap)
                best = &faces [j], best_overlap = s_overlap (rows [i].box, faces [j].box);
        if (!best)
            continue;
        //  Into the index again with it: a face that had a descriptor
        //  leaves first (its old vector may be in a MobileFaceNet gallery),
        //  one that had none is only enrolled again.
        rc = s_index_again (self, rows [i].id, err);
        if (rc != MT_OK)
            break;
        mti_sql_reset (put);
        mti_sql_bind_blob (put, 1, best->embedding2, MT_EMBEDDING2_DIM * sizeof (float));
        mti_sql_bind_text (put, 2, best->descriptor2, -1);
        mti_sql_bind_int64 (put, 3, rows [i].id);
        if (mti_sql_step (put) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "store a face's new descriptor");
        updated++;
    }
    mti_sql_finalize (put);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE photos SET reembed = 0, lease_until = 0 WHERE id = ?", err) : NULL;
    if (rc == MT_OK && !stmt)
        rc = MT_EINTERNAL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, photo->id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "finish describing a photo again");
        mti_sql_finalize (stmt);
    }
    if (rc == MT_OK && updated > 0)
        rc = mt_casedb_match_enqueue (self, photo->case_id, err);
    rc = mt_casedb_commit (self, rc, err);
    free (rows);
    return rc;
}
