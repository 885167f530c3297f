//  cli_api - what the case commands share: the options that reach the
//  results service (--api, --key, --results-key, --insecure, --actor,
//  --timeout-ms, --json), read with every other option of a command from
//  one typed table (base/mt_config: a wrong number is refused with its
//  reason), and printing.

#ifndef CLI_API_H_INCLUDED
#define CLI_API_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mt_config.h"
#include "common/api.h"
#include "wire/mt_curve.h"

typedef struct {
    char api [256];
    mt_curve_config_t curve;    //  for a tcp:// --api: key, results-key, insecure
    char actor [64];
    int64_t timeout_ms;
    bool json;
    //  The operands (arguments that are not options), in order; owned.
    int argc;
    char **argv;
} cli_api_opts_t;

//  The common options' rows of a command's table, for a settings struct
//  `type` whose member m is its cli_api_opts_t.
#define CLI_API_KEYS(type, m) \
    { "api", MT_CFG_STRING, offsetof (type, m.api), 0, sizeof ((type *) 0)->m.api, \
      "the results service (ipc://var/api.sock is where homeward serve listens)" }, \
    MT_CURVE_CLIENT_KEYS (type, m.curve, "results-key", \
                          "the results service's public key, for a tcp:// --api"), \
    { "actor", MT_CFG_STRING, offsetof (type, m.actor), 0, sizeof ((type *) 0)->m.actor, \
      "who you are, for the audit log (default $USER)" }, \
    { "timeout-ms", MT_CFG_INT, offsetof (type, m.timeout_ms), 1, 24.0 * 3600 * 1000, \
      "how long to wait for Homeward" }, \
    { "json", MT_CFG_BOOL, offsetof (type, m.json), 0, 0, "print JSON" }

//  A table that ends.
#define CLI_KEYS_END { .name = NULL }

//  Read a command's options from argv [1..] with the table keys (which
//  holds CLI_API_KEYS for opts, a member of settings), over the defaults
//  settings holds and those set here for opts; the operands go to
//  opts->argv. Returns 0, or 2 after saying what is wrong (opts->argv then
//  NULL).
int cli_api_load (const char *command, const mt_config_key_t *keys, void *settings,
                  cli_api_opts_t *opts, int argc, char **argv);
//  A command's action (its first operand: `homeward case --json show 3`
//  is `show`; NULL when there is none; it points into argv), read with
//  keys, the options of all its actions, over a scratch copy of settings
//  (size bytes). Returns 0, or 2 after saying why the options do not read.
int cli_api_action (const char *command, const mt_config_key_t *keys, const void *settings,
                    size_t size, int argc, char **argv, const char **action_p);
//  The defaults of the common options (for --help, and before loading).
void cli_api_defaults (cli_api_opts_t *opts);
//  "Options:" and one line for each row of keys, for --help.
void cli_api_help (const mt_config_key_t *keys, void *settings, cli_api_opts_t *opts,
                   FILE *out);

//  Connect. Returns NULL after printing an error.
api_client_t *cli_api_connect (const char *command, const cli_api_opts_t *opts);

//  Connect, call method with params (borrowed) and an optional payload,
//  disconnect. Returns 0 with *result_p a new reference, or 1 after
//  printing the error.
int cli_api_call (const char *command, const cli_api_opts_t *opts, const char *method,
                  json_t *params, const void *payload, size_t size, json_t **result_p);
//  Print JSON on one line.
void cli_print_json (json_t *json);

#endif
