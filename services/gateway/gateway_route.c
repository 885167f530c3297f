//  gateway_route - what every route of the API does: match the method and
//  path, check the caller's role, call the results service on the caller's
//  behalf and answer its result.

#include "gateway_routes.h"
#include "gateway_reply.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool
gateway_route_is (const gateway_route_t *r, const char *method, int count, ...)
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

long long
gateway_route_id (const char *text)
{
    char *end;
    long long id = strtoll (text, &end, 10);
    return *end || id <= 0 ? -1 : id;
}

long long
gateway_route_query_int (struct MHD_Connection *conn, const char *key, long long fallback)
{
    const char *value = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, key);
    char *end;
    long long v = value ? strtoll (value, &end, 10) : fallback;
    return value && (*end || !*value) ? -1 : v;
}

//  Record a refusal in the audit log (queued: never waits): who asked for
//  what, and why not.
static void
s_audit_refusal (gateway_route_t *r, const char *why)
{
    char object [160] = "";
    int at = snprintf (object, sizeof object, "%s /api/v1", r->method);
    for (int i = 0; i < r->count && at > 0 && (size_t) at < sizeof object; i++)
        at += snprintf (object + at, sizeof object - (size_t) at, "/%s", r->parts [i]);
    gateway_audit (r->gw->audit, r->auth.user.name, "refused", object, why);
}

bool
gateway_route_may (gateway_route_t *r, int allowed_mask, enum MHD_Result *sent)
{
    if (!r->signed_in)
        *sent = gateway_error (r->conn, 401, "unauthenticated", "sign in first");
    else
    if (r->auth.user.must_change && !r->before_change)
        *sent = gateway_error (r->conn, 403, "password_change_required", "An administrator set "
                               "your password: change it before you go on.");
    else
    if (!(allowed_mask & (1 << r->auth.user.role))) {
        s_audit_refusal (r, "your role may not do this");
        *sent = gateway_error (r->conn, 403, "forbidden", "your role may not do this");
    }
    else
        return true;
    return false;
}

//  The results methods that change records: a request's Idempotency-Key
//  goes with them, so that the same key twice is done once.
static bool
s_changes (const char *method)
{
    static const char *const changing [] = {
        "case.add", "case.close", "case.reopen", "case.update", "case.erase", "photo.add",
        "photo.person", "photo.remove", "face.exclude", "review", NULL
    };
    for (size_t i = 0; changing [i]; i++)
        if (strcmp (method, changing [i]) == 0)
            return true;
    return false;
}

json_t *
gateway_route_call (gateway_route_t *r, const char *method, json_t *params, const void *payload,
                    size_t size, uint8_t **reply_payload, size_t *reply_size,
                    enum MHD_Result *sent)
{
    json_t *result = NULL, *error = NULL;
    mt_err_t err;
    const char *key = MHD_lookup_connection_value (r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (key && params && s_changes (method))
        json_object_set_new (params, "idempotency_key", json_string (key));
    const gateway_caller_t who = { .actor = r->auth.user.name,
                                   .role = mt_role_name (r->auth.user.role),
                                   .station = r->auth.user.station };
    int rc = gateway_results_call_as (r->gw->results, &who, method, params, payload, size, 30000,
                                      &result, reply_payload, reply_size, &error, &err);
    json_decref (params);
    if (rc != MT_OK) {
        *sent = gateway_error_err (r->conn, &err, error);
        json_decref (error);
        return NULL;
    }
    return result;
}

enum MHD_Result
gateway_route_answer (gateway_route_t *r, const char *method, json_t *params, int status)
{
    enum MHD_Result sent = MHD_YES;
    json_t *out = gateway_route_call (r, method, params, NULL, 0, NULL, NULL, &sent);
    return out ? gateway_json (r->conn, status, out, NULL, NULL) : sent;
}
