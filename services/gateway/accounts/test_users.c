//  Self-test of mt_users: which passwords are refused and why, the lockout
//  and its unlock (held in the file, seen by a second handle), disabling
//  and deleting (sessions end, the last admin stays, names are retired),
//  an admin's reset and one's own change, and an old file brought up to
//  date by the migrations.

#include "mt_test.h"

#include "gateway/accounts/mt_users.h"

#include <sodium.h>
#include <sqlite3.h>

static char s_path [512];

static void
s_fresh (const char *name)
{
    snprintf (s_path, sizeof s_path, "%s/%s.db", mt_test_tmpdir (), name);
}

static mt_user_t
s_user (const char *name, mt_role role)
{
    mt_user_t user = { .role = role };
    snprintf (user.name, sizeof user.name, "%s", name);
    if (role == MT_ROLE_STATION_STAFF)
        snprintf (user.station, sizeof user.station, "Guangzhou relief station");
    return user;
}

static mt_password_reason
s_reason (const char *name, const char *password)
{
    mt_password_reason reason = MT_PASSWORD_OK;
    mt_err_t err = { 0 };
    int rc = mt_users_password_check (name, password, &reason, &err);
    MT_CHECK ((rc == MT_OK) == (reason == MT_PASSWORD_OK));
    if (rc != MT_OK)
        MT_CHECK (strlen (err.msg) > 20);      //  a sentence that says what to do
    return reason;
}

