//  gateway_users - the admin's users: list them with their state, add,
//  disable and enable, delete, reset a password (the user must change it
//  at their next sign-in), unlock. Every change is audited (user.*). An
//  admin cannot disable, delete or reset themselves here (their own
//  password: POST /me/password), and the last active admin stays
//  (mt_users).

#include "gateway_accounts.h"
#include "gateway_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_count_sessions (gateway_t *gw, const char *name)
{
    mt_err_t err;
    mt_users_t *users = gateway_users (gw, &err);
    return users ? mt_users_session_count (users, name) : 0;
}

//  POST /users {"name", "role", "station", "province", "password",
//  "must_change_password"}.
static enum MHD_Result
s_add (gateway_route_t *r, mt_users_t *users)
{
    const char *name = json_string_value (json_object_get (r->body, "name"));
    const char *station = json_string_value (json_object_get (r->body, "station"));
    const char *password = json_string_value (json_object_get (r->body, "password"));
    mt_user_t user = {
        .role = (mt_role) mt_role_from_name (json_string_value (json_object_get (r->body,
                                                                                  "role"))),
        .province = (int) json_integer_value (json_object_get (r->body, "province")),
        .must_change = json_is_true (json_object_get (r->body, "must_change_password"))
    };
    snprintf (user.name, sizeof user.name, "%s", name ? name : "");
    snprintf (user.station, sizeof user.station, "%s", station ? station : "");
    mt_err_t err;
    mt_password_reason reason;
    if (mt_users_password_check (user.name, password, &reason, &err) != MT_OK)
        return gateway_password_refused (r->conn, reason, &err);
    if (mt_users_add (users, &user, password, &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    char detail [640];
    snprintf (detail, sizeof detail, "%s%s%s%s", mt_role_name (user.role),
              user.station [0] ? ", " : "", user.station,
              user.must_change ? "; must change the password at the first sign-in" : "");
    gateway_account_audit (r->gw, r->auth.user.name, "user.add", user.name, detail);
    mt_users_get (users, user.name, &user, &err);
    return gateway_json (r->conn, 201, json_pack ("{s:o}", "user", gateway_user_json (&user)),
                         NULL, NULL);
}

static enum MHD_Result
s_list (gateway_route_t *r, mt_users_t *users)
{
    mt_user_t *list;
    size_t count;
    mt_err_t err;
    if (mt_users_list (users, &list, &count, &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    json_t *out = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (out, gateway_user_json (&list [i]));
    free (list);
    return gateway_json (r->conn, 200, json_pack ("{s:o}", "users", out), NULL, NULL);
}

//  The answer after a change: the user as they are now.
static enum MHD_Result
s_changed (gateway_route_t *r, mt_users_t *users, const char *name)
{
    mt_user_t user;
    mt_err_t err;
    if (mt_users_get (users, name, &user, &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    return gateway_json (r->conn, 200, json_pack ("{s:o}", "user", gateway_user_json (&user)),
                         NULL, NULL);
}

enum MHD_Result
gateway_route_users (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    bool list = gateway_route_is (r, "GET", 1, "users") || gateway_route_is (r, "POST", 1, "users");
    bool one = gateway_route_is (r, "PATCH", 2, "users", "*")
            || gateway_route_is (r, "DELETE", 2, "users", "*");
    bool action = gateway_route_is (r, "POST", 3, "users", "*", "password")
               || gateway_route_is (r, "POST", 3, "users", "*", "unlock");
    if (!list && !one && !action)
        return GATEWAY_ROUTE_NEXT;
    if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
        return sent;
    mt_err_t err;
    mt_users_t *users = gateway_users (r->gw, &err);
    if (!users)
        return gateway_error_err (r->conn, &err, NULL);
    if (list)
        return strcmp (r->method, "POST") == 0 ? s_add (r, users) : s_list (r, users);

    const char *name = r->parts [1], *me = r->auth.user.name;
    bool self = strcmp (name, me) == 0;
    char detail [640];
    int rc;
    if (gateway_route_is (r, "PATCH", 2, "users", "*")) {
        json_t *disabled = json_object_get (r->body, "disabled");
        if (!json_is_boolean (disabled))
            return gateway_error (r->conn, 400, "invalid_argument",
                                  "Give {\"disabled\": true} to disable the user or "
                                  "{\"disabled\": false} to enable them.");
        if (self && json_is_true (disabled))
            return gateway_error (r->conn, 409, "conflict",
                                  "You cannot disable your own account.");
        int sessions = s_count_sessions (r->gw, name);
        rc = mt_users_set_disabled (users, name, json_is_true (disabled), &err);
        if (rc != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        snprintf (detail, sizeof detail, "%d sessions ended", sessions);
        gateway_account_audit (r->gw, me, json_is_true (disabled) ? "user.disable"
                                                                  : "user.enable", name,
                               json_is_true (disabled) ? detail : NULL);
        return s_changed (r, users, name);
    }
    if (gateway_route_is (r, "DELETE", 2, "users", "*")) {
        if (self)
            return gateway_error (r->conn, 409, "conflict", "You cannot delete your own account.");
        mt_user_t user;
        rc = mt_users_get (users, name, &user, &err);
        int sessions = s_count_sessions (r->gw, name);
        if (rc == MT_OK)
            rc = mt_users_delete (users, name, &err);
        if (rc != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        snprintf (detail, sizeof detail, "%s%s%s; %d sessions ended; the name is retired",
                  mt_role_name (user.role), user.station [0] ? ", " : "", user.station, sessions);
        gateway_account_audit (r->gw, me, "user.delete", name, detail);
        return gateway_json (r->conn, 200, json_pack ("{s:s, s:b}", "name", name, "deleted", 1),
                             NULL, NULL);
    }
    if (gateway_route_is (r, "POST", 3, "users", "*", "password")) {
        if (self)
            return gateway_error (r->conn, 409, "conflict", "Change your own password with "
                                  "your old one instead (POST /api/v1/me/password).");
        const char *password = json_string_value (json_object_get (r->body, "password"));
        mt_password_reason reason;
        mt_user_t user;
        rc = mt_users_get (users, name, &user, &err);
        if (rc != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        if (mt_users_password_check (name, password, &reason, &err) != MT_OK)
            return gateway_password_refused (r->conn, reason, &err);
        int sessions = s_count_sessions (r->gw, name);
        rc = mt_users_set_password (users, name, password, true, &err);
        if (rc != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        snprintf (detail, sizeof detail, "must change it at the next sign-in; %d sessions "
                  "ended%s", sessions, user.locked_until ? "; the lock ended" : "");
        gateway_account_audit (r->gw, me, "user.password_reset", name, detail);
        return s_changed (r, users, name);
    }
    //  POST /users/{name}/unlock
    bool was_locked = false;
    rc = mt_users_unlock (users, name, &was_locked, &err);
    if (rc != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    gateway_account_audit (r->gw, me, "user.unlock", name,
                           was_locked ? "was locked" : "was not locked; failed sign-ins forgotten");
    return s_changed (r, users, name);
}
