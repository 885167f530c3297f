//  mti_sql - the statement layer under the case store: one connection, its
//  prepared statements, bindings and result columns, over SQLite (the
//  embedded default: a file path) or PostgreSQL (a postgresql:// or
//  postgres:// URI, through libpq). The calls follow SQLite's shape so that
//  the store reads as it did; the PostgreSQL side turns ? and ?N into $N,
//  "BEGIN IMMEDIATE" into "BEGIN", and reads results in text format (bytea
//  decoded on demand, booleans as 0/1). Internal to libmatch.
//
//  One connection is used by one thread at a time (the results actor),
//  as SQLite's was; calls are still serialised by a lock.

#ifndef MTI_SQL_H_INCLUDED
#define MTI_SQL_H_INCLUDED

#include "base/mt_error.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mti_sql mti_sql_t;
typedef struct mti_sql_stmt mti_sql_stmt_t;

//  What mti_sql_step returns; anything else is an error (mti_sql_errmsg).
#define MTI_SQL_ROW   100
#define MTI_SQL_DONE  101
#define MTI_SQL_ERROR 1

//  Column types, as SQLite's.
#define MTI_SQL_INTEGER 1
#define MTI_SQL_FLOAT   2
#define MTI_SQL_TEXT    3
#define MTI_SQL_BLOB    4
#define MTI_SQL_NULL    5

//  True when target names a PostgreSQL database.
bool mti_sql_target_is_pg (const char *target);
//  How long a SQLite connection waits for another's lock before SQLITE_BUSY.
#define MTI_SQL_BUSY_MS 10000
int mti_sql_open (const char *target, mti_sql_t **self_p, mt_err_t *err);
void mti_sql_close (mti_sql_t **self_p);
bool mti_sql_is_pg (mti_sql_t *self);
//  The SQLite handle, for what only SQLite has (the online backup API,
//  checkpoints); NULL on PostgreSQL.
sqlite3 *mti_sql_sqlite (mti_sql_t *self);

//  One or more statements without results. MT_ENOSPACE when the disk is
//  full, else MT_EIO.
int mti_sql_exec (mti_sql_t *self, const char *sql, mt_err_t *err);
const char *mti_sql_errmsg (mti_sql_t *self);
//  True when the last error was a full disk.
bool mti_sql_full (mti_sql_t *self);
//  True inside a transaction begun with BEGIN.
bool mti_sql_in_transaction (mti_sql_t *self);
//  Rows changed by the last INSERT, UPDATE or DELETE.
int64_t mti_sql_changes (mti_sql_t *self);

//  NULL (err set) when the statement does not compile.
mti_sql_stmt_t *mti_sql_prepare (mti_sql_t *self, const char *sql, mt_err_t *err);
int mti_sql_step (mti_sql_stmt_t *stmt);
//  Back to before the first step; bindings are kept.
void mti_sql_reset (mti_sql_stmt_t *stmt);
void mti_sql_finalize (mti_sql_stmt_t *stmt);
int mti_sql_bind_parameter_count (mti_sql_stmt_t *stmt);

//  Parameters count from 1; values are copied.
void mti_sql_bind_int64 (mti_sql_stmt_t *stmt, int at, int64_t value);
void mti_sql_bind_int (mti_sql_stmt_t *stmt, int at, int value);
void mti_sql_bind_double (mti_sql_stmt_t *stmt, int at, double value);
//  size -1: up to the NUL.
void mti_sql_bind_text (mti_sql_stmt_t *stmt, int at, const char *text, int size);
void mti_sql_bind_blob (mti_sql_stmt_t *stmt, int at, const void *data, int size);
void mti_sql_bind_null (mti_sql_stmt_t *stmt, int at);

//  Columns count from 0; pointers live until the next step or reset.
int mti_sql_column_count (mti_sql_stmt_t *stmt);
int mti_sql_column_type (mti_sql_stmt_t *stmt, int col);
int64_t mti_sql_column_int64 (mti_sql_stmt_t *stmt, int col);
int mti_sql_column_int (mti_sql_stmt_t *stmt, int col);
double mti_sql_column_double (mti_sql_stmt_t *stmt, int col);
const unsigned char *mti_sql_column_text (mti_sql_stmt_t *stmt, int col);
const void *mti_sql_column_blob (mti_sql_stmt_t *stmt, int col);
int mti_sql_column_bytes (mti_sql_stmt_t *stmt, int col);

#endif
