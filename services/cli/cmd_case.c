//  homeward case | photo | candidates | review - cases, their photos, their
//  candidate families and the review of a pair, through the running
//  service (`homeward serve`).

#include "cli.h"
#include "cli_api.h"
#include "cli_case_fields.h"
#include "cli_correct.h"

#include "face/mt_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  The options of homeward case: the common ones, and --reason, --out and
//  --level for the actions that take them.
typedef struct {
    cli_api_opts_t api;
    char reason [1024];
    char out [1024];
    char level [8];
} s_case_t;

#define S_REASON_KEY(type) \
    { "reason", MT_CFG_STRING, offsetof (type, reason), 0, sizeof ((type *) 0)->reason, \
      "close, reopen, erase: why (kept in the audit trail)" }

#define S_OUT_KEY \
    { "out", MT_CFG_STRING, offsetof (s_case_t, out), 0, sizeof ((s_case_t *) 0)->out, \
      "export: the file to write (new; default standard output)" }
#define S_LEVEL_KEY \
    { "level", MT_CFG_STRING, offsetof (s_case_t, level), 0, sizeof ((s_case_t *) 0)->level, \
      "erase: all (photos, faces, names, contact, notes) or media (photos and faces)" }

static const mt_config_key_t s_case_keys [] = {
    CLI_API_KEYS (s_case_t, api), CLI_KEYS_END
};
static const mt_config_key_t s_case_reason_keys [] = {
    CLI_API_KEYS (s_case_t, api), S_REASON_KEY (s_case_t), CLI_KEYS_END
};
static const mt_config_key_t s_case_export_keys [] = {
    CLI_API_KEYS (s_case_t, api), S_OUT_KEY, CLI_KEYS_END
};
static const mt_config_key_t s_case_erase_keys [] = {
    CLI_API_KEYS (s_case_t, api), S_REASON_KEY (s_case_t), S_LEVEL_KEY, CLI_KEYS_END
};
static const mt_config_key_t s_case_help_keys [] = {
    CLI_API_KEYS (s_case_t, api), S_REASON_KEY (s_case_t), S_OUT_KEY, S_LEVEL_KEY, CLI_KEYS_END
};

//  The options an action of homeward case takes, or NULL for no action.
static const mt_config_key_t *
s_case_keys_of (const char *action)
{
    static const struct {
        const char *action;
        const mt_config_key_t *keys;
    } actions [] = {
        { "add-found", s_case_keys }, { "add-missing", s_case_keys }, { "show", s_case_keys },
        { "update", s_case_keys }, { "close", s_case_reason_keys },
        { "reopen", s_case_reason_keys }, { "export", s_case_export_keys },
        { "erase", s_case_erase_keys }
    };
    for (size_t i = 0; i < sizeof actions / sizeof actions [0]; i++)
        if (strcmp (action, actions [i].action) == 0)
            return actions [i].keys;
    return NULL;
}

static void
s_case_usage (FILE *out)
{
    fprintf (out, "usage: homeward case add-found [FIELDS]\n"
                  "       homeward case add-missing [FIELDS]\n"
                  "       homeward case show CASE\n"
                  "       homeward case update CASE [FIELDS]   correct facts (audited; the\n"
                  "           candidates are ranked again at once)\n"
                  "       homeward case close CASE --reason TEXT\n"
                  "       homeward case reopen CASE --reason TEXT   an administrator's\n"
                  "           decision, audited: a closed case open again (a reunion undone\n"
                  "           with it: both cases open, their pair back to confirmed)\n"
                  "       homeward case export CASE [--out FILE]   everything held on the case\n"
                  "       homeward case erase CASE --reason TEXT [--level all|media]\n"
                  "           close the case and erase its photos, faces and vectors from every\n"
                  "           shard (media), and its names, contact and notes too (all, the\n"
                  "           default); the case number and the audit trail remain\n\nFields:\n");
    cli_case_fields_help (out);
    s_case_t settings = { .level = "all" };
    fprintf (out, "\n");
    cli_api_help (s_case_help_keys, &settings, &settings.api, out);
}

