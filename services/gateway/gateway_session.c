//  gateway_session - who is calling: sign-in with its limits, sessions and
//  bearer tokens, the CSRF check, health and "me"; administration (the
//  audit log, users). The users' store is opened once per thread.

#include "gateway_routes.h"
#include "gateway_reply.h"

#include "base/mt_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

//  Sign-in failures allowed per name and per address (a station's office
//  may share one) in a window, before either is locked for the window.
#define S_LOGIN_FAILURES_NAME 5
#define S_LOGIN_FAILURES_ADDRESS 30
#define S_LOGIN_WINDOW_S 900

//  ---------------------------------------------------------------- sign-in limits

static gateway_limit_t *
s_limit (gateway_t *gw, const char *key)
{
    //  A small hash table; a full one forgets the oldest window.
    unsigned h = 5381;
    for (const char *c = key; *c; c++)
        h = h * 33 + (unsigned char) *c;
    gateway_limit_t *slot = &gw->limits [h % GATEWAY_LIMITER_SLOTS];
    if (strcmp (slot->key, key) != 0) {
        memset (slot, 0, sizeof *slot);
        snprintf (slot->key, sizeof slot->key, "%s", key);
    }
    return slot;
}

static bool
s_locked (gateway_t *gw, const char *key, time_t *until)
{
    pthread_mutex_lock (&gw->limits_lock);
    gateway_limit_t *l = s_limit (gw, key);
    bool locked = l->locked_until > time (NULL);
    if (locked)
        *until = l->locked_until;
    pthread_mutex_unlock (&gw->limits_lock);
    return locked;
}

static void
s_failed (gateway_t *gw, const char *key, int allowed)
{
    pthread_mutex_lock (&gw->limits_lock);
    gateway_limit_t *l = s_limit (gw, key);
    time_t now = time (NULL);
    if (now - l->window_start > S_LOGIN_WINDOW_S) {
        l->window_start = now;
        l->failures = 0;
    }
    if (++l->failures >= allowed)
        l->locked_until = now + S_LOGIN_WINDOW_S;
    pthread_mutex_unlock (&gw->limits_lock);
}

static void
s_client_address (struct MHD_Connection *conn, char *out, size_t size)
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

//  ---------------------------------------------------------------- auth

mt_users_t *
gateway_users (gateway_t *gw, mt_err_t *err)
{
    mt_users_t *users = pthread_getspecific (gw->users_key);
    if (!users && mt_users_open (gw->config->users, &users, err) == MT_OK)
        pthread_setspecific (gw->users_key, users);
    return users;
}

//  Who is calling: the session cookie or a bearer token. MT_ENOTFOUND if
//  nobody (401).
int
gateway_authenticate (gateway_t *gw, struct MHD_Connection *conn, gateway_auth_t *auth)
{
    memset (auth, 0, sizeof *auth);
    const char *header = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Authorization");
    const char *token = NULL;
    if (header && strncmp (header, "Bearer ", 7) == 0)
        token = header + 7;
    else {
        token = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, GATEWAY_COOKIE);
        auth->cookie = token != NULL;
    }
    mt_err_t err;
    mt_users_t *users = token ? gateway_users (gw, &err) : NULL;
    return users ? mt_users_session_get (users, token, &auth->user, auth->csrf, &err)
                 : MT_ENOTFOUND;
}

//  Changes made with a cookie need the CSRF token in X-CSRF-Token.
bool
gateway_csrf_ok (struct MHD_Connection *conn, const gateway_auth_t *auth, const char *method)
{
    if (!auth->cookie || strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
        return true;
    const char *token = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "X-CSRF-Token");
    return token && strlen (token) == MT_TOKEN_CHARS
        && sodium_memcmp (token, auth->csrf, MT_TOKEN_CHARS) == 0;
}

//  ---------------------------------------------------------------- routes

static json_t *
s_user_json (const mt_user_t *u)
{
    return json_pack ("{s:s, s:s, s:s, s:i}", "name", u->name, "role", mt_role_name (u->role),
                      "station", u->station, "province", u->province);
}

