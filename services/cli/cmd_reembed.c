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

int
cli_reembed (int argc, char **argv)
{
    bool help = false;
    for (int i = 1; i < argc; i++)
        help |= strcmp (argv [i], "--help") == 0;
    if (help) {
        printf ("usage: homeward reembed [start|status] [--follow]\n\n"
                "start (the default) queues every photo whose faces lack the current second\n"
                "descriptor (MobileFaceNet; intake --mobilefacenet, on by default) to be\n"
                "described again by the running service's intake workers, after any new\n"
                "photos; faces keep their ids and reviews, searches go on meanwhile, and each\n"
                "case is matched again once its photos are done. It is kept in the database:\n"
                "a stopped service resumes where it was. status shows how far it has come.\n\n"
                "  --follow              print progress every 5 s until no photo waits\n\n"
                "Options:\n" CLI_API_OPTIONS_HELP);
        return 0;
    }
    bool follow = false;
    for (int i = 1; i < argc; i++)
        if (strcmp (argv [i], "--follow") == 0) {
            follow = true;
            memmove (argv + i, argv + i + 1, (size_t) (argc - i - 1) * sizeof *argv);
            argc--, i--;
        }
    cli_api_opts_t opts;
    if (cli_api_parse ("reembed", argc, argv, &opts) != 0)
        return 2;
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