static long long
s_id (const char *command, const char *text)
{
    char *end;
    long long id = text ? strtoll (text, &end, 10) : 0;
    if (!text || *end || id <= 0) {
        cli_error (command, "'%s' is not a case number", text ? text : "");
        return -1;
    }
    return id;
}

//  A linked case's person across its records (each as the caller may see
//  it, a line of its facts) and where two of them conflict.
static void
s_print_linked (json_t *c)
{
    json_t *records = json_object_get (c, "linked_records");
    if (json_array_size (records) < 2)
        return;
    printf ("  this person across %zu linked records:\n", json_array_size (records));
    size_t i, j;
    json_t *r, *k, *reason;
    json_array_foreach (records, i, r) {
        printf ("    case %lld%s:", (long long) json_integer_value (json_object_get (r, "case_id")),
                i == 0 ? " (this one)" : json_is_true (json_object_get (r, "redacted"))
                                       ? " (another station's)" : "");
        const char *key;
        json_t *value;
        json_object_foreach (r, key, value) {
            if (strcmp (key, "case_id") == 0 || strcmp (key, "kind") == 0
            ||  strcmp (key, "redacted") == 0 || json_is_null (value))
                continue;
            char *text = json_dumps (value, JSON_ENCODE_ANY | JSON_COMPACT);
            printf (" %s=%s", key, json_is_string (value) ? json_string_value (value) : text);
            free (text);
        }
        putchar ('\n');
    }
    json_t *conflicts = json_object_get (c, "linked_conflicts");
    if (json_array_size (conflicts) == 0)
        printf ("  their facts do not conflict\n");
    json_array_foreach (conflicts, i, k) {
        printf ("  conflict, cases %lld and %lld:\n",
                (long long) json_integer_value (json_object_get (k, "case_a")),
                (long long) json_integer_value (json_object_get (k, "case_b")));
        json_array_foreach (json_object_get (k, "reasons"), j, reason)
            printf ("    %s: %s\n", json_string_value (json_object_get (reason, "code")),
                    json_string_value (json_object_get (reason, "text")));
    }
}

static void
s_print_case (json_t *c)
{
    const char *kind = json_string_value (json_object_get (c, "kind"));
    printf ("case %lld (%s, %s)\n", (long long) json_integer_value (json_object_get (c, "case_id")),
            kind, json_string_value (json_object_get (c, "state")));
    const char *key;
    json_t *value;
    json_object_foreach (c, key, value) {
        if (strcmp (key, "case_id") == 0 || strcmp (key, "kind") == 0
        ||  strcmp (key, "state") == 0 || strcmp (key, "photo_list") == 0
        ||  strcmp (key, "linked_records") == 0 || strcmp (key, "linked_conflicts") == 0)
            continue;
        char *text = json_dumps (value, JSON_ENCODE_ANY | JSON_COMPACT);
        printf ("  %-16s %s\n", key, json_is_string (value) ? json_string_value (value) : text);
        free (text);
    }
    json_t *photos = json_object_get (c, "photo_list");
    size_t i;
    json_array_foreach (photos, i, value)
        printf ("  photo %lld: %s, %lld face(s)%s%s\n",
                (long long) json_integer_value (json_object_get (value, "photo_id")),
                json_string_value (json_object_get (value, "state")),
                (long long) json_integer_value (json_object_get (value, "faces")),
                json_object_get (value, "error") ? ": " : "",
                json_object_get (value, "error")
                    ? json_string_value (json_object_get (value, "error")) : "");
    s_print_linked (c);
}

