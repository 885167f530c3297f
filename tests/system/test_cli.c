//  Black-box test of the homeward binary: embed and compare as a user runs
//  them, with good and bad files, flags, environment and config files.

#include "mt_test.h"

#include "results/store/mt_casedb.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"

//  Run homeward with args (NULL-terminated); returns the exit status.
static int
s_run (char **out, char **err, char *const *env, ...)
{
    char *argv [32] = { S_HOMEWARD };
    int argc = 1;
    va_list args;
    va_start (args, env);
    char *arg;
    while ((arg = va_arg (args, char *)) != NULL && argc < 31)
        argv [argc++] = arg;
    va_end (args);
    argv [argc] = NULL;
    return mt_test_run (argv, env, out, err);
}

//  Split stdout into JSON lines.
static size_t
s_json_lines (char *text, json_t **lines, size_t max)
{
    size_t count = 0;
    for (char *line = strtok (text, "\n"); line && count < max; line = strtok (NULL, "\n")) {
        json_error_t jerr;
        lines [count] = json_loads (line, 0, &jerr);
        MT_CHECK (lines [count] != NULL);
        if (lines [count])
            count++;
    }
    return count;
}

static void
test_embed_mixed_batch (void)
{
    char *out, *err;
    char face [512], bad [512], dogs [512], webp [512];
    snprintf (face, sizeof face, "%s", mt_test_data ("formats/face.jpg"));
    snprintf (bad, sizeof bad, "%s", mt_test_data ("bad/truncated.jpg"));
    snprintf (dogs, sizeof dogs, "%s", mt_test_data ("faces/dlib/dogs.jpg"));
    snprintf (webp, sizeof webp, "%s", mt_test_data ("formats/face.webp"));
    int status = s_run (&out, &err, NULL, "embed", "--json", "--threads", "2", face, bad,
                        dogs, "", webp, NULL);
    MT_CHECK_INT (status, 1);       //  not every file could be read
    json_t *lines [8];
    size_t count = out ? s_json_lines (out, lines, 8) : 0;
    MT_CHECK_INT (count, 5);
    const char *files [5] = { face, bad, dogs, "", webp };
    for (size_t i = 0; i < count; i++) {
        MT_CHECK (strcmp (json_string_value (json_object_get (lines [i], "file")), files [i])
                  == 0);
        json_t *faces = json_object_get (lines [i], "faces");
        json_t *error = json_object_get (lines [i], "error");
        if (i == 1 || i == 3) {
            MT_CHECK (error != NULL && faces == NULL);
            MT_CHECK (json_string_value (json_object_get (error, "message")) != NULL);
        }
        else
            MT_CHECK (error == NULL && json_is_array (faces));
        //  Each face as the job link's DescribedFace (jobs.proto) names it.
        if (i == 0 || i == 4) {
            MT_CHECK_INT (json_array_size (faces), 1);
            json_t *f = json_array_get (faces, 0);
            json_t *dlib = json_array_get (json_object_get (f, "descriptors"), 0);
            MT_CHECK_CONTAINS (json_string_value (json_object_get (dlib, "name")), "dlib");
            MT_CHECK_INT (json_array_size (json_object_get (dlib, "vector")), 128);
            MT_CHECK (json_integer_value (json_object_get (f, "width")) >= 80);
            MT_CHECK (json_is_integer (json_object_get (f, "x")));
            MT_CHECK (strcmp (json_string_value (json_object_get (f, "verdict")), "ok") == 0);
            MT_CHECK (json_integer_value (json_object_get (f, "size_px")) >= 80);
            MT_CHECK_CONTAINS (json_string_value (json_object_get (f, "pose")), "front");
            MT_CHECK (json_string_value (json_object_get (f, "advice")) != NULL);
        }
        if (i == 2)     //  no sure face is not an error (the dog's face is unsure)
            for (size_t f = 0; f < json_array_size (faces); f++)
                MT_CHECK (strcmp (json_string_value (json_object_get (json_array_get (faces, f),
                          "verdict")), "unsure") == 0);
    }
    if (count == 5) {
        MT_CHECK (strcmp (json_string_value (json_object_get (json_object_get (lines [1],
                  "error"), "code")), "undecodable") == 0);
        MT_CHECK (strcmp (json_string_value (json_object_get (json_object_get (lines [3],
                  "error"), "code")), "invalid_argument") == 0);
    }
    for (size_t i = 0; i < count; i++)
        json_decref (lines [i]);
    free (out);
    free (err);

    //  All good: exit 0; text output names each file.
    status = s_run (&out, &err, NULL, "embed", "--unsure-min-score", "0", face, dogs, NULL);
    MT_CHECK_INT (status, 0);
    MT_CHECK_CONTAINS (out, "1 face (240x240 jpeg)");
    MT_CHECK_CONTAINS (out, "0 faces");
    free (out);
    free (err);
}

