//  gateway_state - what the gateway's files share: its state, a request
//  being received, the caller's identity. Internal to the gateway.

#ifndef GATEWAY_STATE_H_INCLUDED
#define GATEWAY_STATE_H_INCLUDED

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "gateway_actor.h"
#include "gateway_audit.h"
#include "gateway_later.h"
#include "gateway_results.h"
#include "gateway/accounts/mt_users.h"

#define GATEWAY_COOKIE "hw_session"
#define GATEWAY_LIMITER_SLOTS 1024
#define GATEWAY_BUCKETS 11

//  Latency buckets of the request histogram, in seconds.
extern const double gateway_buckets [GATEWAY_BUCKETS];

//  Sign-in failures of one address (the slowdown) or of one unknown name
//  (answered as a real account's lockout would be) in the current window.
typedef struct {
    char key [96];
    int failures;
    time_t window_start, locked_until;
} gateway_limit_t;

//  Requests are answered by a pool of threads (--threads): what they share
//  is either read-only, or under a lock, or per thread (the users' database
//  handle, the results service's connection).
typedef struct {
    const gateway_config_t *config;
    struct MHD_Daemon *daemon;
    gateway_results_t *results;
    pthread_key_t users_key;        //  each thread's mt_users_t
    gateway_audit_t *audit;         //  the gateway's own audit entries
    gateway_later_t *later;         //  answers that wait (failed sign-ins)
    pthread_mutex_t limits_lock;
    gateway_limit_t limits [GATEWAY_LIMITER_SLOTS];
    //  Metrics, under metrics_lock.
    pthread_mutex_t metrics_lock;
    uint64_t requests [6];          //  by status class: 1xx .. 5xx, index = class
    uint64_t latency [GATEWAY_BUCKETS + 1];
    double latency_sum;
    uint64_t latency_count;
    uint64_t uploads, login_failures;
} gateway_t;

//  A request while it arrives: its JSON body or its multipart upload.
typedef struct {
    gateway_t *gw;
    double started;
    bool upload;                    //  multipart photo upload route
    bool too_large;
    size_t limit;
    char *body;
    size_t body_size;
    struct MHD_PostProcessor *pp;
    uint8_t *file;
    size_t file_size;
    char file_type [64];
    char year [16];                 //  the form's year and age, "" when not sent
    char age [16];
    char ask_person [8];            //  the form's ask_person, "" when not sent
    //  An answer that waits (gateway_later): sent when the connection is
    //  resumed and the handler called again.
    bool later;
    int later_status;
    json_t *later_body;
    char later_retry [16];          //  Retry-After, "" for none
} gateway_req_t;

//  This thread's handle on the users' database (opened on first use);
//  NULL, with err, if it cannot be opened.
mt_users_t *gateway_users (gateway_t *gw, mt_err_t *err);

//  Who calls: the user of a session cookie or bearer token.
typedef struct {
    mt_user_t user;
    char csrf [MT_TOKEN_CHARS + 1];
    char token [MT_TOKEN_CHARS + 1];    //  the session's token (cookie or bearer)
    bool cookie;                    //  signed in by cookie (so CSRF applies)
} gateway_auth_t;

#endif
