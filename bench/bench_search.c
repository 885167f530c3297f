//  bench/search - the sharded index against FAISS in-process, in one run.
//
//  usage: bench-search [--n 1000000] [--queries 1000] [--shards 1,2,4]
//                      [--dim 128|192] [--dir DIR] [--json]
//
//  Synthetic 128-d unit vectors (--dim 192: MobileFaceNet's dimension,
//  searched through the broker in the found-mfn gallery); half of the queries are near-duplicates of
//  stored vectors (a stored vector moved a little), half are random. First
//  FAISS in this process (same index type as the shards, threads tuned as
//  the shards tune them); then, for each shard count S, a broker and S shard
//  processes (`homeward broker`, `homeward shard`) on tcp://127.0.0.1: every
//  vector enrolled through the broker (durably), then the same queries.
//  Reported: queries/s at batch 1 and 64, p50/p99 latency, recall@10 against
//  exact search, memory per million vectors, enroll rate.

#include "bench_index.h"
#include "base/mt_clock.h"
#include "mt_test.h"
#include "broker/broker_actor.h"
#include "wire/mt_client.h"
#include "index/mt_index.h"
#include "wire/mt_msg.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

//  The vectors' dimension (--dim): dlib's 128 or MobileFaceNet's 192.
static int s_dim = MT_DIM;
#define DIM s_dim
//  The gallery of that dimension: found (dlib) or found-mfn.
#define S_NS (s_dim == MT_DIM2 ? 4 : 2)
#define K 10

typedef struct {
    const char *label;
    double qps1, qps64;         //  queries per second at batch 1 and batch 64
    double p50_1, p99_1;        //  ms per query at batch 1
    double p50_64, p99_64;      //  ms per batch of 64
    double recall;              //  recall@10 against exact search
    double mb_per_million;
    double enroll_per_s;
} s_result_t;

static uint64_t s_rng = 0x1234567887654321ull;

