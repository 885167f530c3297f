//  gateway_routes - the HTTP API under /api/v1: sign-in, cases, photos,
//  candidates, reviews, the queue, administration; each checked for role
//  and station, then done by the results service.

#ifndef GATEWAY_ROUTES_H_INCLUDED
#define GATEWAY_ROUTES_H_INCLUDED

#include <jansson.h>

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
} gateway_route_t;

//  Who calls: session cookie or bearer token. MT_ENOTFOUND if nobody.
int gateway_authenticate (gateway_t *gw, struct MHD_Connection *conn, gateway_auth_t *auth);
//  Changes made with a cookie need the CSRF token in X-CSRF-Token.
bool gateway_csrf_ok (struct MHD_Connection *conn, const gateway_auth_t *auth,
                      const char *method);
//  Answer a request of the API (r->parts: the path after /api/v1/).
enum MHD_Result gateway_route (gateway_route_t *r);

#endif