//  An export holds faces and contact details: written readable by the
//  owner only, or to standard output.
static int
s_write_export (const char *path, json_t *result)
{
    FILE *out = stdout;
    if (path) {
        int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        out = fd >= 0 ? fdopen (fd, "w") : NULL;
        if (!out) {
            cli_error ("case", "cannot create %s: %s", path,
                       errno == EEXIST ? "it exists (an export is never overwritten)"
                                       : strerror (errno));
            if (fd >= 0)
                close (fd);
            return 1;
        }
    }
    int rc = json_dumpf (result, out, JSON_INDENT (1));
    fputc ('\n', out);
    if (path && fclose (out) != 0)
        rc = -1;
    if (rc != 0) {
        cli_error ("case", "cannot write the export%s%s", path ? " to " : "", path ? path : "");
        return 1;
    }
    if (path)
        fprintf (stderr, "case exported to %s\n", path);
    return 0;
}

static int
s_case_add (const cli_api_opts_t *opts, int kind, int count, char **fields)
{
    if (opts->argc != 1) {
        cli_error ("case", "'%s': a new case takes no case number (see homeward case --help)",
                   opts->argv [1]);
        return 2;
    }
    json_t *params = json_pack ("{s:s}", "kind", kind == 1 ? "found" : "missing");
    json_t *result = NULL;
    int status = cli_case_fields ("case", kind, count, fields, params);
    if (status == 0)
        status = cli_api_call ("case", opts, "case.add", params, NULL, 0, &result);
    if (status == 0 && opts->json)
        cli_print_json (result);
    else
    if (status == 0)
        printf ("%s case %lld\n", json_is_true (json_object_get (result, "existed"))
                                  ? "already there:" : "created",
                (long long) json_integer_value (json_object_get (result, "case_id")));
    json_decref (params), json_decref (result);
    return status;
}

//  show, close, reopen, export or erase CASE.
static int
s_case_act (const s_case_t *settings, const char *action)
{
    const cli_api_opts_t *opts = &settings->api;
    long long id = s_id ("case", opts->argv [1]);
    bool erase = strcmp (action, "erase") == 0;
    bool reasoned = erase || strcmp (action, "close") == 0 || strcmp (action, "reopen") == 0;
    if (id < 0)
        return 2;
    if (reasoned && !settings->reason [0]) {
        cli_error ("case", "give --reason TEXT: why the case is %s (kept in the audit trail)",
                   erase ? "erased" : strcmp (action, "close") == 0 ? "closed" : "reopened");
        return 2;
    }
    if (erase && strcmp (settings->level, "all") != 0 && strcmp (settings->level, "media") != 0) {
        cli_error ("case", "--level is all or media, not '%s'", settings->level);
        return 2;
    }
    json_t *params = json_pack ("{s:I}", "case_id", (json_int_t) id), *result = NULL;
    if (reasoned)
        json_object_set_new (params, "reason", json_string (settings->reason));
    if (erase)
        json_object_set_new (params, "level", json_string (settings->level));
    char method [32];
    snprintf (method, sizeof method, "case.%s", strcmp (action, "show") == 0 ? "get" : action);
    int status = cli_api_call ("case", opts, method, params, NULL, 0, &result);
    if (status != 0)
        ;
    else
    if (strcmp (action, "show") == 0)
        opts->json ? cli_print_json (result) : s_print_case (result);
    else
    if (strcmp (action, "export") == 0)
        status = s_write_export (settings->out [0] ? settings->out : NULL, result);
    else
    if (erase)
        printf ("case %lld closed and queued for erasure (%s)\n", id, settings->level);
    else
        printf ("case %lld %s\n", id, strcmp (action, "close") == 0 ? "closed" : "reopened");
    json_decref (params), json_decref (result);
    return status;
}

