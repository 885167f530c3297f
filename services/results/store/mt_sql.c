//  mt_sql - the statement layer: SQLite here, PostgreSQL in mt_sql_pg.c.

#include "mti_sql.h"
#include "mti_sql_pg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  SQLite's statements, kept prepared once used (PostgreSQL's are kept by
//  mt_sql_pg.c): a statement is parsed and planned once per connection,
//  not at each use (a case's candidates weighed read ~50 cases, each a
//  30-column statement that took longer to prepare than to run).
#define S_KEPT_MAX 128

typedef struct {
    char *sql;
    sqlite3_stmt *lite;
    bool busy;                  //  handed out and not finalized yet
} s_kept_t;

struct mti_sql {
    sqlite3 *lite;              //  one of lite and pg
    mti_pg_t pg;
    bool is_pg;
    pthread_mutex_t lock;
    s_kept_t kept [S_KEPT_MAX];
    size_t kept_count;
};

struct mti_sql_stmt {
    mti_sql_t *db;
    sqlite3_stmt *lite;
    mti_pg_stmt_t pg;
    s_kept_t *kept;             //  where lite is kept, or NULL
};

bool
mti_sql_target_is_pg (const char *target)
{
    return target && (strncmp (target, "postgresql://", 13) == 0
                      || strncmp (target, "postgres://", 11) == 0);
}

