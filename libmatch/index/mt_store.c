//  mt_store - a shard replica's durable state: galleries, log, snapshot.

#include "index/mt_store.h"
#include "base/mt_dir.h"

#include "index/mt_index.h"
#include "base/mt_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

//  Format 1: seq, then the missing and the found gallery (dlib's only).
//  Format 2: seq, a count, then that many (namespace, gallery) pairs.
#define S_SNAP_MAGIC_1 "HWSNAP01"
#define S_SNAP_MAGIC "HWSNAP02"
#define S_SNAP_END   "HWSNAPOK"
#define S_REC_ENROLL 1
#define S_REC_REMOVE 2
//  type, ns, 2 spare bytes, seq
#define S_REC_HEAD 12
//  A record larger than this is corruption, not data.
#define S_REC_MAX (256u << 20)

struct mt_store {
    char dir [PATH_MAX];
    char log_path [PATH_MAX];
    char snap_path [PATH_MAX];
    char factory [256];
    bool planned;
    mt_index_plan_t plan;
    int dims [MT_NS_LAST + 1];  //  by namespace
    uint64_t snapshot_ops;
    bool sync;
    int log_fd;
    off_t log_size;
    uint64_t writes_since_snapshot;
    uint64_t seq;
    mt_gallery_t *galleries [MT_NS_LAST + 1];   //  by namespace; [0] unused
};

#define S_FOR_NS(ns) for (int ns = MT_NS_FIRST; ns <= MT_NS_LAST; ns++)

static const char *s_ns_names [MT_NS_LAST + 1] = {
    NULL, "missing", "found", "missing-mfn", "found-mfn"
};

bool
mt_ns_valid (int ns)
{
    return ns >= MT_NS_FIRST && ns <= MT_NS_LAST;
}

const char *
mt_ns_name (int ns)
{
    return mt_ns_valid (ns) ? s_ns_names [ns] : NULL;
}

int
mt_ns_from_name (const char *name)
{
    S_FOR_NS (ns)
        if (name && strcmp (name, s_ns_names [ns]) == 0)
            return ns;
    return 0;
}

int
mt_ns_second (int ns)
{
    return ns == MT_NS_MISSING ? MT_NS_MISSING_MFN : ns == MT_NS_FOUND ? MT_NS_FOUND_MFN : 0;
}

static mt_gallery_t *
s_gallery (const mt_store_t *self, int ns)
{
    return mt_ns_valid (ns) ? self->galleries [ns] : NULL;
}

int
mt_store_dim (const mt_store_t *self, mt_ns ns)
{
    return mt_ns_valid ((int) ns) ? self->dims [ns] : 0;
}

const mt_gallery_t *
mt_store_gallery (const mt_store_t *self, mt_ns ns)
{
    return s_gallery (self, ns);
}

uint64_t
mt_store_seq (const mt_store_t *self)
{
    return self->seq;
}

uint64_t
mt_store_digest (const mt_store_t *self)
{
    //  Namespaces weigh differently so that a face moved from one to the
    //  other changes the digest (an empty gallery adds nothing: a store
    //  without second-descriptor faces keeps its digest of format 1).
    uint64_t digest = 0;
    S_FOR_NS (ns)
        digest += (uint64_t) (2 * ns - 1) * mt_gallery_digest (self->galleries [ns]);
    return digest;
}

//  ---------------------------------------------------------------- snapshots

