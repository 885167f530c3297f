//  mt_casedb_taken - when a photo was taken: its year and the person's age
//  in it, checked in one place against the case's birth year (the same rule
//  for a photo added by any form and for a correction), and corrected later
//  by staff, audited, the case matched again: the age gap between a family's
//  childhood photo and the found adult weighs the faces (mt_rank_age.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <string.h>

//  The case's birth year as a reader writes it: "1956" or "1948-1952".
static void
s_birth_shown (const mt_case_t *c, char *buf, size_t size)
{
    if (c->birth_year_max > c->birth_year_min)
        snprintf (buf, size, "%d-%d", c->birth_year_min, c->birth_year_max);
    else
        snprintf (buf, size, "%d", c->birth_year_min);
}

int
mt_photo_taken_check (const mt_case_t *c, int year_taken, int age_taken, mt_err_t *err)
{
    int this_year = mti_this_year ();
    if (year_taken && (year_taken < 1900 || year_taken > this_year))
        return mt_err_set (err, MT_EINVAL, "year taken %d is not between 1900 and %d",
                           year_taken, this_year);
    if (age_taken < -1 || age_taken > MT_PHOTO_AGE_MAX)
        return mt_err_set (err, MT_EINVAL, "the age in the photo is %d: give 0 to %d years, "
                           "or leave it empty when unknown", age_taken, MT_PHOTO_AGE_MAX);
    int born_min = c->birth_year_min, born_max = c->birth_year_max;
    if (born_min <= 0)
        return MT_OK;               //  no birth year to hold them to
    if (born_max < born_min)
        born_max = born_min;
    char born [32];
    s_birth_shown (c, born, sizeof born);
    //  A family's memory of a year is often a year or two off: that much is
    //  let through, more is a mistake to correct before it weighs the faces.
    if (year_taken && year_taken < born_min - MT_PHOTO_TAKEN_SLACK)
        return mt_err_set (err, MT_EINVAL, "the photo's year %d is before the birth year %s: "
                           "check the year the photo was taken, or correct the case's birth "
                           "year", year_taken, born);
    if (year_taken && age_taken >= 0) {
        int implied = year_taken - age_taken;
        if (implied < born_min - MT_PHOTO_TAKEN_SLACK || implied > born_max + MT_PHOTO_TAKEN_SLACK)
            return mt_err_set (err, MT_EINVAL, "a photo from %d at age %d means born in %d, "
                               "but the birth year is %s: check the photo's year and age, or "
                               "correct the case's birth year", year_taken, age_taken, implied,
                               born);
    }
    if (!year_taken && age_taken >= 0 && born_min + age_taken > this_year + MT_PHOTO_TAKEN_SLACK)
        return mt_err_set (err, MT_EINVAL, "born in %s, the person is not yet %d: check the age "
                           "in the photo", born, age_taken);
    return MT_OK;
}

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
