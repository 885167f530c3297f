//  mt_users - users, roles, their accounts' state and sessions (see
//  mt_users.h). Every change that reads before it writes (a failure count,
//  the last active admin) runs in a write transaction (BEGIN IMMEDIATE), so
//  two gateway threads or processes, or the CLI beside them, cannot
//  interleave; argon2 hashing, which is slow on purpose, runs outside them.

#include "gateway/accounts/mt_users.h"

#include <ctype.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mt_users {
    sqlite3 *db;
    int64_t now;                //  the clock for tests; 0: the real one
};

//  ---------------------------------------------------------------- schema

//  Migration N takes a file from schema N-1 to N; each runs once, in one
//  transaction with the new user_version. Never edit one that has shipped:
//  add the next.
static const char *const s_migrations [MT_USERS_SCHEMA] = {
    //  1: users and sessions. Files made before migrations were numbered
    //  are at 0 with these tables already: IF NOT EXISTS keeps them.
    "CREATE TABLE IF NOT EXISTS users ("
    "  name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('station_staff','police_liaison','admin')),"
    "  station TEXT, province INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    "  token_hash TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users (name),"
    "  csrf TEXT NOT NULL, expires_at INTEGER NOT NULL);",
    //  2: accounts that can be locked, bound to change their password, and
    //  deleted with their name retired.
    "ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN failures_since INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN last_signin_at TEXT;"
    "CREATE TABLE retired_names ("
    "  name TEXT PRIMARY KEY, role TEXT NOT NULL, deleted_at TEXT NOT NULL);"
    "CREATE INDEX sessions_by_name ON sessions (name);"
};

#define S_USER_COLUMNS "u.name, u.role, u.station, u.province, u.disabled, u.must_change," \
                       " u.locked_until, u.created_at, u.last_signin_at"
#define S_USER_COLUMN_COUNT 9

const char *
mt_role_name (mt_role role)
{
    switch (role) {
        case MT_ROLE_STATION_STAFF:  return "station_staff";
        case MT_ROLE_POLICE_LIAISON: return "police_liaison";
        case MT_ROLE_ADMIN:          return "admin";
    }
    return "unknown";
}

int
mt_role_from_name (const char *name)
{
    for (int r = MT_ROLE_STATION_STAFF; name && r <= MT_ROLE_ADMIN; r++)
        if (strcmp (name, mt_role_name ((mt_role) r)) == 0)
            return r;
    return 0;
}

static int
s_fail (mt_users_t *self, mt_err_t *err, const char *what)
{
    return mt_err_set (err, MT_EIO, "%s: %s", what, sqlite3_errmsg (self->db));
}

static int64_t
s_now (const mt_users_t *self)
{
    return self->now ? self->now : (int64_t) time (NULL);
}

