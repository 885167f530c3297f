//  mt_gallery - one namespace of faces (the "missing" or the "found"
//  gallery of a shard): a vector index plus each face's case and province,
//  searchable with an optional province filter.
//
//  Adding a face id that is already there does nothing (replays and retried
//  requests are harmless). A content digest, independent of the order of
//  adds and removes, lets two replicas compare what they hold.

#ifndef MT_GALLERY_H_INCLUDED
#define MT_GALLERY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mt_error.h"
#include "index/mt_index.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Face ids are FAISS ids: they must be below 2^63.
#define MT_FACE_ID_MAX ((uint64_t) INT64_MAX)

typedef struct {
    uint64_t face_id;
    uint64_t case_id;
    uint32_t province;
} mt_face_meta_t;

typedef struct {
    uint64_t face_id;
    uint64_t case_id;
    float distance;         //  L2, not squared
    uint32_t province;
} mt_hit_t;

typedef struct mt_gallery mt_gallery_t;

//  An empty gallery whose index comes from a FAISS factory string (NULL for
//  the exact default). Caller owns *self_p.
int mt_gallery_new (const char *factory, int dim, mt_gallery_t **self_p, mt_err_t *err);

//  An empty gallery whose index type follows plan as it grows (exact while
//  small, IVF past plan->exact_below with "auto"): mt_gallery_maintain
//  rebuilds it in the background when its size calls for another index.
int mt_gallery_new_planned (const mt_index_plan_t *plan, int dim, mt_gallery_t **self_p,
                            mt_err_t *err);

//  Let a gallery read from a file follow plan from now on.
void mt_gallery_set_plan (mt_gallery_t *self, const mt_index_plan_t *plan);

//  What a call of mt_gallery_maintain did.
typedef enum {
    MT_GALLERY_IDLE = 0,        //  nothing to do
    MT_GALLERY_STARTED,         //  a rebuild began (report: what it will build)
    MT_GALLERY_BUILDING,        //  a rebuild is still running
    MT_GALLERY_SWAPPED,         //  the rebuilt index took over (report says what it is)
    MT_GALLERY_FAILED           //  the rebuild failed (err says why); the old index stays
} mt_gallery_step;

//  Start a rebuild if the gallery's size calls for another index (a planned
//  gallery: exact <-> IVF around the plan's size, IVF rebuilt with more
//  lists each time it has doubled), or take over a finished one. Searches
//  and writes go on meanwhile. Call it from the thread that writes, often
//  (after writes, and about every second while a rebuild runs).
mt_gallery_step mt_gallery_maintain (mt_gallery_t *self, mt_index_report_t *report,
                                     mt_err_t *err);

//  Wait for a running rebuild and let it take over (before writing the
//  gallery to a file). MT_OK also when there was none or it failed (the old
//  index then stays; err says why in that case, with the return code).
int mt_gallery_finish_rebuild (mt_gallery_t *self, mt_index_report_t *report, mt_err_t *err);

//  Whether a rebuild is running.
bool mt_gallery_rebuilding (const mt_gallery_t *self);

//  What the index is now, e.g. "IVF1024,Flat nprobe=40".
void mt_gallery_describe (const mt_gallery_t *self, char *text, size_t size);

//  Destroy a gallery; NULL-safe; sets *self_p to NULL.
void mt_gallery_destroy (mt_gallery_t **self_p);

//  Add n faces (meta [i] with vectors [i * dim ...]). Faces already present
//  are skipped; *added_p (may be NULL) counts the new ones.
int mt_gallery_add (mt_gallery_t *self, size_t n, const mt_face_meta_t *meta,
                    const float *vectors, size_t *added_p, mt_err_t *err);

//  Remove faces by id, and every face of case_id when it is not 0.
int mt_gallery_remove (mt_gallery_t *self, size_t n, const uint64_t *face_ids,
                       uint64_t case_id, size_t *removed_p, mt_err_t *err);

//  The k nearest faces of each of n queries, optionally only from the
//  listed provinces (province_count 0: all). hits holds n x k entries;
//  counts [q] says how many of query q's are filled (fewer than k when the
//  gallery or the filter has fewer faces). Exact with the default index,
//  filter included.
int mt_gallery_search (const mt_gallery_t *self, size_t n, const float *queries, size_t k,
                       const uint32_t *provinces, size_t province_count, mt_hit_t *hits,
                       size_t *counts, mt_err_t *err);

size_t mt_gallery_size (const mt_gallery_t *self);
int mt_gallery_dim (const mt_gallery_t *self);
uint64_t mt_gallery_digest (const mt_gallery_t *self);

//  Whether face_id is stored; fills *meta_p (may be NULL) if so.
int mt_gallery_contains (const mt_gallery_t *self, uint64_t face_id, mt_face_meta_t *meta_p);

//  Which faces a gallery hands over: want (meta, arg) says yes or no.
typedef bool (*mt_gallery_want_fn) (const mt_face_meta_t *meta, void *arg);

//  Up to most of the faces that want picks, with their vectors: meta and
//  vectors hold room for most faces (most x dim floats); *count_p gets how
//  many were filled and *total_p (may be NULL) how many faces want picks in
//  all. One pass over the faces and one over the index.
int mt_gallery_select (const mt_gallery_t *self, mt_gallery_want_fn want, void *arg,
                       size_t most, mt_face_meta_t *meta, float *vectors, size_t *count_p,
                       size_t *total_p, mt_err_t *err);

//  Write the whole gallery to file at its position (not while a rebuild
//  runs: finish it first); read one back.
int mt_gallery_write (const mt_gallery_t *self, FILE *file, mt_err_t *err);
int mt_gallery_read (FILE *file, mt_gallery_t **self_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
