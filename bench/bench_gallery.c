//  bench_gallery - what the service benchmarks share (see bench_gallery.h).

#include "bench_gallery.h"
#include "base/mt_clock.h"

#include "index/mt_partition.h"
#include "results/store/mt_casedb.h"
#include "index/mt_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
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

//  The JPEG files under dir (recursively), read into memory.
typedef struct {
    uint8_t **bytes;
    size_t *sizes;
    size_t count, alloc;
} s_pool_t;

static void
s_pool_add (s_pool_t *pool, const char *dir)
{
    DIR *d = opendir (dir);
    struct dirent *e;
    while (d && (e = readdir (d)) != NULL) {
        if (e->d_name [0] == '.')
            continue;
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat (path, &st) != 0)
            continue;
        if (S_ISDIR (st.st_mode)) {
            s_pool_add (pool, path);
            continue;
        }
        size_t len = strlen (e->d_name);
        if (len < 4 || strcmp (e->d_name + len - 4, ".jpg") != 0)
            continue;
        FILE *file = fopen (path, "rb");
        uint8_t *bytes = malloc ((size_t) st.st_size + 32);
        if (pool->count == pool->alloc) {
            pool->alloc = pool->alloc ? 2 * pool->alloc : 1024;
            pool->bytes = realloc (pool->bytes, pool->alloc * sizeof *pool->bytes);
            pool->sizes = realloc (pool->sizes, pool->alloc * sizeof *pool->sizes);
        }
        if (file && bytes && fread (bytes, 1, (size_t) st.st_size, file) == (size_t) st.st_size) {
            pool->bytes [pool->count] = bytes;
            pool->sizes [pool->count++] = (size_t) st.st_size;
        }
        else
            free (bytes);
        if (file)
            fclose (file);
    }
    if (d)
        closedir (d);
}

//  Store photo i (a pool file with i appended) in var/photos; its sha256.
static int
s_photo (const char *var, const s_pool_t *pool, size_t i, char *sha, size_t *size_p)
{
    size_t k = i % pool->count, size = pool->sizes [k];
    uint8_t *bytes = pool->bytes [k];
    size += (size_t) snprintf ((char *) bytes + size, 32, "#%zu", i);
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, bytes, size);
    sodium_bin2hex (sha, 65, hash, sizeof hash);
    char path [4096];
    snprintf (path, sizeof path, "%s/photos/%.2s", var, sha);
    mkdir (path, 0700);
    snprintf (path, sizeof path, "%s/photos/%.2s/%s", var, sha, sha);
    FILE *file = fopen (path, "wb");
    int rc = file && fwrite (bytes, 1, size, file) == size ? 0 : -1;
    if (file && fclose (file) != 0)
        rc = -1;
    *size_p = size;
    return rc;
}

