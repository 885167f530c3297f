//  gateway_routes - the HTTP API: who may do what, and the call to the
//  results service that does it.

#include "gateway_routes.h"
#include "gateway_reply.h"

#include "base/mt_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
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

//  A router's answer when the request is not one of its own.
#define S_NEXT ((enum MHD_Result) -1)

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

//  ---------------------------------------------------------------- results calls

//  Call the results service on the user's behalf; on error answer the
//  client and return NULL.
static json_t *
s_results (gateway_t *gw, struct MHD_Connection *conn, const gateway_auth_t *auth,
           const char *method, json_t *params, const void *payload, size_t size,
           uint8_t **reply_payload, size_t *reply_size, enum MHD_Result *sent)
{
    json_t *result = NULL;
    mt_err_t err;
    int rc = gateway_results_call (gw->results, auth ? auth->user.name : "gateway", method,
                                   params, payload, size, 30000, &result, reply_payload,
                                   reply_size, &err);
    json_decref (params);
    if (rc != MT_OK) {
        *sent = gateway_error_rc (conn, rc, err.msg);
        return NULL;
    }
    return result;
}

//  The case, if the user may see it; else answers 403/404 and NULL.
static json_t *
s_visible_case (gateway_t *gw, struct MHD_Connection *conn, const gateway_auth_t *auth,
                long long case_id, enum MHD_Result *sent)
{
    json_t *c = s_results (gw, conn, auth, "case.get", json_pack ("{s:I}", "case_id",
                           (json_int_t) case_id), NULL, 0, NULL, NULL, sent);
    if (c && auth->user.role == MT_ROLE_STATION_STAFF) {
        const char *station = json_string_value (json_object_get (c, "station"));
        if (!station || strcmp (station, auth->user.station) != 0) {
            json_decref (c);
            *sent = gateway_error (conn, 403, "forbidden", "this case belongs to another station");
            return NULL;
        }
    }
    return c;
}

static long long
s_query_int (struct MHD_Connection *conn, const char *key, long long fallback)
{
    const char *value = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, key);
    char *end;
    long long v = value ? strtoll (value, &end, 10) : fallback;
    return value && (*end || !*value) ? -1 : v;
}

//  ---------------------------------------------------------------- routes

static bool
s_is (const gateway_route_t *r, const char *method, int count, ...)
{
    if (strcmp (r->method, method) != 0 || r->count != count)
        return false;
    va_list args;
    va_start (args, count);
    bool match = true;
    for (int i = 0; i < count && match; i++) {
        const char *want = va_arg (args, const char *);
        match = strcmp (want, "*") == 0 || strcmp (want, r->parts [i]) == 0;
    }
    va_end (args);
    return match;
}

static long long
s_id (const char *text)
{
    char *end;
    long long id = strtoll (text, &end, 10);
    return *end || id <= 0 ? -1 : id;
}

static enum MHD_Result
s_need_role (gateway_route_t *r, int allowed_mask, bool *ok)
{
    *ok = false;
    if (!r->signed_in)
        return gateway_error (r->conn, 401, "unauthenticated", "sign in first");
    if (!(allowed_mask & (1 << r->auth.user.role)))
        return gateway_error (r->conn, 403, "forbidden", "your role may not do this");
    *ok = true;
    return MHD_YES;
}

