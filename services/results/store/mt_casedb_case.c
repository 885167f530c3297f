//  mt_casedb_case - cases: the facts' checks, adding, reading, listing and
//  closing a case.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"
#include "base/mt_province.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  ---------------------------------------------------------------- validation

int
mti_this_year (void)
{
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    return tm.tm_year + 1900;
}

//  YYYY-MM-DD, a real day, not in the future, from 1900.
static int
s_check_date (const char *field, const char *text, mt_err_t *err)
{
    if (!text || !*text)
        return MT_OK;
    int y, m, d;
    char extra;
    if (strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is not a date (YYYY-MM-DD)", field, text);
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
    time_t t = timegm (&tm);
    struct tm back;
    gmtime_r (&t, &back);
    if (y < 1900 || back.tm_year != y - 1900 || back.tm_mon != m - 1 || back.tm_mday != d)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is not a real day", field, text);
    if (t > time (NULL) + 86400)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is in the future", field, text);
    return MT_OK;
}

const char *const mt_consent_bases [] = { "self", "guardian", "family", "vital_interests",
                                          NULL };

bool
mt_case_may_be_minor (const mt_case_t *c)
{
    if (c->kind == MT_KIND_FOUND)
        return c->age_min >= 0 && c->age_min < 18;
    return c->birth_year_max > 0 && mti_this_year () - c->birth_year_max < 18;
}

//  Faces of vulnerable people are held only with a recorded basis: who
//  consented, or that the person cannot and is helped in their vital
//  interests; a child only with a guardian's consent.
static int
s_check_consent (const mt_case_t *c, mt_err_t *err)
{
    const char *basis = c->consent_basis;
    bool known = false;
    for (int i = 0; mt_consent_bases [i] && !known; i++)
        known = strcmp (basis, mt_consent_bases [i]) == 0;
    if (!*basis)
        return mt_err_set (err, MT_EINVAL, "record the consent for this case: consent_basis "
                           "self, guardian, family or vital_interests, and consent_by (who)");
    if (!known)
        return mt_err_set (err, MT_EINVAL, "consent_basis '%s' is not one of self, guardian, "
                           "family, vital_interests", basis);
    if (mt_case_may_be_minor (c) && strcmp (basis, "guardian") != 0)
        return mt_err_set (err, MT_EINVAL, "the person may be a minor: a parent's or guardian's "
                           "consent is needed (consent_basis guardian; for a child in a relief "
                           "station, the station as temporary guardian)");
    if (c->kind == MT_KIND_MISSING && (strcmp (basis, "self") == 0
                                       || strcmp (basis, "vital_interests") == 0))
        return mt_err_set (err, MT_EINVAL, "a missing person's report is held with the consent "
                           "of the family or guardian who files it (consent_basis family or "
                           "guardian)");
    if (c->kind == MT_KIND_FOUND && strcmp (basis, "family") == 0)
        return mt_err_set (err, MT_EINVAL, "a found person's family is not known yet: "
                           "consent_basis self, guardian or vital_interests");
    if (strcmp (basis, "vital_interests") != 0 && !c->consent_by [0])
        return mt_err_set (err, MT_EINVAL, "consent_by: say who gave the consent");
    return s_check_date ("consent date", c->consent_date, err);
}

int
mt_case_validate (const mt_case_t *c, mt_err_t *err)
{
    if (c->kind != MT_KIND_FOUND && c->kind != MT_KIND_MISSING)
        return mt_err_set (err, MT_EINVAL, "kind must be found or missing");
    if (c->sex < MT_SEX_UNKNOWN || c->sex > MT_SEX_FEMALE)
        return mt_err_set (err, MT_EINVAL, "sex must be male, female or unknown");
    if (!mt_province_known (c->province))
        return mt_err_set (err, MT_EINVAL, "province %d is not a GB/T 2260 province code "
                           "(11 Beijing ... 65 Xinjiang, 71, 81, 82)", c->province);
    int rc = s_check_date ("date found", c->date_found, err);
    if (rc == MT_OK)
        rc = s_check_date ("date last seen", c->date_last_seen, err);
    if (rc != MT_OK)
        return rc;
    if ((c->age_min >= 0 || c->age_max >= 0)
    &&  (c->age_min < 0 || c->age_max < c->age_min || c->age_max > 120))
        return mt_err_set (err, MT_EINVAL, "estimated age %d-%d: give MIN-MAX within 0-120",
                           c->age_min, c->age_max);
    int year = mti_this_year ();
    if ((c->birth_year_min || c->birth_year_max)
    &&  (c->birth_year_min < 1900 || c->birth_year_max < c->birth_year_min
         || c->birth_year_max > year))
        return mt_err_set (err, MT_EINVAL, "birth year %d-%d: give a year or a range between "
                           "1900 and %d", c->birth_year_min, c->birth_year_max, year);
    if (c->kind == MT_KIND_FOUND && (c->date_last_seen [0] || c->birth_year_min))
        return mt_err_set (err, MT_EINVAL, "a found case has a date found and an estimated "
                           "age, not a last-seen date or birth year");
    if (c->kind == MT_KIND_MISSING && (c->date_found [0] || c->age_min >= 0))
        return mt_err_set (err, MT_EINVAL, "a missing case has a last-seen date and a birth "
                           "year, not a date found or an estimated age");
    return s_check_consent (c, err);
}

//  ---------------------------------------------------------------- cases

int
mt_casedb_case_add (mt_casedb_t *self, const mt_case_t *c, const char *actor, int64_t *id_p,
                    bool *existed_p, mt_err_t *err)
{
    *id_p = 0;
    if (existed_p)
        *existed_p = false;
    int rc = mt_case_validate (c, err);
    if (rc != MT_OK)
        return rc;
    if (c->external_ref [0]) {
        mti_sql_stmt_t *find = mti_db_prepare (self, "SELECT id FROM cases"
                                                     " WHERE external_ref = ?", err);
        if (!find)
            return MT_EINTERNAL;
        mti_sql_bind_text (find, 1, c->external_ref, -1);
        if (mti_sql_step (find) == MTI_SQL_ROW) {
            *id_p = mti_sql_column_int64 (find, 0);
            if (existed_p)
                *existed_p = true;
        }
        mti_sql_finalize (find);
        if (*id_p)
            return MT_OK;
    }
    mti_sql_stmt_t *stmt = mti_db_prepare (self, mti_case_sql (MTI_CASE_INSERT), err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    //  What the store fills in when not given: the purpose, and the
    //  consent's date (the day the case is added).
    mt_case_t row = *c;
    if (!row.purpose [0])
        snprintf (row.purpose, sizeof row.purpose, "family reunification");
    if (!row.consent_date [0])
        snprintf (row.consent_date, sizeof row.consent_date, "%.10s", now);
    mti_sql_bind_text (stmt, 1, mt_case_kind_name (c->kind), -1);
    mti_sql_bind_text (stmt, 2, now, -1);
    mti_sql_bind_text (stmt, 3, now, -1);
    mti_case_bind_facts (stmt, 4, &row, 0);
    rc = mti_sql_step (stmt) == MTI_SQL_ROW ? MT_OK : mti_db_fail (self, MT_EIO, err, "add case");
    if (rc == MT_OK)
        *id_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc != MT_OK)
        return rc;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) *id_p);
    return mt_casedb_audit (self, actor, "case.add", object, mt_case_kind_name (c->kind), err);
}

