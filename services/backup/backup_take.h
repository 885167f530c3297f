//  backup_take - take a backup of a running Homeward through the results
//  service's API: the case database (a consistent copy made at once, while
//  the service goes on), the photos it needs (only those the folder lacks:
//  incremental), the web app's users (an SQLite online copy of users.db,
//  when given), the erasure ledger; each checked after writing (checksums
//  read back, integrity, counts, the audit chain) and encrypted. Used by
//  `homeward backup` and by serve's scheduled backups.

#ifndef BACKUP_TAKE_H_INCLUDED
#define BACKUP_TAKE_H_INCLUDED

#include <stdint.h>

#include "backup/backup_crypt.h"
#include "common/api.h"
#include "results/store/mt_casedb.h"

typedef struct {
    const char *dir;                //  the backup folder (made if new)
    const backup_secret_t *secret;
    const char *users;              //  users.db to include, or NULL
    int keep;                       //  snapshots kept, the newest (0: all)
    int timeout_ms;                 //  per API call
    //  Asked between photos (may be NULL): true stops the backup, which
    //  then fails with MT_EUNAVAILABLE and leaves nothing of itself behind.
    bool (*stop) (void *arg);
    void *stop_arg;
} backup_take_opts_t;

typedef struct {
    char snapshot [40];             //  its name in snapshots/
    mt_casedb_counts_t counts;
    int64_t audit_head_id;
    char audit_head [65];
    int64_t photos;                 //  photo files the snapshot needs
    int64_t photos_new;             //  of which written by this backup
    uint64_t bytes_new;             //  bytes written to the folder by this backup
    uint64_t db_bytes;
    int64_t users;                  //  users backed up, -1 when not
    int64_t erasures;               //  in the ledger
    int64_t photos_erased;          //  files of newly erased cases removed from the folder
    int pruned;                     //  snapshots removed by keep
    double seconds;
} backup_report_t;

//  Take one backup. client is connected to the results service's API.
int backup_take (api_client_t *client, const backup_take_opts_t *opts, backup_report_t *report,
                 mt_err_t *err);

//  The report in one line (for logs and the CLI).
void backup_report_line (const backup_report_t *report, char *line, size_t size);

#endif
