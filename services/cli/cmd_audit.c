//  homeward audit verify | list - check the hash chain of the audit log;
//  read its entries (all, or those about one case).

#include "cli.h"
#include "cli_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: homeward audit verify [--anchor ID:HASH]\n"
                  "       homeward audit list [--case CASE] [--limit N]\n\n"
                  "verify walks the audit log's hash chain from its first entry and says\n"
                  "whether it is whole; it prints the head (last entry and its hash): keep that\n"
                  "line somewhere else (a printout, a ticket) and give it later as --anchor to\n"
                  "also catch a log rewritten from the start. Exit status 1 when broken.\n\n"
                  "Options:\n" CLI_API_OPTIONS_HELP);
}

static int
s_verify (const cli_api_opts_t *opts, api_client_t *client)
{
    json_t *params = json_object (), *result = NULL;
    //  Options come in pairs: --anchor ID:HASH.
    for (int i = 1; i < opts->argc; i += 2) {
        long long id;
        char hash [65], extra;
        if (strcmp (opts->argv [i], "--anchor") != 0 || i + 1 >= opts->argc
        ||  sscanf (opts->argv [i + 1], "%lld:%64[0-9a-f]%c", &id, hash, &extra) != 2
        ||  strlen (hash) != 64 || id <= 0) {
            cli_error ("audit", "give --anchor ID:HASH as printed by an earlier verify");
            json_decref (params);
            return 2;
        }
        json_object_set_new (params, "anchor_id", json_integer (id));
        json_object_set_new (params, "anchor_hash", json_string (hash));
    }
    mt_err_t err;
    int rc = api_call (client, "audit.verify", params, NULL, 0, opts->timeout_ms, &result, NULL,
                       NULL, &err);
    json_decref (params);
    if (rc != MT_OK) {
        cli_error ("audit", "%s", err.msg);
        return 1;
    }
    bool intact = json_is_true (json_object_get (result, "intact"));
    if (opts->json)
        cli_print_json (result);
    else
    if (intact)
        printf ("the audit log is whole: %lld entries\nhead %lld:%s\n",
                (long long) json_integer_value (json_object_get (result, "entries")),
                (long long) json_integer_value (json_object_get (result, "head_id")),
                json_string_value (json_object_get (result, "head")));
    else
        printf ("the audit log is BROKEN at entry %lld: %s\n(%lld entries before it are "
                "whole)\n", (long long) json_integer_value (json_object_get (result, "broken_id")),
                json_string_value (json_object_get (result, "reason")),
                (long long) json_integer_value (json_object_get (result, "entries")));
    json_decref (result);
    return intact ? 0 : 1;
}

static int
s_list (const cli_api_opts_t *opts, api_client_t *client)
{
    json_t *params = json_object (), *result = NULL;
    for (int i = 1; i < opts->argc; i += 2) {
        char *end = NULL;
        long long value = i + 1 < opts->argc ? strtoll (opts->argv [i + 1], &end, 10) : 0;
        const char *key = strcmp (opts->argv [i], "--case") == 0 ? "case_id"
                        : strcmp (opts->argv [i], "--limit") == 0 ? "limit" : NULL;
        if (!key || !end || *end || value <= 0) {
            cli_error ("audit", "give list [--case CASE] [--limit N]");
            json_decref (params);
            return 2;
        }
        json_object_set_new (params, key, json_integer (value));
    }
    mt_err_t err;
    int rc = api_call (client, "audit.list", params, NULL, 0, opts->timeout_ms, &result, NULL,
                       NULL, &err);
    json_decref (params);
    if (rc != MT_OK) {
        cli_error ("audit", "%s", err.msg);
        return 1;
    }
    json_t *entries = json_object_get (result, "entries"), *e;
    size_t i;
    if (opts->json)
        cli_print_json (entries);
    else
        json_array_foreach (entries, i, e) {
            const char *object = json_string_value (json_object_get (e, "object"));
            const char *detail = json_string_value (json_object_get (e, "detail"));
            printf ("%6lld %s %-12s %-20s %s%s%s\n",
                    (long long) json_integer_value (json_object_get (e, "id")),
                    json_string_value (json_object_get (e, "at")),
                    json_string_value (json_object_get (e, "actor")),
                    json_string_value (json_object_get (e, "action")), object ? object : "",
                    detail ? ": " : "", detail ? detail : "");
        }
    json_decref (result);
    return 0;
}

int
cli_audit (int argc, char **argv)
{
    if (cli_wants_help (argc, argv)) {
        s_usage (stdout);
        return 0;
    }
    cli_api_opts_t opts;
    if (argc < 2 || cli_api_parse ("audit", argc, argv, &opts) != 0) {
        if (argc < 2)
            s_usage (stderr);
        return 2;
    }
    const char *action = opts.argc > 0 ? opts.argv [0] : "";
    int status = 2;
    if (strcmp (action, "verify") != 0 && strcmp (action, "list") != 0)
        cli_error ("audit", "give verify or list (see --help)");
    else {
        api_client_t *client = cli_api_connect ("audit", &opts);
        status = !client ? 1 : action [0] == 'v' ? s_verify (&opts, client)
                                                 : s_list (&opts, client);
        api_client_destroy (&client);
    }
    free (opts.argv);
    return status;
}
