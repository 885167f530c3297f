//  mt_index - a FAISS vector index behind a small C API: L2 distance,
//  64-bit ids, any FAISS factory string ("IDMap,Flat" is exact search).
//  Not thread-safe for writes; concurrent searches are safe.

#ifndef MT_INDEX_H_INCLUDED
#define MT_INDEX_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Exact search with ids: every stored vector is compared with the query.
#define MT_INDEX_DEFAULT_FACTORY "IDMap,Flat"

typedef struct mt_index mt_index_t;

//  Create an empty index of dimension dim from a FAISS factory string
//  (squared-L2 metric). The string must give an index that takes ids
//  ("IDMap,..." or an IVF index). An IVF,PQ index also keeps the exact
//  vectors ("IDMap2,Flat") to re-rank its candidates by, and to read them
//  back out. Caller owns *self_p.
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

//  Batches of at least this many queries against an IVF index are searched
//  list by list, each list's queries in one matrix product with its
//  vectors (IVF,PQ: its exact vectors; the same answers as IVF,Flat's own
//  search, several times faster for a cross-match's batches).
#define MT_INDEX_GROUPED_BATCH 64

//  An IVF,PQ index keeps each vector as a short code: its search takes
//  this many times k candidates by the codes' distances (at least its
//  "refine" parameter: MT_INDEX_REFINE_LEAST, or up to MT_INDEX_REFINE_MOST
//  where its tuning needed more) and returns the k nearest of them by the
//  exact vectors, which it keeps beside the codes.
#define MT_INDEX_REFINE_FACTOR 5
#define MT_INDEX_REFINE_LEAST 100
#define MT_INDEX_REFINE_MOST 400

//  For each of n queries the k nearest: distances (squared L2) and ids,
//  n x k each, nearest first; missing hits have id -1.
int mt_index_search (const mt_index_t *self, size_t n, const float *queries, size_t k,
                     float *distances, int64_t *ids, mt_err_t *err);

//  As mt_index_search, each query answered as a query alone is (IVF,PQ:
//  by its codes, re-ranked; never the batch path): what tuning measures,
//  so that live searches hold the target.
int mt_index_search_alone (const mt_index_t *self, size_t n, const float *queries, size_t k,
                           float *distances, int64_t *ids, mt_err_t *err);

//  Remove the vectors with these ids; *removed_p (may be NULL) says how many
//  there were.
int mt_index_remove (mt_index_t *self, size_t n, const int64_t *ids, size_t *removed_p,
                     mt_err_t *err);

//  Number of vectors stored.
size_t mt_index_size (const mt_index_t *self);
int mt_index_dim (const mt_index_t *self);

//  Set a search parameter of the index (e.g. "nprobe" of an IVF index;
//  "refine": the fewest candidates an IVF,PQ index re-ranks, kept with it).
int mt_index_set_param (mt_index_t *self, const char *name, double value, mt_err_t *err);

//  Write the index to file at its current position / read one from there.
int mt_index_write (const mt_index_t *self, FILE *file, mt_err_t *err);
int mt_index_read (FILE *file, mt_index_t **self_p, mt_err_t *err);

//  The vectors of n ids (n x dim floats, in the order of ids, decoded for
//  IVF); found[i] says whether ids[i] is in the index. One pass over the
//  index's ids.
int mt_index_vectors_of (const mt_index_t *self, size_t n, const int64_t *ids, float *vectors,
                         unsigned char *found, mt_err_t *err);

//  Copy every id and vector out of the index (to rebuild it as another
//  type): *ids_p gets size() ids and *vectors_p size() x dim floats, both
//  the caller's to free. IVF indexes give their vectors decoded.
int mt_index_export (const mt_index_t *self, int64_t **ids_p, float **vectors_p,
                     mt_err_t *err);

//  What the index is, e.g. "IVF4096,Flat nprobe=32" (for logs and status).
void mt_index_describe (const mt_index_t *self, char *text, size_t size);

//  Exact k nearest (squared L2) of nx queries among ny vectors of dim
//  floats, by brute force: the ground truth for recall. labels are
//  positions in y (-1 past ny). n x k each.
int mt_index_knn_exact (const float *x, size_t nx, const float *y, size_t ny, int dim,
                        size_t k, float *distances, int64_t *labels, mt_err_t *err);

//  The kinds of index a gallery can hold.
typedef enum {
    MT_INDEX_AUTO = 0,      //  exact below a size, IVF,PQ above
    MT_INDEX_EXACT = 1,     //  IDMap,Flat: every vector compared
    MT_INDEX_IVF = 2,       //  IVF,Flat: the nearest lists of vectors, exact within them
    MT_INDEX_IVF_SQ8 = 3,   //  IVF,SQ8: as IVF, vectors kept in 8 bits per dimension
    MT_INDEX_HNSW = 4,      //  HNSW graph (no removal: rebuilt to forget a vector)
    MT_INDEX_IVF_PQ = 5     //  IVF,PQ: lists of 4-dimension codes, candidates re-ranked
                            //  on the exact vectors
} mt_index_kind;

//  "auto", "exact", "ivf", "ivf-sq8", "hnsw", "ivf-pq"; NULL for anything else.
const char *mt_index_kind_name (int kind);
//  MT_INDEX_* from its name; -1 if unknown.
int mt_index_kind_from_name (const char *name);

