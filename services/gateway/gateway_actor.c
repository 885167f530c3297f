//  gateway_actor - HTTP API, sign-in, roles, metrics and the web app.

#include "gateway_actor.h"
#include "base/mt_clock.h"
#include "gateway_reply.h"
#include "gateway_results.h"
#include "gateway_routes.h"
#include "gateway_state.h"
#include "gateway_tls.h"

#include "common/api.h"
#include "face/mt_image.h"
#include "base/mt_install.h"
#include "base/mt_log.h"
#include "gateway/accounts/mt_users.h"

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

const double gateway_buckets [GATEWAY_BUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

const mt_config_key_t gateway_config_keys [] = {
    { "address", MT_CFG_STRING, offsetof (gateway_config_t, address), 0, 64,
      "address to listen on (127.0.0.1: this machine only; 0.0.0.0: the network)" },
    { "port", MT_CFG_INT, offsetof (gateway_config_t, port), 0, 65535,
      "port to listen on (0: any free port, the one taken is logged)" },
    { "threads", MT_CFG_INT, offsetof (gateway_config_t, threads), 1, 256,
      "requests answered at once (each waits on the results service alone)" },
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
        .address = "127.0.0.1", .port = 8080, .threads = 16,
        .results = "tcp://127.0.0.1:5557", .users = "var/users.db",
        .session_ttl_s = 12 * 3600,
        .max_json_bytes = 1 << 20, .max_upload_bytes = MT_IMAGE_DEFAULT_MAX_BYTES
    };
    mt_install_path ("web", MT_WEB_DIR, config->web, sizeof config->web);
}

//  ---------------------------------------------------------------- metrics

static enum MHD_Result
s_metrics (gateway_t *gw, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return MHD_NO;
    pthread_mutex_lock (&gw->metrics_lock);
    fprintf (out, "# HELP homeward_http_requests_total HTTP requests by status class.\n"
                  "# TYPE homeward_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        fprintf (out, "homeward_http_requests_total{status=\"%dxx\"} %llu\n", c,
                 (unsigned long long) gw->requests [c]);
    fprintf (out, "# HELP homeward_http_request_seconds HTTP request latency.\n"
                  "# TYPE homeward_http_request_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < GATEWAY_BUCKETS; b++) {
        cumulative += gw->latency [b];
        fprintf (out, "homeward_http_request_seconds_bucket{le=\"%g\"} %llu\n", gateway_buckets [b],
                 (unsigned long long) cumulative);
    }
    cumulative += gw->latency [GATEWAY_BUCKETS];
    fprintf (out, "homeward_http_request_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "homeward_http_request_seconds_sum %.6f\n"
                  "homeward_http_request_seconds_count %llu\n",
             (unsigned long long) cumulative, gw->latency_sum,
             (unsigned long long) gw->latency_count);
    fprintf (out, "# TYPE homeward_photo_uploads_total counter\nhomeward_photo_uploads_total %llu\n"
                  "# TYPE homeward_login_failures_total counter\nhomeward_login_failures_total %llu\n",
             (unsigned long long) gw->uploads, (unsigned long long) gw->login_failures);
    pthread_mutex_unlock (&gw->metrics_lock);
    json_t *stats = NULL;
    mt_err_t err;
    json_t *params = json_pack ("{s:i}", "counts_max_age_ms", GATEWAY_STATS_COUNTS_AGE_MS);
    int got = params ? gateway_results_call (gw->results, "metrics", "stats", params, NULL, 0,
                                             5000, &stats, NULL, NULL, &err)
                     : mt_err_set (&err, MT_ENOMEM, "out of memory");
    json_decref (params);
    if (got == MT_OK) {
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
    fprintf (out, "# HELP homeward_results_down_seconds Since the results service last answered.\n"
                  "# TYPE homeward_results_down_seconds gauge\nhomeward_results_down_seconds %.1f\n",
             gateway_results_down_ms (gw->results) / 1000.0);
    fclose (out);
    enum MHD_Result rc = gateway_send (conn, 200, "text/plain; version=0.0.4", text, size, NULL, NULL);
    free (text);
    return rc;
}

//  ---------------------------------------------------------------- static files

static enum MHD_Result
s_static (gateway_t *gw, struct MHD_Connection *conn, const char *url)
{
    const char *name = strcmp (url, "/") == 0 ? "index.html" : url + 1;
    //  Only plain names of the web folder: no paths, no dot files.
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("._-", *c))
            return gateway_error (conn, 404, "not_found", "no such file");
    if (name [0] == '.' || !*name)
        return gateway_error (conn, 404, "not_found", "no such file");
    static const struct { const char *ext, *type; } types [] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" }, { ".svg", "image/svg+xml" },
        { ".png", "image/png" }, { ".ico", "image/x-icon" }, { ".json", "application/json" }
    };
    const char *type = NULL, *dot = strrchr (name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types [0]; i++)
        if (strcmp (dot, types [i].ext) == 0)
            type = types [i].type;
    if (!type)
        return gateway_error (conn, 404, "not_found", "no such file");
    return gateway_send_file (conn, gw->config->web, name, type);
}