int
cli_case (int argc, char **argv)
{
    if (argc < 2 || cli_wants_help (argc, argv)) {
        s_case_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    //  A case's facts are flags of their own table (mt_case_facts), for
    //  add-* and update; the rest are the action's options.
    char **fields = calloc ((size_t) argc + 1, sizeof *fields);
    if (!fields)
        return 2;
    int count = cli_case_fields_take (&argc, argv, fields);
    s_case_t settings = { .level = "all" };
    const char *action = NULL;
    int rc = cli_api_action ("case", s_case_help_keys, &settings, sizeof settings, argc, argv,
                             &action);
    const mt_config_key_t *keys = action ? s_case_keys_of (action) : NULL;
    if (rc == 0 && !keys)
        cli_error ("case", "%s%s%s (see homeward case --help)",
                   action ? "unknown action '" : "give an action", action ? action : "",
                   action ? "'" : "");
    if (!keys || cli_api_load ("case", keys, &settings, &settings.api, argc, argv) != 0) {
        free (fields);
        return 2;
    }
    const cli_api_opts_t *opts = &settings.api;
    bool adding = strncmp (action, "add-", 4) == 0, updating = strcmp (action, "update") == 0;
    int status = 2;
    if (count > 0 && !adding && !updating)
        cli_error ("case", "%s is not an option of case %s (see homeward case --help)",
                   fields [0], action);
    else
    if (adding)
        status = s_case_add (opts, action [4] == 'f' ? 1 : 2, count, fields);
    else
    if (opts->argc != 2)
        cli_error ("case", "give: %s CASE (see homeward case --help)", action);
    else
    if (updating)
        status = cli_case_update (opts, count, fields);
    else
        status = s_case_act (&settings, action);
    free (fields);
    free (settings.api.argv);
    return status;
}

//  ---------------------------------------------------------------- photo add

static uint8_t *
s_read (const char *path, size_t *size_p, char *why, size_t why_size)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        snprintf (why, why_size, "%s", strerror (errno));
        return NULL;
    }
    if (!S_ISREG (st.st_mode)) {
        snprintf (why, why_size, "not a regular file");
        return NULL;
    }
    if ((uint64_t) st.st_size > MT_IMAGE_DEFAULT_MAX_BYTES) {
        snprintf (why, why_size, "%lld bytes, over the limit of %u", (long long) st.st_size,
                  MT_IMAGE_DEFAULT_MAX_BYTES);
        return NULL;
    }
    FILE *file = fopen (path, "rb");
    uint8_t *bytes = file ? malloc ((size_t) st.st_size + 1) : NULL;
    size_t got = bytes ? fread (bytes, 1, (size_t) st.st_size, file) : 0;
    if (file)
        fclose (file);
    if (!bytes || got != (size_t) st.st_size) {
        snprintf (why, why_size, "cannot read it");
        free (bytes);
        return NULL;
    }
    *size_p = got;
    return bytes;
}

