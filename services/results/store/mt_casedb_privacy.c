//  mt_casedb_privacy - erasure, retention and the faces held for a case.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_step_done (mt_casedb_t *self, mti_sql_stmt_t *stmt, const char *what, mt_err_t *err)
{
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, what);
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_removal_next (mt_casedb_t *self, int64_t *case_id_p, int *level_p, mt_err_t *err)
{
    int64_t level = 0;
    int rc = mti_db_first (self, "SELECT case_id, level FROM removal_queue"
                                 " ORDER BY queued_at, case_id LIMIT 1", case_id_p, &level,
                           "nothing to remove", err);
    *level_p = (int) level;
    return rc;
}

int
mt_casedb_removal_done (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    int rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    int64_t queued = 0, unused;
    char sql [128];
    snprintf (sql, sizeof sql, "SELECT COUNT (*), 0 FROM removal_queue WHERE case_id = %lld",
              (long long) case_id);
    rc = mti_db_first (self, sql, &queued, &unused, "nothing to count", err);
    //  Reopened while its faces were being taken out of the index: they
    //  are in matching again, to be enrolled anew.
    if (rc == MT_OK && queued == 0) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE faces SET enrolled = 0"
                                                     " WHERE case_id = ? AND removed = 0", err);
        if (!stmt)
            return mt_casedb_commit (self, MT_EINTERNAL, err);
        mti_sql_bind_int64 (stmt, 1, case_id);
        rc = s_step_done (self, stmt, "faces", err);
        if (rc == MT_OK)
            rc = mt_casedb_match_enqueue (self, case_id, err);
        return mt_casedb_commit (self, rc, err);
    }
    if (rc == MT_OK)
        rc = mt_casedb_faces_mark_removed (self, case_id, err);
    mti_sql_stmt_t *stmt = rc == MT_OK
        ? mti_db_prepare (self, "DELETE FROM removal_queue WHERE case_id = ?", err) : NULL;
    if (!stmt)
        return mt_casedb_commit (self, rc == MT_OK ? MT_EINTERNAL : rc, err);
    mti_sql_bind_int64 (stmt, 1, case_id);
    return mt_casedb_commit (self, s_step_done (self, stmt, "queue", err), err);
}

static int
s_enqueue (mt_casedb_t *self, int64_t id, int level, const char *now, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO removal_queue (case_id, queued_at, level) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (case_id) DO UPDATE SET level = CASE WHEN removal_queue.level > ?3"
        " THEN removal_queue.level ELSE ?3 END", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    mti_sql_bind_text (stmt, 2, now, -1);
    mti_sql_bind_int (stmt, 3, level);
    return s_step_done (self, stmt, "queue erasure", err);
}

