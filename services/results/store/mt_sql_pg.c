//  mt_sql_pg - mti_sql on PostgreSQL through libpq: statements prepared
//  once per connection and executed with text parameters (blobs binary),
//  results read in text; a connection lost is made again where that is
//  safe.

#include "mti_sql_pg.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

//  Statements are prepared on the server once per connection and then only
//  executed: the store sends a few hundred statements per case, and parsing
//  and planning each again cost as much as running it.
struct mti_pg_prepared {
    char *sql;
    char name [16];
    UT_hash_handle hh;
};

//  Type OIDs of pg_type that the store's columns have.
#define S_OID_BOOL    16
#define S_OID_BYTEA   17
#define S_OID_INT8    20
#define S_OID_INT2    21
#define S_OID_INT4    23
#define S_OID_FLOAT4  700
#define S_OID_FLOAT8  701
#define S_OID_NUMERIC 1700

//  The advisory lock that writers of the case store take in turn.
#define S_WRITER_LOCK 0x486f6d65        //  "Home"

static void
s_quiet (void *arg, const char *message)
{
    (void) arg;
    (void) message;             //  NOTICEs ("already exists, skipping")
}

//  The SQL as PostgreSQL reads it: ?N and ? become $N (a bare ? numbered
//  after the highest so far, as SQLite does). BEGIN IMMEDIATE is BEGIN
//  and a lock held to the transaction's end, so that writers take turns
//  as on SQLite (the audit chain's head is read, then extended).
//  Quoted text and names are copied as they are. Returns NULL when out of
//  memory; *params_p is the highest parameter number.
static char *
s_translate (const char *sql, int *params_p)
{
    //  At most: a bare ? becomes $ and five digits; each BEGIN IMMEDIATE
    //  grows by the lock's SELECT.
    size_t begins = 0;
    for (const char *at = sql; (at = strstr (at, "BEGIN IMMEDIATE")); at++)
        begins++;
    size_t size = strlen (sql);
    char *out = malloc (size * 6 + (begins + 1) * 64);
    if (!out)
        return NULL;
    char *to = out;
    int highest = 0;
    char quote = 0;
    for (const char *at = sql; *at; at++) {
        if (quote) {
            if (*at == quote)
                quote = 0;
            *to++ = *at;
        }
        else
        if (*at == '\'' || *at == '"') {
            quote = *at;
            *to++ = *at;
        }
        else
        if (*at == '?') {
            int number = 0;
            while (at [1] >= '0' && at [1] <= '9' && number < 10000)
                number = number * 10 + (*++at - '0');
            if (number == 0)
                number = highest + 1;
            if (number > highest)
                highest = number;
            to += sprintf (to, "$%d", number);
        }
        else
        if (strncmp (at, "BEGIN IMMEDIATE", 15) == 0) {
            to += sprintf (to, "BEGIN; SELECT pg_advisory_xact_lock (%d)", S_WRITER_LOCK);
            at += 14;
        }
        else
            *to++ = *at;
    }
    *to = 0;
    *params_p = highest;
    return out;
}

static void
s_forget_prepared (mti_pg_t *self)
{
    mti_pg_prepared_t *item, *next;
    HASH_ITER (hh, self->prepared, item, next) {
        HASH_DEL (self->prepared, item);
        free (item->sql);
        free (item);
    }
}

//  libpq's messages are lines with tabs: one line for a log.
static void
s_one_line (char *text)
{
    char *to = text;
    for (const char *at = text; *at; at++) {
        char c = *at == '\n' || *at == '\t' ? ' ' : *at;
        if (c != ' ' || (to > text && to [-1] != ' '))
            *to++ = c;
    }
    while (to > text && to [-1] == ' ')
        to--;
    *to = 0;
}

static void
s_keep_error (mti_pg_t *self, const PGresult *result)
{
    const char *state = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
    const char *message = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message)
        message = PQerrorMessage (self->conn);
    snprintf (self->errmsg, sizeof self->errmsg, "%s", message ? message : "error");
    s_one_line (self->errmsg);
    //  53100 disk_full, 53xxx other insufficient resources.
    self->full = state && strcmp (state, "53100") == 0;
}

