//  backup_restore - a data folder rebuilt from a backup (see
//  backup_restore.h).

#include "backup_restore.h"
#include "base/mt_clock.h"

#include "backup/backup_repo.h"
#include "results/store/photo_store.h"
#include "results/store/case_erase.h"
#include "base/mt_dir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_PHOTO (256u << 20)

//  Decrypt one file of the snapshot to path, checking its sha256.
static int
s_decrypt_to (const char *from, const backup_secret_t *secret, const char *label,
              const char *sha, const char *path, mt_err_t *err)
{
    char got [65];
    int rc = backup_file_digest (from, secret, label, got, NULL, err);
    if (rc == MT_OK && sha && strcmp (got, sha) != 0)
        return mt_err_set (err, MT_EDECODE, "%s does not hold what its manifest says (sha256 "
                           "differs)", from);
    FILE *out = rc == MT_OK ? fopen (path, "wxe") : NULL;
    if (rc == MT_OK && !out)
        return mt_err_set (err, MT_EIO, "cannot create %s: %s", path, strerror (errno));
    if (rc == MT_OK)
        rc = backup_file_decrypt (from, secret, label, out, NULL, err);
    if (out) {
        bool ok = fflush (out) == 0 && fsync (fileno (out)) == 0;
        if (fclose (out) != 0 || !ok)
            rc = rc == MT_OK ? mt_err_set (err, MT_EIO, "cannot write %s", path) : rc;
    }
    return rc;
}

