//  mt_casedb_audit - the audit log: append-only and hash-chained.
//
//  Each entry's hash is SHA-256 over the previous entry's hash and its own
//  fields (each length-prefixed, so no two different entries hash alike).
//  Triggers refuse UPDATE and DELETE; a change made around them (another
//  program, an edited file) breaks the chain at the changed entry, and
//  mt_casedb_audit_verify finds it. Rewriting the whole chain consistently
//  is caught by comparing the head with one kept outside (an anchor).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_genesis [] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void
s_hash_field (crypto_hash_sha256_state *state, const char *text)
{
    uint64_t length = text ? (uint64_t) strlen (text) : UINT64_MAX;
    unsigned char prefix [8];
    for (int i = 0; i < 8; i++)
        prefix [i] = (unsigned char) (length >> (8 * i));
    crypto_hash_sha256_update (state, prefix, sizeof prefix);
    if (text)
        crypto_hash_sha256_update (state, (const unsigned char *) text, strlen (text));
}

//  hash (65 bytes) of an entry after prev.
static void
s_entry_hash (const char *prev, const char *at, const char *actor, const char *action,
              const char *object, const char *detail, char *hash)
{
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    const char *fields [] = { prev, at, actor, action, object, detail };
    for (size_t i = 0; i < sizeof fields / sizeof fields [0]; i++)
        s_hash_field (&state, fields [i]);
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, digest);
    sodium_bin2hex (hash, 65, digest, sizeof digest);
}

//  The hash of the last chained entry (the genesis value if none).
static void
s_head (mt_casedb_t *self, char *head)
{
    snprintf (head, 65, "%s", s_genesis);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT hash FROM audit WHERE hash IS NOT NULL"
                                                 " ORDER BY id DESC LIMIT 1", NULL);
    if (stmt && mti_sql_step (stmt) == MTI_SQL_ROW && mti_sql_column_text (stmt, 0))
        snprintf (head, 65, "%s", (const char *) mti_sql_column_text (stmt, 0));
    mti_sql_finalize (stmt);
}

static const char *
s_text (mti_sql_stmt_t *stmt, int column)
{
    return (const char *) mti_sql_column_text (stmt, column);
}

int
mti_audit_seal (mt_casedb_t *self, mt_err_t *err)
{
    int rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    char prev [65];
    s_head (self, prev);
    mti_sql_stmt_t *rows = mti_db_prepare (self, "SELECT id, at, actor, action, object, detail"
                                                 " FROM audit WHERE hash IS NULL ORDER BY id", err);
    mti_sql_stmt_t *seal = mti_db_prepare (self, "UPDATE audit SET prev_hash = ?, hash = ?"
                                                 " WHERE id = ?", err);
    if (!rows || !seal)
        rc = MT_EINTERNAL;
    while (rc == MT_OK && mti_sql_step (rows) == MTI_SQL_ROW) {
        char hash [65];
        s_entry_hash (prev, s_text (rows, 1), s_text (rows, 2), s_text (rows, 3),
                      s_text (rows, 4), s_text (rows, 5), hash);
        mti_sql_bind_text (seal, 1, prev, -1);
        mti_sql_bind_text (seal, 2, hash, -1);
        mti_sql_bind_int64 (seal, 3, mti_sql_column_int64 (rows, 0));
        if (mti_sql_step (seal) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "chain the audit log");
        mti_sql_reset (seal);
        memcpy (prev, hash, sizeof prev);
    }
    mti_sql_finalize (rows);
    mti_sql_finalize (seal);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_audit (mt_casedb_t *self, const char *actor, const char *action, const char *object,
                 const char *detail, mt_err_t *err)
{
    //  The head must not move between reading it and appending: append in
    //  a write transaction (the caller's, or one of our own).
    bool own = !mti_sql_in_transaction (self->db);
    int rc = own ? mt_casedb_begin (self, err) : MT_OK;
    if (rc != MT_OK)
        return rc;
    char now [32], prev [65], hash [65];
    mti_db_now (now, sizeof now);
    const char *who = actor && *actor ? actor : "unknown";
    object = object && *object ? object : NULL;
    detail = detail && *detail ? detail : NULL;
    s_head (self, prev);
    s_entry_hash (prev, now, who, action, object, detail, hash);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "INSERT INTO audit (at, actor, action, object,"
                                                 " detail, prev_hash, hash)"
                                                 " VALUES (?, ?, ?, ?, ?, ?, ?)", err);
    if (!stmt)
        rc = MT_EINTERNAL;
    else {
        mti_sql_bind_text (stmt, 1, now, -1);
        mti_sql_bind_text (stmt, 2, who, -1);
        mti_sql_bind_text (stmt, 3, action, -1);
        mti_db_bind_text (stmt, 4, object);
        mti_db_bind_text (stmt, 5, detail);
        mti_sql_bind_text (stmt, 6, prev, -1);
        mti_sql_bind_text (stmt, 7, hash, -1);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "audit");
        mti_sql_finalize (stmt);
    }
    return own ? mt_casedb_commit (self, rc, err) : rc;
}

