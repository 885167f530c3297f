//  cli_api - common options and output of the case commands.

#include "cli_api.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_api_defaults (cli_api_opts_t *opts)
{
    const char *user = getenv ("USER");
    memset (opts, 0, sizeof *opts);
    snprintf (opts->api, sizeof opts->api, "ipc://var/api.sock");
    snprintf (opts->actor, sizeof opts->actor, "%s", user && *user ? user : "cli");
    opts->timeout_ms = 30000;
}

int
cli_api_load (const char *command, const mt_config_key_t *keys, void *settings,
              cli_api_opts_t *opts, int argc, char **argv)
{
    cli_api_defaults (opts);
    //  The operands are moved to the front of a copy: the caller's argv
    //  stays as it was.
    char **args = calloc ((size_t) argc + 1, sizeof *args);
    if (!args) {
        cli_error (command, "out of memory");
        return 2;
    }
    memcpy (args, argv, (size_t) argc * sizeof *args);
    int count = 0;
    if (cli_load_settings (command, keys, settings, argc, args, &count) != MT_OK) {
        free (args);
        return 2;
    }
    memmove (args, args + 1, (size_t) count * sizeof *args);
    args [count] = NULL;
    opts->argc = count;
    opts->argv = args;
    return 0;
}

int
cli_api_action (const char *command, const mt_config_key_t *keys, const void *settings,
                size_t size, int argc, char **argv, const char **action_p)
{
    *action_p = NULL;
    void *scratch = malloc (size);
    char **args = calloc ((size_t) argc + 1, sizeof *args);
    int count = 0, rc = MT_ENOMEM;
    mt_err_t err;
    mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (scratch && args) {
        memcpy (scratch, settings, size);
        memcpy (args, argv, (size_t) argc * sizeof *args);
        rc = mt_config_parse_args (keys, scratch, argc, args, 1, &count, &err);
    }
    if (rc == MT_OK && count > 0)
        *action_p = args [1];
    else
    if (rc != MT_OK)
        cli_error (command, "%s", err.msg);
    free (scratch);
    free (args);
    return rc == MT_OK ? 0 : 2;
}

void
cli_api_help (const mt_config_key_t *keys, void *settings, cli_api_opts_t *opts, FILE *out)
{
    cli_api_defaults (opts);
    fprintf (out, "Options:\n");
    mt_config_print_help (keys, settings, out);
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
    int rc = api_call (client, method, params, payload, size, (int) opts->timeout_ms, result_p,
                       NULL, NULL, &err);
    api_client_destroy (&client);
    if (rc != MT_OK) {
        cli_error (command, "%s", err.msg);
        return 1;
    }
    return 0;
}
