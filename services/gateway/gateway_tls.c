//  gateway_tls - certificate and key for HTTPS; the plain-HTTP rule.

#include "gateway_tls.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_PEM (1 << 20)

static int
s_read_pem (const char *what, const char *path, char **text_p, mt_err_t *err)
{
    *text_p = NULL;
    FILE *file = fopen (path, "rb");
    if (!file)
        return mt_err_set (err, MT_ENOTFOUND, "cannot read the TLS %s %s: %s", what, path,
                           strerror (errno));
    char *text = malloc (S_MAX_PEM + 1);
    size_t size = text ? fread (text, 1, S_MAX_PEM + 1, file) : 0;
    fclose (file);
    if (!text)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    text [size <= S_MAX_PEM ? size : S_MAX_PEM] = '\0';
    if (size > S_MAX_PEM || !strstr (text, "-----BEGIN ")) {
        sodium_memzero (text, S_MAX_PEM + 1);
        free (text);
        return mt_err_set (err, MT_EINVAL, "the TLS %s %s is not a PEM file (-----BEGIN ...)",
                           what, path);
    }
    *text_p = text;
    return MT_OK;
}

static bool
s_loopback (const char *address)
{
    return strncmp (address, "127.", 4) == 0 || strcmp (address, "::1") == 0
        || strcmp (address, "localhost") == 0;
}

int
gateway_tls_load (const gateway_config_t *config, gateway_tls_t *tls, mt_err_t *err)
{
    *tls = (gateway_tls_t) { 0 };
    bool cert = config->tls_cert [0] != '\0', key = config->tls_key [0] != '\0';
    if (cert != key)
        return mt_err_set (err, MT_EINVAL, "give both --tls-cert and --tls-key (PEM files) to "
                           "serve HTTPS, or neither");
    if (!cert) {
        if (!s_loopback (config->address) && !config->plain_http)
            return mt_err_set (err, MT_EINVAL, "the web app would be plain HTTP on %s: "
                               "passwords and faces would cross the network unencrypted. Give "
                               "--tls-cert and --tls-key, or put a TLS reverse proxy in front "
                               "and say --plain-http (deploy/README.md)", config->address);
        return MT_OK;
    }
    int rc = s_read_pem ("certificate", config->tls_cert, &tls->cert, err);
    if (rc == MT_OK)
        rc = s_read_pem ("key", config->tls_key, &tls->key, err);
    if (rc != MT_OK)
        gateway_tls_free (tls);
    return rc;
}

void
gateway_tls_free (gateway_tls_t *tls)
{
    if (tls->key)
        sodium_memzero (tls->key, strlen (tls->key));
    free (tls->key);
    free (tls->cert);
    *tls = (gateway_tls_t) { 0 };
}
