//  homeward case update | photo show|person|remove|taken | face exclude|include -
//  staff corrections through the running service. The service audits each
//  and ranks the case's candidates again.

#include "cli.h"
#include "cli_case_fields.h"
#include "cli_correct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A positive number from text, or -1 after an error naming what.
static long long
s_number (const char *command, const char *what, const char *text)
{
    char *end;
    long long id = text ? strtoll (text, &end, 10) : 0;
    if (!text || *end || id <= 0) {
        cli_error (command, "'%s' is not a %s number", text ? text : "", what);
        return -1;
    }
    return id;
}

int
cli_case_update (const cli_api_opts_t *opts)
{
    if (opts->argc < 4) {
        cli_error ("case", "give: update CASE --FIELD VALUE... (see homeward case --help)");
        return 2;
    }
    long long id = s_number ("case", "case", opts->argv [1]);
    if (id < 0)
        return 2;
    //  Its kind says which fields it has.
    json_t *params = json_pack ("{s:I}", "case_id", (json_int_t) id), *c = NULL;
    int status = cli_api_call ("case", opts, "case.get", params, NULL, 0, &c);
    if (status == 0) {
        const char *kind = json_string_value (json_object_get (c, "kind"));
        status = cli_case_fields ("case", kind && strcmp (kind, "found") == 0 ? 1 : 2,
                                  opts->argc - 2, opts->argv + 2, params);
    }
    json_t *result = NULL;
    if (status == 0)
        status = cli_api_call ("case", opts, "case.update", params, NULL, 0, &result);
    if (status == 0) {
        if (opts->json)
            cli_print_json (result);
        else
            printf ("case %lld corrected: %s\n", id,
                    json_string_value (json_object_get (result, "changes")));
    }
    json_decref (params), json_decref (c), json_decref (result);
    return status;
}

bool
cli_taken_value (const char *command, const char *flag, const char *text, int unknown,
                 int *value)
{
    if (strcmp (text, "unknown") == 0) {
        *value = unknown;
        return true;
    }
    char *end;
    long number = strtol (text, &end, 10);
    if (!*text || *end || number < 0 || number > 9999) {
        cli_error (command, "%s '%s': give a whole number, or unknown", flag, text);
        return false;
    }
    *value = (int) number;
    return true;
}

//  "taken in 1962, at about 6" or "" (into buf).
static const char *
s_taken (json_t *photo, char *buf, size_t size)
{
    json_t *year = json_object_get (photo, "year_taken");
    json_t *age = json_object_get (photo, "age_taken");
    int at = snprintf (buf, size, "%s", year || age ? ", taken" : "");
    if (year && at >= 0 && (size_t) at < size)
        at += snprintf (buf + at, size - (size_t) at, " in %lld",
                        (long long) json_integer_value (year));
    if (age && at >= 0 && (size_t) at < size)
        snprintf (buf + at, size - (size_t) at, " at about age %lld",
                  (long long) json_integer_value (age));
    return buf;
}

static void
s_print_photo (json_t *photo)
{
    char taken [64];
    printf ("photo %lld of case %lld: %s%s%s%s\n",
            (long long) json_integer_value (json_object_get (photo, "photo_id")),
            (long long) json_integer_value (json_object_get (photo, "case_id")),
            json_string_value (json_object_get (photo, "state")),
            s_taken (photo, taken, sizeof taken),
            json_object_get (photo, "removed") ? ", removed: " : "",
            json_object_get (photo, "removed")
                ? json_string_value (json_object_get (photo, "removed")) : "");
    json_t *face;
    size_t i;
    json_array_foreach (json_object_get (photo, "face_list"), i, face) {
        json_t *box = json_object_get (face, "box");
        printf ("  face %lld: box %lld,%lld %lldx%lld  %s%s  (%s)\n",
                (long long) json_integer_value (json_object_get (face, "face_id")),
                (long long) json_integer_value (json_array_get (box, 0)),
                (long long) json_integer_value (json_array_get (box, 1)),
                (long long) json_integer_value (json_array_get (box, 2)),
                (long long) json_integer_value (json_array_get (box, 3)),
                json_string_value (json_object_get (face, "verdict")),
                json_is_true (json_object_get (face, "excluded")) ? ", left out of matching"
                                                                   : "",
                json_string_value (json_object_get (face, "advice")));
    }
}