//  ---------------------------------------------------------------- requests

static enum MHD_Result
s_post_field (void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
              const char *content_type, const char *transfer_encoding, const char *data,
              uint64_t off, size_t size)
{
    (void) kind, (void) filename, (void) transfer_encoding, (void) off;
    gateway_req_t *req = cls;
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
    else
    if (strcmp (key, "age") == 0 && strlen (req->age) + size < sizeof req->age)
        strncat (req->age, data, size);
    else
    if (strcmp (key, "ask_person") == 0 && strlen (req->ask_person) + size < sizeof req->ask_person)
        strncat (req->ask_person, data, size);
    return MHD_YES;
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void) cls, (void) conn, (void) toe;
    gateway_req_t *req = *con_cls;
    if (!req)
        return;
    if (req->pp)
        MHD_destroy_post_processor (req->pp);
    free (req->body);
    free (req->file);
    json_decref (req->later_body);
    free (req);
    *con_cls = NULL;
}

static void
s_count (gateway_t *gw, gateway_req_t *req, int status)
{
    pthread_mutex_lock (&gw->metrics_lock);
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        gw->requests [cls]++;
    double seconds = mt_clock_s () - req->started;
    size_t b = 0;
    while (b < GATEWAY_BUCKETS && seconds > gateway_buckets [b])
        b++;
    gw->latency [b]++;
    gw->latency_sum += seconds;
    gw->latency_count++;
    pthread_mutex_unlock (&gw->metrics_lock);
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
    gateway_t *gw = cls;
    gateway_req_t *req = *con_cls;
    if (!req) {
        //  First call: headers only. Refuse what is too large before reading it.
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->gw = gw;
        req->started = mt_clock_s ();
        req->upload = s_upload_route (method, url);
        req->limit = (size_t) (req->upload ? gw->config->max_upload_bytes
                                           : gw->config->max_json_bytes);
        *con_cls = req;
        const char *length = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > req->limit + (req->upload ? 64 * 1024 : 0)) {
            s_count (gw, req, 413);
            return gateway_error (conn, 413, "too_large", req->upload
                            ? "the photo is over the upload limit" : "the request body is too large");
        }
        if (req->upload) {
            req->pp = MHD_create_post_processor (conn, 64 * 1024, s_post_field, req);
            if (!req->pp) {
                s_count (gw, req, 415);
                return gateway_error (conn, 415, "unsupported_format",
                                "send the photo as multipart/form-data");
            }
        }
        return MHD_YES;
    }
    if (req->later) {
        //  Resumed after its delay (gateway_later): the answer is ready.
        req->later = false;
        gateway_reply_status_reset ();
        json_t *body = req->later_body;
        req->later_body = NULL;
        enum MHD_Result rc = gateway_json (conn, req->later_status, body,
                                           req->later_retry [0] ? "Retry-After" : NULL,
                                           req->later_retry);
        s_count (gw, req, rc == MHD_YES ? gateway_reply_status () : 500);
        return rc;
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
    gateway_reply_status_reset ();
    if (strcmp (url, "/metrics") == 0 && strcmp (method, "GET") == 0)
        rc = s_metrics (gw, conn);
    else
    if (strncmp (url, "/api/v1/", 8) != 0) {
        rc = strcmp (method, "GET") == 0 ? s_static (gw, conn, url)
                                         : gateway_error (conn, 405, "method_not_allowed", "GET only");
    }
    else
    if (req->too_large)
        rc = gateway_error (conn, 413, "too_large", "the request body is too large");
    else {
        gateway_route_t route = { .gw = gw, .conn = conn, .req = req, .method = method };
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
                s_count (gw, req, 400);
                return gateway_errorf (conn, 400, "malformed_json", NULL, NULL,
                                       "the body is not JSON: %s", jerr.text);
            }
        }
        if (!route.body)
            route.body = json_object ();
        route.signed_in = gateway_authenticate (gw, conn, &route.auth) == MT_OK;
        if (route.signed_in && !gateway_csrf_ok (conn, &route.auth, method))
            rc = gateway_error (conn, 403, "csrf", "missing or wrong X-CSRF-Token header");
        else
            rc = gateway_route (&route);
        json_decref (route.body);
    }
    if (!req->later)                //  a suspended answer is counted when sent
        s_count (gw, req, rc == MHD_YES ? gateway_reply_status () : 500);
    return rc;
}