//  Wait for the face pipeline to finish a photo; prints its faces.
static int
s_wait_photo (api_client_t *client, const cli_api_opts_t *opts, const char *file, long long id)
{
    json_t *params = json_pack ("{s:I}", "photo_id", (json_int_t) id), *photo = NULL;
    struct timespec start, now;
    clock_gettime (CLOCK_MONOTONIC, &start);
    int status = 0;
    for (;;) {
        mt_err_t err;
        json_decref (photo);
        photo = NULL;
        if (api_call (client, "photo.get", params, NULL, 0, (int) opts->timeout_ms, &photo, NULL,
                      NULL, &err) != MT_OK) {
            cli_error ("photo", "%s", err.msg);
            status = 1;
            break;
        }
        const char *state = json_string_value (json_object_get (photo, "state"));
        if (state && strcmp (state, "pending") != 0)
            break;
        clock_gettime (CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > opts->timeout_ms / 1000) {
            printf ("%s: photo %lld stored; still waiting for the face pipeline (is an intake "
                    "worker running?)\n", file, id);
            json_decref (photo);
            json_decref (params);
            return 0;
        }
        struct timespec pause = { 0, 100 * 1000000 };
        nanosleep (&pause, NULL);
    }
    if (status == 0) {
        if (opts->json)
            cli_print_json (photo);
        else {
            const char *state = json_string_value (json_object_get (photo, "state"));
            json_t *faces = json_object_get (photo, "face_list");
            if (strcmp (state, "failed") == 0) {
                printf ("%s: photo %lld could not be read: %s\n", file, id,
                        json_string_value (json_object_get (photo, "error")));
                status = 1;
            }
            else
                printf ("%s: photo %lld, %zu face%s\n", file, id, json_array_size (faces),
                        json_array_size (faces) == 1 ? "" : "s");
            size_t i;
            json_t *f;
            //  The service's advice, which fits where the photo comes from:
            //  "retake closer" for a person found, "scan the print at a
            //  higher resolution" for a family's old photo.
            json_array_foreach (faces, i, f) {
                const char *verdict = json_string_value (json_object_get (f, "verdict"));
                const char *advice = json_string_value (json_object_get (f, "advice"));
                bool ok = verdict && strcmp (verdict, "ok") == 0;
                printf ("  face %lld: %lld px, %s%s%s\n",
                        (long long) json_integer_value (json_object_get (f, "face_id")),
                        (long long) json_integer_value (json_object_get (f, "size_px")),
                        verdict ? verdict : "?", !ok && advice ? " - " : "",
                        !ok && advice ? advice : "");
            }
            if (json_array_size (faces) == 0 && strcmp (state, "done") == 0)
                printf ("  no face found: send a photo where the face is visible and frontal\n");
            const char *person = json_string_value (json_object_get (photo, "person"));
            if (person && strcmp (person, "waiting") == 0)
                printf ("  several faces: say which is the person (homeward photo person %lld "
                        "FACE, or --unsure if you cannot tell); until then they are not "
                        "matched\n", id);
        }
    }
    json_decref (photo);
    json_decref (params);
    return status;
}

static int
s_photo_add (const cli_photo_t *settings)
{
    const cli_api_opts_t *opts = &settings->api;
    int year = 0, age = -1;
    if ((settings->year [0]
         && !cli_taken_value ("photo", "--year", settings->year, 0, &year))
    ||  (settings->age [0] && !cli_taken_value ("photo", "--age", settings->age, -1, &age)))
        return 2;
    int files = opts->argc;
    char **paths = opts->argv;
    if (files < 3) {
        cli_error ("photo", "give: add CASE FILE... (see --help)");
        return 2;
    }
    long long case_id = s_id ("photo", paths [1]);
    api_client_t *client = case_id > 0 ? cli_api_connect ("photo", opts) : NULL;
    int status = client ? 0 : 2;
    for (int i = 2; client && i < files; i++) {
        char why [256];
        size_t size;
        uint8_t *bytes = s_read (paths [i], &size, why, sizeof why);
        if (!bytes) {
            cli_error ("photo", "%s: %s", paths [i], why);
            status = 1;
            continue;
        }
        //  A person at the terminal: asked which face of a group photo is
        //  the person.
        json_t *params = json_pack ("{s:I, s:i, s:i, s:b}", "case_id", (json_int_t) case_id,
                                    "year_taken", year, "age_taken", age, "ask_person", 1),
               *result = NULL;
        mt_err_t err;
        if (api_call (client, "photo.add", params, bytes, size, (int) opts->timeout_ms, &result,
                      NULL, NULL, &err) != MT_OK) {
            cli_error ("photo", "%s: %s", paths [i], err.msg);
            status = 1;
        }
        else {
            long long id = (long long) json_integer_value (json_object_get (result, "photo_id"));
            if (json_is_true (json_object_get (result, "existed")) && !opts->json)
                printf ("%s: the same photo is already photo %lld of this case\n", paths [i], id);
            if (settings->wait)
                status |= s_wait_photo (client, opts, paths [i], id);
            else
            if (!json_is_true (json_object_get (result, "existed")))
                printf ("%s: stored as photo %lld\n", paths [i], id);
        }
        json_decref (params);
        json_decref (result);
        free (bytes);
    }
    api_client_destroy (&client);
    return status;
}