static void
test_compare (void)
{
    char *out, *err;
    char jpg [512], webp [512], tom [512], dogs [512];
    snprintf (jpg, sizeof jpg, "%s", mt_test_data ("formats/face.jpg"));
    snprintf (webp, sizeof webp, "%s", mt_test_data ("formats/face.webp"));
    snprintf (tom, sizeof tom, "%s", mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"));
    snprintf (dogs, sizeof dogs, "%s", mt_test_data ("faces/dlib/dogs.jpg"));

    int status = s_run (&out, &err, NULL, "compare", "--json", jpg, webp, NULL);
    MT_CHECK_INT (status, 0);
    json_error_t jerr;
    json_t *result = out ? json_loads (out, 0, &jerr) : NULL;
    MT_CHECK (result != NULL);
    MT_CHECK (json_is_true (json_object_get (result, "same_person")));
    MT_CHECK (json_real_value (json_object_get (result, "distance")) < 0.3);
    json_decref (result);
    free (out);
    free (err);

    status = s_run (&out, &err, NULL, "compare", jpg, tom, NULL);
    MT_CHECK_INT (status, 0);
    MT_CHECK_CONTAINS (out, "likely different people");
    free (out);
    free (err);

    status = s_run (&out, &err, NULL, "compare", "--unsure-min-score", "0", jpg, dogs, NULL);
    MT_CHECK_INT (status, 1);
    MT_CHECK_CONTAINS (err, "no face found");
    free (out);
    free (err);
}

static void
test_help_and_usage_errors (void)
{
    static const char *commands [] = { "embed", "compare" };
    char *out, *err;
    MT_CHECK_INT (s_run (&out, &err, NULL, "--help", NULL), 0);
    MT_CHECK_CONTAINS (out, "usage: homeward");
    free (out), free (err);
    for (size_t i = 0; i < 2; i++) {
        MT_CHECK_INT (s_run (&out, &err, NULL, commands [i], "--help", NULL), 0);
        MT_CHECK_CONTAINS (out, "usage: homeward");
        MT_CHECK_CONTAINS (out, "--threads");
        free (out), free (err);
    }
    MT_CHECK_INT (s_run (&out, &err, NULL, "frobnicate", NULL), 2);
    MT_CHECK_CONTAINS (err, "unknown command 'frobnicate'");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "embed", "--threads", "0", "x.jpg", NULL), 2);
    MT_CHECK_CONTAINS (err, "threads");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "embed", NULL), 2);
    MT_CHECK_CONTAINS (err, "no files given");
    free (out), free (err);
    //  Every command reads its options from one typed table: a number that
    //  is not one, or out of its bounds, is refused with its reason (never
    //  taken as 0); an option the action does not take, or one without its
    //  value, is refused, never taken as an operand.
    static const struct {
        const char *args [8], *says;
    } refused [] = {
        { { "candidates", "3", "--limit", "abc" }, "option --limit: 'abc' is not a whole number" },
        { { "candidates", "3", "--limit", "600" }, "option --limit: 600 is outside 1..500" },
        { { "case", "show", "3", "--timeout-ms", "5s" },
          "option --timeout-ms: '5s' is not a whole number" },
        { { "case", "show", "3", "--reason", "x" }, "unknown option --reason" },
        { { "case", "erase", "3" }, "give --reason TEXT" },
        { { "case", "erase", "3", "--reason", "asked", "--level", "some" },
          "--level is all or media, not 'some'" },
        { { "case", "frobnicate", "3" }, "unknown action 'frobnicate'" },
        { { "review", "1", "2", "3", "--state", "rejected" }, "give the two cases of the pair" },
        { { "review", "1", "2", "--state" }, "option --state needs a value" },
        { { "notices", "told", "1" }, "give REPORT FOUND" },
        { { "notices", "list", "3" }, "'3': list takes no operand" },
        { { "notices", "tell" }, "give list or told" },
        { { "photo", "show", "4", "--year", "1990" }, "unknown option --year" },
        { { "photo", "taken", "4", "--age", "x" }, "--age 'x': give a whole number, or unknown" },
        { { "audit", "list", "--limit", "0" }, "option --limit: 0 is outside 1..100000" },
        { { "user", "add", "--name", "amy", "--province", "100" },
          "option --province: 100 is outside 0..99" },
        { { "user", "disable", "--name", "amy", "--role", "admin" }, "unknown option --role" },
        { { "backup", "--keep", "-1" }, "option --keep: -1 is outside 0..100000" },
        { { "restore", "dir", "--lsit" }, "unknown option --lsit" },
        { { "crossmatch", "start", "--resume=maybe" }, "option --resume: 'maybe' is not true" },
        { { "case", "--limit", "3", "show", "4" }, "unknown option --limit" },
        { { "case", "--json" }, "give an action" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        const char *const *a = refused [i].args;
        MT_CHECK_INT (s_run (&out, &err, NULL, a [0], a [1], a [2], a [3], a [4], a [5], a [6],
                             a [7], NULL), 2);
        MT_CHECK_CONTAINS (err, refused [i].says);
        free (out), free (err);
    }
    //  Options may come before the action: it is read past them (here it
    //  gets as far as asking a service that is not there).
    MT_CHECK_INT (s_run (&out, &err, NULL, "case", "--json", "--api", "ipc:///nonexistent/api.sock",
                         "--timeout-ms", "100", "show", "3", NULL), 1);
    MT_CHECK_CONTAINS (err, "no answer from Homeward");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "embed", "--model-dir", "/nonexistent/m",
                         mt_test_data ("formats/face.jpg"), NULL), 1);
    MT_CHECK_CONTAINS (err, "/nonexistent/m");
    free (out), free (err);
}

