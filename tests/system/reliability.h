//  reliability - the reliability suite: the multi-process deployment on loopback (a broker,
//  2 partitions x 2 shard replicas, the results service, intake workers and
//  the gateway, each its own process with its own CURVE key, configured by
//  deploy/multiprocess/*.conf) under a bounded load, while each kind of
//  process in turn is killed with SIGKILL and restarted.
//
//  The load: station staff file missing reports and found persons with a
//  photo each through the HTTP API (retrying what was not acknowledged,
//  with the same external reference, as a client should), a police liaison
//  reviews candidates, and a client searches the index directly.
//
//  Checked at the end, with every process back: no acknowledged case,
//  photo, face or review lost; none twice; every face in every replica of
//  its partition; every search answered (complete or flagged partial)
//  within its deadline while the broker was up. The figures are printed.

//  (reliability.h: what the suite's files share; reliability_procs.c starts
//  the processes, reliability_load.c drives the load.)

#ifndef RELIABILITY_H_INCLUDED
#define RELIABILITY_H_INCLUDED

#include "mt_test.h"
#include "mt_test_store.h"
#include "mt_test_http.h"

#include "wire/mt_client.h"
#include "wire/mt_msg.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdbool.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"
#define S_CONF MT_TEST_SOURCE "/deploy/multiprocess"
#define S_PASSWORD "reliability password"
#define S_MAX_PEOPLE 120
#define S_HTTP_TIMEOUT_MS 45000
#define S_SEARCH_DEADLINE_MS 2000
//  Instrumented code (ASan, UBSan) runs several times slower on the same
//  two cores: a lighter load, and more time for an answer to come back.
#ifdef MT_SANITIZED
#   define S_PACE_MS 1500
#   define S_SLACK_MS 4000
#else
#   define S_PACE_MS 700
#   define S_SLACK_MS 1000
#endif

enum { P_BROKER, P_SHARD_00, P_SHARD_01, P_SHARD_10, P_SHARD_11, P_RESULTS, P_INTAKE,
       P_GATEWAY, P_COUNT };
extern const char *rel_proc_names [P_COUNT];

typedef struct {
    char dir [300], keys [320], log [340];
    char db [1024];                 //  the case store (mt_test_store.h)
    char front [64], back [64], api [64], jobs [64];
    int http;
    int pid [P_COUNT];
    mt_curve_config_t client;
    char tokens [2][80];            //  staff, police
    atomic_bool broker_down, stop;
    atomic_int broker_kills;        //  a search across a kill is excused whenever it ends
} rel_state_t;
extern rel_state_t S;

typedef struct {
    pthread_mutex_t lock;
    long requests, failures;
    long queries, answered, partial, unanswered, late, unavailable;
    long long worst_query_ms;
    int kills;
} rel_figures_t;
extern rel_figures_t F;

typedef struct {
    char ref [32];
    int person;
    bool found;
    int64_t case_id;                //  0 until acknowledged
    int64_t photo_id;               //  0 until acknowledged
    bool reviewed;                  //  acknowledged review (found cases)
    int64_t reviewed_with;
} rel_case_t;

extern rel_case_t rel_cases [2 * S_MAX_PEOPLE];
extern atomic_int rel_case_count;
//  The LFW people of tests/data (mt_test_lfw_people), set first in main.
extern const char *const *rel_people;
extern int rel_people_count;
#define S_PEOPLE rel_people_count

void rel_start (int which);
void rel_make_keys (void);
void rel_make_users (void);
void rel_wait_broker_answers (void);
const char *rel_text (json_t *value);
void *rel_writer (void *arg);
void *rel_reviewer (void *arg);
void *rel_searcher (void *arg);

#endif
