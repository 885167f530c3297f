//  mt_casedb_idem - the answers to requests sent with an Idempotency-Key:
//  a second request with the same key (a double click, a retry after a lost
//  answer) gets the first answer instead of doing the work again. Kept per
//  user for a day.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  How long an answer is kept.
#define S_KEEP_S (24 * 3600)

//  The time S_KEEP_S ago as the store writes times (ISO 8601 UTC).
static void
s_oldest (char *buf, size_t size)
{
    time_t t = time (NULL) - S_KEEP_S;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
mt_casedb_idem_get (mt_casedb_t *self, const char *actor, const char *key, mt_idem_t *idem,
                    mt_err_t *err)
{
    memset (idem, 0, sizeof *idem);
    char oldest [32];
    s_oldest (oldest, sizeof oldest);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT method, request, result FROM idempotency"
        " WHERE actor = ? AND ikey = ? AND created_at >= ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, actor, -1);
    mti_sql_bind_text (stmt, 2, key, -1);
    mti_sql_bind_text (stmt, 3, oldest, -1);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        mti_db_copy (idem->method, sizeof idem->method, mti_sql_column_text (stmt, 0));
        mti_db_copy (idem->request, sizeof idem->request, mti_sql_column_text (stmt, 1));
        idem->result = strdup ((const char *) mti_sql_column_text (stmt, 2));
        if (!idem->result)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "no answer kept for this key");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_idem_put (mt_casedb_t *self, const char *actor, const char *key, const char *method,
                    const char *request, const char *result, mt_err_t *err)
{
    char now [32], oldest [32];
    mti_db_now (now, sizeof now);
    s_oldest (oldest, sizeof oldest);
    //  Answers older than a day go as new ones come.
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "DELETE FROM idempotency WHERE created_at < ?",
                                           err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, oldest, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "idempotency");
    mti_sql_finalize (stmt);
    stmt = rc == MT_OK ? mti_db_prepare (self,
        "INSERT INTO idempotency (actor, ikey, method, request, result, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", err) : NULL;
    if (!stmt)
        return rc == MT_OK ? MT_EINTERNAL : rc;
    mti_sql_bind_text (stmt, 1, actor, -1);
    mti_sql_bind_text (stmt, 2, key, -1);
    mti_sql_bind_text (stmt, 3, method, -1);
    mti_sql_bind_text (stmt, 4, request, -1);
    mti_sql_bind_text (stmt, 5, result, -1);
    mti_sql_bind_text (stmt, 6, now, -1);
    rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                             : mti_db_fail (self, MT_EIO, err, "idempotency");
    mti_sql_finalize (stmt);
    return rc;
}
