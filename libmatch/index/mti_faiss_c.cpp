//  mti_faiss_c - the subset of FAISS's official C API that libmatch calls,
//  implemented over the C++ library. Debian's libfaiss.a ships the C API
//  headers but none of their code (shared FACTS.md); this file is compiled
//  only when no upstream libfaiss_c is found, so a node with a full FAISS
//  build links the real one. Signatures are exactly those of the headers in
//  /usr/include/faiss/c_api (FAISS 1.7.3); errors are caught and kept for
//  faiss_get_last_error with the headers' own CATCH_AND_HANDLE.

#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/impl/AuxIndexStructures_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <faiss/c_api/macros_impl.h>
#include <faiss/c_api/utils/distances_c.h>

#include <cstdio>

thread_local std::exception_ptr faiss_last_exception;

extern "C" {

const char *
faiss_get_last_error ()
{
    if (faiss_last_exception) {
        try {
            std::rethrow_exception (faiss_last_exception);
        }
        catch (std::exception &e) {
            //  The exception object lives on in faiss_last_exception.
            return e.what ();
        }
    }
    return nullptr;
}

int
faiss_index_factory (FaissIndex **p_index, int d, const char *description,
                     FaissMetricType metric)
{
    try {
        *p_index = reinterpret_cast<FaissIndex *> (
            faiss::index_factory (d, description, static_cast<faiss::MetricType> (metric)));
    }
    CATCH_AND_HANDLE
}

void
faiss_Index_free (FaissIndex *obj)
{
    delete reinterpret_cast<faiss::Index *> (obj);
}

DEFINE_GETTER (Index, int, d)
DEFINE_GETTER (Index, int, is_trained)
DEFINE_GETTER (Index, idx_t, ntotal)
DEFINE_GETTER (Index, FaissMetricType, metric_type)

int
faiss_Index_train (FaissIndex *index, idx_t n, const float *x)
{
    try {
        reinterpret_cast<faiss::Index *> (index)->train (n, x);
    }
    CATCH_AND_HANDLE
}

int
faiss_Index_add_with_ids (FaissIndex *index, idx_t n, const float *x, const idx_t *xids)
{
    try {
        reinterpret_cast<faiss::Index *> (index)->add_with_ids (n, x, xids);
    }
    CATCH_AND_HANDLE
}

int
faiss_Index_search (const FaissIndex *index, idx_t n, const float *x, idx_t k,
                    float *distances, idx_t *labels)
{
    try {
        reinterpret_cast<const faiss::Index *> (index)->search (n, x, k, distances, labels);
    }
    CATCH_AND_HANDLE
}

int
faiss_Index_remove_ids (FaissIndex *index, const FaissIDSelector *sel, size_t *n_removed)
{
    try {
        size_t n = reinterpret_cast<faiss::Index *> (index)->remove_ids (
            *reinterpret_cast<const faiss::IDSelector *> (sel));
        if (n_removed)
            *n_removed = n;
    }
    CATCH_AND_HANDLE
}

void
faiss_IDSelector_free (FaissIDSelector *obj)
{
    delete reinterpret_cast<faiss::IDSelector *> (obj);
}

int
faiss_IDSelectorBatch_new (FaissIDSelectorBatch **p_sel, size_t n, const idx_t *indices)
{
    try {
        *p_sel = reinterpret_cast<FaissIDSelectorBatch *> (
            new faiss::IDSelectorBatch (n, indices));
    }
    CATCH_AND_HANDLE
}

int
faiss_write_index (const FaissIndex *idx, FILE *f)
{
    try {
        faiss::write_index (reinterpret_cast<const faiss::Index *> (idx), f);
    }
    CATCH_AND_HANDLE
}

int
faiss_read_index (FILE *f, int io_flags, FaissIndex **p_out)
{
    try {
        *p_out = reinterpret_cast<FaissIndex *> (faiss::read_index (f, io_flags));
    }
    CATCH_AND_HANDLE
}

int
faiss_ParameterSpace_new (FaissParameterSpace **space)
{
    try {
        *space = reinterpret_cast<FaissParameterSpace *> (new faiss::ParameterSpace ());
    }
    CATCH_AND_HANDLE
}

void
faiss_ParameterSpace_free (FaissParameterSpace *obj)
{
    delete reinterpret_cast<faiss::ParameterSpace *> (obj);
}

int
faiss_ParameterSpace_set_index_parameter (const FaissParameterSpace *space, FaissIndex *index,
                                          const char *name, double value)
{
    try {
        reinterpret_cast<const faiss::ParameterSpace *> (space)->set_index_parameter (
            reinterpret_cast<faiss::Index *> (index), name, value);
    }
    CATCH_AND_HANDLE
}

void
faiss_set_distance_compute_blas_threshold (int value)
{
    faiss::distance_compute_blas_threshold = value;
}

int
faiss_get_distance_compute_blas_threshold ()
{
    return faiss::distance_compute_blas_threshold;
}

}   // extern "C"
