//  gateway_later - answers that wait without holding a thread: a failed
//  sign-in from an address that keeps failing is answered after a delay.
//  The connection is suspended (MHD_suspend_connection) with its answer
//  ready in its gateway_req_t, and a thread of its own resumes it when the
//  delay is over; the request handler is then called again and sends it.
//  A request thread waits for nothing, so no address, however many
//  connections it opens, can tie up the gateway's thread pool. Internal to
//  the gateway.

#ifndef GATEWAY_LATER_H_INCLUDED
#define GATEWAY_LATER_H_INCLUDED

#include <microhttpd.h>
#include <stdbool.h>

#include "base/mt_error.h"

//  Connections waiting at most, from one key (an address) and in all.
#define GATEWAY_LATER_PER_KEY 4
#define GATEWAY_LATER_MAX 256

typedef struct gateway_later gateway_later_t;

//  Start the thread that resumes connections.
int gateway_later_new (gateway_later_t **self_p, mt_err_t *err);
//  Resume every waiting connection now, refuse new ones and stop the
//  thread. Call before MHD_stop_daemon (MHD must not stop with a connection
//  suspended); the request threads may still call gateway_later_add, which
//  then says no.
void gateway_later_stop (gateway_later_t *self);
//  Free (after gateway_later_stop and MHD_stop_daemon); NULL-safe.
void gateway_later_destroy (gateway_later_t **self_p);

//  From a request handler: suspend conn for delay_ms, counted under key.
//  False, and nothing done, when key has GATEWAY_LATER_PER_KEY waiting,
//  GATEWAY_LATER_MAX wait in all, or the gateway stops: answer at once.
bool gateway_later_add (gateway_later_t *self, struct MHD_Connection *conn, const char *key,
                        int delay_ms);
//  Connections waiting now (for the metrics).
int gateway_later_waiting (gateway_later_t *self);

#endif
