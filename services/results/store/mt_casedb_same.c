//  mt_casedb_same - the same person twice (issue 27): pairs of one side's
//  cases that may be one person, their decisions, and the linked groups
//  that "same" decisions make (cases.person_group).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLUMNS "p.case_a, p.case_b, p.evidence, p.distance, p.state, p.note," \
    " p.decided_by, p.decided_at, p.updated_at, p.explanation_pb, p.score"

int
mt_casedb_same_put (mt_casedb_t *self, int64_t a, int64_t b, double evidence, double distance,
                    const void *explanation, size_t size, mt_err_t *err)
{
    if (a == b)
        return mt_err_set (err, MT_EINVAL, "a case is not paired with itself");
    if (a > b) {
        int64_t t = a;
        a = b, b = t;
    }
    //  A decided pair keeps its decision; only its weighing is brought up
    //  to date. Its score is its evidence until its records' pairs are
    //  weighed against it (mt_casedb_same_rescore at once, or a cross-match's
    //  round: mt_casedb_same_due_score). (The evidence is bound
    //  twice: PostgreSQL gives one parameter one type, REAL for evidence,
    //  DOUBLE PRECISION for score.)
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO same_person (case_a, case_b, evidence, distance, explanation_pb,"
        " created_at, updated_at, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (case_a, case_b) DO UPDATE SET evidence = excluded.evidence,"
        " score = excluded.score, distance = excluded.distance,"
        " explanation_pb = excluded.explanation_pb, updated_at = excluded.updated_at", err);
    if (!stmt)
        return MT_EINTERNAL;
    if (size > INT32_MAX) {
        mti_sql_finalize (stmt);
        return mt_err_set (err, MT_EINVAL, "an explanation of %zu bytes", size);
    }
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, a);
    mti_sql_bind_int64 (stmt, 2, b);
    mti_sql_bind_double (stmt, 3, evidence);
    mti_sql_bind_double (stmt, 4, distance);
    mti_sql_bind_blob (stmt, 5, explanation, (int) size);
    mti_sql_bind_text (stmt, 6, now, -1);
    mti_sql_bind_text (stmt, 7, now, -1);
    mti_sql_bind_double (stmt, 8, evidence);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "same-person pair");
    mti_sql_finalize (stmt);
    return rc;
}

//  Every id a bound statement gives (its first column) into a new array.
static int
s_ids (mt_casedb_t *self, mti_sql_stmt_t *stmt, int64_t **ids_p, size_t *count_p,
       mt_err_t *err)
{
    *ids_p = NULL;
    *count_p = 0;
    size_t size = 0;
    int rc = MT_OK, step;
    while (rc == MT_OK && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        rc = mti_db_room (ids_p, *count_p, &size, sizeof **ids_p, 16, err);
        if (rc == MT_OK)
            (*ids_p) [(*count_p)++] = mti_sql_column_int64 (stmt, 0);
    }
    if (rc == MT_OK && step != MTI_SQL_DONE)
        rc = mti_db_fail (self, MT_EIO, err, "same-person pairs");
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (*ids_p);
        *ids_p = NULL;
        *count_p = 0;
    }
    return rc;
}

int
mt_casedb_same_partners (mt_casedb_t *self, int64_t case_id, const char *state, int64_t **ids_p,
                         size_t *count_p, mt_err_t *err)
{
    *ids_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT case_b FROM same_person WHERE case_a = ?1"
        " AND (CAST (?2 AS TEXT) IS NULL OR state = ?2)"
        " UNION SELECT case_a FROM same_person WHERE case_b = ?1"
        " AND (CAST (?2 AS TEXT) IS NULL OR state = ?2)",
        err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_db_bind_text (stmt, 2, state);
    return s_ids (self, stmt, ids_p, count_p, err);
}

int
mt_casedb_same_group (mt_casedb_t *self, int64_t case_id, int64_t **ids_p, size_t *count_p,
                      mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT id FROM cases WHERE person_group = (SELECT person_group FROM cases WHERE id = ?)"
        " ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = s_ids (self, stmt, ids_p, count_p, err);
    //  A case alone is its own group.
    if (rc == MT_OK && *count_p == 0) {
        size_t size = 0;
        rc = mti_db_room (ids_p, 0, &size, sizeof **ids_p, 1, err);
        if (rc == MT_OK)
            (*ids_p) [(*count_p)++] = case_id;
    }
    return rc;
}