static void
s_reconnect (mti_pg_t *self)
{
    s_forget_prepared (self);           //  they were the old connection's
    PQreset (self->conn);
    if (PQstatus (self->conn) == CONNECTION_OK)
        PQsetNoticeProcessor (self->conn, s_quiet, NULL);
}

//  Before each call: is the connection still there? A server that ended it
//  while it was idle (a restart) has said so on the socket, read here
//  without waiting. Lost outside a transaction, it is made again. Lost
//  inside one, the transaction is gone with it: every call fails until the
//  caller ends it (ROLLBACK succeeds, COMMIT fails), so that the rest of a
//  transaction never runs on its own. 0: go on; 1: done (that ROLLBACK);
//  -1: failed, errmsg set.
static int
s_ready (mti_pg_t *self, const char *sql)
{
    //  (The server's goodbye and the end of the stream may take a read each.)
    for (int reads = 0; reads < 4 && PQstatus (self->conn) == CONNECTION_OK; reads++) {
        struct pollfd fd = { .fd = PQsocket (self->conn), .events = POLLIN };
        if (poll (&fd, 1, 0) <= 0)
            break;
        PQconsumeInput (self->conn);
    }
    if (PQstatus (self->conn) == CONNECTION_BAD && !self->broken) {
        if (self->in_transaction)
            self->broken = true;
        else
            s_reconnect (self);
    }
    if (self->broken) {
        snprintf (self->errmsg, sizeof self->errmsg, "the connection to PostgreSQL was lost "
                  "during a transaction: nothing of the transaction was kept");
        if (strcmp (sql, "ROLLBACK") != 0 && strcmp (sql, "COMMIT") != 0)
            return -1;
        self->broken = false;
        self->in_transaction = false;
        s_reconnect (self);
        return strcmp (sql, "ROLLBACK") == 0 ? 1 : -1;
    }
    if (PQstatus (self->conn) != CONNECTION_OK) {
        s_keep_error (self, NULL);
        return -1;
    }
    return 0;
}

//  After each call: whether a transaction is open (unknown when the
//  connection broke during the call: then what it was stays).
static void
s_after (mti_pg_t *self)
{
    PGTransactionStatusType now = PQtransactionStatus (self->conn);
    if (now != PQTRANS_UNKNOWN)
        self->in_transaction = now == PQTRANS_INTRANS || now == PQTRANS_INERROR;
}

//  A call that failed because the connection broke during it is sent again
//  once on a new connection when that cannot do anything twice: it was
//  outside a transaction, and it only reads or begins one (a write may have
//  been committed just before the connection broke).
static bool
s_retry (mti_pg_t *self, const char *sql)
{
    if (self->in_transaction || PQstatus (self->conn) != CONNECTION_BAD)
        return false;
    if (strncmp (sql, "SELECT ", 7) != 0 && strcmp (sql, "BEGIN IMMEDIATE") != 0
    &&  strncmp (sql, "BEGIN ISOLATION", 15) != 0 && strcmp (sql, "BEGIN") != 0)
        return false;
    s_reconnect (self);
    return PQstatus (self->conn) == CONNECTION_OK;
}

int
mti_pg_open (mti_pg_t *self, const char *uri, mt_err_t *err)
{
    //  A server that does not answer is told within 10 s (the URI's own
    //  connect_timeout, later in the list, wins).
    const char *keys [] = { "connect_timeout", "dbname", NULL };
    const char *values [] = { "10", uri, NULL };
    self->conn = PQconnectdbParams (keys, values, 1);
    if (!self->conn)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    if (PQstatus (self->conn) != CONNECTION_OK) {
        char message [256];
        snprintf (message, sizeof message, "%s", PQerrorMessage (self->conn));
        s_one_line (message);
        return mt_err_set (err, MT_EUNAVAILABLE, "cannot connect to the PostgreSQL database: %s",
                           message);
    }
    PQsetNoticeProcessor (self->conn, s_quiet, NULL);
    return mti_pg_exec (self, "SET client_min_messages = warning", err);
}

void
mti_pg_close (mti_pg_t *self)
{
    s_forget_prepared (self);
    PQfinish (self->conn);
    self->conn = NULL;
}

