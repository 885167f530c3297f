//  index_cluster - the sharded index's test cluster and its searches.

#include "index_cluster.h"

#include "index/mt_partition.h"
#include "wire/mt_client.h"
#include "wire/mt_msg.h"
#include "wire/mt_wire.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

//  Heartbeats a replica may miss before the broker drops it. Under the
//  sanitizers, on two cores, replicas training at once were silent for
//  664 ms once (test_rebuild_under_load's note) and for over 300 ms together
//  in the 2026-12-07 run (a search came back partial): the sanitized build
//  gives them 1 s.
#ifdef MT_SANITIZED
#   define S_LIVENESS "10"
#else
#   define S_LIVENESS "3"
#endif

cluster_t cluster;
mt_client_t *cluster_client;
bool cluster_second;
int cluster_search_ns = 2;

//  A face's vector in namespace ns (2: dlib's found gallery, 4: its
//  MobileFaceNet one, of another dimension and other values).
static void
s_vector (uint64_t face, int ns, float *v)
{
    mt_test_vector (face, ns == 2 ? 7 : 11, mt_msg_dim (ns), v);
}

//  ---------------------------------------------------------------- data

uint64_t
cluster_case_of (uint64_t face)
{
    return 1 + (face - 1) / 3;
}

static int
s_enroll_ns (int ns, uint64_t first, size_t n, uint32_t *replicas_p)
{
    size_t dim = (size_t) mt_msg_dim (ns);
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    msg->ns = ns;
    msg->face_count = n;
    msg->faces = calloc (n, sizeof *msg->faces);
    msg->vectors = malloc (n * dim * sizeof (float));
    for (size_t i = 0; i < n; i++) {
        uint64_t face = first + i;
        msg->faces [i] = (mt_face_meta_t) { face, cluster_case_of (face),
                                            (uint32_t) (11 + cluster_case_of (face) % 5) };
        s_vector (face, ns, msg->vectors + i * dim);
    }
    mt_err_t err;
    int rc = mt_client_request (cluster_client, msg, 5000, &reply, &err);
    if (rc == MT_OK && replicas_p)
        *replicas_p = reply->replicas;
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Enroll faces first..first+n-1 (with cluster_second, in the found-mfn
//  gallery too); returns the result code.
int
cluster_enroll (uint64_t first, size_t n, uint32_t *replicas_p)
{
    int rc = s_enroll_ns (2, first, n, replicas_p);
    if (rc == MT_OK && cluster_second)
        rc = s_enroll_ns (4, first, n, NULL);
    return rc;
}

//  Enroll the faces of one case (three faces) whose id is case_id.
int
cluster_enroll_case (uint64_t case_id)
{
    return cluster_enroll ((case_id - 1) * 3 + 1, 3, NULL);
}

//  Search for faces[] (each query is its own vector slightly moved); counts
//  those found first.
void
cluster_search_with (mt_client_t *client, const uint64_t *faces, size_t n, cluster_result_t *result)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    size_t dim = (size_t) mt_msg_dim (cluster_search_ns);
    msg->ns = cluster_search_ns;
    msg->k = 5;
    msg->query_count = n;
    msg->vectors = malloc (n * dim * sizeof (float));
    for (size_t i = 0; i < n; i++) {
        s_vector (faces [i], cluster_search_ns, msg->vectors + i * dim);
        msg->vectors [i * dim] += 0.01f;
    }
    mt_err_t err;
    long long start = mt_test_now_ms ();
    int rc = mt_client_request (client, msg, 5000, &reply, &err);
    long long took = mt_test_now_ms () - start;
    result->worst_ms = took > result->worst_ms ? took : result->worst_ms;
    result->queries += n;
    MT_CHECK_RC (rc, MT_OK, &err);
    if (rc == MT_OK) {
        result->partial += reply->partial;
        for (size_t i = 0; i < n && i < reply->query_count; i++) {
            bool first = reply->results [i].count > 0
                      && reply->results [i].hits [0].face_id == faces [i];
            result->found += first;
            result->unflagged_missed += !first && !reply->partial;
        }
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
}

void
cluster_search (const uint64_t *faces, size_t n, cluster_result_t *result)
{
    cluster_search_with (cluster_client, faces, n, result);
}

//  Search every face in [first, last] in batches.
cluster_result_t
cluster_search_range (uint64_t first, uint64_t last)
{
    cluster_result_t result = { 0 };
    uint64_t faces [50];
    for (uint64_t f = first; f <= last;) {
        size_t n = 0;
        while (n < 50 && f <= last)
            faces [n++] = f++;
        cluster_search (faces, n, &result);
    }
    return result;
}

//  ---------------------------------------------------------------- cluster

//  Key pairs by `homeward keygen`; the broker admits the shards' and the
//  test's public keys (its authorized folder), not the stranger's.
void
cluster_make_keys (void)
{
    snprintf (cluster.keys, sizeof cluster.keys, "%s/keys", cluster.dir);
    snprintf (cluster.authorized, sizeof cluster.authorized, "%s/authorized", cluster.keys);
    mkdir (cluster.keys, 0700);
    mkdir (cluster.authorized, 0700);
    const char *names [] = { "broker", "shard", "client", "stranger" };
    char paths [4][400];
    for (int i = 0; i < 4; i++)
        snprintf (paths [i], sizeof paths [i], "%s/%s", cluster.keys, names [i]);
    char *argv [] = { S_HOMEWARD, "keygen", paths [0], paths [1], paths [2], paths [3], NULL };
    char *out = NULL, *err = NULL;
    MT_CHECK_INT (mt_test_run (argv, NULL, &out, &err), 0);
    free (out), free (err);
    //  An existing key is never overwritten.
    char *again [] = { S_HOMEWARD, "keygen", paths [0], NULL };
    MT_CHECK_INT (mt_test_run (again, NULL, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "File exists");
    free (out), free (err);
    for (int i = 1; i <= 2; i++) {
        char from [500], to [500];
        snprintf (from, sizeof from, "%s.pub", paths [i]);
        snprintf (to, sizeof to, "%s/%s.pub", cluster.authorized, names [i]);
        char *pub = mt_test_read (from, NULL);
        MT_CHECK (pub && mt_test_write (to, pub, strlen (pub)) == 0);
        free (pub);
    }
    snprintf (cluster.client.key, sizeof cluster.client.key, "%s.key", paths [2]);
    snprintf (cluster.client.server_key, sizeof cluster.client.server_key, "%s.pub", paths [0]);
}

void
cluster_start_broker (void)
{
    char key [400];
    snprintf (key, sizeof key, "%s/broker.key", cluster.keys);
    char state [300];
    snprintf (state, sizeof state, "%s/broker.state", cluster.dir);
    char *argv [] = { S_HOMEWARD, "broker", "--front", cluster.front, "--back", cluster.back,
                      "--state", state, "--move-batch", "50",
                      "--partitions", "2", "--replicas", "2", "--heartbeat-ms", "100",
                      "--liveness", S_LIVENESS, "--deadline-ms", "1500", "--hedge-ms", "100",
                      "--grace-ms", "1000", "--key", key, "--authorized-keys", cluster.authorized,
                      NULL };
    cluster.broker = mt_test_spawn (argv, cluster.log);
}

int
cluster_spawn_shard (int p, int r, char *partitions)
{
    char partition [16], replica [16], dir [300];
    snprintf (partition, sizeof partition, "%d", p);
    snprintf (replica, sizeof replica, "%d", r);
    snprintf (dir, sizeof dir, "%s/shard-%d-%d", cluster.dir, p, r);
    char key [400];
    snprintf (key, sizeof key, "%s/shard.key", cluster.keys);
    //  lists-probed-most 0: these vectors are noise (mt_test_vector), which
    //  no IVF narrows, and the tests here hold galleries rebuilt as IVF.
    char *argv [] = { S_HOMEWARD, "shard", "--broker", cluster.back, "--partition", partition,
                      "--replica", replica, "--partitions", partitions, "--data-dir", dir,
                      "--heartbeat-ms", "100", "--liveness", S_LIVENESS, "--snapshot-ops", "40",
                      "--blas-threads", "1", "--exact-below", S_EXACT_BELOW,
                      "--lists-probed-most", "0", "--key", key,
                      "--broker-key",
                      cluster.client.server_key, NULL };
    return mt_test_spawn (argv, cluster.log);
}

void
cluster_start_shard (int p, int r)
{
    cluster.shard [p][r] = cluster_spawn_shard (p, r, "2");
}

//  kill -9 a replica and wait until the broker has noticed, so that a later
//  wait for the replica's state sees the new instance, not the dead one.
void
cluster_kill_shard (int p, int r)
{
    mt_test_kill (cluster.shard [p][r], SIGKILL);
    cluster.shard [p][r] = -1;
    char state [16] = "?";
    long long until = mt_test_now_ms () + 5000;
    while (state [0] && mt_test_now_ms () < until) {
        cluster_state (p, r, state, NULL);
        if (state [0])
            mt_test_sleep_ms (20);
    }
    MT_CHECK (state [0] == '\0');
}

//  The state the broker gives replica p.r ("" when it does not know it).
void
cluster_state (int p, int r, char *state, uint64_t *seq)
{
    state [0] = '\0';
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t err;
    if (mt_client_request (cluster_client, msg, 2000, &reply, &err) == MT_OK)
        for (size_t i = 0; i < reply->replica_count; i++)
            if (reply->replica_status [i].partition == (uint32_t) p
            &&  reply->replica_status [i].replica == (uint32_t) r) {
                strcpy (state, reply->replica_status [i].state);
                if (seq)
                    *seq = reply->replica_status [i].seq;
            }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
}

bool
cluster_wait_state (int p, int r, const char *want, long timeout_ms)
{
    char state [16];
    long long until = mt_test_now_ms () + timeout_ms;
    do {
        cluster_state (p, r, state, NULL);
        if (strcmp (state, want) == 0)
            return true;
        mt_test_sleep_ms (50);
    } while (mt_test_now_ms () < until);
    fprintf (stderr, "replica %d.%d is '%s', not '%s' after %ld ms\n", p, r, state, want,
             timeout_ms);
    return false;
}

//  A case id of partition p above from.
uint64_t
cluster_case_in (uint32_t p, uint64_t from)
{
    while (mt_partition_of (from, P) != p)
        from++;
    return from;
}

//  Searches in a loop from a second client until told to stop.
void *
cluster_search_load (void *arg)
{
    cluster_load_t *load = arg;
    mt_client_t *client;
    mt_err_t err;
    if (mt_client_new (cluster.front, &cluster.client, &client, &err) != MT_OK)
        return NULL;
    for (int i = 0; !load->stop; i++) {
        uint64_t faces [20];
        for (int j = 0; j < 20; j++)
            faces [j] = 1 + (uint64_t) ((i * 20 + j) * 7 % 300);
        cluster_search_with (client, faces, 20, &load->result);
    }
    mt_client_destroy (&client);
    return NULL;
}

void
cluster_cli_env (cluster_env_t *env)
{
    snprintf (env->key, sizeof env->key, "HOMEWARD_KEY=%s", cluster.client.key);
    snprintf (env->broker_key, sizeof env->broker_key, "HOMEWARD_BROKER_KEY=%s",
              cluster.client.server_key);
    env->vars [0] = env->key;
    env->vars [1] = env->broker_key;
    env->vars [2] = NULL;
}
