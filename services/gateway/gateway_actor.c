//  gateway_actor - HTTP API, sign-in, roles, metrics and the web app.

#include "gateway_actor.h"
#include "gateway_tls.h"

#include "common/api.h"
#include "match/mt_image.h"
#include "match/mt_log.h"
#include "match/mt_users.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#define S_NAME "gateway"
#define S_COOKIE "hw_session"
//  Sign-in failures allowed per name and per address (a station's office
//  may share one) in a window, before either is locked for the window.
#define S_LOGIN_FAILURES_NAME 5
#define S_LOGIN_FAILURES_ADDRESS 30
#define S_LOGIN_WINDOW_S 900
#define S_LIMITER_SLOTS 1024

const mt_config_key_t gateway_config_keys [] = {
    { "address", MT_CFG_STRING, offsetof (gateway_config_t, address), 0, 64,
      "address to listen on (127.0.0.1: this machine only; 0.0.0.0: the network)" },
    { "port", MT_CFG_INT, offsetof (gateway_config_t, port), 1, 65535, "port to listen on" },
    { "results", MT_CFG_STRING, offsetof (gateway_config_t, results), 0, 256,
      "the results service's API endpoint" },
    { "users", MT_CFG_STRING, offsetof (gateway_config_t, users), 0, 1024,
      "the users database (SQLite file)" },
    { "web", MT_CFG_STRING, offsetof (gateway_config_t, web), 0, 1024,
      "folder of the web app's files" },
    { "session-ttl-s", MT_CFG_INT, offsetof (gateway_config_t, session_ttl_s), 60, 30 * 86400,
      "how long a sign-in lasts" },
    { "max-json-bytes", MT_CFG_INT, offsetof (gateway_config_t, max_json_bytes), 1024,
      16 << 20, "largest JSON body accepted" },
    { "max-upload-bytes", MT_CFG_INT, offsetof (gateway_config_t, max_upload_bytes), 1024,
      1 << 30, "largest photo upload accepted" },
    { "secure-cookies", MT_CFG_BOOL, offsetof (gateway_config_t, secure_cookies), 0, 0,
      "mark session cookies Secure (behind a TLS reverse proxy; automatic with tls-cert)" },
    { "tls-cert", MT_CFG_STRING, offsetof (gateway_config_t, tls_cert), 0, 1024,
      "PEM certificate (with its chain) to serve HTTPS with (GnuTLS)" },
    { "tls-key", MT_CFG_STRING, offsetof (gateway_config_t, tls_key), 0, 1024,
      "PEM private key of tls-cert" },
    { "plain-http", MT_CFG_BOOL, offsetof (gateway_config_t, plain_http), 0, 0,
      "serve plain HTTP on a non-loopback address (only behind a TLS reverse proxy on a "
      "trusted network; see deploy/README.md)" },
    MT_CURVE_CLIENT_KEYS (gateway_config_t, curve, "results-key",
                          "the results service's public key (.pub file or Z85 text)"),
    { .name = NULL }
};

void
gateway_config_defaults (gateway_config_t *config)
{
    *config = (gateway_config_t) {
        .address = "127.0.0.1", .port = 8080,
        .results = "tcp://127.0.0.1:5557", .users = "var/users.db",
        .web = MT_WEB_DIR, .session_ttl_s = 12 * 3600,
        .max_json_bytes = 1 << 20, .max_upload_bytes = MT_IMAGE_DEFAULT_MAX_BYTES
    };
}

//  ---------------------------------------------------------------- state

typedef struct {
    char key [96];
    int failures;
    time_t window_start, locked_until;
} s_limit_t;

//  Latency buckets of the histogram, in seconds.
static const double s_buckets [] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define S_BUCKETS (sizeof s_buckets / sizeof s_buckets [0])

typedef struct {
    const gateway_config_t *config;
    struct MHD_Daemon *daemon;
    api_client_t *results;
    mt_users_t *users;
    s_limit_t limits [S_LIMITER_SLOTS];
    //  Metrics (all touched by the one MHD thread).
    uint64_t requests [6];          //  by status class: 1xx .. 5xx, index = class
    uint64_t latency [S_BUCKETS + 1];
    double latency_sum;
    uint64_t latency_count;
    uint64_t uploads, login_failures;
} s_gateway_t;

typedef struct {
    s_gateway_t *gw;
    double started;
    bool upload;                    //  multipart photo upload route
    bool too_large;
    size_t limit;
    //  JSON body
    char *body;
    size_t body_size;
    //  multipart upload
    struct MHD_PostProcessor *pp;
    uint8_t *file;
    size_t file_size;
    char file_type [64];
    char year [16];
} s_req_t;