int
mti_pg_exec (mti_pg_t *self, const char *sql, mt_err_t *err)
{
    int params = 0;
    char *text = s_translate (sql, &params);
    if (!text)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int ready = s_ready (self, sql);
    if (ready != 0) {
        free (text);
        return ready > 0 ? MT_OK : mt_err_set (err, MT_EIO, "database: %s", self->errmsg);
    }
    PGresult *result = PQexec (self->conn, text);
    ExecStatusType status = PQresultStatus (result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && s_retry (self, sql)) {
        PQclear (result);
        result = PQexec (self->conn, text);
        status = PQresultStatus (result);
    }
    s_after (self);
    free (text);
    int rc = MT_OK;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        self->full = false;
        self->changes = strtoll (PQcmdTuples (result), NULL, 10);
    }
    else {
        s_keep_error (self, result);
        rc = mt_err_set (err, self->full ? MT_ENOSPACE : MT_EIO, "database: %s", self->errmsg);
    }
    PQclear (result);
    return rc;
}

int
mti_pg_prepare (mti_pg_t *self, mti_pg_stmt_t *stmt, const char *sql, mt_err_t *err)
{
    (void) self;
    stmt->row = -1;
    stmt->sql = s_translate (sql, &stmt->params);
    if (stmt->sql && stmt->params) {
        stmt->values = calloc ((size_t) stmt->params, sizeof *stmt->values);
        stmt->lengths = calloc ((size_t) stmt->params, sizeof *stmt->lengths);
        stmt->formats = calloc ((size_t) stmt->params, sizeof *stmt->formats);
    }
    if (!stmt->sql || (stmt->params && (!stmt->values || !stmt->lengths || !stmt->formats)))
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    return MT_OK;
}

static void
s_drop_row (mti_pg_stmt_t *stmt)
{
    if (stmt->blobs && stmt->result) {
        int columns = PQnfields (stmt->result);
        for (int col = 0; col < columns; col++) {
            PQfreemem (stmt->blobs [col]);
            stmt->blobs [col] = NULL;
        }
    }
}

//  The server's name for the statement, prepared there the first time;
//  NULL (the error kept) when it does not prepare.
static const char *
s_prepared (mti_pg_t *self, mti_pg_stmt_t *stmt)
{
    mti_pg_prepared_t *item = NULL;
    HASH_FIND_STR (self->prepared, stmt->sql, item);
    if (item)
        return item->name;
    item = calloc (1, sizeof *item);
    if (item)
        item->sql = strdup (stmt->sql);
    if (!item || !item->sql) {
        free (item);
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        return NULL;
    }
    snprintf (item->name, sizeof item->name, "s%d", ++self->names);
    PGresult *result = PQprepare (self->conn, item->name, stmt->sql, stmt->params, NULL);
    if (PQresultStatus (result) != PGRES_COMMAND_OK) {
        s_keep_error (self, result);
        PQclear (result);
        free (item->sql);
        free (item);
        return NULL;
    }
    PQclear (result);
    HASH_ADD_KEYPTR (hh, self->prepared, item->sql, strlen (item->sql), item);
    return item->name;
}

int
mti_pg_step (mti_pg_t *self, mti_pg_stmt_t *stmt)
{
    if (stmt->result) {
        s_drop_row (stmt);
        if (stmt->row + 1 >= PQntuples (stmt->result))
            return MTI_SQL_DONE;
        stmt->row++;
        return MTI_SQL_ROW;
    }
    if (s_ready (self, stmt->sql) != 0)
        return MTI_SQL_ERROR;
    ExecStatusType status = PGRES_FATAL_ERROR;
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *name = s_prepared (self, stmt);
        if (name) {
            stmt->result = PQexecPrepared (self->conn, name, stmt->params,
                                           (const char *const *) stmt->values, stmt->lengths,
                                           stmt->formats, 0);
            status = PQresultStatus (stmt->result);
        }
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || attempt
        ||  !s_retry (self, stmt->sql))
            break;
        PQclear (stmt->result);
        stmt->result = NULL;
    }
    s_after (self);
    if (!stmt->result && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return MTI_SQL_ERROR;       //  not prepared: the error is kept
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        s_keep_error (self, stmt->result);
        PQclear (stmt->result);
        stmt->result = NULL;
        return MTI_SQL_ERROR;
    }
    self->full = false;
    self->changes = strtoll (PQcmdTuples (stmt->result), NULL, 10);
    free (stmt->blobs);
    free (stmt->blob_sizes);
    int columns = PQnfields (stmt->result);
    stmt->blobs = columns ? calloc ((size_t) columns, sizeof *stmt->blobs) : NULL;
    stmt->blob_sizes = columns ? calloc ((size_t) columns, sizeof *stmt->blob_sizes) : NULL;
    if (columns && (!stmt->blobs || !stmt->blob_sizes)) {
        snprintf (self->errmsg, sizeof self->errmsg, "out of memory");
        mti_pg_reset (stmt);
        return MTI_SQL_ERROR;
    }
    stmt->row = 0;
    return PQntuples (stmt->result) > 0 ? MTI_SQL_ROW : MTI_SQL_DONE;
}

