//  bench/import - a bulk import through the real service (issue 26, item
//  3): `homeward import` of a CSV of N cases with one photo each into
//  `homeward serve` on an empty data folder, killed part way and run again
//  (it must add only what is missing), until every photo is described and
//  every case matched. It tells the hours, photos/s, the service's peak
//  memory and the store's size, and checks that each case and photo is
//  there once.
//
//  usage: bench-import [--photos N] [--kill-at F] [--kill-serve-at F] [--dir DIR]
//                      [--serve ARG]... [--json] FOLDER
//
//  FOLDER holds the source photos (e.g. made by bench-make-photos from
//  ../shared/faces/lfw-scale: 640x480, one face each); photo i is source
//  i mod the sources' count with its number appended after the image's end
//  (distinct bytes, the same picture: a person photographed again). Cases
//  alternate found and missing. --kill-at F (default 0.5; 0: never) kills
//  the import with SIGKILL once F of the cases are in; --kill-serve-at F
//  (default 0.5; 0: never) kills the service itself once F of the photos
//  are described, and starts it again (the rest must be described and
//  matched, nothing lost). --serve passes an
//  argument to `homeward serve` (e.g. --serve --store --serve postgresql://...).

#include "bench_gallery.h"
#include "bench_service.h"
#include "mt_test.h"
#include "base/mt_dir.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_NAME "bench-import"

//  Bytes under a folder (files only).
static long long
s_bytes_under (const char *dir)
{
    char **names;
    size_t n = mt_dir_list (dir, &names);
    long long total = 0;
    for (size_t i = 0; i < n; i++) {
        char path [4096];
        struct stat st;
        snprintf (path, sizeof path, "%s/%s", dir, names [i]);
        if (stat (path, &st) == 0)
            total += S_ISDIR (st.st_mode) ? s_bytes_under (path) : (long long) st.st_size;
        free (names [i]);
    }
    free (names);
    return total;
}

//  One of the service's counts.
static long long
s_stat (api_client_t *client, const char *name)
{
    json_t *stats = bench_call (client, S_NAME, "stats", NULL, NULL, 0);
    long long v = stats ? (long long) json_integer_value (json_object_get (stats, name)) : -1;
    json_decref (stats);
    return v;
}

//  Photo i: the source's bytes and its number after the image's end.
static int
s_write_photo (const char *path, const char *source, size_t i)
{
    size_t size = 0;
    char *bytes = mt_test_read (source, &size);
    if (!bytes)
        return -1;
    char tail [32];
    int extra = snprintf (tail, sizeof tail, "#%zu", i);
    char *whole = realloc (bytes, size + (size_t) extra);
    if (!whole) {
        free (bytes);
        return -1;
    }
    memcpy (whole + size, tail, (size_t) extra);
    int rc = mt_test_write (path, whole, size + (size_t) extra);
    free (whole);
    return rc;
}

