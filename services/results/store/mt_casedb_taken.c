//  mt_casedb_taken - when a photo was taken, corrected by staff: its year
//  and the person's age in it, checked as when it was added
//  (mt_photo_taken.c), audited, and the case matched again: the age gap
//  between a family's childhood photo and the found adult weighs the faces
//  (mt_rank_age.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <string.h>

//  "1956" or "unknown", for the audit's before and after.
static const char *
s_shown (int value, int unknown, char *buf, size_t size)
{
    if (value == unknown)
        return "unknown";
    snprintf (buf, size, "%d", value);
    return buf;
}

int
mt_casedb_photo_taken (mt_casedb_t *self, int64_t photo_id, int year_taken, int age_taken,
                       const char *actor, mt_err_t *err)
{
    mt_photo_row_t photo;
    mt_case_t c;
    int rc = mt_casedb_photo_get (self, photo_id, &photo, err);
    if (rc == MT_OK && photo.removed)
        rc = mt_err_set (err, MT_EINVAL, "photo %lld was removed already", (long long) photo_id);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (self, photo.case_id, &c, err);
    if (rc == MT_OK && strcmp (c.state, "open") != 0)
        rc = mt_err_set (err, MT_EINVAL, "case %lld is closed", (long long) c.id);
    if (rc == MT_OK)
        rc = mt_photo_taken_check (&c, year_taken, age_taken, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE photos SET year_taken = ?, age_taken = ? WHERE id = ?", err) : NULL;
    if (stmt) {
        mti_sql_bind_int (stmt, 1, year_taken);
        mti_sql_bind_int (stmt, 2, age_taken);
        mti_sql_bind_int64 (stmt, 3, photo_id);
        rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
        mti_sql_finalize (stmt);
    }
    else
    if (rc == MT_OK)
        rc = MT_EINTERNAL;
    //  Its faces weigh by the new age gap: the case is matched again.
    if (rc == MT_OK)
        rc = mt_casedb_match_enqueue (self, c.id, err);
    char object [64], detail [128], a [16], b [16], x [16], y [16];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) c.id,
              (long long) photo_id);
    snprintf (detail, sizeof detail, "year %s -> %s, age %s -> %s",
              s_shown (photo.year_taken, 0, a, sizeof a), s_shown (year_taken, 0, b, sizeof b),
              s_shown (photo.age_taken, -1, x, sizeof x), s_shown (age_taken, -1, y, sizeof y));
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "photo.taken", object, detail, err);
    return mt_casedb_commit (self, rc, err);
}
