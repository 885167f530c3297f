//  mt_store - the durable state of one shard replica: its galleries (the
//  "missing" and "found" faces by dlib's descriptor, and the same faces by
//  the second descriptor, MobileFaceNet, in "missing-mfn" and "found-mfn",
//  each namespace with its own dimension), the partition sequence number of the last write
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

//  The galleries: the first two hold dlib's vectors (config->dim), the
//  other two the same faces' MobileFaceNet vectors (config->dim2), under
//  the same face ids and in the same partitions.
typedef enum {
    MT_NS_MISSING = 1,
    MT_NS_FOUND = 2,
    MT_NS_MISSING_MFN = 3,
    MT_NS_FOUND_MFN = 4
} mt_ns;
#define MT_NS_FIRST MT_NS_MISSING
#define MT_NS_LAST MT_NS_FOUND_MFN
//  The second descriptor's dimension (MobileFaceNet).
#define MT_STORE_DIM2 192

//  "missing" / "found" / "missing-mfn" / "found-mfn"; NULL for anything else.
const char *mt_ns_name (int ns);
//  MT_NS_* from its name, or 0.
int mt_ns_from_name (const char *name);
//  The namespace of the second descriptor beside a dlib one (MT_NS_MISSING
//  -> MT_NS_MISSING_MFN, MT_NS_FOUND -> MT_NS_FOUND_MFN); 0 for anything else.
int mt_ns_second (int ns);
//  Whether ns is one of the galleries above.
bool mt_ns_valid (int ns);

typedef struct {
    const char *dir;            //  created if missing
    const char *factory;        //  FAISS factory string; NULL for exact search
    //  With a plan (not NULL) the factory is ignored: each gallery's index
    //  type follows its size (mt_gallery_new_planned), rebuilt in the
    //  background by mt_store_maintain.
    const mt_index_plan_t *plan;
    int dim;                    //  dlib's namespaces (1, 2): 128
    int dim2;                   //  MobileFaceNet's (3, 4): 0 means MT_STORE_DIM2
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
//  Removal takes the faces out of every gallery (dlib's and MobileFaceNet's).
int mt_store_remove (mt_store_t *self, uint64_t seq, size_t n, const uint64_t *face_ids,
                     uint64_t case_id, size_t *removed_p, mt_err_t *err);
//  The same from one gallery only when ns is not 0 (faces moving to another
//  partition leave it gallery by gallery); 0: every gallery.
int mt_store_remove_from (mt_store_t *self, uint64_t seq, int ns, size_t n,
                          const uint64_t *face_ids, uint64_t case_id, size_t *removed_p,
                          mt_err_t *err);

//  The gallery of a namespace, for searching (owned by the store); NULL for
//  an unknown namespace.
const mt_gallery_t *mt_store_gallery (const mt_store_t *self, mt_ns ns);

//  The vector dimension of a namespace's gallery; 0 for an unknown one.
int mt_store_dim (const mt_store_t *self, mt_ns ns);

uint64_t mt_store_seq (const mt_store_t *self);
//  Digest of every gallery together (equal content, equal digest; empty
//  second-descriptor galleries leave it as it was before they existed).
uint64_t mt_store_digest (const mt_store_t *self);

//  Let every gallery's index follow the plan (mt_gallery_maintain): start
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
//  needs a copy); the store's own files are untouched. Snapshots are
//  written in format 2 (every namespace with its dimension); format 1
//  (dlib's two galleries only) is still read, the others then empty.
int mt_store_export (mt_store_t *self, const char *path, mt_err_t *err);

//  Replace the whole state with the snapshot file at path (made by
//  mt_store_export on a peer): it becomes this store's snapshot and the log
//  is emptied.
int mt_store_import (mt_store_t *self, const char *path, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