static void
s_iso (int64_t t, char out [32])
{
    time_t tt = (time_t) t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
s_exec (mt_users_t *self, const char *sql, mt_err_t *err)
{
    char *why = NULL;
    if (sqlite3_exec (self->db, sql, NULL, NULL, &why) == SQLITE_OK)
        return MT_OK;
    int rc = mt_err_set (err, MT_EIO, "users database: %s",
                         why ? why : sqlite3_errmsg (self->db));
    sqlite3_free (why);
    return rc;
}

//  A write transaction: taken at once, so that what it reads stays true
//  until it commits.
static int
s_begin (mt_users_t *self, mt_err_t *err)
{
    return s_exec (self, "BEGIN IMMEDIATE", err);
}

//  Commit when rc is MT_OK, else roll back; returns rc (or the commit's).
static int
s_end (mt_users_t *self, int rc, mt_err_t *err)
{
    if (rc == MT_OK)
        return s_exec (self, "COMMIT", err);
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int
s_user_version (mt_users_t *self)
{
    sqlite3_stmt *stmt;
    int version = -1;
    if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_ROW)
        version = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    return version;
}

static int
s_migrate (mt_users_t *self, const char *path, mt_err_t *err)
{
    int version = s_user_version (self);
    if (version == MT_USERS_SCHEMA)
        return MT_OK;           //  the usual case: no write lock taken
    int rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    //  Read again under the lock: another process may have migrated.
    version = s_user_version (self);
    if (version < 0)
        rc = s_fail (self, err, "users database");
    else
    if (version > MT_USERS_SCHEMA)
        rc = mt_err_set (err, MT_EIO, "the users database %s was written by a newer Homeward "
                         "(schema %d; this one knows up to %d): run that version", path,
                         version, MT_USERS_SCHEMA);
    for (int v = version + 1; rc == MT_OK && v <= MT_USERS_SCHEMA; v++)
        rc = s_exec (self, s_migrations [v - 1], err);
    if (rc == MT_OK && version < MT_USERS_SCHEMA) {
        char pragma [48];
        snprintf (pragma, sizeof pragma, "PRAGMA user_version = %d", MT_USERS_SCHEMA);
        rc = s_exec (self, pragma, err);
    }
    return s_end (self, rc, err);
}

int
mt_users_open (const char *path, mt_users_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (sodium_init () < 0)
        return mt_err_set (err, MT_EINTERNAL, "libsodium cannot start");
    mt_users_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    char *why = NULL;
    int rc = MT_OK;
    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                        | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK
    ||  sqlite3_busy_timeout (self->db, 10000) != SQLITE_OK
    ||  sqlite3_exec (self->db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", NULL,
                      NULL, &why) != SQLITE_OK) {
        rc = mt_err_set (err, MT_EIO, "cannot open users %s: %s", path,
                         why ? why : self->db ? sqlite3_errmsg (self->db) : "out of memory");
        sqlite3_free (why);
    }
    if (rc == MT_OK)
        rc = s_migrate (self, path, err);
    if (rc != MT_OK) {
        mt_users_close (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_users_close (mt_users_t **self_p)
{
    if (self_p && *self_p) {
        sqlite3_close_v2 ((*self_p)->db);
        free (*self_p);
        *self_p = NULL;
    }
}

int
mt_users_schema (mt_users_t *self)
{
    return s_user_version (self);
}

void
mt_users_set_now (mt_users_t *self, int64_t now)
{
    self->now = now;
}

//  ---------------------------------------------------------------- rows

static sqlite3_stmt *
s_prepare (mt_users_t *self, const char *sql, mt_err_t *err, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        s_fail (self, err, what);
        sqlite3_finalize (stmt);
        return NULL;
    }
    return stmt;
}

static void
s_text (sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text (stmt, column);
    snprintf (out, size, "%s", text ? (const char *) text : "");
}

//  A user from the S_USER_COLUMNS of a row.
static void
s_row (const mt_users_t *self, sqlite3_stmt *stmt, mt_user_t *user)
{
    memset (user, 0, sizeof *user);
    s_text (stmt, 0, user->name, sizeof user->name);
    user->role = (mt_role) mt_role_from_name ((const char *) sqlite3_column_text (stmt, 1));
    s_text (stmt, 2, user->station, sizeof user->station);
    user->province = sqlite3_column_int (stmt, 3);
    user->disabled = sqlite3_column_int (stmt, 4) != 0;
    user->must_change = sqlite3_column_int (stmt, 5) != 0;
    int64_t until = sqlite3_column_int64 (stmt, 6);
    user->locked_until = until > s_now (self) ? until : 0;
    s_text (stmt, 7, user->created_at, sizeof user->created_at);
    s_text (stmt, 8, user->last_signin_at, sizeof user->last_signin_at);
}

//  One user's row (and its hash, when hash is given). MT_ENOTFOUND if none.
static int
s_get (mt_users_t *self, const char *name, mt_user_t *user, char hash [crypto_pwhash_STRBYTES],
       mt_err_t *err)
{
    sqlite3_stmt *stmt = s_prepare (self, "SELECT " S_USER_COLUMNS ", u.hash FROM users u"
                                    " WHERE u.name = ?", err, "read user");
    if (!stmt)
        return MT_EIO;
    sqlite3_bind_text (stmt, 1, name ? name : "", -1, SQLITE_TRANSIENT);
    int step = sqlite3_step (stmt), rc = MT_OK;
    if (step == SQLITE_ROW) {
        s_row (self, stmt, user);
        if (hash)
            s_text (stmt, S_USER_COLUMN_COUNT, hash, crypto_pwhash_STRBYTES);
    }
    else
    if (step == SQLITE_DONE)
        rc = mt_err_set (err, MT_ENOTFOUND, "There is no user called '%s'.", name ? name : "");
    else
        rc = s_fail (self, err, "read user");
    sqlite3_finalize (stmt);
    return rc;
}

int
mt_users_get (mt_users_t *self, const char *name, mt_user_t *user, mt_err_t *err)
{
    return s_get (self, name, user, NULL, err);
}

//  Run sql, expecting no rows, with parameters as types says: 't' a
//  string (const char *), 'i' an integer (int64_t). *changes_p (may be
//  NULL): the rows changed.
static int
s_run (mt_users_t *self, int *changes_p, const char *sql, const char *types, ...)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize (stmt);
        return MT_EIO;
    }
    va_list args;
    va_start (args, types);
    for (int i = 0; types [i]; i++)
        if (types [i] == 'i')
            sqlite3_bind_int64 (stmt, i + 1, (sqlite3_int64) va_arg (args, int64_t));
        else
            sqlite3_bind_text (stmt, i + 1, va_arg (args, const char *), -1, SQLITE_TRANSIENT);
    va_end (args);
    int step = sqlite3_step (stmt);
    sqlite3_finalize (stmt);
    if (changes_p)
        *changes_p = sqlite3_changes (self->db);
    return step == SQLITE_DONE ? MT_OK : MT_EIO;
}

