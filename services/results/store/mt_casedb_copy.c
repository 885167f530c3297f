//  mt_casedb_copy - every record of one case store into another, empty
//  one: SQLite to PostgreSQL (homeward migrate-store) and back (a
//  PostgreSQL store's snapshot for a backup). Both schemas hold the same
//  columns in the same order (mt_casedb_pg.c), so rows copy value by value.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <string.h>

//  In the order that foreign keys allow.
static const char *s_tables [] = {
    "cases", "photos", "faces", "match_queue", "removal_queue", "face_removal_queue",
    "candidates", "reviews", "audit", "crossmatch", "idempotency", "rescore_due", "same_person",
    "notices", "same_due"
};
#define S_TABLES (sizeof s_tables / sizeof s_tables [0])

//  The tables whose ids a counter hands out (never reused).
static const char *s_counted [] = { "cases", "photos", "faces", "reviews", "audit" };
#define S_COUNTED (sizeof s_counted / sizeof s_counted [0])

bool
mt_casedb_target_is_pg (const char *target)
{
    return mti_sql_target_is_pg (target);
}

void
mt_casedb_target_shown (const char *target, char *out, size_t size)
{
    snprintf (out, size, "%s", target);
    if (!mti_sql_target_is_pg (target))
        return;
    //  scheme://user:password@host...
    const char *user = strstr (target, "://") + 3;
    const char *at = strchr (user, '@');
    const char *colon = at ? memchr (user, ':', (size_t) (at - user)) : NULL;
    if (colon)
        snprintf (out, size, "%.*s:***%s", (int) (colon - target), target, at);
    //  A password=... parameter.
    char *param = strstr (out, "password=");
    if (param) {
        char *end = strchr (param, '&');
        char rest [512];
        snprintf (rest, sizeof rest, "%s", end ? end : "");
        snprintf (param, size - (size_t) (param - out), "password=***%s", rest);
    }
}

static int
s_copy_value (mti_sql_stmt_t *row, int col, mti_sql_stmt_t *put)
{
    switch (mti_sql_column_type (row, col)) {
        case MTI_SQL_INTEGER:
            mti_sql_bind_int64 (put, col + 1, mti_sql_column_int64 (row, col));
            break;
        case MTI_SQL_FLOAT:
            mti_sql_bind_double (put, col + 1, mti_sql_column_double (row, col));
            break;
        case MTI_SQL_TEXT: {
            const char *text = (const char *) mti_sql_column_text (row, col);
            mti_sql_bind_text (put, col + 1, text, mti_sql_column_bytes (row, col));
            break;
        }
        case MTI_SQL_BLOB: {
            const void *blob = mti_sql_column_blob (row, col);
            mti_sql_bind_blob (put, col + 1, blob, mti_sql_column_bytes (row, col));
            break;
        }
        default:
            mti_sql_bind_null (put, col + 1);
    }
    return MT_OK;
}

