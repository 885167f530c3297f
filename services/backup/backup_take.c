//  backup_take - one backup of a running Homeward (see backup_take.h).

#include "backup_take.h"
#include "base/mt_clock.h"

#include "backup/backup_repo.h"
#include "common/api_pb.h"
#include "base/mt_dir.h"
#include "base/mt_log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

//  What one backup works with.
typedef struct {
    api_client_t *client;
    const backup_take_opts_t *opts;
    backup_report_t *report;
    char partial [PATH_MAX], work [PATH_MAX], token [64];
    Homeward__V1__BackupBegun *begin;   //  backup.begin's answer
    mt_photo_file_t *files;         //  the copy's photo files, by sha256
    size_t file_count;
    mt_erasure_t *erased;
    size_t erased_count;
} s_take_t;

static void
s_stamp (char *stamp, size_t size)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    char base [32];
    strftime (base, sizeof base, "%Y%m%dT%H%M%S", &tm);
    snprintf (stamp, size, "%s.%03dZ", base, (int) (tv.tv_usec / 1000));
}

//  A call of the backup: its parameters (token, offset, sha256, summary)
//  and the bytes it gives back, if any.
static int
s_call (s_take_t *t, const char *method, Homeward__V1__BackupPiece *params,
        uint8_t **payload_p, size_t *size_p, mt_err_t *err)
{
    params->token = t->token;
    ProtobufCMessage *result = NULL;
    int rc = api_call_pb (t->client, method, &params->base, NULL, NULL, 0, t->opts->timeout_ms,
                          &result, payload_p, size_p, err);
    if (result)
        protobuf_c_message_free_unpacked (result, NULL);
    return rc;
}

//  ---------------------------------------------------------------- the database

//  Fetch the service's copy piece by piece into the work folder (plain, to
//  check it) and the snapshot (encrypted), checking its sha256.
static int
s_fetch_db (s_take_t *t, mt_err_t *err)
{
    int64_t bytes = t->begin->bytes;
    const char *sha = t->begin->sha256 ? t->begin->sha256 : "";
    char plain_path [PATH_MAX + 16], path [PATH_MAX + 16];
    snprintf (plain_path, sizeof plain_path, "%s/cases.db", t->work);
    snprintf (path, sizeof path, "%s/cases.db.hwe", t->partial);
    FILE *plain = fopen (plain_path, "wbe");
    if (!plain)
        return mt_err_set (err, MT_EIO, "cannot create %s: %s", plain_path, strerror (errno));
    backup_writer_t *writer = NULL;
    int rc = backup_writer_open (path, t->opts->secret, "cases.db", &writer, err);
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    int64_t offset = 0;
    while (rc == MT_OK && offset < bytes) {
        uint8_t *piece = NULL;
        size_t size = 0;
        Homeward__V1__BackupPiece read = HOMEWARD__V1__BACKUP_PIECE__INIT;
        read.has_offset = 1, read.offset = offset;
        rc = s_call (t, "backup.read", &read, &piece, &size, err);
        if (rc == MT_OK && size == 0)
            rc = mt_err_set (err, MT_EIO, "the service's copy ended early, at byte %lld",
                             (long long) offset);
        if (rc == MT_OK && fwrite (piece, 1, size, plain) != size)
            rc = mt_err_set (err, MT_EIO, "cannot write %s: %s", plain_path, strerror (errno));
        if (rc == MT_OK)
            rc = backup_writer_write (writer, piece, size, err);
        if (rc == MT_OK)
            crypto_hash_sha256_update (&state, piece, size);
        offset += (int64_t) size;
        free (piece);
    }
    if (fclose (plain) != 0 && rc == MT_OK)
        rc = mt_err_set (err, MT_EIO, "cannot write %s", plain_path);
    int closed = backup_writer_close (&writer, rc == MT_OK, err);
    rc = rc == MT_OK ? closed : rc;
    uint8_t hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, hash);
    char got [65], again [65];
    sodium_bin2hex (got, sizeof got, hash, sizeof hash);
    if (rc == MT_OK && (!sha || strcmp (got, sha) != 0))
        rc = mt_err_set (err, MT_EDECODE, "the database copy arrived damaged (sha256 differs)");
    //  Read back what was written.
    uint64_t size = 0;
    if (rc == MT_OK)
        rc = backup_file_digest (path, t->opts->secret, "cases.db", again, &size, err);
    if (rc == MT_OK && (strcmp (again, got) != 0 || size != (uint64_t) bytes))
        rc = mt_err_set (err, MT_EIO, "%s does not read back as written", path);
    t->report->db_bytes = (uint64_t) bytes;
    return rc;
}

