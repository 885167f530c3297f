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
cli_case_update (const cli_api_opts_t *opts, int count, char **fields)
{
    if (count < 2) {
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
                                  count, fields, params);
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

#define S_PHOTO_YEAR_AGE \
    { "year", MT_CFG_STRING, offsetof (cli_photo_t, year), 0, \
      sizeof ((cli_photo_t *) 0)->year, "add, taken: the year the photo was taken (or unknown)" }, \
    { "age", MT_CFG_STRING, offsetof (cli_photo_t, age), 0, sizeof ((cli_photo_t *) 0)->age, \
      "add, taken: the person's age in the photo (or unknown)" }
#define S_PHOTO_REASON \
    { "reason", MT_CFG_STRING, offsetof (cli_photo_t, reason), 0, \
      sizeof ((cli_photo_t *) 0)->reason, "remove: why (kept in the audit trail)" }
#define S_PHOTO_UNSURE \
    { "unsure", MT_CFG_BOOL, offsetof (cli_photo_t, unsure), 0, 0, \
      "person: you cannot tell which face is the person" }
#define S_PHOTO_WAIT \
    { "wait", MT_CFG_BOOL, offsetof (cli_photo_t, wait), 0, 0, \
      "add: wait for the face pipeline to report the faces (--no-wait: do not)" }

static const mt_config_key_t s_photo_all [] = {
    CLI_API_KEYS (cli_photo_t, api), S_PHOTO_YEAR_AGE, S_PHOTO_WAIT, S_PHOTO_UNSURE,
    S_PHOTO_REASON, CLI_KEYS_END
};
static const mt_config_key_t s_photo_add [] = {
    CLI_API_KEYS (cli_photo_t, api), S_PHOTO_YEAR_AGE, S_PHOTO_WAIT, CLI_KEYS_END
};
static const mt_config_key_t s_photo_show [] = {
    CLI_API_KEYS (cli_photo_t, api), CLI_KEYS_END
};
static const mt_config_key_t s_photo_person [] = {
    CLI_API_KEYS (cli_photo_t, api), S_PHOTO_UNSURE, CLI_KEYS_END
};
static const mt_config_key_t s_photo_remove [] = {
    CLI_API_KEYS (cli_photo_t, api), S_PHOTO_REASON, CLI_KEYS_END
};
static const mt_config_key_t s_photo_taken [] = {
    CLI_API_KEYS (cli_photo_t, api), S_PHOTO_YEAR_AGE, CLI_KEYS_END
};

const mt_config_key_t *
cli_photo_keys (const char *action)
{
    return !*action ? s_photo_all
         : strcmp (action, "add") == 0 ? s_photo_add
         : strcmp (action, "show") == 0 ? s_photo_show
         : strcmp (action, "person") == 0 ? s_photo_person
         : strcmp (action, "remove") == 0 ? s_photo_remove
         : strcmp (action, "taken") == 0 ? s_photo_taken : NULL;
}

//  photo taken: the year and age given into params (null: unknown).
//  False after saying what is wrong.
static bool
s_taken_params (const cli_photo_t *photo, json_t *params)
{
    if (!photo->year [0] && !photo->age [0]) {
        cli_error ("photo", "give --year YYYY|unknown, --age N|unknown or both");
        return false;
    }
    const char *texts [2] = { photo->year, photo->age };
    const char *keys [2] = { "year_taken", "age_taken" };
    for (int i = 0; i < 2; i++) {
        int value;
        if (!texts [i][0])
            continue;
        if (!cli_taken_value ("photo", i == 0 ? "--year" : "--age", texts [i], -1, &value))
            return false;
        json_object_set_new (params, keys [i], value < 0 ? json_null () : json_integer (value));
    }
    return true;
}

int
cli_photo_correct (const cli_photo_t *settings)
{
    const cli_api_opts_t *opts = &settings->api;
    const char *action = opts->argv [0];
    bool person = strcmp (action, "person") == 0;
    if (opts->argc != (person && !settings->unsure ? 3 : 2)) {
        cli_error ("photo", "give: show PHOTO | person PHOTO FACE|--unsure | remove PHOTO "
                   "--reason TEXT | taken PHOTO [--year YYYY] [--age N]");
        return 2;
    }
    long long photo = s_number ("photo", "photo", opts->argv [1]);
    long long face = person && !settings->unsure ? s_number ("photo", "face", opts->argv [2])
                                                 : 0;
    if (photo < 0 || face < 0)
        return 2;
    json_t *params = json_pack ("{s:I}", "photo_id", (json_int_t) photo), *result = NULL;
    const char *method = strcmp (action, "show") == 0 ? "photo.get"
                       : person ? "photo.person"
                       : strcmp (action, "remove") == 0 ? "photo.remove" : "photo.taken";
    bool ready = true;
    if (person && settings->unsure)
        json_object_set_new (params, "unsure", json_true ());
    else
    if (person)
        json_object_set_new (params, "face_id", json_integer (face));
    else
    if (strcmp (method, "photo.remove") == 0 && !settings->reason [0]) {
        cli_error ("photo", "give --reason TEXT: why the photo is removed (kept in the audit "
                   "trail)");
        ready = false;
    }
    else
    if (strcmp (method, "photo.remove") == 0)
        json_object_set_new (params, "reason", json_string (settings->reason));
    else
    if (strcmp (method, "photo.taken") == 0)
        ready = s_taken_params (settings, params);
    int status = ready ? cli_api_call ("photo", opts, method, params, NULL, 0, &result) : 2;
    if (status == 0 && opts->json)
        cli_print_json (result);
    else
    if (status == 0 && strcmp (method, "photo.get") == 0)
        s_print_photo (result);
    else
    if (status == 0 && person && settings->unsure)
        printf ("photo %lld: every face is matched, the one nearest the middle counting most\n",
                photo);
    else
    if (status == 0 && person)
        printf ("photo %lld: face %lld is the person; its other faces are left out of "
                "matching\n", photo, face);
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

//  The options of homeward face.
typedef struct {
    cli_api_opts_t api;
    char reason [1024];
} s_face_t;

static const mt_config_key_t s_face_keys [] = {
    CLI_API_KEYS (s_face_t, api),
    { "reason", MT_CFG_STRING, offsetof (s_face_t, reason), 0, sizeof ((s_face_t *) 0)->reason,
      "exclude: why (kept in the audit trail)" },
    CLI_KEYS_END
};

int
cli_face (int argc, char **argv)
{
    s_face_t settings = { .reason = "" };
    if (argc < 2 || cli_wants_help (argc, argv)) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf (out, "usage: homeward face exclude FACE [--reason TEXT]\n"
                      "       homeward face include FACE\n\n"
                      "Leaves a face out of matching (not the case's person, or not a face at "
                      "all:\nit leaves every index replica) or takes it back in. Audited; the "
                      "case's\ncandidates are ranked again. `homeward photo show PHOTO` lists "
                      "the faces.\n\n");
        cli_api_help (s_face_keys, &settings, &settings.api, out);
        return argc < 2 ? 2 : 0;
    }
    if (cli_api_load ("face", s_face_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    const cli_api_opts_t *opts = &settings.api;
    const char *action = opts->argc > 0 ? opts->argv [0] : "";
    bool exclude = strcmp (action, "exclude") == 0;
    long long face = opts->argc == 2 ? s_number ("face", "face", opts->argv [1]) : -1;
    int status = 2;
    if ((!exclude && strcmp (action, "include") != 0) || face < 0
    ||  (!exclude && settings.reason [0]))
        cli_error ("face", "give: exclude FACE [--reason TEXT] | include FACE");
    else {
        json_t *params = json_pack ("{s:I, s:b}", "face_id", (json_int_t) face, "excluded",
                                    exclude), *result = NULL;
        if (settings.reason [0])
            json_object_set_new (params, "reason", json_string (settings.reason));
        status = cli_api_call ("face", opts, "face.exclude", params, NULL, 0, &result);
        if (status == 0 && opts->json)
            cli_print_json (result);
        else
        if (status == 0)
            printf ("face %lld %s\n", face, exclude ? "left out of matching" : "in matching again");
        json_decref (params), json_decref (result);
    }
    free (settings.api.argv);
    return status;
}
