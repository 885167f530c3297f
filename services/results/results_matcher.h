//  results_matcher - the matcher thread of the results service. It owns
//  its own database handle and broker client; the API thread nudges it
//  through pipe ("N": work may wait; "$": stop).

#ifndef RESULTS_MATCHER_H_INCLUDED
#define RESULTS_MATCHER_H_INCLUDED

#include "results/results_actor.h"
#include "match/mt_casedb.h"
#include "match/mt_client.h"
#include "match/mt_rank.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const results_config_t *config;
    void *pipe;                     //  nudges and $TERM from the API thread
    mt_casedb_t *db;
    mt_client_t *broker;
    mt_rank_model_t model;
    //  At start, faces of open cases that the index lacks (a restored
    //  store's) are enrolled, case by case after enrol_after, until none.
    int64_t enrol_after;
    bool enrol_done;
} results_matcher_t;

//  The thread's body (pthread_create); arg is a results_matcher_t.
void *results_matcher_run (void *arg);

#endif
