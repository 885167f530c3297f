//  results_disk - the results service's disk (see results_disk.h).

#include "results_disk.h"
#include "base/mt_clock.h"

#include "results/store/mt_casedb.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

//  A write that failed for lack of space counts for this long.
#define S_FULL_FOR_MS 60000
//  Less than this free is a full disk before any write fails: a write that
//  still succeeds there reuses room the database already had (its WAL, its
//  free pages), and the next one that needs new room fails.
#define S_FULL_BYTES (1024 * 1024)

static int64_t
s_free (const char *path)
{
    struct statvfs st;
    if (statvfs (path, &st) != 0)
        return INT64_MAX;           //  unknown: a write will tell
    return (int64_t) st.f_bavail * (int64_t) st.f_frsize;
}

void
results_disk_check (const char *db, const char *photos, int64_t reserve_mb,
                    int64_t last_full_ms, results_disk_t *disk)
{
    char dir [PATH_MAX];
    snprintf (dir, sizeof dir, "%s", db);
    char *slash = strrchr (dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf (dir, sizeof dir, ".");
    //  A PostgreSQL store's disk is its server's: a full one is told by
    //  its errors (disk_full), which last_full_ms records.
    int64_t a = mt_casedb_target_is_pg (db) ? INT64_MAX : s_free (*dir ? dir : "/");
    int64_t b = s_free (photos);
    disk->free_bytes = a < b ? a : b;
    disk->reserve_bytes = reserve_mb * 1024 * 1024;
    disk->low = disk->free_bytes < disk->reserve_bytes;
    bool failed = last_full_ms > 0 && mt_clock_ms () - last_full_ms < S_FULL_FOR_MS;
    disk->full = disk->low && (failed || disk->free_bytes < S_FULL_BYTES);
}

int
results_disk_refuse_photos (const results_disk_t *disk, mt_err_t *err)
{
    if (!disk->low)
        return MT_OK;
    return mt_err_set (err, MT_ENOSPACE, "the data disk has %lld MB free, less than the %lld MB "
                       "kept for the cases already there: new photos are refused until space "
                       "is freed (the photo was not stored; send it again then)",
                       (long long) (disk->free_bytes / (1024 * 1024)),
                       (long long) (disk->reserve_bytes / (1024 * 1024)));
}
