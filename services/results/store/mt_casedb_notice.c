//  mt_casedb_notice - relatives to tell (issue 27): a decision on a found
//  person and a report that the family must hear of, one row a report and
//  found person (its latest decision), and who told the family, when and
//  how. Written in the decision's transaction (results_workflow.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLUMNS \
    " n.missing_case, n.found_case, n.decision, n.decided_by, n.decided_at, n.told_by," \
    " n.told_at, n.note"

//  The notices a filter lets through (as n, their report as c): ?1 the
//  station (NULL any), ?2 told (-1 either), ?3 a case (0 any). (PostgreSQL
//  needs ?1's type before IS NULL, and would take ?2 and ?3 for 32-bit
//  integers from the 0 beside them: the CASTs.)
#define S_LISTED \
    " FROM notices n JOIN cases c ON c.id = n.missing_case" \
    " WHERE (CAST (?1 AS TEXT) IS NULL OR c.station = ?1)" \
    " AND (CAST (?2 AS BIGINT) < 0 OR (?2 = 0 AND n.told_at IS NULL)" \
    "  OR (?2 = 1 AND n.told_at IS NOT NULL))" \
    " AND (CAST (?3 AS BIGINT) = 0 OR n.missing_case = ?3 OR n.found_case = ?3)"

static void
s_row (mti_sql_stmt_t *stmt, mt_notice_row_t *row)
{
    memset (row, 0, sizeof *row);
    row->missing_case = mti_sql_column_int64 (stmt, 0);
    row->found_case = mti_sql_column_int64 (stmt, 1);
    mti_db_copy (row->decision, sizeof row->decision, mti_sql_column_text (stmt, 2));
    mti_db_copy (row->decided_by, sizeof row->decided_by, mti_sql_column_text (stmt, 3));
    mti_db_copy (row->decided_at, sizeof row->decided_at, mti_sql_column_text (stmt, 4));
    mti_db_copy (row->told_by, sizeof row->told_by, mti_sql_column_text (stmt, 5));
    mti_db_copy (row->told_at, sizeof row->told_at, mti_sql_column_text (stmt, 6));
    mti_db_copy (row->note, sizeof row->note, mti_sql_column_text (stmt, 7));
}

static void
s_bind_filter (mti_sql_stmt_t *stmt, const mt_notice_filter_t *filter)
{
    if (filter->station)
        mti_sql_bind_text (stmt, 1, filter->station, -1);
    else
        mti_sql_bind_null (stmt, 1);
    mti_sql_bind_int64 (stmt, 2, filter->told);
    mti_sql_bind_int64 (stmt, 3, filter->case_id);
}