static void
test_policy (void)
{
    //  Too short, counted in characters: 9 Chinese characters are 27 bytes.
    MT_CHECK_INT (s_reason ("wei", "short"), MT_PASSWORD_TOO_SHORT);
    MT_CHECK_INT (s_reason ("wei", NULL), MT_PASSWORD_TOO_SHORT);
    MT_CHECK_INT (s_reason ("wei", "红色的马在跑步机上"), MT_PASSWORD_TOO_SHORT);
    MT_CHECK_INT (s_reason ("wei", "四川熊猫喜欢吃竹子啊"), MT_PASSWORD_OK);
    //  Patterns: one character, a few repeated, plain sequences either way.
    MT_CHECK_INT (s_reason ("wei", "aaaaaaaaaa"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "1234567890"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "0987654321"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "abcdefghijk"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "QWERTYUIOP"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "abcabcabca"), MT_PASSWORD_PATTERN);
    MT_CHECK_INT (s_reason ("wei", "好好好好好好好好好好"), MT_PASSWORD_PATTERN);
    //  The lists, whatever the case; with digits added; repeated.
    MT_CHECK_INT (s_reason ("wei", "woaini1314"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "WoAiNi1314"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "a123456789"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "5201314520"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "qq1234567890"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "password123"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "Dragon2024"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "passwordpassword"), MT_PASSWORD_COMMON);
    MT_CHECK_INT (s_reason ("wei", "1qaz2wsx3edc"), MT_PASSWORD_PATTERN);
    //  The name, or containing it, whatever the case; but a two-letter name
    //  is in too many good passwords to refuse them.
    MT_CHECK_INT (s_reason ("zhangwei", "ZhangWei-likes-tea"), MT_PASSWORD_HAS_NAME);
    MT_CHECK_INT (s_reason ("wei", "wei19851212"), MT_PASSWORD_HAS_NAME);
    MT_CHECK_INT (s_reason ("li", "reliable horse"), MT_PASSWORD_OK);
    //  Not text.
    MT_CHECK_INT (s_reason ("wei", "\xff\xfe long enough bytes"), MT_PASSWORD_NOT_TEXT);
    MT_CHECK_INT (s_reason ("wei", "tab\tin the password"), MT_PASSWORD_NOT_TEXT);
    char big [1100];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big [i] = (char) ('a' + (i * 7) % 26);
    big [sizeof big - 1] = '\0';
    MT_CHECK_INT (s_reason ("wei", big), MT_PASSWORD_TOO_LONG);
    //  What the project's tests and people use.
    MT_CHECK_INT (s_reason ("staff_a", "correct horse battery"), MT_PASSWORD_OK);
    MT_CHECK_INT (s_reason ("admin", "a long test password"), MT_PASSWORD_OK);
    MT_CHECK_INT (s_reason ("admin", "reliability password"), MT_PASSWORD_OK);
    MT_CHECK_INT (s_reason ("admin", "fuzzing password"), MT_PASSWORD_OK);
    MT_CHECK (strcmp (mt_password_reason_name (MT_PASSWORD_COMMON), "common") == 0);

    //  The same rules when a user is added.
    s_fresh ("policy");
    mt_users_t *db;
    mt_err_t err;
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_OK, &err);
    mt_user_t user = s_user ("wei", MT_ROLE_POLICE_LIAISON);
    MT_CHECK_RC (mt_users_add (db, &user, "1234567890", &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "sequence");
    MT_CHECK_RC (mt_users_add (db, &user, "keep the lamp lit", &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_set_password (db, "wei", "aaaaaaaaaa", true, &err), MT_EINVAL, &err);
    mt_users_close (&db);
}

static void
test_accounts (void)
{
    s_fresh ("accounts");
    mt_users_t *db;
    mt_err_t err;
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_OK, &err);
    MT_CHECK_INT (mt_users_schema (db), MT_USERS_SCHEMA);
    mt_user_t root = s_user ("root", MT_ROLE_ADMIN), staff = s_user ("staff", MT_ROLE_STATION_STAFF);
    MT_CHECK_RC (mt_users_add (db, &root, "keep the lamp burning", &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_add (db, &staff, "a quiet river at dawn", &err), MT_OK, &err);
    mt_user_t again = s_user ("STAFF", MT_ROLE_STATION_STAFF);
    MT_CHECK_RC (mt_users_add (db, &again, "another long password", &err), MT_ECONFLICT, &err);
    mt_user_t nobody = s_user ("x", MT_ROLE_ADMIN);
    MT_CHECK_RC (mt_users_add (db, &nobody, "another long password", &err), MT_EINVAL, &err);
    mt_user_t got;
    MT_CHECK_RC (mt_users_get (db, "staff", &got, &err), MT_OK, &err);
    MT_CHECK (strcmp (got.station, "Guangzhou relief station") == 0);
    MT_CHECK (got.created_at [0] == '2' && !got.disabled && !got.must_change);
    MT_CHECK_RC (mt_users_get (db, "nobody", &got, &err), MT_ENOTFOUND, &err);

    //  Disabling ends every session of the user, and they cannot sign in.
    char token [MT_TOKEN_CHARS + 1], token2 [MT_TOKEN_CHARS + 1], csrf [MT_TOKEN_CHARS + 1];
    MT_CHECK_RC (mt_users_session_new (db, "staff", 3600, token, csrf, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_session_new (db, "staff", 3600, token2, csrf, &err), MT_OK, &err);
    MT_CHECK_INT (mt_users_session_count (db, "staff"), 2);
    MT_CHECK_RC (mt_users_session_get (db, token, &got, csrf, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_set_disabled (db, "staff", true, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_session_get (db, token, &got, csrf, &err), MT_ENOTFOUND, &err);
    MT_CHECK_INT (mt_users_session_count (db, "staff"), 0);
    mt_signin_t in;
    MT_CHECK_RC (mt_users_signin (db, "staff", "a quiet river at dawn", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_DISABLED);
    MT_CHECK_RC (mt_users_signin (db, "staff", "a wrong password!", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_WRONG);
    MT_CHECK_RC (mt_users_set_disabled (db, "staff", false, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_signin (db, "staff", "a quiet river at dawn", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_OK);
    MT_CHECK (in.user.last_signin_at [0] == '2');

    //  The last active admin can be neither disabled nor deleted.
    MT_CHECK_RC (mt_users_set_disabled (db, "root", true, &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "last active administrator");
    MT_CHECK_RC (mt_users_delete (db, "root", &err), MT_ECONFLICT, &err);
    mt_user_t second = s_user ("second", MT_ROLE_ADMIN);
    MT_CHECK_RC (mt_users_add (db, &second, "green tea in the morning", &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_set_disabled (db, "root", true, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_delete (db, "second", &err), MT_ECONFLICT, &err);
    MT_CHECK_RC (mt_users_set_disabled (db, "root", false, &err), MT_OK, &err);

    //  Deleting ends the sessions and retires the name, in any case.
    MT_CHECK_RC (mt_users_session_new (db, "second", 3600, token, csrf, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_delete (db, "second", &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_session_get (db, token, &got, csrf, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_users_signin (db, "second", "green tea in the morning", true, &in, &err), MT_OK,
                 &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_UNKNOWN);
    mt_user_t reuse = s_user ("Second", MT_ROLE_POLICE_LIAISON);
    MT_CHECK_RC (mt_users_add (db, &reuse, "a brand new password", &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "never given again");
    MT_CHECK_RC (mt_users_delete (db, "second", &err), MT_ENOTFOUND, &err);
    mt_user_t *list;
    size_t count;
    MT_CHECK_RC (mt_users_list (db, &list, &count, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    MT_CHECK_INT (mt_users_count (db), 2);
    free (list);

    //  An admin's reset: sessions end, the user must change it.
    MT_CHECK_RC (mt_users_session_new (db, "staff", 3600, token, csrf, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_set_password (db, "staff", "temporary password 7", true, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_users_session_get (db, token, &got, csrf, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_users_signin (db, "staff", "a quiet river at dawn", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_WRONG);
    MT_CHECK_RC (mt_users_signin (db, "staff", "temporary password 7", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_OK);
    MT_CHECK (in.user.must_change);
    MT_CHECK_RC (mt_users_set_password (db, "nobody", "temporary password 7", true, &err),
                 MT_ENOTFOUND, &err);

    //  One's own change: the old password is needed, the new one checked;
    //  the other sessions end, this one stays.
    MT_CHECK_RC (mt_users_session_new (db, "staff", 3600, token, csrf, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_session_new (db, "staff", 3600, token2, csrf, &err), MT_OK, &err);
    mt_password_reason reason;
    bool locked;
    MT_CHECK_RC (mt_users_change_password (db, "staff", "not the password", "a fine new password",
                                           token, &reason, &locked, &err), MT_EFORBIDDEN, &err);
    MT_CHECK (!locked);
    MT_CHECK_RC (mt_users_change_password (db, "staff", "temporary password 7",
                                           "temporary password 7", token, &reason, &locked, &err),
                 MT_EINVAL, &err);
    MT_CHECK_INT (reason, MT_PASSWORD_SAME);
    MT_CHECK_RC (mt_users_change_password (db, "staff", "temporary password 7", "iloveyou1314",
                                           token, &reason, &locked, &err), MT_EINVAL, &err);
    MT_CHECK_INT (reason, MT_PASSWORD_COMMON);
    MT_CHECK_RC (mt_users_change_password (db, "staff", "temporary password 7",
                                           "a fine new password", token, &reason, &locked, &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_users_session_get (db, token, &got, csrf, &err), MT_OK, &err);
    MT_CHECK (!got.must_change);
    MT_CHECK_RC (mt_users_session_get (db, token2, &got, csrf, &err), MT_ENOTFOUND, &err);
    bool ended = false;
    MT_CHECK_RC (mt_users_session_end (db, token, &ended, &err), MT_OK, &err);
    MT_CHECK (ended);
    MT_CHECK_RC (mt_users_session_end (db, token, &ended, &err), MT_OK, &err);
    MT_CHECK (!ended);
    mt_users_close (&db);
}

static void
test_lockout (void)
{
    s_fresh ("lockout");
    mt_users_t *db, *other;
    mt_err_t err;
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_OK, &err);
    MT_CHECK_RC (mt_users_open (s_path, &other, &err), MT_OK, &err);
    int64_t t0 = 1700000000;
    mt_users_set_now (db, t0);
    mt_users_set_now (other, t0);
    mt_user_t user = s_user ("police", MT_ROLE_POLICE_LIAISON);
    const char *right = "the right long password";
    MT_CHECK_RC (mt_users_add (db, &user, right, &err), MT_OK, &err);
    mt_signin_t in;
    //  Failures spread over two handles (two gateway threads) add up.
    for (int i = 0; i < MT_USERS_LOCK_AFTER - 1; i++) {
        MT_CHECK_RC (mt_users_signin (i % 2 ? db : other, "police", "wrong guess", true, &in, &err),
                     MT_OK, &err);
        MT_CHECK_INT (in.outcome, MT_SIGNIN_WRONG);
    }
    MT_CHECK_RC (mt_users_signin (db, "police", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_LOCKED);
    MT_CHECK (in.just_locked);
    MT_CHECK_INT (in.locked_until, t0 + MT_USERS_LOCK_S);
    //  Locked: even the right password, on the other handle too.
    MT_CHECK_RC (mt_users_signin (other, "police", right, true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_LOCKED);
    MT_CHECK (!in.just_locked);
    mt_user_t got;
    MT_CHECK_RC (mt_users_get (other, "police", &got, &err), MT_OK, &err);
    MT_CHECK_INT (got.locked_until, t0 + MT_USERS_LOCK_S);
    //  ... until it ends by itself.
    mt_users_set_now (db, t0 + MT_USERS_LOCK_S + 1);
    MT_CHECK_RC (mt_users_signin (db, "police", right, true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_OK);
    //  ... or an admin unlocks it.
    for (int i = 0; i < MT_USERS_LOCK_AFTER; i++)
        MT_CHECK_RC (mt_users_signin (db, "police", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_LOCKED);
    bool was_locked = false;
    MT_CHECK_RC (mt_users_unlock (other, "police", &was_locked, &err), MT_OK, &err);
    MT_CHECK (was_locked);
    MT_CHECK_RC (mt_users_signin (db, "police", right, true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_OK);
    MT_CHECK_RC (mt_users_unlock (db, "police", &was_locked, &err), MT_OK, &err);
    MT_CHECK (!was_locked);
    //  Failures older than the window are forgotten; a success forgets all.
    int64_t t1 = t0 + 10000;
    mt_users_set_now (db, t1);
    for (int i = 0; i < MT_USERS_LOCK_AFTER - 1; i++)
        MT_CHECK_RC (mt_users_signin (db, "police", "wrong guess", true, &in, &err), MT_OK, &err);
    mt_users_set_now (db, t1 + MT_USERS_LOCK_S);
    MT_CHECK_RC (mt_users_signin (db, "police", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_WRONG);
    MT_CHECK_RC (mt_users_signin (db, "police", right, true, &in, &err), MT_OK, &err);
    for (int i = 0; i < MT_USERS_LOCK_AFTER - 1; i++)
        MT_CHECK_RC (mt_users_signin (db, "police", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_WRONG);
    //  Wrong current passwords in a change count too.
    bool locked = false;
    MT_CHECK_RC (mt_users_change_password (db, "police", "wrong guess", "a fine new password",
                                           NULL, NULL, &locked, &err), MT_EFORBIDDEN, &err);
    MT_CHECK (locked);
    MT_CHECK_RC (mt_users_change_password (db, "police", right, "a fine new password", NULL,
                                           NULL, &locked, &err), MT_ECONFLICT, &err);
    MT_CHECK (locked);
    //  Without spend_time the outcomes are the same (only cheaper).
    MT_CHECK_RC (mt_users_signin (db, "police", right, false, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_LOCKED);
    MT_CHECK_RC (mt_users_signin (db, "made-up", right, false, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_UNKNOWN);
    //  Unknown names lock nothing (and are not stored).
    MT_CHECK_RC (mt_users_signin (db, "made-up", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_UNKNOWN);
    MT_CHECK_INT (mt_users_count (db), 1);
    mt_users_close (&other);
    mt_users_close (&db);
}

//  A users file as Homeward made it before migrations were numbered
//  (user_version 0): it opens, is brought to MT_USERS_SCHEMA in place, and
//  its users and sessions work as before.
static void
test_migrations (void)
{
    s_fresh ("old");
    sqlite3 *old;
    MT_CHECK (sqlite3_open (s_path, &old) == SQLITE_OK);
    char hash [crypto_pwhash_STRBYTES];
    MT_CHECK (sodium_init () >= 0);
    MT_CHECK (crypto_pwhash_str (hash, "an old long password", 20,
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0);
    char sql [1024];
    snprintf (sql, sizeof sql,
              "CREATE TABLE users ("
              "  name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
              "  role TEXT NOT NULL CHECK (role IN ('station_staff','police_liaison','admin')),"
              "  station TEXT, province INTEGER NOT NULL DEFAULT 0,"
              "  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
              "CREATE TABLE sessions ("
              "  token_hash TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users (name),"
              "  csrf TEXT NOT NULL, expires_at INTEGER NOT NULL);"
              "INSERT INTO users VALUES ('oldadmin', '%s', 'admin', '', 0, 0,"
              "  '2023-01-01T00:00:00Z');", hash);
    MT_CHECK (sqlite3_exec (old, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (old);

    mt_users_t *db;
    mt_err_t err;
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_OK, &err);
    MT_CHECK_INT (mt_users_schema (db), MT_USERS_SCHEMA);
    mt_signin_t in;
    MT_CHECK_RC (mt_users_signin (db, "oldadmin", "an old long password", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_OK);
    MT_CHECK (!in.user.must_change && in.user.locked_until == 0);
    MT_CHECK (strcmp (in.user.created_at, "2023-01-01T00:00:00Z") == 0);
    //  What schema 2 added works on the old file.
    for (int i = 0; i < MT_USERS_LOCK_AFTER; i++)
        MT_CHECK_RC (mt_users_signin (db, "oldadmin", "wrong guess", true, &in, &err), MT_OK, &err);
    MT_CHECK_INT (in.outcome, MT_SIGNIN_LOCKED);
    MT_CHECK_RC (mt_users_unlock (db, "oldadmin", NULL, &err), MT_OK, &err);
    mt_users_close (&db);
    //  Opened again: nothing to do, nothing lost.
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_OK, &err);
    MT_CHECK_INT (mt_users_count (db), 1);
    mt_users_close (&db);

    //  A file from a newer Homeward is refused, not changed.
    s_fresh ("newer");
    MT_CHECK (sqlite3_open (s_path, &old) == SQLITE_OK);
    MT_CHECK (sqlite3_exec (old, "CREATE TABLE t (x); PRAGMA user_version = 99;", NULL, NULL,
                            NULL) == SQLITE_OK);
    sqlite3_close (old);
    MT_CHECK_RC (mt_users_open (s_path, &db, &err), MT_EIO, &err);
    MT_CHECK_CONTAINS (err.msg, "newer Homeward");
    MT_CHECK (db == NULL);
}

int
main (void)
{
    MT_RUN (test_policy);
    MT_RUN (test_accounts);
    MT_RUN (test_lockout);
    MT_RUN (test_migrations);
    return MT_TEST_MAIN_END ();
}
