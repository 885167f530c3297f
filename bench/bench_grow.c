//  bench/grow - add a partition under load: how fast faces move, whether a
//  write is lost, whether an answer is incomplete without saying so, and
//  what searches wait meanwhile.
//
//  usage: bench-grow [--faces N] [--partitions P] [--move-batch B] [--json]
//
//  A broker and P shards (one replica each) run as processes on ipc://
//  sockets; N faces (3 a case, synthetic unit vectors) are enrolled. Then one
//  client searches single faces without pause, another enrolls new cases
//  in batches of 30, and `homeward index add-partition` is run and the new
//  shard started; the clock runs until the broker says every face is in its
//  partition. Afterwards: the replicas' face counts against every write
//  acknowledged (lost writes), every new face and a sample of the old ones
//  searched (each must come first), and the answers given during the move
//  that missed their face without the partial flag (must be 0).

#include "mt_test.h"

#include "wire/mt_client.h"
#include "wire/mt_msg.h"
#include "index/mt_partition.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define S_HOMEWARD MT_BENCH_BIN "/homeward"
#define S_MAX_PARTITIONS 64
#define DIM MT_DIM

static char s_front [300], s_back [300], s_dir [256], s_log [300];
static int s_misses_shown;          //  misses printed (the first ten)

static int
s_enroll (mt_client_t *client, uint64_t first, size_t n)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    msg->ns = 2;
    msg->face_count = n;
    msg->faces = calloc (n, sizeof *msg->faces);
    msg->vectors = malloc (n * DIM * sizeof (float));
    for (size_t i = 0; i < n; i++) {
        uint64_t face = first + i;
        msg->faces [i] = (mt_face_meta_t) { face, 1 + (face - 1) / 3, 11 };
        mt_test_vector (face, 7, DIM, msg->vectors + i * DIM);
    }
    mt_err_t err;
    int rc = mt_client_request (client, msg, 30000, &reply, &err);
    if (rc != MT_OK)
        fprintf (stderr, "enroll of %zu faces from %llu: %s\n", n, (unsigned long long) first,
                 err.msg);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Search faces [n]; *found counts those that came first, *unflagged the
//  misses in answers without the partial flag, *partial flagged answers.
static int
s_search (mt_client_t *client, const uint64_t *faces, size_t n, size_t *found,
          size_t *unflagged, size_t *partial)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    msg->ns = 2;
    msg->k = 5;
    msg->query_count = n;
    msg->vectors = malloc (n * DIM * sizeof (float));
    for (size_t i = 0; i < n; i++)
        mt_test_vector (faces [i], 7, DIM, msg->vectors + i * DIM);
    mt_err_t err;
    int rc = mt_client_request (client, msg, 30000, &reply, &err);
    if (rc == MT_OK) {
        *partial += reply->partial;
        for (size_t i = 0; i < n && i < reply->query_count; i++) {
            bool first = reply->results [i].count > 0
                      && reply->results [i].hits [0].face_id == faces [i];
            *found += first;
            *unflagged += !first && !reply->partial;
            if (!first && s_misses_shown < 10) {
                s_misses_shown++;
                const mt_query_hits_t *h = &reply->results [i];
                fprintf (stderr, "face %llu (case %llu, partition %u of %u) not first:",
                         (unsigned long long) faces [i],
                         (unsigned long long) (1 + (faces [i] - 1) / 3),
                         mt_partition_of (1 + (faces [i] - 1) / 3, reply->partitions),
                         reply->partitions);
                for (size_t j = 0; j < h->count; j++)
                    fprintf (stderr, " %llu@%.3f", (unsigned long long) h->hits [j].face_id,
                             h->hits [j].distance);
                fprintf (stderr, "%s\n", reply->partial ? " (partial)" : "");
            }
        }
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

typedef struct {
    volatile int stop;
    uint64_t old_faces;
    //  searcher
    size_t queries, found, unflagged, partial, errors;
    double *ms;
    size_t ms_count, ms_size;
    //  writer: batches of 30 from next_face on; firsts of those acknowledged
    uint64_t next_face, acked, failed;
    uint64_t *acked_firsts;
    size_t acked_count, acked_size;
} s_load_t;

static void *
s_searcher (void *arg)
{
    s_load_t *load = arg;
    mt_client_t *client;
    mt_err_t err;
    if (mt_client_new (s_front, NULL, &client, &err) != MT_OK)
        return NULL;
    uint64_t x = 88172645463325252ull;
    while (!load->stop) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t face = 1 + x % load->old_faces;
        long long start = mt_test_now_ms ();
        int rc = s_search (client, &face, 1, &load->found, &load->unflagged, &load->partial);
        double ms = (double) (mt_test_now_ms () - start);
        __atomic_add_fetch (&load->queries, 1, __ATOMIC_RELAXED);
        load->errors += rc != MT_OK;
        if (load->ms_count == load->ms_size) {
            load->ms_size = load->ms_size ? load->ms_size * 2 : 4096;
            load->ms = realloc (load->ms, load->ms_size * sizeof *load->ms);
        }
        load->ms [load->ms_count++] = ms;
    }
    mt_client_destroy (&client);
    return NULL;
}

