//  bench/cases - cases through the whole service: photo submitted to ranked
//  candidate families, with a synthetic gallery of N missing-person faces.
//
//  usage: bench-cases [--gallery 100000] [--cases 40] [--workers 2]
//                     [--partitions 2] [--dir DIR] [--json]
//
//  The gallery (N missing cases of one face each, random descriptors with
//  the norm of real ones) is written straight into the case database and
//  the shard stores, then `homeward serve` starts on them. Found cases with
//  a real photo each (LFW, tests/data/lfw) are then submitted: one at a time
//  for the latency from submission to ranked candidates (p50/p99), and all
//  at once for the throughput (cases/s).

#include "broker/broker_actor.h"
#include "common/api.h"
#include "match/mt_casedb.h"
#include "match/mt_store.h"
#include "match/mt_wire.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static double
s_gauss (void)
{
    s_rng ^= s_rng >> 12, s_rng ^= s_rng << 25, s_rng ^= s_rng >> 27;
    double u = ((s_rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0 + 1e-12;
    s_rng ^= s_rng >> 12, s_rng ^= s_rng << 25, s_rng ^= s_rng >> 27;
    double v = ((s_rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
    return sqrt (-2 * log (u)) * cos (6.283185307179586 * v);
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  Write the synthetic gallery into the database and the shard stores.
static int
s_prefill (const char *var, size_t n, int partitions)
{
    char db_path [1200], photos [1200];
    snprintf (db_path, sizeof db_path, "%s/homeward.db", var);
    snprintf (photos, sizeof photos, "%s/photos", var);
    mkdir (var, 0700);
    mkdir (photos, 0700);
    mt_casedb_t *casedb;
    mt_err_t err;
    if (mt_casedb_open (db_path, &casedb, &err) != MT_OK) {       //  creates the schema
        fprintf (stderr, "%s\n", err.msg);
        return 1;
    }
    mt_casedb_close (&casedb);
    sqlite3 *db;
    sqlite3_open (db_path, &db);
    sqlite3_exec (db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *c, *p, *f;
    sqlite3_prepare_v2 (db, "INSERT INTO cases (id, kind, sex, province, date_last_seen,"
                            " birth_year_min, birth_year_max, family_name, created_at,"
                            " updated_at) VALUES (?, 'missing', ?, ?, '2015-06-01', ?, ?, ?,"
                            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", -1, &c, NULL);
    sqlite3_prepare_v2 (db, "INSERT INTO photos (id, case_id, sha256, bytes, state,"
                            " created_at) VALUES (?, ?, ?, 0, 'done', '2026-01-01T00:00:00Z')",
                        -1, &p, NULL);
    sqlite3_prepare_v2 (db, "INSERT INTO faces (id, photo_id, case_id, size_px, sharpness,"
                            " verdict, embedding, enrolled, created_at) VALUES (?, ?, ?, 120,"
                            " 100, 'ok', ?, 1, '2026-01-01T00:00:00Z')", -1, &f, NULL);
    mt_store_t **stores = calloc ((size_t) partitions, sizeof *stores);
    for (int s = 0; s < partitions; s++) {
        char dir [1200];
        snprintf (dir, sizeof dir, "%s/shards", var);
        mkdir (dir, 0700);
        snprintf (dir, sizeof dir, "%s/shards/%d", var, s);
        mt_store_config_t config = { .dir = dir, .dim = MT_DIM, .sync = false };
        if (mt_store_open (&config, &stores [s], &err) != MT_OK) {
            fprintf (stderr, "%s\n", err.msg);
            return 1;
        }
    }
    //  Batches per partition, enrolled like the broker would.
    enum { BATCH = 5000 };
    mt_face_meta_t *meta = malloc ((size_t) partitions * BATCH * sizeof *meta);
    float *vectors = malloc ((size_t) partitions * BATCH * MT_DIM * sizeof *vectors);
    size_t *fill = calloc ((size_t) partitions, sizeof *fill);
    float v [MT_DIM];
    for (size_t i = 1; i <= n; i++) {
        double norm = 0;
        for (int d = 0; d < MT_DIM; d++) {
            v [d] = (float) s_gauss ();
            norm += v [d] * v [d];
        }
        for (int d = 0; d < MT_DIM; d++)
            v [d] = (float) (v [d] * 1.4 / sqrt (norm));       //  real descriptors' norm
        char sha [65];
        snprintf (sha, sizeof sha, "%064zx", i);
        char family [32];
        snprintf (family, sizeof family, "synthetic %zu", i);
        int year = 1940 + (int) (i % 70);
        sqlite3_bind_int64 (c, 1, (sqlite3_int64) i);
        sqlite3_bind_text (c, 2, i % 2 ? "male" : "female", -1, SQLITE_STATIC);
        sqlite3_bind_int (c, 3, 11 + (int) (i % 5));
        sqlite3_bind_int (c, 4, year);
        sqlite3_bind_int (c, 5, year);
        sqlite3_bind_text (c, 6, family, -1, SQLITE_TRANSIENT);
        sqlite3_step (c), sqlite3_reset (c);
        sqlite3_bind_int64 (p, 1, (sqlite3_int64) i);
        sqlite3_bind_int64 (p, 2, (sqlite3_int64) i);
        sqlite3_bind_text (p, 3, sha, -1, SQLITE_TRANSIENT);
        sqlite3_step (p), sqlite3_reset (p);
        sqlite3_bind_int64 (f, 1, (sqlite3_int64) i);
        sqlite3_bind_int64 (f, 2, (sqlite3_int64) i);
        sqlite3_bind_int64 (f, 3, (sqlite3_int64) i);
        sqlite3_bind_blob (f, 4, v, sizeof v, SQLITE_TRANSIENT);
        sqlite3_step (f), sqlite3_reset (f);
        int part = (int) broker_partition_of (i, (uint32_t) partitions);
        size_t at = (size_t) part * BATCH + fill [part]++;
        meta [at] = (mt_face_meta_t) { i, i, (uint32_t) (11 + i % 5) };
        memcpy (vectors + at * MT_DIM, v, sizeof v);
        for (int s = 0; s < partitions; s++)
            if (fill [s] == BATCH || (i == n && fill [s] > 0)) {
                mt_store_enroll (stores [s], 0, MT_NS_MISSING, fill [s],
                                 meta + (size_t) s * BATCH,
                                 vectors + (size_t) s * BATCH * MT_DIM, NULL, &err);
                fill [s] = 0;
            }
    }
    sqlite3_finalize (c), sqlite3_finalize (p), sqlite3_finalize (f);
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close (db);
    for (int s = 0; s < partitions; s++) {
        mt_store_snapshot (stores [s], &err);
        mt_store_close (&stores [s]);
    }
    free (stores), free (meta), free (vectors), free (fill);
    return 0;
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

int
main (int argc, char **argv)
{
    size_t gallery = 100000, cases = 40;
    int workers = 2, partitions = 2, json = 0;
    char dir [1024] = "";
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
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else {
            printf ("usage: bench-cases [--gallery N] [--cases M] [--workers W] "
                    "[--partitions P] [--dir DIR] [--json]\n");
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
    double t0 = s_now ();
    if (s_prefill (var, gallery, partitions) != 0)
        return 1;
    fprintf (stderr, "bench-cases: gallery of %zu faces written in %.1f s\n", gallery,
             s_now () - t0);

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

    char api [1200], log [1200], w [16], parts [16];
    snprintf (api, sizeof api, "ipc://%s/api.sock", var);
    snprintf (log, sizeof log, "%s/serve.log", dir);
    snprintf (w, sizeof w, "%d", workers);
    snprintf (parts, sizeof parts, "%d", partitions);
    char homeward [1100];
    snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    char *sargv [] = { homeward, "serve", "--var", var, "--api", api, "--workers", w,
                       "--partitions", parts, NULL };
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    pid_t serve;
    t0 = s_now ();
    posix_spawn (&serve, homeward, &actions, NULL, sargv, environ);
    api_client_t *client;
    mt_err_t err;
    api_client_new (api, NULL, &client, &err);
    json_t *r = NULL;
    while (api_call (client, "stats", NULL, NULL, 0, 1000, &r, NULL, NULL, &err) != MT_OK
           && s_now () - t0 < 300)
        ;
    json_decref (r);
    //  One case first: the intake workers load their models after the API is up.
    char warm [1300];
    snprintf (warm, sizeof warm, "%s/%s/2.jpg", lfw, people [0]);
    int64_t first = s_submit (client, warm);
    while (!s_matched (client, first))
        ;
    double startup = s_now () - t0;

    //  One at a time: latency from submission to ranked candidates.
    double *lat = malloc (cases * sizeof *lat);
    for (size_t i = 0; i < cases; i++) {
        char photo [1300];
        snprintf (photo, sizeof photo, "%s/%s/1.jpg", lfw, people [i % npeople]);
        double a = s_now ();
        int64_t id = s_submit (client, photo);
        while (!s_matched (client, id))
            ;
        lat [i] = (s_now () - a) * 1e3;
    }
    qsort (lat, cases, sizeof *lat, s_cmp);
    double p50 = lat [cases / 2], p99 = lat [(size_t) (0.99 * (cases - 1) + 0.5)];

    //  All at once: throughput.
    int64_t *ids = malloc (cases * sizeof *ids);
    t0 = s_now ();
    for (size_t i = 0; i < cases; i++) {
        char photo [1300];
        snprintf (photo, sizeof photo, "%s/%s/1.jpg", lfw, people [(i + 7) % npeople]);
        ids [i] = s_submit (client, photo);
    }
    for (size_t i = 0; i < cases; i++)
        while (!s_matched (client, ids [i]))
            ;
    double rate = cases / (s_now () - t0);
    printf ("# gallery %zu faces, %d partitions, %d workers; %zu found cases, one LFW photo each\n",
            gallery, partitions, workers, cases);
    printf ("service start, gallery loaded and a first case through: %.1f s\n", startup);
    printf ("one at a time: submission to ranked candidates p50 %.0f ms, p99 %.0f ms\n", p50, p99);
    printf ("all at once: %.2f cases/s\n", rate);
    if (json)
        printf ("{\"gallery\":%zu,\"cases\":%zu,\"p50_ms\":%.1f,\"p99_ms\":%.1f,"
                "\"cases_per_s\":%.3f,\"startup_s\":%.1f}\n", gallery, cases, p50, p99, rate,
                startup);
    api_client_destroy (&client);
    kill (serve, SIGTERM);
    waitpid (serve, NULL, 0);
    free (lat), free (ids);
    for (size_t i = 0; i < npeople; i++)
        free (people [i]);
    mt_zmq_shutdown ();
    return 0;
}