typedef struct {
    mt_user_t user;
    char csrf [MT_TOKEN_CHARS + 1];
    bool cookie;                    //  signed in by cookie (so CSRF applies)
} s_auth_t;

//  The status of the response last queued (the gateway answers from one
//  thread), for the metrics.
static int s_last_status;
static bool s_tls;                  //  served over HTTPS: tell browsers to stay on it

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

//  ---------------------------------------------------------------- responses

static int
s_status_of (int code)
{
    switch (code) {
        case MT_OK:           return 200;
        case MT_EINVAL:
        case MT_EPROTO:
        case MT_EEMPTY:
        case MT_EDECODE:      return 400;
        case MT_ENOTFOUND:    return 404;
        case MT_ETOOBIG:      return 413;
        case MT_EFORMAT:      return 415;
        case MT_ETIMEDOUT:
        case MT_EUNAVAILABLE: return 503;
        default:              return 500;
    }
}

static void
s_security_headers (struct MHD_Response *response)
{
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (response, "Content-Security-Policy",
                             "default-src 'self'; img-src 'self' blob: data:; "
                             "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    if (s_tls)
        MHD_add_response_header (response, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result
s_send (struct MHD_Connection *conn, int status, const char *type, const void *data,
        size_t size, const char *extra_header, const char *extra_value)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, (void *) data,
                                                                     MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Content-Type", type);
    s_security_headers (response);
    if (extra_header)
        MHD_add_response_header (response, extra_header, extra_value);
    s_last_status = status;
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned) status, response);
    MHD_destroy_response (response);
    return rc;
}

static enum MHD_Result
s_json (struct MHD_Connection *conn, int status, json_t *json, const char *extra_header,
        const char *extra_value)
{
    char *text = json_dumps (json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (json);
    if (!text)
        return MHD_NO;
    struct MHD_Response *response = MHD_create_response_from_buffer (strlen (text), text,
                                                                     MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free (text);
        return MHD_NO;
    }
    MHD_add_response_header (response, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header (response, "Cache-Control", "no-store");
    s_security_headers (response);
    if (extra_header)
        MHD_add_response_header (response, extra_header, extra_value);
    s_last_status = status;
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned) status, response);
    MHD_destroy_response (response);
    return rc;
}

//  {"error": {"code": ..., "message": ...}} with its HTTP status.
static enum MHD_Result
s_error (struct MHD_Connection *conn, int status, const char *code, const char *message)
{
    return s_json (conn, status, json_pack ("{s:{s:s, s:s}}", "error", "code", code,
                                            "message", message), NULL, NULL);
}

static enum MHD_Result
s_error_rc (struct MHD_Connection *conn, int rc, const char *message)
{
    return s_error (conn, s_status_of (rc), mt_rc_name (rc), message);
}

//  ---------------------------------------------------------------- sign-in limits

static s_limit_t *
s_limit (s_gateway_t *gw, const char *key)
{
    //  A small hash table; a full one forgets the oldest window.
    unsigned h = 5381;
    for (const char *c = key; *c; c++)
        h = h * 33 + (unsigned char) *c;
    s_limit_t *slot = &gw->limits [h % S_LIMITER_SLOTS];
    if (strcmp (slot->key, key) != 0) {
        memset (slot, 0, sizeof *slot);
        snprintf (slot->key, sizeof slot->key, "%s", key);
    }
    return slot;
}

static bool
s_locked (s_gateway_t *gw, const char *key, time_t *until)
{
    s_limit_t *l = s_limit (gw, key);
    if (l->locked_until > time (NULL)) {
        *until = l->locked_until;
        return true;
    }
    return false;
}

static void
s_failed (s_gateway_t *gw, const char *key, int allowed)
{
    s_limit_t *l = s_limit (gw, key);
    time_t now = time (NULL);
    if (now - l->window_start > S_LOGIN_WINDOW_S) {
        l->window_start = now;
        l->failures = 0;
    }
    if (++l->failures >= allowed)
        l->locked_until = now + S_LOGIN_WINDOW_S;
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
static int
s_authenticate (s_gateway_t *gw, struct MHD_Connection *conn, s_auth_t *auth)
{
    memset (auth, 0, sizeof *auth);
    const char *header = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Authorization");
    const char *token = NULL;
    if (header && strncmp (header, "Bearer ", 7) == 0)
        token = header + 7;
    else {
        token = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, S_COOKIE);
        auth->cookie = token != NULL;
    }
    mt_err_t err;
    return token ? mt_users_session_get (gw->users, token, &auth->user, auth->csrf, &err)
                 : MT_ENOTFOUND;
}

