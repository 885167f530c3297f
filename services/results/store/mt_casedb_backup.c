//  mt_casedb_backup - what backups and restores need of the case store: a
//  consistent copy taken while the service runs (SQLite's online backup),
//  the counts and checks that verify a copy, the erasures a restore must
//  apply again, the photo files a copy needs, and the reset that makes a
//  restored store enrol its faces into empty indexes.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  A PostgreSQL store's snapshot: its records copied into a new SQLite
//  file in one repeatable-read transaction. Backups are SQLite files
//  whatever the store, and restore the same way.
static int
s_snapshot_pg (mt_casedb_t *self, const char *path, mt_err_t *err)
{
    mt_casedb_t *copy = NULL;
    int rc = mt_casedb_open (path, &copy, err);
    if (rc == MT_OK)
        rc = mt_casedb_copy (self, copy, NULL, NULL, err);
    if (rc == MT_OK)
        rc = mti_db_exec (copy, "PRAGMA journal_mode = DELETE", err);
    mt_casedb_close (&copy);
    if (rc != MT_OK)
        unlink (path);
    return rc;
}

int
mt_casedb_snapshot (mt_casedb_t *self, const char *path, mt_err_t *err)
{
    unlink (path);
    if (mti_sql_is_pg (self->db))
        return s_snapshot_pg (self, path, err);
    sqlite3 *copy = NULL;
    if (sqlite3_open_v2 (path, &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
        != SQLITE_OK) {
        int rc = mt_err_set (err, MT_EIO, "cannot create %s: %s", path,
                             copy ? sqlite3_errmsg (copy) : "out of memory");
        sqlite3_close (copy);
        return rc;
    }
    //  One step copies every page under one read transaction: the copy is
    //  the database as of one moment, and writers (WAL) are not held up.
    sqlite3_backup *backup = sqlite3_backup_init (copy, "main", mti_sql_sqlite (self->db),
                                                  "main");
    int rc = MT_OK;
    if (!backup)
        rc = mt_err_set (err, MT_EIO, "cannot copy the database: %s", sqlite3_errmsg (copy));
    else {
        int step = sqlite3_backup_step (backup, -1);
        if (sqlite3_backup_finish (backup) != SQLITE_OK || step != SQLITE_DONE)
            rc = mt_err_set (err, MT_EIO, "cannot copy the database: %s", sqlite3_errmsg (copy));
    }
    //  The copy leaves WAL mode: one self-contained file.
    if (rc == MT_OK
    &&  sqlite3_exec (copy, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = mt_err_set (err, MT_EIO, "cannot finish the copy: %s", sqlite3_errmsg (copy));
    sqlite3_close (copy);
    if (rc != MT_OK)
        unlink (path);
    return rc;
}

int
mt_casedb_counts (mt_casedb_t *self, mt_casedb_counts_t *counts, mt_err_t *err)
{
    *counts = (mt_casedb_counts_t) {
        .cases = mti_db_number (self, "SELECT COUNT (*) FROM cases", NULL),
        .photos = mti_db_number (self, "SELECT COUNT (*) FROM photos", NULL),
        .faces = mti_db_number (self, "SELECT COUNT (*) FROM faces", NULL),
        .candidates = mti_db_number (self, "SELECT COUNT (*) FROM candidates", NULL),
        .reviews = mti_db_number (self, "SELECT COUNT (*) FROM reviews", NULL),
        .audit = mti_db_number (self, "SELECT COUNT (*) FROM audit", NULL),
        .erased = mti_db_number (self, "SELECT COUNT (*) FROM cases WHERE erased_at IS NOT NULL",
                                 NULL)
    };
    if (counts->cases < 0 || counts->photos < 0 || counts->faces < 0 || counts->candidates < 0
    ||  counts->reviews < 0 || counts->audit < 0 || counts->erased < 0)
        return mti_db_fail (self, MT_EIO, err, "count the records");
    return MT_OK;
}

int
mt_casedb_integrity (mt_casedb_t *self, mt_err_t *err)
{
    bool pg = mti_sql_is_pg (self->db);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, pg ? "SELECT 'ok'" : "PRAGMA integrity_check",
                                           err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = MT_OK;
    if (mti_sql_step (stmt) != MTI_SQL_ROW)
        rc = mti_db_fail (self, MT_EIO, err, "integrity check");
    else {
        const char *first = (const char *) mti_sql_column_text (stmt, 0);
        if (!first || strcmp (first, "ok") != 0)
            rc = mt_err_set (err, MT_EDECODE, "the database is damaged: %.200s",
                             first ? first : "?");
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_erasures (mt_casedb_t *self, mt_erasure_t **list_p, size_t *count_p, mt_err_t *err)
{
    *list_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT id, erased_level, erased_at FROM cases"
                                           " WHERE erased_at IS NOT NULL ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    size_t size = 0;
    int rc = MT_OK, step;
    while (rc == MT_OK && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (list_p, *count_p, &size, sizeof **list_p, 64, err)) != MT_OK)
            break;
        mt_erasure_t *e = &(*list_p) [(*count_p)++];
        e->case_id = mti_sql_column_int64 (stmt, 0);
        e->level = mti_sql_column_int (stmt, 1);
        mti_db_copy (e->at, sizeof e->at, mti_sql_column_text (stmt, 2));
    }
    if (rc == MT_OK && step != SQLITE_DONE)
        rc = mti_db_fail (self, MT_EIO, err, "list the erasures");
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (*list_p);
        *list_p = NULL;
        *count_p = 0;
    }
    return rc;
}

int
mt_casedb_photo_files (mt_casedb_t *self, mt_photo_file_t **files_p, size_t *count_p,
                       mt_err_t *err)
{
    *files_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT DISTINCT sha256, case_id FROM photos"
        " WHERE removed_at IS NULL ORDER BY sha256, case_id", err);
    if (!stmt)
        return MT_EINTERNAL;
    size_t size = 0;
    int rc = MT_OK, step;
    while (rc == MT_OK && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (files_p, *count_p, &size, sizeof **files_p, 1024, err)) != MT_OK)
            break;
        mt_photo_file_t *f = &(*files_p) [(*count_p)++];
        mti_db_copy (f->sha256, sizeof f->sha256, mti_sql_column_text (stmt, 0));
        f->case_id = mti_sql_column_int64 (stmt, 1);
    }
    if (rc == MT_OK && step != SQLITE_DONE)
        rc = mti_db_fail (self, MT_EIO, err, "list the photo files");
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (*files_p);
        *files_p = NULL;
        *count_p = 0;
    }
    return rc;
}

