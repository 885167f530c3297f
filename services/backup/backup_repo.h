//  backup_repo - the backup folder's layout, shared by taking and restoring:
//
//    HOMEWARD-BACKUP               what the folder is, and the secret's check value
//    snapshots/<UTC time>/         one complete backup each:
//        cases.db.hwe                the case database (label "cases.db")
//        users.db.hwe                the web app's users, when backed up ("users.db")
//        manifest.hwe                JSON: counts, audit head, checksums, photo list ("manifest")
//    photos/<xx>/<keyed name>      each photo once, shared by every snapshot ("photo:<sha256>")
//    ledger.hwe                    every erasure seen by any backup ("ledger")
//
//  A snapshot is written under .partial-<time>/ and renamed into
//  snapshots/ once written and verified: a folder in snapshots/ is whole.
//  Every .hwe file is encrypted (backup_crypt.h).

#ifndef BACKUP_REPO_H_INCLUDED
#define BACKUP_REPO_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "backup/backup_crypt.h"
#include "base/mt_error.h"

#define BACKUP_FORMAT 1
#define BACKUP_MAX_MANIFEST (1u << 30)

//  Check that dir is a backup folder made with this secret; with create, a
//  missing or empty folder is made one.
int backup_repo_open (const char *dir, const backup_secret_t *secret, bool create,
                      mt_err_t *err);
//  The path of a photo's file in the folder.
void backup_repo_photo_path (const char *dir, const backup_secret_t *secret, const char *sha256,
                             char *path, size_t size);
//  The complete snapshots, oldest first (free with mt_dir_free); 0 if none.
size_t backup_repo_snapshots (const char *dir, char ***names_p);
//  Read and decrypt a JSON file of the folder (a manifest, the ledger);
//  *json_p a new reference. MT_ENOTFOUND when the file is not there.
int backup_repo_read_json (const char *path, const backup_secret_t *secret, const char *label,
                           json_t **json_p, mt_err_t *err);
int backup_repo_write_json (const char *path, const backup_secret_t *secret, const char *label,
                            json_t *json, mt_err_t *err);
//  Remove a folder and what it holds (files and folders).
void backup_repo_remove_tree (const char *path);

#endif