//  Changes made with a cookie need the CSRF token in X-CSRF-Token.
static bool
s_csrf_ok (struct MHD_Connection *conn, const s_auth_t *auth, const char *method)
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
s_results (s_gateway_t *gw, struct MHD_Connection *conn, const s_auth_t *auth,
           const char *method, json_t *params, const void *payload, size_t size,
           uint8_t **reply_payload, size_t *reply_size, enum MHD_Result *sent)
{
    api_client_set_actor (gw->results, auth ? auth->user.name : "gateway");
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (gw->results, method, params, payload, size, 30000, &result,
                       reply_payload, reply_size, &err);
    json_decref (params);
    if (rc != MT_OK) {
        *sent = s_error_rc (conn, rc, err.msg);
        return NULL;
    }
    return result;
}

//  The case, if the user may see it; else answers 403/404 and NULL.
static json_t *
s_visible_case (s_gateway_t *gw, struct MHD_Connection *conn, const s_auth_t *auth,
                long long case_id, enum MHD_Result *sent)
{
    json_t *c = s_results (gw, conn, auth, "case.get", json_pack ("{s:I}", "case_id",
                           (json_int_t) case_id), NULL, 0, NULL, NULL, sent);
    if (c && auth->user.role == MT_ROLE_STATION_STAFF) {
        const char *station = json_string_value (json_object_get (c, "station"));
        if (!station || strcmp (station, auth->user.station) != 0) {
            json_decref (c);
            *sent = s_error (conn, 403, "forbidden", "this case belongs to another station");
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

typedef struct {
    s_gateway_t *gw;
    struct MHD_Connection *conn;
    s_req_t *req;
    const char *method;
    char *parts [8];                //  path segments after /api/v1
    int count;
    json_t *body;                   //  the JSON body, if any
    s_auth_t auth;
    bool signed_in;
} s_route_t;

static bool
s_is (const s_route_t *r, const char *method, int count, ...)
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
s_need_role (s_route_t *r, int allowed_mask, bool *ok)
{
    *ok = false;
    if (!r->signed_in)
        return s_error (r->conn, 401, "unauthenticated", "sign in first");
    if (!(allowed_mask & (1 << r->auth.user.role)))
        return s_error (r->conn, 403, "forbidden", "your role may not do this");
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
s_login (s_route_t *r)
{
    s_gateway_t *gw = r->gw;
    const char *name = json_string_value (json_object_get (r->body, "name"));
    const char *password = json_string_value (json_object_get (r->body, "password"));
    bool bearer = json_is_true (json_object_get (r->body, "bearer"));
    if (!name || !password)
        return s_error (r->conn, 400, "invalid_argument", "give name and password");
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
        return s_json (r->conn, 429, json_pack ("{s:{s:s, s:s}}", "error", "code",
                       "too_many_requests", "message", message), "Retry-After", retry);
    }
    mt_user_t user;
    mt_err_t err;
    if (mt_users_verify (gw->users, name, password, &user, &err) != MT_OK) {
        s_failed (gw, by_ip, S_LOGIN_FAILURES_ADDRESS);
        s_failed (gw, by_name, S_LOGIN_FAILURES_NAME);
        gw->login_failures++;
        return s_error (r->conn, 401, "unauthenticated", "wrong user name or password");
    }
    char token [MT_TOKEN_CHARS + 1], csrf [MT_TOKEN_CHARS + 1];
    if (mt_users_session_new (gw->users, user.name, (int) gw->config->session_ttl_s, token, csrf,
                              &err) != MT_OK)
        return s_error_rc (r->conn, err.code, err.msg);
    json_t *out = json_pack ("{s:o, s:s}", "user", s_user_json (&user), "csrf", csrf);
    if (bearer) {
        json_object_set_new (out, "token", json_string (token));
        return s_json (r->conn, 200, out, NULL, NULL);
    }
    char cookie [256];
    snprintf (cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
              S_COOKIE, token, (long long) gw->config->session_ttl_s,
              gw->config->secure_cookies || s_tls ? "; Secure" : "");
    return s_json (r->conn, 200, out, "Set-Cookie", cookie);
}

static enum MHD_Result
s_route (s_route_t *r)
{
    s_gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    bool ok;
    const s_auth_t *auth = &r->auth;
    const mt_user_t *me = &r->auth.user;

    if (s_is (r, "GET", 1, "health")) {
        json_t *stats = s_results (gw, r->conn, NULL, "stats", NULL, NULL, 0, NULL, NULL, &sent);
        if (!stats)
            return sent;
        json_t *replicas = json_object_get (stats, "replicas");
        size_t serving = 0, i;
        json_t *rep;
        json_array_foreach (replicas, i, rep)
            serving += strcmp (json_string_value (json_object_get (rep, "state")), "serving") == 0;
        json_t *out = json_pack ("{s:s, s:i, s:i}", "status", "ok", "replicas_serving",
                                 (int) serving, "partitions",
                                 (int) json_integer_value (json_object_get (stats, "partitions")));
        json_decref (stats);
        return s_json (r->conn, 200, out, NULL, NULL);
    }
    if (s_is (r, "POST", 1, "session"))
        return s_login (r);
    if (s_is (r, "DELETE", 1, "session")) {
        const char *token = MHD_lookup_connection_value (r->conn, MHD_COOKIE_KIND, S_COOKIE);
        mt_err_t err;
        if (token)
            mt_users_session_end (gw->users, token, &err);
        return s_json (r->conn, 200, json_pack ("{s:b}", "signed_out", 1), "Set-Cookie",
                       S_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    }
    if (s_is (r, "GET", 1, "me")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        return ok ? s_json (r->conn, 200, json_pack ("{s:o, s:s}", "user", s_user_json (me),
                                                     "csrf", auth->csrf), NULL, NULL) : sent;
    }

    //  Cases.
    if (s_is (r, "GET", 1, "cases")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 50), offset = s_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 500 || offset < 0)
            return s_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        json_t *params = json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset",
                                    (json_int_t) offset);
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
        const char *kind = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "kind");
        if (kind)
            json_object_set_new (params, "kind", json_string (kind));
        json_t *list = s_results (gw, r->conn, auth, "case.list", params, NULL, 0, NULL, NULL, &sent);
        return list ? s_json (r->conn, 200, list, NULL, NULL) : sent;
    }
    if (s_is (r, "POST", 1, "cases")) {
        sent = s_need_role (r, ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        if (!json_is_object (r->body))
            return s_error (r->conn, 400, "invalid_argument", "send the case as a JSON object");
        json_t *params = json_deep_copy (r->body);
        //  Staff file cases for their own station.
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
        json_t *created = s_results (gw, r->conn, auth, "case.add", params, NULL, 0, NULL, NULL, &sent);
        return created ? s_json (r->conn, 201, created, NULL, NULL) : sent;
    }
    if (r->count >= 2 && strcmp (r->parts [0], "cases") == 0) {
        long long id = s_id (r->parts [1]);
        if (id < 0)
            return s_error (r->conn, 404, "not_found", "no such case");
        sent = s_need_role (r, ANY_ROLE, &ok);
        if (!ok)
            return sent;
        json_t *c = s_visible_case (gw, r->conn, auth, id, &sent);
        if (!c)
            return sent;
        if (s_is (r, "GET", 2, "cases", "*"))
            return s_json (r->conn, 200, c, NULL, NULL);
        json_decref (c);
        if (s_is (r, "POST", 3, "cases", "*", "close")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return s_error (r->conn, 403, "forbidden", "police liaisons close pairs by review");
            const char *reason = json_string_value (json_object_get (r->body, "reason"));
            json_t *out = s_results (gw, r->conn, auth, "case.close", json_pack ("{s:I, s:s?}",
                                     "case_id", (json_int_t) id, "reason", reason), NULL, 0,
                                     NULL, NULL, &sent);
            return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (s_is (r, "POST", 3, "cases", "*", "photos")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return s_error (r->conn, 403, "forbidden", "stations add photos");
            if (r->req->too_large)
                return s_error (r->conn, 413, "too_large", "the photo is over the upload limit");
            if (!r->req->file || r->req->file_size == 0)
                return s_error (r->conn, 400, "invalid_argument",
                                "send the photo as multipart/form-data in a field named photo");
            if (r->req->file_type [0] && strncmp (r->req->file_type, "image/", 6) != 0
            &&  strcmp (r->req->file_type, "application/octet-stream") != 0)
                return s_error (r->conn, 415, "unsupported_format",
                                "send an image (JPEG, PNG, WebP, BMP or TIFF)");
            json_t *params = json_pack ("{s:I, s:i}", "case_id", (json_int_t) id, "year_taken",
                                        atoi (r->req->year));
            json_t *out = s_results (gw, r->conn, auth, "photo.add", params, r->req->file,
                                     r->req->file_size, NULL, NULL, &sent);
            if (out)
                gw->uploads++;
            return out ? s_json (r->conn, 201, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "candidates")) {
            long long limit = s_query_int (r->conn, "limit", 20), offset = s_query_int (r->conn, "offset", 0);
            if (limit < 1 || limit > 200 || offset < 0)
                return s_error (r->conn, 400, "invalid_argument", "limit must be 1..200, offset >= 0");
            json_t *out = s_results (gw, r->conn, auth, "candidates", json_pack ("{s:I, s:I, s:I}",
                                     "case_id", (json_int_t) id, "limit", (json_int_t) limit,
                                     "offset", (json_int_t) offset), NULL, 0, NULL, NULL, &sent);
            return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "export")) {
            //  Everything held on the case: for its station and administrators.
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return s_error (r->conn, 403, "forbidden", "exports are made by the case's "
                                "station or an administrator");
            json_t *out = s_results (gw, r->conn, auth, "case.export", json_pack ("{s:I}",
                                     "case_id", (json_int_t) id), NULL, 0, NULL, NULL, &sent);
            char disposition [96];
            snprintf (disposition, sizeof disposition,
                      "attachment; filename=\"homeward-case-%lld.json\"", id);
            return out ? s_json (r->conn, 200, out, "Content-Disposition", disposition) : sent;
        }
        if (s_is (r, "POST", 3, "cases", "*", "erase")) {
            if (me->role != MT_ROLE_ADMIN)
                return s_error (r->conn, 403, "forbidden", "only an administrator erases a case");
            json_t *out = s_results (gw, r->conn, auth, "case.erase", json_pack (
                "{s:I, s:s?, s:s?}", "case_id", (json_int_t) id,
                "reason", json_string_value (json_object_get (r->body, "reason")),
                "level", json_string_value (json_object_get (r->body, "level"))), NULL, 0,
                NULL, NULL, &sent);
            return out ? s_json (r->conn, 202, out, NULL, NULL) : sent;
        }
        if (s_is (r, "GET", 3, "cases", "*", "reviews")) {
            json_t *out = s_results (gw, r->conn, auth, "reviews", json_pack ("{s:I}", "case_id",
                                     (json_int_t) id), NULL, 0, NULL, NULL, &sent);
            return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        return s_error (r->conn, 404, "not_found", "no such resource");
    }
    if (s_is (r, "GET", 2, "photos", "*")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        long long id = ok ? s_id (r->parts [1]) : 0;
        if (!ok)
            return sent;
        if (id < 0)
            return s_error (r->conn, 404, "not_found", "no such photo");
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
        return s_json (r->conn, 200, photo, NULL, NULL);
    }
    if (s_is (r, "GET", 3, "faces", "*", "chip")) {
        sent = s_need_role (r, ANY_ROLE, &ok);
        long long id = ok ? s_id (r->parts [1]) : 0;
        if (!ok)
            return sent;
        if (id < 0)
            return s_error (r->conn, 404, "not_found", "no such face");
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
            return s_error (r->conn, 403, "forbidden", "this face is not one of your station's "
                            "cases or their candidates");
        }
        struct MHD_Response *response = MHD_create_response_from_buffer (size, jpeg,
                                                                         MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header (response, "Content-Type", "image/jpeg");
        MHD_add_response_header (response, "Cache-Control", "private, max-age=3600");
        s_security_headers (response);
        s_last_status = 200;
        sent = MHD_queue_response (r->conn, 200, response);
        MHD_destroy_response (response);
        return sent;
    }

    //  Reviews and the queue: police liaisons (and admins).
    if (s_is (r, "POST", 1, "reviews")) {
        sent = s_need_role (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        json_t *out = s_results (gw, r->conn, auth, "review", json_deep_copy (r->body), NULL, 0,
                                 NULL, NULL, &sent);
        return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    if (s_is (r, "GET", 1, "queue")) {
        sent = s_need_role (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 50), offset = s_query_int (r->conn, "offset", 0);
        long long province = s_query_int (r->conn, "province", 0);
        if (limit < 1 || limit > 500 || offset < 0 || province < 0)
            return s_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        json_t *out = s_results (gw, r->conn, auth, "queue", json_pack ("{s:I, s:I, s:I}",
                                 "limit", (json_int_t) limit, "offset", (json_int_t) offset,
                                 "province", (json_int_t) province), NULL, 0, NULL, NULL, &sent);
        return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
    }

    //  Administration.
    if (s_is (r, "GET", 1, "audit")) {
        sent = s_need_role (r, ROLE (MT_ROLE_ADMIN), &ok);
        if (!ok)
            return sent;
        long long limit = s_query_int (r->conn, "limit", 100), offset = s_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 1000 || offset < 0)
            return s_error (r->conn, 400, "invalid_argument", "limit must be 1..1000, offset >= 0");
        json_t *out = s_results (gw, r->conn, auth, "audit.list", json_pack ("{s:I, s:I}",
                                 "limit", (json_int_t) limit, "offset", (json_int_t) offset),
                                 NULL, 0, NULL, NULL, &sent);
        return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
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
                return s_error (r->conn, 400, "invalid_argument", "anchor must be ID:HASH");
            }
            json_object_set_new (params, "anchor_id", json_integer (anchor_id));
            json_object_set_new (params, "anchor_hash", json_string (hash));
        }
        json_t *out = s_results (gw, r->conn, auth, "audit.verify", params, NULL, 0, NULL, NULL,
                                 &sent);
        return out ? s_json (r->conn, 200, out, NULL, NULL) : sent;
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
            if (mt_users_add (gw->users, &user, json_string_value (json_object_get (r->body,
                              "password")), &err) != MT_OK)
                return s_error_rc (r->conn, err.code, err.msg);
            char detail [160];
            snprintf (detail, sizeof detail, "%s (%s)", user.name, mt_role_name (user.role));
            json_decref (s_results (gw, r->conn, auth, "audit.add", json_pack ("{s:s, s:s}",
                         "action", "user.add", "detail", detail), NULL, 0, NULL, NULL, &sent));
            return s_json (r->conn, 201, json_pack ("{s:o}", "user", s_user_json (&user)), NULL, NULL);
        }
        mt_user_t *users;
        size_t count;
        if (mt_users_list (gw->users, &users, &count, &err) != MT_OK)
            return s_error_rc (r->conn, err.code, err.msg);
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++)
            json_array_append_new (list, s_user_json (&users [i]));
        free (users);
        return s_json (r->conn, 200, json_pack ("{s:o}", "users", list), NULL, NULL);
    }
    return s_error (r->conn, 404, "not_found", "no such resource");
}