//  The linked group (cases joined by "same" decisions) that holds case_id,
//  found anew by walking the decisions, into a new array.
static int
s_walk (mt_casedb_t *self, int64_t case_id, int64_t **ids_p, size_t *count_p, mt_err_t *err)
{
    size_t size = 0;
    *ids_p = NULL;
    *count_p = 0;
    int rc = mti_db_room (ids_p, 0, &size, sizeof **ids_p, 8, err);
    if (rc == MT_OK)
        (*ids_p) [(*count_p)++] = case_id;
    for (size_t at = 0; rc == MT_OK && at < *count_p; at++) {
        int64_t *next = NULL;
        size_t n = 0;
        rc = mt_casedb_same_partners (self, (*ids_p) [at], "same", &next, &n, err);
        for (size_t i = 0; rc == MT_OK && i < n; i++) {
            bool known = false;
            for (size_t j = 0; j < *count_p && !known; j++)
                known = (*ids_p) [j] == next [i];
            if (!known && (rc = mti_db_room (ids_p, *count_p, &size, sizeof **ids_p, 8, err))
                          == MT_OK)
                (*ids_p) [(*count_p)++] = next [i];
        }
        free (next);
    }
    return rc;
}

//  Set the person_group of the group that holds case_id: its smallest
//  id, or NULL for a case alone; its cases are matched again (searched as
//  one person now).
static int
s_regroup (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = s_walk (self, case_id, &ids, &n, err);
    int64_t least = case_id;
    for (size_t i = 0; i < n; i++)
        if (ids [i] < least)
            least = ids [i];
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE cases SET person_group = ? WHERE id = ?", err) : NULL;
    if (rc == MT_OK && !stmt)
        rc = MT_EINTERNAL;
    for (size_t i = 0; rc == MT_OK && i < n; i++) {
        mti_sql_reset (stmt);
        if (n > 1)
            mti_sql_bind_int64 (stmt, 1, least);
        else
            mti_sql_bind_null (stmt, 1);
        mti_sql_bind_int64 (stmt, 2, ids [i]);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "link the cases");
        if (rc == MT_OK)
            rc = mt_casedb_match_enqueue (self, ids [i], err);
    }
    if (stmt)
        mti_sql_finalize (stmt);
    free (ids);
    return rc;
}

//  Fills r from a row of S_COLUMNS; false when out of memory.
static bool
s_row (mti_sql_stmt_t *stmt, mt_same_row_t *r)
{
    memset (r, 0, sizeof *r);
    r->case_a = mti_sql_column_int64 (stmt, 0);
    r->case_b = mti_sql_column_int64 (stmt, 1);
    r->evidence = mti_sql_column_double (stmt, 2);
    r->distance = mti_sql_column_double (stmt, 3);
    mti_db_copy (r->state, sizeof r->state, mti_sql_column_text (stmt, 4));
    mti_db_copy (r->note, sizeof r->note, mti_sql_column_text (stmt, 5));
    mti_db_copy (r->decided_by, sizeof r->decided_by, mti_sql_column_text (stmt, 6));
    mti_db_copy (r->decided_at, sizeof r->decided_at, mti_sql_column_text (stmt, 7));
    mti_db_copy (r->updated_at, sizeof r->updated_at, mti_sql_column_text (stmt, 8));
    int size = mti_sql_column_type (stmt, 9) == MTI_SQL_BLOB ? mti_sql_column_bytes (stmt, 9) : 0;
    if (size > 0 && (r->explanation = malloc ((size_t) size))) {
        memcpy (r->explanation, mti_sql_column_blob (stmt, 9), (size_t) size);
        r->explanation_size = (size_t) size;
    }
    r->score = mti_sql_column_double (stmt, 10);
    return size == 0 || r->explanation;
}

void
mt_casedb_same_rows_free (mt_same_row_t *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        free (rows [i].explanation);
    free (rows);
}