//  ---------------------------------------------------------------- accounts

static bool
s_name_ok (const char *name)
{
    size_t n = name ? strlen (name) : 0;
    if (n < 2 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum ((unsigned char) name [i]) && !strchr ("._-", name [i]))
            return false;
    return true;
}

static int
s_hash (const char *password, char out [crypto_pwhash_STRBYTES], mt_err_t *err)
{
    if (crypto_pwhash_str (out, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return mt_err_set (err, MT_ENOMEM, "out of memory hashing the password");
    return MT_OK;
}

//  A new password of the user called name: checked against the rules
//  (mt_users_password_check; *reason may be NULL), then hashed.
static int
s_new_hash (const char *name, const char *password, mt_password_reason *reason,
            char out [crypto_pwhash_STRBYTES], mt_err_t *err)
{
    int rc = mt_users_password_check (name, password, reason, err);
    return rc == MT_OK ? s_hash (password, out, err) : rc;
}

static bool
s_verify (const char *hash, const char *password)
{
    return hash [0] && password && strlen (password) <= MT_USERS_PASSWORD_BYTES
        && crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

//  Whether a name is taken, by a user or a retired one, ignoring case (so
//  the audit log never shows "Li" and "li" as two people): 0 free, 1 a
//  user's, 2 retired, -1 the database failed.
static int
s_name_taken (mt_users_t *self, const char *name)
{
    sqlite3_stmt *stmt;
    int taken = -1;
    if (sqlite3_prepare_v2 (self->db, "SELECT 1 FROM users WHERE name = ?1 COLLATE NOCASE"
                            " UNION ALL SELECT 2 FROM retired_names"
                            " WHERE name = ?1 COLLATE NOCASE", -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize (stmt);
        return -1;
    }
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step (stmt);
    taken = step == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : step == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize (stmt);
    return taken;
}

int
mt_users_add (mt_users_t *self, const mt_user_t *user, const char *password, mt_err_t *err)
{
    if (!s_name_ok (user->name))
        return mt_err_set (err, MT_EINVAL, "The user name '%s' is not allowed: use 2-63 letters, "
                           "digits, '.', '_' or '-'.", user->name);
    if (!mt_role_from_name (mt_role_name (user->role)))
        return mt_err_set (err, MT_EINVAL,
                           "The role must be station_staff, police_liaison or admin.");
    if (user->role == MT_ROLE_STATION_STAFF && !user->station [0])
        return mt_err_set (err, MT_EINVAL, "Station staff need a station.");
    if (mt_utf8_chars (user->station) > MT_USER_STATION_CHARS
    ||  !mt_utf8_valid (user->station, strlen (user->station)))
        return mt_err_set (err, MT_EINVAL, "A station's name is UTF-8 text of at most %d "
                           "characters.", MT_USER_STATION_CHARS);
    char hash [crypto_pwhash_STRBYTES];
    int rc = s_new_hash (user->name, password, NULL, hash, err);
    if (rc == MT_OK)
        rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    int taken = s_name_taken (self, user->name);
    if (taken < 0)
        rc = s_fail (self, err, "add user");
    else
    if (taken == 1)
        rc = mt_err_set (err, MT_ECONFLICT, "There is already a user called '%s': choose "
                         "another name.", user->name);
    else
    if (taken == 2)
        rc = mt_err_set (err, MT_ECONFLICT, "The name '%s' belonged to a user who was deleted, "
                         "and names are never given again (the audit log must keep meaning "
                         "one person): choose another name.", user->name);
    char now [32];
    s_iso (s_now (self), now);
    if (rc == MT_OK
    &&  s_run (self, NULL, "INSERT INTO users (name, hash, role, station, province, created_at,"
               " must_change) VALUES (?, ?, ?, ?, ?, ?, ?)", "ttttiti", user->name, hash,
               mt_role_name (user->role), user->station, (int64_t) user->province, now,
               (int64_t) user->must_change) != MT_OK)
        rc = s_fail (self, err, "add user");
    return s_end (self, rc, err);
}

int
mt_users_list (mt_users_t *self, mt_user_t **users_p, size_t *count_p, mt_err_t *err)
{
    *users_p = NULL;
    *count_p = 0;
    sqlite3_stmt *stmt = s_prepare (self, "SELECT " S_USER_COLUMNS " FROM users u ORDER BY"
                                    " u.name", err, "list users");
    if (!stmt)
        return MT_EIO;
    size_t size = 0;
    int rc = MT_OK, step;
    while (rc == MT_OK && (step = sqlite3_step (stmt)) == SQLITE_ROW) {
        if (*count_p == size) {
            size = size ? size * 2 : 16;
            mt_user_t *bigger = realloc (*users_p, size * sizeof *bigger);
            if (!bigger) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            *users_p = bigger;
        }
        s_row (self, stmt, &(*users_p) [(*count_p)++]);
    }
    if (rc == MT_OK && step != SQLITE_DONE)
        rc = s_fail (self, err, "list users");
    sqlite3_finalize (stmt);
    if (rc != MT_OK) {
        free (*users_p);
        *users_p = NULL;
        *count_p = 0;
    }
    return rc;
}

size_t
mt_users_count (mt_users_t *self)
{
    sqlite3_stmt *stmt;
    size_t n = 0;
    if (sqlite3_prepare_v2 (self->db, "SELECT COUNT (*) FROM users", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_ROW)
        n = (size_t) sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return n;
}

int
mt_users_set_password (mt_users_t *self, const char *name, const char *password,
                       bool must_change, mt_err_t *err)
{
    mt_user_t user;
    int rc = mt_users_get (self, name, &user, err);
    char hash [crypto_pwhash_STRBYTES];
    if (rc == MT_OK)
        rc = s_new_hash (name, password, NULL, hash, err);
    if (rc == MT_OK)
        rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    int changed = 0;
    if (s_run (self, &changed, "UPDATE users SET hash = ?, must_change = ?, failures = 0,"
               " failures_since = 0, locked_until = 0 WHERE name = ?", "tit", hash,
               (int64_t) must_change, name) != MT_OK
    ||  s_run (self, NULL, "DELETE FROM sessions WHERE name = ?", "t", name) != MT_OK)
        rc = s_fail (self, err, "set password");
    else
    if (changed == 0)
        rc = mt_err_set (err, MT_ENOTFOUND, "There is no user called '%s'.", name);
    return s_end (self, rc, err);
}

//  Count a failed sign-in of an existing user; lock after
//  MT_USERS_LOCK_AFTER in a window of MT_USERS_LOCK_S. *locked_until: when
//  the lock (now or an earlier one) ends, 0 if none.
static int
s_failure (mt_users_t *self, const char *name, bool *just_locked, int64_t *locked_until,
           mt_err_t *err)
{
    *just_locked = false;
    *locked_until = 0;
    int rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    sqlite3_stmt *stmt = s_prepare (self, "SELECT failures, failures_since, locked_until"
                                    " FROM users WHERE name = ?", err, "sign-in");
    if (!stmt)
        return s_end (self, MT_EIO, err);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
    int64_t now = s_now (self), failures = 0, since = 0, until = 0;
    bool found = sqlite3_step (stmt) == SQLITE_ROW;
    if (found) {
        failures = sqlite3_column_int64 (stmt, 0);
        since = sqlite3_column_int64 (stmt, 1);
        until = sqlite3_column_int64 (stmt, 2);
    }
    sqlite3_finalize (stmt);
    if (!found)                 //  deleted meanwhile: nothing to count
        return s_end (self, MT_OK, err);
    if (until > now) {          //  another failure locked it meanwhile
        *locked_until = until;
        return s_end (self, MT_OK, err);
    }
    if (since + MT_USERS_LOCK_S <= now) {
        failures = 0;
        since = now;
    }
    failures++;
    until = 0;
    if (failures >= MT_USERS_LOCK_AFTER) {
        //  Locked: the count starts again when the lock ends.
        until = now + MT_USERS_LOCK_S;
        failures = 0;
        since = 0;
        *just_locked = true;
        *locked_until = until;
    }
    if (s_run (self, NULL, "UPDATE users SET failures = ?, failures_since = ?, locked_until = ?"
               " WHERE name = ?", "iiit", failures, since, until, name) != MT_OK)
        rc = s_fail (self, err, "sign-in");
    return s_end (self, rc, err);
}

int
mt_users_change_password (mt_users_t *self, const char *name, const char *old_password,
                          const char *password, const char *keep_token,
                          mt_password_reason *reason, bool *locked_p, mt_err_t *err)
{
    if (reason)
        *reason = MT_PASSWORD_OK;
    if (locked_p)
        *locked_p = false;
    mt_user_t user;
    char hash [crypto_pwhash_STRBYTES];
    int rc = s_get (self, name, &user, hash, err);
    if (rc != MT_OK)
        return rc;
    if (user.locked_until) {
        if (locked_p)
            *locked_p = true;
        return mt_err_set (err, MT_ECONFLICT, "This account is locked after too many failed "
                           "sign-ins: ask an administrator to unlock it, or wait until the "
                           "lock ends.");
    }
    if (!s_verify (hash, old_password)) {
        bool just_locked;
        int64_t until;
        rc = s_failure (self, name, &just_locked, &until, err);
        if (rc != MT_OK)
            return rc;
        if (locked_p)
            *locked_p = just_locked;
        return mt_err_set (err, MT_EFORBIDDEN, "The current password is wrong.");
    }
    if (password && strcmp (password, old_password) == 0) {
        if (reason)
            *reason = MT_PASSWORD_SAME;
        return mt_err_set (err, MT_EINVAL, "The new password is the same as the current one: "
                           "choose a different one.");
    }
    rc = s_new_hash (name, password, reason, hash, err);
    if (rc == MT_OK)
        rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    unsigned char digest [crypto_hash_sha256_BYTES];
    char keep [65] = "";
    if (keep_token) {
        crypto_hash_sha256 (digest, (const unsigned char *) keep_token, strlen (keep_token));
        sodium_bin2hex (keep, sizeof keep, digest, sizeof digest);
    }
    if (s_run (self, NULL, "UPDATE users SET hash = ?, must_change = 0 WHERE name = ?", "tt",
               hash, name) != MT_OK
    ||  s_run (self, NULL, "DELETE FROM sessions WHERE name = ? AND token_hash <> ?", "tt",
               name, keep) != MT_OK)
        rc = s_fail (self, err, "change password");
    return s_end (self, rc, err);
}

//  Whether taking name away (disabling or deleting it) would leave no
//  active admin. Inside the caller's transaction.
static bool
s_last_admin (mt_users_t *self, const mt_user_t *user)
{
    if (user->role != MT_ROLE_ADMIN || user->disabled)
        return false;
    sqlite3_stmt *stmt;
    sqlite3_int64 others = 1;
    if (sqlite3_prepare_v2 (self->db, "SELECT COUNT (*) FROM users WHERE role = 'admin'"
                            " AND disabled = 0 AND name <> ?", -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, user->name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_ROW)
            others = sqlite3_column_int64 (stmt, 0);
    }
    sqlite3_finalize (stmt);
    return others == 0;
}

int
mt_users_set_disabled (mt_users_t *self, const char *name, bool disabled, mt_err_t *err)
{
    int rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    mt_user_t user;
    rc = mt_users_get (self, name, &user, err);
    if (rc == MT_OK && disabled && s_last_admin (self, &user))
        rc = mt_err_set (err, MT_ECONFLICT, "'%s' is the last active administrator: add or "
                         "enable another administrator first.", name);
    if (rc == MT_OK
    &&  (s_run (self, NULL, "UPDATE users SET disabled = ? WHERE name = ?", "it",
                (int64_t) disabled, name) != MT_OK
    ||   (disabled && s_run (self, NULL, "DELETE FROM sessions WHERE name = ?", "t",
                             name) != MT_OK)))
        rc = s_fail (self, err, "disable user");
    return s_end (self, rc, err);
}

int
mt_users_delete (mt_users_t *self, const char *name, mt_err_t *err)
{
    int rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    mt_user_t user;
    rc = mt_users_get (self, name, &user, err);
    if (rc == MT_OK && s_last_admin (self, &user))
        rc = mt_err_set (err, MT_ECONFLICT, "'%s' is the last active administrator: add or "
                         "enable another administrator first.", name);
    char now [32];
    s_iso (s_now (self), now);
    if (rc == MT_OK
    &&  (s_run (self, NULL, "DELETE FROM sessions WHERE name = ?", "t", name) != MT_OK
    ||   s_run (self, NULL, "INSERT INTO retired_names (name, role, deleted_at)"
                " VALUES (?, ?, ?)", "ttt", name, mt_role_name (user.role), now) != MT_OK
    ||   s_run (self, NULL, "DELETE FROM users WHERE name = ?", "t", name) != MT_OK))
        rc = s_fail (self, err, "delete user");
    return s_end (self, rc, err);
}

int
mt_users_unlock (mt_users_t *self, const char *name, bool *was_locked, mt_err_t *err)
{
    int rc = s_begin (self, err);
    if (rc != MT_OK)
        return rc;
    mt_user_t user;
    rc = mt_users_get (self, name, &user, err);
    if (rc == MT_OK && was_locked)
        *was_locked = user.locked_until != 0;
    if (rc == MT_OK
    &&  s_run (self, NULL, "UPDATE users SET failures = 0, failures_since = 0,"
               " locked_until = 0 WHERE name = ?", "t", name) != MT_OK)
        rc = s_fail (self, err, "unlock user");
    return s_end (self, rc, err);
}

//  ---------------------------------------------------------------- sign-in

int
mt_users_signin (mt_users_t *self, const char *name, const char *password, bool spend_time,
                 mt_signin_t *result, mt_err_t *err)
{
    memset (result, 0, sizeof *result);
    char hash [crypto_pwhash_STRBYTES] = "";
    int rc = s_get (self, name, &result->user, hash, err);
    if (rc == MT_ENOTFOUND) {
        //  The same time on an unknown name as on a wrong password.
        char dummy [crypto_pwhash_STRBYTES];
        if (spend_time)
            s_hash ("not a password", dummy, err);
        result->outcome = MT_SIGNIN_UNKNOWN;
        return MT_OK;
    }
    if (rc != MT_OK)
        return rc;
    if (result->user.locked_until) {
        //  The password is not looked at (guessing goes nowhere), but may
        //  take the time it would.
        if (spend_time)
            s_verify (hash, password);
        result->outcome = MT_SIGNIN_LOCKED;
        result->locked_until = result->user.locked_until;
        return MT_OK;
    }
    if (!s_verify (hash, password)) {
        rc = s_failure (self, result->user.name, &result->just_locked, &result->locked_until,
                        err);
        result->outcome = result->locked_until ? MT_SIGNIN_LOCKED : MT_SIGNIN_WRONG;
        result->user.locked_until = result->locked_until;
        return rc;
    }
    if (result->user.disabled) {
        result->outcome = MT_SIGNIN_DISABLED;
        return MT_OK;
    }
    char now [32];
    s_iso (s_now (self), now);
    if (s_run (self, NULL, "UPDATE users SET failures = 0, failures_since = 0,"
               " last_signin_at = ? WHERE name = ?", "tt", now, result->user.name) != MT_OK)
        return s_fail (self, err, "sign-in");
    snprintf (result->user.last_signin_at, sizeof result->user.last_signin_at, "%s", now);
    result->outcome = MT_SIGNIN_OK;
    return MT_OK;
}

//  ---------------------------------------------------------------- sessions

static void
s_token_hash (const char *token, char hex [65])
{
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) token, strlen (token));
    sodium_bin2hex (hex, 65, hash, sizeof hash);
}

static void
s_random_hex (char out [MT_TOKEN_CHARS + 1])
{
    unsigned char bytes [MT_TOKEN_CHARS / 2];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (out, MT_TOKEN_CHARS + 1, bytes, sizeof bytes);
}

int
mt_users_session_new (mt_users_t *self, const char *name, int ttl_s,
                      char token [MT_TOKEN_CHARS + 1], char csrf [MT_TOKEN_CHARS + 1],
                      mt_err_t *err)
{
    s_random_hex (token);
    s_random_hex (csrf);
    char hash [65];
    s_token_hash (token, hash);
    int64_t now = s_now (self);
    //  Expired sessions go when new ones come.
    s_run (self, NULL, "DELETE FROM sessions WHERE expires_at < ?", "i", now);
    if (s_run (self, NULL, "INSERT INTO sessions (token_hash, name, csrf, expires_at)"
               " VALUES (?, ?, ?, ?)", "ttti", hash, name, csrf, now + ttl_s) != MT_OK)
        return s_fail (self, err, "session");
    return MT_OK;
}

int
mt_users_session_get (mt_users_t *self, const char *token, mt_user_t *user,
                      char csrf [MT_TOKEN_CHARS + 1], mt_err_t *err)
{
    if (!token || strlen (token) != MT_TOKEN_CHARS)
        return mt_err_set (err, MT_ENOTFOUND, "not signed in");
    char hash [65];
    s_token_hash (token, hash);
    sqlite3_stmt *stmt = s_prepare (self, "SELECT " S_USER_COLUMNS ", s.csrf FROM sessions s"
                                    " JOIN users u ON u.name = s.name WHERE s.token_hash = ?"
                                    " AND s.expires_at >= ?", err, "session");
    if (!stmt)
        return MT_EIO;
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) s_now (self));
    int rc = mt_err_set (err, MT_ENOTFOUND, "not signed in, or the session has expired");
    if (sqlite3_step (stmt) == SQLITE_ROW) {
        s_row (self, stmt, user);
        s_text (stmt, S_USER_COLUMN_COUNT, csrf, MT_TOKEN_CHARS + 1);
        if (!user->disabled)
            rc = MT_OK;
    }
    sqlite3_finalize (stmt);
    return rc;
}

int
mt_users_session_end (mt_users_t *self, const char *token, bool *ended, mt_err_t *err)
{
    char hash [65];
    s_token_hash (token ? token : "", hash);
    int changed = 0;
    if (s_run (self, &changed, "DELETE FROM sessions WHERE token_hash = ?", "t", hash) != MT_OK)
        return s_fail (self, err, "session");
    if (ended)
        *ended = changed > 0;
    return MT_OK;
}

int
mt_users_session_count (mt_users_t *self, const char *name)
{
    sqlite3_stmt *stmt;
    int n = 0;
    if (sqlite3_prepare_v2 (self->db, "SELECT COUNT (*) FROM sessions WHERE name = ?"
                            " AND expires_at >= ?", -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) s_now (self));
        if (sqlite3_step (stmt) == SQLITE_ROW)
            n = sqlite3_column_int (stmt, 0);
    }
    sqlite3_finalize (stmt);
    return n;
}
