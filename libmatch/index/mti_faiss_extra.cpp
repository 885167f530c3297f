//  mti_faiss_extra - export, describe and brute-force k-NN over FAISS's C++
//  API, behind the plain C functions of mti_faiss_extra.h.

#include "mti_faiss_extra.h"
#include "mti_faiss_stop.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace {

void
s_reason (char *why, size_t why_size, const char *text)
{
    if (why && why_size)
        std::snprintf (why, why_size, "%s", text);
}

//  Vectors of a storage index (Flat, HNSW): positions 0..ntotal-1.
void
s_export_storage (const faiss::Index *index, float *vectors)
{
    if (index->ntotal > 0)
        index->reconstruct_n (0, index->ntotal, vectors);
}

void
s_export_ivf (const faiss::IndexIVF *ivf, int64_t *ids, float *vectors)
{
    const faiss::InvertedLists *lists = ivf->invlists;
    size_t at = 0;
    for (size_t list = 0; list < lists->nlist; list++) {
        size_t size = lists->list_size (list);
        faiss::InvertedLists::ScopedIds list_ids (lists, list);
        for (size_t offset = 0; offset < size; offset++, at++) {
            if (at >= (size_t) ivf->ntotal)
                throw std::runtime_error ("inverted lists hold more than ntotal vectors");
            ids [at] = list_ids [offset];
            ivf->reconstruct_from_offset ((int64_t) list, (int64_t) offset,
                                          vectors + at * (size_t) ivf->d);
        }
    }
    if (at != (size_t) ivf->ntotal)
        throw std::runtime_error ("inverted lists hold fewer than ntotal vectors");
}

}   // namespace