int
cli_photo (int argc, char **argv)
{
    cli_photo_t settings = { .wait = true };
    if (argc < 2 || cli_wants_help (argc, argv)) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf (out,
                 "usage: homeward photo add CASE FILE... [--year YYYY] [--age N] [--no-wait]\n"
                 "       homeward photo show PHOTO             its faces, quality and advice\n"
                 "       homeward photo taken PHOTO [--year YYYY|unknown] [--age N|unknown]\n"
                 "           correct when it was taken (the year, the person's age in it)\n"
                 "       homeward photo person PHOTO FACE      the face that is the case's\n"
                 "           person; the photo's other faces are left out of matching\n"
                 "       homeward photo person PHOTO --unsure  you cannot tell: every face\n"
                 "           is matched, the one nearest the middle counting most\n"
                 "       homeward photo remove PHOTO --reason TEXT   a photo uploaded by\n"
                 "           mistake: its faces leave every index replica and are erased\n\n"
                 "Stores the photos of a case (the same photo twice is kept once) and waits\n"
                 "for the face pipeline to report the faces it found, with their quality.\n"
                 "--year is the year a photo was taken, --age the person's age in it (a\n"
                 "family's photo at 6 is weighed against the adult found by the years\n"
                 "between); both are checked against the report's birth year. A photo\n"
                 "with several faces waits, unmatched, until you say which is the person.\n"
                 "Every\n"
                 "correction is in the audit trail and ranks the case's candidates again.\n\n");
        cli_api_help (cli_photo_keys (""), &settings, &settings.api, out);
        return argc < 2 ? 2 : 0;
    }
    const char *action = NULL;
    if (cli_api_action ("photo", cli_photo_keys (""), &settings, sizeof settings, argc, argv,
                        &action) != 0)
        return 2;
    const mt_config_key_t *keys = action ? cli_photo_keys (action) : NULL;
    if (!keys || !*action) {
        cli_error ("photo", "%s%s%s (see homeward photo --help)",
                   action ? "unknown action '" : "give an action", action ? action : "",
                   action ? "'" : "");
        return 2;
    }
    if (cli_api_load ("photo", keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    const cli_api_opts_t *opts = &settings.api;
    int status = strcmp (opts->argv [0], "add") == 0 ? s_photo_add (&settings)
                                                     : cli_photo_correct (&settings);
    free (settings.api.argv);
    return status;
}

//  ---------------------------------------------------------------- candidates

static void
s_print_candidates (json_t *result)
{
    json_t *list = json_object_get (result, "candidates");
    printf ("candidate families for case %lld (best first; a score orders them for review, "
            "only DNA confirms):\n",
            (long long) json_integer_value (json_object_get (result, "case_id")));
    if (json_array_size (list) == 0)
        printf ("  none yet\n");
    json_int_t below = json_integer_value (json_object_get (result, "weaker"));
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        json_t *c = json_object_get (item, "case"), *ex = json_object_get (item, "explanation");
        printf ("%3zu. case %-6lld score %.3f  face distance %.3f  [%s]\n", i + 1 +
                (size_t) json_integer_value (json_object_get (result, "offset")),
                (long long) json_integer_value (json_object_get (item, "case_id")),
                json_real_value (json_object_get (item, "score")),
                json_real_value (json_object_get (item, "distance")),
                json_string_value (json_object_get (item, "state")));
        if (c && json_string_value (json_object_get (c, "family_name"))) {
            const char *relation = json_string_value (json_object_get (c, "family_relation"));
            printf ("      family: %s%s%s%s\n",
                    json_string_value (json_object_get (c, "family_name")),
                    relation ? " (" : "", relation ? relation : "", relation ? ")" : "");
        }
        if (c && json_string_value (json_object_get (c, "station")))
            printf ("      station: %s\n", json_string_value (json_object_get (c, "station")));
        size_t j;
        json_t *pair;
        json_array_foreach (json_object_get (ex, "pairs"), j, pair)
            if (j < 2)
                printf ("      faces %lld ~ %lld: distance %.3f%s%s\n",
                        (long long) json_integer_value (json_object_get (pair, "found_face")),
                        (long long) json_integer_value (json_object_get (pair, "missing_face")),
                        json_real_value (json_object_get (pair, "distance")),
                        json_object_get (pair, "note") ? "; " : "",
                        json_object_get (pair, "note")
                            ? json_string_value (json_object_get (pair, "note")) : "");
        json_t *pooled = json_object_get (ex, "pooled");
        if (json_is_integer (json_object_get (pooled, "age_gap")))
            printf ("      photos ~%lld years apart (ages ~%lld and ~%lld): weighed for the gap\n",
                    (long long) json_integer_value (json_object_get (pooled, "age_gap")),
                    (long long) json_integer_value (json_object_get (
                        json_object_get (pooled, "missing"), "age")),
                    (long long) json_integer_value (json_object_get (
                        json_object_get (pooled, "found"), "age")));
        json_t *fact;
        json_array_foreach (json_object_get (ex, "facts"), j, fact) {
            const char *verdict = json_string_value (json_object_get (fact, "verdict"));
            if (strcmp (verdict, "unknown") == 0)
                continue;
            printf ("      %-8s %-9s %s\n", json_string_value (json_object_get (fact, "fact")),
                    strcmp (verdict, "conflicts") == 0 ? "CONFLICT" : verdict,
                    json_string_value (json_object_get (fact, "detail")));
        }
    }
    if (below > 0)
        printf ("(%lld weaker pairs, scored below the floor of %g: --weaker shows them)\n",
                (long long) below, json_real_value (json_object_get (result, "floor")));
}

