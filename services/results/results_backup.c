//  results_backup - the results service's side of a backup taken while it
//  runs (homeward backup, or serve's scheduled one): a consistent copy of
//  the case database made at once (SQLite's online backup, next to the
//  database), handed out in pieces, and the photo files by their sha256.
//  One copy at a time; it is removed when the backup ends, when another
//  begins after this one went quiet, and when the service stops.

#include "results/results_call.h"
#include "results/results_pb.h"
#include "base/mt_clock.h"

#include "results/store/photo_store.h"
#include "base/mt_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_NAME "results"
#define S_PIECE (4u << 20)
#define S_QUIET_MS 120000

void
results_backup_path (const results_config_t *config, char *path, size_t size)
{
    //  Beside the SQLite file, or for a PostgreSQL store beside the photos.
    if (mt_casedb_target_is_pg (config->db))
        snprintf (path, size, "%s.case-store.backup", config->photos);
    else
        snprintf (path, size, "%s.backup", config->db);
}

static int
s_check_token (results_call_t *call, mt_err_t *err)
{
    //  read, photo and end all take a BackupPiece.
    const Homeward__V1__BackupPiece *params = (const Homeward__V1__BackupPiece *)
        api_pb_oneof (&call->request->base, api_pb_params_field (call->request->method));
    const char *token = params ? params->token : NULL;
    if (!call->self->backup_token [0] || !token
    ||  strcmp (token, call->self->backup_token) != 0)
        return mt_err_set (err, MT_ENOTFOUND, "no such backup in progress (it ended, or another "
                           "backup took its place after it went quiet); start again");
    call->self->backup_seen_ms = mt_clock_ms ();
    return MT_OK;
}

//  The copy's sha256 and size, read back from the file.
static int
s_digest (const char *path, char *hex, uint64_t *size_p, mt_err_t *err)
{
    FILE *file = fopen (path, "rbe");
    if (!file)
        return mt_err_set (err, MT_EIO, "cannot read %s: %s", path, strerror (errno));
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    uint8_t *buf = malloc (1 << 20);
    size_t got;
    *size_p = 0;
    while (buf && (got = fread (buf, 1, 1 << 20, file)) > 0) {
        crypto_hash_sha256_update (&state, buf, got);
        *size_p += got;
    }
    int rc = buf && !ferror (file) ? MT_OK : mt_err_set (err, MT_EIO, "cannot read %s", path);
    fclose (file);
    free (buf);
    uint8_t hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, hash);
    sodium_bin2hex (hex, 65, hash, sizeof hash);
    return rc;
}

//  What the copy holds, from the copy itself: counts, the audit chain's
//  head (verified), the erased cases.
static int
s_describe (const char *path, Homeward__V1__BackupBegun *result, bool *failed, mt_err_t *err)
{
    mt_casedb_t *copy = NULL;
    mt_casedb_counts_t counts;
    mt_audit_check_t check = { 0 };
    mt_erasure_t *erased = NULL;
    size_t erased_count = 0;
    int rc = mt_casedb_open (path, &copy, err);
    if (rc == MT_OK)
        rc = mt_casedb_counts (copy, &counts, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit_verify (copy, &check, err);
    if (rc == MT_OK && check.broken_id)
        rc = mt_err_set (err, MT_EDECODE, "the audit log's chain is broken at entry %lld (%s): "
                         "no backup is taken of a log that does not verify",
                         (long long) check.broken_id, check.reason);
    if (rc == MT_OK)
        rc = mt_casedb_erasures (copy, &erased, &erased_count, err);
    mt_casedb_close (&copy);
    if (rc != MT_OK)
        return rc;
    Homeward__V1__BackupCounts *c = results_pb_new (&homeward__v1__backup_counts__descriptor,
                                                    failed);
    if ((result->counts = c)) {
        c->has_cases = c->has_photos = c->has_faces = c->has_candidates = 1;
        c->has_reviews = c->has_audit = c->has_erased = 1;
        c->cases = counts.cases, c->photos = counts.photos, c->faces = counts.faces;
        c->candidates = counts.candidates, c->reviews = counts.reviews;
        c->audit = counts.audit, c->erased = counts.erased;
    }
    Homeward__V1__AuditHead *head = results_pb_new (&homeward__v1__audit_head__descriptor,
                                                    failed);
    if ((result->audit_head = head)) {
        head->has_id = 1, head->id = check.head_id;
        head->hash = results_pb_text (check.head, failed);
    }
    result->erased = erased_count ? calloc (erased_count, sizeof *result->erased) : NULL;
    *failed |= erased_count && !result->erased;
    for (size_t i = 0; result->erased && i < erased_count; i++) {
        Homeward__V1__Erasure *e = results_pb_new (&homeward__v1__erasure__descriptor, failed);
        if (!(result->erased [i] = e))
            break;
        result->n_erased = i + 1;
        e->has_case_id = e->has_level = 1;
        e->case_id = erased [i].case_id, e->level = erased [i].level;
        e->at = results_pb_text (erased [i].at, failed);
    }
    free (erased);
    return MT_OK;
}

int
results_m_backup_begin (results_call_t *call, mt_err_t *err)
{
    results_state_t *self = call->self;
    if (self->backup_token [0] && mt_clock_ms () - self->backup_seen_ms < S_QUIET_MS)
        return mt_err_set (err, MT_EUNAVAILABLE, "another backup is being taken; try again when "
                           "it is done");
    char path [1200];
    results_backup_path (self->config, path, sizeof path);
    self->backup_token [0] = '\0';
    int rc = mt_casedb_audit (self->db, call->actor, "backup.take", NULL, NULL, err);
    if (rc == MT_OK)
        rc = mt_casedb_snapshot (self->db, path, err);
    bool failed = false;
    Homeward__V1__BackupBegun *result = results_pb_new (&homeward__v1__backup_begun__descriptor,
                                                        &failed);
    if (rc == MT_OK && result)
        rc = s_describe (path, result, &failed, err);
    char sha [65];
    uint64_t size = 0;
    if (rc == MT_OK)
        rc = s_digest (path, sha, &size, err);
    if (rc == MT_OK && failed)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc != MT_OK) {
        unlink (path);
        if (result)
            protobuf_c_message_free_unpacked (&result->base, NULL);
        return rc;
    }
    uint8_t random [16];
    randombytes_buf (random, sizeof random);
    sodium_bin2hex (self->backup_token, sizeof self->backup_token, random, sizeof random);
    self->backup_seen_ms = mt_clock_ms ();
    result->token = results_pb_text (self->backup_token, &failed);
    result->has_bytes = 1, result->bytes = (int64_t) size;
    result->sha256 = results_pb_text (sha, &failed);
    mt_log_info (S_NAME, "backup: the case database copied (%.1f MB) for %s",
                 (double) size / 1e6, call->actor);
    return results_pb_answer (&call->answer, &result->base, failed, err);
}

