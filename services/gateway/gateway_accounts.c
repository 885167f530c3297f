//  gateway_accounts - what the gateway's account files share (see
//  gateway_accounts.h): the users' store of each thread, users as JSON,
//  account errors, the audit of account events.

#include "gateway_accounts.h"
#include "gateway_reply.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

//  The users' store is opened once per thread.
mt_users_t *
gateway_users (gateway_t *gw, mt_err_t *err)
{
    mt_users_t *users = pthread_getspecific (gw->users_key);
    if (!users && mt_users_open (gw->config->users, &users, err) == MT_OK)
        pthread_setspecific (gw->users_key, users);
    return users;
}

void
gateway_client_address (struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (conn,
                                                                    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf (out, size, "unknown");
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) info->client_addr)->sin_addr, out,
                   (socklen_t) size);
    else
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) info->client_addr)->sin6_addr, out,
                   (socklen_t) size);
}

void
gateway_iso_time (int64_t t, char out [32])
{
    time_t tt = (time_t) t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *
gateway_user_json (const mt_user_t *u)
{
    json_t *json = json_pack ("{s:s, s:s, s:s, s:i, s:b, s:b}", "name", u->name, "role",
                              mt_role_name (u->role), "station", u->station, "province",
                              u->province, "disabled", u->disabled, "must_change_password",
                              u->must_change);
    char until [32];
    if (u->locked_until)
        gateway_iso_time (u->locked_until, until);
    json_object_set_new (json, "locked_until", u->locked_until ? json_string (until)
                                                               : json_null ());
    if (u->created_at [0])
        json_object_set_new (json, "created_at", json_string (u->created_at));
    json_object_set_new (json, "last_signin_at", u->last_signin_at [0]
                         ? json_string (u->last_signin_at) : json_null ());
    return json;
}

enum MHD_Result
gateway_account_error (struct MHD_Connection *conn, int status, const char *code,
                       const char *message, json_t *detail, const char *retry)
{
    enum MHD_Result sent = gateway_error_as (conn, status, code, message, NULL, detail,
                                             retry ? "Retry-After" : NULL, retry);
    json_decref (detail);
    return sent;
}

enum MHD_Result
gateway_password_refused (struct MHD_Connection *conn, mt_password_reason reason,
                          const mt_err_t *err)
{
    json_t *detail = json_pack ("{s:s}", "reason", mt_password_reason_name (reason));
    enum MHD_Result sent = gateway_error_as (conn, 400, "invalid_argument", err->msg,
                                             err->msg_zh, detail, NULL, NULL);
    json_decref (detail);
    return sent;
}

json_t *
gateway_locked_body (struct MHD_Connection *conn, int64_t locked_until, char retry [16])
{
    char until [32];
    gateway_iso_time (locked_until, until);
    long long left = (long long) locked_until - (long long) time (NULL);
    //  At most the lock's length (and so a few digits).
    left = left < 1 ? 1 : left > MT_USERS_LOCK_S ? MT_USERS_LOCK_S : left;
    snprintf (retry, 16, "%d", (int) left);
    json_t *detail = json_pack ("{s:s, s:I}", "locked_until", until, "retry_after_s",
                                (json_int_t) left);
    json_t *body = gateway_error_body (conn, "account_locked", "This account is locked after "
                                       "too many failed sign-ins. Ask an administrator to "
                                       "unlock it, or try again when the lock ends (at most 15 "
                                       "minutes).", NULL, detail);
    json_decref (detail);
    return body;
}

void
gateway_account_audit (gateway_t *gw, const char *actor, const char *action, const char *name,
                       const char *detail)
{
    char object [96];
    if (name)
        snprintf (object, sizeof object, "user %s", name);
    gateway_audit (gw->audit, actor, action, name ? object : NULL, detail);
}

