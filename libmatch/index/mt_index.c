//  mt_index - the only C file that calls FAISS (through its C API).

#include "index/mt_index.h"

#include "mti_faiss_extra.h"

#include <cblas.h>
#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/impl/AuxIndexStructures_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <faiss/c_api/utils/distances_c.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Marks an IVF,PQ index's re-ranking settings in a written index.
#define S_REFINE_MAGIC 0x46524d4du   //  "MMRF"

struct mt_index {
    FaissIndex *faiss;
    FaissIndex *exact;          //  IVF,PQ only: the vectors by id (IDMap2,Flat)
    uint32_t refine;            //  IVF,PQ only: the fewest candidates re-ranked
    int dim;
};

//  Turn a failed FAISS call into an error with FAISS's own message.
static int
s_check (int faiss_rc, const char *what, mt_err_t *err)
{
    if (faiss_rc == 0)
        return MT_OK;
    const char *why = faiss_get_last_error ();
    return mt_err_set (err, MT_EINTERNAL, "FAISS %s failed: %s", what, why ? why : "unknown");
}

int
mt_index_new (const char *factory, int dim, mt_index_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (dim < 1 || dim > 4096)
        return mt_err_set (err, MT_EINVAL, "index dimension %d out of range", dim);
    mt_index_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->dim = dim;
    if (faiss_index_factory (&self->faiss, dim, factory, METRIC_L2) != 0) {
        const char *why = faiss_get_last_error ();
        free (self);
        return mt_err_set (err, MT_EINVAL, "index type '%s' is not valid: %s", factory,
                           why ? why : "unknown");
    }
    self->refine = MT_INDEX_REFINE_LEAST;
    if (mti_faiss_is_pq (self->faiss)
    &&  faiss_index_factory (&self->exact, dim, "IDMap2,Flat", METRIC_L2) != 0) {
        const char *why = faiss_get_last_error ();
        mt_index_destroy (&self);
        return mt_err_set (err, MT_EINTERNAL, "cannot keep the vectors of '%s': %s", factory,
                           why ? why : "unknown");
    }
    *self_p = self;
    return MT_OK;
}

void
mt_index_destroy (mt_index_t **self_p)
{
    if (self_p && *self_p) {
        faiss_Index_free ((*self_p)->faiss);
        if ((*self_p)->exact)
            faiss_Index_free ((*self_p)->exact);
        free (*self_p);
        *self_p = NULL;
    }
}

bool
mt_index_is_trained (const mt_index_t *self)
{
    return faiss_Index_is_trained (self->faiss) != 0;
}

int
mt_index_train (mt_index_t *self, size_t n, const float *x, mt_err_t *err)
{
    return s_check (faiss_Index_train (self->faiss, (idx_t) n, x), "train", err);
}

int
mt_index_add (mt_index_t *self, size_t n, const float *x, const int64_t *ids, mt_err_t *err)
{
    if (n == 0)
        return MT_OK;
    int rc = s_check (faiss_Index_add_with_ids (self->faiss, (idx_t) n, x, ids), "add", err);
    if (rc == MT_OK && self->exact) {
        rc = s_check (faiss_Index_add_with_ids (self->exact, (idx_t) n, x, ids), "add", err);
        //  The codes without their vectors would be found and never
        //  re-ranked: take them out again.
        if (rc != MT_OK) {
            mt_err_t ignored;
            mt_index_t codes_only = { .faiss = self->faiss, .dim = self->dim };
            mt_index_remove (&codes_only, n, ids, NULL, &ignored);
        }
    }
    return rc;
}

//  An IVF,PQ index: candidates by the codes, the k nearest of them by the
//  exact vectors.
static int
s_search_refined (const mt_index_t *self, size_t n, const float *queries, size_t k,
                  float *distances, int64_t *ids, mt_err_t *err)
{
    size_t candidates = k * MT_INDEX_REFINE_FACTOR;
    if (candidates < self->refine)
        candidates = self->refine;
    float *rough = malloc (n * candidates * sizeof *rough);
    int64_t *found = malloc (n * candidates * sizeof *found);
    int rc = MT_OK;
    if (!rough || !found)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory searching %zu queries", n);
    if (rc == MT_OK)
        rc = s_check (faiss_Index_search (self->faiss, (idx_t) n, queries, (idx_t) candidates,
                                          rough, found), "search", err);
    char why [256] = "";
    if (rc == MT_OK
    &&  mti_faiss_refine (self->exact, n, queries, candidates, found, k, distances, ids, why,
                          sizeof why) != 0)
        rc = mt_err_set (err, MT_EINTERNAL, "re-ranking by the exact vectors failed: %s", why);
    free (rough), free (found);
    return rc;
}