extern "C" {

int
mti_faiss_vectors_of (const FaissIndex *index, size_t n, const int64_t *ids, float *vectors,
                      unsigned char *found, char *why, size_t why_size)
{
    const faiss::Index *base = reinterpret_cast<const faiss::Index *> (index);
    try {
        std::unordered_map<int64_t, size_t> wanted;
        wanted.reserve (n);
        for (size_t i = 0; i < n; i++) {
            wanted.emplace (ids [i], i);
            found [i] = 0;
        }
        size_t d = (size_t) base->d;
        if (auto idmap = dynamic_cast<const faiss::IndexIDMap *> (base)) {
            for (size_t at = 0; at < idmap->id_map.size (); at++) {
                auto hit = wanted.find (idmap->id_map [at]);
                if (hit == wanted.end ())
                    continue;
                idmap->index->reconstruct ((int64_t) at, vectors + hit->second * d);
                found [hit->second] = 1;
            }
            return 0;
        }
        if (auto ivf = dynamic_cast<const faiss::IndexIVF *> (base)) {
            const faiss::InvertedLists *lists = ivf->invlists;
            for (size_t list = 0; list < lists->nlist; list++) {
                size_t size = lists->list_size (list);
                if (size == 0)
                    continue;
                faiss::InvertedLists::ScopedIds list_ids (lists, list);
                for (size_t offset = 0; offset < size; offset++) {
                    auto hit = wanted.find (list_ids [offset]);
                    if (hit == wanted.end ())
                        continue;
                    ivf->reconstruct_from_offset ((int64_t) list, (int64_t) offset,
                                                  vectors + hit->second * d);
                    found [hit->second] = 1;
                }
            }
            return 0;
        }
        s_reason (why, why_size, "this index type cannot be read back");
    }
    catch (std::exception &e) {
        s_reason (why, why_size, e.what ());
    }
    return -1;
}

int
mti_faiss_export (const FaissIndex *index, int64_t *ids, float *vectors, char *why,
                  size_t why_size)
{
    const faiss::Index *base = reinterpret_cast<const faiss::Index *> (index);
    try {
        if (auto idmap = dynamic_cast<const faiss::IndexIDMap *> (base)) {
            s_export_storage (idmap->index, vectors);
            std::memcpy (ids, idmap->id_map.data (), idmap->id_map.size () * sizeof *ids);
            return 0;
        }
        if (auto ivf = dynamic_cast<const faiss::IndexIVF *> (base)) {
            s_export_ivf (ivf, ids, vectors);
            return 0;
        }
        s_reason (why, why_size, "this index type cannot be read back");
    }
    catch (std::exception &e) {
        s_reason (why, why_size, e.what ());
    }
    return -1;
}

void
mti_faiss_describe (const FaissIndex *index, char *text, size_t size)
{
    const faiss::Index *base = reinterpret_cast<const faiss::Index *> (index);
    const char *wrap = "";
    if (auto idmap = dynamic_cast<const faiss::IndexIDMap *> (base)) {
        base = idmap->index;
        wrap = "IDMap,";
    }
    if (auto ivf = dynamic_cast<const faiss::IndexIVF *> (base)) {
        bool flat = dynamic_cast<const faiss::IndexIVFFlat *> (ivf) != nullptr;
        auto pq = dynamic_cast<const faiss::IndexIVFPQ *> (ivf);
        char codes [32];
        std::snprintf (codes, sizeof codes, "%s", flat ? "Flat"
                       : dynamic_cast<const faiss::IndexIVFScalarQuantizer *> (ivf) ? "SQ8"
                       : "other");
        if (pq)
            std::snprintf (codes, sizeof codes, "PQ%zu", pq->pq.M);
        std::snprintf (text, size, "%sIVF%zu,%s nprobe=%zu", wrap, ivf->nlist, codes,
                       ivf->nprobe);
    }
    else if (auto hnsw = dynamic_cast<const faiss::IndexHNSW *> (base))
        std::snprintf (text, size, "%sHNSW%d efSearch=%d", wrap,
                       hnsw->hnsw.nb_neighbors (1), hnsw->hnsw.efSearch);
    else if (dynamic_cast<const faiss::IndexFlat *> (base))
        std::snprintf (text, size, "%sFlat", wrap);
    else
        std::snprintf (text, size, "%sother", wrap);
}

int
mti_faiss_knn (const float *x, size_t nx, const float *y, size_t ny, size_t d, size_t k,
               float *distances, int64_t *labels, char *why, size_t why_size)
{
    try {
        faiss::knn_L2sqr (x, y, d, nx, ny, k, distances, labels);
        return 0;
    }
    catch (std::exception &e) {
        s_reason (why, why_size, e.what ());
    }
    return -1;
}

int
mti_faiss_ivf_search_grouped (const FaissIndex *index, const FaissIndex *store, size_t n,
                              const float *x, size_t k, float *distances, int64_t *labels,
                              int *done, char *why, size_t why_size)
{
    *done = 0;
    auto ivf = dynamic_cast<const faiss::IndexIVF *> (
        reinterpret_cast<const faiss::Index *> (index));
    auto vectors = dynamic_cast<const faiss::IndexIDMap2 *> (
        reinterpret_cast<const faiss::Index *> (store));
    bool flat = dynamic_cast<const faiss::IndexIVFFlat *> (ivf) != nullptr;
    if (!ivf || (!flat && !vectors) || n == 0 || k == 0)
        return 0;
    try {
        size_t d = (size_t) ivf->d, nprobe = std::min (ivf->nprobe, ivf->nlist);
        //  Each query's lists, then each list's queries.
        std::vector<float> coarse_d (n * nprobe);
        std::vector<faiss::Index::idx_t> coarse (n * nprobe);
        ivf->quantizer->search ((faiss::Index::idx_t) n, x, (faiss::Index::idx_t) nprobe, coarse_d.data (),
                                coarse.data ());
        std::vector<size_t> start (ivf->nlist + 1, 0), members (n * nprobe);
        for (size_t i = 0; i < n * nprobe; i++)
            if (coarse [i] >= 0)
                start [(size_t) coarse [i] + 1]++;
        for (size_t l = 0; l < ivf->nlist; l++)
            start [l + 1] += start [l];
        std::vector<size_t> fill (start.begin (), start.end () - 1);
        for (size_t i = 0; i < n * nprobe; i++)
            if (coarse [i] >= 0)
                members [fill [(size_t) coarse [i]]++] = i / nprobe;
        for (size_t q = 0; q < n; q++)
            faiss::maxheap_heapify (k, distances + q * k, labels + q * k);
        //  Distances as |x|^2 + |y|^2 - 2 x.y, the products in one sgemm a
        //  list (FAISS's knn_L2sqr would allocate 16 MB a call).
        std::vector<float> x_norms (n), xq, y_norms, products, gathered;
        faiss::fvec_norms_L2sqr (x_norms.data (), x, d, n);
        const faiss::InvertedLists *lists = ivf->invlists;
        for (size_t l = 0; l < ivf->nlist; l++) {
            size_t m = start [l + 1] - start [l], size = lists->list_size (l);
            if (m == 0 || size == 0)
                continue;
            xq.resize (m * d);
            for (size_t i = 0; i < m; i++)
                std::memcpy (&xq [i * d], x + members [start [l] + i] * d, d * sizeof (float));
            faiss::InvertedLists::ScopedCodes codes (lists, l);
            faiss::InvertedLists::ScopedIds ids (lists, l);
            const float *y = reinterpret_cast<const float *> (codes.get ());
            //  Codes: the list's exact vectors gathered from the store.
            if (!flat) {
                gathered.resize (size * d);
                for (size_t j = 0; j < size; j++) {
                    auto at = vectors->rev_map.find (ids [j]);
                    if (at == vectors->rev_map.end ())
                        throw std::runtime_error ("a listed id has no vector");
                    vectors->index->reconstruct (at->second, &gathered [j * d]);
                }
                y = gathered.data ();
            }
            y_norms.resize (size);
            faiss::fvec_norms_L2sqr (y_norms.data (), y, d, size);
            products.resize (m * size);
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) size, (int) d,
                         1.0f, xq.data (), (int) d, y, (int) d, 0.0f, products.data (),
                         (int) size);
            for (size_t i = 0; i < m; i++) {
                size_t q = members [start [l] + i];
                float *heap_d = distances + q * k;
                int64_t *heap_i = labels + q * k;
                const float *row = &products [i * size];
                for (size_t j = 0; j < size; j++) {
                    float dis = x_norms [q] + y_norms [j] - 2 * row [j];
                    if (dis < heap_d [0])
                        faiss::maxheap_replace_top (k, heap_d, heap_i, dis < 0 ? 0 : dis,
                                                    ids [j]);
                }
            }
        }
        for (size_t q = 0; q < n; q++)
            faiss::maxheap_reorder (k, distances + q * k, labels + q * k);
        *done = 1;
        return 0;
    }
    catch (std::exception &e) {
        s_reason (why, why_size, e.what ());
    }
    return -1;
}

}   // extern "C"