//  ---------------------------------------------------------------- metrics

static enum MHD_Result
s_metrics (s_gateway_t *gw, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return MHD_NO;
    fprintf (out, "# HELP homeward_http_requests_total HTTP requests by status class.\n"
                  "# TYPE homeward_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        fprintf (out, "homeward_http_requests_total{status=\"%dxx\"} %llu\n", c,
                 (unsigned long long) gw->requests [c]);
    fprintf (out, "# HELP homeward_http_request_seconds HTTP request latency.\n"
                  "# TYPE homeward_http_request_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < S_BUCKETS; b++) {
        cumulative += gw->latency [b];
        fprintf (out, "homeward_http_request_seconds_bucket{le=\"%g\"} %llu\n", s_buckets [b],
                 (unsigned long long) cumulative);
    }
    cumulative += gw->latency [S_BUCKETS];
    fprintf (out, "homeward_http_request_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "homeward_http_request_seconds_sum %.6f\n"
                  "homeward_http_request_seconds_count %llu\n",
             (unsigned long long) cumulative, gw->latency_sum,
             (unsigned long long) gw->latency_count);
    fprintf (out, "# TYPE homeward_photo_uploads_total counter\nhomeward_photo_uploads_total %llu\n"
                  "# TYPE homeward_login_failures_total counter\nhomeward_login_failures_total %llu\n",
             (unsigned long long) gw->uploads, (unsigned long long) gw->login_failures);
    json_t *stats = NULL;
    mt_err_t err;
    api_client_set_actor (gw->results, "metrics");
    if (api_call (gw->results, "stats", NULL, NULL, 0, 5000, &stats, NULL, NULL, &err) == MT_OK) {
        const char *key;
        json_t *value;
        json_object_foreach (stats, key, value)
            if (json_is_integer (value))
                fprintf (out, "# TYPE homeward_%s gauge\nhomeward_%s %lld\n", key, key,
                         (long long) json_integer_value (value));
        size_t i;
        json_t *rep;
        fprintf (out, "# HELP homeward_shard_serving 1 when a shard replica serves.\n"
                      "# TYPE homeward_shard_serving gauge\n");
        json_array_foreach (json_object_get (stats, "replicas"), i, rep)
            fprintf (out, "homeward_shard_serving{partition=\"%lld\",replica=\"%lld\"} %d\n",
                     (long long) json_integer_value (json_object_get (rep, "partition")),
                     (long long) json_integer_value (json_object_get (rep, "replica")),
                     strcmp (json_string_value (json_object_get (rep, "state")), "serving") == 0);
        json_decref (stats);
        fprintf (out, "homeward_results_up 1\n");
    }
    else
        fprintf (out, "homeward_results_up 0\n");
    fclose (out);
    enum MHD_Result rc = s_send (conn, 200, "text/plain; version=0.0.4", text, size, NULL, NULL);
    free (text);
    return rc;
}

//  ---------------------------------------------------------------- static files

static enum MHD_Result
s_static (s_gateway_t *gw, struct MHD_Connection *conn, const char *url)
{
    const char *name = strcmp (url, "/") == 0 ? "index.html" : url + 1;
    //  Only plain names of the web folder: no paths, no dot files.
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("._-", *c))
            return s_error (conn, 404, "not_found", "no such file");
    if (name [0] == '.' || !*name)
        return s_error (conn, 404, "not_found", "no such file");
    static const struct { const char *ext, *type; } types [] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" }, { ".svg", "image/svg+xml" },
        { ".png", "image/png" }, { ".ico", "image/x-icon" }, { ".json", "application/json" }
    };
    const char *type = NULL, *dot = strrchr (name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types [0]; i++)
        if (strcmp (dot, types [i].ext) == 0)
            type = types [i].type;
    char path [2048];
    snprintf (path, sizeof path, "%s/%s", gw->config->web, name);
    FILE *file = type ? fopen (path, "rb") : NULL;
    if (!file)
        return s_error (conn, 404, "not_found", "no such file");
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *data = size >= 0 && size < (16 << 20) ? malloc ((size_t) size + 1) : NULL;
    size_t got = data ? fread (data, 1, (size_t) size, file) : 0;
    fclose (file);
    enum MHD_Result rc = data ? s_send (conn, 200, type, data, got, "Cache-Control", "no-cache")
                              : s_error (conn, 500, "internal_error", "cannot read the file");
    free (data);
    return rc;
}

