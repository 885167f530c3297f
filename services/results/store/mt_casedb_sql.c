//  mt_casedb_sql - the case store's statements and transactions, over
//  mti_sql (SQLite or PostgreSQL), and reading rows into growing arrays:
//  what every other mt_casedb file uses.

#include "results/store/mt_casedb.h"
#include "base/mt_text.h"
#include "mti_casedb.h"

#include "base/mt_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
mti_db_fail (mt_casedb_t *self, int code, mt_err_t *err, const char *what)
{
    //  A full disk is told as such: callers back off and health says so.
    if (mti_sql_full (self->db))
        code = MT_ENOSPACE;
    return mt_err_set (err, code, "%s: %s", what, mti_sql_errmsg (self->db));
}

int
mti_db_exec (mt_casedb_t *self, const char *sql, mt_err_t *err)
{
    return mti_sql_exec (self->db, sql, err);
}

mti_sql_stmt_t *
mti_db_prepare (mt_casedb_t *self, const char *sql, mt_err_t *err)
{
    return mti_sql_prepare (self->db, sql, err);
}

void
mti_db_now (char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
mti_db_copy (char *dst, size_t size, const unsigned char *text)
{
    //  Cut to fit on a whole character: text cut inside one is not UTF-8,
    //  which JSON (and a person) cannot take.
    if (snprintf (dst, size, "%s", text ? (const char *) text : "") >= (int) size)
        mt_text_trim_utf8 (dst);
}

void
mti_db_bind_text (mti_sql_stmt_t *stmt, int at, const char *text)
{
    if (text && *text)
        mti_sql_bind_text (stmt, at, text, -1);
    else
        mti_sql_bind_null (stmt, at);
}

static void
s_turn_give (mt_casedb_t *self)
{
    if (self->has_turn)
        mti_turn_give (self->turns);
    self->has_turn = false;
}

int
mt_casedb_begin (mt_casedb_t *self, mt_err_t *err)
{
    //  Inside a transaction, a savepoint: the inner part commits with the
    //  outer one, or is undone alone.
    if (self->depth > 0) {
        char sql [48];
        snprintf (sql, sizeof sql, "SAVEPOINT hw_%d", self->depth);
        int rc = mti_db_exec (self, sql, err);
        if (rc == MT_OK)
            self->depth++;
        return rc;
    }
    //  This process's writers in the order they asked (mti_turn.h).
    self->has_turn = self->turns && mti_turn_take (self->turns);
    int rc = mti_db_exec (self, "BEGIN IMMEDIATE", err);
    if (rc == MT_OK)
        self->depth = 1;
    else
        s_turn_give (self);
    return rc;
}

int
mt_casedb_commit (mt_casedb_t *self, int rc, mt_err_t *err)
{
    if (self->depth > 1) {
        char sql [96];
        self->depth--;
        if (rc == MT_OK) {
            snprintf (sql, sizeof sql, "RELEASE SAVEPOINT hw_%d", self->depth);
            return mti_db_exec (self, sql, err);
        }
        snprintf (sql, sizeof sql, "ROLLBACK TO SAVEPOINT hw_%d; RELEASE SAVEPOINT hw_%d",
                  self->depth, self->depth);
        mti_db_exec (self, sql, NULL);
        return rc;
    }
    self->depth = 0;
    if (rc == MT_OK)
        rc = mti_db_exec (self, "COMMIT", err);
    else
        mti_db_exec (self, "ROLLBACK", NULL);
    s_turn_give (self);
    return rc;
}

int
mti_db_room (void *rows_p, size_t count, size_t *size, size_t row_size, size_t first,
             mt_err_t *err)
{
    if (count < *size)
        return MT_OK;
    //  The caller's pointer is read and written as bytes: it may point to
    //  any type of row.
    void *rows;
    memcpy (&rows, rows_p, sizeof rows);
    size_t more = *size ? *size * 2 : first;
    void *grown = realloc (rows, more * row_size);
    if (!grown)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    memcpy (rows_p, &grown, sizeof grown);
    *size = more;
    return MT_OK;
}

int
mti_db_shas (mti_sql_stmt_t *stmt, char (**shas_p) [65], size_t *count_p, mt_err_t *err)
{
    size_t size = 0;
    int rc = MT_OK;
    while (rc == MT_OK && mti_sql_step (stmt) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (shas_p, *count_p, &size, sizeof **shas_p, 8, err)) != MT_OK)
            break;
        mti_db_copy ((*shas_p) [(*count_p)++], 65, mti_sql_column_text (stmt, 0));
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mti_db_ids (mt_casedb_t *self, mti_sql_stmt_t *stmt, int64_t *ids, size_t max, size_t *count_p,
            const char *what, mt_err_t *err)
{
    int step = MTI_SQL_DONE;
    while (*count_p < max && (step = mti_sql_step (stmt)) == MTI_SQL_ROW)
        ids [(*count_p)++] = mti_sql_column_int64 (stmt, 0);
    if (*count_p == max)
        step = MTI_SQL_DONE;
    int rc = step == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, what);
    mti_sql_finalize (stmt);
    return rc;
}

int
mti_db_each_id (mt_casedb_t *self, const char *sql, const int64_t *ids, size_t count,
                const char *what, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = count ? mti_db_prepare (self, sql, err) : NULL;
    if (count && !stmt)
        return MT_EINTERNAL;
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mti_sql_reset (stmt);
        mti_sql_bind_int64 (stmt, 1, ids [i]);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, what);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int64_t
mti_db_number (mt_casedb_t *self, const char *sql, const char *text)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, NULL);
    if (stmt && text)
        mti_sql_bind_text (stmt, 1, text, -1);
    int64_t n = stmt && mti_sql_step (stmt) == MTI_SQL_ROW ? mti_sql_column_int64 (stmt, 0) : -1;
    mti_sql_finalize (stmt);
    return n;
}

int
mti_db_first (mt_casedb_t *self, const char *sql, int64_t *a, int64_t *b, const char *none,
              mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        *a = mti_sql_column_int64 (stmt, 0);
        *b = mti_sql_column_int64 (stmt, 1);
    }
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "%s", none);
    mti_sql_finalize (stmt);
    return rc;
}

int
mti_text_ok (const char *text, const char *what, size_t max_chars, mt_err_t *err)
{
    if (!text)
        return MT_OK;
    if (!mt_utf8_valid (text, strlen (text)))
        return mt_err_set (err, MT_EINVAL, "the %s is not valid UTF-8 text", what);
    if (mt_utf8_chars (text) > max_chars)
        return mt_err_set (err, MT_EINVAL, "the %s has more than %zu characters", what,
                           max_chars);
    return MT_OK;
}
