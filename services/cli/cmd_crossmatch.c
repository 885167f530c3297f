//  homeward crossmatch - search every open case again against the other
//  side's gallery (after a model or settings change, or when a province
//  joins), in batches, while the service runs.

#include "cli.h"
#include "cli_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_print (json_t *status)
{
    printf ("cross-match %s: %lld of %lld cases (%.1f%%), %lld faces searched; now the %s "
            "side\n", json_string_value (json_object_get (status, "state")),
            (long long) json_integer_value (json_object_get (status, "cases_done")),
            (long long) json_integer_value (json_object_get (status, "cases_total")),
            100 * json_number_value (json_object_get (status, "done")),
            (long long) json_integer_value (json_object_get (status, "faces_done")),
            json_string_value (json_object_get (status, "side")));
    fflush (stdout);
}

//  The options of homeward crossmatch.
typedef struct {
    cli_api_opts_t api;
    bool resume, follow;
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    CLI_API_KEYS (s_settings_t, api),
    { "resume", MT_CFG_BOOL, offsetof (s_settings_t, resume), 0, 0,
      "with start: carry on after a stop" },
    { "follow", MT_CFG_BOOL, offsetof (s_settings_t, follow), 0, 0,
      "print progress every 5 s until it is done or stopped" },
    CLI_KEYS_END
};

int
cli_crossmatch (int argc, char **argv)
{
    s_settings_t settings = { .resume = false };
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward crossmatch [start|status|stop] [--resume] [--follow]\n\n"
                "start (the default) searches every open case again against the other side's\n"
                "gallery: every found person against the families' reports, then every report\n"
                "against the found people, each case's faces in batches that each partition\n"
                "answers as one matrix product, and weighs each case against what was found\n"
                "as a new case is weighed: its candidates and scores are brought up to date.\n"
                "Use it after the face model or the matching settings changed, or when a\n"
                "province's cases joined. New cases are always matched first; batches are\n"
                "sized to search for about crossmatch-batch-ms (500) and the cross-match\n"
                "takes at most crossmatch-share (0.5) of the partitions' time (results\n"
                "service settings). Where it is lives in the case store: a\n"
                "stopped service carries on where it was. stop pauses it; start --resume\n"
                "carries on after a stop, start alone begins again.\n\n");
        cli_api_help (s_keys, &settings, &settings.api, stdout);
        return 0;
    }
    if (cli_api_load ("crossmatch", s_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    cli_api_opts_t opts = settings.api;
    bool resume = settings.resume, follow = settings.follow;
    const char *action = opts.argc > 0 ? opts.argv [0] : "start";
    const char *method = strcmp (action, "start") == 0 ? "crossmatch.start"
                       : strcmp (action, "status") == 0 ? "crossmatch.status"
                       : strcmp (action, "stop") == 0 ? "crossmatch.stop" : NULL;
    int status = 2;
    if (opts.argc > 1 || !method)
        cli_error ("crossmatch", "give: start | status | stop (see homeward crossmatch --help)");
    else {
        json_t *params = json_pack ("{s:b}", "resume", resume), *result = NULL;
        status = cli_api_call ("crossmatch", &opts, method, params, NULL, 0, &result);
        for (;;) {
            if (status == 0 && opts.json)
                cli_print_json (result);
            else
            if (status == 0)
                s_print (result);
            if (status != 0 || !follow
            ||  strcmp (json_string_value (json_object_get (result, "state")), "running") != 0)
                break;
            struct timespec pause = { 5, 0 };
            nanosleep (&pause, NULL);
            json_decref (result);
            result = NULL;
            status = cli_api_call ("crossmatch", &opts, "crossmatch.status", params, NULL, 0,
                                   &result);
        }
        json_decref (params), json_decref (result);
    }
    free (opts.argv);
    return status;
}
