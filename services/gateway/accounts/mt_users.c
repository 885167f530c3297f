//  mt_users - users, roles and sessions.

#include "gateway/accounts/mt_users.h"

#include <ctype.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mt_users {
    sqlite3 *db;
};

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS users ("
    "  name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('station_staff','police_liaison','admin')),"
    "  station TEXT, province INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    "  token_hash TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users (name),"
    "  csrf TEXT NOT NULL, expires_at INTEGER NOT NULL);";

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
    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                        | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK
    ||  sqlite3_busy_timeout (self->db, 10000) != SQLITE_OK
    ||  sqlite3_exec (self->db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", NULL,
                      NULL, &why) != SQLITE_OK
    ||  sqlite3_exec (self->db, s_schema, NULL, NULL, &why) != SQLITE_OK) {
        int rc = mt_err_set (err, MT_EIO, "cannot open users %s: %s", path,
                             why ? why : self->db ? sqlite3_errmsg (self->db) : "out of memory");
        sqlite3_free (why);
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
    if (!password || strlen (password) < 10)
        return mt_err_set (err, MT_EINVAL, "a password needs at least 10 characters");
    if (strlen (password) > 1024)
        return mt_err_set (err, MT_EINVAL, "a password of more than 1024 characters");
    if (crypto_pwhash_str (out, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return mt_err_set (err, MT_ENOMEM, "out of memory hashing the password");
    return MT_OK;
}

int
mt_users_add (mt_users_t *self, const mt_user_t *user, const char *password, mt_err_t *err)
{
    if (!s_name_ok (user->name))
        return mt_err_set (err, MT_EINVAL, "user name '%s': 2-63 letters, digits, '.', '_', '-'",
                           user->name);
    if (!mt_role_from_name (mt_role_name (user->role)))
        return mt_err_set (err, MT_EINVAL, "role must be station_staff, police_liaison or admin");
    if (user->role == MT_ROLE_STATION_STAFF && !user->station [0])
        return mt_err_set (err, MT_EINVAL, "station staff need a station");
    if (mt_utf8_chars (user->station) > MT_USER_STATION_CHARS
    ||  !mt_utf8_valid (user->station, strlen (user->station)))
        return mt_err_set (err, MT_EINVAL, "a station's name is UTF-8 text of at most %d "
                           "characters", MT_USER_STATION_CHARS);
    char hash [crypto_pwhash_STRBYTES];
    int rc = s_hash (password, hash, err);
    if (rc != MT_OK)
        return rc;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "INSERT INTO users (name, hash, role, station, province,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
        return s_fail (self, err, "add user");
    char now [32];
    time_t t = time (NULL);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_bind_text (stmt, 1, user->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 3, mt_role_name (user->role), -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 4, user->station, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 5, user->province);
    sqlite3_bind_text (stmt, 6, now, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step (stmt);
    sqlite3_finalize (stmt);
    if (step == SQLITE_CONSTRAINT)
        return mt_err_set (err, MT_EINVAL, "user '%s' exists already", user->name);
    return step == SQLITE_DONE ? MT_OK : s_fail (self, err, "add user");
}

int
mt_users_set_password (mt_users_t *self, const char *name, const char *password, mt_err_t *err)
{
    char hash [crypto_pwhash_STRBYTES];
    int rc = s_hash (password, hash, err);
    if (rc != MT_OK)
        return rc;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "UPDATE users SET hash = ? WHERE name = ?", -1, &stmt,
                            NULL) != SQLITE_OK)
        return s_fail (self, err, "set password");
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step (stmt) == SQLITE_DONE ? MT_OK : s_fail (self, err, "set password");
    if (rc == MT_OK && sqlite3_changes (self->db) == 0)
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no user '%s'", name);
    sqlite3_finalize (stmt);
    return rc;
}

static void
s_row (sqlite3_stmt *stmt, mt_user_t *user)
{
    memset (user, 0, sizeof *user);
    snprintf (user->name, sizeof user->name, "%s", (const char *) sqlite3_column_text (stmt, 0));
    user->role = (mt_role) mt_role_from_name ((const char *) sqlite3_column_text (stmt, 1));
    const unsigned char *station = sqlite3_column_text (stmt, 2);
    snprintf (user->station, sizeof user->station, "%s", station ? (const char *) station : "");
    user->province = sqlite3_column_int (stmt, 3);
    user->disabled = sqlite3_column_int (stmt, 4) != 0;
}

int
mt_users_list (mt_users_t *self, mt_user_t **users_p, size_t *count_p, mt_err_t *err)
{
    *users_p = NULL;
    *count_p = 0;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "SELECT name, role, station, province, disabled FROM users"
                            " ORDER BY name", -1, &stmt, NULL) != SQLITE_OK)
        return s_fail (self, err, "list users");
    size_t size = 0;
    while (sqlite3_step (stmt) == SQLITE_ROW) {
        if (*count_p == size) {
            size = size ? size * 2 : 16;
            mt_user_t *bigger = realloc (*users_p, size * sizeof *bigger);
            if (!bigger)
                break;
            *users_p = bigger;
        }
        s_row (stmt, &(*users_p) [(*count_p)++]);
    }
    sqlite3_finalize (stmt);
    return MT_OK;
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
mt_users_verify (mt_users_t *self, const char *name, const char *password, mt_user_t *user,
                 mt_err_t *err)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "SELECT name, role, station, province, disabled, hash"
                            " FROM users WHERE name = ?", -1, &stmt, NULL) != SQLITE_OK)
        return s_fail (self, err, "verify");
    sqlite3_bind_text (stmt, 1, name ? name : "", -1, SQLITE_TRANSIENT);
    int rc = mt_err_set (err, MT_ENOTFOUND, "wrong user name or password");
    if (sqlite3_step (stmt) == SQLITE_ROW && password && strlen (password) <= 1024) {
        const char *hash = (const char *) sqlite3_column_text (stmt, 5);
        s_row (stmt, user);
        if (!user->disabled && hash
        &&  crypto_pwhash_str_verify (hash, password, strlen (password)) == 0)
            rc = MT_OK;
    }
    else {
        //  Spend the same time on an unknown name as on a wrong password.
        char dummy [crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str (dummy, "x", 1, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            rc = mt_err_set (err, MT_ENOTFOUND, "wrong user name or password");
    }
    sqlite3_finalize (stmt);
    return rc;
}

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
    sqlite3_stmt *stmt;
    //  Expired sessions go when new ones come.
    sqlite3_exec (self->db, "DELETE FROM sessions WHERE expires_at < strftime ('%s', 'now')",
                  NULL, NULL, NULL);
    if (sqlite3_prepare_v2 (self->db, "INSERT INTO sessions VALUES (?, ?, ?, ?)", -1, &stmt,
                            NULL) != SQLITE_OK)
        return s_fail (self, err, "session");
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 3, csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) time (NULL) + ttl_s);
    int rc = sqlite3_step (stmt) == SQLITE_DONE ? MT_OK : s_fail (self, err, "session");
    sqlite3_finalize (stmt);
    return rc;
}

