//  gateway_reply - answers: JSON, errors as JSON, files; the security
//  headers every answer carries.

#include "gateway_reply.h"
#include "gateway_results.h"

#include "base/mt_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The status of the answer last queued by this thread (for the metrics);
//  and whether the gateway serves HTTPS.
static _Thread_local int s_last_status;
static bool s_tls;

void
gateway_reply_tls (bool on)
{
    s_tls = on;
}

bool
gateway_reply_https (void)
{
    return s_tls;
}

int
gateway_reply_status (void)
{
    return s_last_status;
}

void
gateway_reply_status_reset (void)
{
    s_last_status = 500;
}

int
gateway_status_of (int code)
{
    switch (code) {
        case MT_OK:           return 200;
        case MT_EINVAL:
        case MT_EPROTO:
        case MT_EEMPTY:
        case MT_EDECODE:      return 400;
        case MT_EFORBIDDEN:   return 403;
        case MT_ENOTFOUND:    return 404;
        case MT_ECONFLICT:    return 409;
        case MT_ETOOBIG:      return 413;
        case MT_EFORMAT:      return 415;
        case MT_ETIMEDOUT:
        case MT_EUNAVAILABLE: return 503;
        case MT_ENOSPACE:     return 507;
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

//  Headers every answer carries, then the answer queued (response freed).
static enum MHD_Result
s_queue (struct MHD_Connection *conn, int status, struct MHD_Response *response,
         const char *type, const char *extra_header, const char *extra_value)
{
    MHD_add_response_header (response, "Content-Type", type);
    s_security_headers (response);
    if (extra_header)
        MHD_add_response_header (response, extra_header, extra_value);
    s_last_status = status;
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned) status, response);
    MHD_destroy_response (response);
    return rc;
}

enum MHD_Result
gateway_send (struct MHD_Connection *conn, int status, const char *type, const void *data,
        size_t size, const char *extra_header, const char *extra_value)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, (void *) data,
                                                                     MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    return s_queue (conn, status, response, type, extra_header, extra_value);
}

enum MHD_Result
gateway_json (struct MHD_Connection *conn, int status, json_t *json, const char *extra_header,
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
    MHD_add_response_header (response, "Cache-Control", "no-store");
    return s_queue (conn, status, response, "application/json; charset=utf-8", extra_header,
                    extra_value);
}

bool
gateway_reply_zh (struct MHD_Connection *conn)
{
    return mt_text_wants_zh (MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
}

//  The answer to every error: {"error": {"code", "message" (the request's
//  language), "messages": {"zh-CN", "en"}, and detail's other keys}} with
//  status. zh NULL or "": the catalog's Chinese of en, or the code's.
json_t *
gateway_error_body (struct MHD_Connection *conn, const char *code, const char *en,
                    const char *zh, json_t *detail)
{
    char fallback [MT_ERR_MSG_ZH_MAX];
    if (!en)
        en = "";
    if (!zh || !*zh)
        zh = mt_text_zh (en);
    if (!zh)
        zh = mt_text_fallback_zh (code, en, fallback, sizeof fallback);
    json_t *error = json_pack ("{s:s, s:s, s:{s:s, s:s}}", "code", code, "message",
                               gateway_reply_zh (conn) ? zh : en, "messages", "zh-CN", zh,
                               "en", en);
    if (!error)                         //  not UTF-8 (a library's text): the code alone
        error = json_pack ("{s:s, s:s, s:{s:s, s:s}}", "code", code, "message", code,
                           "messages", "zh-CN", code, "en", code);
    //  What the service added to its error (e.g. the states allowed from
    //  here, with a 409), beside the code and messages.
    const char *key;
    json_t *item;
    json_object_foreach (detail, key, item)
        if (strcmp (key, "code") != 0 && strcmp (key, "message") != 0
        &&  strcmp (key, "message_zh") != 0 && strcmp (key, "messages") != 0)
            json_object_set (error, key, item);
    return json_pack ("{s:o}", "error", error);
}

static enum MHD_Result
s_error (struct MHD_Connection *conn, int status, const char *code, const char *en,
         const char *zh, json_t *detail, const char *header, const char *value)
{
    return gateway_json (conn, status, gateway_error_body (conn, code, en, zh, detail), header,
                         value);
}

//  The answer to a result code's error: 503 says when to retry (the
//  results service is down or restarting).
static enum MHD_Result
s_error_rc (struct MHD_Connection *conn, int rc, const char *en, const char *zh,
            json_t *detail)
{
    int status = gateway_status_of (rc);
    char retry [16];
    snprintf (retry, sizeof retry, "%d", GATEWAY_RESULTS_RETRY_S);
    return s_error (conn, status, mt_rc_name (rc), en, zh, detail,
                    status == 503 ? "Retry-After" : NULL, status == 503 ? retry : NULL);
}

enum MHD_Result
gateway_error_as (struct MHD_Connection *conn, int status, const char *code, const char *en,
                  const char *zh, json_t *detail, const char *header, const char *value)
{
    return s_error (conn, status, code, en, zh, detail, header, value);
}

enum MHD_Result
gateway_error (struct MHD_Connection *conn, int status, const char *code, const char *message)
{
    return s_error (conn, status, code, message, NULL, NULL, NULL, NULL);
}

enum MHD_Result
gateway_errorf (struct MHD_Connection *conn, int status, const char *code, const char *header,
                const char *value, const char *fmt, ...)
{
    char en [MT_ERR_MSG_MAX], zh [MT_ERR_MSG_ZH_MAX];
    va_list args;
    va_start (args, fmt);
    mt_text_vformat (en, sizeof en, zh, sizeof zh, fmt, args);
    va_end (args);
    return s_error (conn, status, code, en, zh, NULL, header, value);
}

enum MHD_Result
gateway_error_rc (struct MHD_Connection *conn, int rc, const char *message)
{
    return s_error_rc (conn, rc, message, NULL, NULL);
}

enum MHD_Result
gateway_error_err (struct MHD_Connection *conn, const mt_err_t *err, json_t *detail)
{
    return s_error_rc (conn, err->code, err->msg, err->msg_zh, detail);
}

enum MHD_Result
gateway_error_detail (struct MHD_Connection *conn, int rc, const char *message,
                      json_t *detail)
{
    //  The service's Chinese, when message is the text it came with.
    const char *zh = NULL;
    const char *said = json_string_value (json_object_get (detail, "message"));
    if (message && said && strcmp (said, message) == 0)
        zh = json_string_value (json_object_get (detail, "message_zh"));
    return s_error_rc (conn, rc, message, zh, detail);
}

enum MHD_Result
gateway_send_owned (struct MHD_Connection *conn, int status, const char *type, void *data,
                    size_t size, const char *cache_control)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, data,
                                                                     MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free (data);
        return MHD_NO;
    }
    return s_queue (conn, status, response, type, cache_control ? "Cache-Control" : NULL,
                    cache_control);
}

enum MHD_Result
gateway_send_file (struct MHD_Connection *conn, const char *folder, const char *name,
                   const char *type)
{
    char path [2048];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen (path, "rb");
    if (!file)
        return gateway_error (conn, 404, "not_found", "no such file");
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *data = size >= 0 && size < (16 << 20) ? malloc ((size_t) size + 1) : NULL;
    size_t got = data ? fread (data, 1, (size_t) size, file) : 0;
    fclose (file);
    enum MHD_Result rc = data ? gateway_send (conn, 200, type, data, got, "Cache-Control", "no-cache")
                              : gateway_error (conn, 500, "internal_error", "cannot read the file");
    free (data);
    return rc;
}
