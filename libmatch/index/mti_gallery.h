//  mti_gallery - the gallery's insides, shared by mt_gallery.c (faces,
//  search, files) and mt_gallery_rebuild.c (the index rebuilt as another
//  type in a background thread).

#ifndef MTI_GALLERY_H_INCLUDED
#define MTI_GALLERY_H_INCLUDED

#include "index/mt_gallery.h"
#include "index/mt_index.h"

#include <pthread.h>
#include <stdbool.h>
#include <uthash.h>

typedef struct {
    uint64_t face_id;       //  key
    uint64_t case_id;
    uint32_t province;
    UT_hash_handle hh;
} mti_gallery_entry_t;

//  A rebuild under way: a thread builds `built` from a copy of the index's
//  vectors while the old index stays read-only and keeps answering. Faces
//  added meanwhile go to `delta` (exact, searched beside the old index);
//  faces removed meanwhile leave the gallery's table at once (so no search
//  returns them) and are listed in `removed`, to leave the new index when
//  it takes over. The thread owns ids/vectors until done.
typedef struct {
    pthread_t thread;
    bool joinable;              //  thread not joined yet
    int done;                   //  the thread has finished (atomic)
    int stop;                   //  asks the thread to stop early (atomic)
    mt_index_plan_t plan;
    int dim;
    size_t n;
    int64_t *ids;
    uint64_t *cases;            //  each id's case: the index is tuned on the family
    float *vectors;
    mt_index_t *built;
    mt_index_report_t report;
    int rc;
    mt_err_t err;
    mt_index_t *delta;
    int64_t *removed;
    size_t removed_count, removed_cap;
} mti_gallery_rebuild_t;

struct mt_gallery {
    mt_index_t *index;
    mti_gallery_entry_t *faces; //  uthash table by face_id
    uint64_t digest;
    bool planned;               //  the index type follows plan as the gallery grows
    mt_index_plan_t plan;
    int kind;                   //  MT_INDEX_* of the index now (planned galleries)
    size_t built_size;          //  faces when the index was last built
    bool exact_chosen;          //  built exact where the plan asked for lists (probe_most)
    mti_gallery_rebuild_t *rebuild;
};

//  Stop a running rebuild (the gallery is being destroyed): asks its thread
//  to stop, waits for it and frees what it has.
void mti_gallery_rebuild_stop (mt_gallery_t *self);

#endif