int
mt_casedb_same_get (mt_casedb_t *self, int64_t a, int64_t b, mt_same_row_t *row, mt_err_t *err)
{
    memset (row, 0, sizeof *row);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_COLUMNS " FROM same_person p"
                                           " WHERE p.case_a = ? AND p.case_b = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, a < b ? a : b);
    mti_sql_bind_int64 (stmt, 2, a < b ? b : a);
    int rc = MT_OK;
    if (mti_sql_step (stmt) != MTI_SQL_ROW)
        rc = mt_err_set (err, MT_ENOTFOUND, "cases %lld and %lld are not suggested as the same "
                         "person", (long long) a, (long long) b);
    else
    if (!s_row (stmt, row))
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    mti_sql_finalize (stmt);
    return rc;
}

//  The pairs a list shows: both cases open; a pending pair whose score is
//  at or above its side's floor (?1 found people, ?5 reports) and neither
//  of whose cases waits for a cross-match's round of scoring (same_due:
//  its score may be its bare evidence till then); ?2 state (NULL: pending
//  and decided alike); ?3 a station one of whose cases it holds (NULL:
//  any); ?4 a case it holds (0: any).
#define S_LISTED \
    " FROM same_person p JOIN cases a ON a.id = p.case_a JOIN cases b ON b.id = p.case_b" \
    " WHERE a.state = 'open' AND b.state = 'open'" \
    " AND (p.state != 'pending' OR (p.score >= CASE a.kind WHEN 'found'" \
    " THEN CAST (?1 AS DOUBLE PRECISION) ELSE CAST (?5 AS DOUBLE PRECISION) END" \
    " AND NOT EXISTS (SELECT 1 FROM same_due d WHERE d.case_id = p.case_a)" \
    " AND NOT EXISTS (SELECT 1 FROM same_due d WHERE d.case_id = p.case_b)))" \
    " AND (CAST (?2 AS TEXT) IS NULL OR p.state = ?2)" \
    " AND (CAST (?3 AS TEXT) IS NULL OR a.station = ?3 OR b.station = ?3)" \
    " AND (?4 = 0 OR p.case_a = ?4 OR p.case_b = ?4)"

static void
s_bind_filter (mti_sql_stmt_t *stmt, const mt_same_filter_t *f)
{
    mti_sql_bind_double (stmt, 1, f->floor_found);
    mti_db_bind_text (stmt, 2, f->state);
    mti_db_bind_text (stmt, 3, f->station);
    mti_sql_bind_int64 (stmt, 4, f->case_id);
    mti_sql_bind_double (stmt, 5, f->floor_missing);
}

int
mt_casedb_same_list (mt_casedb_t *self, const mt_same_filter_t *filter, size_t limit,
                     size_t offset, mt_same_row_t **rows_p, size_t *count_p, int64_t *total_p,
                     mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    if (total_p) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT COUNT (*)" S_LISTED, err);
        if (!stmt)
            return MT_EINTERNAL;
        s_bind_filter (stmt, filter);
        *total_p = mti_sql_step (stmt) == MTI_SQL_ROW ? mti_sql_column_int64 (stmt, 0) : 0;
        mti_sql_finalize (stmt);
    }
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_COLUMNS S_LISTED
        " ORDER BY p.state = 'pending' DESC, p.score DESC, p.case_a, p.case_b"
        " LIMIT ?6 OFFSET ?7", err);
    if (!stmt)
        return MT_EINTERNAL;
    s_bind_filter (stmt, filter);
    mti_sql_bind_int64 (stmt, 6, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 7, (int64_t) offset);
    mt_same_row_t *rows = calloc (limit ? limit : 1, sizeof *rows);
    size_t n = 0;
    bool whole = rows != NULL;
    while (whole && n < limit && mti_sql_step (stmt) == MTI_SQL_ROW)
        whole = s_row (stmt, &rows [n++]);
    mti_sql_finalize (stmt);
    if (!whole) {
        mt_casedb_same_rows_free (rows, n);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    *rows_p = rows;
    *count_p = n;
    return MT_OK;
}

//  Whether a decision may move a pair from `from` to `to`, and by whom: a
//  pending pair is decided by a reviewer; a decided one changed only by an
//  administrator, with a reason (an unlink, or a link after all).
static int
s_allowed (const char *from, const char *to, bool admin, const char *note, mt_err_t *err)
{
    if (strcmp (to, "same") != 0 && strcmp (to, "different") != 0)
        return mt_err_set (err, MT_EINVAL, "decision must be same or different");
    if (strcmp (from, to) == 0)
        return mt_err_set (err, MT_ECONFLICT, "the pair is decided so already");
    if (strcmp (from, "pending") == 0)
        return MT_OK;
    if (!admin)
        return mt_err_set (err, MT_EFORBIDDEN, "only an administrator may change a decided "
                           "pair");
    if (!note || !*note)
        return mt_err_set (err, MT_EINVAL, "changing a decided pair needs a reason in its note");
    return MT_OK;
}

