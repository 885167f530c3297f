//  gateway_tls - what the gateway needs to serve HTTPS: the certificate and
//  key read from their PEM files, and the rule that plain HTTP is served
//  only on a loopback address unless asked for.

#ifndef GATEWAY_TLS_H_INCLUDED
#define GATEWAY_TLS_H_INCLUDED

#include "gateway_actor.h"
#include "base/mt_error.h"

typedef struct {
    char *cert, *key;               //  PEM text; NULL when serving plain HTTP
} gateway_tls_t;

//  Read tls-cert and tls-key (both or neither); refuse plain HTTP on a
//  non-loopback address without plain-http. Messages say what to do.
int gateway_tls_load (const gateway_config_t *config, gateway_tls_t *tls, mt_err_t *err);
//  Wipe and free the key; NULL-safe.
void gateway_tls_free (gateway_tls_t *tls);

#endif
