//  mt_gallery_select - faces picked by a rule, with their vectors (the
//  faces a shard hands to another partition when the partitions grow).

#include "index/mt_gallery.h"

#include "mti_gallery.h"

#include <stdlib.h>
#include <string.h>

//  Fill the rows of ids that index holds and are not found yet.
static int
s_fill (const mt_index_t *index, size_t n, const int64_t *ids, float *vectors,
        unsigned char *found, mt_err_t *err)
{
    size_t missing = 0;
    for (size_t i = 0; i < n; i++)
        missing += !found [i];
    if (missing == 0 || !index)
        return MT_OK;
    int dim = mt_index_dim (index);
    int64_t *want = malloc (missing * sizeof *want);
    size_t *row = malloc (missing * sizeof *row);
    float *got = malloc (missing * (size_t) dim * sizeof *got);
    unsigned char *hit = malloc (missing);
    int rc = want && row && got && hit ? MT_OK
           : mt_err_set (err, MT_ENOMEM, "out of memory reading %zu vectors", missing);
    size_t m = 0;
    for (size_t i = 0; rc == MT_OK && i < n; i++)
        if (!found [i]) {
            want [m] = ids [i];
            row [m++] = i;
        }
    if (rc == MT_OK)
        rc = mt_index_vectors_of (index, m, want, got, hit, err);
    for (size_t j = 0; rc == MT_OK && j < m; j++)
        if (hit [j]) {
            memcpy (vectors + row [j] * (size_t) dim, got + j * (size_t) dim,
                    (size_t) dim * sizeof *got);
            found [row [j]] = 1;
        }
    free (want), free (row), free (got), free (hit);
    return rc;
}

int
mt_gallery_select (const mt_gallery_t *self, mt_gallery_want_fn want, void *arg, size_t most,
                   mt_face_meta_t *meta, float *vectors, size_t *count_p, size_t *total_p,
                   mt_err_t *err)
{
    *count_p = 0;
    size_t count = 0, total = 0;
    mti_gallery_entry_t *entry, *tmp;
    HASH_ITER (hh, self->faces, entry, tmp) {
        mt_face_meta_t face = { entry->face_id, entry->case_id, entry->province };
        if (!want (&face, arg))
            continue;
        total++;
        if (count < most)
            meta [count++] = face;
    }
    if (total_p)
        *total_p = total;
    if (count == 0)
        return MT_OK;
    int64_t *ids = malloc (count * sizeof *ids);
    unsigned char *found = calloc (count, 1);
    int rc = ids && found ? MT_OK
           : mt_err_set (err, MT_ENOMEM, "out of memory selecting %zu faces", count);
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        ids [i] = (int64_t) meta [i].face_id;
    //  While a rebuild runs, faces added since it began are in the delta.
    if (rc == MT_OK)
        rc = s_fill (self->index, count, ids, vectors, found, err);
    if (rc == MT_OK && self->rebuild)
        rc = s_fill (self->rebuild->delta, count, ids, vectors, found, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        if (!found [i])
            rc = mt_err_set (err, MT_EINTERNAL, "face %llu is listed but its vector is not in "
                             "the index", (unsigned long long) meta [i].face_id);
    free (ids), free (found);
    if (rc == MT_OK)
        *count_p = count;
    return rc;
}
