//  cli_api - what the case commands share: the options that reach the
//  results service (--api, --actor, --timeout-ms, --json) and printing.

#ifndef CLI_API_H_INCLUDED
#define CLI_API_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>

#include "common/api.h"

typedef struct {
    char api [256];
    mt_curve_config_t curve;    //  for a tcp:// --api: key, results-key, insecure
    char actor [64];
    int timeout_ms;
    bool json;
    bool wait;
    //  Arguments that are not common options, in order.
    int argc;
    char **argv;
} cli_api_opts_t;

//  Take the common options out of argv [1..]; the rest stays in opts->argv.
//  Returns 0, or 2 after printing an error (opts->argv then freed and NULL).
int cli_api_parse (const char *command, int argc, char **argv, cli_api_opts_t *opts);

//  Connect. Returns NULL after printing an error.
api_client_t *cli_api_connect (const char *command, const cli_api_opts_t *opts);

//  Connect, call method with params (borrowed) and an optional payload,
//  disconnect. Returns 0 with *result_p a new reference, or 1 after
//  printing the error.
int cli_api_call (const char *command, const cli_api_opts_t *opts, const char *method,
                  json_t *params, const void *payload, size_t size, json_t **result_p);
//  Print JSON on one line.
void cli_print_json (json_t *json);

//  The help text for the common options.
#define CLI_API_OPTIONS_HELP \
    "  --api ENDPOINT        the results service (default ipc://var/api.sock, where\n" \
    "                        homeward serve listens; or HOMEWARD_API)\n" \
    "  --key FILE            your CURVE key pair, for a tcp:// endpoint (HOMEWARD_KEY)\n" \
    "  --results-key FILE    the results service's public key (HOMEWARD_RESULTS_KEY)\n" \
    "  --insecure            allow a tcp:// endpoint without CURVE\n" \
    "  --actor NAME          who you are, for the audit log (default $USER)\n" \
    "  --timeout-ms N        how long to wait for Homeward (default 30000)\n" \
    "  --json                print JSON\n"

#endif