//  Write seq and every gallery to path through a temporary file that is
//  fsync'd and renamed into place, so path always holds a whole snapshot.
static int
s_write_snapshot (mt_store_t *self, const char *path, mt_err_t *err)
{
    //  A rebuilt index takes over first: the file holds one index a gallery.
    int finished = MT_OK;
    S_FOR_NS (ns)
        if (finished == MT_OK)
            finished = mt_gallery_finish_rebuild (self->galleries [ns], NULL, err);
    if (finished != MT_OK)
        return finished;
    char tmp [PATH_MAX + 8];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *file = fopen (tmp, "wb");
    if (!file)
        return mt_err_set (err, MT_EIO, "cannot create %s: %s", tmp, strerror (errno));
    int rc = MT_OK;
    uint32_t count = MT_NS_LAST - MT_NS_FIRST + 1;
    if (fwrite (S_SNAP_MAGIC, 8, 1, file) != 1 || fwrite (&self->seq, 8, 1, file) != 1
    ||  fwrite (&count, 4, 1, file) != 1)
        rc = mt_err_set (err, MT_EIO, "cannot write %s", tmp);
    S_FOR_NS (ns) {
        uint32_t tag = (uint32_t) ns;
        if (rc == MT_OK && fwrite (&tag, 4, 1, file) != 1)
            rc = mt_err_set (err, MT_EIO, "cannot write %s", tmp);
        if (rc == MT_OK)
            rc = mt_gallery_write (self->galleries [ns], file, err);
    }
    if (rc == MT_OK && fwrite (S_SNAP_END, 8, 1, file) != 1)
        rc = mt_err_set (err, MT_EIO, "cannot write %s", tmp);
    if (rc == MT_OK && (fflush (file) != 0 || fsync (fileno (file)) != 0))
        rc = mt_err_set (err, MT_EIO, "cannot flush %s: %s", tmp, strerror (errno));
    if (fclose (file) != 0 && rc == MT_OK)
        rc = mt_err_set (err, MT_EIO, "cannot close %s: %s", tmp, strerror (errno));
    if (rc == MT_OK && rename (tmp, path) != 0)
        rc = mt_err_set (err, MT_EIO, "cannot rename %s: %s", tmp, strerror (errno));
    if (rc != MT_OK)
        unlink (tmp);
    return rc;
}

static void
s_galleries_destroy (mt_gallery_t **galleries)
{
    S_FOR_NS (ns)
        mt_gallery_destroy (&galleries [ns]);
}

//  Read a snapshot file of either format: seq and the galleries it holds
//  (a gallery it lacks stays NULL), or an error naming path.
static int
s_read_snapshot (const char *path, uint64_t *seq, mt_gallery_t **galleries, mt_err_t *err)
{
    S_FOR_NS (ns)
        galleries [ns] = NULL;
    FILE *file = fopen (path, "rb");
    if (!file)
        return mt_err_set (err, errno == ENOENT ? MT_ENOTFOUND : MT_EIO, "cannot open %s: %s",
                           path, strerror (errno));
    char magic [8];
    int rc = MT_OK;
    bool first = false;
    uint32_t count = 0;
    if (fread (magic, 8, 1, file) != 1 || fread (seq, 8, 1, file) != 1)
        rc = mt_err_set (err, MT_EDECODE, "%s is not a Homeward snapshot", path);
    else
    if (memcmp (magic, S_SNAP_MAGIC_1, 8) == 0)
        first = true, count = 2;
    else
    if (memcmp (magic, S_SNAP_MAGIC, 8) != 0 || fread (&count, 4, 1, file) != 1
    ||  count > MT_NS_LAST)
        rc = mt_err_set (err, MT_EDECODE, "%s is not a Homeward snapshot", path);
    mt_err_t why;
    for (uint32_t i = 0; rc == MT_OK && i < count; i++) {
        uint32_t ns = i + 1;
        if (!first && fread (&ns, 4, 1, file) != 1)
            rc = mt_err_set (err, MT_EDECODE, "%s is incomplete", path);
        else
        if (!mt_ns_valid ((int) ns) || galleries [ns])
            rc = mt_err_set (err, MT_EDECODE, "%s: unknown or repeated namespace %u", path, ns);
        else
        if (mt_gallery_read (file, &galleries [ns], &why) != MT_OK)
            rc = mt_err_wrap (err, MT_EDECODE, &why, "%s", path);
    }
    if (rc == MT_OK && (fread (magic, 8, 1, file) != 1 || memcmp (magic, S_SNAP_END, 8) != 0))
        rc = mt_err_set (err, MT_EDECODE, "%s is incomplete", path);
    fclose (file);
    if (rc != MT_OK)
        s_galleries_destroy (galleries);
    return rc;
}