void
mti_pg_reset (mti_pg_stmt_t *stmt)
{
    s_drop_row (stmt);
    PQclear (stmt->result);
    stmt->result = NULL;
    stmt->row = -1;
}

void
mti_pg_finalize (mti_pg_stmt_t *stmt)
{
    mti_pg_reset (stmt);
    for (int at = 0; at < stmt->params; at++)
        if (stmt->values)
            free (stmt->values [at]);
    free (stmt->values);
    free (stmt->lengths);
    free (stmt->formats);
    free (stmt->blobs);
    free (stmt->blob_sizes);
    free (stmt->sql);
}

void
mti_pg_bind (mti_pg_stmt_t *stmt, int at, const void *value, size_t size, bool blob)
{
    if (at < 1 || at > stmt->params)
        return;
    at--;
    free (stmt->values [at]);
    stmt->values [at] = NULL;
    stmt->lengths [at] = 0;
    stmt->formats [at] = blob;
    if (value) {
        stmt->values [at] = malloc (size + 1);
        if (stmt->values [at]) {
            memcpy (stmt->values [at], value, size);
            stmt->values [at] [size] = 0;
            stmt->lengths [at] = (int) size;
        }
    }
}

static bool
s_has (mti_pg_stmt_t *stmt, int col)
{
    return stmt->result && stmt->row >= 0 && stmt->row < PQntuples (stmt->result)
        && col >= 0 && col < PQnfields (stmt->result);
}

int
mti_pg_column_type (mti_pg_stmt_t *stmt, int col)
{
    if (!s_has (stmt, col) || PQgetisnull (stmt->result, stmt->row, col))
        return MTI_SQL_NULL;
    switch (PQftype (stmt->result, col)) {
        case S_OID_BOOL:
        case S_OID_INT2:
        case S_OID_INT4:
        case S_OID_INT8:
            return MTI_SQL_INTEGER;
        case S_OID_FLOAT4:
        case S_OID_FLOAT8:
        case S_OID_NUMERIC:
            return MTI_SQL_FLOAT;
        case S_OID_BYTEA:
            return MTI_SQL_BLOB;
        default:
            return MTI_SQL_TEXT;
    }
}

const unsigned char *
mti_pg_column_text (mti_pg_stmt_t *stmt, int col)
{
    if (!s_has (stmt, col) || PQgetisnull (stmt->result, stmt->row, col))
        return NULL;
    return (const unsigned char *) PQgetvalue (stmt->result, stmt->row, col);
}

const void *
mti_pg_column_blob (mti_pg_stmt_t *stmt, int col, size_t *size_p)
{
    if (size_p)
        *size_p = 0;
    if (!s_has (stmt, col) || PQgetisnull (stmt->result, stmt->row, col))
        return NULL;
    if (PQftype (stmt->result, col) != S_OID_BYTEA) {
        const char *text = PQgetvalue (stmt->result, stmt->row, col);
        if (size_p)
            *size_p = strlen (text);
        return text;
    }
    if (!stmt->blobs [col])
        stmt->blobs [col] = PQunescapeBytea (
            (const unsigned char *) PQgetvalue (stmt->result, stmt->row, col),
            &stmt->blob_sizes [col]);
    if (size_p)
        *size_p = stmt->blob_sizes [col];
    return stmt->blobs [col];
}
