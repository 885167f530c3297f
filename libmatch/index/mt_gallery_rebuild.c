//  mt_gallery_rebuild - a gallery's index rebuilt as another type (or with
//  more lists) in a background thread while the old one keeps answering;
//  the new one takes over with what changed meanwhile.

#include "index/mt_gallery.h"

#include "mti_faiss_stop.h"
#include "mti_gallery.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

static void
s_rebuild_free (mti_gallery_rebuild_t *rebuild)
{
    free (rebuild->ids), free (rebuild->cases), free (rebuild->vectors), free (rebuild->removed);
    mt_index_destroy (&rebuild->built);
    mt_index_destroy (&rebuild->delta);
    free (rebuild);
}

static void *
s_build (void *arg)
{
    mti_gallery_rebuild_t *rebuild = arg;
    //  One OpenMP thread (this thread's own setting): FAISS's OpenMP threads
    //  and OpenBLAS's would fight (shared FACTS.md). OpenBLAS's count is the
    //  process's and stays as the shard set it.
    omp_set_num_threads (1);
    //  A gallery closed meanwhile stops the training and tuning at FAISS's
    //  next check, not minutes later.
    mti_faiss_stop_when (&rebuild->stop);
    rebuild->rc = mt_index_build_grouped (&rebuild->plan, rebuild->dim, rebuild->n,
                                          rebuild->ids, rebuild->cases, rebuild->vectors,
                                          &rebuild->built, &rebuild->report, &rebuild->err);
    mti_faiss_stop_when (NULL);
    free (rebuild->ids), free (rebuild->cases), free (rebuild->vectors);
    rebuild->ids = NULL, rebuild->cases = NULL, rebuild->vectors = NULL;
    __atomic_store_n (&rebuild->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

void
mti_gallery_rebuild_stop (mt_gallery_t *self)
{
    mti_gallery_rebuild_t *rebuild = self->rebuild;
    self->rebuild = NULL;
    if (!rebuild)
        return;
    //  Waited for, not left running: a process that returns from main while
    //  the thread trains crashes in FAISS's and OpenMP's teardown.
    __atomic_store_n (&rebuild->stop, 1, __ATOMIC_RELEASE);
    if (rebuild->joinable)
        pthread_join (rebuild->thread, NULL);
    s_rebuild_free (rebuild);
}

bool
mt_gallery_rebuilding (const mt_gallery_t *self)
{
    return self->rebuild != NULL;
}

//  The index kind the gallery's size calls for, or -1 when the one it has
//  will do.
static int
s_wanted (const mt_gallery_t *self)
{
    size_t n = HASH_COUNT (self->faces);
    //  Too few to train lists (or codes) on: the kind the build would give.
    int planned = mt_index_plan_kind (&self->plan, n), want = planned;
    //  Back to exact search only once the gallery has halved below the
    //  threshold, so that a size around it does not rebuild back and forth.
    if (self->plan.kind == MT_INDEX_AUTO && self->kind != MT_INDEX_EXACT
    &&  n >= self->plan.exact_below / 2)
        want = self->kind;
    //  IVF,Flat where IVF,PQ's codes fell short of the target (or built
    //  before IVF,PQ): kept until the gallery doubles, not rebuilt over
    //  and over; then IVF,PQ is tried again.
    if (want == MT_INDEX_IVF_PQ && self->kind == MT_INDEX_IVF)
        want = MT_INDEX_IVF;
    //  Exact search where the lists probed most of the gallery: likewise
    //  kept until the gallery doubles.
    if (self->exact_chosen && self->kind == MT_INDEX_EXACT
    &&  n < 2 * (self->built_size ? self->built_size : 1))
        want = MT_INDEX_EXACT;
    if (want != self->kind)
        return want;
    //  An approximate index trained for a quarter of its faces holds its
    //  recall with more probes than needed: rebuild it with more lists once
    //  it has doubled.
    if (want != MT_INDEX_EXACT && n >= 2 * (self->built_size ? self->built_size : 1))
        return want == MT_INDEX_IVF && planned == MT_INDEX_IVF_PQ ? MT_INDEX_IVF_PQ : want;
    return -1;
}

static int
s_start (mt_gallery_t *self, int kind, mt_err_t *err)
{
    mti_gallery_rebuild_t *rebuild = calloc (1, sizeof *rebuild);
    if (!rebuild)
        return mt_err_set (err, MT_ENOMEM, "out of memory starting a rebuild");
    rebuild->plan = self->plan;
    rebuild->plan.kind = kind;
    rebuild->dim = mt_index_dim (self->index);
    rebuild->n = mt_index_size (self->index);
    int rc = mt_index_export (self->index, &rebuild->ids, &rebuild->vectors, err);
    //  Each face's case, so the index is tuned on finding the family
    //  (mt_index_build_grouped); a face not in the table (none should be)
    //  is a case of its own.
    if (rc == MT_OK && !(rebuild->cases = malloc (rebuild->n * sizeof *rebuild->cases + 1)))
        rc = mt_err_set (err, MT_ENOMEM, "out of memory starting a rebuild");
    for (size_t i = 0; rc == MT_OK && i < rebuild->n; i++) {
        uint64_t face_id = (uint64_t) rebuild->ids [i];
        mti_gallery_entry_t *entry;
        HASH_FIND (hh, self->faces, &face_id, sizeof face_id, entry);
        rebuild->cases [i] = entry ? entry->case_id : UINT64_MAX - i;
    }
    if (rc == MT_OK)
        rc = mt_index_new (MT_INDEX_DEFAULT_FACTORY, rebuild->dim, &rebuild->delta, err);
    if (rc == MT_OK && pthread_create (&rebuild->thread, NULL, s_build, rebuild) != 0)
        rc = mt_err_set (err, MT_EINTERNAL, "cannot start the rebuild's thread");
    else if (rc == MT_OK)
        rebuild->joinable = true;
    if (rc != MT_OK) {
        s_rebuild_free (rebuild);
        return rc;
    }
    self->rebuild = rebuild;
    return MT_OK;
}

//  What changed during the rebuild, into index: removals, then the delta's
//  faces.
static int
s_catch_up (const mti_gallery_rebuild_t *rebuild, mt_index_t *index, mt_err_t *err)
{
    int rc = mt_index_remove (index, rebuild->removed_count, rebuild->removed, NULL, err);
    int64_t *ids = NULL;
    float *vectors = NULL;
    if (rc == MT_OK)
        rc = mt_index_export (rebuild->delta, &ids, &vectors, err);
    if (rc == MT_OK)
        rc = mt_index_add (index, mt_index_size (rebuild->delta), vectors, ids, err);
    free (ids), free (vectors);
    return rc;
}

//  The finished rebuild takes over, or (it failed) the old index catches
//  up and stays. The rebuild's delta and list are kept, still searched,
//  until one of them has caught up, so no face goes missing.
static mt_gallery_step
s_take_over (mt_gallery_t *self, mt_index_report_t *report, mt_err_t *err)
{
    mti_gallery_rebuild_t *rebuild = self->rebuild;
    if (rebuild->joinable) {
        pthread_join (rebuild->thread, NULL);
        rebuild->joinable = false;
    }
    if (report)
        *report = rebuild->report;
    mt_err_t why = rebuild->err;
    int built_rc = rebuild->rc;
    if (built_rc == MT_OK && s_catch_up (rebuild, rebuild->built, &why) == MT_OK) {
        mt_index_destroy (&self->index);
        self->index = rebuild->built;
        rebuild->built = NULL;
        self->kind = mt_index_kind_of (self->index);
        self->exact_chosen = self->kind == MT_INDEX_EXACT
                          && mt_index_kind_for_size (rebuild->plan.kind, rebuild->n)
                             != MT_INDEX_EXACT;
        self->built_size = mt_index_size (self->index);
        self->rebuild = NULL;
        s_rebuild_free (rebuild);
        return MT_GALLERY_SWAPPED;
    }
    mt_index_destroy (&rebuild->built);
    mt_err_t again;
    if (s_catch_up (rebuild, self->index, &again) != MT_OK) {
        //  Still searched through the delta; tried again on the next call.
        rebuild->rc = again.code;
        rebuild->err = again;
        *err = again;
        return MT_GALLERY_FAILED;
    }
    self->rebuild = NULL;
    s_rebuild_free (rebuild);
    //  Not tried again by itself: the reason is logged for an operator.
    self->planned = false;
    *err = why;
    return MT_GALLERY_FAILED;
}

mt_gallery_step
mt_gallery_maintain (mt_gallery_t *self, mt_index_report_t *report, mt_err_t *err)
{
    if (self->rebuild) {
        if (!__atomic_load_n (&self->rebuild->done, __ATOMIC_ACQUIRE))
            return MT_GALLERY_BUILDING;
        return s_take_over (self, report, err);
    }
    int kind = self->planned ? s_wanted (self) : -1;
    if (kind < 0)
        return MT_GALLERY_IDLE;
    if (s_start (self, kind, err) != MT_OK) {
        self->planned = false;
        return MT_GALLERY_FAILED;
    }
    if (report) {
        memset (report, 0, sizeof *report);
        snprintf (report->factory, sizeof report->factory, "%s", mt_index_kind_name (kind));
    }
    return MT_GALLERY_STARTED;
}

int
mt_gallery_finish_rebuild (mt_gallery_t *self, mt_index_report_t *report, mt_err_t *err)
{
    if (!self->rebuild)
        return MT_OK;
    if (self->rebuild->joinable) {
        pthread_join (self->rebuild->thread, NULL);
        self->rebuild->joinable = false;
    }
    return s_take_over (self, report, err) == MT_GALLERY_SWAPPED ? MT_OK : err->code;
}
