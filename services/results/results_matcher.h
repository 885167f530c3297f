//  results_matcher - the matcher thread of the results service. It owns
//  its own database handle and broker client; the API thread nudges it
//  through pipe ("N": work may wait; "$": stop).

#ifndef RESULTS_MATCHER_H_INCLUDED
#define RESULTS_MATCHER_H_INCLUDED

#include "results/results_actor.h"
#include "results/results_casemem.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "wire/mt_msg.h"
#include "results/store/mt_rank.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    RESULTS_WEIGH_INDEX_UNSEEN = 0,     //  not looked at since the start
    RESULTS_WEIGH_INDEX_THERE,
    RESULTS_WEIGH_INDEX_OUT             //  dropped while a cross-match runs
} results_weigh_index_t;

typedef struct {
    const results_config_t *config;
    void *pipe;                     //  nudges and $TERM from the API thread
    mt_casedb_t *db;
    mt_client_t *broker;
    //  The cross-match's own link, for searches in flight while the
    //  matcher's thread weighs (results_crossmatch.c).
    mt_client_t *crossmatch_broker;
    mt_rank_model_t model;
    //  What weighing reads of the cases it weighs against, kept while
    //  the store's version of each says it is current.
    results_casemem_t *casemem;
    //  At start, faces of open cases that the index lacks (a restored
    //  store's) are enrolled, case by case after enrol_after, until none.
    int64_t enrol_after;
    bool enrol_done;
    //  The list of found cases to score again (results_crossmatch.c):
    //  when it was last found empty, the time its chunks have taken since
    //  (scoring, not what the matcher did between them), and what the
    //  last emptying took (ms, mt_clock_s).
    double rescored_ms, rescore_spent_ms, rescore_took_ms;
    //  The store's index of pairs by found case (mt_casedb_weigh_index),
    //  as this thread last left it; the state a build or drop that failed
    //  was for, and when it is tried again (ms, mt_clock_s).
    results_weigh_index_t weigh_index, weigh_index_failed;
    double weigh_index_retry_ms;
} results_matcher_t;

//  How the cross-match's batches go (results_crossmatch_step): room for
//  about `size` query vectors in the next, its search not before
//  `after_ms` (mt_clock_s, in ms).
typedef struct {
    size_t size;
    double after_ms;
} results_pace_t;

//  The cross-match's next batches (results_crossmatch.c): the next open
//  cases of the side it is at, their faces (room for about pace->size query
//  vectors, and at least MT_INDEX_BLAS_LEAST faces where the side has them)
//  searched together on the cross-match's link to the broker, each weighed
//  against what was found; progress recorded. While the matcher weighs a
//  batch, the partitions search the next, as long as nothing else waits
//  (a message on m->pipe), the pace allows and the step has run less than
//  5 s. pace is updated: the next batch sized to search for about
//  crossmatch-batch-ms, and not before the partitions have had their
//  crossmatch-share of time. MT_ENOTFOUND when no cross-match runs.
int results_crossmatch_step (results_matcher_t *m, results_pace_t *pace, mt_err_t *err);

//  Whether a cross-match batch that takes room for `room` query vectors,
//  `faces` of them faces, takes a case of n faces as well (room for its
//  faces and four templates): while it fits in `most`, or the batch has
//  fewer than MT_INDEX_BLAS_LEAST faces, and never past MT_MSG_MAX_QUERIES.
bool results_batch_takes (size_t room, size_t faces, size_t n, size_t most);

//  results_weigh.c: add id to the set (ids, count, size) if it is not
//  there yet.
int results_set_add_id (int64_t **ids, size_t *count, size_t *size, int64_t id);

//  A set of case ids (results_set_add_id's three).
typedef struct {
    int64_t *ids;
    size_t count, size;
} results_set_t;

//  results_weigh.c: weigh case c (its faces: n) against the cases in
//  *others_p (found by a search) and every case it is paired with already, store the pairs
//  (the best `keep`) and score its found cases' candidates again, in one
//  transaction. *others_p grows; *weighed_p says how many were weighed.
//  With later (not NULL) the found cases to score again are added to that
//  set instead, for the caller to score once each after many cases: c
//  itself if it is found, else the found cases whose pair with c changed.
int results_weigh (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                   size_t n, int64_t **others_p, size_t *other_count_p,
                   size_t *other_size_p, size_t *weighed_p, results_set_t *later,
                   mt_err_t *err);

//  results_weigh.c: neighbours per face searched in MobileFaceNet's
//  galleries (0: they are not searched).
size_t results_search_k2 (const results_config_t *config);

//  results_weigh.c: the cases hit by queries first .. first+count-1 of a
//  search reply (NULL: none) join the set (others, count, size).
int results_hits_add (const mt_msg_t *reply, size_t first, size_t count, int64_t **others,
                      size_t *other_count, size_t *other_size, mt_err_t *err);

//  results_weigh.c: a search of gallery ns (k hits a query) with room for
//  most queries of the gallery's dimension in its vectors, to fill; NULL
//  when out of memory.
mt_msg_t *results_search_new (int ns, uint32_t k, size_t most);
//  Send a search with its first q queries (none: *reply_p NULL) through
//  a link to the broker (the matcher's, or the cross-match's); the search
//  is destroyed. An answer with partitions missing is MT_EUNAVAILABLE when
//  partial_fails, else *partial_p says so (may be NULL then).
int results_search_send (mt_client_t *broker, mt_msg_t *search, size_t q, int timeout_ms,
                         bool partial_fails, bool *partial_p, mt_msg_t **reply_p,
                         mt_err_t *err);

//  results_same_weigh.c: search case c's own side with its faces (n) and
//  weigh it against the cases found and those it is paired with already as
//  one person registered twice; pairs at or above the same-person floor
//  are kept (mt_casedb_same_put), in one transaction.
int results_same_weigh (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                        size_t n, mt_err_t *err);
//  The same, weighing the cases in *others_p (a search's hits, found by
//  the caller: the cross-match's batch) and those c is paired with already;
//  *others_p grows. Its pairs are scored at once, or, when later (a
//  cross-match), in a round: c and its partners are listed for it
//  (mt_casedb_same_due_add) with the pairs. Same-side neighbours searched per
//  face: RESULTS_SAME_K (one person's other record lies among the nearest
//  few, where a family's may not: years apart).
#define RESULTS_SAME_K 10
int results_same_weigh_hits (results_matcher_t *m, const mt_case_t *c,
                             const mt_face_row_t *faces, size_t n, int64_t **others_p,
                             size_t *count_p, size_t *size_p, bool later, mt_err_t *err);
//  results_weigh.c: c's linked group as one person (issue 27): the faces
//  of its records, c's own (faces, n) first, in a new array (*pooled_p;
//  *count_p how many), and the facts its records give c's pairs
//  (mt_rank_group_facts) in *person; *records_p the records. c alone:
//  *pooled_p NULL, *person c, *records_p 0.
int results_group_person (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                          size_t n, mt_face_row_t **pooled_p, size_t *count_p,
                          mt_case_t *person, int *records_p, mt_err_t *err);

//  The thread's body (pthread_create); arg is a results_matcher_t.
void *results_matcher_run (void *arg);

#endif
