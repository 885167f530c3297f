//  results_backup - the results service's side of a backup taken while it
//  runs (homeward backup, or serve's scheduled one): a consistent copy of
//  the case database made at once (SQLite's online backup, next to the
//  database), handed out in pieces, and the photo files by their sha256.
//  One copy at a time; it is removed when the backup ends, when another
//  begins after this one went quiet, and when the service stops.

#include "results/results_call.h"
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
    const char *token = json_string_value (json_object_get (call->params, "token"));
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
s_describe (const char *path, json_t *result, mt_err_t *err)
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
    json_object_set_new (result, "counts", json_pack (
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t) counts.cases,
        "photos", (json_int_t) counts.photos, "faces", (json_int_t) counts.faces,
        "candidates", (json_int_t) counts.candidates, "reviews", (json_int_t) counts.reviews,
        "audit", (json_int_t) counts.audit, "erased", (json_int_t) counts.erased));
    json_object_set_new (result, "audit_head", json_pack ("{s:I, s:s}", "id",
                         (json_int_t) check.head_id, "hash", check.head));
    json_t *list = json_array ();
    for (size_t i = 0; i < erased_count; i++)
        json_array_append_new (list, json_pack ("{s:I, s:i, s:s}", "case_id",
                               (json_int_t) erased [i].case_id, "level", erased [i].level,
                               "at", erased [i].at));
    json_object_set_new (result, "erased", list);
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
    json_t *result = json_object ();
    if (rc == MT_OK)
        rc = s_describe (path, result, err);
    char sha [65];
    uint64_t size = 0;
    if (rc == MT_OK)
        rc = s_digest (path, sha, &size, err);
    if (rc != MT_OK) {
        unlink (path);
        json_decref (result);
        return rc;
    }
    uint8_t random [16];
    randombytes_buf (random, sizeof random);
    sodium_bin2hex (self->backup_token, sizeof self->backup_token, random, sizeof random);
    self->backup_seen_ms = mt_clock_ms ();
    json_object_set_new (result, "token", json_string (self->backup_token));
    json_object_set_new (result, "bytes", json_integer ((json_int_t) size));
    json_object_set_new (result, "sha256", json_string (sha));
    mt_log_info (S_NAME, "backup: the case database copied (%.1f MB) for %s",
                 (double) size / 1e6, call->actor);
    call->result = result;
    return MT_OK;
}

int
results_m_backup_read (results_call_t *call, mt_err_t *err)
{
    int rc = s_check_token (call, err);
    if (rc != MT_OK)
        return rc;
    json_int_t offset = json_integer_value (json_object_get (call->params, "offset"));
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
    call->result = json_pack ("{s:I, s:I}", "offset", offset, "size", (json_int_t) got);
    return MT_OK;
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
    const char *summary = json_string_value (json_object_get (call->params, "summary"));
    if (summary)
        mt_log_info (S_NAME, "backup: %.200s", summary);
    call->result = json_object ();
    return MT_OK;
}

int
results_m_backup_photo (results_call_t *call, mt_err_t *err)
{
    int rc = s_check_token (call, err);
    if (rc != MT_OK)
        return rc;
    const char *sha = json_string_value (json_object_get (call->params, "sha256"));
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
    call->result = json_pack ("{s:s, s:I}", "sha256", sha, "size", (json_int_t) size);
    return MT_OK;
}
