//  mt_casedb_crossmatch - the cross-match's one row of progress, the
//  open cases it walks through in id order, the found cases it leaves to
//  score again, and the index of pairs it leaves out while it runs.

#include "results/store/mt_casedb.h"

#include "mti_casedb.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int
mt_casedb_crossmatch_get (mt_casedb_t *self, mt_crossmatch_t *cm, mt_err_t *err)
{
    memset (cm, 0, sizeof *cm);
    snprintf (cm->state, sizeof cm->state, "idle");
    cm->kind = MT_KIND_FOUND;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT state, kind, after_case, cases_done, faces_done, cases_total, started_at,"
        " updated_at FROM crossmatch WHERE id = 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    int step = mti_sql_step (stmt);
    if (step == MTI_SQL_ROW) {
        snprintf (cm->state, sizeof cm->state, "%s",
                  (const char *) mti_sql_column_text (stmt, 0));
        cm->kind = mt_case_kind_from_name ((const char *) mti_sql_column_text (stmt, 1));
        cm->after_case = mti_sql_column_int64 (stmt, 2);
        cm->cases_done = mti_sql_column_int64 (stmt, 3);
        cm->faces_done = mti_sql_column_int64 (stmt, 4);
        cm->cases_total = mti_sql_column_int64 (stmt, 5);
        cm->started_at = mti_sql_column_int64 (stmt, 6);
        cm->updated_at = mti_sql_column_int64 (stmt, 7);
    }
    int rc = step == MTI_SQL_ROW || step == MTI_SQL_DONE
           ? MT_OK : mti_db_fail (self, MT_EIO, err, "read the cross-match's progress");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_crossmatch_put (mt_casedb_t *self, const mt_crossmatch_t *cm, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO crossmatch (id, state, kind, after_case, cases_done, faces_done,"
        " cases_total, started_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET state = excluded.state, kind = excluded.kind,"
        " after_case = excluded.after_case, cases_done = excluded.cases_done,"
        " faces_done = excluded.faces_done, cases_total = excluded.cases_total,"
        " started_at = excluded.started_at, updated_at = excluded.updated_at", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, cm->state, -1);
    mti_sql_bind_text (stmt, 2, mt_case_kind_name (cm->kind), -1);
    mti_sql_bind_int64 (stmt, 3, cm->after_case);
    mti_sql_bind_int64 (stmt, 4, cm->cases_done);
    mti_sql_bind_int64 (stmt, 5, cm->faces_done);
    mti_sql_bind_int64 (stmt, 6, cm->cases_total);
    mti_sql_bind_int64 (stmt, 7, cm->started_at);
    mti_sql_bind_int64 (stmt, 8, (int64_t) time (NULL));
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE
           ? MT_OK : mti_db_fail (self, MT_EIO, err, "record the cross-match's progress");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_crossmatch_start (mt_casedb_t *self, mt_crossmatch_t *cm, mt_err_t *err)
{
    memset (cm, 0, sizeof *cm);
    snprintf (cm->state, sizeof cm->state, "running");
    cm->kind = MT_KIND_FOUND;
    cm->started_at = (int64_t) time (NULL);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT COUNT (*) FROM cases WHERE state = 'open'", err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = mti_sql_step (stmt) == MTI_SQL_ROW
           ? MT_OK : mti_db_fail (self, MT_EIO, err, "count the open cases");
    if (rc == MT_OK)
        cm->cases_total = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc == MT_OK)
        rc = mt_casedb_crossmatch_put (self, cm, err);
    return rc;
}

int
mt_casedb_open_cases_after (mt_casedb_t *self, mt_case_kind kind, int64_t after, int64_t *ids,
                            size_t max, size_t *count_p, mt_err_t *err)
{
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT id FROM cases WHERE state = 'open' AND kind = ? AND id > ? ORDER BY id LIMIT ?",
        err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, mt_case_kind_name (kind), -1);
    mti_sql_bind_int64 (stmt, 2, after);
    mti_sql_bind_int64 (stmt, 3, (int64_t) max);
    return mti_db_ids (self, stmt, ids, max, count_p, "list the open cases", err);
}

int
mt_casedb_rescore_due_add (mt_casedb_t *self, const int64_t *ids, size_t count, mt_err_t *err)
{
    return mti_db_each_id (self, "INSERT INTO rescore_due (found_case) VALUES (?)"
                                 " ON CONFLICT DO NOTHING", ids, count,
                           "keep the scores to compute", err);
}

int
mt_casedb_rescore_due_done (mt_casedb_t *self, const int64_t *ids, size_t count, mt_err_t *err)
{
    return mti_db_each_id (self, "DELETE FROM rescore_due WHERE found_case = ?", ids, count,
                           "keep the scores to compute", err);
}

int
mt_casedb_rescore_due_next (mt_casedb_t *self, int64_t *ids, size_t max, size_t *count_p,
                            mt_err_t *err)
{
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT found_case FROM rescore_due"
                                                 " ORDER BY found_case LIMIT ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, (int64_t) max);
    return mti_db_ids (self, stmt, ids, max, count_p, "read the scores to compute", err);
}

int
mt_casedb_weigh_index (mt_casedb_t *self, bool on, bool *changed_p, mt_err_t *err)
{
    if (changed_p)
        *changed_p = false;
    //  Inside a transaction the change would be the caller's to undo.
    if (self->depth > 0)
        return mt_err_set (err, MT_EINVAL, "the index of pairs is built or dropped "
                           "outside a transaction");
    if (mti_sql_is_pg (self->db))
        return MT_OK;
    int64_t there = mti_db_number (self, "SELECT COUNT (*) FROM sqlite_master"
                                         " WHERE type = 'index' AND name = ?1",
                                   MTI_CASEDB_WEIGH_INDEX);
    if (there < 0)
        return mti_db_fail (self, MT_EIO, err, "look for the index of pairs by found case");
    if ((there > 0) == on)
        return MT_OK;
    int rc = mt_casedb_begin (self, err);
    if (rc == MT_OK)
        rc = mti_db_exec (self, on ? "CREATE INDEX IF NOT EXISTS " MTI_CASEDB_WEIGH_INDEX
                                     " ON " MTI_CASEDB_WEIGH_INDEX_ON
                                   : "DROP INDEX IF EXISTS " MTI_CASEDB_WEIGH_INDEX, err);
    rc = mt_casedb_commit (self, rc, err);
    if (rc == MT_OK && changed_p)
        *changed_p = true;
    return rc;
}