int
cli_photo_correct (const cli_api_opts_t *opts)
{
    const char *action = opts->argv [0];
    long long photo = opts->argc > 1 ? s_number ("photo", "photo", opts->argv [1]) : -1;
    json_t *params = json_pack ("{s:I}", "photo_id", (json_int_t) photo), *result = NULL;
    const char *method = NULL;
    if (strcmp (action, "show") == 0 && opts->argc == 2)
        method = "photo.get";
    else
    if (strcmp (action, "person") == 0 && opts->argc == 3
    &&  strcmp (opts->argv [2], "--unsure") == 0) {
        json_object_set_new (params, "unsure", json_true ());
        method = "photo.person";
    }
    else
    if (strcmp (action, "person") == 0 && opts->argc == 3) {
        long long face = s_number ("photo", "face", opts->argv [2]);
        json_object_set_new (params, "face_id", json_integer (face));
        method = face > 0 ? "photo.person" : NULL;
    }
    else
    if (strcmp (action, "remove") == 0 && opts->argc == 4
    &&  strcmp (opts->argv [2], "--reason") == 0) {
        json_object_set_new (params, "reason", json_string (opts->argv [3]));
        method = "photo.remove";
    }
    else
    if (strcmp (action, "taken") == 0 && opts->argc >= 4 && opts->argc % 2 == 0) {
        //  --year and --age, each optional; "unknown" clears one.
        method = "photo.taken";
        for (int i = 2; method && i + 1 < opts->argc; i += 2) {
            bool year = strcmp (opts->argv [i], "--year") == 0;
            int value;
            if (!year && strcmp (opts->argv [i], "--age") != 0)
                method = NULL;
            else
            if (!cli_taken_value ("photo", opts->argv [i], opts->argv [i + 1], -1, &value))
                method = NULL, photo = -2;
            else
                json_object_set_new (params, year ? "year_taken" : "age_taken",
                                     value < 0 ? json_null () : json_integer (value));
        }
    }
    int status = 2;
    if (photo == -2)
        ;                           //  told already
    else
    if (!method || photo < 0)
        cli_error ("photo", "give: show PHOTO | person PHOTO FACE|--unsure | remove PHOTO "
                   "--reason TEXT | taken PHOTO [--year YYYY] [--age N]");
    else
        status = cli_api_call ("photo", opts, method, params, NULL, 0, &result);
    if (status == 0 && opts->json)
        cli_print_json (result);
    else
    if (status == 0 && strcmp (method, "photo.get") == 0)
        s_print_photo (result);
    else
    if (status == 0 && strcmp (method, "photo.person") == 0 && json_object_get (params, "unsure"))
        printf ("photo %lld: every face is matched, the one nearest the middle counting most\n",
                photo);
    else
    if (status == 0 && strcmp (method, "photo.person") == 0)
        printf ("photo %lld: face %s is the person; its other faces are left out of matching\n",
                photo, opts->argv [2]);
    else
    if (status == 0 && strcmp (method, "photo.taken") == 0) {
        char taken [64];
        s_taken (result, taken, sizeof taken);
        printf ("photo %lld corrected%s; its case is ranked again\n", photo,
                taken [0] ? taken : ": when it was taken is unknown");
    }
    else
    if (status == 0)
        printf ("photo %lld removed: its faces leave the index and are erased\n", photo);
    json_decref (params), json_decref (result);
    return status;
}

int
cli_face (int argc, char **argv)
{
    bool help = argc < 2;
    for (int i = 1; i < argc; i++)
        help |= strcmp (argv [i], "--help") == 0;
    if (help) {
        fprintf (argc < 2 ? stderr : stdout,
                 "usage: homeward face exclude FACE [--reason TEXT]\n"
                 "       homeward face include FACE\n\n"
                 "Leaves a face out of matching (not the case's person, or not a face at all:\n"
                 "it leaves every index replica) or takes it back in. Audited; the case's\n"
                 "candidates are ranked again. `homeward photo show PHOTO` lists the faces.\n\n"
                 "Options:\n" CLI_API_OPTIONS_HELP);
        return argc < 2 ? 2 : 0;
    }
    cli_api_opts_t opts;
    if (cli_api_parse ("face", argc, argv, &opts) != 0)
        return 2;
    const char *action = opts.argc > 0 ? opts.argv [0] : "";
    bool exclude = strcmp (action, "exclude") == 0;
    long long face = opts.argc > 1 ? s_number ("face", "face", opts.argv [1]) : -1;
    const char *reason = opts.argc == 4 && strcmp (opts.argv [2], "--reason") == 0
                       ? opts.argv [3] : NULL;
    int status = 2;
    if ((!exclude && strcmp (action, "include") != 0) || face < 0
    ||  !(opts.argc == 2 || (exclude && reason)))
        cli_error ("face", "give: exclude FACE [--reason TEXT] | include FACE");
    else {
        json_t *params = json_pack ("{s:I, s:b}", "face_id", (json_int_t) face, "excluded",
                                    exclude), *result = NULL;
        if (reason)
            json_object_set_new (params, "reason", json_string (reason));
        status = cli_api_call ("face", &opts, "face.exclude", params, NULL, 0, &result);
        if (status == 0 && opts.json)
            cli_print_json (result);
        else
        if (status == 0)
            printf ("face %lld %s\n", face, exclude ? "left out of matching" : "in matching again");
        json_decref (params), json_decref (result);
    }
    free (opts.argv);
    return status;
}