int
mt_users_session_get (mt_users_t *self, const char *token, mt_user_t *user,
                      char csrf [MT_TOKEN_CHARS + 1], mt_err_t *err)
{
    if (!token || strlen (token) != MT_TOKEN_CHARS)
        return mt_err_set (err, MT_ENOTFOUND, "not signed in");
    char hash [65];
    s_token_hash (token, hash);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "SELECT u.name, u.role, u.station, u.province,"
                            " u.disabled, s.csrf FROM sessions s JOIN users u ON u.name = s.name"
                            " WHERE s.token_hash = ? AND s.expires_at >= ?", -1, &stmt,
                            NULL) != SQLITE_OK)
        return s_fail (self, err, "session");
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) time (NULL));
    int rc = mt_err_set (err, MT_ENOTFOUND, "not signed in, or the session has expired");
    if (sqlite3_step (stmt) == SQLITE_ROW) {
        s_row (stmt, user);
        snprintf (csrf, MT_TOKEN_CHARS + 1, "%s", (const char *) sqlite3_column_text (stmt, 5));
        if (!user->disabled)
            rc = MT_OK;
    }
    sqlite3_finalize (stmt);
    return rc;
}

int
mt_users_session_end (mt_users_t *self, const char *token, mt_err_t *err)
{
    char hash [65];
    s_token_hash (token ? token : "", hash);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2 (self->db, "DELETE FROM sessions WHERE token_hash = ?", -1, &stmt,
                            NULL) != SQLITE_OK)
        return s_fail (self, err, "session");
    sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step (stmt) == SQLITE_DONE ? MT_OK : s_fail (self, err, "session");
    sqlite3_finalize (stmt);
    return rc;
}