int
mt_index_search (const mt_index_t *self, size_t n, const float *queries, size_t k,
                 float *distances, int64_t *ids, mt_err_t *err)
{
    if (n == 0 || k == 0)
        return MT_OK;
    //  A batch against IVF lists: one matrix product per list (IVF,PQ: of
    //  the lists' exact vectors).
    if (n >= MT_INDEX_GROUPED_BATCH) {
        int done = 0;
        char why [256] = "";
        if (mti_faiss_ivf_search_grouped (self->faiss, self->exact, n, queries, k, distances,
                                          ids, &done, why, sizeof why) != 0)
            return mt_err_set (err, MT_EINTERNAL, "FAISS search failed: %s", why);
        if (done)
            return MT_OK;
    }
    if (self->exact)
        return s_search_refined (self, n, queries, k, distances, ids, err);
    return s_check (faiss_Index_search (self->faiss, (idx_t) n, queries, (idx_t) k,
                                        distances, ids), "search", err);
}

int
mt_index_search_alone (const mt_index_t *self, size_t n, const float *queries, size_t k,
                       float *distances, int64_t *ids, mt_err_t *err)
{
    if (n == 0 || k == 0)
        return MT_OK;
    if (self->exact)
        return s_search_refined (self, n, queries, k, distances, ids, err);
    //  IVF,Flat's batch path gives the same answers as its queries alone.
    return mt_index_search (self, n, queries, k, distances, ids, err);
}

int
mt_index_remove (mt_index_t *self, size_t n, const int64_t *ids, size_t *removed_p,
                 mt_err_t *err)
{
    if (removed_p)
        *removed_p = 0;
    if (n == 0)
        return MT_OK;
    FaissIDSelectorBatch *selector;
    int rc = s_check (faiss_IDSelectorBatch_new (&selector, n, ids), "id selector", err);
    if (rc != MT_OK)
        return rc;
    size_t removed = 0;
    rc = s_check (faiss_Index_remove_ids (self->faiss, (const FaissIDSelector *) selector,
                                          &removed), "remove", err);
    size_t also = 0;
    if (rc == MT_OK && self->exact)
        rc = s_check (faiss_Index_remove_ids (self->exact, (const FaissIDSelector *) selector,
                                              &also), "remove", err);
    faiss_IDSelector_free ((FaissIDSelector *) selector);
    if (removed_p)
        *removed_p = removed;
    return rc;
}

size_t
mt_index_size (const mt_index_t *self)
{
    return (size_t) faiss_Index_ntotal (self->faiss);
}

int
mt_index_dim (const mt_index_t *self)
{
    return self->dim;
}

int
mt_index_set_param (mt_index_t *self, const char *name, double value, mt_err_t *err)
{
    if (strcmp (name, "refine") == 0) {
        if (!self->exact || value < 1 || value > 65536)
            return mt_err_set (err, MT_EINVAL, "cannot set index parameter %s=%g: %s", name,
                               value, "only an IVF,PQ index re-ranks, 1 to 65536 candidates");
        self->refine = (uint32_t) value;
        return MT_OK;
    }
    FaissParameterSpace *space;
    int rc = s_check (faiss_ParameterSpace_new (&space), "parameter space", err);
    if (rc != MT_OK)
        return rc;
    rc = faiss_ParameterSpace_set_index_parameter (space, self->faiss, name, value);
    faiss_ParameterSpace_free (space);
    if (rc != 0) {
        const char *why = faiss_get_last_error ();
        return mt_err_set (err, MT_EINVAL, "cannot set index parameter %s=%g: %s", name, value,
                           why ? why : "unknown");
    }
    return MT_OK;
}

int
mt_index_write (const mt_index_t *self, FILE *file, mt_err_t *err)
{
    int rc = s_check (faiss_write_index (self->faiss, file), "write", err);
    //  IVF,PQ: how many it re-ranks, then its exact vectors.
    if (rc == MT_OK && self->exact) {
        uint32_t refine [2] = { S_REFINE_MAGIC, self->refine };
        if (fwrite (refine, sizeof refine, 1, file) != 1)
            rc = mt_err_set (err, MT_EIO, "cannot write the index: %s", strerror (errno));
    }
    if (rc == MT_OK && self->exact)
        rc = s_check (faiss_write_index (self->exact, file), "write", err);
    return rc;
}