extern "C" int
mti_faiss_is_pq (const FaissIndex *index)
{
    return dynamic_cast<const faiss::IndexIVFPQ *> (
        reinterpret_cast<const faiss::Index *> (index)) != nullptr;
}

extern "C" int
mti_faiss_refine (const FaissIndex *store, size_t n, const float *x, size_t candidates,
                  const int64_t *labels_in, size_t k, float *distances, int64_t *labels,
                  char *why, size_t why_size)
{
    auto idmap = dynamic_cast<const faiss::IndexIDMap2 *> (
        reinterpret_cast<const faiss::Index *> (store));
    if (!idmap) {
        s_reason (why, why_size, "the vectors to re-rank by are not an IDMap2 index");
        return -1;
    }
    try {
        size_t d = (size_t) idmap->d;
        std::vector<float> vector (d);
        std::vector<std::pair<float, int64_t>> scored;
        scored.reserve (candidates);
        for (size_t q = 0; q < n; q++) {
            scored.clear ();
            const float *query = x + q * d;
            for (size_t j = 0; j < candidates; j++) {
                int64_t id = labels_in [q * candidates + j];
                if (id < 0)
                    continue;
                auto at = idmap->rev_map.find (id);
                if (at == idmap->rev_map.end ())
                    continue;
                idmap->index->reconstruct (at->second, vector.data ());
                scored.emplace_back (faiss::fvec_L2sqr (query, vector.data (), d), id);
            }
            size_t kept = std::min (k, scored.size ());
            std::partial_sort (scored.begin (), scored.begin () + (long) kept, scored.end ());
            for (size_t j = 0; j < k; j++) {
                distances [q * k + j] = j < kept ? scored [j].first : FLT_MAX;
                labels [q * k + j] = j < kept ? scored [j].second : -1;
            }
        }
        return 0;
    }
    catch (std::exception &e) {
        s_reason (why, why_size, e.what ());
    }
    return -1;
}

namespace {

//  The stop flag of the thread that asks (mti_faiss_stop_when): FAISS asks
//  its hook from the thread doing the work, so one thread's flag stops only
//  that thread's computations.
thread_local const int *s_stop = nullptr;

struct s_stop_hook : faiss::InterruptCallback {
    bool
    want_interrupt () override
    {
        return s_stop && __atomic_load_n (s_stop, __ATOMIC_ACQUIRE) != 0;
    }
};

//  Installed before main, while no thread can be using FAISS: its hook is a
//  plain pointer that every search reads.
struct s_hook_installer {
    s_hook_installer ()
    {
        faiss::InterruptCallback::instance.reset (new s_stop_hook);
    }
} s_hook_installed;

}   // namespace

extern "C" void
mti_faiss_stop_when (const int *stop)
{
    s_stop = stop;
}

extern "C" int
mti_faiss_stop_asked (void)
{
    return s_stop && __atomic_load_n (s_stop, __ATOMIC_ACQUIRE) != 0;
}
