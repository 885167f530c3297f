//  gateway_actor - the HTTP gateway: the versioned REST API (/api/v1) for
//  the web app and other clients, sign-in and roles, Prometheus metrics
//  (/metrics), and the web app's static files. It speaks to the results
//  service over its API; it keeps only users and sessions (mt_users).
//
//  Every request is checked for role and station: station_staff see and
//  change only their station's cases (and see the candidate families of
//  those cases), police_liaison review pairs across provinces, admin manage
//  users and read the audit log. Browser sessions use an HttpOnly,
//  SameSite=Strict cookie plus a CSRF token on every change; API clients use
//  a bearer token. Failed sign-ins are rate-limited per name and per
//  address. Bodies over their limit are refused from their Content-Length,
//  before they are read.

#ifndef GATEWAY_ACTOR_H_INCLUDED
#define GATEWAY_ACTOR_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "wire/mt_actor.h"
#include "base/mt_config.h"
#include "wire/mt_curve.h"

typedef struct {
    char address [64];              //  to listen on, e.g. 127.0.0.1 (or 0.0.0.0)
    int64_t port;                   //  0: any free port (the one taken is bound_port)
    int64_t threads;                //  answering requests at once
    char results [256];             //  the results service's API endpoint
    char users [1024];              //  the users database (SQLite file)
    char web [1024];                //  folder of the web app's files
    int64_t session_ttl_s;
    int64_t max_json_bytes;
    int64_t max_upload_bytes;
    bool secure_cookies;            //  mark cookies Secure (behind TLS)
    char tls_cert [1024];           //  PEM certificate (chain) file: serve HTTPS
    char tls_key [1024];            //  its PEM private key file
    bool plain_http;                //  allow plain HTTP on a non-loopback address
    mt_curve_config_t curve;        //  key, results-key, insecure
    int64_t bound_port;             //  set by the actor before it says it is ready:
                                    //  the port it listens on
} gateway_config_t;

extern const mt_config_key_t gateway_config_keys [];

void gateway_config_defaults (gateway_config_t *config);

void gateway_actor (void *pipe, void *arg);

#endif
