//  gateway_results - the gateway's link to the results service, for many
//  request threads at once: each thread calls through a connection of its
//  own, and a prober (its own thread and connection) pings the service
//  every second and keeps its stats (every five seconds) for the health
//  check. After two unanswered pings the service counts as down:
//  new calls fail at once with MT_EUNAVAILABLE (the gateway answers 503
//  with Retry-After) and calls that wait give up, until a ping is
//  answered again. Sign-in, static files and health never wait on it.

#ifndef GATEWAY_RESULTS_H_INCLUDED
#define GATEWAY_RESULTS_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "wire/mt_wire.h"

//  Seconds a client is told to wait (Retry-After) while the service is down.
#define GATEWAY_RESULTS_RETRY_S 5

typedef struct gateway_results gateway_results_t;

//  Start the prober; curve is copied (NULL for inproc:// and ipc://).
int gateway_results_new (const char *endpoint, const mt_curve_config_t *curve,
                         gateway_results_t **self_p, mt_err_t *err);
//  Stop the prober. Call after every request thread has ended.
void gateway_results_destroy (gateway_results_t **self_p);

//  Whether the service answers (its last ping, or a call since).
bool gateway_results_up (gateway_results_t *self);
//  Milliseconds since the service last answered (0 if it does now).
int64_t gateway_results_down_ms (gateway_results_t *self);
//  The service's last stats (a new reference; NULL before the first).
json_t *gateway_results_stats (gateway_results_t *self);

//  Who a call is made for: a signed-in user (actor, role and station, which
//  the results service applies its rules for), or the gateway itself (only
//  actor; role and station NULL).
typedef struct {
    const char *actor, *role, *station;
} gateway_caller_t;

//  How old the store's counts in the results service's stats may be when
//  the gateway asks for them (its health check every few seconds, its
//  metrics): api.proto's StatsParams.
#define GATEWAY_STATS_COUNTS_AGE_MS 30000

//  api_call through this thread's connection, on behalf of who. On an
//  error reply, *error_p (when given) is the reply's error object (a new
//  reference: code, message and what the service added, e.g. "allowed").
int gateway_results_call_as (gateway_results_t *self, const gateway_caller_t *who,
                             const char *method, json_t *params, const void *payload,
                             size_t size, int timeout_ms, json_t **result_p,
                             uint8_t **reply_payload_p, size_t *reply_size_p, json_t **error_p,
                             mt_err_t *err);
//  The same on behalf of actor alone (the gateway's own calls).
int gateway_results_call (gateway_results_t *self, const char *actor, const char *method,
                          json_t *params, const void *payload, size_t size, int timeout_ms,
                          json_t **result_p, uint8_t **reply_payload_p, size_t *reply_size_p,
                          mt_err_t *err);

#endif