//  Cases, photos, faces and the shard stores; each face faces' row, or
//  (faces NULL) random with real descriptors' norm.
static int
s_write (const char *var, size_t n, size_t found, int partitions, const char *photos_from,
         size_t *photo_bytes_p, const float *faces)
{
    s_pool_t pool = { 0 };
    if (photos_from) {
        s_pool_add (&pool, photos_from);
        if (pool.count == 0) {
            fprintf (stderr, "no .jpg files under %s\n", photos_from);
            return 1;
        }
    }
    size_t photo_bytes = 0;
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
    sqlite3_stmt *c, *cf, *p, *f;
    sqlite3_prepare_v2 (db, "INSERT INTO cases (id, kind, sex, province, date_last_seen,"
                            " birth_year_min, birth_year_max, family_name, created_at,"
                            " updated_at) VALUES (?, 'missing', ?, ?, '2015-06-01', ?, ?, ?,"
                            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", -1, &c, NULL);
    sqlite3_prepare_v2 (db, "INSERT INTO cases (id, kind, sex, province, date_found,"
                            " age_min, age_max, created_at, updated_at) VALUES (?, 'found', ?,"
                            " ?, '2025-06-01', ?, ?, '2026-01-01T00:00:00Z',"
                            " '2026-01-01T00:00:00Z')", -1, &cf, NULL);
    sqlite3_prepare_v2 (db, "INSERT INTO photos (id, case_id, sha256, bytes, state,"
                            " created_at) VALUES (?, ?, ?, ?, 'done', '2026-01-01T00:00:00Z')",
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
    for (size_t i = 1; i <= n + found; i++) {
        bool is_found = i > n;
        double norm = 0;
        for (int d = 0; d < MT_DIM; d++) {
            v [d] = faces ? faces [(i - 1) * MT_DIM + (size_t) d] : (float) s_gauss ();
            norm += v [d] * v [d];
        }
        for (int d = 0; d < MT_DIM && !faces; d++)
            v [d] = (float) (v [d] * 1.4 / sqrt (norm));       //  real descriptors' norm
        char sha [65];
        size_t bytes = 0;
        snprintf (sha, sizeof sha, "%064zx", i);
        if (pool.count && s_photo (var, &pool, i, sha, &bytes) != 0) {
            fprintf (stderr, "cannot write photo %zu into %s/photos\n", i, var);
            return 1;
        }
        photo_bytes += bytes;
        char family [32];
        snprintf (family, sizeof family, "synthetic %zu", i);
        int year = 1940 + (int) (i % 70);
        if (is_found) {
            sqlite3_bind_int64 (cf, 1, (sqlite3_int64) i);
            sqlite3_bind_text (cf, 2, i % 2 ? "male" : "female", -1, SQLITE_STATIC);
            sqlite3_bind_int (cf, 3, 11 + (int) (i % 5));
            sqlite3_bind_int (cf, 4, 2025 - year - 2);
            sqlite3_bind_int (cf, 5, 2025 - year + 2);
            sqlite3_step (cf), sqlite3_reset (cf);
        }
        else {
            sqlite3_bind_int64 (c, 1, (sqlite3_int64) i);
            sqlite3_bind_text (c, 2, i % 2 ? "male" : "female", -1, SQLITE_STATIC);
            sqlite3_bind_int (c, 3, 11 + (int) (i % 5));
            sqlite3_bind_int (c, 4, year);
            sqlite3_bind_int (c, 5, year);
            sqlite3_bind_text (c, 6, family, -1, SQLITE_TRANSIENT);
            sqlite3_step (c), sqlite3_reset (c);
        }
        sqlite3_bind_int64 (p, 1, (sqlite3_int64) i);
        sqlite3_bind_int64 (p, 2, (sqlite3_int64) i);
        sqlite3_bind_text (p, 3, sha, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (p, 4, (sqlite3_int64) bytes);
        sqlite3_step (p), sqlite3_reset (p);
        sqlite3_bind_int64 (f, 1, (sqlite3_int64) i);
        sqlite3_bind_int64 (f, 2, (sqlite3_int64) i);
        sqlite3_bind_int64 (f, 3, (sqlite3_int64) i);
        sqlite3_bind_blob (f, 4, v, sizeof v, SQLITE_TRANSIENT);
        sqlite3_step (f), sqlite3_reset (f);
        int part = (int) mt_partition_of (i, (uint32_t) partitions);
        size_t at = (size_t) part * BATCH + fill [part]++;
        meta [at] = (mt_face_meta_t) { i, i, (uint32_t) (11 + i % 5) };
        memcpy (vectors + at * MT_DIM, v, sizeof v);
        //  A batch holds one side's faces: flushed where the sides meet.
        for (int s = 0; s < partitions; s++)
            if (fill [s] == BATCH || ((i == n || i == n + found) && fill [s] > 0)) {
                mt_store_enroll (stores [s], 0, is_found ? MT_NS_FOUND : MT_NS_MISSING, fill [s],
                                 meta + (size_t) s * BATCH,
                                 vectors + (size_t) s * BATCH * MT_DIM, NULL, &err);
                fill [s] = 0;
            }
    }
    sqlite3_finalize (c), sqlite3_finalize (cf), sqlite3_finalize (p), sqlite3_finalize (f);
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close (db);
    for (int s = 0; s < partitions; s++) {
        mt_store_snapshot (stores [s], &err);
        mt_store_close (&stores [s]);
    }
    free (stores), free (meta), free (vectors), free (fill);
    for (size_t i = 0; i < pool.count; i++)
        free (pool.bytes [i]);
    free (pool.bytes), free (pool.sizes);
    if (photo_bytes_p)
        *photo_bytes_p = photo_bytes;
    return 0;
}

int
bench_gallery_write (const char *var, size_t n, int partitions, const char *photos_from,
                     size_t *photo_bytes_p)
{
    return bench_gallery_write_both (var, n, 0, partitions, photos_from, photo_bytes_p);
}

int
bench_gallery_write_both (const char *var, size_t n, size_t found, int partitions,
                          const char *photos_from, size_t *photo_bytes_p)
{
    return s_write (var, n, found, partitions, photos_from, photo_bytes_p, NULL);
}

int
bench_gallery_write_faces (const char *var, size_t n, size_t found, int partitions,
                           const float *faces)
{
    return s_write (var, n, found, partitions, NULL, NULL, faces);
}

pid_t
bench_serve_start (const char *var, const char *log, char *const extra [],
                   api_client_t **client_p)
{
    char api [1200], homeward [1100];
    snprintf (api, sizeof api, "ipc://%s/api.sock", var);
    snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    char *argv [40] = { homeward, "serve", "--var", (char *) var, "--api", api };
    int argc = 6;
    for (size_t i = 0; extra && extra [i] && argc < 39; i++)
        argv [argc++] = extra [i];
    argv [argc] = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    pid_t pid;
    int spawned = posix_spawn (&pid, homeward, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    mt_err_t err;
    if (spawned != 0 || api_client_new (api, NULL, client_p, &err) != MT_OK)
        return -1;
    double t0 = mt_clock_s ();
    json_t *r = NULL;
    while (api_call (*client_p, "stats", NULL, NULL, 0, 1000, &r, NULL, NULL, &err) != MT_OK) {
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid) {
            fprintf (stderr, "homeward serve stopped as it started (see %s)\n", log);
            api_client_destroy (client_p);
            return -1;
        }
        if (mt_clock_s () - t0 > 300) {
            //  Not left running: it would hold the next run's ports.
            fprintf (stderr, "homeward serve did not answer within 300 s; stopped (see %s)\n",
                     log);
            bench_serve_stop (pid);
            api_client_destroy (client_p);
            return -1;
        }
    }
    json_decref (r);
    return pid;
}

int
bench_serve_stop (pid_t pid)
{
    int status = -1;
    kill (pid, SIGTERM);
    waitpid (pid, &status, 0);
    return status;
}

