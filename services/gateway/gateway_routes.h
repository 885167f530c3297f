//  gateway_routes - the HTTP API under /api/v1: sign-in, cases, photos,
//  candidates, reviews, the queue, administration; each checked for role
//  and station, then done by the results service.

#ifndef GATEWAY_ROUTES_H_INCLUDED
#define GATEWAY_ROUTES_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway_state.h"

typedef struct {
    gateway_t *gw;
    struct MHD_Connection *conn;
    gateway_req_t *req;
    const char *method;
    char *parts [8];                //  path segments after /api/v1
    int count;
    json_t *body;                   //  the JSON body, if any
    gateway_auth_t auth;
    bool signed_in;
    bool before_change;             //  the route is open to a user who must change
                                    //  their password first (gateway_api_route_t)
} gateway_route_t;

//  Every route of the API: its method, its path under /api/v1 (a segment in
//  braces matches any), and the roles that may call it (ROLE () mask; 0: no
//  sign-in needed). Ends with a NULL method.
typedef struct {
    const char *method;
    const char *path;
    int roles;
    bool before_change;             //  open to a user whose password an administrator set,
                                    //  before they change it (who am I, one's password)
} gateway_api_route_t;
extern const gateway_api_route_t gateway_api_routes [];

//  Who calls: session cookie or bearer token. MT_ENOTFOUND if nobody.
int gateway_authenticate (gateway_t *gw, struct MHD_Connection *conn, gateway_auth_t *auth);
//  Changes made with a cookie need the CSRF token in X-CSRF-Token.
bool gateway_csrf_ok (struct MHD_Connection *conn, const gateway_auth_t *auth,
                      const char *method);
//  Answer a request of the API (r->parts: the path after /api/v1/): a
//  route not in gateway_api_routes is 404 (405 for another method), a role
//  it does not allow 401 or 403; then the routers answer.
enum MHD_Result gateway_route (gateway_route_t *r);

//  The routers (gateway_session.c, gateway_cases.c, gateway_users.c): each
//  answers the requests that are its own and returns GATEWAY_ROUTE_NEXT for
//  others.
#define GATEWAY_ROUTE_NEXT ((enum MHD_Result) -1)
enum MHD_Result gateway_route_session (gateway_route_t *r);
enum MHD_Result gateway_route_cases (gateway_route_t *r);
enum MHD_Result gateway_route_media (gateway_route_t *r);
enum MHD_Result gateway_route_reviews (gateway_route_t *r);
enum MHD_Result gateway_route_admin (gateway_route_t *r);
//  The admin's users (gateway_users.c): GET/POST /users, PATCH and DELETE
//  /users/{name}, POST /users/{name}/password and .../unlock.
enum MHD_Result gateway_route_users (gateway_route_t *r);

//  What every route does (gateway_route.c).
#define ROLE(x) (1 << (x))
#define ANY_ROLE (ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN))
//  Whether the request is method on a path of count segments, each as
//  given ("*": any).
bool gateway_route_is (const gateway_route_t *r, const char *method, int count, ...);
//  A positive id from a path segment; -1 if it is not one.
long long gateway_route_id (const char *text);
//  A query argument as an integer: fallback if absent, -1 if not a number.
long long gateway_route_query_int (struct MHD_Connection *conn, const char *key,
                                   long long fallback);
//  Whether the caller is signed in with a role in allowed_mask (ROLE ());
//  if not, answers 401 or 403 into *sent (a 403 is audited as refused).
bool gateway_route_may (gateway_route_t *r, int allowed_mask, enum MHD_Result *sent);
//  Call the results service on the caller's behalf (params taken; a
//  request's Idempotency-Key joins those of a method that changes records);
//  on error answer the client into *sent and return NULL.
json_t *gateway_route_call (gateway_route_t *r, const char *method, json_t *params,
                            const void *payload, size_t size, uint8_t **reply_payload,
                            size_t *reply_size, enum MHD_Result *sent);
//  Call method (params taken) and answer its result as JSON with status.
enum MHD_Result gateway_route_answer (gateway_route_t *r, const char *method, json_t *params,
                                      int status);

#endif