int
mt_casedb_notice_add (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                      const char *decision, const char *actor, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO notices (missing_case, found_case, decision, decided_by, decided_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (missing_case, found_case) DO UPDATE SET"
        " decision = excluded.decision, decided_by = excluded.decided_by,"
        " decided_at = excluded.decided_at, told_by = NULL, told_at = NULL, note = NULL", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, missing_case);
    mti_sql_bind_int64 (stmt, 2, found_case);
    mti_sql_bind_text (stmt, 3, decision, -1);
    mti_sql_bind_text (stmt, 4, actor, -1);
    mti_sql_bind_text (stmt, 5, now, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "a notice");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_notice_spread (mt_casedb_t *self, int64_t group, const char *actor, mt_err_t *err)
{
    //  Each report r of the group and each found person f whom a report of
    //  the group is paired with at a DNA test under way or a match
    //  confirmed (the stronger, where both): what r's family is to hear,
    //  by the link (actor, now), unless it is what it was told or is to
    //  be told already.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO notices (missing_case, found_case, decision, decided_by, decided_at)"
        " SELECT r.id, k.found_case, MIN (k.state), ?2, ?3"
        " FROM cases r JOIN cases m ON m.person_group = r.person_group"
        " JOIN candidates k ON k.missing_case = m.id"
        " WHERE r.person_group = ?1 AND r.kind = 'missing'"
        " AND k.state IN ('dna_requested', 'confirmed')"
        " GROUP BY r.id, k.found_case"
        " ON CONFLICT (missing_case, found_case) DO UPDATE SET decision = excluded.decision,"
        " decided_by = excluded.decided_by, decided_at = excluded.decided_at,"
        " told_by = NULL, told_at = NULL, note = NULL"
        " WHERE notices.decision != excluded.decision", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, group);
    mti_sql_bind_text (stmt, 2, actor, -1);
    mti_sql_bind_text (stmt, 3, now, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "a notice");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_notice_unspread (mt_casedb_t *self, int64_t case_a, int64_t case_b, mt_err_t *err)
{
    //  The untold notices of the two reports' groups (as they are now)
    //  whose decision no pair of the report's own group stands at.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "DELETE FROM notices WHERE told_at IS NULL AND missing_case IN (SELECT c.id FROM cases c"
        "  WHERE c.id IN (?1, ?2) OR c.person_group IN (SELECT g.person_group FROM cases g"
        "   WHERE g.id IN (?1, ?2) AND g.person_group IS NOT NULL))"
        " AND NOT EXISTS (SELECT 1 FROM candidates k JOIN cases m ON m.id = k.missing_case"
        "  WHERE k.found_case = notices.found_case AND k.state = notices.decision"
        "  AND (m.id = notices.missing_case OR m.person_group = (SELECT o.person_group"
        "   FROM cases o WHERE o.id = notices.missing_case)))", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_a);
    mti_sql_bind_int64 (stmt, 2, case_b);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "a notice");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_notice_get (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                      mt_notice_row_t *row, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT" S_COLUMNS " FROM notices n"
                                           " WHERE n.missing_case = ? AND n.found_case = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, missing_case);
    mti_sql_bind_int64 (stmt, 2, found_case);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        s_row (stmt, row);
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "nothing is to be told to the family of case %lld "
                         "about case %lld", (long long) missing_case, (long long) found_case);
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_notices (mt_casedb_t *self, const mt_notice_filter_t *filter, size_t limit,
                   size_t offset, mt_notice_row_t **rows_p, size_t *count_p, int64_t *total_p,
                   mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    if (total_p) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT COUNT (*)" S_LISTED, err);
        if (!stmt)
            return MT_EINTERNAL;
        s_bind_filter (stmt, filter);
        *total_p = mti_sql_step (stmt) == MTI_SQL_ROW ? mti_sql_column_int64 (stmt, 0) : 0;
        mti_sql_finalize (stmt);
    }
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT" S_COLUMNS S_LISTED
        " ORDER BY n.told_at IS NULL DESC, n.decided_at, n.missing_case, n.found_case"
        " LIMIT ?4 OFFSET ?5", err);
    if (!stmt)
        return MT_EINTERNAL;
    s_bind_filter (stmt, filter);
    mti_sql_bind_int64 (stmt, 4, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 5, (int64_t) offset);
    //  (grown as rows come: an export asks for every one of a case's)
    mt_notice_row_t *rows = NULL;
    size_t n = 0, size = 0;
    int rc = MT_OK;
    while (rc == MT_OK && n < limit && mti_sql_step (stmt) == MTI_SQL_ROW)
        if ((rc = mti_db_room (&rows, n, &size, sizeof *rows, 16, err)) == MT_OK)
            s_row (stmt, &rows [n++]);
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (rows);
        return rc;
    }
    *rows_p = rows;
    *count_p = n;
    return MT_OK;
}

int
mt_casedb_notice_told (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                       const char *note, const char *actor, mt_err_t *err)
{
    int rc = mti_text_ok (note, "note", 500, err);
    mt_notice_row_t row;
    if (rc == MT_OK)
        rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_notice_get (self, missing_case, found_case, &row, err);
    if (rc == MT_OK && row.told_at [0])
        rc = mt_err_set (err, MT_ECONFLICT, "the family was told already, by %s at %s",
                         row.told_by, row.told_at);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE notices SET told_by = ?, told_at = ?, note = ?"
        " WHERE missing_case = ? AND found_case = ?", err) : NULL;
    if (rc == MT_OK && !stmt)
        rc = MT_EINTERNAL;
    if (rc == MT_OK) {
        char now [32];
        mti_db_now (now, sizeof now);
        mti_sql_bind_text (stmt, 1, actor, -1);
        mti_sql_bind_text (stmt, 2, now, -1);
        mti_db_bind_text (stmt, 3, note);
        mti_sql_bind_int64 (stmt, 4, missing_case);
        mti_sql_bind_int64 (stmt, 5, found_case);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "a family told");
    }
    mti_sql_finalize (stmt);
    //  Audited as reviews are (found F / missing M: both cases' audit
    //  finds it); how they were told stays in the notice, not in the
    //  log, so that an erasure can remove it.
    if (rc == MT_OK) {
        char object [64], detail [64];
        snprintf (object, sizeof object, "found %lld / missing %lld", (long long) found_case,
                  (long long) missing_case);
        snprintf (detail, sizeof detail, "told of %s", row.decision);
        rc = mt_casedb_audit (self, actor, "family.told", object, detail, err);
    }
    return mt_casedb_commit (self, rc, err);
}
