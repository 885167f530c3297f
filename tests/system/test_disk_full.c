//  A full disk, survived: `homeward serve` with its data folder on a small
//  tmpfs (and shard 0's folder on one of its own), filled by a file.
//    - Shard 0's disk full: its writes fail; once space is back the
//      partition takes writes again without a restart (no "missed writes"
//      loop), every face is enrolled and the families are found.
//    - The data disk full with photos waiting: the intake backs off (a few
//      warnings, not one every few ms), stats and health say "disk_full",
//      new photos get no_space; once space is back everything waiting is
//      processed, health says ok, new photos are taken and matched.
//    - Below the reserve (--disk-reserve-mb): new photos are refused with
//      no_space before the disk is full, health says "disk_low" (200),
//      cases and reviews still work.
//  Needs root (it mounts tmpfs); skipped (77) otherwise.

#include "mt_test.h"
#include "mt_test_store.h"
#include "mt_test_http.h"
#include "mt_test_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define S_RESERVE_MB 16

static const char *const *s_people;
static char s_shard0 [700];

//  Write zeros into path until the disk is full, or until only leave
//  bytes are free (leave 0: full).
static void
s_fill (const char *dir, const char *name, long long leave)
{
    char path [800];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    int fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    MT_CHECK (fd >= 0);
    static char zeros [1 << 16];
    for (;;) {
        struct statvfs st;
        statvfs (dir, &st);
        long long free_bytes = (long long) st.f_bavail * (long long) st.f_frsize;
        if (leave > 0 && free_bytes <= leave)
            break;
        size_t chunk = sizeof zeros;
        if (leave > 0 && free_bytes - leave < (long long) chunk)
            chunk = (size_t) (free_bytes - leave);
        if (write (fd, zeros, chunk) <= 0) {
            MT_CHECK (errno == ENOSPC);
            break;
        }
    }
    close (fd);
}

static void
s_unfill (const char *dir, const char *name)
{
    char path [800];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    MT_CHECK (unlink (path) == 0);
}

static json_t *
s_stats (void)
{
    return mt_serve_call ("stats", json_object (), NULL, 0, MT_OK);
}

static long long
s_stat (const char *key)
{
    json_t *stats = s_stats ();
    long long value = (long long) json_integer_value (json_object_get (stats, key));
    json_decref (stats);
    return value;
}

//  Wait until stats' key has the value; whether it did within ms.
static bool
s_wait_stat (const char *key, long long value, long long ms)
{
    long long until = mt_test_now_ms () + ms;
    while (mt_test_now_ms () < until) {
        if (s_stat (key) == value)
            return true;
        mt_test_sleep_ms (200);
    }
    fprintf (stderr, "%s is %lld, expected %lld\n", key, s_stat (key), value);
    return false;
}

//  The web app's health status, waiting (the gateway refreshes its view of
//  the service every 5 s) until it is want; the last status seen.
static int
s_health (const char *want, char *status, size_t size)
{
    int code = 0;
    long long until = mt_test_now_ms () + 15000;
    while (mt_test_now_ms () < until) {
        json_t *health = NULL;
        code = mt_test_http_json (mt_serve.http_port, "GET", "/api/v1/health", NULL, NULL, 5000,
                                  &health);
        const char *s = json_string_value (json_object_get (health, "status"));
        snprintf (status, size, "%s", s ? s : "");
        json_decref (health);
        if (strcmp (status, want) == 0)
            break;
        mt_test_sleep_ms (250);
    }
    return code;
}

static int
s_photo_refused (int64_t case_id, const char *relative)
{
    size_t size;
    char *bytes = mt_test_read (mt_test_data (relative), &size);
    json_t *result = NULL, *params = json_pack ("{s:I}", "case_id", (json_int_t) case_id);
    mt_err_t err;
    int rc = api_call (mt_serve.client, "photo.add", params, bytes, size, 30000, &result, NULL,
                       NULL, &err);
    json_decref (params);
    json_decref (result);
    free (bytes);
    if (rc != MT_OK)
        fprintf (stderr, "photo.add refused: %s\n", err.msg);
    return rc;
}

