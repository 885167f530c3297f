//  mt_users - the people who use the web app and the HTTP API, their roles,
//  and their sessions, in SQLite. Passwords are stored as argon2id hashes
//  (libsodium); session tokens only as their SHA-256.
//
//  Roles: station_staff (cases of their own station), police_liaison
//  (reviews across provinces), admin (users, the audit log).
//
//  What an account can be: active; disabled by an admin (cannot sign in,
//  its sessions ended); locked after MT_USERS_LOCK_AFTER failed sign-ins
//  within MT_USERS_LOCK_S seconds, for MT_USERS_LOCK_S seconds or until an
//  admin unlocks it; bound to change its password (an admin set it) before
//  it may do anything else. A deleted user's name is kept as retired and
//  never given to anyone again: the audit log names people by their user
//  name, and must keep meaning one person.
//
//  The state lives in the database file, not in memory, so it holds across
//  the gateway's threads, its processes and restarts, and the CLI's
//  `homeward user` changes it while the gateway runs. The file's schema is
//  numbered (PRAGMA user_version); mt_users_open brings an older file up to
//  date in place.
//
//  One handle is for one thread at a time; open one per thread.

#ifndef MT_USERS_H_INCLUDED
#define MT_USERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "base/mt_utf8.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_ROLE_STATION_STAFF = 1,
    MT_ROLE_POLICE_LIAISON,
    MT_ROLE_ADMIN
} mt_role;

//  The most characters of a station's name (as a case's station has).
#define MT_USER_STATION_CHARS 120
#define MT_USERS_LOCK_AFTER 5           //  failed sign-ins that lock an account
#define MT_USERS_LOCK_S 900             //  ... within this window; and the lock's length
#define MT_USERS_PASSWORD_CHARS 10      //  the shortest password, in characters
#define MT_USERS_PASSWORD_BYTES 1024    //  the longest, in bytes
#define MT_USERS_SCHEMA 2               //  the database schema this code writes

typedef struct {
    char name [64];
    mt_role role;
    char station [MT_UTF8_BYTES (MT_USER_STATION_CHARS)];  //  station_staff: their relief station
    int province;               //  their province (GB/T 2260), 0 if none
    bool disabled;
    bool must_change;           //  must change the password before anything else
    int64_t locked_until;       //  Unix time the lock ends; 0 if not locked now
    char created_at [32];       //  ISO 8601 UTC; "" when not read from the database
    char last_signin_at [32];   //  ISO 8601 UTC of the last sign-in; "" if none
} mt_user_t;

#define MT_TOKEN_CHARS 64       //  hex characters of a session token

typedef struct mt_users mt_users_t;

//  Open (or make) the users database at path and bring its schema up to
//  MT_USERS_SCHEMA. MT_EIO with the reason if it cannot be opened, or if it
//  was made by a newer Homeward.
int mt_users_open (const char *path, mt_users_t **self_p, mt_err_t *err);
void mt_users_close (mt_users_t **self_p);
//  The schema version of the open file (MT_USERS_SCHEMA once open).
int mt_users_schema (mt_users_t *self);
//  For tests: pretend the clock reads now (Unix seconds); 0: the real clock.
void mt_users_set_now (mt_users_t *self, int64_t now);

const char *mt_role_name (mt_role role);
int mt_role_from_name (const char *name);        //  0 if unknown

//  ---------------------------------------------------------------- passwords

//  Why a password is refused.
typedef enum {
    MT_PASSWORD_OK = 0,
    MT_PASSWORD_TOO_SHORT,      //  fewer than MT_USERS_PASSWORD_CHARS characters
    MT_PASSWORD_TOO_LONG,       //  more than MT_USERS_PASSWORD_BYTES bytes
    MT_PASSWORD_NOT_TEXT,       //  not UTF-8, or with control characters
    MT_PASSWORD_COMMON,         //  a common password (the shipped lists), maybe with a
                                //  few digits or symbols added, or repeated
    MT_PASSWORD_PATTERN,        //  one character repeated, a few repeated, or a plain
                                //  sequence (1234567890, abcdefghij, qwertyuiop)
    MT_PASSWORD_HAS_NAME,       //  the user name, or contains it
    MT_PASSWORD_SAME            //  the same as the current one (a change)
} mt_password_reason;

//  The reason as a word for APIs: "too_short", "common", ...
const char *mt_password_reason_name (mt_password_reason reason);

//  Whether password may be the password of the user called name (the same
//  rules for a new user, an admin's reset and one's own change). MT_OK, or
//  MT_EINVAL with a sentence that says what to do; *reason (may be NULL)
//  says which rule. Letters are compared without regard to case.
int mt_users_password_check (const char *name, const char *password,
                             mt_password_reason *reason, mt_err_t *err);

//  ---------------------------------------------------------------- accounts

