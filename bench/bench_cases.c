//  bench/cases - cases through the whole service: photo submitted to ranked
//  candidate families, with a synthetic gallery of N missing-person faces.
//
//  usage: bench-cases [--gallery 100000] [--cases 40] [--workers 2]
//                     [--partitions 2] [--dir DIR] [--db STORE] [--json]
//
//  The gallery (N missing cases of one face each, random descriptors with
//  the norm of real ones) is written straight into the case database and
//  the shard stores, then `homeward serve` starts on them. Found cases with
//  a real photo each (LFW, tests/data/lfw) are then submitted: one at a time
//  for the latency from submission to ranked candidates (p50/p99), and all
//  at once for the throughput (cases/s). With --db (a postgresql:// URI of
//  an empty database) the gallery is moved there as homeward migrate-store
//  does, and the service keeps its cases on PostgreSQL.

#include "bench_gallery.h"
#include "base/mt_clock.h"

#include "common/api.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_wire.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static json_t *
s_call (api_client_t *client, const char *method, json_t *params, const void *payload,
        size_t size)
{
    json_t *result = NULL;
    mt_err_t err;
    if (api_call (client, method, params, payload, size, 60000, &result, NULL, NULL, &err) != MT_OK)
        fprintf (stderr, "bench-cases: %s: %s\n", method, err.msg);
    json_decref (params);
    return result;
}

//  Submit a found case with one photo; returns its id.
static int64_t
s_submit (api_client_t *client, const char *photo)
{
    json_t *r = s_call (client, "case.add", json_pack ("{s:s, s:i, s:s, s:s, s:s}", "kind", "found",
                        "province", 11, "date_found", "2021-06-01", "age", "40-70",
                        "consent_basis", "vital_interests"), NULL, 0);
    int64_t id = (int64_t) json_integer_value (json_object_get (r, "case_id"));
    json_decref (r);
    FILE *file = fopen (photo, "rb");
    char buf [1 << 16];
    size_t size = file ? fread (buf, 1, sizeof buf, file) : 0;
    if (file)
        fclose (file);
    json_decref (s_call (client, "photo.add", json_pack ("{s:I}", "case_id", (json_int_t) id),
                         buf, size));
    return id;
}

static bool
s_matched (api_client_t *client, int64_t id)
{
    struct timespec pause = { 0, 5 * 1000000 };
    nanosleep (&pause, NULL);
    json_t *c = s_call (client, "case.get", json_pack ("{s:I}", "case_id", (json_int_t) id),
                        NULL, 0);
    bool done = c && !json_is_true (json_object_get (c, "matching"));
    json_decref (c);
    return done;
}

//  The gallery written into var's SQLite file, moved into store.
static int
s_move_store (const char *var, const char *store)
{
    char path [1200];
    snprintf (path, sizeof path, "%s/homeward.db", var);
    double t0 = mt_clock_s ();
    mt_casedb_t *from = NULL, *to = NULL;
    mt_err_t err;
    int rc = mt_casedb_open (path, &from, &err);
    if (rc == MT_OK)
        rc = mt_casedb_open (store, &to, &err);
    if (rc == MT_OK)
        rc = mt_casedb_copy (from, to, NULL, NULL, &err);
    mt_casedb_close (&to);
    mt_casedb_close (&from);
    if (rc != MT_OK) {
        fprintf (stderr, "bench-cases: %s\n", err.msg);
        return 1;
    }
    fprintf (stderr, "bench-cases: gallery moved into PostgreSQL in %.1f s\n", mt_clock_s () - t0);
    return 0;
}

