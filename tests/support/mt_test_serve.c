//  mt_test_serve - `homeward serve` for system tests.

#include "mt_test_serve.h"

#include "mt_test.h"
#include "mt_test_store.h"

#include "wire/mt_wire.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"

mt_test_serve_t mt_serve = { .pid = -1 };
static int s_starts;                //  of homeward serve, on one log

//  A service that died fails the test at once, with its log, rather than
//  every later call waiting out its timeout.
static void
s_check_alive (void)
{
    int status;
    if (mt_serve.pid > 0 && waitpid (mt_serve.pid, &status, WNOHANG) == mt_serve.pid) {
        mt_serve.pid = -1;
        MT_CHECK (!"homeward serve is running");
        char *log = mt_test_read (mt_serve.log, NULL);
        fprintf (stderr, "homeward serve stopped (status %d); its log:\n%s\n", status,
                 log ? log : "(none)");
        free (log);
        exit (1);
    }
}

int
mt_serve_init (void)
{
    snprintf (mt_serve.var, sizeof mt_serve.var, "%s/var", mt_test_tmpdir ());
    snprintf (mt_serve.api, sizeof mt_serve.api, "ipc://%s/api.sock", mt_serve.var);
    snprintf (mt_serve.log, sizeof mt_serve.log, "%s/serve.log", mt_test_tmpdir ());
    char path [600];
    snprintf (path, sizeof path, "%s/homeward.db", mt_serve.var);
    mt_test_store_new (mt_serve.db, sizeof mt_serve.db, path);
    mt_err_t err;
    if (api_client_new (mt_serve.api, NULL, &mt_serve.client, &err) != MT_OK)
        return -1;
    api_client_set_actor (mt_serve.client, "test");
    return 0;
}

void
mt_serve_start (const char *extra, ...)
{
    //  Port 0: serve takes a free port itself and logs it (one found free
    //  here could be taken by a test beside this one before serve binds it).
    char *argv [32] = { S_HOMEWARD, "serve", "--var", mt_serve.var, "--api", mt_serve.api,
                        "--workers", "2", "--partitions", "2", "--http-port", "0" };
    int argc = 12;
    if (mt_test_store_is_pg ()) {
        argv [argc++] = "--db";
        argv [argc++] = mt_serve.db;
    }
    va_list args;
    va_start (args, extra);
    for (const char *arg = extra; arg && argc < 31; arg = va_arg (args, const char *))
        argv [argc++] = (char *) arg;
    va_end (args);
    argv [argc] = NULL;
    mt_serve.pid = mt_test_spawn (argv, mt_serve.log);
    s_starts++;
    //  Ready when it says so (every part started) and its API answers.
    long long until = mt_test_now_ms () + 60000;
    while (mt_test_now_ms () < until) {
        s_check_alive ();
        //  Its log (shared by restarts) says it once per start.
        char *log = mt_test_read (mt_serve.log, NULL);
        int said = 0;
        for (const char *at = log; at && (at = strstr (at, "Homeward is running")); at++)
            said++;
        bool ready = said >= s_starts;
        //  The port this start took: its gateway's line, the last one.
        const char *port = NULL;
        for (const char *at = log; at && (at = strstr (at, "web app and API on ")); at++)
            port = at;
        if (ready && port && (port = strstr (port, "://")) && (port = strchr (port + 3, ':')))
            mt_serve.http_port = atoi (port + 1);
        free (log);
        json_t *result = NULL;
        mt_err_t err;
        if (ready && api_call (mt_serve.client, "stats", NULL, NULL, 0, 500, &result, NULL, NULL,
                               &err) == MT_OK) {
            json_decref (result);
            return;
        }
        mt_test_sleep_ms (50);
    }
    MT_CHECK (!"homeward serve answers");
}

void
mt_serve_finish (void)
{
    if (mt_serve.pid > 0) {
        int status = mt_test_kill (mt_serve.pid, SIGTERM);
        MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
        mt_serve.pid = -1;
    }
    api_client_destroy (&mt_serve.client);
    if (mt_test_failures) {
        char *log = mt_test_read (mt_serve.log, NULL);
        fprintf (stderr, "---- serve log ----\n%s\n", log ? log : "(none)");
        free (log);
    }
    mt_zmq_shutdown ();
}

