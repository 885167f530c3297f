//  mti_sql_pg - the PostgreSQL side of mti_sql (libpq). Internal to
//  mt_sql.c and mt_sql_pg.c.

#ifndef MTI_SQL_PG_H_INCLUDED
#define MTI_SQL_PG_H_INCLUDED

#include "mti_sql.h"

#include <libpq-fe.h>

//  A statement prepared on the server, by its SQL (uthash).
typedef struct mti_pg_prepared mti_pg_prepared_t;

typedef struct {
    PGconn *conn;
    mti_pg_prepared_t *prepared;    //  on this connection, by SQL text
    int names;                      //  statement names handed out
    char errmsg [512];
    bool full;
    bool in_transaction;            //  as of the last call that reached the server
    bool broken;                    //  lost during a transaction, not yet ended
    int64_t changes;
} mti_pg_t;

typedef struct {
    char *sql;                  //  with $N placeholders
    int params;
    char **values;              //  per parameter: NULL is SQL NULL
    int *lengths;
    int *formats;               //  1 for blobs (binary), else 0 (text)
    PGresult *result;
    int row;                    //  the current row, -1 before the first
    unsigned char **blobs;      //  per column: bytea decoded for this row
    size_t *blob_sizes;
} mti_pg_stmt_t;

int mti_pg_open (mti_pg_t *self, const char *uri, mt_err_t *err);
void mti_pg_close (mti_pg_t *self);
int mti_pg_exec (mti_pg_t *self, const char *sql, mt_err_t *err);
int mti_pg_prepare (mti_pg_t *self, mti_pg_stmt_t *stmt, const char *sql, mt_err_t *err);
int mti_pg_step (mti_pg_t *self, mti_pg_stmt_t *stmt);
void mti_pg_reset (mti_pg_stmt_t *stmt);
void mti_pg_finalize (mti_pg_stmt_t *stmt);
//  Copies value (size bytes; binary when blob) into parameter at.
void mti_pg_bind (mti_pg_stmt_t *stmt, int at, const void *value, size_t size, bool blob);
int mti_pg_column_type (mti_pg_stmt_t *stmt, int col);
const unsigned char *mti_pg_column_text (mti_pg_stmt_t *stmt, int col);
const void *mti_pg_column_blob (mti_pg_stmt_t *stmt, int col, size_t *size_p);

#endif