int
mt_casedb_restored (mt_casedb_t *self, mt_err_t *err)
{
    //  The indexes start empty: every face is enrolled again (the matcher
    //  does it at start, mt_casedb_unenrolled_cases); no worker holds a
    //  photo.
    return mti_db_exec (self, "BEGIN IMMEDIATE; UPDATE faces SET enrolled = 0 WHERE enrolled = 1;"
                        " UPDATE photos SET lease_until = 0 WHERE lease_until != 0; COMMIT;", err);
}

int
mt_casedb_unenrolled_cases (mt_casedb_t *self, int64_t after, int64_t *ids, size_t max,
                            size_t *count_p, mt_err_t *err)
{
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT DISTINCT f.case_id FROM faces f JOIN cases c ON c.id = f.case_id"
        " JOIN photos p ON p.id = f.photo_id"
        " WHERE f.enrolled = 0 AND f.removed = 0 AND f.excluded = 0 AND c.state = 'open'"
        " AND (p.person IS NULL OR p.person != 'waiting')"
        " AND f.case_id > ? ORDER BY f.case_id LIMIT ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, after);
    mti_sql_bind_int64 (stmt, 2, (int64_t) max);
    int step;
    while ((step = mti_sql_step (stmt)) == MTI_SQL_ROW && *count_p < max)
        ids [(*count_p)++] = mti_sql_column_int64 (stmt, 0);
    int rc = step == MTI_SQL_DONE || step == MTI_SQL_ROW ? MT_OK
           : mti_db_fail (self, MT_EIO, err, "list the faces to enrol");
    mti_sql_finalize (stmt);
    return rc;
}