//  ---------------------------------------------------------------- requests

static enum MHD_Result
s_post_field (void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
              const char *content_type, const char *transfer_encoding, const char *data,
              uint64_t off, size_t size)
{
    (void) kind, (void) filename, (void) transfer_encoding, (void) off;
    s_req_t *req = cls;
    //  A part without a name (its Content-Disposition garbled) is nobody's
    //  field: skipped. Found by fuzzing.
    if (!key || (size > 0 && !data))
        return MHD_YES;
    if (size == 0)
        return MHD_YES;
    if (strcmp (key, "photo") == 0) {
        if (req->file_size + size > req->limit) {
            req->too_large = true;
            return MHD_YES;
        }
        uint8_t *bigger = realloc (req->file, req->file_size + size + 1);
        if (!bigger)
            return MHD_NO;
        req->file = bigger;
        memcpy (req->file + req->file_size, data, size);
        req->file_size += size;
        if (content_type)
            snprintf (req->file_type, sizeof req->file_type, "%s", content_type);
    }
    else
    if (strcmp (key, "year") == 0 && strlen (req->year) + size < sizeof req->year)
        strncat (req->year, data, size);
    return MHD_YES;
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void) cls, (void) conn, (void) toe;
    s_req_t *req = *con_cls;
    if (!req)
        return;
    if (req->pp)
        MHD_destroy_post_processor (req->pp);
    free (req->body);
    free (req->file);
    free (req);
    *con_cls = NULL;
}

