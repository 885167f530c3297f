//  homeward notices list | told REPORT FOUND - relatives to tell (issue
//  27): each decision on a found person and a report that the family must
//  hear of (a DNA request, a match confirmed, a reunion, a DNA test that
//  ruled the person out), for the report and every report linked with it,
//  and the record that a family was told, and how. The results service
//  decides who sees and records which.

#include "cli.h"
#include "cli_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The options of homeward notices.
typedef struct {
    cli_api_opts_t api;
    char state [16];
    char note [2048];
    int64_t case_id, limit;
} s_notices_t;

static const mt_config_key_t s_keys [] = {
    CLI_API_KEYS (s_notices_t, api),
    { "state", MT_CFG_STRING, offsetof (s_notices_t, state), 0,
      sizeof ((s_notices_t *) 0)->state, "list: to_tell (default), told or all" },
    { "case", MT_CFG_INT, offsetof (s_notices_t, case_id), 1, 9.2e18,
      "list: only those of this report or found case" },
    { "limit", MT_CFG_INT, offsetof (s_notices_t, limit), 1, 500, "list: at most N" },
    { "note", MT_CFG_STRING, offsetof (s_notices_t, note), 0, sizeof ((s_notices_t *) 0)->note,
      "told: how (a call, a visit)" },
    CLI_KEYS_END
};

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: homeward notices list [--state S] [--case CASE] [--limit N]\n"
                  "       homeward notices told REPORT FOUND [--note TEXT]\n\n"
                  "Relatives to tell: a decision on a found person and a report that the\n"
                  "family must hear of (a DNA request, a match confirmed, a reunion, a DNA\n"
                  "test that ruled the person out) is listed for the report and for every\n"
                  "report linked with it (two relatives who reported one child both hear),\n"
                  "with what to tell them, until 'told' records that they were.\n\n");
    s_notices_t settings = { .limit = 0 };
    cli_api_help (s_keys, &settings, &settings.api, out);
}

static void
s_print (json_t *n)
{
    json_t *report = json_object_get (n, "report");
    const char *family = json_string_value (json_object_get (report, "family_name"));
    const char *contact = json_string_value (json_object_get (report, "family_contact"));
    printf ("report %lld, found person %lld: %s (%s by %s)\n",
            (long long) json_integer_value (json_object_get (n, "missing_case")),
            (long long) json_integer_value (json_object_get (n, "found_case")),
            json_string_value (json_object_get (n, "decision")),
            json_string_value (json_object_get (n, "decided_at")),
            json_string_value (json_object_get (n, "decided_by")));
    if (family || contact)
        printf ("  family: %s%s%s\n", family ? family : "", family && contact ? ", " : "",
                contact ? contact : "");
    printf ("  tell them: %s\n", json_string_value (json_object_get (n, "text")));
    const char *by = json_string_value (json_object_get (n, "told_by"));
    if (by)
        printf ("  told by %s at %s%s%s\n", by, json_string_value (json_object_get (n, "told_at")),
                json_object_get (n, "note") ? ": " : "",
                json_object_get (n, "note") ? json_string_value (json_object_get (n, "note"))
                                            : "");
}

static int
s_run (const s_notices_t *settings, const char *action, api_client_t *client)
{
    const cli_api_opts_t *opts = &settings->api;
    json_t *params = json_object ();
    const char *method = "notice.list";
    if (strcmp (action, "list") == 0) {
        if (settings->state [0])
            json_object_set_new (params, "state", json_string (settings->state));
        if (settings->case_id > 0)
            json_object_set_new (params, "case_id", json_integer (settings->case_id));
        if (settings->limit > 0)
            json_object_set_new (params, "limit", json_integer (settings->limit));
    }
    else {
        int64_t report = opts->argc > 1 ? cli_case_number (opts->argv [1]) : 0;
        int64_t found = opts->argc > 2 ? cli_case_number (opts->argv [2]) : 0;
        if (!report || !found || opts->argc != 3) {
            cli_error ("notices", "give REPORT FOUND: the report whose family was told and the "
                       "found person's case");
            json_decref (params);
            return 2;
        }
        method = "notice.told";
        json_object_set_new (params, "missing_case", json_integer (report));
        json_object_set_new (params, "found_case", json_integer (found));
        if (settings->note [0])
            json_object_set_new (params, "note", json_string (settings->note));
    }
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (client, method, params, NULL, 0, (int) opts->timeout_ms, &result, NULL,
                       NULL, &err);
    json_decref (params);
    if (rc != MT_OK) {
        cli_error ("notices", "%s", err.msg);
        return 1;
    }
    json_t *notices = json_object_get (result, "notices"), *n;
    size_t i;
    if (opts->json)
        cli_print_json (result);
    else
    if (!notices)
        s_print (result);
    else {
        printf ("%lld %s%s\n", (long long) json_integer_value (json_object_get (result, "total")),
                settings->state [0] && strcmp (settings->state, "to_tell") != 0
                    ? "notices" : "families to tell", json_array_size (notices) ? ":" : "");
        json_array_foreach (notices, i, n)
            s_print (n);
    }
    json_decref (result);
    return 0;
}

int
cli_notices (int argc, char **argv)
{
    if (argc < 2 || cli_wants_help (argc, argv)) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    s_notices_t settings = { .limit = 0 };
    const char *action = NULL;
    if (cli_api_action ("notices", s_keys, &settings, sizeof settings, argc, argv, &action) != 0)
        return 2;
    if (!action || (strcmp (action, "list") != 0 && strcmp (action, "told") != 0)) {
        cli_error ("notices", "give list or told (see --help)");
        return 2;
    }
    if (cli_api_load ("notices", s_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    int status = 2;
    if (strcmp (action, "list") == 0 && settings.api.argc != 1)
        cli_error ("notices", "'%s': list takes no operand (see --help)", settings.api.argv [1]);
    else {
        api_client_t *client = cli_api_connect ("notices", &settings.api);
        status = client ? s_run (&settings, action, client) : 1;
        api_client_destroy (&client);
    }
    free (settings.api.argv);
    return status;
}