#define ROLE(x) (1 << (x))
#define ANY_ROLE (ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN))

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
        char retry [32], message [128];
        snprintf (retry, sizeof retry, "%lld", (long long) (until - time (NULL)));
        snprintf (message, sizeof message, "too many failed sign-ins; try again in %s seconds",
                  retry);
        return gateway_json (r->conn, 429, json_pack ("{s:{s:s, s:s}}", "error", "code",
                             "too_many_requests", "message", message), "Retry-After", retry);
    }
    mt_user_t user;
    mt_err_t err;
    mt_users_t *users = gateway_users (gw, &err);
    if (!users)
        return gateway_error_rc (r->conn, err.code, err.msg);
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
        return gateway_error_rc (r->conn, err.code, err.msg);
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
static enum MHD_Result
s_route_session (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const gateway_auth_t *auth = &r->auth;
    const mt_user_t *me = &r->auth.user;
    if (s_is (r, "GET", 1, "health")) {
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
    if (s_is (r, "POST", 1, "session"))
        return s_login (r);
    if (s_is (r, "DELETE", 1, "session")) {
        const char *token = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, GATEWAY_COOKIE);
        mt_err_t err;
        mt_users_t *users = token ? gateway_users (gw, &err) : NULL;
        if (users)
            mt_users_session_end (users, token, &err);
        return gateway_json (r->conn, 200, json_pack ("{s:b}", "signed_out", 1), "Set-Cookie",
                             GATEWAY_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    }
    if (s_is (r, "GET", 1, "me")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        if (!ok)
            return sent;
        return gateway_json (r->conn, 200, json_pack ("{s:o, s:s}", "user", s_user_json (me),
                                                      "csrf", auth->csrf), NULL, NULL);
    }
    return S_NEXT;
}

//  Cases and what hangs off a case: photos, candidates, reviews, export,
//  erasure.
static enum MHD_Result
s_route_cases (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const gateway_auth_t *auth = &r->auth;
    const mt_user_t *me = &r->auth.user;
    if (s_is (r, "GET", 1, "cases")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 50), offset = s_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 500 || offset < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        json_t *params = json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset",
                                    (json_int_t) offset);
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
        const char *kind = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "kind");
        if (kind)
            json_object_set_new (params, "kind", json_string (kind));
        json_t *list = s_results (gw, r->conn, auth, "case.list", params, NULL, 0, NULL, NULL, &sent);
        return list ? gateway_json (r->conn, 200, list, NULL, NULL) : sent;
    }
    if (s_is (r, "POST", 1, "cases")) {
        sent = s_need_role (r, ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument", "send the case as a JSON object");
        json_t *params = json_deep_copy (r->body);
        //  Staff file cases for their own station.
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
        json_t *created = s_results (gw, r->conn, auth, "case.add", params, NULL, 0, NULL, NULL, &sent);
        return created ? gateway_json (r->conn, 201, created, NULL, NULL) : sent;
    }
    if (r->count >= 2 && strcmp (r->parts [0], "cases") == 0) {
        long long id = s_id (r->parts [1]);
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such case");
        sent = s_need_role (r, ANY_ROLE, &ok);
        if (!ok)
            return sent;
        json_t *c = s_visible_case (gw, r->conn, auth, id, &sent);
        if (!c)
            return sent;
        if (s_is (r, "GET", 2, "cases", "*"))
            return gateway_json (r->conn, 200, c, NULL, NULL);
        json_decref (c);
        if (s_is (r, "PATCH", 2, "cases", "*")) {
            //  Corrected facts: by the case's station or an administrator.
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "stations correct their cases' facts");
            if (!json_is_object (r->body))
                return gateway_error (r->conn, 400, "invalid_argument", "send the facts as a JSON object");
            json_t *params = json_deep_copy (r->body);
            json_object_set_new (params, "case_id", json_integer (id));
            json_t *out = s_results (gw, r->conn, auth, "case.update", params, NULL, 0, NULL,
                                     NULL, &sent);
            return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (s_is (r, "POST", 3, "cases", "*", "close")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "police liaisons close pairs by review");
            const char *reason = json_string_value (json_object_get (r->body, "reason"));
            json_t *out = s_results (gw, r->conn, auth, "case.close", json_pack ("{s:I, s:s?}",
                                     "case_id", (json_int_t) id, "reason", reason), NULL, 0,
                                     NULL, NULL, &sent);
            return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (s_is (r, "POST", 3, "cases", "*", "photos")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "stations add photos");
            if (r->req->too_large)
                return gateway_error (r->conn, 413, "too_large", "the photo is over the upload limit");
            if (!r->req->file || r->req->file_size == 0)
                return gateway_error (r->conn, 400, "invalid_argument",
                                "send the photo as multipart/form-data in a field named photo");
            if (r->req->file_type [0] && strncmp (r->req->file_type, "image/", 6) != 0
            &&  strcmp (r->req->file_type, "application/octet-stream") != 0)
                return gateway_error (r->conn, 415, "unsupported_format",
                                "send an image (JPEG, PNG, WebP, BMP or TIFF)");
            json_t *params = json_pack ("{s:I, s:i}", "case_id", (json_int_t) id, "year_taken",
                                        atoi (r->req->year));
            json_t *out = s_results (gw, r->conn, auth, "photo.add", params, r->req->file,
                                     r->req->file_size, NULL, NULL, &sent);
            if (out) {
                pthread_mutex_lock (&gw->metrics_lock);
                gw->uploads++;
                pthread_mutex_unlock (&gw->metrics_lock);
            }
            return out ? gateway_json (r->conn, 201, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "candidates")) {
            long long limit = s_query_int (r->conn, "limit", 20), offset = s_query_int (r->conn, "offset", 0);
            if (limit < 1 || limit > 200 || offset < 0)
                return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..200, offset >= 0");
            json_t *out = s_results (gw, r->conn, auth, "candidates", json_pack ("{s:I, s:I, s:I}",
                                     "case_id", (json_int_t) id, "limit", (json_int_t) limit,
                                     "offset", (json_int_t) offset), NULL, 0, NULL, NULL, &sent);
            return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "export")) {
            //  Everything held on the case: for its station and administrators.
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "exports are made by the case's "
                                "station or an administrator");
            json_t *out = s_results (gw, r->conn, auth, "case.export", json_pack ("{s:I}",
                                     "case_id", (json_int_t) id), NULL, 0, NULL, NULL, &sent);
            char disposition [96];
            snprintf (disposition, sizeof disposition,
                      "attachment; filename=\"homeward-case-%lld.json\"", id);
            return out ? gateway_json (r->conn, 200, out, "Content-Disposition", disposition) : sent;
        }
        if (s_is (r, "POST", 3, "cases", "*", "erase")) {
            if (me->role != MT_ROLE_ADMIN)
                return gateway_error (r->conn, 403, "forbidden", "only an administrator erases a case");
            json_t *out = s_results (gw, r->conn, auth, "case.erase", json_pack (
                "{s:I, s:s?, s:s?}", "case_id", (json_int_t) id,
                "reason", json_string_value (json_object_get (r->body, "reason")),
                "level", json_string_value (json_object_get (r->body, "level"))), NULL, 0,
                NULL, NULL, &sent);
            return out ? gateway_json (r->conn, 202, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "reviews")) {
            json_t *out = s_results (gw, r->conn, auth, "reviews", json_pack ("{s:I}", "case_id",
                                     (json_int_t) id), NULL, 0, NULL, NULL, &sent);
            return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        return gateway_error (r->conn, 404, "not_found", "no such resource");
    }
    return S_NEXT;
}