static void
s_count (s_gateway_t *gw, s_req_t *req, int status)
{
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        gw->requests [cls]++;
    double seconds = s_now () - req->started;
    size_t b = 0;
    while (b < S_BUCKETS && seconds > s_buckets [b])
        b++;
    gw->latency [b]++;
    gw->latency_sum += seconds;
    gw->latency_count++;
}

static bool
s_upload_route (const char *method, const char *url)
{
    long long id;
    char tail [16];
    return strcmp (method, "POST") == 0
        && sscanf (url, "/api/v1/cases/%lld/%15s", &id, tail) == 2 && strcmp (tail, "photos") == 0;
}

static enum MHD_Result
s_handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size,
          void **con_cls)
{
    (void) version;
    s_gateway_t *gw = cls;
    s_req_t *req = *con_cls;
    if (!req) {
        //  First call: headers only. Refuse what is too large before reading it.
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->gw = gw;
        req->started = s_now ();
        req->upload = s_upload_route (method, url);
        req->limit = (size_t) (req->upload ? gw->config->max_upload_bytes
                                           : gw->config->max_json_bytes);
        *con_cls = req;
        const char *length = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > req->limit + (req->upload ? 64 * 1024 : 0)) {
            s_count (gw, req, 413);
            return s_error (conn, 413, "too_large", req->upload
                            ? "the photo is over the upload limit" : "the request body is too large");
        }
        if (req->upload) {
            req->pp = MHD_create_post_processor (conn, 64 * 1024, s_post_field, req);
            if (!req->pp) {
                s_count (gw, req, 415);
                return s_error (conn, 415, "unsupported_format",
                                "send the photo as multipart/form-data");
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (req->pp) {
            if (MHD_post_process (req->pp, upload_data, *upload_data_size) != MHD_YES)
                return MHD_NO;
            if (req->too_large && !MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                                 MHD_HTTP_HEADER_CONTENT_LENGTH))
                return MHD_NO;      //  chunked and over the limit: drop the connection
        }
        else
        if (req->body_size + *upload_data_size > req->limit)
            req->too_large = true;
        else {
            char *bigger = realloc (req->body, req->body_size + *upload_data_size + 1);
            if (!bigger)
                return MHD_NO;
            req->body = bigger;
            memcpy (req->body + req->body_size, upload_data, *upload_data_size);
            req->body_size += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    //  The whole request is in: answer it.
    enum MHD_Result rc;
    s_last_status = 500;
    if (strcmp (url, "/metrics") == 0 && strcmp (method, "GET") == 0)
        rc = s_metrics (gw, conn);
    else
    if (strncmp (url, "/api/v1/", 8) != 0) {
        rc = strcmp (method, "GET") == 0 ? s_static (gw, conn, url)
                                         : s_error (conn, 405, "method_not_allowed", "GET only");
    }
    else
    if (req->too_large)
        rc = s_error (conn, 413, "too_large", "the request body is too large");
    else {
        s_route_t route = { .gw = gw, .conn = conn, .req = req, .method = method };
        char path [512];
        snprintf (path, sizeof path, "%s", url + 8);
        char *save = NULL;
        for (char *seg = strtok_r (path, "/", &save); seg && route.count < 8;
             seg = strtok_r (NULL, "/", &save))
            route.parts [route.count++] = seg;
        json_error_t jerr;
        if (req->body_size > 0 && !req->pp) {
            route.body = json_loadb (req->body, req->body_size, JSON_REJECT_DUPLICATES, &jerr);
            if (!route.body) {
                char message [256];
                snprintf (message, sizeof message, "the body is not JSON: %s", jerr.text);
                s_count (gw, req, 400);
                return s_error (conn, 400, "malformed_json", message);
            }
        }
        if (!route.body)
            route.body = json_object ();
        route.signed_in = s_authenticate (gw, conn, &route.auth) == MT_OK;
        if (route.signed_in && !s_csrf_ok (conn, &route.auth, method))
            rc = s_error (conn, 403, "csrf", "missing or wrong X-CSRF-Token header");
        else
            rc = s_route (&route);
        json_decref (route.body);
    }
    s_count (gw, req, rc == MHD_YES ? s_last_status : 500);
    return rc;
}

//  ---------------------------------------------------------------- actor

void
gateway_actor (void *pipe, void *arg)
{
    s_gateway_t *gw = calloc (1, sizeof *gw);
    mt_err_t err;
    int rc = gw ? MT_OK : mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK) {
        gw->config = arg;
        rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    }
    if (rc == MT_OK)
        rc = mt_users_open (gw->config->users, &gw->users, &err);
    if (rc == MT_OK)
        rc = api_client_new (gw->config->results, &gw->config->curve, &gw->results, &err);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) gw->config->port) };
    if (rc == MT_OK && inet_pton (AF_INET, gw->config->address, &addr.sin_addr) != 1)
        rc = mt_err_set (&err, MT_EINVAL, "address '%s' is not an IPv4 address",
                         gw->config->address);
    gateway_tls_t tls = { 0 };
    if (rc == MT_OK)
        rc = gateway_tls_load (gw->config, &tls, &err);
    if (rc == MT_OK) {
        s_tls = tls.cert != NULL;
        unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO
                           | (s_tls ? MHD_USE_TLS : 0);
        gw->daemon = MHD_start_daemon (
            flags, (uint16_t) gw->config->port, NULL, NULL, s_handle, gw,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
            MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (256 * 1024),
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
            s_tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls.cert,
            MHD_OPTION_HTTPS_MEM_KEY, tls.key,
            MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
            MHD_OPTION_END);
        if (gw->daemon && s_tls)
            mt_log_info (S_NAME, "serving HTTPS with %s", gw->config->tls_cert);
        if (!gw->daemon)
            rc = mt_err_set (&err, MT_EIO, "cannot listen on %s:%lld (in use?)",
                             gw->config->address, (long long) gw->config->port);
    }
    if (rc != MT_OK) {
        if (gw) {
            api_client_destroy (&gw->results);
            mt_users_close (&gw->users);
            free (gw);
        }
        gateway_tls_free (&tls);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    mt_log_info (S_NAME, "web app and API on %s://%s:%lld/ (users in %s)", s_tls ? "https" : "http",
                 gw->config->address, (long long) gw->config->port, gw->config->users);
    mt_actor_ready (pipe, MT_OK, NULL);
    for (;;) {
        zmq_pollitem_t item = { pipe, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, -1) < 0 && zmq_errno () != EINTR)
            break;
        if ((item.revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
    }
    MHD_stop_daemon (gw->daemon);
    gateway_tls_free (&tls);
    api_client_destroy (&gw->results);
    mt_users_close (&gw->users);
    free (gw);
    mt_log_info (S_NAME, "stopped");
}