static void *
s_writer (void *arg)
{
    s_load_t *load = arg;
    mt_client_t *client;
    mt_err_t err;
    if (mt_client_new (s_front, NULL, &client, &err) != MT_OK)
        return NULL;
    while (!load->stop) {
        if (s_enroll (client, load->next_face, 30) == MT_OK) {
            load->acked += 30;
            if (load->acked_count == load->acked_size) {
                load->acked_size = load->acked_size ? load->acked_size * 2 : 256;
                load->acked_firsts = realloc (load->acked_firsts,
                                              load->acked_size * sizeof *load->acked_firsts);
            }
            load->acked_firsts [load->acked_count++] = load->next_face;
        }
        else
            load->failed += 30;
        load->next_face += 30;
        mt_test_sleep_ms (20);
    }
    mt_client_destroy (&client);
    return NULL;
}

static int
s_shard (int p, int partitions)
{
    char partition [16], count [16], dir [400];
    snprintf (partition, sizeof partition, "%d", p);
    snprintf (count, sizeof count, "%d", partitions);
    snprintf (dir, sizeof dir, "%s/shard-%d", s_dir, p);
    char *argv [] = { S_HOMEWARD, "shard", "--broker", s_back, "--partition", partition,
                      "--partitions", count, "--replica", "0", "--data-dir", dir,
                      "--blas-threads", "1", NULL };
    return mt_test_spawn (argv, s_log);
}

typedef struct {
    uint32_t partitions;
    bool busy;
    uint64_t moved, faces, serving;
} s_stats_t;