//  A correction of a photo or a face of a case (POST with a JSON body):
//  by the case's station or an administrator.
static enum MHD_Result
s_correct (gateway_route_t *r, long long case_id, const char *method, json_t *params)
{
    enum MHD_Result sent = MHD_YES;
    if (r->auth.user.role == MT_ROLE_POLICE_LIAISON) {
        json_decref (params);
        return gateway_error (r->conn, 403, "forbidden", "stations correct their cases' photos");
    }
    json_t *c = s_visible_case (r->gw, r->conn, &r->auth, case_id, &sent);
    if (!c) {
        json_decref (params);
        return sent;
    }
    json_decref (c);
    json_t *out = s_results (r->gw, r->conn, &r->auth, method, params, NULL, 0, NULL, NULL, &sent);
    return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
}

//  Photos and face chips, for whoever may see their case; corrections.
static enum MHD_Result
s_route_media (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const gateway_auth_t *auth = &r->auth;
    const mt_user_t *me = &r->auth.user;
    if (s_is (r, "GET", 2, "photos", "*")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        long long id = ok ? s_id (r->parts [1]) : 0;
        if (!ok)
            return sent;
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such photo");
        json_t *photo = s_results (gw, r->conn, auth, "photo.get", json_pack ("{s:I}", "photo_id",
                                   (json_int_t) id), NULL, 0, NULL, NULL, &sent);
        if (!photo)
            return sent;
        json_t *c = s_visible_case (gw, r->conn, auth, json_integer_value (json_object_get (photo,
                                    "case_id")), &sent);
        if (!c) {
            json_decref (photo);
            return sent;
        }
        json_decref (c);
        return gateway_json (r->conn, 200, photo, NULL, NULL);
    }
    if (s_is (r, "POST", 3, "photos", "*", "person") || s_is (r, "POST", 3, "photos", "*", "remove")
    ||  s_is (r, "POST", 3, "faces", "*", "exclude")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        long long id = ok ? s_id (r->parts [1]) : 0;
        if (!ok)
            return sent;
        bool photo = strcmp (r->parts [0], "photos") == 0;
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", photo ? "no such photo" : "no such face");
        json_t *what = s_results (gw, r->conn, auth, photo ? "photo.get" : "face.get",
                                  json_pack ("{s:I}", photo ? "photo_id" : "face_id",
                                             (json_int_t) id), NULL, 0, NULL, NULL, &sent);
        if (!what)
            return sent;
        long long case_id = json_integer_value (json_object_get (what, "case_id"));
        json_decref (what);
        json_t *params = json_deep_copy (json_is_object (r->body) ? r->body : NULL);
        if (!params)
            params = json_object ();
        json_object_set_new (params, photo ? "photo_id" : "face_id", json_integer (id));
        const char *method = !photo ? "face.exclude"
                           : strcmp (r->parts [2], "person") == 0 ? "photo.person" : "photo.remove";
        return s_correct (r, case_id, method, params);
    }
    if (s_is (r, "GET", 3, "faces", "*", "chip")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        long long id = ok ? s_id (r->parts [1]) : 0;
        if (!ok)
            return sent;
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such face");
        uint8_t *jpeg = NULL;
        size_t size = 0;
        json_t *info = s_results (gw, r->conn, auth, "face.chip", json_pack ("{s:I, s:s}",
                                  "face_id", (json_int_t) id, "station", me->station), NULL, 0,
                                  &jpeg, &size, &sent);
        if (!info)
            return sent;
        //  Staff see their station's faces and those of their cases' candidates.
        bool allowed = me->role != MT_ROLE_STATION_STAFF
                    || strcmp (json_string_value (json_object_get (info, "station")), me->station) == 0
                    || json_is_true (json_object_get (info, "candidate_of_station"));
        json_decref (info);
        if (!allowed) {
            free (jpeg);
            return gateway_error (r->conn, 403, "forbidden", "this face is not one of your station's "
                            "cases or their candidates");
        }
        return gateway_send_owned (r->conn, 200, "image/jpeg", jpeg, size,
                                   "private, max-age=3600");
    }
    return S_NEXT;
}