//  The options of homeward candidates.
typedef struct {
    cli_api_opts_t api;
    int64_t limit, offset;
    bool weaker;
} s_candidates_t;

static const mt_config_key_t s_candidates_keys [] = {
    CLI_API_KEYS (s_candidates_t, api),
    { "limit", MT_CFG_INT, offsetof (s_candidates_t, limit), 1, 500, "how many to show" },
    { "offset", MT_CFG_INT, offsetof (s_candidates_t, offset), 0, INT32_MAX,
      "how many to skip (the next page)" },
    { "weaker", MT_CFG_BOOL, offsetof (s_candidates_t, weaker), 0, 0,
      "also the pending pairs scored below the candidate floor" },
    CLI_KEYS_END
};

int
cli_candidates (int argc, char **argv)
{
    s_candidates_t settings = { .limit = 20 };
    if (argc < 2 || cli_wants_help (argc, argv)) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf (out, "usage: homeward candidates CASE [--limit 20] [--offset 0] [--weaker]\n\n"
                      "The candidate families of a case, best first, each with the face pairs "
                      "and\nthe facts that agree or conflict. Rejected pairs are not shown, nor "
                      "pending\npairs scored below the candidate floor unless --weaker is "
                      "given.\n\n");
        cli_api_help (s_candidates_keys, &settings, &settings.api, out);
        return argc < 2 ? 2 : 0;
    }
    if (cli_api_load ("candidates", s_candidates_keys, &settings, &settings.api, argc,
                      argv) != 0)
        return 2;
    const cli_api_opts_t *opts = &settings.api;
    long long id = opts->argc == 1 ? s_id ("candidates", opts->argv [0]) : -1;
    if (opts->argc != 1)
        cli_error ("candidates", "give one case number (see homeward candidates --help)");
    json_t *params = json_pack ("{s:I, s:I, s:I, s:b}", "case_id", (json_int_t) id, "limit",
                                (json_int_t) settings.limit, "offset",
                                (json_int_t) settings.offset, "weaker", settings.weaker);
    json_t *result = NULL;
    int status = id < 0 ? 2 : cli_api_call ("candidates", opts, "candidates", params, NULL, 0,
                                            &result);
    if (status == 0)
        opts->json ? cli_print_json (result) : s_print_candidates (result);
    json_decref (params);
    json_decref (result);
    free (settings.api.argv);
    return status;
}