//  ---------------------------------------------------------------- actor

static void
s_users_free (void *users)
{
    mt_users_close ((mt_users_t **) &users);
}

void
gateway_actor (void *pipe, void *arg)
{
    gateway_t *gw = calloc (1, sizeof *gw);
    mt_err_t err;
    int rc = gw ? MT_OK : mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK) {
        gw->config = arg;
        rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    }
    //  The users' database is opened here once (made if new, so that a
    //  bad path fails the start), then by each thread for itself.
    mt_users_t *users = NULL;
    if (rc == MT_OK)
        rc = mt_users_open (gw->config->users, &users, &err);
    mt_users_close (&users);
    bool have_key = false;
    if (rc == MT_OK) {
        have_key = pthread_key_create (&gw->users_key, s_users_free) == 0;
        rc = have_key ? MT_OK : mt_err_set (&err, MT_EINTERNAL, "pthread_key_create failed");
        pthread_mutex_init (&gw->limits_lock, NULL);
        pthread_mutex_init (&gw->metrics_lock, NULL);
    }
    if (rc == MT_OK)
        rc = gateway_results_new (gw->config->results, &gw->config->curve, &gw->results, &err);
    if (rc == MT_OK)
        rc = gateway_audit_new (gw->results, &gw->audit, &err);
    if (rc == MT_OK)
        rc = gateway_later_new (&gw->later, &err);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) gw->config->port) };
    if (rc == MT_OK && inet_pton (AF_INET, gw->config->address, &addr.sin_addr) != 1)
        rc = mt_err_set (&err, MT_EINVAL, "address '%s' is not an IPv4 address",
                         gw->config->address);
    gateway_tls_t tls = { 0 };
    if (rc == MT_OK)
        rc = gateway_tls_load (gw->config, &tls, &err);
    if (rc == MT_OK) {
        bool https = tls.cert != NULL;
        gateway_reply_tls (https);
        unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO
                           | MHD_ALLOW_SUSPEND_RESUME | (https ? MHD_USE_TLS : 0);
        gw->daemon = MHD_start_daemon (
            flags, (uint16_t) gw->config->port, NULL, NULL, s_handle, gw,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) gw->config->threads,
            MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (256 * 1024),
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
            https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls.cert,
            MHD_OPTION_HTTPS_MEM_KEY, tls.key,
            MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
            MHD_OPTION_END);
        if (gw->daemon && https)
            mt_log_info (S_NAME, "serving HTTPS with %s", gw->config->tls_cert);
        if (!gw->daemon)
            rc = mt_err_set (&err, MT_EIO, "cannot listen on %s:%lld (in use?)",
                             gw->config->address, (long long) gw->config->port);
    }
    if (rc != MT_OK) {
        if (gw) {
            gateway_later_destroy (&gw->later);
            gateway_audit_destroy (&gw->audit);
            gateway_results_destroy (&gw->results);
            if (have_key)
                pthread_key_delete (gw->users_key);
            free (gw);
        }
        gateway_tls_free (&tls);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    //  Port 0 took any free one; whoever started the actor reads which
    //  (it waits for ready, so the write is seen).
    const union MHD_DaemonInfo *bound = MHD_get_daemon_info (gw->daemon,
                                                             MHD_DAEMON_INFO_BIND_PORT);
    int64_t port = bound && bound->port ? bound->port : gw->config->port;
    ((gateway_config_t *) arg)->bound_port = port;
    mt_log_info (S_NAME, "web app and API on %s://%s:%lld/ (users in %s)",
                 tls.cert ? "https" : "http",
                 gw->config->address, (long long) port, gw->config->users);
    mt_actor_ready (pipe, MT_OK, NULL);
    for (;;) {
        zmq_pollitem_t item = { pipe, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, -1) < 0 && zmq_errno () != EINTR)
            break;
        if ((item.revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
    }
    gateway_later_stop (gw->later);     //  MHD must not stop with a connection suspended
    MHD_stop_daemon (gw->daemon);       //  joins the request threads
    gateway_later_destroy (&gw->later);
    gateway_audit_destroy (&gw->audit); //  writes what waits, while the results link lives
    gateway_tls_free (&tls);
    gateway_results_destroy (&gw->results);
    pthread_key_delete (gw->users_key);
    pthread_mutex_destroy (&gw->limits_lock);
    pthread_mutex_destroy (&gw->metrics_lock);
    free (gw);
    mt_log_info (S_NAME, "stopped");
}