int
results_m_backup_read (results_call_t *call, mt_err_t *err)
{
    int rc = s_check_token (call, err);
    if (rc != MT_OK)
        return rc;
    int64_t offset = call->request->backup_read->offset;
    if (offset < 0)
        return mt_err_set (err, MT_EINVAL, "offset must be 0 or more");
    char path [1200];
    results_backup_path (call->self->config, path, sizeof path);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mt_err_set (err, MT_EIO, "cannot read the copy: %s", strerror (errno));
    uint8_t *piece = malloc (S_PIECE);
    ssize_t got = piece ? pread (fd, piece, S_PIECE, (off_t) offset) : -1;
    close (fd);
    if (got < 0) {
        free (piece);
        return mt_err_set (err, MT_EIO, "cannot read the copy: %s", strerror (errno));
    }
    call->reply_payload = piece;
    call->reply_size = (size_t) got;
    bool failed = false;
    Homeward__V1__BackupPiece *read = results_pb_new (&homeward__v1__backup_piece__descriptor,
                                                      &failed);
    if (read)
        read->has_offset = read->has_size = 1, read->offset = offset, read->size = got;
    return results_pb_answer (&call->answer, read ? &read->base : NULL, failed, err);
}

int
results_m_backup_end (results_call_t *call, mt_err_t *err)
{
    int rc = s_check_token (call, err);
    if (rc != MT_OK)
        return rc;
    char path [1200];
    results_backup_path (call->self->config, path, sizeof path);
    unlink (path);
    call->self->backup_token [0] = '\0';
    const char *summary = call->request->backup_end->summary;
    if (summary)
        mt_log_info (S_NAME, "backup: %.200s", summary);
    bool failed = false;
    Homeward__V1__Nothing *done = results_pb_new (&homeward__v1__nothing__descriptor, &failed);
    return results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
}

int
results_m_backup_photo (results_call_t *call, mt_err_t *err)
{
    int rc = s_check_token (call, err);
    if (rc != MT_OK)
        return rc;
    const char *sha = call->request->backup_photo->sha256;
    if (!sha || strlen (sha) != 64 || strspn (sha, "0123456789abcdef") != 64)
        return mt_err_set (err, MT_EINVAL, "sha256 must be 64 lowercase hex digits");
    uint8_t *bytes = NULL;
    size_t size = 0;
    mt_err_t why;
    rc = photo_store_get (call->self->config->photos, sha, &bytes, &size, &why);
    if (rc != MT_OK)
        return mt_err_copy (err, rc == MT_EIO ? MT_ENOTFOUND : rc, &why);
    call->reply_payload = bytes;
    call->reply_size = size;
    bool failed = false;
    Homeward__V1__BackupPiece *photo = results_pb_new (&homeward__v1__backup_piece__descriptor,
                                                       &failed);
    if (photo) {
        photo->sha256 = results_pb_text (sha, &failed);
        photo->has_size = 1, photo->size = (int64_t) size;
    }
    return results_pb_answer (&call->answer, photo ? &photo->base : NULL, failed, err);
}