int
mt_casedb_audit_verify (mt_casedb_t *self, mt_audit_check_t *check, mt_err_t *err)
{
    int64_t anchor_id = check->anchor_id;
    char anchor_hash [65];
    snprintf (anchor_hash, sizeof anchor_hash, "%s", check->anchor_hash);
    memset (check, 0, sizeof *check);
    snprintf (check->head, sizeof check->head, "%s", s_genesis);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT id, at, actor, action, object, detail,"
                                                 " prev_hash, hash FROM audit ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    bool anchor_seen = anchor_id == 0;
    while (!check->broken_id && mti_sql_step (stmt) == MTI_SQL_ROW) {
        int64_t id = mti_sql_column_int64 (stmt, 0);
        const char *prev = s_text (stmt, 6), *stored = s_text (stmt, 7);
        char hash [65];
        s_entry_hash (check->head, s_text (stmt, 1), s_text (stmt, 2), s_text (stmt, 3),
                      s_text (stmt, 4), s_text (stmt, 5), hash);
        if (!prev || strcmp (prev, check->head) != 0) {
            check->broken_id = id;
            snprintf (check->reason, sizeof check->reason, "entry %lld does not follow the "
                      "entry before it: an entry was removed or inserted", (long long) id);
        }
        else
        if (!stored || strcmp (stored, hash) != 0) {
            check->broken_id = id;
            snprintf (check->reason, sizeof check->reason, "entry %lld was changed after it "
                      "was written", (long long) id);
        }
        else
        if (id == anchor_id) {
            anchor_seen = true;
            if (strcmp (hash, anchor_hash) != 0) {
                check->broken_id = id;
                snprintf (check->reason, sizeof check->reason, "entry %lld is not the one "
                          "anchored: the log was rewritten up to there", (long long) id);
            }
        }
        if (!check->broken_id) {
            memcpy (check->head, hash, sizeof check->head);
            check->head_id = id;
            check->entries++;
        }
    }
    mti_sql_finalize (stmt);
    if (!check->broken_id && !anchor_seen) {
        check->broken_id = anchor_id;
        snprintf (check->reason, sizeof check->reason, "anchored entry %lld is missing: the "
                  "log was cut short", (long long) anchor_id);
    }
    return MT_OK;
}

int64_t
mt_casedb_audit_count (mt_casedb_t *self)
{
    return mti_db_number (self, "SELECT COUNT (*) FROM audit", NULL);
}

void
mt_audit_rows_free (mt_audit_row_t *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free (rows [i].actor);
        free (rows [i].object);
        free (rows [i].detail);
    }
    free (rows);
}

//  A text column as a new string, NULL when the column is.
static char *
s_dup (mti_sql_stmt_t *stmt, int column, bool *failed)
{
    const char *text = s_text (stmt, column);
    char *copy = text ? strdup (text) : NULL;
    *failed |= text && !copy;
    return copy;
}

int
mt_casedb_audit_list (mt_casedb_t *self, int64_t case_id, size_t limit, size_t offset,
                      mt_audit_row_t **rows_p, size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT id, at, actor, action, object, detail, hash FROM audit"
        " WHERE ?1 = 0 OR object = 'case ' || ?1 OR object LIKE 'case ' || ?1 || ' %'"
        " OR object LIKE 'found ' || ?1 || ' / %' OR object LIKE '% / missing ' || ?1"
        " OR object LIKE '% / case ' || ?1"
        " ORDER BY id DESC LIMIT ?2 OFFSET ?3", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_int64 (stmt, 2, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 3, (int64_t) offset);
    mt_audit_row_t *rows = NULL;
    size_t count = 0, size = 0;
    bool failed = false;
    while (!failed && mti_sql_step (stmt) == MTI_SQL_ROW) {
        if (count == size) {
            size_t grown = size ? size * 2 : 64;
            mt_audit_row_t *more = realloc (rows, grown * sizeof *rows);
            failed = !more;
            if (failed)
                break;
            rows = more;
            size = grown;
        }
        mt_audit_row_t *row = &rows [count++];
        memset (row, 0, sizeof *row);
        row->id = mti_sql_column_int64 (stmt, 0);
        mti_db_copy (row->at, sizeof row->at, mti_sql_column_text (stmt, 1));
        row->actor = s_dup (stmt, 2, &failed);
        mti_db_copy (row->action, sizeof row->action, mti_sql_column_text (stmt, 3));
        row->object = s_dup (stmt, 4, &failed);
        row->detail = s_dup (stmt, 5, &failed);
        mti_db_copy (row->hash, sizeof row->hash, mti_sql_column_text (stmt, 6));
    }
    mti_sql_finalize (stmt);
    if (failed) {
        mt_audit_rows_free (rows, count);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    *rows_p = rows;
    *count_p = count;
    return MT_OK;
}