int
main (int argc, char **argv)
{
    size_t gallery = 100000, cases = 40;
    int workers = 2, partitions = 2, json = 0;
    char dir [1024] = "", store [1024] = "";
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--gallery") == 0 && i + 1 < argc)
            gallery = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--cases") == 0 && i + 1 < argc)
            cases = (size_t) atoi (argv [++i]);
        else if (strcmp (argv [i], "--workers") == 0 && i + 1 < argc)
            workers = atoi (argv [++i]);
        else if (strcmp (argv [i], "--partitions") == 0 && i + 1 < argc)
            partitions = atoi (argv [++i]);
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--db") == 0 && i + 1 < argc)
            snprintf (store, sizeof store, "%s", argv [++i]);
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else {
            printf ("usage: bench-cases [--gallery N] [--cases M] [--workers W] "
                    "[--partitions P] [--dir DIR] [--db STORE] [--json]\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-cases-XXXXXX");
        if (!mkdtemp (dir))
            return 1;
    }
    char var [1100];
    snprintf (var, sizeof var, "%s/var", dir);
    double t0 = mt_clock_s ();
    if (bench_gallery_write (var, gallery, partitions, NULL, NULL) != 0)
        return 1;
    fprintf (stderr, "bench-cases: gallery of %zu faces written in %.1f s\n", gallery,
             mt_clock_s () - t0);
    if (store [0] && s_move_store (var, store) != 0)
        return 1;

    //  The photos: photo 2 of each LFW person (50 people), in turn.
    char lfw [1100];
    snprintf (lfw, sizeof lfw, "%s/lfw", MT_BENCH_DATA);
    DIR *d = opendir (lfw);
    char *people [64];
    size_t npeople = 0;
    struct dirent *e;
    while (d && (e = readdir (d)) != NULL && npeople < 64)
        if (e->d_name [0] != '.')
            people [npeople++] = strdup (e->d_name);
    if (d)
        closedir (d);

    char log [1200], w [16], parts [16];
    snprintf (log, sizeof log, "%s/serve.log", dir);
    snprintf (w, sizeof w, "%d", workers);
    snprintf (parts, sizeof parts, "%d", partitions);
    char *extra [] = { "--workers", w, "--partitions", parts, store [0] ? "--db" : NULL, store,
                       NULL };
    t0 = mt_clock_s ();
    api_client_t *client;
    pid_t serve = bench_serve_start (var, log, extra, &client);
    if (serve < 0)
        return 1;
    //  One case first: the intake workers load their models after the API is up.
    char warm [1300];
    snprintf (warm, sizeof warm, "%s/%s/2.jpg", lfw, people [0]);
    int64_t first = s_submit (client, warm);
    while (!s_matched (client, first))
        ;
    double startup = mt_clock_s () - t0;

    //  One at a time: latency from submission to ranked candidates.
    double *lat = malloc (cases * sizeof *lat);
    for (size_t i = 0; i < cases; i++) {
        char photo [1300];
        snprintf (photo, sizeof photo, "%s/%s/1.jpg", lfw, people [i % npeople]);
        double a = mt_clock_s ();
        int64_t id = s_submit (client, photo);
        while (!s_matched (client, id))
            ;
        lat [i] = (mt_clock_s () - a) * 1e3;
    }
    qsort (lat, cases, sizeof *lat, s_cmp);
    double p50 = lat [cases / 2], p99 = lat [(size_t) (0.99 * (cases - 1) + 0.5)];

    //  All at once: throughput.
    int64_t *ids = malloc (cases * sizeof *ids);
    t0 = mt_clock_s ();
    for (size_t i = 0; i < cases; i++) {
        char photo [1300];
        snprintf (photo, sizeof photo, "%s/%s/1.jpg", lfw, people [(i + 7) % npeople]);
        ids [i] = s_submit (client, photo);
    }
    for (size_t i = 0; i < cases; i++)
        while (!s_matched (client, ids [i]))
            ;
    double rate = cases / (mt_clock_s () - t0);
    printf ("# gallery %zu faces, %d partitions, %d workers; %zu found cases, one LFW photo each;"
            " cases on %s\n", gallery, partitions, workers, cases,
            store [0] ? "PostgreSQL" : "SQLite");
    printf ("service start, gallery loaded and a first case through: %.1f s\n", startup);
    printf ("one at a time: submission to ranked candidates p50 %.0f ms, p99 %.0f ms\n", p50, p99);
    printf ("all at once: %.2f cases/s\n", rate);
    if (json)
        printf ("{\"gallery\":%zu,\"cases\":%zu,\"store\":\"%s\",\"p50_ms\":%.1f,"
                "\"p99_ms\":%.1f,\"cases_per_s\":%.3f,\"startup_s\":%.1f}\n", gallery, cases,
                store [0] ? "postgresql" : "sqlite", p50, p99, rate, startup);
    api_client_destroy (&client);
    bench_serve_stop (serve);
    free (lat), free (ids);
    for (size_t i = 0; i < npeople; i++)
        free (people [i]);
    mt_zmq_shutdown ();
    return 0;
}