int
mti_sql_open (const char *target, mti_sql_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mti_sql_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    pthread_mutex_init (&self->lock, NULL);
    self->is_pg = mti_sql_target_is_pg (target);
    int rc = MT_OK;
    if (self->is_pg)
        rc = mti_pg_open (&self->pg, target, err);
    else
    if (sqlite3_open_v2 (target, &self->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                              | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
        rc = mt_err_set (err, MT_EIO, "cannot open database %s: %s", target,
                         self->lite ? sqlite3_errmsg (self->lite) : "out of memory");
    else
        sqlite3_busy_timeout (self->lite, MTI_SQL_BUSY_MS);
    if (rc != MT_OK) {
        mti_sql_close (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mti_sql_close (mti_sql_t **self_p)
{
    if (self_p && *self_p) {
        mti_sql_t *self = *self_p;
        for (size_t i = 0; i < self->kept_count; i++) {
            sqlite3_finalize (self->kept [i].lite);
            free (self->kept [i].sql);
        }
        if (self->is_pg)
            mti_pg_close (&self->pg);
        else
            sqlite3_close_v2 (self->lite);
        pthread_mutex_destroy (&self->lock);
        free (self);
        *self_p = NULL;
    }
}

bool
mti_sql_is_pg (mti_sql_t *self)
{
    return self->is_pg;
}

sqlite3 *
mti_sql_sqlite (mti_sql_t *self)
{
    return self->lite;
}

int
mti_sql_exec (mti_sql_t *self, const char *sql, mt_err_t *err)
{
    pthread_mutex_lock (&self->lock);
    int rc = MT_OK;
    if (self->is_pg)
        rc = mti_pg_exec (&self->pg, sql, err);
    else {
        char *why = NULL;
        int step = sqlite3_exec (self->lite, sql, NULL, NULL, &why);
        if (step != SQLITE_OK)
            rc = mt_err_set (err, step == SQLITE_FULL ? MT_ENOSPACE : MT_EIO, "database: %s",
                             why ? why : "error");
        sqlite3_free (why);
    }
    pthread_mutex_unlock (&self->lock);
    return rc;
}

const char *
mti_sql_errmsg (mti_sql_t *self)
{
    return self->is_pg ? self->pg.errmsg : sqlite3_errmsg (self->lite);
}

bool
mti_sql_full (mti_sql_t *self)
{
    return self->is_pg ? self->pg.full : sqlite3_errcode (self->lite) == SQLITE_FULL;
}

bool
mti_sql_in_transaction (mti_sql_t *self)
{
    if (self->is_pg)
        return PQtransactionStatus (self->pg.conn) != PQTRANS_IDLE;
    return sqlite3_get_autocommit (self->lite) == 0;
}

int64_t
mti_sql_changes (mti_sql_t *self)
{
    return self->is_pg ? self->pg.changes : sqlite3_changes (self->lite);
}

//  The kept statement of sql, if one is free: into stmt.
static bool
s_kept_take (mti_sql_t *self, mti_sql_stmt_t *stmt, const char *sql)
{
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < self->kept_count && !stmt->kept; i++)
        if (!self->kept [i].busy && strcmp (self->kept [i].sql, sql) == 0) {
            self->kept [i].busy = true;
            stmt->kept = &self->kept [i];
            stmt->lite = self->kept [i].lite;
        }
    pthread_mutex_unlock (&self->lock);
    return stmt->kept != NULL;
}

//  Keep a newly prepared statement, while there is room.
static void
s_kept_add (mti_sql_t *self, mti_sql_stmt_t *stmt, const char *sql)
{
    pthread_mutex_lock (&self->lock);
    char *copy = self->kept_count < S_KEPT_MAX ? strdup (sql) : NULL;
    if (copy) {
        s_kept_t *k = &self->kept [self->kept_count++];
        *k = (s_kept_t) { copy, stmt->lite, true };
        stmt->kept = k;
    }
    pthread_mutex_unlock (&self->lock);
}

mti_sql_stmt_t *
mti_sql_prepare (mti_sql_t *self, const char *sql, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = calloc (1, sizeof *stmt);
    if (!stmt) {
        mt_err_set (err, MT_ENOMEM, "out of memory");
        return NULL;
    }
    stmt->db = self;
    int rc = MT_OK;
    if (self->is_pg)
        rc = mti_pg_prepare (&self->pg, &stmt->pg, sql, err);
    else
    if (!s_kept_take (self, stmt, sql)
    &&  sqlite3_prepare_v2 (self->lite, sql, -1, &stmt->lite, NULL) != SQLITE_OK)
        rc = mt_err_set (err, MT_EINTERNAL, "prepare: %s", sqlite3_errmsg (self->lite));
    else
    if (!stmt->kept)
        s_kept_add (self, stmt, sql);
    if (rc != MT_OK) {
        mti_sql_finalize (stmt);
        return NULL;
    }
    return stmt;
}

int
mti_sql_step (mti_sql_stmt_t *stmt)
{
    if (!stmt)
        return MTI_SQL_ERROR;
    mti_sql_t *db = stmt->db;
    pthread_mutex_lock (&db->lock);
    int rc;
    if (db->is_pg)
        rc = mti_pg_step (&db->pg, &stmt->pg);
    else {
        rc = sqlite3_step (stmt->lite);
        rc = rc == SQLITE_ROW ? MTI_SQL_ROW : rc == SQLITE_DONE ? MTI_SQL_DONE : MTI_SQL_ERROR;
    }
    pthread_mutex_unlock (&db->lock);
    return rc;
}

void
mti_sql_reset (mti_sql_stmt_t *stmt)
{
    if (stmt->db->is_pg)
        mti_pg_reset (&stmt->pg);
    else
        sqlite3_reset (stmt->lite);
}

void
mti_sql_finalize (mti_sql_stmt_t *stmt)
{
    if (!stmt)
        return;
    if (stmt->db->is_pg)
        mti_pg_finalize (&stmt->pg);
    else
    if (stmt->kept) {
        //  Back to be used again, reset (no read left open) and unbound.
        sqlite3_reset (stmt->lite);
        sqlite3_clear_bindings (stmt->lite);
        pthread_mutex_lock (&stmt->db->lock);
        stmt->kept->busy = false;
        pthread_mutex_unlock (&stmt->db->lock);
    }
    else
        sqlite3_finalize (stmt->lite);
    free (stmt);
}

int
mti_sql_bind_parameter_count (mti_sql_stmt_t *stmt)
{
    return stmt->db->is_pg ? stmt->pg.params : sqlite3_bind_parameter_count (stmt->lite);
}

void
mti_sql_bind_int64 (mti_sql_stmt_t *stmt, int at, int64_t value)
{
    if (stmt->db->is_pg) {
        char text [24];
        int size = snprintf (text, sizeof text, "%" PRId64, value);
        mti_pg_bind (&stmt->pg, at, text, (size_t) size, false);
    }
    else
        sqlite3_bind_int64 (stmt->lite, at, value);
}

void
mti_sql_bind_int (mti_sql_stmt_t *stmt, int at, int value)
{
    mti_sql_bind_int64 (stmt, at, value);
}

void
mti_sql_bind_double (mti_sql_stmt_t *stmt, int at, double value)
{
    if (stmt->db->is_pg) {
        char text [32];
        int size = snprintf (text, sizeof text, "%.17g", value);
        mti_pg_bind (&stmt->pg, at, text, (size_t) size, false);
    }
    else
        sqlite3_bind_double (stmt->lite, at, value);
}

void
mti_sql_bind_text (mti_sql_stmt_t *stmt, int at, const char *text, int size)
{
    if (!text)
        mti_sql_bind_null (stmt, at);
    else
    if (stmt->db->is_pg)
        mti_pg_bind (&stmt->pg, at, text, size < 0 ? strlen (text) : (size_t) size, false);
    else
        sqlite3_bind_text (stmt->lite, at, text, size, SQLITE_TRANSIENT);
}

void
mti_sql_bind_blob (mti_sql_stmt_t *stmt, int at, const void *data, int size)
{
    if (stmt->db->is_pg)
        mti_pg_bind (&stmt->pg, at, data ? data : "", (size_t) size, true);
    else
        sqlite3_bind_blob (stmt->lite, at, data, size, SQLITE_TRANSIENT);
}

void
mti_sql_bind_null (mti_sql_stmt_t *stmt, int at)
{
    if (stmt->db->is_pg)
        mti_pg_bind (&stmt->pg, at, NULL, 0, false);
    else
        sqlite3_bind_null (stmt->lite, at);
}

int
mti_sql_column_count (mti_sql_stmt_t *stmt)
{
    if (stmt->db->is_pg)
        return stmt->pg.result ? PQnfields (stmt->pg.result) : 0;
    return sqlite3_column_count (stmt->lite);
}

int
mti_sql_column_type (mti_sql_stmt_t *stmt, int col)
{
    if (stmt->db->is_pg)
        return mti_pg_column_type (&stmt->pg, col);
    return sqlite3_column_type (stmt->lite, col);
}

int64_t
mti_sql_column_int64 (mti_sql_stmt_t *stmt, int col)
{
    if (!stmt->db->is_pg)
        return sqlite3_column_int64 (stmt->lite, col);
    const char *text = (const char *) mti_pg_column_text (&stmt->pg, col);
    if (!text)
        return 0;
    if (*text == 't' || *text == 'f')               //  a boolean
        return *text == 't';
    return strtoll (text, NULL, 10);
}

int
mti_sql_column_int (mti_sql_stmt_t *stmt, int col)
{
    return (int) mti_sql_column_int64 (stmt, col);
}

double
mti_sql_column_double (mti_sql_stmt_t *stmt, int col)
{
    if (!stmt->db->is_pg)
        return sqlite3_column_double (stmt->lite, col);
    const char *text = (const char *) mti_pg_column_text (&stmt->pg, col);
    return text ? strtod (text, NULL) : 0;
}

const unsigned char *
mti_sql_column_text (mti_sql_stmt_t *stmt, int col)
{
    if (stmt->db->is_pg)
        return mti_pg_column_text (&stmt->pg, col);
    return sqlite3_column_text (stmt->lite, col);
}

const void *
mti_sql_column_blob (mti_sql_stmt_t *stmt, int col)
{
    if (stmt->db->is_pg)
        return mti_pg_column_blob (&stmt->pg, col, NULL);
    return sqlite3_column_blob (stmt->lite, col);
}

int
mti_sql_column_bytes (mti_sql_stmt_t *stmt, int col)
{
    if (!stmt->db->is_pg)
        return sqlite3_column_bytes (stmt->lite, col);
    if (mti_pg_column_type (&stmt->pg, col) == MTI_SQL_BLOB) {
        size_t size = 0;
        mti_pg_column_blob (&stmt->pg, col, &size);
        return (int) size;
    }
    const unsigned char *text = mti_pg_column_text (&stmt->pg, col);
    return text ? (int) strlen ((const char *) text) : 0;
}
