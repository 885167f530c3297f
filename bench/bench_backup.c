//  bench/backup - `homeward backup` and `homeward restore` at scale: a data
//  folder of N cases with a real photo each (LFW JPEGs, each made unique),
//  a running `homeward serve` on it, then a full backup, M more cases with
//  photos through the API, an incremental backup, and a restore of the
//  latest snapshot into a new folder (the service stopped).
//
//  usage: bench-backup [--cases 100000] [--added 1000] [--dir DIR]
//                      [--photos FOLDER] [--json]
//
//  Prints each step's seconds and MB/s (database + photo bytes read from
//  the service per second), what each backup wrote to the folder, and one
//  JSON line with --json.

#include "bench_gallery.h"
#include "base/mt_clock.h"

#include "wire/mt_wire.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Run a command line; its stdout's last line parsed as JSON (NULL if not).
static json_t *
s_run_json (const char *command)
{
    FILE *pipe = popen (command, "r");
    char line [8192], last [8192] = "";
    while (pipe && fgets (line, sizeof line, pipe))
        snprintf (last, sizeof last, "%s", line);
    int status = pipe ? pclose (pipe) : -1;
    if (status != 0) {
        fprintf (stderr, "bench-backup: `%s` failed (%d)\n", command, status);
        return NULL;
    }
    json_error_t jerr;
    return json_loads (last, 0, &jerr);
}

static int
s_run (const char *command)
{
    int status = system (command);
    if (status != 0)
        fprintf (stderr, "bench-backup: `%s` failed (%d)\n", command, status);
    return status;
}

//  Bytes under a folder (du), for the backup folder's size.
static double
s_du_mb (const char *dir)
{
    char command [2200];
    snprintf (command, sizeof command, "du -sk '%s'", dir);
    FILE *pipe = popen (command, "r");
    long long kb = 0;
    if (pipe && fscanf (pipe, "%lld", &kb) != 1)
        kb = 0;
    if (pipe)
        pclose (pipe);
    return kb / 1024.0;
}

static json_t *
s_call (api_client_t *client, const char *method, json_t *params, const void *payload,
        size_t size)
{
    json_t *result = NULL;
    mt_err_t err;
    if (api_call (client, method, params, payload, size, 60000, &result, NULL, NULL, &err)
        != MT_OK)
        fprintf (stderr, "bench-backup: %s: %s\n", method, err.msg);
    json_decref (params);
    return result;
}

static double
s_num (json_t *json, const char *key)
{
    return json_number_value (json_object_get (json, key));
}

