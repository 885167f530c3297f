//  gateway_audit - what the gateway itself writes into the audit log
//  (sign-ins, failed ones, sign-outs, lockouts, account changes): through
//  the results service's audit.add, from a thread of its own, so that a
//  request never waits for it. While the service does not answer, entries
//  wait (up to GATEWAY_AUDIT_QUEUE) and are written when it answers again,
//  with the time they happened; what cannot be written is logged as an
//  error. Internal to the gateway.

#ifndef GATEWAY_AUDIT_H_INCLUDED
#define GATEWAY_AUDIT_H_INCLUDED

#include "gateway_results.h"

#define GATEWAY_AUDIT_QUEUE 4096

typedef struct gateway_audit gateway_audit_t;

//  Start the writer; results is borrowed and must outlive it.
int gateway_audit_new (gateway_results_t *results, gateway_audit_t **self_p, mt_err_t *err);
//  Write what waits (giving the service a few seconds), then stop; call
//  after the request threads have ended and before the results link goes.
//  NULL-safe.
void gateway_audit_destroy (gateway_audit_t **self_p);

//  Queue an entry (copied; never blocks): actor did action (user.*,
//  session.* or refused) to object (may be NULL), detail (may be NULL).
void gateway_audit (gateway_audit_t *self, const char *actor, const char *action,
                    const char *object, const char *detail);

#endif
