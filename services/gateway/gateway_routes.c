//  gateway_routes - the HTTP API under /api/v1: every route it answers,
//  declared once with who may call it (and described, with the same
//  routes, in web/openapi.json: selftest_gateway_routes holds the two to
//  each other); a request checked against the table (404, 405, 401, 403),
//  then offered to the routers in turn (gateway_session.c: sign-in, health,
//  me, the audit log; gateway_users.c: users; gateway_cases.c: cases,
//  photos, faces, reviews, pairs, the queue).

#include "gateway_routes.h"
#include "gateway_reply.h"

#include <stdio.h>
#include <string.h>

#define S_ANY ANY_ROLE
#define S_ADMIN ROLE (MT_ROLE_ADMIN)
#define S_REVIEW (ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN))
#define S_STATION (ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_ADMIN))

//  Path segments in braces match any segment. roles 0: no sign-in needed.
//  Who may see or change which case the results service decides.
const gateway_api_route_t gateway_api_routes [] = {
    { "GET", "/health", 0, false },
    { "GET", "/openapi.json", 0, false },
    { "POST", "/session", 0, false },
    { "DELETE", "/session", 0, false },
    { "GET", "/me", S_ANY, true },
    { "POST", "/me/password", S_ANY, true },
    { "GET", "/case-facts", S_ANY, false },
    { "GET", "/cases", S_ANY, false },
    { "POST", "/cases", S_STATION, false },
    { "GET", "/cases/{id}", S_ANY, false },
    { "PATCH", "/cases/{id}", S_ANY, false },
    { "POST", "/cases/{id}/close", S_ANY, false },
    { "POST", "/cases/{id}/reopen", S_ADMIN, false },
    { "POST", "/cases/{id}/photos", S_ANY, false },
    { "GET", "/cases/{id}/candidates", S_ANY, false },
    { "GET", "/cases/{id}/export", S_STATION, false },
    { "POST", "/cases/{id}/erase", S_ADMIN, false },
    { "GET", "/cases/{id}/reviews", S_ANY, false },
    { "GET", "/photos/{id}", S_ANY, false },
    { "PATCH", "/photos/{id}", S_ANY, false },
    { "POST", "/photos/{id}/person", S_ANY, false },
    { "POST", "/photos/{id}/remove", S_ANY, false },
    { "POST", "/faces/{id}/exclude", S_ANY, false },
    { "GET", "/faces/{id}/chip", S_ANY, false },
    { "POST", "/reviews", S_REVIEW, false },
    { "GET", "/pairs/{found}/{missing}", S_ANY, false },
    { "GET", "/queue", S_REVIEW, false },
    { "GET", "/same-person", S_ANY, false },
    { "GET", "/same-person/{a}/{b}", S_ANY, false },
    { "POST", "/same-person/{a}/{b}", S_ANY, false },
    { "GET", "/notices", S_ANY, false },
    { "POST", "/notices/{report}/{found}", S_ANY, false },
    { "GET", "/audit", S_ADMIN, false },
    { "GET", "/audit/verify", S_ADMIN, false },
    { "GET", "/users", S_ADMIN, false },
    { "POST", "/users", S_ADMIN, false },
    { "PATCH", "/users/{name}", S_ADMIN, false },
    { "DELETE", "/users/{name}", S_ADMIN, false },
    { "POST", "/users/{name}/password", S_ADMIN, false },
    { "POST", "/users/{name}/unlock", S_ADMIN, false },
    { NULL, NULL, 0, false }
};

//  Whether the request's path is the route's pattern.
static bool
s_path_is (const gateway_route_t *r, const char *pattern)
{
    char copy [256];
    snprintf (copy, sizeof copy, "%s", pattern);
    int count = 0;
    char *save = NULL;
    for (char *seg = strtok_r (copy, "/", &save); seg; seg = strtok_r (NULL, "/", &save)) {
        if (count >= r->count || (seg [0] != '{' && strcmp (seg, r->parts [count]) != 0))
            return false;
        count++;
    }
    return count == r->count;
}

enum MHD_Result
gateway_route (gateway_route_t *r)
{
    const gateway_api_route_t *route = NULL;
    char allow [64] = "";
    for (const gateway_api_route_t *t = gateway_api_routes; t->method && !route; t++)
        if (s_path_is (r, t->path)) {
            if (strcmp (t->method, r->method) == 0)
                route = t;
            else
                snprintf (allow + strlen (allow), sizeof allow - strlen (allow), "%s%s",
                          allow [0] ? ", " : "", t->method);
        }
    if (!route && allow [0])
        return gateway_json (r->conn, 405, json_pack ("{s:{s:s, s:s}}", "error", "code",
                             "method_not_allowed", "message", "this resource does not take "
                             "that method"), "Allow", allow);
    if (!route)
        return gateway_error (r->conn, 404, "not_found", "no such resource");
    enum MHD_Result sent = MHD_YES;
    r->before_change = route->before_change;
    if (route->roles && !gateway_route_may (r, route->roles, &sent))
        return sent;
    if (strcmp (route->path, "/openapi.json") == 0)
        return gateway_send_file (r->conn, r->gw->config->web, "openapi.json",
                                  "application/json; charset=utf-8");
    static enum MHD_Result (*const routers []) (gateway_route_t *) = {
        gateway_route_session, gateway_route_cases, gateway_route_media, gateway_route_reviews,
        gateway_route_admin, gateway_route_users
    };
    for (size_t i = 0; i < sizeof routers / sizeof routers [0]; i++) {
        sent = routers [i] (r);
        if (sent != GATEWAY_ROUTE_NEXT)
            return sent;
    }
    return gateway_error (r->conn, 404, "not_found", "no such resource");
}