//  Open the plain copy: integrity, counts and audit head as the service
//  said, and the photo files and erasures it holds.
static int
s_check_db (s_take_t *t, mt_err_t *err)
{
    char plain_path [PATH_MAX + 16];
    snprintf (plain_path, sizeof plain_path, "%s/cases.db", t->work);
    mt_casedb_t *copy = NULL;
    mt_audit_check_t check = { 0 };
    mt_casedb_counts_t *counts = &t->report->counts;
    int rc = mt_casedb_open (plain_path, &copy, err);
    if (rc == MT_OK)
        rc = mt_casedb_integrity (copy, err);
    if (rc == MT_OK)
        rc = mt_casedb_counts (copy, counts, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit_verify (copy, &check, err);
    if (rc == MT_OK)
        rc = mt_casedb_photo_files (copy, &t->files, &t->file_count, err);
    if (rc == MT_OK)
        rc = mt_casedb_erasures (copy, &t->erased, &t->erased_count, err);
    mt_casedb_close (&copy);
    if (rc != MT_OK)
        return rc;
    const Homeward__V1__BackupCounts *said = t->begin->counts;
    const Homeward__V1__AuditHead *head = t->begin->audit_head;
    const char *hash = head ? head->hash : NULL;
    if (check.broken_id || !hash || strcmp (hash, check.head) != 0
    ||  check.head_id != head->id)
        return mt_err_set (err, MT_EDECODE, "the copy's audit chain does not end where the "
                           "service said (entry %lld)", (long long) check.head_id);
    if (!said || said->cases != counts->cases || said->photos != counts->photos
    ||  said->faces != counts->faces || said->candidates != counts->candidates
    ||  said->reviews != counts->reviews || said->audit != counts->audit)
        return mt_err_set (err, MT_EDECODE, "the copy's counts differ from the service's");
    t->report->audit_head_id = check.head_id;
    snprintf (t->report->audit_head, sizeof t->report->audit_head, "%s", check.head);
    return MT_OK;
}

//  ---------------------------------------------------------------- photos

//  Fetch the photos the folder lacks; check each one's sha256, write it
//  encrypted, read it back.
static int
s_fetch_photos (s_take_t *t, mt_err_t *err)
{
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < t->file_count; i++) {
        const char *sha = t->files [i].sha256;
        if (i > 0 && strcmp (sha, t->files [i - 1].sha256) == 0)
            continue;
        t->report->photos++;
        if (t->opts->stop && t->opts->stop (t->opts->stop_arg)) {
            rc = mt_err_set (err, MT_EUNAVAILABLE, "stopped before its end (Homeward is "
                             "stopping)");
            break;
        }
        char path [PATH_MAX + 200];
        backup_repo_photo_path (t->opts->dir, t->opts->secret, sha, path, sizeof path);
        if (access (path, F_OK) == 0)
            continue;           //  incremental: each photo is written once
        uint8_t *bytes = NULL;
        size_t size = 0;
        Homeward__V1__BackupPiece photo = HOMEWARD__V1__BACKUP_PIECE__INIT;
        photo.sha256 = (char *) sha;
        rc = s_call (t, "backup.photo", &photo, &bytes, &size, err);
        char label [80], got [65];
        snprintf (label, sizeof label, "photo:%s", sha);
        if (rc == MT_OK) {
            uint8_t hash [crypto_hash_sha256_BYTES];
            crypto_hash_sha256 (hash, bytes, size);
            sodium_bin2hex (got, sizeof got, hash, sizeof hash);
            if (strcmp (got, sha) != 0)
                rc = mt_err_set (err, MT_EDECODE, "photo %s in the service's store is damaged "
                                 "(its bytes hash to %s)", sha, got);
        }
        char dir [PATH_MAX + 200];
        snprintf (dir, sizeof dir, "%s", path);
        *strrchr (dir, '/') = '\0';
        if (rc == MT_OK)
            rc = mt_dir_make (dir, err);
        if (rc == MT_OK)
            rc = backup_file_write (path, t->opts->secret, label, bytes, size, false, err);
        free (bytes);
        uint64_t back = 0;
        if (rc == MT_OK)
            rc = backup_file_digest (path, t->opts->secret, label, got, &back, err);
        if (rc == MT_OK && (strcmp (got, sha) != 0 || back != size))
            rc = mt_err_set (err, MT_EIO, "%s does not read back as written", path);
        if (rc != MT_OK)
            unlink (path);
        else {
            struct stat st;
            t->report->photos_new++;
            t->report->bytes_new += stat (path, &st) == 0 ? (uint64_t) st.st_size : 0;
        }
    }
    return rc;
}