//  Reviews and the queue: police liaisons (and admins).
static enum MHD_Result
s_route_reviews (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const gateway_auth_t *auth = &r->auth;
    if (s_is (r, "POST", 1, "reviews")) {
        sent = s_need_role (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        json_t *out = s_results (gw, r->conn, auth, "review", json_deep_copy (r->body), NULL, 0,
                                 NULL, NULL, &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    if (s_is (r, "GET", 1, "queue")) {
        sent = s_need_role (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 50), offset = s_query_int (r->conn, "offset", 0);
        long long province = s_query_int (r->conn, "province", 0);
        if (limit < 1 || limit > 500 || offset < 0 || province < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        json_t *out = s_results (gw, r->conn, auth, "queue", json_pack ("{s:I, s:I, s:I}",
                                 "limit", (json_int_t) limit, "offset", (json_int_t) offset,
                                 "province", (json_int_t) province), NULL, 0, NULL, NULL, &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    return S_NEXT;
}

//  Administration: the audit log, its check, users.
static enum MHD_Result
s_route_admin (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const gateway_auth_t *auth = &r->auth;
    if (s_is (r, "GET", 1, "audit")) {
        sent = s_need_role (r, ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 100), offset = s_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 1000 || offset < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..1000, offset >= 0");
        json_t *out = s_results (gw, r->conn, auth, "audit.list", json_pack ("{s:I, s:I}",
                                 "limit", (json_int_t) limit, "offset", (json_int_t) offset),
                                 NULL, 0, NULL, NULL, &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    if (s_is (r, "GET", 2, "audit", "verify")) {
        sent = s_need_role (r, ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
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
        json_t *out = s_results (gw, r->conn, auth, "audit.verify", params, NULL, 0, NULL, NULL,
                                 &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    if (s_is (r, "GET", 1, "users") || s_is (r, "POST", 1, "users")) {
        sent = s_need_role (r, ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
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
                return gateway_error_rc (r->conn, err.code, err.msg);
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
            return gateway_error_rc (r->conn, err.code, err.msg);
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++)
            json_array_append_new (list, s_user_json (&users [i]));
        free (users);
        return gateway_json (r->conn, 200, json_pack ("{s:o}", "users", list), NULL, NULL);
    }
    return S_NEXT;
}

enum MHD_Result
gateway_route (gateway_route_t *r)
{
    static enum MHD_Result (*const routers []) (gateway_route_t *) = {
        s_route_session, s_route_cases, s_route_media, s_route_reviews, s_route_admin
    };
    for (size_t i = 0; i < sizeof routers / sizeof routers [0]; i++) {
        enum MHD_Result sent = routers [i] (r);
        if (sent != S_NEXT)
            return sent;
    }
    return gateway_error (r->conn, 404, "not_found", "no such resource");
}