static int
s_case_read (mt_casedb_t *self, mti_case_statement which, int64_t id, mt_case_t *c,
             mt_err_t *err)
{
    memset (c, 0, sizeof *c);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, mti_case_sql (which), err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) != MTI_SQL_ROW)
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no case %lld", (long long) id);
    else {
        mti_case_read (stmt, c);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_case_get (mt_casedb_t *self, int64_t id, mt_case_t *c, mt_err_t *err)
{
    return s_case_read (self, MTI_CASE_GET, id, c, err);
}

int
mt_casedb_case_facts (mt_casedb_t *self, int64_t id, mt_case_t *c, mt_err_t *err)
{
    return s_case_read (self, MTI_CASE_FACTS, id, c, err);
}

int
mt_casedb_case_version (mt_casedb_t *self, int64_t id, int64_t *version_p, mt_err_t *err)
{
    *version_p = -1;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT version FROM cases WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    int step = mti_sql_step (stmt);
    if (step == MTI_SQL_ROW)
        *version_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (step == MTI_SQL_ROW)
        return MT_OK;
    if (step == MTI_SQL_DONE)
        return mt_err_set (err, MT_ENOTFOUND, "there is no case %lld", (long long) id);
    return mti_db_fail (self, MT_EIO, err, "read a case's version");
}

int
mt_casedb_case_changes (mt_casedb_t *self, int64_t *count_p, mt_err_t *err)
{
    *count_p = -1;
    if (mti_sql_is_pg (self->db))
        return MT_OK;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT n FROM case_changes", err);
    if (!stmt)
        return MT_EINTERNAL;
    int step = mti_sql_step (stmt);
    if (step == MTI_SQL_ROW)
        *count_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    return step == MTI_SQL_ROW ? MT_OK : mti_db_fail (self, MT_EIO, err, "read the count of changes");
}


//  A search's text without the spaces around it, the case number it names
//  ("12", "#12"; 0 when it names none) and a LIKE pattern that finds it
//  anywhere, its ASCII letters in lower case and LIKE's own characters
//  taken literally.
static void
s_search_terms (const char *q, char *text, size_t text_size, int64_t *id_p, char *pattern,
                size_t pattern_size)
{
    while (q && (*q == ' ' || *q == '\t'))
        q++;
    snprintf (text, text_size, "%s", q ? q : "");
    size_t n = strlen (text);
    while (n && (text [n - 1] == ' ' || text [n - 1] == '\t'))
        text [--n] = '\0';
    const char *digits = text [0] == '#' ? text + 1 : text;
    *id_p = 0;
    if (*digits && strspn (digits, "0123456789") == strlen (digits) && strlen (digits) <= 15)
        *id_p = strtoll (digits, NULL, 10);
    size_t at = 0;
    pattern [at++] = '%';
    for (const char *c = text; *c && at + 3 < pattern_size; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            pattern [at++] = '\\';
        pattern [at++] = *c >= 'A' && *c <= 'Z' ? (char) (*c - 'A' + 'a') : *c;
    }
    pattern [at++] = '%';
    pattern [at] = '\0';
}

static void
s_bind_filter (mti_sql_stmt_t *stmt, const mt_case_filter_t *filter, const char *text,
               int64_t id, const char *pattern)
{
    if (filter && filter->station)
        mti_sql_bind_text (stmt, 1, filter->station, -1);
    else
        mti_sql_bind_null (stmt, 1);
    int kind = filter ? filter->kind : 0;
    mti_sql_bind_text (stmt, 2, kind ? mt_case_kind_name ((mt_case_kind) kind) : "", -1);
    mti_sql_bind_text (stmt, 3, filter && filter->state ? filter->state : "", -1);
    mti_sql_bind_text (stmt, 4, text, -1);
    mti_sql_bind_int64 (stmt, 5, id);
    mti_sql_bind_text (stmt, 6, pattern, -1);
}

int
mt_casedb_cases_list (mt_casedb_t *self, const mt_case_filter_t *filter, size_t limit,
                      size_t offset, mt_case_t **cases_p, size_t *count_p, int64_t *total_p,
                      mt_err_t *err)
{
    *cases_p = NULL;
    *count_p = 0;
    if (total_p)
        *total_p = 0;
    const char *state = filter ? filter->state : NULL;
    if (state && *state && strcmp (state, "open") != 0 && strcmp (state, "closed") != 0)
        return mt_err_set (err, MT_EINVAL, "state must be open or closed");
    char text [512], pattern [1100];
    int64_t id;
    s_search_terms (filter ? filter->q : NULL, text, sizeof text, &id, pattern, sizeof pattern);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, mti_case_sql (MTI_CASE_LIST), err);
    mt_case_t *cases = stmt ? calloc (limit ? limit : 1, sizeof *cases) : NULL;
    if (!stmt || !cases) {
        mti_sql_finalize (stmt);
        return stmt ? mt_err_set (err, MT_ENOMEM, "out of memory") : MT_EINTERNAL;
    }
    s_bind_filter (stmt, filter, text, id, pattern);
    mti_sql_bind_int64 (stmt, 7, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 8, (int64_t) offset);
    int step;
    size_t count = 0;
    while (count < limit && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        mt_case_t *c = &cases [count++];
        c->candidate_count = mti_sql_column_int (stmt, mti_case_read (stmt, c));
    }
    int rc = count == limit || step == MTI_SQL_DONE ? MT_OK
           : mti_db_fail (self, MT_EIO, err, "list cases");
    mti_sql_finalize (stmt);
    if (rc == MT_OK && total_p) {
        stmt = mti_db_prepare (self, "SELECT COUNT (*) FROM cases c" MTI_CASES_WHERE, err);
        if (!stmt)
            rc = MT_EINTERNAL;
        else {
            s_bind_filter (stmt, filter, text, id, pattern);
            if (mti_sql_step (stmt) == MTI_SQL_ROW)
                *total_p = mti_sql_column_int64 (stmt, 0);
            else
                rc = mti_db_fail (self, MT_EIO, err, "count cases");
            mti_sql_finalize (stmt);
        }
    }
    if (rc != MT_OK) {
        free (cases);
        return rc;
    }
    *cases_p = cases;
    *count_p = count;
    return MT_OK;
}