//  ---------------------------------------------------------------- the log

static int
s_append (mt_store_t *self, const uint8_t *payload, size_t size, mt_err_t *err)
{
    uint8_t head [8];
    uint32_t len = (uint32_t) size;
    uint32_t crc = (uint32_t) crc32 (0L, payload, (uInt) size);
    memcpy (head, &len, 4);
    memcpy (head + 4, &crc, 4);
    const uint8_t *parts [2] = { head, payload };
    size_t sizes [2] = { 8, size };
    for (int p = 0; p < 2; p++) {
        size_t done = 0;
        while (done < sizes [p]) {
            ssize_t n = write (self->log_fd, parts [p] + done, sizes [p] - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                int saved = errno;
                //  Leave no half record behind.
                if (ftruncate (self->log_fd, self->log_size) != 0)
                    mt_log_error ("store", "cannot cut %s back: %s", self->log_path,
                                  strerror (errno));
                return mt_err_set (err, saved == ENOSPC ? MT_ENOSPACE : MT_EIO,
                                   "cannot append to %s: %s", self->log_path, strerror (saved));
            }
            done += (size_t) n;
        }
    }
    if (self->sync && fdatasync (self->log_fd) != 0) {
        //  Not durable, so not written: cut it, or the next write would
        //  follow a record its replica never acknowledged.
        int saved = errno;
        if (ftruncate (self->log_fd, self->log_size) != 0)
            mt_log_error ("store", "cannot cut %s back: %s", self->log_path, strerror (errno));
        return mt_err_set (err, saved == ENOSPC ? MT_ENOSPACE : MT_EIO, "cannot sync %s: %s",
                           self->log_path, strerror (saved));
    }
    self->log_size += (off_t) (8 + size);
    return MT_OK;
}

static uint8_t *
s_record (uint8_t type, uint8_t ns, uint64_t seq, size_t body, size_t *size_p)
{
    uint8_t *rec = malloc (S_REC_HEAD + body);
    if (rec) {
        rec [0] = type;
        rec [1] = ns;
        rec [2] = rec [3] = 0;
        memcpy (rec + 4, &seq, 8);
        *size_p = S_REC_HEAD + body;
    }
    return rec;
}

