//  mti_faiss_extra - what libmatch needs from FAISS beyond its official C
//  API: read every (id, vector) back out of an index (to rebuild it as
//  another type), describe an index's type and search parameter, and exact
//  k-nearest neighbours over a plain array (the ground truth that recall is
//  measured against). A thin C wrapper over the C++ library, compiled with
//  every FAISS (the upstream C API has none of these).

#ifndef MTI_FAISS_EXTRA_H_INCLUDED
#define MTI_FAISS_EXTRA_H_INCLUDED

#include <faiss/c_api/Index_c.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Copy the index's ntotal ids and vectors (ntotal x d floats) into the
//  caller's arrays, in the index's storage order. Works for IDMap/IDMap2
//  over Flat or HNSW and for IVF indexes (SQ8 vectors come back decoded).
//  0 on success; otherwise -1 and a reason in why.
int mti_faiss_export (const FaissIndex *index, int64_t *ids, float *vectors, char *why,
                      size_t why_size);

//  The vectors of n ids (n x d floats, in the order of ids); found[i] says
//  whether ids[i] is in the index (its row is left alone when not). One pass
//  over the index's ids. Same index types as mti_faiss_export. 0 on
//  success; otherwise -1 and a reason in why.
int mti_faiss_vectors_of (const FaissIndex *index, size_t n, const int64_t *ids,
                          float *vectors, unsigned char *found, char *why, size_t why_size);

//  What the index is, for logs and status: e.g. "IVF4096,Flat nprobe=32",
//  "IDMap,Flat", "HNSW32 efSearch=64".
void mti_faiss_describe (const FaissIndex *index, char *text, size_t size);

//  Exact k nearest (squared L2) of nx queries among ny vectors; labels are
//  positions in y, -1 when ny < k. 0 on success, -1 with a reason.
int mti_faiss_knn (const float *x, size_t nx, const float *y, size_t ny, size_t d, size_t k,
                   float *distances, int64_t *labels, char *why, size_t why_size);

//  Search n queries in an IVF index list by list: the queries that probe a
//  list are compared with its vectors in one matrix product (BLAS), instead
//  of each query scanning its lists alone. Same answers as an IVF,Flat
//  index's own search at its nprobe (ties aside), several times faster for
//  batches (the cross-match's). Another IVF index (IVF,PQ) gives its
//  lists' exact vectors from store (an IDMap2 index; NULL for IVF,Flat):
//  exact distances within the probed lists. *done is 0 when neither applies
//  (nothing was searched). 0 on success, -1 with a reason.
int mti_faiss_ivf_search_grouped (const FaissIndex *index, const FaissIndex *store, size_t n,
                                  const float *x, size_t k, float *distances, int64_t *labels,
                                  int *done, char *why, size_t why_size);

//  Whether the index is IVF,PQ (its vectors kept as codes: its candidates
//  are re-ranked on the exact vectors, mti_faiss_refine).
int mti_faiss_is_pq (const FaissIndex *index);

//  Re-rank each of n queries' candidates (n x candidates ids, -1 for none)
//  by their exact vectors in store (an IDMap2 index): the k nearest of
//  them, squared L2, nearest first; -1 past the candidates there are.
//  0 on success, -1 with a reason.
int mti_faiss_refine (const FaissIndex *store, size_t n, const float *x, size_t candidates,
                      const int64_t *labels_in, size_t k, float *distances, int64_t *labels,
                      char *why, size_t why_size);

//  Stopping its long computations: mti_faiss_stop.h.

#ifdef __cplusplus
}
#endif

#endif