//  migrate-store's own errors, between SQLite files (the PostgreSQL side is
//  in the restore drill on the PostgreSQL run, and in selftest_casedb).
static void
test_migrate_store_errors (void)
{
    char from [512], to [512];
    snprintf (from, sizeof from, "%s/migrate-from.db", mt_test_tmpdir ());
    snprintf (to, sizeof to, "%s/migrate-to.db", mt_test_tmpdir ());
    char *out, *err;
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--help", NULL), 0);
    MT_CHECK_CONTAINS (out, "postgresql://");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--from", from, NULL), 2);
    MT_CHECK_CONTAINS (err, "--to NEWSTORE");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--from", from, "--to", from, NULL),
                  2);
    MT_CHECK_CONTAINS (err, "the same store");
    free (out), free (err);
    mt_casedb_t *db = NULL;
    mt_err_t e;
    MT_CHECK_RC (mt_casedb_open (from, &db, &e), MT_OK, &e);
    MT_CHECK_RC (mt_casedb_audit (db, "admin", "case.read", "case 1", NULL, &e), MT_OK, &e);
    mt_casedb_close (&db);
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--from", from, "--to", to, NULL), 0);
    MT_CHECK_CONTAINS (out, "0 cases");
    MT_CHECK_CONTAINS (out, "1 audit entries");
    MT_CHECK_CONTAINS (out, "audit chain verified to the same head (entry 1,");
    free (out), free (err);
    //  Into a store that holds records: refused.
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--from", from, "--to", to, NULL), 1);
    MT_CHECK_CONTAINS (err, "not empty");
    free (out), free (err);
    MT_CHECK_INT (s_run (&out, &err, NULL, "migrate-store", "--from", from, "--to",
                         "postgresql://homeward:secret@127.0.0.1:1/none", NULL), 1);
    MT_CHECK_CONTAINS (err, "cannot connect to the PostgreSQL database");
    MT_CHECK (strstr (err, "secret") == NULL);
    free (out), free (err);
}

//  Settings from a config file, the environment and flags, in that order.
static void
test_settings_layers (void)
{
    char conf [512], face [512];
    snprintf (conf, sizeof conf, "%s/embed.conf", mt_test_tmpdir ());
    snprintf (face, sizeof face, "%s", mt_test_data ("formats/face.jpg"));
    const char *text = "# faces must be large\nmin-face 200\n";
    MT_CHECK (mt_test_write (conf, text, strlen (text)) == 0);
    char *out, *err;
    MT_CHECK_INT (s_run (&out, &err, NULL, "embed", "--config", conf, face, NULL), 0);
    MT_CHECK_CONTAINS (out, "too_small");
    free (out), free (err);

    char *env [] = { "HOMEWARD_MIN_FACE=100", NULL };
    MT_CHECK_INT (s_run (&out, &err, env, "embed", "--config", conf, face, NULL), 0);
    MT_CHECK_CONTAINS (out, " ok ");
    free (out), free (err);

    MT_CHECK_INT (s_run (&out, &err, env, "embed", "--config", conf, "--min-face", "300",
                         face, NULL), 0);
    MT_CHECK_CONTAINS (out, "too_small");
    free (out), free (err);

    text = "min-face 200\nmin-face lots\n";
    MT_CHECK (mt_test_write (conf, text, strlen (text)) == 0);
    MT_CHECK_INT (s_run (&out, &err, NULL, "embed", "--config", conf, face, NULL), 2);
    MT_CHECK_CONTAINS (err, "embed.conf:2:");
    free (out), free (err);
}

int
main (void)
{
    MT_RUN (test_embed_mixed_batch);
    MT_RUN (test_compare);
    MT_RUN (test_help_and_usage_errors);
    MT_RUN (test_settings_layers);
    MT_RUN (test_migrate_store_errors);
    return MT_TEST_MAIN_END ();
}