typedef struct {
    int kind;                   //  MT_INDEX_*
    double recall_target;       //  recall@20 against exact search to hold (0.99)
    size_t exact_below;         //  auto: exact search below this many vectors
    size_t tune_queries;        //  sample of stored vectors to measure recall on (200)
    size_t hnsw_quantizer_from; //  IVF lists from which an HNSW graph finds them (8192)
    //  Tuning on the family (mt_index_build_grouped): the share of a
    //  face's own case's faces, among its exact 20 nearest and within
    //  family_radius, that the index must return (0.995); the radius (L2,
    //  not squared; 0: the descriptor's, mt_index_family_radius); how many
    //  stored faces to sample (2000). family_target 0: the 20 nearest, as
    //  mt_index_build.
    double family_target;
    double family_radius;
    size_t family_queries;
    size_t ivf_lists;           //  IVF lists; 0: by size (about 4 sqrt(n), a power of two)
    int refine_most;            //  IVF,PQ: candidates re-ranked at most (MT_INDEX_REFINE_MOST)
    //  An IVF index that must probe more than this share of its lists to
    //  reach the target is built as exact search instead (0: never; the
    //  service's auto plan: MT_INDEX_PROBE_MOST). Probing most lists reads
    //  most of the vectors one at a time, where exact search reads them
    //  all in one matrix product a batch of MT_INDEX_BLAS_LEAST queries or
    //  more, and is exact.
    double probe_most;
} mt_index_plan_t;

#define MT_INDEX_PROBE_MOST 0.5

//  The distance (L2) beyond which two faces of one descriptor no longer
//  have a chance to be one person: dlib's 128-d descriptor 0.86,
//  MobileFaceNet's 192-d 1.54 (how they were derived: mt_index_build.c).
//  0 for another dimension (no radius known: every neighbour counts).
double mt_index_family_radius (int dim);

//  The kind of an existing index (MT_INDEX_EXACT for a factory-made one of
//  another type).
int mt_index_kind_of (const mt_index_t *index);

//  An IVF plan for fewer vectors than this builds exact search (too few to
//  train lists on; exact search of them costs nothing).
#define MT_INDEX_IVF_MIN 78
//  An IVF,PQ plan for fewer builds IVF,Flat (each byte of a code is one of
//  256 values learnt from the vectors: 8 vectors a value at least).
#define MT_INDEX_PQ_MIN 2048

//  The kind a plan of this kind builds for n vectors (the two rules above).
int mt_index_kind_for_size (int kind, size_t n);

//  The defaults: auto, recall 0.99, exact below 200,000, 200 tuning queries;
//  family: 0.995 of the family within the descriptor's radius, 2000 faces.
mt_index_plan_t mt_index_plan_default (void);

//  The kind a plan gives for n vectors (auto resolved: exact below
//  exact_below, IVF,PQ above; mt_index_kind_for_size applied).
int mt_index_plan_kind (const mt_index_plan_t *plan, size_t n);

typedef struct {
    char factory [64];          //  FAISS factory string used
    char param [16];            //  search parameter tuned ("nprobe", "efSearch", "")
    int param_value;
    double recall;              //  recall@20 measured on the tuning sample (1 for exact)
    char rule [16];             //  what was tuned on: "nearest" (the 20 nearest), "family"
    size_t family_faces;        //  family rule: target faces in the sample
    double train_s, add_s, tune_s;
    bool short_of_target;       //  the tuning could not reach the target
    int refine;                 //  IVF,PQ that needed more candidates re-ranked: how many
    char note [320];            //  IVF,PQ that fell short: why, and IVF,Flat built instead;
                                //  IVF that probed most lists: exact search built instead
} mt_index_report_t;

//  Build an index of the plan's kind for these n vectors: factory chosen by
//  size, trained on a sample of the vectors themselves, filled, then its
//  search parameter set to the smallest value whose recall@20 against exact
//  search, on a sample of the stored vectors as queries, meets the target.
//  report (may be NULL) says what was built and measured. An index that
//  cannot meet the target at any setting is an error (keep exact search).
int mt_index_build (const mt_index_plan_t *plan, int dim, size_t n, const int64_t *ids,
                    const float *vectors, mt_index_t **self_p, mt_index_report_t *report,
                    mt_err_t *err);

//  As mt_index_build, but the search parameter is tuned on the family
//  rather than on strangers: cases [i] is the case of vector i. For a
//  sample of plan->family_queries stored faces, the target is those of
//  their exact 20 nearest that belong to the same case and lie within the
//  plan's radius (another photo of the same person, near enough for the
//  evidence to give the pair a chance); the parameter is the smallest that
//  returns the plan's family_target of them, with half the misses allowed
//  (stored faces are easier queries than new photos). A sample with no such
//  faces (every case a single face, or synthetic data) falls back to
//  mt_index_build's rule. cases NULL: mt_index_build. report->rule says
//  which rule tuned it.
int mt_index_build_grouped (const mt_index_plan_t *plan, int dim, size_t n, const int64_t *ids,
                            const uint64_t *cases, const float *vectors, mt_index_t **self_p,
                            mt_index_report_t *report, mt_err_t *err);

//  Process-wide tuning for search (shared FACTS.md): FAISS's OpenMP threads
//  set to one so that they do not fight OpenBLAS's (blas_threads of them).
//  The BLAS path starts at MT_INDEX_BLAS_LEAST queries, FAISS's default
//  (measured best here); a batch of fewer is searched a query and a vector
//  at a time (FAISS's scalar distance). OpenMP's setting belongs to the
//  calling thread: call this in every thread that searches.
void mt_index_tune_threads (int blas_threads);

#define MT_INDEX_BLAS_LEAST 20

#ifdef __cplusplus
}
#endif

#endif