int
mt_casedb_erase_request (mt_casedb_t *self, int64_t id, int level, const char *reason,
                         const char *actor, mt_err_t *err)
{
    if (level != MT_ERASE_MEDIA && level != MT_ERASE_ALL)
        return mt_err_set (err, MT_EINVAL, "erasure level must be media (photos, faces, "
                           "vectors) or all (also names, contact and notes)");
    if (!reason || !*reason)
        return mt_err_set (err, MT_EINVAL, "an erasure needs a reason (e.g. consent withdrawn)");
    int checked = mti_text_ok (reason, "reason", MT_CASE_REASON_CHARS, err);
    if (checked != MT_OK)
        return checked;
    mt_case_t c;
    int rc = mt_casedb_case_get (self, id, &c, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    char now [32], object [32], detail [200];
    mti_db_now (now, sizeof now);
    if (strcmp (c.state, "open") == 0) {
        char why [160];
        snprintf (why, sizeof why, "erasure: %.140s", reason);
        rc = mt_casedb_case_close (self, id, why, actor, err);
    }
    if (rc == MT_OK)
        rc = s_enqueue (self, id, level, now, err);
    snprintf (object, sizeof object, "case %lld", (long long) id);
    snprintf (detail, sizeof detail, "%s: %.180s", level == MT_ERASE_ALL ? "all" : "media",
              reason);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "case.erase.request", object, detail, err);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_retention_due (mt_casedb_t *self, int days, int64_t *queued_p, mt_err_t *err)
{
    *queued_p = 0;
    int rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    char now [32];
    mti_db_now (now, sizeof now);
    //  closed_at and now are both ISO 8601 UTC text: they compare as dates.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO removal_queue (case_id, queued_at, level)"
        " SELECT id, ?1, 1 FROM cases WHERE state = 'closed' AND erased_level < 1"
        " AND closed_at IS NOT NULL"
        " AND closed_at <= ?2"
        " ON CONFLICT (case_id) DO UPDATE SET level = 1 WHERE removal_queue.level < 1", err);
    if (!stmt)
        rc = MT_EINTERNAL;
    else {
        char cutoff [32];
        time_t then = time (NULL) - (time_t) days * 86400;
        struct tm tm;
        gmtime_r (&then, &tm);
        strftime (cutoff, sizeof cutoff, "%Y-%m-%dT%H:%M:%SZ", &tm);
        mti_sql_bind_text (stmt, 1, now, -1);
        mti_sql_bind_text (stmt, 2, cutoff, -1);
        rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                : mti_db_fail (self, MT_EIO, err, "retention");
        mti_sql_finalize (stmt);
        if (rc == MT_OK)
            *queued_p = mti_sql_changes (self->db);
    }
    char detail [80];
    snprintf (detail, sizeof detail, "%lld closed cases older than %d days queued for erasure",
              (long long) *queued_p, days);
    if (rc == MT_OK && *queued_p > 0)
        rc = mt_casedb_audit (self, "retention", "retention.due", NULL, detail, err);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_erase_files (mt_casedb_t *self, int64_t case_id, char (**shas_p) [65],
                       size_t *count_p, mt_err_t *err)
{
    *shas_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT DISTINCT sha256 FROM photos p WHERE case_id = ?1 AND NOT EXISTS"
        " (SELECT 1 FROM photos o WHERE o.sha256 = p.sha256 AND o.case_id != ?1)", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = mti_db_shas (stmt, shas_p, count_p, err);
    if (rc != MT_OK) {
        free (*shas_p);
        *shas_p = NULL;
        *count_p = 0;
    }
    return rc;
}

//  Run sql with the case id as ?1; count what it changed.
static int
s_erase_step (mt_casedb_t *self, const char *sql, int64_t case_id, int64_t *changes,
              mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = s_step_done (self, stmt, "erase", err);
    if (rc == MT_OK && changes)
        *changes = mti_sql_changes (self->db);
    return rc;
}

int
mt_casedb_erase (mt_casedb_t *self, int64_t case_id, int level, const char *actor,
                 mt_err_t *err)
{
    int rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    int64_t faces = 0, photos = 0;
    //  Its links go: the other records of the person stay, linked without it.
    if (level >= MT_ERASE_MEDIA) {
        rc = mt_casedb_same_forget (self, case_id, err);
        if (rc == MT_OK)
            rc = s_erase_step (self, "DELETE FROM faces WHERE case_id = ?1", case_id, &faces, err);
        if (rc == MT_OK)
            rc = s_erase_step (self, "DELETE FROM photos WHERE case_id = ?1", case_id, &photos,
                               err);
        if (rc == MT_OK)
            rc = s_erase_step (self, "DELETE FROM match_queue WHERE case_id = ?1", case_id,
                               NULL, err);
    }
    else
        rc = mt_casedb_faces_mark_removed (self, case_id, err);
    if (rc == MT_OK && level >= MT_ERASE_ALL)
        rc = s_erase_step (self, mti_case_sql (MTI_CASE_ERASE), case_id, NULL, err);
    if (rc == MT_OK && level >= MT_ERASE_ALL)
        rc = s_erase_step (self, "UPDATE reviews SET note = NULL, dna_ref = NULL"
                                 " WHERE found_case = ?1 OR missing_case = ?1", case_id, NULL, err);
    //  What its family was to be told, and how they were (a note may name
    //  them), goes with it; a found person's erasure clears the notes (they
    //  may describe the person).
    if (rc == MT_OK && level >= MT_ERASE_ALL)
        rc = s_erase_step (self, "DELETE FROM notices WHERE missing_case = ?1", case_id, NULL, err);
    if (rc == MT_OK && level >= MT_ERASE_ALL)
        rc = s_erase_step (self, "UPDATE notices SET note = NULL WHERE found_case = ?1", case_id,
                           NULL, err);
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_stmt_t *stmt = rc == MT_OK && level >= MT_ERASE_MEDIA
        ? mti_db_prepare (self, "UPDATE cases SET erased_at = ?2, updated_at = ?2,"
                                " erased_level = CASE WHEN erased_level > ?3 THEN erased_level"
                                " ELSE ?3 END WHERE id = ?1", err)
        : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_text (stmt, 2, now, -1);
        mti_sql_bind_int (stmt, 3, level);
        rc = s_step_done (self, stmt, "erase", err);
    }
    if (rc == MT_OK)
        rc = s_erase_step (self, "DELETE FROM removal_queue WHERE case_id = ?1", case_id, NULL,
                           err);
    if (rc == MT_OK && level >= MT_ERASE_MEDIA) {
        char object [32], detail [96];
        snprintf (object, sizeof object, "case %lld", (long long) case_id);
        snprintf (detail, sizeof detail, "%s: %lld photos, %lld faces erased; out of the index",
                  level >= MT_ERASE_ALL ? "all" : "media", (long long) photos, (long long) faces);
        rc = mt_casedb_audit (self, actor, "case.erase", object, detail, err);
    }
    rc = mt_casedb_commit (self, rc, err);
    //  Old copies of the erased pages may still sit in the write-ahead log:
    //  move what is there into the database and empty the log. Readers in
    //  other threads can hold it back; the next erasure tries again.
    //  PostgreSQL has no such setting: see deploy/README.md on erasure.
    sqlite3 *lite = mti_sql_sqlite (self->db);
    if (rc == MT_OK && level >= MT_ERASE_MEDIA && lite)
        sqlite3_wal_checkpoint_v2 (lite, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return rc;
}