json_t *
mt_serve_call (const char *method, json_t *params, const void *payload, size_t size, int expect)
{
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (mt_serve.client, method, params, payload, size, 30000, &result, NULL,
                       NULL, &err);
    if (rc != expect) {
        fprintf (stderr, "%s: %s (%s)\n", method, mt_rc_name (rc), err.msg);
        s_check_alive ();
    }
    MT_CHECK_INT (rc, expect);
    json_decref (params);
    return result;
}

int64_t
mt_serve_case (const char *kind, const char *sex, int province, const char *extra_key,
               const char *extra_value)
{
    json_t *params = json_pack ("{s:s, s:s, s:i}", "kind", kind, "sex", sex, "province", province);
    if (strcmp (kind, "found") == 0) {
        json_object_set_new (params, "date_found", json_string ("2021-06-01"));
        json_object_set_new (params, "station", json_string ("Test relief station"));
        json_object_set_new (params, "consent_basis", json_string ("vital_interests"));
    }
    else {
        json_object_set_new (params, "date_last_seen", json_string ("2020-01-15"));
        json_object_set_new (params, "consent_basis", json_string ("family"));
        json_object_set_new (params, "consent_by", json_string ("the reporting family"));
    }
    if (extra_key)
        json_object_set_new (params, extra_key, json_string (extra_value));
    json_t *result = mt_serve_call ("case.add", params, NULL, 0, MT_OK);
    int64_t id = (int64_t) json_integer_value (json_object_get (result, "case_id"));
    json_decref (result);
    return id;
}

int64_t
mt_serve_photo_bytes (int64_t case_id, const void *bytes, size_t size)
{
    json_t *result = mt_serve_call ("photo.add", json_pack ("{s:I}", "case_id",
                                    (json_int_t) case_id), bytes, size, MT_OK);
    int64_t id = (int64_t) json_integer_value (json_object_get (result, "photo_id"));
    json_decref (result);
    return id;
}

int64_t
mt_serve_photo (int64_t case_id, const char *relative)
{
    size_t size;
    char *bytes = mt_test_read (mt_test_data (relative), &size);
    MT_CHECK (bytes != NULL);
    int64_t id = bytes ? mt_serve_photo_bytes (case_id, bytes, size) : 0;
    free (bytes);
    return id;
}

void
mt_serve_family_pairs (const char *const *people, size_t count, int64_t *families,
                       int64_t *found)
{
    for (size_t i = 0; i < count; i++) {
        char path [300];
        families [i] = mt_serve_case ("missing", "unknown", 11, "family_name", people [i]);
        snprintf (path, sizeof path, "lfw/%s/1.jpg", people [i]);
        mt_serve_photo (families [i], path);
        found [i] = mt_serve_case ("found", "unknown", 11, NULL, NULL);
        snprintf (path, sizeof path, "lfw/%s/2.jpg", people [i]);
        mt_serve_photo (found [i], path);
    }
}

//  How long a case may take to be matched: its photos described, searched,
//  weighed (the sanitizers make the face networks several times slower,
//  and the suite runs two tests at once on the two cores).
#ifdef MT_SANITIZED
#   define S_SETTLE_MS 360000
#else
#   define S_SETTLE_MS 120000
#endif

void
mt_serve_settle (int64_t case_id)
{
    long long until = mt_test_now_ms () + S_SETTLE_MS;
    while (mt_test_now_ms () < until) {
        json_t *c = mt_serve_call ("case.get", json_pack ("{s:I}", "case_id",
                                   (json_int_t) case_id), NULL, 0, MT_OK);
        bool matching = json_is_true (json_object_get (c, "matching"));
        json_decref (c);
        if (!matching)
            return;
        mt_test_sleep_ms (100);
    }
    MT_CHECK (!"the case was matched in time");
}

json_t *
mt_serve_candidates (int64_t case_id, int limit)
{
    return mt_serve_call ("candidates", json_pack ("{s:I, s:i}", "case_id",
                          (json_int_t) case_id, "limit", limit), NULL, 0, MT_OK);
}

int
mt_serve_rank_of (json_t *candidates, int64_t case_id, json_t **item_p)
{
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get (candidates, "candidates"), i, item)
        if (json_integer_value (json_object_get (item, "case_id")) == case_id) {
            if (item_p)
                *item_p = item;
            return (int) i + 1;
        }
    return 0;
}
