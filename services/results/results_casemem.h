//  results_casemem - what weighing reads of a case, kept in memory: its
//  kind, state and linked group, every fact but text ones (sex, province,
//  ages, birth years, dates) and its faces with both descriptors, as
//  mt_casedb_faces_of_case gives them (issue 26: reading the fifty cases
//  each case is weighed against was the matcher's largest read).
//
//  The store stays the truth. Each copy is kept with the case's version
//  (mt_casedb_case_version: every change to the case, its faces or its
//  photos changes it, by the store's own triggers) and is used only while
//  the store's version is the same: one indexed read instead of the case
//  and its faces. A change made by any path, any process or a command is
//  seen at the next use. Names, contacts and notes are not kept.
//
//  Trusted (results_casemem_trust), within a transaction that holds the
//  store's write lock, a copy checked at the store's count of changes
//  (mt_casedb_case_changes) is used without reading its version while the
//  count is the same: a cross-match's weighing reads the count once, not
//  fifty versions a case.
//
//  Bounded: past its budget, copies not used since the last sweep go.
//  One owner (the matcher thread); not shared between threads.

#ifndef RESULTS_CASEMEM_H_INCLUDED
#define RESULTS_CASEMEM_H_INCLUDED

#include "results/store/mt_casedb.h"

#include <stddef.h>
#include <stdint.h>

typedef struct results_casemem results_casemem_t;

//  Copies use at most budget bytes (0: none kept; every get reads the
//  store). NULL when out of memory.
results_casemem_t *results_casemem_new (size_t budget);
void results_casemem_destroy (results_casemem_t **self_p);

//  Case id as weighing reads it: *c its facts that weigh (the rest empty,
//  photo and face counts 0), *faces_p (the caller frees) its faces as
//  mt_casedb_faces_of_case gives them, *count_p how many. From memory when
//  the store's version of the case is the copy's, else read from db and
//  kept. MT_ENOTFOUND for an unknown case.
int results_casemem_get (results_casemem_t *self, mt_casedb_t *db, int64_t id, mt_case_t *c,
                         mt_face_row_t **faces_p, size_t *count_p, mt_err_t *err);

//  Read the store's count of changes: until results_casemem_distrust, a
//  copy checked at that count is the store's. Only within a transaction
//  that holds the write lock (mt_casedb_begin), in which nothing writes
//  cases, faces or photos: on SQLite no other writer can change one
//  meanwhile. (PostgreSQL keeps no count: every copy's version is read.)
void results_casemem_trust (results_casemem_t *self, mt_casedb_t *db);
void results_casemem_distrust (results_casemem_t *self);

typedef struct {
    size_t cases;                   //  copies held
    size_t bytes;                   //  their memory, the table's included
    uint64_t hits, misses;          //  gets answered from memory, and read from the store
    uint64_t checks;                //  versions read
} results_casemem_stats_t;

results_casemem_stats_t results_casemem_stats (const results_casemem_t *self);

#endif
