//  mt_gallery - one namespace of faces (the "missing" or the "found"
//  gallery of a shard): a vector index plus each face's case and province,
//  searchable with an optional province filter.
//
//  Adding a face id that is already there does nothing (replays and retried
//  requests are harmless). A content digest, independent of the order of
//  adds and removes, lets two replicas compare what they hold.

#ifndef MT_GALLERY_H_INCLUDED
#define MT_GALLERY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "match/mt_error.h"

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

//  Write the whole gallery to file at its position; read one back.
int mt_gallery_write (const mt_gallery_t *self, FILE *file, mt_err_t *err);
int mt_gallery_read (FILE *file, mt_gallery_t **self_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
