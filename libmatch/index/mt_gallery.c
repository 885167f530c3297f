//  mt_gallery - one namespace of faces: index, metadata, digest.

#include "index/mt_gallery.h"

#include "mti_gallery.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_MAGIC 0x4857474c31000000ull     //  "HWGL1"

typedef mti_gallery_entry_t s_entry_t;

//  A 64-bit mix (splitmix64's finaliser): digests are sums of these.
static uint64_t
s_mix (uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t
s_face_hash (uint64_t face_id, uint64_t case_id, uint32_t province)
{
    return s_mix (face_id ^ s_mix (case_id + 0x9e3779b97f4a7c15ull) ^ ((uint64_t) province << 40));
}

int
mt_gallery_new (const char *factory, int dim, mt_gallery_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_gallery_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = mt_index_new (factory ? factory : MT_INDEX_DEFAULT_FACTORY, dim, &self->index,
                           err);
    if (rc != MT_OK) {
        free (self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

int
mt_gallery_new_planned (const mt_index_plan_t *plan, int dim, mt_gallery_t **self_p,
                        mt_err_t *err)
{
    int rc = mt_gallery_new (NULL, dim, self_p, err);
    if (rc == MT_OK)
        mt_gallery_set_plan (*self_p, plan);
    return rc;
}

void
mt_gallery_set_plan (mt_gallery_t *self, const mt_index_plan_t *plan)
{
    self->planned = true;
    self->plan = *plan;
    self->kind = mt_index_kind_of (self->index);
    self->built_size = mt_index_size (self->index);
}

void
mt_gallery_describe (const mt_gallery_t *self, char *text, size_t size)
{
    mt_index_describe (self->index, text, size);
}

static void
s_clear (mt_gallery_t *self)
{
    s_entry_t *entry, *tmp;
    HASH_ITER (hh, self->faces, entry, tmp) {
        HASH_DEL (self->faces, entry);
        free (entry);
    }
}

void
mt_gallery_destroy (mt_gallery_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_gallery_t *self = *self_p;
    mti_gallery_rebuild_stop (self);
    s_clear (self);
    mt_index_destroy (&self->index);
    free (self);
    *self_p = NULL;
}

size_t
mt_gallery_size (const mt_gallery_t *self)
{
    return HASH_COUNT (self->faces);
}

int
mt_gallery_dim (const mt_gallery_t *self)
{
    return mt_index_dim (self->index);
}

uint64_t
mt_gallery_digest (const mt_gallery_t *self)
{
    return self->digest;
}

static s_entry_t *
s_find (const mt_gallery_t *self, uint64_t face_id)
{
    s_entry_t *entry = NULL;
    HASH_FIND (hh, self->faces, &face_id, sizeof face_id, entry);
    return entry;
}

int
mt_gallery_contains (const mt_gallery_t *self, uint64_t face_id, mt_face_meta_t *meta_p)
{
    s_entry_t *entry = s_find (self, face_id);
    if (entry && meta_p)
        *meta_p = (mt_face_meta_t) { entry->face_id, entry->case_id, entry->province };
    return entry != NULL;
}

int
mt_gallery_add (mt_gallery_t *self, size_t n, const mt_face_meta_t *meta, const float *vectors,
                size_t *added_p, mt_err_t *err)
{
    if (added_p)
        *added_p = 0;
    int dim = mt_index_dim (self->index);
    //  Keep only new ids (also new within this batch).
    int64_t *ids = malloc ((n ? n : 1) * sizeof *ids);
    float *fresh = malloc ((n ? n : 1) * (size_t) dim * sizeof *fresh);
    s_entry_t **entries = calloc (n ? n : 1, sizeof *entries);
    if (!ids || !fresh || !entries) {
        free (ids), free (fresh), free (entries);
        return mt_err_set (err, MT_ENOMEM, "out of memory adding %zu faces", n);
    }
    size_t count = 0;
    int rc = MT_OK;
    for (size_t i = 0; i < n; i++) {
        if (meta [i].face_id > MT_FACE_ID_MAX) {
            rc = mt_err_set (err, MT_EINVAL, "face id %llu is too large",
                             (unsigned long long) meta [i].face_id);
            break;
        }
        if (s_find (self, meta [i].face_id))
            continue;
        s_entry_t *entry = malloc (sizeof *entry);
        if (!entry) {
            rc = mt_err_set (err, MT_ENOMEM, "out of memory adding faces");
            break;
        }
        entry->face_id = meta [i].face_id;
        entry->case_id = meta [i].case_id;
        entry->province = meta [i].province;
        HASH_ADD (hh, self->faces, face_id, sizeof entry->face_id, entry);
        entries [count] = entry;
        ids [count] = (int64_t) meta [i].face_id;
        memcpy (fresh + count * (size_t) dim, vectors + i * (size_t) dim,
                (size_t) dim * sizeof *fresh);
        count++;
    }
    if (rc == MT_OK)
        rc = mt_index_add (self->rebuild ? self->rebuild->delta : self->index, count, fresh,
                           ids, err);
    for (size_t i = 0; i < count; i++) {
        if (rc == MT_OK)
            self->digest += s_face_hash (entries [i]->face_id, entries [i]->case_id,
                                         entries [i]->province);
        else {
            HASH_DEL (self->faces, entries [i]);
            free (entries [i]);
        }
    }
    if (rc == MT_OK && added_p)
        *added_p = count;
    free (ids), free (fresh), free (entries);
    return rc;
}

//  While a rebuild runs the old index stays as it is: the faces leave the
//  table (searches skip them) and the delta, and are listed for the new
//  index.
static int
s_remove_rebuilding (mt_gallery_t *self, size_t count, const int64_t *ids, mt_err_t *err)
{
    mti_gallery_rebuild_t *rebuild = self->rebuild;
    if (rebuild->removed_count + count > rebuild->removed_cap) {
        size_t cap = (rebuild->removed_count + count) * 2;
        int64_t *grown = realloc (rebuild->removed, cap * sizeof *grown);
        if (!grown)
            return mt_err_set (err, MT_ENOMEM, "out of memory removing faces");
        rebuild->removed = grown;
        rebuild->removed_cap = cap;
    }
    int rc = mt_index_remove (rebuild->delta, count, ids, NULL, err);
    if (rc == MT_OK) {
        memcpy (rebuild->removed + rebuild->removed_count, ids, count * sizeof *ids);
        rebuild->removed_count += count;
    }
    return rc;
}

int
mt_gallery_remove (mt_gallery_t *self, size_t n, const uint64_t *face_ids, uint64_t case_id,
                   size_t *removed_p, mt_err_t *err)
{
    if (removed_p)
        *removed_p = 0;
    size_t cap = n + (case_id ? HASH_COUNT (self->faces) : 0);
    int64_t *ids = malloc ((cap ? cap : 1) * sizeof *ids);
    s_entry_t **entries = malloc ((cap ? cap : 1) * sizeof *entries);
    if (!ids || !entries) {
        free (ids), free (entries);
        return mt_err_set (err, MT_ENOMEM, "out of memory removing faces");
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        s_entry_t *entry = s_find (self, face_ids [i]);
        if (entry) {
            //  Unlink now so that an id listed twice, or also covered by
            //  case_id, is removed once.
            HASH_DEL (self->faces, entry);
            entries [count] = entry;
            ids [count++] = (int64_t) entry->face_id;
        }
    }
    if (case_id) {
        s_entry_t *entry, *tmp;
        HASH_ITER (hh, self->faces, entry, tmp)
            if (entry->case_id == case_id) {
                HASH_DEL (self->faces, entry);
                entries [count] = entry;
                ids [count++] = (int64_t) entry->face_id;
            }
    }
    size_t removed = 0;
    int rc = self->rebuild ? s_remove_rebuilding (self, count, ids, err)
                           : mt_index_remove (self->index, count, ids, &removed, err);
    if (rc == MT_OK && !self->rebuild && removed != count)
        rc = mt_err_set (err, MT_EINTERNAL, "index removed %zu of %zu faces", removed, count);
    for (size_t i = 0; i < count; i++) {
        if (rc == MT_OK) {
            self->digest -= s_face_hash (entries [i]->face_id, entries [i]->case_id,
                                         entries [i]->province);
            free (entries [i]);
        }
        else
            HASH_ADD (hh, self->faces, face_id, sizeof entries [i]->face_id, entries [i]);
    }
    if (rc == MT_OK && removed_p)
        *removed_p = count;
    free (ids), free (entries);
    return rc;
}

static int
s_allowed (uint32_t province, const uint32_t *provinces, size_t province_count)
{
    if (province_count == 0)
        return 1;
    for (size_t i = 0; i < province_count; i++)
        if (provinces [i] == province)
            return 1;
    return 0;
}

//  One index's answers for n queries: want each (fewer if it holds fewer).
typedef struct {
    size_t want;
    float *d;
    int64_t *ids;
} s_answers_t;

static int
s_ask (const mt_index_t *index, size_t n, const float *queries, size_t want, s_answers_t *out,
       mt_err_t *err)
{
    size_t stored = index ? mt_index_size (index) : 0;
    out->want = want < stored ? want : stored;
    size_t cells = n * out->want > 0 ? n * out->want : 1;
    out->d = malloc (cells * sizeof *out->d);
    out->ids = malloc (cells * sizeof *out->ids);
    if (!out->d || !out->ids)
        return mt_err_set (err, MT_ENOMEM, "out of memory searching (%zu x %zu)", n, want);
    if (out->want == 0)
        return MT_OK;
    return mt_index_search (index, n, queries, out->want, out->d, out->ids, err);
}

static void
s_answers_free (s_answers_t *answers)
{
    free (answers->d), free (answers->ids);
    answers->d = NULL, answers->ids = NULL;
}

static bool
s_already (const mt_hit_t *hits, size_t count, uint64_t face_id)
{
    for (size_t i = 0; i < count; i++)
        if (hits [i].face_id == face_id)
            return true;
    return false;
}

//  Query q's hits: both answers merged nearest first, keeping faces still
//  in the table, allowed by the filter, and not already taken.
static size_t
s_merge (const mt_gallery_t *self, size_t q, const s_answers_t *a, const s_answers_t *b,
         size_t k, const uint32_t *provinces, size_t province_count, mt_hit_t *hits)
{
    size_t count = 0, i = 0, j = 0;
    while (count < k && (i < a->want || j < b->want)) {
        bool from_a = j >= b->want
                   || (i < a->want && a->d [q * a->want + i] <= b->d [q * b->want + j]);
        int64_t id = from_a ? a->ids [q * a->want + i] : b->ids [q * b->want + j];
        float d2 = from_a ? a->d [q * a->want + i++] : b->d [q * b->want + j++];
        if (id < 0)
            continue;
        s_entry_t *entry = s_find (self, (uint64_t) id);
        if (!entry || !s_allowed (entry->province, provinces, province_count)
        ||  (b->want && s_already (hits, count, entry->face_id)))
            continue;
        hits [count++] = (mt_hit_t) { .face_id = entry->face_id, .case_id = entry->case_id,
                                      .province = entry->province,
                                      .distance = d2 > 0 ? sqrtf (d2) : 0 };
    }
    return count;
}

int
mt_gallery_search (const mt_gallery_t *self, size_t n, const float *queries, size_t k,
                   const uint32_t *provinces, size_t province_count, mt_hit_t *hits,
                   size_t *counts, mt_err_t *err)
{
    const mt_index_t *delta = self->rebuild ? self->rebuild->delta : NULL;
    size_t stored = mt_index_size (self->index) + (delta ? mt_index_size (delta) : 0);
    memset (counts, 0, n * sizeof *counts);
    if (n == 0 || k == 0 || stored == 0)
        return MT_OK;
    //  Answers that are filtered out (another province, or a face removed
    //  while a rebuild keeps the old index as it was) are made up for by
    //  asking for more, until each query has k hits or the whole gallery
    //  has been returned. With an exact index this is exactly the filtered
    //  search.
    bool filtered = province_count || (self->rebuild && self->rebuild->removed_count);
    size_t want = k < stored ? k : stored;
    if (province_count)
        want = want * 4 < stored ? want * 4 : stored;
    for (;;) {
        s_answers_t a = { 0 }, b = { 0 };
        int rc = s_ask (self->index, n, queries, want, &a, err);
        if (rc == MT_OK)
            rc = s_ask (delta, n, queries, want, &b, err);
        size_t short_of_k = 0;
        for (size_t q = 0; rc == MT_OK && q < n; q++) {
            counts [q] = s_merge (self, q, &a, &b, k, provinces, province_count, hits + q * k);
            short_of_k += counts [q] < k;
        }
        s_answers_free (&a), s_answers_free (&b);
        if (rc != MT_OK || short_of_k == 0 || want >= stored || !filtered)
            return rc;
        want = want * 4 < stored ? want * 4 : stored;
    }
}

//  On disk: magic, dimension, count, then count x (face, case, province),
//  then the FAISS index. Host byte order (little-endian machines).
int
mt_gallery_write (const mt_gallery_t *self, FILE *file, mt_err_t *err)
{
    if (self->rebuild)
        return mt_err_set (err, MT_EINTERNAL, "gallery written while its index is rebuilt");
    uint64_t header [3] = { S_MAGIC, (uint64_t) mt_index_dim (self->index),
                            HASH_COUNT (self->faces) };
    if (fwrite (header, sizeof header, 1, file) != 1)
        return mt_err_set (err, MT_EIO, "cannot write gallery header");
    s_entry_t *entry, *tmp;
    HASH_ITER (hh, self->faces, entry, tmp) {
        uint64_t rec [3] = { entry->face_id, entry->case_id, entry->province };
        if (fwrite (rec, sizeof rec, 1, file) != 1)
            return mt_err_set (err, MT_EIO, "cannot write gallery records");
    }
    return mt_index_write (self->index, file, err);
}

int
mt_gallery_read (FILE *file, mt_gallery_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    uint64_t header [3];
    if (fread (header, sizeof header, 1, file) != 1 || header [0] != S_MAGIC
    ||  header [1] < 1 || header [1] > 4096)
        return mt_err_set (err, MT_EDECODE, "not a gallery (bad header)");
    mt_gallery_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = MT_OK;
    for (uint64_t i = 0; i < header [2]; i++) {
        uint64_t rec [3];
        s_entry_t *entry = NULL;
        if (fread (rec, sizeof rec, 1, file) != 1) {
            rc = mt_err_set (err, MT_EDECODE, "gallery ends after %llu of %llu records",
                             (unsigned long long) i, (unsigned long long) header [2]);
            break;
        }
        if (s_find (self, rec [0]) || !(entry = malloc (sizeof *entry))) {
            rc = mt_err_set (err, entry ? MT_EDECODE : MT_ENOMEM, "bad gallery record %llu",
                             (unsigned long long) i);
            free (entry);
            break;
        }
        *entry = (s_entry_t) { .face_id = rec [0], .case_id = rec [1],
                               .province = (uint32_t) rec [2] };
        HASH_ADD (hh, self->faces, face_id, sizeof entry->face_id, entry);
        self->digest += s_face_hash (rec [0], rec [1], (uint32_t) rec [2]);
    }
    if (rc == MT_OK)
        rc = mt_index_read (file, &self->index, err);
    if (rc == MT_OK && (mt_index_size (self->index) != header [2]
                        || (uint64_t) mt_index_dim (self->index) != header [1]))
        rc = mt_err_set (err, MT_EDECODE, "gallery index holds %zu vectors, records say %llu",
                         mt_index_size (self->index), (unsigned long long) header [2]);
    if (rc != MT_OK) {
        mt_gallery_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}