int
mt_casedb_same_decide (mt_casedb_t *self, int64_t a, int64_t b, const char *decision,
                       const char *note, bool admin, const char *actor, mt_err_t *err)
{
    int rc = mti_text_ok (note, "note", 500, err);
    mt_same_row_t row;
    if (rc == MT_OK)
        rc = mt_casedb_same_get (self, a, b, &row, err);
    if (rc != MT_OK)
        return rc;
    free (row.explanation);
    rc = s_allowed (row.state, decision, admin, note, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE same_person SET state = ?, note = ?, decided_by = ?, decided_at = ?,"
        " updated_at = ? WHERE case_a = ? AND case_b = ?", err);
    if (!stmt)
        rc = MT_EINTERNAL;
    if (rc == MT_OK) {
        char now [32];
        mti_db_now (now, sizeof now);
        mti_sql_bind_text (stmt, 1, decision, -1);
        mti_db_bind_text (stmt, 2, note);
        mti_sql_bind_text (stmt, 3, actor, -1);
        mti_sql_bind_text (stmt, 4, now, -1);
        mti_sql_bind_text (stmt, 5, now, -1);
        mti_sql_bind_int64 (stmt, 6, row.case_a);
        mti_sql_bind_int64 (stmt, 7, row.case_b);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "decide the pair");
        mti_sql_finalize (stmt);
    }
    //  The groups change only when a link is made or undone.
    bool regroup = strcmp (decision, "same") == 0 || strcmp (row.state, "same") == 0;
    if (rc == MT_OK && regroup)
        rc = s_regroup (self, row.case_a, err);
    if (rc == MT_OK && regroup)
        rc = s_regroup (self, row.case_b, err);
    //  Which pairs are rivals of which follows the groups (mt_casedb_same_score.c): the
    //  pairs of every record of both groups are scored again.
    for (int side = 0; rc == MT_OK && side < 2; side++) {
        int64_t *members = NULL;
        size_t count = 0;
        rc = mt_casedb_same_group (self, side ? row.case_b : row.case_a, &members, &count, err);
        for (size_t i = 0; rc == MT_OK && i < count; i++)
            rc = mt_casedb_same_rescore (self, members [i], err);
        free (members);
    }
    //  The note stays in the pair's row, not in the log, so that an
    //  erasure reaches it.
    char object [64], detail [64];
    snprintf (object, sizeof object, "case %lld / case %lld", (long long) row.case_a,
              (long long) row.case_b);
    snprintf (detail, sizeof detail, "%s -> %s%s", row.state, decision,
              note && *note ? " (with a note)" : "");
    const char *action = strcmp (decision, "same") == 0 ? "same_person.link"
                       : strcmp (row.state, "same") == 0 ? "same_person.unlink"
                       : "same_person.different";
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, action, object, detail, err);
    return mt_casedb_commit (self, rc, err);
}

int
mt_casedb_same_forget (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    int64_t *partners = NULL, *rivals = NULL;
    size_t n = 0, r = 0;
    int rc = mt_casedb_same_partners (self, case_id, "same", &partners, &n, err);
    if (rc == MT_OK)
        rc = mt_casedb_same_partners (self, case_id, NULL, &rivals, &r, err);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "DELETE FROM same_person WHERE case_a = ?1 OR case_b = ?1", err) : NULL;
    if (rc == MT_OK && !stmt)
        rc = MT_EINTERNAL;
    if (rc == MT_OK) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "unlink the case");
    }
    if (stmt)
        mti_sql_finalize (stmt);
    if (rc == MT_OK)
        rc = s_regroup (self, case_id, err);
    for (size_t i = 0; rc == MT_OK && i < n; i++)
        rc = s_regroup (self, partners [i], err);
    //  Its pairs were rivals of its partners' others.
    for (size_t i = 0; rc == MT_OK && i < r; i++)
        rc = mt_casedb_same_rescore (self, rivals [i], err);
    free (partners);
    free (rivals);
    return rc;
}