static void
s_normalize (float *v)
{
    double norm = 0;
    for (int d = 0; d < DIM; d++)
        norm += v [d] * v [d];
    norm = sqrt (norm);
    for (int d = 0; d < DIM; d++)
        v [d] = (float) (v [d] / norm);
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_percentile (double *values, size_t n, double p)
{
    qsort (values, n, sizeof *values, s_cmp_double);
    size_t at = (size_t) (p * (n - 1) + 0.5);
    return values [at < n ? at : n - 1];
}

//  Resident memory of a process in MB (from /proc).
static double
s_rss_mb (int pid)
{
    char path [64], line [256];
    snprintf (path, sizeof path, "/proc/%d/status", pid);
    FILE *file = fopen (path, "r");
    double mb = 0;
    while (file && fgets (line, sizeof line, file))
        if (strncmp (line, "VmRSS:", 6) == 0)
            mb = atof (line + 6) / 1024;
    if (file)
        fclose (file);
    return mb;
}

//  recall@10: share of the exact top 10 found in the top 10.
static double
s_recall (const int64_t *exact, const int64_t *got, size_t nq)
{
    size_t hit = 0;
    for (size_t q = 0; q < nq; q++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++)
                if (exact [q * K + i] >= 0 && exact [q * K + i] == got [q * K + j]) {
                    hit++;
                    break;
                }
    return (double) hit / (double) (nq * K);
}

//  ---------------------------------------------------------------- in-process

static void
s_in_process (const float *base, size_t n, const float *queries, size_t nq, int blas,
              int64_t *exact, s_result_t *r)
{
    mt_index_tune_threads (blas);
    double rss0 = s_rss_mb (getpid ());
    mt_index_t *index;
    mt_err_t err;
    if (mt_index_new (MT_INDEX_DEFAULT_FACTORY, DIM, &index, &err) != MT_OK) {
        fprintf (stderr, "%s\n", err.msg);
        exit (1);
    }
    int64_t *ids = malloc (n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids [i] = (int64_t) i + 1;
    double t0 = mt_clock_s ();
    mt_index_add (index, n, base, ids, &err);
    r->enroll_per_s = n / (mt_clock_s () - t0);
    r->mb_per_million = (s_rss_mb (getpid ()) - rss0) / (n / 1e6);
    free (ids);

    float *d = malloc (64 * K * sizeof *d);
    double *lat = malloc (nq * sizeof *lat);
    //  Batch 1.
    double start = mt_clock_s ();
    for (size_t q = 0; q < nq; q++) {
        double a = mt_clock_s ();
        mt_index_search (index, 1, queries + q * DIM, K, d, exact + q * K, &err);
        lat [q] = (mt_clock_s () - a) * 1e3;
    }
    r->qps1 = nq / (mt_clock_s () - start);
    r->p50_1 = s_percentile (lat, nq, 0.5);
    r->p99_1 = s_percentile (lat, nq, 0.99);
    //  Batch 64.
    size_t batches = 0;
    int64_t *tmp = malloc (64 * K * sizeof *tmp);
    start = mt_clock_s ();
    for (size_t q = 0; q < nq; q += 64, batches++) {
        size_t m = nq - q < 64 ? nq - q : 64;
        double a = mt_clock_s ();
        mt_index_search (index, m, queries + q * DIM, K, d, tmp, &err);
        lat [batches] = (mt_clock_s () - a) * 1e3;
    }
    r->qps64 = nq / (mt_clock_s () - start);
    r->p50_64 = s_percentile (lat, batches, 0.5);
    r->p99_64 = s_percentile (lat, batches, 0.99);
    r->recall = 1.0;        //  this is the exact reference
    free (tmp), free (lat), free (d);
    mt_index_destroy (&index);
}

//  ---------------------------------------------------------------- broker path

static int
s_spawn (char *const argv [], const char *log)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    pid_t pid;
    int rc = posix_spawn (&pid, argv [0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    return rc == 0 ? (int) pid : -1;
}

static int
s_search_broker (mt_client_t *client, const float *queries, size_t m, int64_t *out)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    msg->ns = S_NS;
    msg->k = K;
    msg->query_count = m;
    msg->deadline_ms = 30000;
    msg->vectors = malloc (m * DIM * sizeof (float));
    memcpy (msg->vectors, queries, m * DIM * sizeof (float));
    mt_err_t err;
    int rc = mt_client_request (client, msg, 60000, &reply, &err);
    if (rc == MT_OK) {
        if (reply->partial)
            fprintf (stderr, "bench-search: a partial answer\n");
        for (size_t q = 0; q < m; q++)
            for (int i = 0; i < K; i++)
                out [q * K + i] = i < (int) reply->results [q].count
                                ? (int64_t) reply->results [q].hits [i].face_id : -1;
    }
    else
        fprintf (stderr, "bench-search: %s\n", err.msg);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

static void
s_broker_path (const char *bin, const char *dir, int shards, int cores, const float *base,
               size_t n, const float *queries, size_t nq, const int64_t *exact, s_result_t *r)
{
    char front [64], back [64], log [1100], homeward [1100];
    int port = 20000 + (int) (getpid () % 20000);
    snprintf (front, sizeof front, "tcp://127.0.0.1:%d", port);
    snprintf (back, sizeof back, "tcp://127.0.0.1:%d", port + 1);
    snprintf (log, sizeof log, "%s/services-%d.log", dir, shards);
    snprintf (homeward, sizeof homeward, "%s/homeward", bin);
    char parts [16], blas [16];
    snprintf (parts, sizeof parts, "%d", shards);
    snprintf (blas, sizeof blas, "%d", cores / shards > 0 ? cores / shards : 1);
    //  The links are CURVE-encrypted, as in a deployment: one key pair for
    //  the broker, one for the shards and this client.
    char keys [900], broker_key [1000], broker_pub [1000], node_key [1000], node_pub [1000];
    snprintf (keys, sizeof keys, "%s/keys-%d", dir, shards);
    mkdir (keys, 0700);
    snprintf (broker_key, sizeof broker_key, "%s/broker.key", keys);
    snprintf (broker_pub, sizeof broker_pub, "%s/broker.pub", keys);
    snprintf (node_key, sizeof node_key, "%s/node.key", keys);
    snprintf (node_pub, sizeof node_pub, "%s/node.pub", keys);
    unlink (broker_key), unlink (node_key);
    mt_err_t err;
    for (int i = 0; i < 2; i++) {
        char base [1200];
        snprintf (base, sizeof base, "%s/%s", keys, i ? "node" : "broker");
        if (mt_curve_keygen (base, &err) != MT_OK) {
            fprintf (stderr, "bench-search: %s\n", err.msg);
            exit (1);
        }
    }
    mt_curve_config_t curve = { .insecure = false };
    snprintf (curve.key, sizeof curve.key, "%s", node_key);
    snprintf (curve.server_key, sizeof curve.server_key, "%s", broker_pub);
    char *bargv [] = { homeward, "broker", "--front", front, "--back", back, "--partitions",
                       parts, "--grace-ms", "500", "--key", broker_key, "--authorized-keys",
                       node_pub, NULL };
    int broker = s_spawn (bargv, log);
    int pids [64];
    for (int s = 0; s < shards; s++) {
        char part [16], data [1200];
        snprintf (part, sizeof part, "%d", s);
        snprintf (data, sizeof data, "%s/shards-%d/%d", dir, shards, s);
        char *sargv [] = { homeward, "shard", "--broker", back, "--partition", part,
                           "--partitions", parts, "--data-dir", data, "--blas-threads", blas,
                           "--key", node_key, "--broker-key", broker_pub, NULL };
        pids [s] = s_spawn (sargv, log);
    }
    mt_client_t *client;
    if (mt_client_new (front, &curve, &client, &err) != MT_OK
    ||  mt_client_wait_ready (client, 20000, &err) != MT_OK) {
        fprintf (stderr, "bench-search: %s (see %s)\n", err.msg, log);
        exit (1);
    }
    //  Enroll everything, 2000 faces per request; each face is its own case.
    double t0 = mt_clock_s ();
    for (size_t i = 0; i < n; i += 2000) {
        size_t m = n - i < 2000 ? n - i : 2000;
        mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
        msg->ns = S_NS;
        msg->face_count = m;
        msg->faces = malloc (m * sizeof *msg->faces);
        msg->vectors = malloc (m * DIM * sizeof (float));
        for (size_t j = 0; j < m; j++)
            msg->faces [j] = (mt_face_meta_t) { i + j + 1, i + j + 1, 11 + (uint32_t) (j % 31) };
        memcpy (msg->vectors, base + i * DIM, m * DIM * sizeof (float));
        if (mt_client_request (client, msg, 120000, &reply, &err) != MT_OK) {
            fprintf (stderr, "bench-search: enroll: %s\n", err.msg);
            exit (1);
        }
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
    }
    r->enroll_per_s = n / (mt_clock_s () - t0);
    double rss = 0;
    for (int s = 0; s < shards; s++)
        rss += s_rss_mb (pids [s]);
    r->mb_per_million = rss / (n / 1e6);

    int64_t *got = malloc (nq * K * sizeof *got);
    double *lat = malloc (nq * sizeof *lat);
    double start = mt_clock_s ();
    for (size_t q = 0; q < nq; q++) {
        double a = mt_clock_s ();
        s_search_broker (client, queries + q * DIM, 1, got + q * K);
        lat [q] = (mt_clock_s () - a) * 1e3;
    }
    r->qps1 = nq / (mt_clock_s () - start);
    r->p50_1 = s_percentile (lat, nq, 0.5);
    r->p99_1 = s_percentile (lat, nq, 0.99);
    r->recall = s_recall (exact, got, nq);
    size_t batches = 0;
    int64_t *tmp = malloc (64 * K * sizeof *tmp);
    start = mt_clock_s ();
    for (size_t q = 0; q < nq; q += 64, batches++) {
        size_t m = nq - q < 64 ? nq - q : 64;
        double a = mt_clock_s ();
        s_search_broker (client, queries + q * DIM, m, tmp);
        lat [batches] = (mt_clock_s () - a) * 1e3;
    }
    r->qps64 = nq / (mt_clock_s () - start);
    r->p50_64 = s_percentile (lat, batches, 0.5);
    r->p99_64 = s_percentile (lat, batches, 0.99);
    free (tmp), free (lat), free (got);
    mt_client_destroy (&client);
    for (int s = 0; s < shards; s++) {
        kill (pids [s], SIGTERM);
        waitpid (pids [s], NULL, 0);
    }
    kill (broker, SIGTERM);
    waitpid (broker, NULL, 0);
}

static void
s_print (const s_result_t *r)
{
    printf ("%-18s %9.1f %9.1f %8.2f %8.2f %9.2f %9.2f %8.4f %9.0f %11.0f\n", r->label, r->qps1,
            r->qps64, r->p50_1, r->p99_1, r->p50_64, r->p99_64, r->recall, r->mb_per_million,
            r->enroll_per_s);
}

int
main (int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp (argv [i], "--index") == 0)
            return bench_index_main (argc, argv);
    size_t n = 1000000, nq = 1000;
    const char *shard_list = "1,2,4";
    char dir [1024] = "";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--n") == 0 && i + 1 < argc)
            n = (size_t) atof (argv [++i]);
        else if (strcmp (argv [i], "--queries") == 0 && i + 1 < argc)
            nq = (size_t) atoi (argv [++i]);
        else if (strcmp (argv [i], "--dim") == 0 && i + 1 < argc)
            s_dim = atoi (argv [++i]) == MT_DIM2 ? MT_DIM2 : MT_DIM;
        else if (strcmp (argv [i], "--shards") == 0 && i + 1 < argc)
            shard_list = argv [++i];
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else {
            printf ("usage: bench-search [--n 1000000] [--queries 1000] [--shards 1,2,4] "
                    "[--dim 128|192] [--dir DIR] [--json]\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-search-XXXXXX");
        if (!mkdtemp (dir)) {
            perror ("mkdtemp");
            return 1;
        }
    }
    int cores = (int) sysconf (_SC_NPROCESSORS_ONLN);
    fprintf (stderr, "bench-search: %zu vectors, %zu queries, data in %s\n", n, nq, dir);
    float *base = malloc (n * DIM * sizeof *base);
    float *queries = malloc (nq * DIM * sizeof *queries);
    if (!base || !queries) {
        fprintf (stderr, "bench-search: not enough memory for %zu vectors\n", n);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < DIM; d++)
            base [i * DIM + d] = (float) mt_test_gauss (&s_rng);
        s_normalize (base + i * DIM);
    }
    for (size_t q = 0; q < nq; q++) {
        float *v = queries + q * DIM;
        if (q % 2 == 0) {
            //  A near-duplicate: a stored vector moved by a little noise.
            size_t of = (size_t) (mt_test_uniform (&s_rng) * n) % n;
            for (int d = 0; d < DIM; d++)
                v [d] = base [of * DIM + d] + (float) (0.02 * mt_test_gauss (&s_rng));
        }
        else
            for (int d = 0; d < DIM; d++)
                v [d] = (float) mt_test_gauss (&s_rng);
        s_normalize (v);
    }

    int64_t *exact = malloc (nq * K * sizeof *exact);
    s_result_t results [8] = { { .label = "in-process FAISS" } };
    s_in_process (base, n, queries, nq, cores, exact, &results [0]);
    int count = 1;
    char list [64];
    snprintf (list, sizeof list, "%s", shard_list);
    char labels [8][32];
    for (char *tok = strtok (list, ","); tok && count < 8; tok = strtok (NULL, ",")) {
        int shards = atoi (tok);
        if (shards < 1 || shards > 64)
            continue;
        snprintf (labels [count], sizeof labels [count], "broker, %d shard%s", shards,
                  shards == 1 ? "" : "s");
        results [count].label = labels [count];
        s_broker_path (MT_BENCH_BIN, dir, shards, cores, base, n, queries, nq, exact,
                       &results [count]);
        count++;
    }
    printf ("# %zu vectors x %d-d, %zu queries (half near-duplicates), k %d, %d cores\n", n, DIM,
            nq, K, cores);
    printf ("%-18s %9s %9s %8s %8s %9s %9s %8s %9s %11s\n", "path", "qps@1", "qps@64",
            "p50@1ms", "p99@1ms", "p50@64ms", "p99@64ms", "R@10", "MB/1M", "enroll/s");
    for (int i = 0; i < count; i++)
        s_print (&results [i]);
    //  The headline: the worst broker configuration against in-process.
    double qps = 1e18, p99 = 0, recall = 1;
    for (int i = 1; i < count; i++) {
        qps = results [i].qps64 < qps ? results [i].qps64 : qps;
        p99 = results [i].p99_1 > p99 ? results [i].p99_1 : p99;
        recall = results [i].recall < recall ? results [i].recall : recall;
    }
    printf ("worst broker path: %.2fx in-process queries/s at batch 64 (target >= 0.8), "
            "p99 at batch 1 %.2fx (target <= 2), recall@10 %.4f (target >= 0.999)\n",
            qps / results [0].qps64, p99 / results [0].p99_1, recall);
    if (json) {
        printf ("{\"n\":%zu,\"dim\":%d,\"queries\":%zu,\"qps\":%.2f,\"baseline_qps\":%.2f,"
                "\"p99_ms\":%.3f,\"baseline_p99_ms\":%.3f,\"recall_at_10\":%.5f,\"configs\":[",
                n, DIM, nq, qps,
                results [0].qps64, p99, results [0].p99_1, recall);
        for (int i = 0; i < count; i++)
            printf ("%s{\"path\":\"%s\",\"qps_batch1\":%.2f,\"qps_batch64\":%.2f,"
                    "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"recall_at_10\":%.5f,"
                    "\"mb_per_million\":%.1f,\"enroll_per_s\":%.0f}", i ? "," : "",
                    results [i].label, results [i].qps1, results [i].qps64, results [i].p50_1,
                    results [i].p99_1, results [i].recall, results [i].mb_per_million,
                    results [i].enroll_per_s);
        printf ("]}\n");
    }
    free (exact), free (base), free (queries);
    mt_zmq_shutdown ();
    return 0;
}
