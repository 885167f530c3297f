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

bool
gateway_route_may (gateway_route_t *r, int allowed_mask, enum MHD_Result *sent)
{
    if (!r->signed_in)
        *sent = gateway_error (r->conn, 401, "unauthenticated", "sign in first");
    else
    if (r->auth.user.must_change)   //  only /me, /me/password and sign-out until changed
        *sent = gateway_error (r->conn, 403, "password_change_required", "An administrator set "
                               "your password: change it before you go on.");
    else
    if (!(allowed_mask & (1 << r->auth.user.role)))
        *sent = gateway_error (r->conn, 403, "forbidden", "your role may not do this");
    else
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
    const gateway_caller_t who = { .actor = r->auth.user.name,
                                   .role = mt_role_name (r->auth.user.role),
                                   .station = r->auth.user.station };
    int rc = gateway_results_call_as (r->gw->results, &who, method, params, payload, size, 30000,
                                      &result, reply_payload, reply_size, &error, &err);
    json_decref (params);
    if (rc != MT_OK) {
        *sent = gateway_error_detail (r->conn, rc, err.msg, error);
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

json_t *
gateway_route_case (gateway_route_t *r, long long case_id, enum MHD_Result *sent)
{
    json_t *c = gateway_route_call (r, "case.get", json_pack ("{s:I}", "case_id",
                                    (json_int_t) case_id), NULL, 0, NULL, NULL, sent);
    if (c && r->auth.user.role == MT_ROLE_STATION_STAFF) {
        const char *station = json_string_value (json_object_get (c, "station"));
        if (!station || strcmp (station, r->auth.user.station) != 0) {
            json_decref (c);
            *sent = gateway_error (r->conn, 403, "forbidden", "this case belongs to another station");
            return NULL;
        }
    }
    return c;
}
