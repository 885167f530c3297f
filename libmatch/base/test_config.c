//  Self-test of mt_config (layers, bounds, messages) and mt_utf8.

#include "mt_test.h"

#include "base/mt_config.h"
#include "base/mt_utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    int64_t threads;
    double ratio;
    bool verbose;
    char name [16];
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    { "threads", MT_CFG_INT, offsetof (s_settings_t, threads), 1, 64, "threads" },
    { "match.ratio", MT_CFG_DOUBLE, offsetof (s_settings_t, ratio), 0, 1, "ratio" },
    { "verbose", MT_CFG_BOOL, offsetof (s_settings_t, verbose), 0, 0, "talk" },
    { "name", MT_CFG_STRING, offsetof (s_settings_t, name), 0, 16, "name" },
    { .name = NULL }
};

static s_settings_t
s_defaults (void)
{
    s_settings_t s = { .threads = 2, .ratio = 0.5, .verbose = false, .name = "shard" };
    return s;
}

static void
test_set_and_bounds (void)
{
    s_settings_t s = s_defaults ();
    mt_err_t err;
    MT_CHECK_RC (mt_config_set (s_keys, &s, "threads", "8", &err), MT_OK, &err);
    MT_CHECK_INT (s.threads, 8);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "threads", "65", &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "outside 1..64");
    MT_CHECK_INT (s.threads, 8);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "threads", "4x", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "threads", "", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "match-ratio", "0.25", &err), MT_OK, &err);
    MT_CHECK_NEAR (s.ratio, 0.25, 1e-12);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "match.ratio", "nan", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "verbose", "yes", &err), MT_OK, &err);
    MT_CHECK (s.verbose);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "verbose", "maybe", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "name", "0123456789abcdef", &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_config_set (s_keys, &s, "colour", "red", &err), MT_ENOTFOUND, &err);
}

static void
test_layers (void)
{
    char path [512];
    snprintf (path, sizeof path, "%s/good.conf", mt_test_tmpdir ());
    const char *text = "# a comment\n\nthreads 4\nmatch.ratio = 0.75   # trailing\nname east\n";
    MT_CHECK (mt_test_write (path, text, strlen (text)) == 0);

    s_settings_t s = s_defaults ();
    char *argv [] = { "cmd", "--config", path, "--threads=6", "a", "--no-verbose", "b",
                      "--", "--threads", NULL };
    int argc = 9, positional = 0;
    mt_err_t err;
    setenv ("HOMEWARD_MATCH_RATIO", "0.9", 1);
    setenv ("HOMEWARD_VERBOSE", "on", 1);
    MT_CHECK_RC (mt_config_load_all (s_keys, &s, argc, argv, 1, &positional, &err), MT_OK, &err);
    unsetenv ("HOMEWARD_MATCH_RATIO");
    unsetenv ("HOMEWARD_VERBOSE");
    MT_CHECK_INT (s.threads, 6);            //  flag beats file
    MT_CHECK_NEAR (s.ratio, 0.9, 1e-12);    //  environment beats file
    MT_CHECK (!s.verbose);                  //  flag beats environment
    MT_CHECK (strcmp (s.name, "east") == 0);
    MT_CHECK_INT (positional, 3);
    MT_CHECK (strcmp (argv [1], "a") == 0 && strcmp (argv [2], "b") == 0);
    MT_CHECK (strcmp (argv [3], "--threads") == 0);
}

static void
test_errors_say_where (void)
{
    char path [512];
    snprintf (path, sizeof path, "%s/bad.conf", mt_test_tmpdir ());
    const char *text = "threads 4\n\nthreads 400\n";
    MT_CHECK (mt_test_write (path, text, strlen (text)) == 0);
    s_settings_t s = s_defaults ();
    mt_err_t err;
    MT_CHECK_RC (mt_config_load_file (s_keys, &s, path, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "bad.conf:3:");
    MT_CHECK_CONTAINS (err.msg, "400");

    text = "colour red\n";
    MT_CHECK (mt_test_write (path, text, strlen (text)) == 0);
    MT_CHECK_RC (mt_config_load_file (s_keys, &s, path, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "bad.conf:1: unknown setting 'colour'");

    MT_CHECK_RC (mt_config_load_file (s_keys, &s, "/nonexistent/x.conf", &err), MT_EIO, &err);

    char *argv [] = { "cmd", "--threads", NULL };
    int positional;
    MT_CHECK_RC (mt_config_parse_args (s_keys, &s, 2, argv, 1, &positional, &err), MT_EINVAL,
                 &err);
    MT_CHECK_CONTAINS (err.msg, "needs a value");
    char *argv2 [] = { "cmd", "--bogus", NULL };
    MT_CHECK_RC (mt_config_parse_args (s_keys, &s, 2, argv2, 1, &positional, &err), MT_EINVAL,
                 &err);
    MT_CHECK_CONTAINS (err.msg, "unknown option --bogus");

    setenv ("HOMEWARD_THREADS", "zero", 1);
    MT_CHECK_RC (mt_config_load_env (s_keys, &s, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "HOMEWARD_THREADS");
    unsetenv ("HOMEWARD_THREADS");
}

//  Characters, not bytes: what a person's limit counts.
static void
test_utf8 (void)
{
    MT_CHECK_INT (mt_utf8_chars (""), 0);
    MT_CHECK_INT (mt_utf8_chars ("notes"), 5);
    MT_CHECK_INT (mt_utf8_chars ("\xe5\xa4\x87\xe6\xb3\xa8"), 2);           //  备注
    MT_CHECK_INT (mt_utf8_chars ("a\xf0\x9f\x98\x80" "b"), 3);                  //  an emoji
    MT_CHECK (mt_utf8_valid ("\xe5\xa4\x87", 3));
    MT_CHECK (!mt_utf8_valid ("\xe5\xa4", 2));                            //  cut short
    MT_CHECK (!mt_utf8_valid ("\xc0\xaf", 2));                            //  overlong '/'
    MT_CHECK (!mt_utf8_valid ("\xed\xa0\x80", 3));                        //  a surrogate
    MT_CHECK (!mt_utf8_valid ("\xff", 1));
}

int
main (void)
{
    MT_RUN (test_set_and_bounds);
    MT_RUN (test_layers);
    MT_RUN (test_errors_say_where);
    MT_RUN (test_utf8);
    return MT_TEST_MAIN_END ();
}
