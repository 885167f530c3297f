//  index_cluster - what the sharded index's system tests share: a real
//  broker and P partitions x R replicas as processes on tcp://127.0.0.1
//  with CURVE keys, synthetic faces, and searches that count what they
//  find (test_index.c: faults; test_index_grow.c: rebuilds, removals,
//  partitions added).

#ifndef INDEX_CLUSTER_H_INCLUDED
#define INDEX_CLUSTER_H_INCLUDED

#include "mt_test.h"

#include "wire/mt_client.h"
#include "wire/mt_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"
#define DIM MT_DIM
#define P 2
#define R 2
//  Each gallery past this many faces is rebuilt as IVF (test_rebuild_under_load).
#define S_EXACT_BELOW "2000"

typedef struct {
    char front [64], back [64], dir [256], log [300];
    char keys [300], authorized [320];
    mt_curve_config_t client;       //  the test's key, the broker's public key
    int broker;
    int shard [P][R];
    int added;                      //  replica 0 of partition P, added while running
} cluster_t;

extern cluster_t cluster;
extern mt_client_t *cluster_client;

typedef struct {
    size_t queries, found, partial;
    size_t unflagged_missed;        //  faces missed by answers not flagged partial
    long long worst_ms;
} cluster_result_t;

typedef struct {
    volatile int stop;
    cluster_result_t result;
} cluster_load_t;

//  The environment for `homeward index ...` as the test's client: its key
//  and the broker's public key.
typedef struct {
    char key [1100], broker_key [1100];
    char *vars [3];
} cluster_env_t;
void cluster_cli_env (cluster_env_t *env);

//  cluster_enroll also enrolls in found-mfn (ns 4) when cluster_second;
//  searches ask cluster_search_ns (2: found, 4: found-mfn).
extern bool cluster_second;
extern int cluster_search_ns;

uint64_t cluster_case_of (uint64_t face);
int cluster_enroll (uint64_t first, size_t n, uint32_t *replicas_p);
int cluster_enroll_case (uint64_t case_id);
void cluster_search_with (mt_client_t *client, const uint64_t *faces, size_t n,
                          cluster_result_t *result);
void cluster_search (const uint64_t *faces, size_t n, cluster_result_t *result);
cluster_result_t cluster_search_range (uint64_t first, uint64_t last);
//  Searches in a loop from a second client until load->stop (a thread).
void *cluster_search_load (void *arg);
void cluster_make_keys (void);
void cluster_start_broker (void);
int cluster_spawn_shard (int p, int r, char *partitions);
void cluster_start_shard (int p, int r);
void cluster_kill_shard (int p, int r);
void cluster_state (int p, int r, char *state, uint64_t *seq);
bool cluster_wait_state (int p, int r, const char *want, long timeout_ms);
uint64_t cluster_case_in (uint32_t p, uint64_t from);

//  test_index_grow.c
void test_removal_reaches_every_replica (void);
void test_rebuild_under_load (void);
void test_add_partition_under_load (void);

#endif