int
main (int argc, char **argv)
{
    size_t cases = 100000, added = 1000;
    int json = 0;
    char dir [1024] = "", photos [1024];
    snprintf (photos, sizeof photos, "%s", MT_BENCH_FACES);
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--cases") == 0 && i + 1 < argc)
            cases = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--added") == 0 && i + 1 < argc)
            added = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--photos") == 0 && i + 1 < argc)
            snprintf (photos, sizeof photos, "%s", argv [++i]);
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else {
            printf ("usage: bench-backup [--cases N] [--added M] [--dir DIR] "
                    "[--photos FOLDER] [--json]\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-backup-XXXXXX");
        if (!mkdtemp (dir))
            return 1;
    }
    char var [1100], log [1100], secret [1100], backups [1100], restored [1100];
    snprintf (var, sizeof var, "%s/var", dir);
    snprintf (log, sizeof log, "%s/serve.log", dir);
    snprintf (secret, sizeof secret, "%s/secret", dir);
    snprintf (backups, sizeof backups, "%s/backups", dir);
    snprintf (restored, sizeof restored, "%s/restored", dir);
    double t0 = mt_clock_s ();
    size_t photo_bytes = 0;
    if (bench_gallery_write (var, cases, 2, photos, &photo_bytes) != 0)
        return 1;
    fprintf (stderr, "bench-backup: %zu cases with %.1f MB of photos written in %.1f s\n", cases,
             photo_bytes / 1e6, mt_clock_s () - t0);

    api_client_t *client;
    pid_t serve = bench_serve_start (var, log, NULL, &client);
    if (serve < 0)
        return 1;
    char command [8000], homeward [1100];
    snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    snprintf (command, sizeof command, "'%s' backup --new-secret '%s' >/dev/null", homeward,
              secret);
    if (s_run (command) != 0)
        return 1;
    char backup [6000];
    snprintf (backup, sizeof backup, "'%s' backup '%s' --secret '%s' --api ipc://%s/api.sock "
              "--no-users --json", homeward, backups, secret, var);

    //  The full backup.
    t0 = mt_clock_s ();
    json_t *full = s_run_json (backup);
    double full_s = mt_clock_s () - t0;
    double full_mb = s_du_mb (backups);

    //  More cases, then the incremental backup.
    FILE *file = fopen (MT_BENCH_DATA_PHOTO, "rb");
    uint8_t jpeg [1 << 17];
    size_t jpeg_size = file ? fread (jpeg, 1, sizeof jpeg - 32, file) : 0;
    if (file)
        fclose (file);
    t0 = mt_clock_s ();
    for (size_t i = 0; i < added && jpeg_size; i++) {
        json_t *r = s_call (client, "case.add", json_pack ("{s:s, s:i, s:s, s:s, s:s}", "kind",
                            "missing", "province", 11, "date_last_seen", "2020-01-01",
                            "consent_basis", "family", "consent_by", "bench"), NULL, 0);
        int64_t id = (int64_t) json_integer_value (json_object_get (r, "case_id"));
        json_decref (r);
        int extra = snprintf ((char *) jpeg + jpeg_size, 32, "#added %zu", i);
        json_decref (s_call (client, "photo.add", json_pack ("{s:I}", "case_id",
                             (json_int_t) id), jpeg, jpeg_size + (size_t) extra));
    }
    //  Let the intake finish them, so that the backup is measured alone.
    for (;;) {
        json_t *stats = s_call (client, "stats", json_object (), NULL, 0);
        double pending = s_num (stats, "photos_pending");
        json_decref (stats);
        if (pending == 0 || mt_clock_s () - t0 > 1800)
            break;
        sleep (1);
    }
    t0 = mt_clock_s ();
    json_t *incremental = s_run_json (backup);
    double incremental_s = mt_clock_s () - t0;
    double total_mb = s_du_mb (backups);
    api_client_destroy (&client);
    bench_serve_stop (serve);

    //  The restore of the latest snapshot.
    snprintf (command, sizeof command, "'%s' restore '%s' --secret '%s' --var '%s' >/dev/null",
              homeward, backups, secret, restored);
    t0 = mt_clock_s ();
    int restore_rc = s_run (command);
    double restore_s = mt_clock_s () - t0;
    if (!full || !incremental || restore_rc != 0)
        return 1;

    double full_read = (s_num (full, "db_bytes") + photo_bytes) / 1e6;
    double incr_read = s_num (incremental, "db_bytes") / 1e6;
    printf ("# %zu cases, one photo each (%.1f MB of JPEG, %.1f kB a photo), database %.1f MB\n",
            cases, photo_bytes / 1e6, photo_bytes / 1e3 / (double) cases,
            s_num (full, "db_bytes") / 1e6);
    printf ("full backup: %.1f s, %.1f MB/s; %.0f photo files; backup folder %.1f MB\n",
            full_s, full_read / full_s, s_num (full, "photos_new"), full_mb);
    printf ("after %zu more cases with a photo each: incremental backup %.1f s, %.0f new photo "
            "files, %.1f MB written (%.1f MB of it the database), folder grew by %.1f MB\n",
            added, incremental_s, s_num (incremental, "photos_new"),
            (s_num (incremental, "bytes_new") + s_num (incremental, "db_bytes")) / 1e6, incr_read,
            total_mb - full_mb);
    printf ("restore of the latest snapshot into a new folder: %.1f s, %.1f MB/s\n", restore_s,
            (incr_read + photo_bytes / 1e6) / restore_s);
    if (json)
        printf ("{\"cases\":%zu,\"photo_mb\":%.1f,\"db_mb\":%.1f,\"full_s\":%.2f,"
                "\"full_mb_per_s\":%.2f,\"full_folder_mb\":%.1f,\"added\":%zu,"
                "\"incremental_s\":%.2f,\"incremental_photos\":%.0f,"
                "\"incremental_written_mb\":%.2f,\"restore_s\":%.2f}\n",
                cases, photo_bytes / 1e6, s_num (full, "db_bytes") / 1e6, full_s,
                full_read / full_s, full_mb, added, incremental_s,
                s_num (incremental, "photos_new"),
                (s_num (incremental, "bytes_new") + s_num (incremental, "db_bytes")) / 1e6,
                restore_s);
    json_decref (full);
    json_decref (incremental);
    mt_zmq_shutdown ();
    return 0;
}