//  ---------------------------------------------------------------- users

static int
s_users (s_take_t *t, mt_err_t *err)
{
    t->report->users = -1;
    if (!t->opts->users)
        return MT_OK;
    char plain_path [PATH_MAX + 16], path [PATH_MAX + 16];
    snprintf (plain_path, sizeof plain_path, "%s/users.db", t->work);
    snprintf (path, sizeof path, "%s/users.db.hwe", t->partial);
    sqlite3 *from = NULL, *to = NULL;
    int rc = MT_OK;
    if (sqlite3_open_v2 (t->opts->users, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
    ||  sqlite3_open_v2 (plain_path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
        != SQLITE_OK)
        rc = mt_err_set (err, MT_EIO, "cannot read the users %s: %s", t->opts->users,
                         from ? sqlite3_errmsg (from) : "out of memory");
    if (rc == MT_OK)
        sqlite3_busy_timeout (from, 10000);
    sqlite3_backup *copy = rc == MT_OK ? sqlite3_backup_init (to, "main", from, "main") : NULL;
    if (rc == MT_OK
    && (!copy || sqlite3_backup_step (copy, -1) != SQLITE_DONE))
        rc = mt_err_set (err, MT_EIO, "cannot copy the users %s: %s", t->opts->users,
                         sqlite3_errmsg (to));
    if (copy)
        sqlite3_backup_finish (copy);
    sqlite3_stmt *stmt = NULL;
    if (rc == MT_OK
    && (sqlite3_exec (to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_prepare_v2 (to, "SELECT COUNT (*) FROM users", -1, &stmt, NULL) != SQLITE_OK
        || sqlite3_step (stmt) != SQLITE_ROW))
        rc = mt_err_set (err, MT_EDECODE, "%s is not a users database: %s", t->opts->users,
                         sqlite3_errmsg (to));
    if (rc == MT_OK)
        t->report->users = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (from);
    sqlite3_close (to);
    if (rc == MT_OK)
        rc = backup_file_encrypt (plain_path, path, t->opts->secret, "users.db", err);
    return rc;
}

//  ---------------------------------------------------------------- erasures

static int
s_by_sha (const void *key, const void *item)
{
    return strcmp (key, ((const mt_photo_file_t *) item)->sha256);
}

//  The ledger: every erasure any backup has seen (the highest level per
//  case), so that a restore of an older snapshot erases them again. The
//  photo files of a case erased since the last snapshot leave the folder
//  too, unless another case holds the same photo.
static int
s_ledger (s_take_t *t, const char *previous, mt_err_t *err)
{
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/ledger.hwe", t->opts->dir);
    json_t *ledger = NULL;
    int rc = backup_repo_read_json (path, t->opts->secret, "ledger", &ledger, err);
    if (rc == MT_ENOTFOUND)
        ledger = json_object (), rc = MT_OK;
    if (rc != MT_OK)
        return rc;
    json_t *manifest = NULL, *photos = NULL;
    if (previous) {
        char mpath [PATH_MAX + 200];
        snprintf (mpath, sizeof mpath, "%s/snapshots/%s/manifest.hwe", t->opts->dir, previous);
        if (backup_repo_read_json (mpath, t->opts->secret, "manifest", &manifest, NULL) == MT_OK)
            photos = json_object_get (manifest, "photos");
    }
    for (size_t i = 0; rc == MT_OK && i < t->erased_count; i++) {
        char key [32];
        snprintf (key, sizeof key, "%lld", (long long) t->erased [i].case_id);
        json_t *known = json_object_get (ledger, key);
        if (known && json_integer_value (json_object_get (known, "level")) >= t->erased [i].level)
            continue;
        json_object_set_new (ledger, key, json_pack ("{s:i, s:s}", "level", t->erased [i].level,
                                                     "at", t->erased [i].at));
        size_t index;
        json_t *pair;
        json_array_foreach (photos, index, pair) {
            const char *sha = json_string_value (json_array_get (pair, 0));
            if (!sha || json_integer_value (json_array_get (pair, 1)) != t->erased [i].case_id
            ||  bsearch (sha, t->files, t->file_count, sizeof *t->files, s_by_sha))
                continue;
            char file [PATH_MAX + 200];
            backup_repo_photo_path (t->opts->dir, t->opts->secret, sha, file, sizeof file);
            if (unlink (file) == 0)
                t->report->photos_erased++;
        }
    }
    t->report->erasures = (int64_t) json_object_size (ledger);
    if (rc == MT_OK)
        rc = backup_repo_write_json (path, t->opts->secret, "ledger", ledger, err);
    json_decref (ledger);
    json_decref (manifest);
    return rc;
}

//  ---------------------------------------------------------------- manifest

static int
s_manifest (s_take_t *t, mt_err_t *err)
{
    json_t *photos = json_array ();
    for (size_t i = 0; i < t->file_count; i++)
        json_array_append_new (photos, json_pack ("[s, I]", t->files [i].sha256,
                                                  (json_int_t) t->files [i].case_id));
    const mt_casedb_counts_t *c = &t->report->counts;
    json_t *manifest = json_pack (
        "{s:i, s:s, s:{s:I, s:s}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
        " s:{s:I, s:s}, s:I, s:o}",
        "format", BACKUP_FORMAT, "snapshot", t->report->snapshot,
        "database", "bytes", (json_int_t) t->report->db_bytes,
        "sha256", t->begin->sha256 ? t->begin->sha256 : "",
        "counts", "cases", (json_int_t) c->cases, "photos", (json_int_t) c->photos,
        "faces", (json_int_t) c->faces, "candidates", (json_int_t) c->candidates,
        "reviews", (json_int_t) c->reviews, "audit", (json_int_t) c->audit,
        "erased", (json_int_t) c->erased,
        "audit_head", "id", (json_int_t) t->report->audit_head_id, "hash",
        t->report->audit_head, "users", (json_int_t) t->report->users, "photos", photos);
    if (!manifest)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/manifest.hwe", t->partial);
    int rc = backup_repo_write_json (path, t->opts->secret, "manifest", manifest, err);
    json_decref (manifest);
    return rc;
}

//  ---------------------------------------------------------------- keeping

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Remove the oldest snapshots beyond keep, then the photo files no
//  snapshot left needs.
static void
s_keep (s_take_t *t)
{
    char **names = NULL;
    size_t count = backup_repo_snapshots (t->opts->dir, &names);
    if (t->opts->keep <= 0 || count <= (size_t) t->opts->keep) {
        mt_dir_free (names, count);
        return;
    }
    size_t drop = count - (size_t) t->opts->keep;
    for (size_t i = 0; i < drop; i++) {
        char path [PATH_MAX + 200];
        snprintf (path, sizeof path, "%s/snapshots/%s", t->opts->dir, names [i]);
        backup_repo_remove_tree (path);
        t->report->pruned++;
    }
    //  The file names every kept snapshot needs.
    char **needed = NULL;
    size_t needed_count = 0, needed_size = 0;
    bool whole = true;
    for (size_t i = drop; whole && i < count; i++) {
        char path [PATH_MAX + 200];
        snprintf (path, sizeof path, "%s/snapshots/%s/manifest.hwe", t->opts->dir, names [i]);
        json_t *manifest = NULL;
        if (backup_repo_read_json (path, t->opts->secret, "manifest", &manifest, NULL) != MT_OK) {
            whole = false;      //  never remove files on a partial view
            break;
        }
        size_t index;
        json_t *pair;
        json_array_foreach (json_object_get (manifest, "photos"), index, pair) {
            if (needed_count == needed_size) {
                needed_size = needed_size ? needed_size * 2 : 1024;
                char **grown = realloc (needed, needed_size * sizeof *grown);
                if (!grown) {
                    whole = false;
                    break;
                }
                needed = grown;
            }
            char name [65];
            backup_photo_name (t->opts->secret, json_string_value (json_array_get (pair, 0)),
                               name);
            needed [needed_count] = strdup (name);
            whole &= needed [needed_count++] != NULL;
        }
        json_decref (manifest);
    }
    if (whole)
        qsort (needed, needed_count, sizeof *needed, s_by_name);
    char photos [PATH_MAX + 16];
    snprintf (photos, sizeof photos, "%s/photos", t->opts->dir);
    DIR *top = whole ? opendir (photos) : NULL;
    struct dirent *sub;
    while (top && (sub = readdir (top))) {
        if (sub->d_name [0] == '.')
            continue;
        char dir [PATH_MAX + 300];
        snprintf (dir, sizeof dir, "%s/%s", photos, sub->d_name);
        DIR *inner = opendir (dir);
        struct dirent *entry;
        while (inner && (entry = readdir (inner))) {
            char name [sizeof entry->d_name];
            memcpy (name, entry->d_name, sizeof name);
            char *dot = strstr (name, ".hwe");
            if (entry->d_name [0] == '.' || !dot)
                continue;
            *dot = '\0';
            char *key = name;
            if (!bsearch (&key, needed, needed_count, sizeof *needed, s_by_name)) {
                char file [PATH_MAX + 600];
                snprintf (file, sizeof file, "%s/%s", dir, entry->d_name);
                unlink (file);
            }
        }
        if (inner)
            closedir (inner);
    }
    if (top)
        closedir (top);
    for (size_t i = 0; i < needed_count; i++)
        free (needed [i]);
    free (needed);
    mt_dir_free (names, count);
}

//  ---------------------------------------------------------------- the whole

//  What a backup killed before its end left (a plain copy of the database
//  in the work folder, a .partial folder), older than an hour: no backup
//  runs that long between two calls to the service, which refuses a second
//  backup while one is active.
static void
s_remove_stale (const char *dir, const char *prefix)
{
    DIR *d = opendir (dir);
    size_t len = strlen (prefix);
    time_t now = time (NULL);
    struct dirent *e;
    while (d && (e = readdir (d)) != NULL) {
        char path [PATH_MAX + 300];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (strncmp (e->d_name, prefix, len) == 0 && lstat (path, &st) == 0
        &&  S_ISDIR (st.st_mode) && st.st_uid == geteuid () && now - st.st_mtime > 3600) {
            mt_log_warn ("backup", "removing %s, left by a backup that was stopped", path);
            backup_repo_remove_tree (path);
        }
    }
    if (d)
        closedir (d);
}

int
backup_take (api_client_t *client, const backup_take_opts_t *opts, backup_report_t *report,
             mt_err_t *err)
{
    memset (report, 0, sizeof *report);
    double t0 = mt_clock_s ();
    const char *tmpdir = getenv ("TMPDIR");
    s_remove_stale (tmpdir && *tmpdir ? tmpdir : "/tmp", "homeward-backup-");
    s_remove_stale (opts->dir, ".partial-");
    s_take_t t = { .client = client, .opts = opts, .report = report };
    int rc = backup_repo_open (opts->dir, opts->secret, true, err);
    char **names = NULL;
    size_t count = rc == MT_OK ? backup_repo_snapshots (opts->dir, &names) : 0;
    s_stamp (report->snapshot, sizeof report->snapshot);
    snprintf (t.partial, sizeof t.partial, "%s/.partial-%s", opts->dir, report->snapshot);
    const char *tmp = getenv ("TMPDIR");
    snprintf (t.work, sizeof t.work, "%s/homeward-backup-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (rc == MT_OK)
        rc = mt_dir_make (t.partial, err);
    if (rc == MT_OK && !mkdtemp (t.work)) {
        rc = mt_err_set (err, MT_EIO, "cannot create a work folder %s: %s", t.work,
                         strerror (errno));
        t.work [0] = '\0';
    }
    Homeward__V1__Nothing nothing = HOMEWARD__V1__NOTHING__INIT;
    ProtobufCMessage *begun = NULL;
    if (rc == MT_OK)
        rc = api_call_pb (t.client, "backup.begin", &nothing.base, NULL, NULL, 0,
                          t.opts->timeout_ms, &begun, NULL, NULL, err);
    t.begin = (Homeward__V1__BackupBegun *) begun;
    if (rc == MT_OK)
        snprintf (t.token, sizeof t.token, "%s", t.begin->token ? t.begin->token : "");
    if (rc == MT_OK)
        rc = s_fetch_db (&t, err);
    if (rc == MT_OK)
        rc = s_check_db (&t, err);
    if (rc == MT_OK)
        rc = s_fetch_photos (&t, err);
    if (t.token [0]) {
        char summary [400];
        backup_report_line (report, summary, sizeof summary);
        mt_err_t ignored;
        Homeward__V1__BackupPiece end = HOMEWARD__V1__BACKUP_PIECE__INIT;
        end.summary = rc == MT_OK ? summary : "failed";
        s_call (&t, "backup.end", &end, NULL, NULL, &ignored);
    }
    if (rc == MT_OK)
        rc = s_users (&t, err);
    if (rc == MT_OK)
        rc = s_ledger (&t, count ? names [count - 1] : NULL, err);
    if (rc == MT_OK)
        rc = s_manifest (&t, err);
    if (rc == MT_OK) {
        char snapshots [PATH_MAX + 16], final [PATH_MAX + 64];
        snprintf (snapshots, sizeof snapshots, "%s/snapshots", opts->dir);
        snprintf (final, sizeof final, "%s/%s", snapshots, report->snapshot);
        //  The photo files were written without an fsync each: made
        //  durable here, all at once, before the snapshot that needs them
        //  becomes whole.
        sync ();
        mt_dir_sync (t.partial, NULL);
        rc = mt_dir_make (snapshots, err);
        if (rc == MT_OK && rename (t.partial, final) != 0)
            rc = mt_err_set (err, MT_EIO, "cannot rename %s: %s", t.partial, strerror (errno));
        mt_dir_sync (snapshots, NULL);
    }
    if (rc != MT_OK)
        backup_repo_remove_tree (t.partial);
    else
        s_keep (&t);
    if (t.work [0])
        backup_repo_remove_tree (t.work);
    mt_dir_free (names, count);
    if (t.begin)
        protobuf_c_message_free_unpacked (&t.begin->base, NULL);
    free (t.files);
    free (t.erased);
    report->seconds = mt_clock_s () - t0;
    return rc;
}

void
backup_report_line (const backup_report_t *r, char *line, size_t size)
{
    snprintf (line, size, "snapshot %s: %lld cases, %lld photos (%lld files, %lld new), "
              "%lld faces, %lld candidates, %lld reviews, %lld audit entries (head %lld %.12s), "
              "%lld erasures in the ledger; %.1f MB written in %.1f s",
              r->snapshot, (long long) r->counts.cases, (long long) r->counts.photos,
              (long long) r->photos, (long long) r->photos_new, (long long) r->counts.faces,
              (long long) r->counts.candidates, (long long) r->counts.reviews,
              (long long) r->counts.audit, (long long) r->audit_head_id, r->audit_head,
              (long long) r->erasures, (double) (r->bytes_new + r->db_bytes) / 1e6, r->seconds);
}