//  The options of homeward review.
typedef struct {
    cli_api_opts_t api;
    char state [32];
    char note [2048];
    char dna_ref [256];
} s_review_t;

static const mt_config_key_t s_review_keys [] = {
    CLI_API_KEYS (s_review_t, api),
    { "state", MT_CFG_STRING, offsetof (s_review_t, state), 0,
      sizeof ((s_review_t *) 0)->state,
      "the decision: pending, rejected, dna_requested, confirmed or reunited" },
    { "note", MT_CFG_STRING, offsetof (s_review_t, note), 0, sizeof ((s_review_t *) 0)->note,
      "what it rests on (kept in the trail)" },
    { "dna-ref", MT_CFG_STRING, offsetof (s_review_t, dna_ref), 0,
      sizeof ((s_review_t *) 0)->dna_ref, "the DNA sample or lab reference" },
    CLI_KEYS_END
};

int
cli_review (int argc, char **argv)
{
    s_review_t settings = { .state = "" };
    if (argc < 2 || cli_wants_help (argc, argv)) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf (out,
                 "usage: homeward review CASE CANDIDATE --state STATE [--note TEXT]\n"
                 "                       [--dna-ref TEXT]\n\n"
                 "Records a decision on a candidate pair. Only a DNA test confirms a match:\n"
                 "  pending -> dna_requested (--dna-ref: the sample or lab reference)\n"
                 "  dna_requested -> confirmed (DNA matched) or rejected (it did not)\n"
                 "  pending -> rejected (never shown again); rejected -> pending (an undo)\n"
                 "  confirmed -> reunited (closes both cases, removes their faces from the\n"
                 "  index; final: only an administrator's `case reopen` undoes it)\n"
                 "confirmed, reunited and the undo need --note. While a found person's pair\n"
                 "is dna_requested or confirmed, their other pairs cannot be confirmed. A\n"
                 "decision the workflow does not allow is refused with what is allowed.\n"
                 "Every decision is kept in the trail.\n\n");
        cli_api_help (s_review_keys, &settings, &settings.api, out);
        return argc < 2 ? 2 : 0;
    }
    if (cli_api_load ("review", s_review_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    const cli_api_opts_t *opts = &settings.api;
    long long a = -1, b = -1;
    if (opts->argc != 2)
        cli_error ("review", "give the two cases of the pair: CASE CANDIDATE (see homeward "
                   "review --help)");
    else
    if ((a = s_id ("review", opts->argv [0])) > 0)
        b = s_id ("review", opts->argv [1]);
    int status = 0;
    if (a < 0 || b < 0)
        status = 2;
    else
    if (!settings.state [0]) {
        cli_error ("review", "give --state (pending, rejected, dna_requested, confirmed, "
                   "reunited)");
        status = 2;
    }
    const char *note = settings.note [0] ? settings.note : NULL;
    const char *dna_ref = settings.dna_ref [0] ? settings.dna_ref : NULL;
    json_t *params = json_pack ("{s:I, s:I, s:s, s:s?, s:s?}", "case_id", (json_int_t) a,
                                "candidate", (json_int_t) b, "state", settings.state, "note",
                                note, "dna_ref", dna_ref), *result = NULL;
    if (status == 0)
        status = cli_api_call ("review", opts, "review", params, NULL, 0, &result);
    if (status == 0) {
        printf ("cases %lld and %lld: %s", a, b, settings.state);
        size_t i;
        json_t *next;
        json_array_foreach (json_object_get (result, "allowed"), i, next)
            printf ("%s%s", i ? ", " : "; next: ", json_string_value (next));
        printf ("\n");
    }
    json_decref (params);
    json_decref (result);
    free (settings.api.argv);
    return status;
}