//  Add a user (user->must_change is kept: true when an admin chose the
//  password for them). Names are 2-63 letters, digits, '.', '_' or '-';
//  station_staff need a station; the password must pass
//  mt_users_password_check. MT_EINVAL with the reason; MT_ECONFLICT if the
//  name is taken or retired.
int mt_users_add (mt_users_t *self, const mt_user_t *user, const char *password,
                  mt_err_t *err);
//  One user. MT_ENOTFOUND if there is none of that name.
int mt_users_get (mt_users_t *self, const char *name, mt_user_t *user, mt_err_t *err);
//  All users, by name (new array, caller frees; retired names not listed).
int mt_users_list (mt_users_t *self, mt_user_t **users_p, size_t *count_p, mt_err_t *err);
size_t mt_users_count (mt_users_t *self);

//  An admin sets a user's password: checked as for mt_users_add; the user
//  must change it at their next sign-in when must_change. Ends all their
//  sessions and any lock. MT_ENOTFOUND if no such user.
int mt_users_set_password (mt_users_t *self, const char *name, const char *password,
                           bool must_change, mt_err_t *err);
//  A user changes their own password, giving the current one. Clears
//  must_change and ends their other sessions (all but the one of
//  keep_token, which may be NULL). MT_EFORBIDDEN if old_password is wrong
//  (counted as a failed sign-in: *locked_p, when given, says whether it
//  locked the account), MT_ECONFLICT if the account is locked, MT_EINVAL if
//  the new one is refused (*reason says why).
int mt_users_change_password (mt_users_t *self, const char *name, const char *old_password,
                              const char *password, const char *keep_token,
                              mt_password_reason *reason, bool *locked_p, mt_err_t *err);
//  Disable (ending all their sessions) or enable a user. MT_ECONFLICT when
//  disabling the last active admin; MT_ENOTFOUND if no such user.
int mt_users_set_disabled (mt_users_t *self, const char *name, bool disabled, mt_err_t *err);
//  Delete a user: their sessions end and the name is retired (never used
//  again). MT_ECONFLICT for the last active admin; MT_ENOTFOUND if none.
int mt_users_delete (mt_users_t *self, const char *name, mt_err_t *err);
//  End a lock and forget the failed sign-ins. *was_locked (may be NULL):
//  whether it was locked. MT_ENOTFOUND if no such user.
int mt_users_unlock (mt_users_t *self, const char *name, bool *was_locked, mt_err_t *err);

//  ---------------------------------------------------------------- sign-in

typedef enum {
    MT_SIGNIN_OK = 0,           //  signed in (user.must_change may be set)
    MT_SIGNIN_WRONG,            //  a user's wrong password, counted toward the lock
    MT_SIGNIN_UNKNOWN,          //  no such user: the caller must answer as for WRONG
    MT_SIGNIN_LOCKED,           //  locked until locked_until: the password was not
                                //  looked at (just_locked: this failure locked it)
    MT_SIGNIN_DISABLED          //  the right password of a disabled user
} mt_signin_outcome;

typedef struct {
    mt_signin_outcome outcome;
    mt_user_t user;             //  the user (not for UNKNOWN)
    bool just_locked;
    int64_t locked_until;
} mt_signin_t;

//  Check a name and password, count a failure, lock after
//  MT_USERS_LOCK_AFTER; a success forgets the failures. With spend_time,
//  an unknown name and a locked account cost the same time as a wrong
//  password (one argon2 hash), so that the time of the answer tells
//  nothing; without, they cost nothing (for a caller that hides the time
//  otherwise, e.g. answers every failure at a fixed delay). MT_OK when it
//  could decide (result->outcome says what); MT_EIO if the database failed.
int mt_users_signin (mt_users_t *self, const char *name, const char *password,
                     bool spend_time, mt_signin_t *result, mt_err_t *err);

//  ---------------------------------------------------------------- sessions

//  Start a session of ttl_s seconds: a random token and a CSRF token (both
//  MT_TOKEN_CHARS hex + NUL) for the caller to hand out.
int mt_users_session_new (mt_users_t *self, const char *name, int ttl_s,
                          char token [MT_TOKEN_CHARS + 1], char csrf [MT_TOKEN_CHARS + 1],
                          mt_err_t *err);
//  The user of a live session (not of a disabled user). MT_ENOTFOUND if
//  unknown or expired.
int mt_users_session_get (mt_users_t *self, const char *token, mt_user_t *user,
                          char csrf [MT_TOKEN_CHARS + 1], mt_err_t *err);
//  End one session (a cookie's or a bearer token's). *ended (may be NULL):
//  whether there was one.
int mt_users_session_end (mt_users_t *self, const char *token, bool *ended, mt_err_t *err);
//  The live sessions of a user.
int mt_users_session_count (mt_users_t *self, const char *name);

#ifdef __cplusplus
}
#endif

#endif
