//  gateway_routes - the HTTP API under /api/v1: each request offered to
//  the routers in turn (gateway_session.c: sign-in, health, me, the audit
//  log; gateway_cases.c: cases, photos, faces, reviews, the queue;
//  gateway_users.c: users).

#include "gateway_routes.h"
#include "gateway_reply.h"

enum MHD_Result
gateway_route (gateway_route_t *r)
{
    static enum MHD_Result (*const routers []) (gateway_route_t *) = {
        gateway_route_session, gateway_route_cases, gateway_route_media, gateway_route_reviews,
        gateway_route_admin, gateway_route_users
    };
    for (size_t i = 0; i < sizeof routers / sizeof routers [0]; i++) {
        enum MHD_Result sent = routers [i] (r);
        if (sent != GATEWAY_ROUTE_NEXT)
            return sent;
    }
    return gateway_error (r->conn, 404, "not_found", "no such resource");
}
