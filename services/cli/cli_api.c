//  cli_api - common options and output of the case commands.

#include "cli_api.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Options refused: none kept (the caller returns at once).
static int
s_refused (cli_api_opts_t *opts)
{
    free (opts->argv);
    opts->argv = NULL;
    opts->argc = 0;
    return 2;
}

int
cli_api_parse (const char *command, int argc, char **argv, cli_api_opts_t *opts)
{
    const char *env = getenv ("HOMEWARD_API");
    const char *user = getenv ("USER");
    const char *key = getenv ("HOMEWARD_KEY"), *results_key = getenv ("HOMEWARD_RESULTS_KEY");
    memset (&opts->curve, 0, sizeof opts->curve);
    snprintf (opts->api, sizeof opts->api, "%s", env && *env ? env : "ipc://var/api.sock");
    snprintf (opts->curve.key, sizeof opts->curve.key, "%s", key ? key : "");
    snprintf (opts->curve.server_key, sizeof opts->curve.server_key, "%s",
              results_key ? results_key : "");
    snprintf (opts->actor, sizeof opts->actor, "%s", user && *user ? user : "cli");
    opts->timeout_ms = 30000;
    opts->json = false;
    opts->wait = true;
    opts->argc = 0;
    opts->argv = calloc ((size_t) argc + 1, sizeof *opts->argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv [i];
        bool needs = strcmp (a, "--api") == 0 || strcmp (a, "--actor") == 0
                  || strcmp (a, "--timeout-ms") == 0 || strcmp (a, "--key") == 0
                  || strcmp (a, "--results-key") == 0;
        if (needs && i + 1 >= argc) {
            cli_error (command, "option %s needs a value", a);
            return s_refused (opts);
        }
        if (strcmp (a, "--api") == 0)
            snprintf (opts->api, sizeof opts->api, "%s", argv [++i]);
        else
        if (strcmp (a, "--actor") == 0)
            snprintf (opts->actor, sizeof opts->actor, "%s", argv [++i]);
        else
        if (strcmp (a, "--key") == 0)
            snprintf (opts->curve.key, sizeof opts->curve.key, "%s", argv [++i]);
        else
        if (strcmp (a, "--results-key") == 0)
            snprintf (opts->curve.server_key, sizeof opts->curve.server_key, "%s", argv [++i]);
        else
        if (strcmp (a, "--insecure") == 0)
            opts->curve.insecure = true;
        else
        if (strcmp (a, "--timeout-ms") == 0) {
            long long ms;
            if (!cli_number (command, a, argv [++i], 1, 24LL * 3600 * 1000, &ms))
                return s_refused (opts);
            opts->timeout_ms = (int) ms;
        }
        else
        if (strcmp (a, "--json") == 0)
            opts->json = true;
        else
        if (strcmp (a, "--no-wait") == 0)
            opts->wait = false;
        else
            opts->argv [opts->argc++] = argv [i];
    }
    return 0;
}

api_client_t *
cli_api_connect (const char *command, const cli_api_opts_t *opts)
{
    api_client_t *client;
    mt_err_t err;
    if (api_client_new (opts->api, &opts->curve, &client, &err) != MT_OK) {
        cli_error (command, "%s", err.msg);
        return NULL;
    }
    api_client_set_actor (client, opts->actor);
    return client;
}

void
cli_print_json (json_t *json)
{
    char *text = json_dumps (json, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (6));
    puts (text ? text : "null");
    free (text);
}

int
cli_api_call (const char *command, const cli_api_opts_t *opts, const char *method,
              json_t *params, const void *payload, size_t size, json_t **result_p)
{
    api_client_t *client = cli_api_connect (command, opts);
    if (!client)
        return 1;
    mt_err_t err;
    int rc = api_call (client, method, params, payload, size, opts->timeout_ms, result_p, NULL,
                       NULL, &err);
    api_client_destroy (&client);
    if (rc != MT_OK) {
        cli_error (command, "%s", err.msg);
        return 1;
    }
    return 0;
}
