//  homeward reembed - describe the whole gallery again with the current
//  second descriptor (MobileFaceNet) after it was switched on or changed:
//  the running service's intake workers take the photos after any new
//  ones, searches go on meanwhile, and a stopped service resumes where it
//  was.

#include "cli.h"
#include "cli_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_print (json_t *status)
{
    printf ("%lld of %lld faces described with %s (%.1f%%); %lld photos waiting\n",
            (long long) json_integer_value (json_object_get (status, "described")),
            (long long) json_integer_value (json_object_get (status, "faces")),
            json_string_value (json_object_get (status, "descriptor")),
            100 * json_number_value (json_object_get (status, "done")),
            (long long) json_integer_value (json_object_get (status, "photos_waiting")));
    fflush (stdout);
}

//  The options of homeward reembed.
typedef struct {
    cli_api_opts_t api;
    bool follow;
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    CLI_API_KEYS (s_settings_t, api),
    { "follow", MT_CFG_BOOL, offsetof (s_settings_t, follow), 0, 0,
      "print progress every 5 s until no photo waits" },
    CLI_KEYS_END
};

int
cli_reembed (int argc, char **argv)
{
    s_settings_t settings = { .follow = false };
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward reembed [start|status] [--follow]\n\n"
                "start (the default) queues every photo whose faces lack the current second\n"
                "descriptor (MobileFaceNet; intake --mobilefacenet, on by default) to be\n"
                "described again by the running service's intake workers, after any new\n"
                "photos; faces keep their ids and reviews, searches go on meanwhile, and each\n"
                "case is matched again once its photos are done. It is kept in the database:\n"
                "a stopped service resumes where it was. status shows how far it has come.\n\n");
        cli_api_help (s_keys, &settings, &settings.api, stdout);
        return 0;
    }
    if (cli_api_load ("reembed", s_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    cli_api_opts_t opts = settings.api;
    bool follow = settings.follow;
    const char *action = opts.argc > 0 ? opts.argv [0] : "start";
    int status = 2;
    if (opts.argc > 1 || (strcmp (action, "start") != 0 && strcmp (action, "status") != 0))
        cli_error ("reembed", "give: start | status (see homeward reembed --help)");
    else {
        json_t *params = json_object (), *result = NULL;
        status = cli_api_call ("reembed", &opts,
                               strcmp (action, "start") == 0 ? "reembed.start" : "reembed.status",
                               params, NULL, 0, &result);
        if (status == 0 && opts.json)
            cli_print_json (result);
        else
        if (status == 0) {
            if (json_object_get (result, "queued"))
                printf ("%lld photos queued\n",
                        (long long) json_integer_value (json_object_get (result, "queued")));
            s_print (result);
        }
        while (status == 0 && follow
           &&  json_integer_value (json_object_get (result, "photos_waiting")) > 0) {
            struct timespec pause = { 5, 0 };
            nanosleep (&pause, NULL);
            json_decref (result);
            result = NULL;
            status = cli_api_call ("reembed", &opts, "reembed.status", params, NULL, 0, &result);
            if (status == 0 && opts.json)
                cli_print_json (result);
            else
            if (status == 0)
                s_print (result);
        }
        json_decref (params), json_decref (result);
    }
    free (opts.argv);
    return status;
}
