//  results_checkpoint - moves the case store's write-ahead log into the
//  database about once a second, on a thread and a connection of its own,
//  so that no commit a case waits on does it (SQLite moved it at the
//  commit that filled the log to 1000 pages: ~0.3 s, once every few cases,
//  in bench-cases' p99). The service's own connections leave it to this
//  (mt_casedb_checkpoint_by_hand). Nothing to do on PostgreSQL: no thread.

#ifndef RESULTS_CHECKPOINT_H_INCLUDED
#define RESULTS_CHECKPOINT_H_INCLUDED

#include "base/mt_error.h"

#define RESULTS_CHECKPOINT_MS 1000

typedef struct results_checkpoint results_checkpoint_t;

//  Start for the store db (a SQLite file; *self_p stays NULL for
//  PostgreSQL).
int results_checkpoint_start (const char *db, results_checkpoint_t **self_p, mt_err_t *err);

//  A last checkpoint, then stop; NULL-safe; sets *self_p to NULL.
void results_checkpoint_stop (results_checkpoint_t **self_p);

#endif