//  Apply one record's payload (from the log) to the galleries.
static int
s_apply_record (mt_store_t *self, const uint8_t *p, size_t size, mt_err_t *err)
{
    if (size < S_REC_HEAD)
        return mt_err_set (err, MT_EDECODE, "short log record");
    uint8_t type = p [0], ns = p [1];
    uint64_t seq;
    memcpy (&seq, p + 4, 8);
    const uint8_t *body = p + S_REC_HEAD;
    size_t left = size - S_REC_HEAD;
    if (seq <= self->seq)
        return MT_OK;       //  already in the snapshot
    int rc;
    if (type == S_REC_ENROLL) {
        uint32_t n;
        if (left < 4 || !s_gallery (self, ns))
            return mt_err_set (err, MT_EDECODE, "bad enroll record");
        int dim = self->dims [ns];
        size_t face_bytes = 20 + (size_t) dim * sizeof (float);
        memcpy (&n, body, 4);
        if ((left - 4) / face_bytes < n || left - 4 != (size_t) n * face_bytes)
            return mt_err_set (err, MT_EDECODE, "enroll record of %u faces has %zu bytes",
                               n, left);
        mt_face_meta_t *meta = malloc ((n ? n : 1) * sizeof *meta);
        float *vectors = malloc ((n ? n : 1) * (size_t) dim * sizeof *vectors);
        if (!meta || !vectors) {
            free (meta), free (vectors);
            return mt_err_set (err, MT_ENOMEM, "out of memory replaying the log");
        }
        const uint8_t *at = body + 4;
        for (uint32_t i = 0; i < n; i++, at += face_bytes) {
            memcpy (&meta [i].face_id, at, 8);
            memcpy (&meta [i].case_id, at + 8, 8);
            memcpy (&meta [i].province, at + 16, 4);
            memcpy (vectors + (size_t) i * dim, at + 20, (size_t) dim * 4);
        }
        rc = mt_gallery_add (s_gallery (self, ns), n, meta, vectors, NULL, err);
        free (meta), free (vectors);
    }
    else
    if (type == S_REC_REMOVE) {
        uint64_t case_id;
        uint32_t n;
        if (left < 12)
            return mt_err_set (err, MT_EDECODE, "bad remove record");
        memcpy (&case_id, body, 8);
        memcpy (&n, body + 8, 4);
        if (left - 12 != (size_t) n * 8)
            return mt_err_set (err, MT_EDECODE, "remove record of %u ids has %zu bytes", n, left);
        uint64_t *ids = malloc ((n ? n : 1) * sizeof *ids);
        if (!ids)
            return mt_err_set (err, MT_ENOMEM, "out of memory replaying the log");
        memcpy (ids, body + 12, (size_t) n * 8);
        //  ns 0 (every record before format 2, and every client's removal):
        //  every gallery; else that gallery only.
        rc = ns == 0 || s_gallery (self, ns) ? MT_OK
           : mt_err_set (err, MT_EDECODE, "bad remove record");
        S_FOR_NS (g)
            if (rc == MT_OK && (ns == 0 || ns == g))
                rc = mt_gallery_remove (self->galleries [g], n, ids, case_id, NULL, err);
        free (ids);
    }
    else
        return mt_err_set (err, MT_EDECODE, "unknown log record type %u", type);
    if (rc == MT_OK)
        self->seq = seq;
    return rc;
}

//  Replay the log on open; cut a torn tail.
static int
s_replay (mt_store_t *self, mt_err_t *err)
{
    struct stat st;
    if (fstat (self->log_fd, &st) != 0)
        return mt_err_set (err, MT_EIO, "cannot stat %s: %s", self->log_path, strerror (errno));
    size_t size = (size_t) st.st_size;
    uint8_t *data = malloc (size ? size : 1);
    if (!data)
        return mt_err_set (err, MT_ENOMEM, "out of memory reading %s", self->log_path);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread (self->log_fd, data + got, size - got, (off_t) got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            free (data);
            return mt_err_set (err, MT_EIO, "cannot read %s", self->log_path);
        }
        got += (size_t) n;
    }
    size_t at = 0, records = 0;
    int rc = MT_OK;
    while (at + 8 <= size) {
        uint32_t len, crc;
        memcpy (&len, data + at, 4);
        memcpy (&crc, data + at + 4, 4);
        if (len > S_REC_MAX || len > size - at - 8
        ||  crc != (uint32_t) crc32 (0L, data + at + 8, len))
            break;
        rc = s_apply_record (self, data + at + 8, len, err);
        if (rc != MT_OK)
            break;
        at += 8 + len;
        records++;
    }
    free (data);
    if (rc != MT_OK)
        return rc;
    if (at < size) {
        mt_log_warn ("store", "%s: cutting %zu bytes of an unfinished record at its end "
                     "(a write that was never acknowledged)", self->log_path, size - at);
        if (ftruncate (self->log_fd, (off_t) at) != 0 || fsync (self->log_fd) != 0)
            return mt_err_set (err, MT_EIO, "cannot cut %s: %s", self->log_path,
                               strerror (errno));
    }
    self->log_size = (off_t) at;
    self->writes_since_snapshot = records;
    if (lseek (self->log_fd, 0, SEEK_END) < 0)
        return mt_err_set (err, MT_EIO, "cannot seek %s", self->log_path);
    return MT_OK;
}

//  ---------------------------------------------------------------- public

