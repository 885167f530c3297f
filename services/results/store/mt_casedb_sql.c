//  mt_casedb_sql - the case store's statements and transactions, over
//  mti_sql (SQLite or PostgreSQL): what every other mt_casedb file uses.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
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
    snprintf (dst, size, "%s", text ? (const char *) text : "");
}

void
mti_db_bind_text (mti_sql_stmt_t *stmt, int at, const char *text)
{
    if (text && *text)
        mti_sql_bind_text (stmt, at, text, -1);
    else
        mti_sql_bind_null (stmt, at);
}

int
mt_casedb_begin (mt_casedb_t *self, mt_err_t *err)
{
    return mti_db_exec (self, "BEGIN IMMEDIATE", err);
}

int
mt_casedb_commit (mt_casedb_t *self, int rc, mt_err_t *err)
{
    if (rc == MT_OK)
        return mti_db_exec (self, "COMMIT", err);
    mti_db_exec (self, "ROLLBACK", NULL);
    return rc;
}
