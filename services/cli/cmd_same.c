//  homeward same-person list | show A B | decide A B same|different - the
//  suggestions that two cases of one side (two found people, two reports)
//  are one person registered twice, and the decision that links them or
//  keeps them apart (issue 27). The results service decides who may.

#include "cli.h"
#include "cli_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The options of homeward same-person.
typedef struct {
    cli_api_opts_t api;
    char state [16];
    char note [2048];
    int64_t case_id, limit;
} s_same_t;

static const mt_config_key_t s_keys [] = {
    CLI_API_KEYS (s_same_t, api),
    { "state", MT_CFG_STRING, offsetof (s_same_t, state), 0, sizeof ((s_same_t *) 0)->state,
      "list: pending (default), same, different or all" },
    { "case", MT_CFG_INT, offsetof (s_same_t, case_id), 1, 9.2e18,
      "list: only the pairs that hold this case" },
    { "limit", MT_CFG_INT, offsetof (s_same_t, limit), 1, 500, "list: at most N pairs" },
    { "note", MT_CFG_STRING, offsetof (s_same_t, note), 0, sizeof ((s_same_t *) 0)->note,
      "decide: why (needed to change a decided pair)" },
    CLI_KEYS_END
};

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: homeward same-person list [--state S] [--case CASE] [--limit N]\n"
                  "       homeward same-person show CASE_A CASE_B\n"
                  "       homeward same-person decide CASE_A CASE_B same|different "
                  "[--note TEXT]\n\n"
                  "Two cases of one side (two found people, two reports of one missing\n"
                  "person) that may be one person registered twice: list the suggestions\n"
                  "(strongest first, with their reasons), show one pair, or decide it. 'same'\n"
                  "links the records: they are searched as one person and the review queue\n"
                  "shows one pair per person and family. Changing a decided pair takes an\n"
                  "administrator and a --note.\n\n");
    s_same_t settings = { .limit = 0 };
    cli_api_help (s_keys, &settings, &settings.api, out);
}

static void
s_print_pair (json_t *pair)
{
    json_t *a = json_object_get (pair, "a"), *b = json_object_get (pair, "b");
    printf ("cases %lld and %lld (%s): score %.2f, %s\n",
            (long long) json_integer_value (json_object_get (pair, "case_a")),
            (long long) json_integer_value (json_object_get (pair, "case_b")),
            json_string_value (json_object_get (pair, "kind")),
            json_number_value (json_object_get (pair, "score")),
            json_string_value (json_object_get (pair, "state")));
    for (json_t *side = a; side; side = side == a ? b : NULL) {
        const char *station = json_string_value (json_object_get (side, "station"));
        printf ("  case %lld: %s%s%s\n", (long long) json_integer_value (json_object_get (side,
                "case_id")), json_string_value (json_object_get (side, "province_name")),
                station ? ", " : "", station ? station : "");
    }
    json_t *reason;
    size_t i;
    json_array_foreach (json_object_get (pair, "reasons"), i, reason)
        printf ("  - %s\n", json_string_value (json_object_get (reason, "text")));
    const char *by = json_string_value (json_object_get (pair, "decided_by"));
    if (by)
        printf ("  decided by %s at %s%s%s\n", by,
                json_string_value (json_object_get (pair, "decided_at")),
                json_object_get (pair, "note") ? ": " : "",
                json_object_get (pair, "note") ? json_string_value (json_object_get (pair,
                                                                                     "note"))
                                               : "");
}

static int
s_run (const s_same_t *settings, const char *action, api_client_t *client)
{
    const cli_api_opts_t *opts = &settings->api;
    char **argv = opts->argv;
    int argc = opts->argc;
    json_t *params = json_object ();
    const char *method = "same.list";
    if (strcmp (action, "list") == 0) {
        if (settings->state [0])
            json_object_set_new (params, "state", json_string (settings->state));
        if (settings->case_id > 0)
            json_object_set_new (params, "case_id", json_integer (settings->case_id));
        if (settings->limit > 0)
            json_object_set_new (params, "limit", json_integer (settings->limit));
    }
    else {
        bool decide = strcmp (action, "decide") == 0;
        int64_t a = argc > 1 ? cli_case_number (argv [1]) : 0, b = argc > 2 ? cli_case_number (argv [2]) : 0;
        if (!a || !b || argc != (decide ? 4 : 3)) {
            cli_error ("same-person", decide ? "give CASE_A CASE_B same|different"
                                             : "give CASE_A CASE_B");
            json_decref (params);
            return 2;
        }
        method = decide ? "same.decide" : "same.get";
        json_object_set_new (params, "case_a", json_integer (a));
        json_object_set_new (params, "case_b", json_integer (b));
        if (decide) {
            json_object_set_new (params, "decision", json_string (argv [3]));
            if (settings->note [0])
                json_object_set_new (params, "note", json_string (settings->note));
        }
    }
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (client, method, params, NULL, 0, (int) opts->timeout_ms, &result, NULL,
                       NULL, &err);
    json_decref (params);
    if (rc != MT_OK) {
        cli_error ("same-person", "%s", err.msg);
        return 1;
    }
    json_t *pairs = json_object_get (result, "pairs"), *pair;
    size_t i;
    if (opts->json)
        cli_print_json (result);
    else
    if (!pairs)
        s_print_pair (result);
    else {
        printf ("%lld pairs (floors: found people %.1f, reports %.1f)%s\n",
                (long long) json_integer_value (json_object_get (result, "total")),
                json_number_value (json_object_get (result, "floor_found")),
                json_number_value (json_object_get (result, "floor_missing")),
                json_array_size (pairs) ? ":" : "");
        json_array_foreach (pairs, i, pair)
            s_print_pair (pair);
    }
    json_decref (result);
    return 0;
}

int
cli_same_person (int argc, char **argv)
{
    if (argc < 2 || cli_wants_help (argc, argv)) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    s_same_t settings = { .limit = 0 };
    const char *action = NULL;
    if (cli_api_action ("same-person", s_keys, &settings, sizeof settings, argc, argv, &action)
        != 0)
        return 2;
    if (!action || (strcmp (action, "list") != 0 && strcmp (action, "show") != 0
                    && strcmp (action, "decide") != 0)) {
        cli_error ("same-person", "give list, show or decide (see --help)");
        return 2;
    }
    if (cli_api_load ("same-person", s_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    int status = 2;
    if (strcmp (action, "list") == 0 && settings.api.argc != 1)
        cli_error ("same-person", "'%s': list takes no operand (see --help)",
                   settings.api.argv [1]);
    else {
        api_client_t *client = cli_api_connect ("same-person", &settings.api);
        status = client ? s_run (&settings, action, client) : 1;
        api_client_destroy (&client);
    }
    free (settings.api.argv);
    return status;
}
