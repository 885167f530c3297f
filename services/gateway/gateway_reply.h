//  gateway_reply - how the gateway answers: JSON, errors with the right
//  status, files; every answer with the security headers (and HSTS when
//  served over HTTPS).
//
//  An error is {"error": {"code": "not_found", "message": "...", "messages":
//  {"zh-CN": "...", "en": "..."}}}: message in the language the request's
//  Accept-Language asks for (zh, zh-CN, zh-Hans... Chinese; otherwise
//  English), messages in both. The Chinese of a message is the catalog's
//  (base/mt_text.h); one it lacks is "<the code's Chinese>：<the English>".

#ifndef GATEWAY_REPLY_H_INCLUDED
#define GATEWAY_REPLY_H_INCLUDED

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>

#include "base/mt_error.h"

//  The HTTP status for a result code.
int gateway_status_of (int code);
//  Served over HTTPS: answers carry Strict-Transport-Security.
void gateway_reply_tls (bool on);
bool gateway_reply_https (void);
//  The status of the answer last queued (for the metrics), and its reset
//  before a request is answered.
int gateway_reply_status (void);
void gateway_reply_status_reset (void);

//  Answer with a copy of data.
enum MHD_Result gateway_send (struct MHD_Connection *conn, int status, const char *type,
                              const void *data, size_t size, const char *extra_header,
                              const char *extra_value);
//  Answer with the file name of folder (at most 16 MB), of type; 404 if
//  there is none.
enum MHD_Result gateway_send_file (struct MHD_Connection *conn, const char *folder,
                                   const char *name, const char *type);
//  Answer with data (malloc'd), which the answer takes.
enum MHD_Result gateway_send_owned (struct MHD_Connection *conn, int status, const char *type,
                                    void *data, size_t size, const char *cache_control);
//  Answer with JSON (takes the reference).
enum MHD_Result gateway_json (struct MHD_Connection *conn, int status, json_t *json,
                              const char *extra_header, const char *extra_value);
//  Answer an error with status and code: message is a message of the
//  catalog (a literal: its Chinese is looked up).
enum MHD_Result gateway_error (struct MHD_Connection *conn, int status, const char *code,
                               const char *message);
//  The same, formatted (printf; the Chinese formatted from the catalog's
//  row of fmt), with one more header (NULL for none), e.g. Retry-After.
enum MHD_Result gateway_errorf (struct MHD_Connection *conn, int status, const char *code,
                                const char *header, const char *value, const char *fmt, ...)
    __attribute__ ((format (printf, 6, 7)));
//  The status and code of a result code, message as gateway_error's.
enum MHD_Result gateway_error_rc (struct MHD_Connection *conn, int rc, const char *message);
//  An error with its own messages (err->code; both languages), and what a
//  service added to its error reply (detail, borrowed, may be NULL: its keys
//  other than code and the messages join the error).
enum MHD_Result gateway_error_err (struct MHD_Connection *conn, const mt_err_t *err,
                                   json_t *detail);
//  Message as gateway_error's, or the text of a service's error reply, whose
//  Chinese is detail's "message_zh" (detail as gateway_error_err's).
enum MHD_Result gateway_error_detail (struct MHD_Connection *conn, int rc, const char *message,
                                      json_t *detail);
//  The most general: status and code, the English and its Chinese (zh NULL
//  or "": looked up as gateway_error's), detail (borrowed, may be NULL: its
//  keys join the error), one more header (NULL for none).
enum MHD_Result gateway_error_as (struct MHD_Connection *conn, int status, const char *code,
                                  const char *en, const char *zh, json_t *detail,
                                  const char *header, const char *value);
//  The body of such an error, {"error": {...}} (a new reference), to be
//  answered later (gateway_later).
json_t *gateway_error_body (struct MHD_Connection *conn, const char *code, const char *en,
                            const char *zh, json_t *detail);
//  Whether this request is answered in Chinese (its Accept-Language).
bool gateway_reply_zh (struct MHD_Connection *conn);

#endif