//  The restored database as its manifest says: integrity, counts, audit
//  chain and head.
static int
s_check (mt_casedb_t *db, json_t *manifest, backup_restore_report_t *report, mt_err_t *err)
{
    mt_audit_check_t check = { 0 };
    mt_casedb_counts_t *c = &report->counts;
    int rc = mt_casedb_integrity (db, err);
    if (rc == MT_OK)
        rc = mt_casedb_counts (db, c, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit_verify (db, &check, err);
    if (rc != MT_OK)
        return rc;
    json_t *said = json_object_get (manifest, "counts");
    json_t *head = json_object_get (manifest, "audit_head");
    const char *hash = json_string_value (json_object_get (head, "hash"));
    if (check.broken_id)
        return mt_err_set (err, MT_EDECODE, "the audit chain of the snapshot is broken at entry "
                           "%lld (%s)", (long long) check.broken_id, check.reason);
    if (!hash || strcmp (hash, check.head) != 0
    ||  check.head_id != json_integer_value (json_object_get (head, "id")))
        return mt_err_set (err, MT_EDECODE, "the snapshot's audit chain does not end where its "
                           "manifest says");
    if (json_integer_value (json_object_get (said, "cases")) != c->cases
    ||  json_integer_value (json_object_get (said, "photos")) != c->photos
    ||  json_integer_value (json_object_get (said, "faces")) != c->faces
    ||  json_integer_value (json_object_get (said, "candidates")) != c->candidates
    ||  json_integer_value (json_object_get (said, "reviews")) != c->reviews
    ||  json_integer_value (json_object_get (said, "audit")) != c->audit)
        return mt_err_set (err, MT_EDECODE, "the snapshot's counts differ from its manifest's");
    report->audit_head_id = check.head_id;
    snprintf (report->audit_head, sizeof report->audit_head, "%s", check.head);
    return MT_OK;
}

//  Erase again what the ledger says was erased after this snapshot.
static int
s_apply_ledger (mt_casedb_t *db, const char *dir, const backup_secret_t *secret,
                const char *photos, backup_restore_report_t *report, mt_err_t *err)
{
    char path [PATH_MAX + 16];
    snprintf (path, sizeof path, "%s/ledger.hwe", dir);
    json_t *ledger = NULL;
    int rc = backup_repo_read_json (path, secret, "ledger", &ledger, err);
    if (rc == MT_ENOTFOUND)
        return MT_OK;
    const char *key;
    json_t *entry;
    json_object_foreach (ledger, key, entry) {
        if (rc != MT_OK)
            break;
        int64_t id = strtoll (key, NULL, 10);
        int level = (int) json_integer_value (json_object_get (entry, "level"));
        mt_case_t c;
        if (mt_casedb_case_get (db, id, &c, NULL) != MT_OK || c.erased_level >= level)
            continue;
        char reason [120];
        snprintf (reason, sizeof reason, "erased on %.40s; applied again from the backup's "
                  "erasure ledger", json_string_value (json_object_get (entry, "at")));
        rc = mt_casedb_erase_request (db, id, level, reason, "restore", err);
        if (rc == MT_OK)
            rc = case_erase (db, photos, id, level, "restore", err);
        report->erasures_applied += rc == MT_OK;
    }
    json_decref (ledger);
    return rc;
}

//  The photo files the restored database needs, each checked by its sha256.
static int
s_photos (mt_casedb_t *db, const char *dir, const backup_secret_t *secret, const char *store,
          backup_restore_report_t *report, mt_err_t *err)
{
    mt_photo_file_t *files = NULL;
    size_t count = 0, missing = 0;
    char first [65] = "";
    int rc = mt_casedb_photo_files (db, &files, &count, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        if (i > 0 && strcmp (files [i].sha256, files [i - 1].sha256) == 0)
            continue;
        char path [PATH_MAX + 200], label [80], sha [65];
        backup_repo_photo_path (dir, secret, files [i].sha256, path, sizeof path);
        snprintf (label, sizeof label, "photo:%s", files [i].sha256);
        uint8_t *bytes = NULL;
        size_t size = 0;
        mt_err_t why;
        int got = backup_file_read (path, secret, label, S_MAX_PHOTO, &bytes, &size, &why);
        if (got == MT_ENOTFOUND) {
            if (!missing++)
                snprintf (first, sizeof first, "%s", files [i].sha256);
            continue;
        }
        rc = got == MT_OK ? photo_store_put (store, bytes, size, false, sha, err)
                          : mt_err_copy (err, got, &why);
        free (bytes);
        if (rc == MT_OK && strcmp (sha, files [i].sha256) != 0)
            rc = mt_err_set (err, MT_EDECODE, "the backup's photo %s holds other bytes",
                             files [i].sha256);
        report->photos += rc == MT_OK;
    }
    free (files);
    if (rc == MT_OK && missing)
        rc = mt_err_set (err, MT_ENOTFOUND, "%zu photos the snapshot needs are not in the backup "
                         "folder (the first: %.16s...); was the folder copied whole?", missing,
                         first);
    return rc;
}

int
backup_restore (const backup_restore_opts_t *opts, backup_restore_report_t *report,
                mt_err_t *err)
{
    memset (report, 0, sizeof *report);
    report->users = -1;
    double t0 = mt_clock_s ();
    int rc = backup_repo_open (opts->dir, opts->secret, false, err);
    char **names = NULL;
    size_t count = rc == MT_OK ? backup_repo_snapshots (opts->dir, &names) : 0;
    if (rc == MT_OK && count == 0)
        rc = mt_err_set (err, MT_ENOTFOUND, "%s holds no complete snapshot", opts->dir);
    const char *name = count ? names [count - 1] : "";
    if (rc == MT_OK && opts->snapshot) {
        name = NULL;
        for (size_t i = 0; i < count; i++)
            if (strcmp (names [i], opts->snapshot) == 0)
                name = names [i];
        if (!name)
            rc = mt_err_set (err, MT_ENOTFOUND, "no snapshot %s in %s (homeward restore --list "
                             "shows them)", opts->snapshot, opts->dir);
    }
    if (rc == MT_OK)
        snprintf (report->snapshot, sizeof report->snapshot, "%s", name);
    char snap [PATH_MAX + 64], path [PATH_MAX + 200], db_path [PATH_MAX + 64],
         final [PATH_MAX + 64], photos [PATH_MAX + 64], users [PATH_MAX + 64];
    snprintf (snap, sizeof snap, "%s/snapshots/%s", opts->dir, report->snapshot);
    snprintf (db_path, sizeof db_path, "%s/homeward.db.restoring", opts->var);
    snprintf (final, sizeof final, "%s/homeward.db", opts->var);
    snprintf (photos, sizeof photos, "%s/photos", opts->var);
    snprintf (users, sizeof users, "%s/users.db", opts->var);
    if (rc == MT_OK && (access (final, F_OK) == 0 || access (users, F_OK) == 0))
        rc = mt_err_set (err, MT_EINVAL, "%s holds data already: restore into a new folder "
                         "(nothing there is overwritten)", opts->var);
    if (rc == MT_OK)
        rc = mt_dir_make (opts->var, err);
    if (rc == MT_OK)
        rc = mt_dir_make (photos, err);
    json_t *manifest = NULL;
    snprintf (path, sizeof path, "%s/manifest.hwe", snap);
    if (rc == MT_OK)
        rc = backup_repo_read_json (path, opts->secret, "manifest", &manifest, err);
    if (rc == MT_OK && json_integer_value (json_object_get (manifest, "format")) != BACKUP_FORMAT)
        rc = mt_err_set (err, MT_EFORMAT, "snapshot %s is of another format", report->snapshot);
    unlink (db_path);
    snprintf (path, sizeof path, "%s/cases.db.hwe", snap);
    if (rc == MT_OK)
        rc = s_decrypt_to (path, opts->secret, "cases.db", json_string_value (json_object_get (
                           json_object_get (manifest, "database"), "sha256")), db_path, err);
    mt_casedb_t *db = NULL;
    if (rc == MT_OK)
        rc = mt_casedb_open (db_path, &db, err);
    if (rc == MT_OK)
        rc = s_check (db, manifest, report, err);
    if (rc == MT_OK)
        rc = s_apply_ledger (db, opts->dir, opts->secret, photos, report, err);
    if (rc == MT_OK)
        rc = mt_casedb_restored (db, err);
    if (rc == MT_OK)
        rc = s_photos (db, opts->dir, opts->secret, photos, report, err);
    if (rc == MT_OK)
        rc = mt_casedb_counts (db, &report->counts, err);
    mt_casedb_close (&db);
    report->users = manifest ? json_integer_value (json_object_get (manifest, "users")) : -1;
    snprintf (path, sizeof path, "%s/users.db.hwe", snap);
    if (rc == MT_OK && report->users >= 0)
        rc = s_decrypt_to (path, opts->secret, "users.db", NULL, users, err);
    //  The photos were written without an fsync each (thousands of them
    //  cost minutes): all of it made durable at once, before the rename
    //  that makes the folder a data folder.
    if (rc == MT_OK)
        sync ();
    if (rc == MT_OK && rename (db_path, final) != 0)
        rc = mt_err_set (err, MT_EIO, "cannot rename %s: %s", db_path, strerror (errno));
    if (rc == MT_OK)
        mt_dir_sync (opts->var, NULL);
    else {
        //  Nothing half restored is left to be taken for data.
        char side [PATH_MAX + 80];
        unlink (db_path);
        snprintf (side, sizeof side, "%s-wal", db_path);
        unlink (side);
        snprintf (side, sizeof side, "%s-shm", db_path);
        unlink (side);
        unlink (users);
    }
    json_decref (manifest);
    mt_dir_free (names, count);
    report->seconds = mt_clock_s () - t0;
    return rc;
}