int
main (int argc, char **argv)
{
    size_t n = 10000;
    double kill_at = 0.5, kill_serve_at = 0.5;
    const char *folder = NULL;
    char dir [1024] = "";
    char *serve_extra [16] = { "--workers", "2" };
    int extra_count = 2, json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--photos") == 0 && i + 1 < argc)
            n = (size_t) strtoull (argv [++i], NULL, 10);
        else if (strcmp (argv [i], "--kill-at") == 0 && i + 1 < argc)
            kill_at = atof (argv [++i]);
        else if (strcmp (argv [i], "--kill-serve-at") == 0 && i + 1 < argc)
            kill_serve_at = atof (argv [++i]);
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--serve") == 0 && i + 1 < argc && extra_count < 14)
            serve_extra [extra_count++] = argv [++i];
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else if (argv [i][0] != '-' && !folder)
            folder = argv [i];
        else {
            printf ("usage: bench-import [--photos N] [--kill-at F] [--kill-serve-at F] "
                    "[--dir DIR] [--serve ARG]... [--json] FOLDER\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!folder || n == 0 || kill_at < 0 || kill_at >= 1 || kill_serve_at < 0
    ||  kill_serve_at >= 1) {
        fprintf (stderr, "%s: give a FOLDER of photos, --photos N > 0 and --kill-at and "
                 "--kill-serve-at in [0, 1)\n", S_NAME);
        return 2;
    }
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-import-XXXXXX");
        if (!mkdtemp (dir))
            return 1;
    }
    else
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "%s: cannot make %s: %s\n", S_NAME, dir, strerror (errno));
        return 1;
    }

    //  The photos and the CSV.
    char **sources;
    size_t source_count = mt_dir_list (folder, &sources);
    if (source_count == 0) {
        fprintf (stderr, "%s: no photos in %s\n", S_NAME, folder);
        return 1;
    }
    char photos [1100], csv [1100], var [1100], log [1100];
    snprintf (photos, sizeof photos, "%s/photos", dir);
    snprintf (csv, sizeof csv, "%s/import.csv", dir);
    snprintf (var, sizeof var, "%s/var", dir);
    snprintf (log, sizeof log, "%s/serve.log", dir);
    mkdir (photos, 0700);
    FILE *out = fopen (csv, "w");
    if (!out) {
        fprintf (stderr, "%s: cannot write %s\n", S_NAME, csv);
        return 1;
    }
    fprintf (out, "ref,kind,consent_basis,consent_by,photos\n");
    long long t_make = mt_test_now_ms ();
    for (size_t i = 0; i < n; i++) {
        char source [4096], path [1200];
        snprintf (source, sizeof source, "%s/%s", folder, sources [i % source_count]);
        snprintf (path, sizeof path, "%s/%07zu.jpg", photos, i);
        if (s_write_photo (path, source, i) != 0) {
            fprintf (stderr, "%s: cannot make %s from %s\n", S_NAME, path, source);
            return 1;
        }
        bool found = i % 2 == 0;
        fprintf (out, "bench-%07zu,%s,%s,%s,photos/%07zu.jpg\n", i,
                 found ? "found" : "missing", found ? "vital_interests" : "family",
                 found ? "" : "the family", i);
    }
    for (size_t i = 0; i < source_count; i++)
        free (sources [i]);
    free (sources);
    if (fclose (out) != 0)
        return 1;
    fprintf (stderr, "%s: %zu photos and the CSV made in %.0f s\n", S_NAME, n,
             (double) (mt_test_now_ms () - t_make) / 1e3);

    //  The service, on an empty data folder.
    serve_extra [extra_count] = NULL;
    api_client_t *client = NULL;
    pid_t serve = bench_serve_start (var, log, serve_extra, &client);
    if (serve < 0)
        return 1;
    char homeward [1100], api [1200], import_log [1200];
    snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    snprintf (api, sizeof api, "ipc://%s/api.sock", var);
    snprintf (import_log, sizeof import_log, "%s/import.log", dir);
    char *iargv [] = { homeward, "import", csv, "--api", api, "--actor", "bench",
                       "--timeout-ms", "600000", NULL };

    //  The import, killed part way, then run again to the end.
    long long t0 = mt_test_now_ms ();
    int killed_at = 0, status = -1;
    pid_t import = mt_test_spawn (iargv, import_log);
    if (import < 0)
        return 1;
    if (kill_at > 0)
        for (;;) {
            long long cases = s_stat (client, "cases_found_open")
                            + s_stat (client, "cases_missing_open");
            if (cases >= (long long) (kill_at * (double) n)) {
                mt_test_kill (import, SIGKILL);
                killed_at = (int) cases;
                fprintf (stderr, "%s: import killed with %d cases in (%.0f s)\n", S_NAME,
                         killed_at, (double) (mt_test_now_ms () - t0) / 1e3);
                import = mt_test_spawn (iargv, import_log);
                if (import < 0)
                    return 1;
                break;
            }
            if (waitpid (import, &status, WNOHANG) == import) {
                fprintf (stderr, "%s: the import ended before it could be killed\n", S_NAME);
                import = 0;
                break;
            }
            mt_test_sleep_ms (200);
        }
    if (import > 0)
        waitpid (import, &status, 0);
    double sent_s = (double) (mt_test_now_ms () - t0) / 1e3;
    bool import_ok = WIFEXITED (status) && WEXITSTATUS (status) == 0;
    //  The service killed part way through the photos, and started again.
    int serve_killed_at = 0;
    double peak = -1;
    while (kill_serve_at > 0) {
        long long done = s_stat (client, "photos_done") + s_stat (client, "photos_failed");
        if (done < (long long) (kill_serve_at * (double) n)) {
            mt_test_sleep_ms (200);
            continue;
        }
        peak = bench_process_mb (serve, "VmHWM");
        api_client_destroy (&client);
        mt_test_kill (serve, SIGKILL);
        serve_killed_at = (int) done;
        fprintf (stderr, "%s: the service killed with %d photos described (%.0f s)\n", S_NAME,
                 serve_killed_at, (double) (mt_test_now_ms () - t0) / 1e3);
        serve = bench_serve_start (var, log, serve_extra, &client);
        if (serve < 0)
            return 1;
        break;
    }
    bench_settle (client, S_NAME, "import", t0, n);
    double all_s = (double) (mt_test_now_ms () - t0) / 1e3;

    long long cases = s_stat (client, "cases_found_open") + s_stat (client, "cases_missing_open");
    long long done = s_stat (client, "photos_done"), failed = s_stat (client, "photos_failed");
    long long faces = s_stat (client, "faces");
    long long candidates = s_stat (client, "candidates_pending");
    double last_peak = bench_process_mb (serve, "VmHWM");
    peak = last_peak > peak ? last_peak : peak;
    api_client_destroy (&client);
    bench_serve_stop (serve);
    long long store = s_bytes_under (var);
    bool once = cases == (long long) n && done + failed == (long long) n;

    double rate = (double) n / all_s;
    if (json)
        printf ("{\"photos\": %zu, \"killed_at\": %d, \"serve_killed_at\": %d,"
                " \"import_exit_ok\": %s, \"sent_s\": %.1f,"
                " \"done_s\": %.1f, \"photos_per_s\": %.2f, \"hours_per_million\": %.2f,"
                " \"cases\": %lld, \"photos_done\": %lld, \"photos_failed\": %lld,"
                " \"faces\": %lld, \"candidates\": %lld, \"serve_peak_mb\": %.0f,"
                " \"store_mb\": %.0f, \"each_once\": %s}\n",
                n, killed_at, serve_killed_at, import_ok ? "true" : "false", sent_s, all_s, rate,
                1e6 / rate / 3600, cases, done, failed, faces, candidates, peak,
                (double) store / 1048576, once ? "true" : "false");
    else {
        printf ("%zu photos imported%s%s: sent in %.0f s, described and matched in %.0f s\n", n,
                killed_at ? " (the import killed once part way, run again)" : "",
                serve_killed_at ? " (the service killed once part way, started again)" : "",
                sent_s, all_s);
        printf ("%.1f photos/s (a million in %.1f h); cases %lld, photos done %lld, failed %lld,"
                " faces %lld, pending pairs %lld\n", rate, 1e6 / rate / 3600, cases, done,
                failed, faces, candidates);
        printf ("service peak memory %.0f MB; data folder %.0f MB; each case and photo once: "
                "%s; import's last run %s\n", peak, (double) store / 1048576,
                once ? "yes" : "NO", import_ok ? "ended well" : "FAILED");
    }
    return once && import_ok ? 0 : 1;
}