static void
test_shard_disk_full (void)
{
    s_fill (s_shard0, "filler", 0);
    int64_t families [8], found [8];
    mt_serve_family_pairs (s_people, 8, families, found);
    MT_CHECK (s_wait_stat ("photos_pending", 0, 60000));
    mt_test_sleep_ms (2000);
    long long unenrolled = s_stat ("faces_not_enrolled");
    fprintf (stderr, "shard 0's disk full: %lld faces not enrolled\n", unenrolled);
    MT_CHECK (unenrolled > 0);          //  the fault did hit
    s_unfill (s_shard0, "filler");
    //  Healed without a restart: every face in the index, families found.
    long long a = mt_test_now_ms ();
    MT_CHECK (s_wait_stat ("faces_not_enrolled", 0, 60000));
    MT_CHECK (s_wait_stat ("match_queue", 0, 60000));
    fprintf (stderr, "space back: every face enrolled after %lld ms\n", mt_test_now_ms () - a);
    int first = 0;
    for (int i = 0; i < 8; i++) {
        json_t *c = mt_serve_candidates (found [i], 10);
        first += mt_serve_rank_of (c, families [i], NULL) == 1;
        json_decref (c);
    }
    MT_CHECK (first >= 7);
}

static void
test_data_disk_full (void)
{
    //  Photos waiting for the intake when the disk fills up.
    int64_t cases [20];
    for (int i = 0; i < 20; i++) {
        char path [300];
        cases [i] = mt_serve_case ("missing", "unknown", 12, "family_name", "Waiting");
        snprintf (path, sizeof path, "lfw/%s/%d.jpg", s_people [10 + i / 2], 1 + i % 2);
        mt_serve_photo (cases [i], path);
    }
    size_t log_before = 0;
    free (mt_test_read (mt_serve.log, &log_before));
    s_fill (mt_serve.var, "filler", 0);
    long long pending = s_stat ("photos_pending");
    fprintf (stderr, "the data disk full with %lld photos waiting\n", pending);
    MT_CHECK (pending > 0);
    mt_test_sleep_ms (12000);
    //  Backed off: a few warnings, not one every few milliseconds.
    size_t size;
    char *log = mt_test_read (mt_serve.log, &size);
    int warnings = 0;
    for (const char *at = log ? log + log_before : NULL; at && (at = strstr (at, "job.done for "));
         at++)
        warnings++;
    free (log);
    fprintf (stderr, "intake warnings in 12 s while full: %d\n", warnings);
    MT_CHECK (warnings <= 4);
    MT_CHECK_INT (s_stat ("disk_full"), 1);
    char status [64];
    MT_CHECK_INT (s_health ("disk_full", status, sizeof status), 503);
    MT_CHECK (strcmp (status, "disk_full") == 0);
    MT_CHECK_INT (s_photo_refused (cases [0], "lfw/Bill_Gates/4.jpg"), MT_ENOSPACE);

    //  Space back: everything waiting is processed, without a restart.
    s_unfill (mt_serve.var, "filler");
    long long a = mt_test_now_ms ();
    MT_CHECK (s_wait_stat ("photos_pending", 0, 60000));
    fprintf (stderr, "space back: the photos waiting processed after %lld ms\n",
             mt_test_now_ms () - a);
    MT_CHECK_INT (s_stat ("disk_low"), 0);
    MT_CHECK_INT (s_health ("ok", status, sizeof status), 200);
    char path [300];
    int64_t family = mt_serve_case ("missing", "unknown", 11, "family_name", "After");
    snprintf (path, sizeof path, "lfw/%s/1.jpg", s_people [30]);
    mt_serve_photo (family, path);
    int64_t person = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    snprintf (path, sizeof path, "lfw/%s/2.jpg", s_people [30]);
    mt_serve_photo (person, path);
    mt_serve_settle (family);
    mt_serve_settle (person);
    json_t *c = mt_serve_candidates (person, 10);
    MT_CHECK_INT (mt_serve_rank_of (c, family, NULL), 1);
    json_decref (c);
}