static s_stats_t
s_stats (mt_client_t *client)
{
    s_stats_t s = { 0 };
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t err;
    if (mt_client_request (client, msg, 5000, &reply, &err) == MT_OK) {
        s.partitions = reply->partitions;
        s.busy = reply->adding || reply->rehoming;
        s.moved = reply->moved;
        for (size_t i = 0; i < reply->replica_count; i++) {
            s.faces += reply->replica_status [i].found_count;
            s.serving += strcmp (reply->replica_status [i].state, "serving") == 0;
        }
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return s;
}

static int
s_by_value (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
    long faces = 200000, partitions = 2, batch = 1000;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--faces") == 0 && i + 1 < argc)
            faces = atol (argv [++i]);
        else
        if (strcmp (argv [i], "--partitions") == 0 && i + 1 < argc)
            partitions = atol (argv [++i]);
        else
        if (strcmp (argv [i], "--move-batch") == 0 && i + 1 < argc)
            batch = atol (argv [++i]);
        else
        if (strcmp (argv [i], "--json") == 0)
            json = true;
        else {
            fprintf (stderr, "usage: bench-grow [--faces N] [--partitions P] "
                     "[--move-batch B] [--json]\n");
            return 2;
        }
    }
    if (faces < 300 || partitions < 1 || partitions >= S_MAX_PARTITIONS || batch < 1) {
        fprintf (stderr, "bench-grow: --faces 300.., --partitions 1..%d, --move-batch 1..\n",
                 S_MAX_PARTITIONS - 1);
        return 2;
    }
    faces -= faces % 3;
    snprintf (s_dir, sizeof s_dir, "%s", mt_test_tmpdir ());
    snprintf (s_log, sizeof s_log, "%s/cluster.log", s_dir);
    snprintf (s_front, sizeof s_front, "ipc://%s/front", s_dir);
    snprintf (s_back, sizeof s_back, "ipc://%s/back", s_dir);
    char state [300], count [24], moves [24];
    snprintf (state, sizeof state, "%s/broker.state", s_dir);
    snprintf (count, sizeof count, "%ld", partitions);
    snprintf (moves, sizeof moves, "%ld", batch);
    char *bargv [] = { S_HOMEWARD, "broker", "--front", s_front, "--back", s_back,
                       "--partitions", count, "--state", state, "--move-batch", moves,
                       "--grace-ms", "0", NULL };
    int broker = mt_test_spawn (bargv, s_log);
    int shards [S_MAX_PARTITIONS] = { 0 };
    for (int p = 0; p < partitions; p++)
        shards [p] = s_shard (p, (int) partitions);
    mt_client_t *client;
    mt_err_t err;
    int status = 1;
    if (mt_client_new (s_front, NULL, &client, &err) != MT_OK
    ||  mt_client_wait_ready (client, 20000, &err) != MT_OK) {
        fprintf (stderr, "bench-grow: the cluster did not start: %s\n", err.msg);
        goto done;
    }
    long long start = mt_test_now_ms ();
    for (long f = 1; f <= faces; f += 999)
        if (s_enroll (client, (uint64_t) f, (size_t) (faces - f + 1 < 999 ? faces - f + 1
                                                                          : 999)) != MT_OK)
            goto done;
    fprintf (stderr, "enrolled %ld faces in %d partitions in %.1f s\n", faces, (int) partitions,
             (double) (mt_test_now_ms () - start) / 1000);

    s_load_t load = { .old_faces = (uint64_t) faces, .next_face = (uint64_t) faces + 1 };
    pthread_t searcher, writer;
    pthread_create (&searcher, NULL, s_searcher, &load);
    pthread_create (&writer, NULL, s_writer, &load);
    mt_test_sleep_ms (1000);
    size_t queries_before = __atomic_load_n (&load.queries, __ATOMIC_RELAXED);
    mt_msg_t *add = mt_msg_new (MT_MSG_ADD_PARTITION), *reply = NULL;
    if (mt_client_request (client, add, 5000, &reply, &err) != MT_OK) {
        fprintf (stderr, "bench-grow: add-partition: %s\n", err.msg);
        load.stop = 1;
        pthread_join (searcher, NULL), pthread_join (writer, NULL);
        mt_msg_destroy (&add);
        goto done;
    }
    mt_msg_destroy (&add);
    mt_msg_destroy (&reply);
    long long t0 = mt_test_now_ms ();
    shards [partitions] = s_shard ((int) partitions, (int) partitions + 1);
    s_stats_t s;
    do {
        mt_test_sleep_ms (50);
        s = s_stats (client);
    } while ((s.partitions != partitions + 1 || s.busy) && mt_test_now_ms () - t0 < 3600000);
    long long t1 = mt_test_now_ms ();
    size_t queries_during = __atomic_load_n (&load.queries, __ATOMIC_RELAXED) - queries_before;
    load.stop = 1;
    pthread_join (searcher, NULL);
    pthread_join (writer, NULL);

    //  Counts arrive with the heartbeats: wait for the last ones.
    uint64_t expected = (uint64_t) faces + load.acked;
    long long until = mt_test_now_ms () + 5000;
    do {
        mt_test_sleep_ms (200);
        s = s_stats (client);
    } while (s.faces != expected && mt_test_now_ms () < until);
    //  Every face written meanwhile, and a sample of the old ones, found first.
    size_t checked = 0, found = 0, unflagged = 0, partial = 0, listed = 0;
    uint64_t *check = malloc (((size_t) faces / 37 + load.acked + 1) * sizeof *check);
    for (uint64_t f = 37; f <= (uint64_t) faces; f += 37)
        check [listed++] = f;
    for (size_t b = 0; b < load.acked_count; b++)
        for (uint64_t f = load.acked_firsts [b]; f < load.acked_firsts [b] + 30; f++)
            check [listed++] = f;
    size_t retried = 0;
    for (size_t at = 0; at < listed; at += 64) {
        size_t n = listed - at < 64 ? listed - at : 64;
        //  An answer flagged partial (a partition past the deadline on a busy
        //  machine) is asked again: it says nothing of a lost face.
        for (int tries = 0; tries < 5; tries++) {
            size_t got = 0, flagged = 0;
            s_search (client, check + at, n, &got, &unflagged, &flagged);
            if (!flagged || tries == 4) {
                found += got;
                partial += flagged;
                break;
            }
            retried++;
        }
        checked += n;
    }
    free (check);
    qsort (load.ms, load.ms_count, sizeof *load.ms, s_by_value);
    double p50 = load.ms_count ? load.ms [load.ms_count / 2] : 0;
    double p99 = load.ms_count ? load.ms [load.ms_count * 99 / 100] : 0;
    double worst = load.ms_count ? load.ms [load.ms_count - 1] : 0;
    double seconds = (double) (t1 - t0) / 1000;
    fprintf (stderr, "partition %ld added: %llu faces moved in %.1f s (%.0f a second); %zu "
             "searches meanwhile (p50 %.0f ms, p99 %.0f, worst %.0f), %zu missed their face "
             "without the partial flag, %zu flagged partial; %llu faces written meanwhile, "
             "%llu refused; replicas hold %llu faces of %llu acknowledged; %zu of %zu checked "
             "faces found first (%zu answers asked again for being partial)\n", partitions, (unsigned long long) s.moved, seconds,
             seconds > 0 ? (double) s.moved / seconds : 0, queries_during, p50, p99, worst,
             load.unflagged, load.partial, (unsigned long long) load.acked,
             (unsigned long long) load.failed, (unsigned long long) s.faces,
             (unsigned long long) expected, found, checked, retried);
    if (json)
        printf ("{\"faces\":%ld,\"partitions_before\":%ld,\"move_batch\":%ld,\"moved\":%llu,"
                "\"move_s\":%.2f,\"moved_per_s\":%.0f,\"searches_during\":%zu,"
                "\"search_p50_ms\":%.1f,\"search_p99_ms\":%.1f,\"search_max_ms\":%.1f,"
                "\"unflagged_incomplete\":%zu,\"partial\":%zu,\"writes_acked\":%llu,"
                "\"writes_refused\":%llu,\"lost_writes\":%lld,\"checked\":%zu,"
                "\"checked_found\":%zu}\n", faces, partitions, batch,
                (unsigned long long) s.moved, seconds,
                seconds > 0 ? (double) s.moved / seconds : 0, queries_during, p50, p99, worst,
                load.unflagged, load.partial, (unsigned long long) load.acked,
                (unsigned long long) load.failed, (long long) expected - (long long) s.faces,
                checked, found);
    status = load.unflagged == 0 && s.faces == expected && found == checked ? 0 : 1;
    free (load.ms);
    free (load.acked_firsts);
done:
    mt_client_destroy (&client);
    for (int p = 0; p <= partitions; p++)
        if (shards [p] > 0)
            mt_test_kill (shards [p], SIGTERM);
    mt_test_kill (broker, SIGTERM);
    return status;
}
