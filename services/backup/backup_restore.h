//  backup_restore - rebuild a Homeward data folder from a backup, with the
//  service stopped: the case database (its checksum, integrity, counts and
//  audit chain checked against the snapshot's manifest), the erasures of
//  the folder's ledger applied again (a case erased after an older
//  snapshot stays erased), the photos it needs (each checked by its
//  sha256), the users. The indexes are not copied: the restored service
//  enrols every open case's faces again when it starts (results_matcher).

#ifndef BACKUP_RESTORE_H_INCLUDED
#define BACKUP_RESTORE_H_INCLUDED

#include <stdint.h>

#include "backup/backup_crypt.h"
#include "results/store/mt_casedb.h"

typedef struct {
    const char *dir;                //  the backup folder
    const backup_secret_t *secret;
    const char *var;                //  the new data folder (must hold no data yet)
    const char *snapshot;           //  its name, or NULL for the newest
} backup_restore_opts_t;

typedef struct {
    char snapshot [40];
    mt_casedb_counts_t counts;      //  as restored, after the ledger's erasures
    int64_t audit_head_id;          //  as in the snapshot
    char audit_head [65];
    int64_t photos;                 //  files restored
    int64_t users;                  //  -1 when the snapshot holds none
    int64_t erasures_applied;       //  ledger entries the snapshot predated
    double seconds;
} backup_restore_report_t;

int backup_restore (const backup_restore_opts_t *opts, backup_restore_report_t *report,
                    mt_err_t *err);

#endif