static void
test_below_reserve (void)
{
    s_fill (mt_serve.var, "filler", (S_RESERVE_MB / 2) * 1024LL * 1024);
    int64_t id = mt_serve_case ("missing", "unknown", 11, "family_name", "Reserve");
    MT_CHECK (id > 0);                  //  cases still fit
    MT_CHECK_INT (s_photo_refused (id, "lfw/Bill_Gates/5.jpg"), MT_ENOSPACE);
    //  Through the web app: 507, with the reason.
    char file [700];
    snprintf (file, sizeof file, "%s/admin-password.txt", mt_serve.var);
    char *password = mt_test_read (file, NULL);
    if (password)
        password [strcspn (password, "\n")] = '\0';
    json_t *signin = json_pack ("{s:s, s:s, s:b}", "name", "admin", "password",
                                password ? password : "", "bearer", 1), *session = NULL;
    MT_CHECK_INT (mt_test_http_json (mt_serve.http_port, "POST", "/api/v1/session", NULL, signin,
                                     10000, &session), 200);
    json_decref (signin);
    free (password);
    char url [64];
    snprintf (url, sizeof url, "/api/v1/cases/%lld/photos", (long long) id);
    json_t *refused = NULL;
    MT_CHECK_INT (mt_test_http_upload (mt_serve.http_port, url, json_string_value (
                      json_object_get (session, "token")), mt_test_data ("lfw/Bill_Gates/5.jpg"),
                      10000, &refused), 507);
    MT_CHECK_CONTAINS (json_string_value (json_object_get (json_object_get (refused, "error"),
                                                           "message")), "refused");
    json_decref (refused);
    json_decref (session);
    char status [64];
    MT_CHECK_INT (s_health ("disk_low", status, sizeof status), 200);
    MT_CHECK (strcmp (status, "disk_low") == 0);
    s_unfill (mt_serve.var, "filler");
    MT_CHECK (mt_serve_photo (id, "lfw/Bill_Gates/5.jpg") > 0);
}

int
main (void)
{
    size_t people = mt_test_lfw_people (&s_people);
    if (people < 30 || mt_serve_init () != 0)
        return 1;
    if (mt_test_store_is_pg ()) {
        fprintf (stderr, "skipped: the case store is on the PostgreSQL server's disk, not in the "
                         "data folder this test fills (its full disk is told by the server's "
                         "disk_full errors, mapped to the same 507 and health state)\n");
        return 77;
    }
    mkdir (mt_serve.var, 0700);
    if (mount ("tmpfs", mt_serve.var, "tmpfs", 0, "size=48m,mode=0700") != 0) {
        fprintf (stderr, "skipped: mounting a tmpfs needs root (%s)\n", strerror (errno));
        return 77;
    }
    char shards [700];
    snprintf (shards, sizeof shards, "%s/shards", mt_serve.var);
    snprintf (s_shard0, sizeof s_shard0, "%s/shards/0", mt_serve.var);
    mkdir (shards, 0700);
    mkdir (s_shard0, 0700);
    MT_CHECK (mount ("tmpfs", s_shard0, "tmpfs", 0, "size=4m,mode=0700") == 0);
    char reserve [16];
    snprintf (reserve, sizeof reserve, "%d", S_RESERVE_MB);
    mt_serve_start ("--workers", "1", "--disk-reserve-mb", reserve, NULL);
    MT_RUN (test_shard_disk_full);
    MT_RUN (test_data_disk_full);
    MT_RUN (test_below_reserve);
    mt_serve_finish ();
    umount (s_shard0);
    umount (mt_serve.var);
    return MT_TEST_MAIN_END ();
}