static int
s_copy_table (mt_casedb_t *from, mt_casedb_t *to, const char *table, int64_t *rows_p,
              mt_err_t *err)
{
    *rows_p = 0;
    char sql [1024];
    snprintf (sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", table);
    mti_sql_stmt_t *row = mti_db_prepare (from, sql, err);
    if (!row)
        return MT_EINTERNAL;
    mti_sql_stmt_t *put = NULL;
    int rc = MT_OK;
    int step;
    while (rc == MT_OK && (step = mti_sql_step (row)) == MTI_SQL_ROW) {
        int columns = mti_sql_column_count (row);
        if (!put) {
            int at = snprintf (sql, sizeof sql, "INSERT INTO %s VALUES (", table);
            for (int col = 0; col < columns && at < (int) sizeof sql - 4; col++)
                at += snprintf (sql + at, sizeof sql - (size_t) at, col ? ", ?" : "?");
            snprintf (sql + at, sizeof sql - (size_t) at, ")");
            put = mti_db_prepare (to, sql, err);
            if (!put) {
                rc = MT_EINTERNAL;
                break;
            }
        }
        for (int col = 0; col < columns; col++)
            s_copy_value (row, col, put);
        if (mti_sql_step (put) != MTI_SQL_DONE) {
            char what [64];
            snprintf (what, sizeof what, "copy into %s", table);
            rc = mti_db_fail (to, MT_EIO, err, what);
        }
        mti_sql_reset (put);
        (*rows_p)++;
    }
    if (rc == MT_OK && step != MTI_SQL_DONE)
        rc = mti_db_fail (from, MT_EIO, err, "read the store being copied");
    mti_sql_finalize (put);
    mti_sql_finalize (row);
    return rc;
}

//  Where the id counter of table stands (the last id handed out).
static int64_t
s_counter (mt_casedb_t *self, const char *table)
{
    char sql [256];
    if (mti_sql_is_pg (self->db)) {
        snprintf (sql, sizeof sql, "%s_id_seq", table);
        int64_t seq = mti_db_number (self, "SELECT COALESCE ((SELECT last_value FROM pg_sequences"
                                     " WHERE schemaname = current_schema ()"
                                     " AND sequencename = ?), 0)", sql);
        return seq;
    }
    return mti_db_number (self, "SELECT COALESCE ((SELECT seq FROM sqlite_sequence"
                          " WHERE name = ?), 0)", table);
}

static int
s_counter_set (mt_casedb_t *self, const char *table, int64_t value, mt_err_t *err)
{
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT COALESCE (MAX (id), 0) FROM %s", table);
    int64_t highest = mti_db_number (self, sql, NULL);
    if (highest < 0)
        return mti_db_fail (self, MT_EIO, err, "read the highest id");
    if (value < highest)
        value = highest;
    if (mti_sql_is_pg (self->db))
        snprintf (sql, sizeof sql, "SELECT setval (pg_get_serial_sequence ('%s', 'id'), %lld, %s)",
                  table, (long long) (value > 0 ? value : 1), value > 0 ? "true" : "false");
    else
        snprintf (sql, sizeof sql, "DELETE FROM sqlite_sequence WHERE name = '%s';"
                  " INSERT INTO sqlite_sequence (name, seq) VALUES ('%s', %lld)",
                  table, table, (long long) value);
    return mti_db_exec (self, sql, err);
}

int
mt_casedb_copy (mt_casedb_t *from, mt_casedb_t *to, mt_casedb_copy_fn *progress, void *arg,
                mt_err_t *err)
{
    if (from->version != to->version)
        return mt_err_set (err, MT_EINVAL, "the stores have schemas %d and %d: open both with "
                           "the same version of Homeward", from->version, to->version);
    char sql [128];
    for (size_t at = 0; at < S_TABLES; at++) {
        snprintf (sql, sizeof sql, "SELECT COUNT (*) FROM %s", s_tables [at]);
        int64_t rows = mti_db_number (to, sql, NULL);
        if (rows != 0)
            return rows < 0 ? mti_db_fail (to, MT_EIO, err, "count the target's records")
                            : mt_err_set (err, MT_EINVAL, "the target store is not empty (%lld "
                                          "rows in %s): copy only into a new store",
                                          (long long) rows, s_tables [at]);
    }
    //  One snapshot of from: a read transaction (SQLite in WAL mode and
    //  PostgreSQL's repeatable read both let writers go on meanwhile).
    int rc = mti_db_exec (from, mti_sql_is_pg (from->db)
                                ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
                          err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (to, err);
    for (size_t at = 0; rc == MT_OK && at < S_TABLES; at++) {
        int64_t rows = 0;
        rc = s_copy_table (from, to, s_tables [at], &rows, err);
        if (rc == MT_OK && progress)
            progress (s_tables [at], rows, arg);
    }
    for (size_t at = 0; rc == MT_OK && at < S_COUNTED; at++) {
        int64_t counter = s_counter (from, s_counted [at]);
        rc = counter < 0 ? mti_db_fail (from, MT_EIO, err, "read an id counter")
                         : s_counter_set (to, s_counted [at], counter, err);
    }
    rc = mt_casedb_commit (to, rc, err);
    mti_db_exec (from, "ROLLBACK", NULL);
    //  The planner's statistics of the new tables, now rather than when
    //  autovacuum comes by: without them PostgreSQL scans whole tables for
    //  a case's photos (seen: 0.4 s instead of 0.3 ms at 100k cases).
    //  VACUUM also marks the pages all-visible, so that counts come from
    //  indexes alone.
    if (rc == MT_OK)
        rc = mti_db_exec (to, mti_sql_is_pg (to->db) ? "VACUUM ANALYZE" : "ANALYZE", err);
    return rc;
}