static enum MHD_Result
s_login (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    const char *name = json_string_value (json_object_get (r->body, "name"));
    const char *password = json_string_value (json_object_get (r->body, "password"));
    bool bearer = json_is_true (json_object_get (r->body, "bearer"));
    if (!name || !password)
        return gateway_error (r->conn, 400, "invalid_argument", "give name and password");
    char address [64], by_ip [96], by_name [96];
    s_client_address (r->conn, address, sizeof address);
    snprintf (by_ip, sizeof by_ip, "ip:%s", address);
    snprintf (by_name, sizeof by_name, "name:%.80s", name);
    time_t until;
    if (s_locked (gw, by_ip, &until) || s_locked (gw, by_name, &until)) {
        char retry [32];
        snprintf (retry, sizeof retry, "%lld", (long long) (until - time (NULL)));
        return gateway_errorf (r->conn, 429, "too_many_requests", "Retry-After", retry,
                               "too many failed sign-ins; try again in %s seconds", retry);
    }
    mt_user_t user;
    mt_err_t err;
    mt_users_t *users = gateway_users (gw, &err);
    if (!users)
        return gateway_error_err (r->conn, &err, NULL);
    if (mt_users_verify (users, name, password, &user, &err) != MT_OK) {
        s_failed (gw, by_ip, S_LOGIN_FAILURES_ADDRESS);
        s_failed (gw, by_name, S_LOGIN_FAILURES_NAME);
        pthread_mutex_lock (&gw->metrics_lock);
        gw->login_failures++;
        pthread_mutex_unlock (&gw->metrics_lock);
        return gateway_error (r->conn, 401, "unauthenticated", "wrong user name or password");
    }
    char token [MT_TOKEN_CHARS + 1], csrf [MT_TOKEN_CHARS + 1];
    if (mt_users_session_new (users, user.name, (int) gw->config->session_ttl_s, token, csrf,
                              &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    json_t *out = json_pack ("{s:o, s:s}", "user", s_user_json (&user), "csrf", csrf);
    if (bearer) {
        json_object_set_new (out, "token", json_string (token));
        return gateway_json (r->conn, 200, out, NULL, NULL);
    }
    char cookie [256];
    snprintf (cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
              GATEWAY_COOKIE, token, (long long) gw->config->session_ttl_s,
              gw->config->secure_cookies || gateway_reply_https () ? "; Secure" : "");
    return gateway_json (r->conn, 200, out, "Set-Cookie", cookie);
}

//  Sign-in, health, who am I.
enum MHD_Result
gateway_route_session (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    const gateway_auth_t *auth = &r->auth;
    const mt_user_t *me = &r->auth.user;
    if (gateway_route_is (r, "GET", 1, "health")) {
        //  Answered at once, whatever the results service does: from what
        //  the link's prober last learnt (a ping a second, stats every 5 s).
        bool up = gateway_results_up (gw->results);
        json_t *stats = up ? gateway_results_stats (gw->results) : NULL;
        if (up && !stats)
            return gateway_json (r->conn, 503, json_pack ("{s:s}", "status", "starting"),
                                 "Retry-After", "1");
        if (!stats) {
            char retry [16];
            snprintf (retry, sizeof retry, "%d", GATEWAY_RESULTS_RETRY_S);
            return gateway_json (r->conn, 503, json_pack ("{s:s, s:s, s:f}", "status",
                                 "results_down", "results", "not answering", "down_s",
                                 gateway_results_down_ms (gw->results) / 1000.0),
                                 "Retry-After", retry);
        }
        json_t *replicas = json_object_get (stats, "replicas");
        size_t serving = 0, i;
        json_t *rep;
        json_array_foreach (replicas, i, rep)
            serving += strcmp (json_string_value (json_object_get (rep, "state")), "serving") == 0;
        //  The data disk: full (writes fail) is unhealthy; below the reserve
        //  (new photos refused) is a warning the web app shows.
        bool full = json_integer_value (json_object_get (stats, "disk_full")) != 0;
        bool low = json_integer_value (json_object_get (stats, "disk_low")) != 0;
        json_t *out = json_pack ("{s:s, s:i, s:i, s:I, s:I}", "status",
                                 full ? "disk_full" : low ? "disk_low" : "ok",
                                 "replicas_serving", (int) serving, "partitions",
                                 (int) json_integer_value (json_object_get (stats, "partitions")),
                                 "disk_free_bytes",
                                 json_integer_value (json_object_get (stats, "disk_free_bytes")),
                                 "disk_reserve_bytes",
                                 json_integer_value (json_object_get (stats,
                                                                     "disk_reserve_bytes")));
        json_decref (stats);
        return gateway_json (r->conn, full ? 503 : 200, out, NULL, NULL);
    }
    if (gateway_route_is (r, "POST", 1, "session"))
        return s_login (r);
    if (gateway_route_is (r, "DELETE", 1, "session")) {
        const char *token = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, GATEWAY_COOKIE);
        mt_err_t err;
        mt_users_t *users = token ? gateway_users (gw, &err) : NULL;
        if (users)
            mt_users_session_end (users, token, &err);
        return gateway_json (r->conn, 200, json_pack ("{s:b}", "signed_out", 1), "Set-Cookie",
                             GATEWAY_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    }
    if (gateway_route_is (r, "GET", 1, "me")) {
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        return gateway_json (r->conn, 200, json_pack ("{s:o, s:s}", "user", s_user_json (me),
                                                      "csrf", auth->csrf), NULL, NULL);
    }
    return GATEWAY_ROUTE_NEXT;
}

enum MHD_Result
gateway_route_admin (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    const gateway_auth_t *auth = &r->auth;
    if (gateway_route_is (r, "GET", 1, "audit")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        long long limit = gateway_route_query_int (r->conn, "limit", 100), offset = gateway_route_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 1000 || offset < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..1000, offset >= 0");
        return gateway_route_answer (r, "audit.list", json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset", (json_int_t) offset), 200);
    }
    if (gateway_route_is (r, "GET", 2, "audit", "verify")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        json_t *params = json_object ();
        const char *anchor = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND,
                                                          "anchor");
        if (anchor) {
            long long anchor_id;
            char hash [65], extra;
            if (sscanf (anchor, "%lld:%64[0-9a-f]%c", &anchor_id, hash, &extra) != 2
            ||  strlen (hash) != 64) {
                json_decref (params);
                return gateway_error (r->conn, 400, "invalid_argument", "anchor must be ID:HASH");
            }
            json_object_set_new (params, "anchor_id", json_integer (anchor_id));
            json_object_set_new (params, "anchor_hash", json_string (hash));
        }
        json_t *out = gateway_route_call (r, "audit.verify", params, NULL, 0, NULL, NULL,
                                 &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    if (gateway_route_is (r, "GET", 1, "users") || gateway_route_is (r, "POST", 1, "users")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        mt_err_t err;
        if (strcmp (r->method, "POST") == 0) {
            mt_user_t user = { .role = (mt_role) mt_role_from_name (
                json_string_value (json_object_get (r->body, "role"))) };
            snprintf (user.name, sizeof user.name, "%s",
                      json_string_value (json_object_get (r->body, "name"))
                      ? json_string_value (json_object_get (r->body, "name")) : "");
            snprintf (user.station, sizeof user.station, "%s",
                      json_string_value (json_object_get (r->body, "station"))
                      ? json_string_value (json_object_get (r->body, "station")) : "");
            user.province = (int) json_integer_value (json_object_get (r->body, "province"));
            mt_users_t *db = gateway_users (gw, &err);
            if (!db || mt_users_add (db, &user, json_string_value (json_object_get (r->body,
                                     "password")), &err) != MT_OK)
                return gateway_error_err (r->conn, &err, NULL);
            //  Into the audit log; the user exists either way (the reply
            //  says so), and a results service that is down is logged.
            char detail [160];
            snprintf (detail, sizeof detail, "%s (%s)", user.name, mt_role_name (user.role));
            json_t *params = json_pack ("{s:s, s:s}", "action", "user.add", "detail", detail);
            json_t *added = NULL;
            if (gateway_results_call (gw->results, auth->user.name, "audit.add", params, NULL, 0,
                                      30000, &added, NULL, NULL, &err) != MT_OK)
                mt_log_error ("gateway", "user %s added but not audited: %s", user.name,
                              err.msg);
            json_decref (params);
            json_decref (added);
            return gateway_json (r->conn, 201, json_pack ("{s:o}", "user", s_user_json (&user)), NULL, NULL);
        }
        mt_user_t *users;
        size_t count;
        mt_users_t *db = gateway_users (gw, &err);
        if (!db || mt_users_list (db, &users, &count, &err) != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++)
            json_array_append_new (list, s_user_json (&users [i]));
        free (users);
        return gateway_json (r->conn, 200, json_pack ("{s:o}", "users", list), NULL, NULL);
    }
    return GATEWAY_ROUTE_NEXT;
}