int
mt_casedb_face_case (mt_casedb_t *self, int64_t face_id, int64_t *case_id_p, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT case_id FROM faces WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        *case_id_p = mti_sql_column_int64 (stmt, 0);
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no face %lld", (long long) face_id);
    mti_sql_finalize (stmt);
    return rc;
}

bool
mt_casedb_candidate_of_station (mt_casedb_t *self, int64_t case_id, const char *station)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT 1 FROM candidates k JOIN cases c ON c.id IN (k.found_case, k.missing_case)"
        " WHERE (k.found_case = ?1 OR k.missing_case = ?1) AND c.id != ?1 AND c.station = ?2"
        " AND k.state != 'rejected'"
        " UNION ALL SELECT 1 FROM same_person s JOIN cases c ON c.id IN (s.case_a, s.case_b)"
        " WHERE (s.case_a = ?1 OR s.case_b = ?1) AND c.id != ?1 AND c.station = ?2"
        " AND s.state != 'different' LIMIT 1", NULL);
    bool yes = false;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_text (stmt, 2, station ? station : "", -1);
        yes = mti_sql_step (stmt) == MTI_SQL_ROW;
    }
    mti_sql_finalize (stmt);
    return yes;
}

int
mt_casedb_case_close (mt_casedb_t *self, int64_t id, const char *reason, const char *actor,
                      mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (self, id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (!reason || !*reason)
        return mt_err_set (err, MT_EINVAL, "closing a case needs a reason");
    rc = mti_text_ok (reason, "reason", MT_CASE_REASON_CHARS, err);
    if (rc != MT_OK)
        return rc;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE cases SET state = 'closed', closed_reason = ?1,"
        " updated_at = ?2, closed_at = COALESCE (closed_at, ?2) WHERE id = ?3", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_text (stmt, 1, reason, -1);
    mti_sql_bind_text (stmt, 2, now, -1);
    mti_sql_bind_int64 (stmt, 3, id);
    rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                             : mti_db_fail (self, MT_EIO, err, "close case");
    mti_sql_finalize (stmt);
    //  A closed case leaves the index: its faces are removed from every
    //  shard by the matcher (the rows stay, flagged removed).
    stmt = rc == MT_OK ? mti_db_prepare (self, "INSERT INTO removal_queue (case_id, queued_at)"
                                               " VALUES (?, ?) ON CONFLICT DO NOTHING", err)
                       : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, id);
        mti_sql_bind_text (stmt, 2, now, -1);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "queue removal");
        mti_sql_finalize (stmt);
    }
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "case.close", object, reason, err);
    return rc;
}
