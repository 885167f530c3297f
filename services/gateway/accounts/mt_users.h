//  mt_users - the people who use the web app and the HTTP API, their roles,
//  and their sessions, in SQLite. Passwords are stored as argon2id hashes
//  (libsodium); session tokens only as their SHA-256.
//
//  Roles: station_staff (cases of their own station), police_liaison
//  (reviews across provinces), admin (users, the audit log).

#ifndef MT_USERS_H_INCLUDED
#define MT_USERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

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

typedef struct {
    char name [64];
    mt_role role;
    char station [MT_UTF8_BYTES (MT_USER_STATION_CHARS)];  //  station_staff: their relief station
    int province;               //  their province (GB/T 2260), 0 if none
    bool disabled;
} mt_user_t;

#define MT_TOKEN_CHARS 64       //  hex characters of a session token

typedef struct mt_users mt_users_t;

int mt_users_open (const char *path, mt_users_t **self_p, mt_err_t *err);
void mt_users_close (mt_users_t **self_p);

const char *mt_role_name (mt_role role);
int mt_role_from_name (const char *name);        //  0 if unknown

//  Add a user. Names are 2-63 letters, digits, '.', '_' or '-'; passwords
//  at least 10 characters; station_staff need a station. MT_EINVAL with the
//  reason; MT_EINVAL too if the name is taken.
int mt_users_add (mt_users_t *self, const mt_user_t *user, const char *password,
                  mt_err_t *err);
//  Set a new password (e.g. the admin resets one).
int mt_users_set_password (mt_users_t *self, const char *name, const char *password,
                           mt_err_t *err);
//  All users (new array, caller frees).
int mt_users_list (mt_users_t *self, mt_user_t **users_p, size_t *count_p, mt_err_t *err);
size_t mt_users_count (mt_users_t *self);

//  Check a name and password. MT_ENOTFOUND for any mismatch (unknown name,
//  wrong password, disabled: the caller must not say which).
int mt_users_verify (mt_users_t *self, const char *name, const char *password,
                     mt_user_t *user, mt_err_t *err);

//  Start a session of ttl_s seconds: a random token and a CSRF token (both
//  MT_TOKEN_CHARS hex + NUL) for the caller to hand out.
int mt_users_session_new (mt_users_t *self, const char *name, int ttl_s,
                          char token [MT_TOKEN_CHARS + 1], char csrf [MT_TOKEN_CHARS + 1],
                          mt_err_t *err);
//  The user of a live session. MT_ENOTFOUND if unknown or expired.
int mt_users_session_get (mt_users_t *self, const char *token, mt_user_t *user,
                          char csrf [MT_TOKEN_CHARS + 1], mt_err_t *err);
int mt_users_session_end (mt_users_t *self, const char *token, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
