//  mt_store - the durable state of one shard replica: its two galleries
//  ("missing" and "found"), the partition sequence number of the last write
//  applied, an append-only operation log and a snapshot.
//
//  Every write is appended to the log and the log is fdatasync'd before the
//  write is applied and before the call returns: what a caller acknowledges
//  after a successful call survives kill -9 and power loss. Every
//  snapshot_ops writes (or on demand) the whole state is written to a new
//  snapshot file (fsync'd, renamed into place) and the log is emptied. On
//  open, the snapshot is loaded and the log replayed; a torn record at the
//  log's end (a crash in mid-append) is cut off.

#ifndef MT_STORE_H_INCLUDED
#define MT_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "index/mt_gallery.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_NS_MISSING = 1,
    MT_NS_FOUND = 2
} mt_ns;

//  "missing" / "found"; NULL for anything else.
const char *mt_ns_name (int ns);
//  MT_NS_* from its name, or 0.
int mt_ns_from_name (const char *name);

typedef struct {
    const char *dir;            //  created if missing
    const char *factory;        //  FAISS factory string; NULL for exact search
    //  With a plan (not NULL) the factory is ignored: each gallery's index
    //  type follows its size (mt_gallery_new_planned), rebuilt in the
    //  background by mt_store_maintain.
    const mt_index_plan_t *plan;
    int dim;                    //  128
    uint64_t snapshot_ops;      //  snapshot after this many writes (0: never)
    bool sync;                  //  fdatasync every write (turn off only in benchmarks)
} mt_store_config_t;

typedef struct mt_store mt_store_t;

//  Open (or create) the store in config->dir. Caller owns *self_p.
int mt_store_open (const mt_store_config_t *config, mt_store_t **self_p, mt_err_t *err);

//  Close the store; NULL-safe; sets *self_p to NULL. Writes nothing.
void mt_store_close (mt_store_t **self_p);

//  Apply writes. seq is the partition sequence number the broker gave the
//  write: it must be higher than mt_store_seq (MT_EINVAL otherwise), or 0 to
//  take the next number. Faces already present are skipped.
int mt_store_enroll (mt_store_t *self, uint64_t seq, mt_ns ns, size_t n,
                     const mt_face_meta_t *meta, const float *vectors, size_t *added_p,
                     mt_err_t *err);
int mt_store_remove (mt_store_t *self, uint64_t seq, size_t n, const uint64_t *face_ids,
                     uint64_t case_id, size_t *removed_p, mt_err_t *err);

//  The gallery of a namespace, for searching (owned by the store).
const mt_gallery_t *mt_store_gallery (const mt_store_t *self, mt_ns ns);

uint64_t mt_store_seq (const mt_store_t *self);
//  Digest of both galleries together (equal content, equal digest).
uint64_t mt_store_digest (const mt_store_t *self);

//  Let both galleries' indexes follow the plan (mt_gallery_maintain): start
//  a rebuild that their size calls for, or let a finished one take over.
//  *busy_p says a rebuild is running (call again in about a second); news
//  gets a line for the log when something started, finished or failed
//  (empty otherwise). Snapshots wait while a rebuild runs (the log keeps
//  every write meanwhile).
int mt_store_maintain (mt_store_t *self, bool *busy_p, char *news, size_t size, mt_err_t *err);

//  Whether an index rebuild is running.
bool mt_store_rebuilding (const mt_store_t *self);

//  Write a snapshot now and empty the log (a running rebuild is waited for
//  first).
int mt_store_snapshot (mt_store_t *self, mt_err_t *err);

//  Write the current state as a snapshot file at path (for a peer that
//  needs a copy); the store's own files are untouched.
int mt_store_export (mt_store_t *self, const char *path, mt_err_t *err);

//  Replace the whole state with the snapshot file at path (made by
//  mt_store_export on a peer): it becomes this store's snapshot and the log
//  is emptied.
int mt_store_import (mt_store_t *self, const char *path, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