int
mt_index_read (FILE *file, mt_index_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_index_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = s_check (faiss_read_index (file, 0, &self->faiss), "read", err);
    if (rc != MT_OK) {
        free (self);
        return rc;
    }
    //  An IVF,PQ index is followed by its exact vectors.
    if (mti_faiss_is_pq (self->faiss)) {
        uint32_t refine [2];
        if (fread (refine, sizeof refine, 1, file) != 1 || refine [0] != S_REFINE_MAGIC
        ||  refine [1] < 1 || refine [1] > 65536)
            rc = mt_err_set (err, MT_EINVAL, "an IVF,PQ index is not followed by its "
                             "re-ranking settings");
        else
            self->refine = refine [1];
        if (rc == MT_OK)
            rc = s_check (faiss_read_index (file, 0, &self->exact), "read", err);
        if (rc == MT_OK && faiss_Index_ntotal (self->exact) != faiss_Index_ntotal (self->faiss))
            rc = mt_err_set (err, MT_EINVAL, "an IVF,PQ index holds %lld codes and %lld "
                             "vectors", (long long) faiss_Index_ntotal (self->faiss),
                             (long long) faiss_Index_ntotal (self->exact));
        if (rc != MT_OK) {
            mt_index_destroy (&self);
            return rc;
        }
    }
    self->dim = faiss_Index_d (self->faiss);
    *self_p = self;
    return MT_OK;
}

int
mt_index_export (const mt_index_t *self, int64_t **ids_p, float **vectors_p, mt_err_t *err)
{
    size_t n = mt_index_size (self);
    int64_t *ids = malloc ((n ? n : 1) * sizeof *ids);
    float *vectors = malloc ((n ? n : 1) * (size_t) self->dim * sizeof *vectors);
    char why [256] = "";
    if (!ids || !vectors) {
        free (ids), free (vectors);
        return mt_err_set (err, MT_ENOMEM, "out of memory reading %zu vectors out", n);
    }
    if (n && mti_faiss_export (self->exact ? self->exact : self->faiss, ids, vectors, why,
                               sizeof why) != 0) {
        free (ids), free (vectors);
        return mt_err_set (err, MT_EINTERNAL, "cannot read the index's vectors: %s", why);
    }
    *ids_p = ids;
    *vectors_p = vectors;
    return MT_OK;
}

int
mt_index_vectors_of (const mt_index_t *self, size_t n, const int64_t *ids, float *vectors,
                     unsigned char *found, mt_err_t *err)
{
    char why [256] = "";
    if (n == 0 || mt_index_size (self) == 0) {
        memset (found, 0, n);
        return MT_OK;
    }
    if (mti_faiss_vectors_of (self->exact ? self->exact : self->faiss, n, ids, vectors, found,
                              why, sizeof why) != 0)
        return mt_err_set (err, MT_EINTERNAL, "cannot read vectors out of the index: %s", why);
    return MT_OK;
}

void
mt_index_describe (const mt_index_t *self, char *text, size_t size)
{
    mti_faiss_describe (self->faiss, text, size);
    size_t used = strlen (text);
    if (self->exact && used < size)
        snprintf (text + used, size - used, " refine=%u", (unsigned) self->refine);
}

int
mt_index_knn_exact (const float *x, size_t nx, const float *y, size_t ny, int dim, size_t k,
                    float *distances, int64_t *labels, mt_err_t *err)
{
    char why [256] = "";
    if (nx == 0 || k == 0)
        return MT_OK;
    if (mti_faiss_knn (x, nx, y, ny, (size_t) dim, k, distances, labels, why, sizeof why) != 0)
        return mt_err_set (err, MT_EINTERNAL, "exact search failed: %s", why);
    return MT_OK;
}

void
mt_index_tune_threads (int blas_threads)
{
    omp_set_num_threads (1);
    openblas_set_num_threads (blas_threads < 1 ? 1 : blas_threads);
    //  FACTS.md says a threshold of 1 doubled single-query speed; measured
    //  again here (1M vectors, 2 vCPU) it made single queries slower: 135 ms
    //  against 96 ms with FAISS's own 20 (bench/RESULTS.md). Keep 20.
    faiss_set_distance_compute_blas_threshold (MT_INDEX_BLAS_LEAST);
}