static int
s_gallery_new (const mt_store_t *self, int ns, mt_gallery_t **gallery_p, mt_err_t *err)
{
    if (self->planned)
        return mt_gallery_new_planned (&self->plan, self->dims [ns], gallery_p, err);
    return mt_gallery_new (self->factory, self->dims [ns], gallery_p, err);
}

//  Galleries a snapshot lacked (format 1: the second descriptor's) start
//  empty; those it had must have their namespace's dimension.
static int
s_galleries_check (const mt_store_t *self, mt_gallery_t **galleries, const char *path,
                   mt_err_t *err)
{
    int rc = MT_OK;
    S_FOR_NS (ns) {
        if (rc == MT_OK && !galleries [ns])
            rc = s_gallery_new (self, ns, &galleries [ns], err);
        else
        if (rc == MT_OK && mt_gallery_dim (galleries [ns]) != self->dims [ns])
            rc = mt_err_set (err, MT_EINVAL, "%s holds %d-d vectors in %s, not %d", path,
                             mt_gallery_dim (galleries [ns]), mt_ns_name (ns), self->dims [ns]);
    }
    return rc;
}

int
mt_store_open (const mt_store_config_t *config, mt_store_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (!config->dir || !*config->dir)
        return mt_err_set (err, MT_EINVAL, "the store needs a data directory");
    mt_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->log_fd = -1;
    snprintf (self->dir, sizeof self->dir, "%s", config->dir);
    snprintf (self->log_path, sizeof self->log_path, "%s/oplog", config->dir);
    snprintf (self->snap_path, sizeof self->snap_path, "%s/snapshot", config->dir);
    snprintf (self->factory, sizeof self->factory, "%s",
              config->factory ? config->factory : MT_INDEX_DEFAULT_FACTORY);
    self->dims [MT_NS_MISSING] = self->dims [MT_NS_FOUND] = config->dim > 0 ? config->dim : 128;
    self->dims [MT_NS_MISSING_MFN] = self->dims [MT_NS_FOUND_MFN]
        = config->dim2 > 0 ? config->dim2 : MT_STORE_DIM2;
    self->planned = config->plan != NULL;
    if (config->plan)
        self->plan = *config->plan;
    self->snapshot_ops = config->snapshot_ops;
    self->sync = config->sync;

    int rc = mt_dir_make (self->dir, err);
    if (rc == MT_OK) {
        rc = s_read_snapshot (self->snap_path, &self->seq, self->galleries, err);
        if (rc == MT_ENOTFOUND) {
            self->seq = 0;
            rc = MT_OK;
        }
        if (rc == MT_OK)
            rc = s_galleries_check (self, self->galleries, self->snap_path, err);
    }
    if (rc == MT_OK) {
        self->log_fd = open (self->log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (self->log_fd < 0)
            rc = mt_err_set (err, MT_EIO, "cannot open %s: %s", self->log_path, strerror (errno));
    }
    if (rc == MT_OK && self->planned)
        S_FOR_NS (ns)
            mt_gallery_set_plan (self->galleries [ns], &self->plan);
    if (rc == MT_OK)
        rc = s_replay (self, err);
    if (rc != MT_OK) {
        mt_store_close (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_store_close (mt_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_store_t *self = *self_p;
    if (self->log_fd >= 0)
        close (self->log_fd);
    s_galleries_destroy (self->galleries);
    free (self);
    *self_p = NULL;
}

static int
s_next_seq (mt_store_t *self, uint64_t *seq, mt_err_t *err)
{
    if (*seq == 0)
        *seq = self->seq + 1;
    else
    if (*seq <= self->seq)
        return mt_err_set (err, MT_EINVAL, "write sequence %llu is not after %llu",
                           (unsigned long long) *seq, (unsigned long long) self->seq);
    return MT_OK;
}

static int
s_after_write (mt_store_t *self, mt_err_t *err)
{
    self->writes_since_snapshot++;
    if (self->snapshot_ops && self->writes_since_snapshot >= self->snapshot_ops
    &&  !mt_store_rebuilding (self))
        return mt_store_snapshot (self, err);
    return MT_OK;
}

int
mt_store_enroll (mt_store_t *self, uint64_t seq, mt_ns ns, size_t n, const mt_face_meta_t *meta,
                 const float *vectors, size_t *added_p, mt_err_t *err)
{
    if (added_p)
        *added_p = 0;
    mt_gallery_t *gallery = s_gallery (self, ns);
    if (!gallery)
        return mt_err_set (err, MT_EINVAL, "unknown namespace %d", (int) ns);
    for (size_t i = 0; i < n; i++)
        if (meta [i].face_id > MT_FACE_ID_MAX || meta [i].face_id == 0)
            return mt_err_set (err, MT_EINVAL, "face id %llu is out of range",
                               (unsigned long long) meta [i].face_id);
    int dim = self->dims [ns];
    size_t face_bytes = 20 + (size_t) dim * sizeof (float);
    if (n > (S_REC_MAX - S_REC_HEAD - 4) / face_bytes)
        return mt_err_set (err, MT_ETOOBIG, "%zu faces in one write; send fewer", n);
    int rc = s_next_seq (self, &seq, err);
    if (rc != MT_OK)
        return rc;
    size_t size;
    uint8_t *rec = s_record (S_REC_ENROLL, (uint8_t) ns, seq, 4 + n * face_bytes, &size);
    if (!rec)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    uint32_t count = (uint32_t) n;
    memcpy (rec + S_REC_HEAD, &count, 4);
    uint8_t *at = rec + S_REC_HEAD + 4;
    for (size_t i = 0; i < n; i++, at += face_bytes) {
        memcpy (at, &meta [i].face_id, 8);
        memcpy (at + 8, &meta [i].case_id, 8);
        memcpy (at + 16, &meta [i].province, 4);
        memcpy (at + 20, vectors + i * (size_t) dim, (size_t) dim * 4);
    }
    rc = s_append (self, rec, size, err);
    free (rec);
    if (rc == MT_OK)
        rc = mt_gallery_add (gallery, n, meta, vectors, added_p, err);
    if (rc == MT_OK) {
        self->seq = seq;
        rc = s_after_write (self, err);
    }
    return rc;
}

int
mt_store_remove (mt_store_t *self, uint64_t seq, size_t n, const uint64_t *face_ids,
                 uint64_t case_id, size_t *removed_p, mt_err_t *err)
{
    return mt_store_remove_from (self, seq, 0, n, face_ids, case_id, removed_p, err);
}

int
mt_store_remove_from (mt_store_t *self, uint64_t seq, int only, size_t n,
                      const uint64_t *face_ids, uint64_t case_id, size_t *removed_p,
                      mt_err_t *err)
{
    if (removed_p)
        *removed_p = 0;
    if (only != 0 && !mt_ns_valid (only))
        return mt_err_set (err, MT_EINVAL, "unknown namespace %d", only);
    if (n > (S_REC_MAX - S_REC_HEAD - 12) / 8)
        return mt_err_set (err, MT_ETOOBIG, "%zu ids in one write; send fewer", n);
    int rc = s_next_seq (self, &seq, err);
    if (rc != MT_OK)
        return rc;
    size_t size;
    uint8_t *rec = s_record (S_REC_REMOVE, (uint8_t) only, seq, 12 + n * 8, &size);
    if (!rec)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    uint32_t count = (uint32_t) n;
    memcpy (rec + S_REC_HEAD, &case_id, 8);
    memcpy (rec + S_REC_HEAD + 8, &count, 4);
    if (n)
        memcpy (rec + S_REC_HEAD + 12, face_ids, n * 8);
    rc = s_append (self, rec, size, err);
    free (rec);
    //  A face leaves every gallery: its dlib and its MobileFaceNet vector.
    size_t removed = 0;
    S_FOR_NS (ns) {
        size_t one = 0;
        if (rc == MT_OK && (only == 0 || only == ns))
            rc = mt_gallery_remove (self->galleries [ns], n, face_ids, case_id, &one, err);
        removed += one;
    }
    if (rc == MT_OK) {
        self->seq = seq;
        if (removed_p)
            *removed_p = removed;
        rc = s_after_write (self, err);
    }
    return rc;
}

bool
mt_store_rebuilding (const mt_store_t *self)
{
    S_FOR_NS (ns)
        if (mt_gallery_rebuilding (self->galleries [ns]))
            return true;
    return false;
}

int
mt_store_maintain (mt_store_t *self, bool *busy_p, char *news, size_t size, mt_err_t *err)
{
    *news = '\0';
    int rc = MT_OK;
    S_FOR_NS (ns) {
        mt_gallery_t *gallery = s_gallery (self, ns);
        mt_index_report_t report;
        mt_err_t why;
        size_t faces = mt_gallery_size (gallery), used = strlen (news);
        char now [128];
        switch (mt_gallery_maintain (gallery, &report, &why)) {
            case MT_GALLERY_STARTED:
                snprintf (news + used, size - used, "%s%s: rebuilding the index of %zu faces "
                          "as %s in the background", used ? "; " : "", mt_ns_name (ns),
                          faces, report.factory);
                break;
            case MT_GALLERY_SWAPPED:
                mt_gallery_describe (gallery, now, sizeof now);
                snprintf (news + used, size - used, "%s%s: the index of %zu faces is now %s "
                          "(recall@20 %.3f of the %s on its own faces; train %.1f s, "
                          "add %.1f s, tune %.1f s)%s%s", used ? "; " : "", mt_ns_name (ns),
                          faces, now, report.recall, report.rule [0] ? report.rule : "nearest",
                          report.train_s, report.add_s, report.tune_s,
                          report.note [0] ? "; " : "", report.note);
                break;
            case MT_GALLERY_FAILED:
                snprintf (news + used, size - used, "%s%s: the index rebuild failed: %s",
                          used ? "; " : "", mt_ns_name (ns), why.msg);
                if (rc == MT_OK)
                    rc = mt_err_copy (err, why.code, &why);
                break;
            default:
                break;
        }
    }
    *busy_p = mt_store_rebuilding (self);
    return rc;
}

int
mt_store_snapshot (mt_store_t *self, mt_err_t *err)
{
    int rc = s_write_snapshot (self, self->snap_path, err);
    if (rc == MT_OK)
        rc = mt_dir_sync (self->dir, err);
    if (rc != MT_OK)
        return rc;
    //  The snapshot holds everything the log did; a crash before the cut
    //  only leaves records the next open skips by their sequence numbers.
    if (ftruncate (self->log_fd, 0) != 0 || fsync (self->log_fd) != 0)
        return mt_err_set (err, MT_EIO, "cannot empty %s: %s", self->log_path, strerror (errno));
    self->log_size = 0;
    self->writes_since_snapshot = 0;
    return MT_OK;
}

int
mt_store_export (mt_store_t *self, const char *path, mt_err_t *err)
{
    return s_write_snapshot (self, path, err);
}

int
mt_store_import (mt_store_t *self, const char *path, mt_err_t *err)
{
    uint64_t seq;
    mt_gallery_t *galleries [MT_NS_LAST + 1] = { NULL };
    int rc = s_read_snapshot (path, &seq, galleries, err);
    if (rc == MT_OK)
        rc = s_galleries_check (self, galleries, path, err);
    if (rc != MT_OK) {
        s_galleries_destroy (galleries);
        return rc;
    }
    s_galleries_destroy (self->galleries);
    S_FOR_NS (ns) {
        self->galleries [ns] = galleries [ns];
        if (self->planned)
            mt_gallery_set_plan (self->galleries [ns], &self->plan);
    }
    self->seq = seq;
    return mt_store_snapshot (self, err);
}
