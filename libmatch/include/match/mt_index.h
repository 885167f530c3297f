//  mt_index - a FAISS vector index behind a small C API: L2 distance,
//  64-bit ids, any FAISS factory string ("IDMap,Flat" is exact search).
//  Not thread-safe for writes; concurrent searches are safe.

#ifndef MT_INDEX_H_INCLUDED
#define MT_INDEX_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "match/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Exact search with ids: every stored vector is compared with the query.
#define MT_INDEX_DEFAULT_FACTORY "IDMap,Flat"

typedef struct mt_index mt_index_t;

//  Create an empty index of dimension dim from a FAISS factory string
//  (squared-L2 metric). The string must give an index that takes ids
//  ("IDMap,..." or an IVF index). Caller owns *self_p.
int mt_index_new (const char *factory, int dim, mt_index_t **self_p, mt_err_t *err);

//  Destroy an index; NULL-safe; sets *self_p to NULL.
void mt_index_destroy (mt_index_t **self_p);

//  Whether the index needs no (more) training before add.
bool mt_index_is_trained (const mt_index_t *self);

//  Train an index that needs it (IVF) on n sample vectors.
int mt_index_train (mt_index_t *self, size_t n, const float *x, mt_err_t *err);

//  Add n vectors (n x dim floats) with their ids.
int mt_index_add (mt_index_t *self, size_t n, const float *x, const int64_t *ids,
                  mt_err_t *err);

//  For each of n queries the k nearest: distances (squared L2) and ids,
//  n x k each, nearest first; missing hits have id -1.
int mt_index_search (const mt_index_t *self, size_t n, const float *queries, size_t k,
                     float *distances, int64_t *ids, mt_err_t *err);

//  Remove the vectors with these ids; *removed_p (may be NULL) says how many
//  there were.
int mt_index_remove (mt_index_t *self, size_t n, const int64_t *ids, size_t *removed_p,
                     mt_err_t *err);

//  Number of vectors stored.
size_t mt_index_size (const mt_index_t *self);
int mt_index_dim (const mt_index_t *self);

//  Set a search parameter of the index (e.g. "nprobe" of an IVF index).
int mt_index_set_param (mt_index_t *self, const char *name, double value, mt_err_t *err);

//  Write the index to file at its current position / read one from there.
int mt_index_write (const mt_index_t *self, FILE *file, mt_err_t *err);
int mt_index_read (FILE *file, mt_index_t **self_p, mt_err_t *err);

//  Process-wide tuning for search (shared FACTS.md): FAISS's OpenMP threads
//  set to one so that they do not fight OpenBLAS's (blas_threads of them).
//  The BLAS path starts at 20 queries, FAISS's default (measured best here).
//  OpenMP's setting belongs to the calling thread: call this in every thread
//  that searches.
void mt_index_tune_threads (int blas_threads);

#ifdef __cplusplus
}
#endif

#endif
