//  homeward audit verify | list - check the hash chain of the audit log;
//  read its entries (all, or those about one case).

#include "cli.h"
#include "cli_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The options of homeward audit.
typedef struct {
    cli_api_opts_t api;
    char anchor [96];
    int64_t case_id, limit;
} s_audit_t;

#define S_ANCHOR_KEY \
    { "anchor", MT_CFG_STRING, offsetof (s_audit_t, anchor), 0, \
      sizeof ((s_audit_t *) 0)->anchor, "verify: ID:HASH as printed by an earlier verify" }
#define S_LIST_KEYS \
    { "case", MT_CFG_INT, offsetof (s_audit_t, case_id), 1, 9.2e18, \
      "list: only the entries about this case" }, \
    { "limit", MT_CFG_INT, offsetof (s_audit_t, limit), 1, 100000, "list: at most N entries" }

static const mt_config_key_t s_verify_keys [] = {
    CLI_API_KEYS (s_audit_t, api), S_ANCHOR_KEY, CLI_KEYS_END
};
static const mt_config_key_t s_list_keys [] = {
    CLI_API_KEYS (s_audit_t, api), S_LIST_KEYS, CLI_KEYS_END
};
static const mt_config_key_t s_all_keys [] = {
    CLI_API_KEYS (s_audit_t, api), S_ANCHOR_KEY, S_LIST_KEYS, CLI_KEYS_END
};

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: homeward audit verify [--anchor ID:HASH]\n"
                  "       homeward audit list [--case CASE] [--limit N]\n\n"
                  "verify walks the audit log's hash chain from its first entry and says\n"
                  "whether it is whole; it prints the head (last entry and its hash): keep that\n"
                  "line somewhere else (a printout, a ticket) and give it later as --anchor to\n"
                  "also catch a log rewritten from the start. Exit status 1 when broken.\n\n");
    s_audit_t settings = { .limit = 0 };
    cli_api_help (s_all_keys, &settings, &settings.api, out);
}

static int
s_verify (const s_audit_t *settings, api_client_t *client)
{
    const cli_api_opts_t *opts = &settings->api;
    json_t *params = json_object (), *result = NULL;
    if (settings->anchor [0]) {
        long long id;
        char hash [65], extra;
        if (sscanf (settings->anchor, "%lld:%64[0-9a-f]%c", &id, hash, &extra) != 2
        ||  strlen (hash) != 64 || id <= 0) {
            cli_error ("audit", "give --anchor ID:HASH as printed by an earlier verify");
            json_decref (params);
            return 2;
        }
        json_object_set_new (params, "anchor_id", json_integer (id));
        json_object_set_new (params, "anchor_hash", json_string (hash));
    }
    mt_err_t err;
    int rc = api_call (client, "audit.verify", params, NULL, 0, (int) opts->timeout_ms, &result,
                       NULL, NULL, &err);
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
s_list (const s_audit_t *settings, api_client_t *client)
{
    const cli_api_opts_t *opts = &settings->api;
    json_t *params = json_object (), *result = NULL;
    if (settings->case_id > 0)
        json_object_set_new (params, "case_id", json_integer (settings->case_id));
    if (settings->limit > 0)
        json_object_set_new (params, "limit", json_integer (settings->limit));
    mt_err_t err;
    int rc = api_call (client, "audit.list", params, NULL, 0, (int) opts->timeout_ms, &result,
                       NULL, NULL, &err);
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
    if (argc < 2 || cli_wants_help (argc, argv)) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    s_audit_t settings = { .limit = 0 };
    const char *action = NULL;
    if (cli_api_action ("audit", s_all_keys, &settings, sizeof settings, argc, argv, &action)
        != 0)
        return 2;
    bool verify = action && strcmp (action, "verify") == 0;
    if (!verify && (!action || strcmp (action, "list") != 0)) {
        cli_error ("audit", "give verify or list (see --help)");
        return 2;
    }
    if (cli_api_load ("audit", verify ? s_verify_keys : s_list_keys, &settings, &settings.api,
                      argc, argv) != 0)
        return 2;
    int status = 2;
    if (settings.api.argc != 1)
        cli_error ("audit", "'%s': %s takes no operand (see --help)", settings.api.argv [1],
                   action);
    else {
        api_client_t *client = cli_api_connect ("audit", &settings.api);
        status = !client ? 1 : verify ? s_verify (&settings, client) : s_list (&settings, client);
        api_client_destroy (&client);
    }
    free (settings.api.argv);
    return status;
}
