//  mt_casedb_review - candidate pairs and the review queue; counts for
//  monitoring (the review decisions and their trail: mt_casedb_workflow.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"
#include "base/mt_clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- candidates

int
mt_casedb_candidate_put (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                         double evidence, double distance, const void *explanation,
                         size_t size, bool *written_p, mt_err_t *err)
{
    if (written_p)
        *written_p = false;
    //  A new pair starts with no score: its found case's candidates are
    //  scored together once they are all in (mt_casedb_candidate_scores_set).
    //  A pair weighed again to the same evidence is left as it is: a
    //  cross-match weighs each pair from both sides, and rewriting the
    //  second time doubled the store's writes (its log's pages).
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO candidates (found_case, missing_case, score, evidence, distance,"
        " explanation, explanation_pb, created_at, updated_at)"
        " VALUES (?, ?, 0, ?, ?, '', ?, ?, ?)"
        " ON CONFLICT (found_case, missing_case) DO UPDATE SET evidence = excluded.evidence,"
        " distance = excluded.distance, explanation = '',"
        " explanation_pb = excluded.explanation_pb,"
        " updated_at = excluded.updated_at WHERE candidates.state != 'rejected'"
        " AND (candidates.evidence IS DISTINCT FROM excluded.evidence"
        " OR candidates.distance IS DISTINCT FROM excluded.distance"
        " OR candidates.explanation != ''"
        " OR candidates.explanation_pb IS DISTINCT FROM excluded.explanation_pb)", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, found_case);
    mti_sql_bind_int64 (stmt, 2, missing_case);
    mti_sql_bind_double (stmt, 3, evidence);
    mti_sql_bind_double (stmt, 4, distance);
    if (size > INT32_MAX) {
        mti_sql_finalize (stmt);
        return mt_err_set (err, MT_EINVAL, "an explanation of %zu bytes", size);
    }
    mti_sql_bind_blob (stmt, 5, explanation, (int) size);
    mti_sql_bind_text (stmt, 6, now, -1);
    mti_sql_bind_text (stmt, 7, now, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                                 : mti_db_fail (self, MT_EIO, err, "candidate");
    if (rc == MT_OK && written_p)
        *written_p = mti_sql_changes (self->db) > 0;
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_candidate_evidence (mt_casedb_t *self, int64_t found_case, int64_t **missing_p,
                              double **evidence_p, double **scores_p, size_t *count_p,
                              mt_err_t *err)
{
    *missing_p = NULL;
    *evidence_p = *scores_p = NULL;
    *count_p = 0;
    //  The families that still compete: not rejected, their case open. A
    //  pair never scored (no families yet) has a NaN score.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT p.missing_case, COALESCE (p.evidence, 0), p.score,"
        " CASE WHEN p.families IS NULL THEN 1 ELSE 0 END"
        " FROM candidates p JOIN cases m ON m.id = p.missing_case"
        " WHERE p.found_case = ? AND p.state != 'rejected' AND m.state = 'open'"
        " ORDER BY p.missing_case", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, found_case);
    size_t size = 0;
    int rc = MT_OK;
    while (rc == MT_OK && mti_sql_step (stmt) == MTI_SQL_ROW) {
        if (*count_p == size) {
            size = size ? size * 2 : 64;
            int64_t *ids = realloc (*missing_p, size * sizeof *ids);
            if (ids)
                *missing_p = ids;
            double *ev = ids ? realloc (*evidence_p, size * sizeof *ev) : NULL;
            if (ev)
                *evidence_p = ev;
            double *sc = ev ? realloc (*scores_p, size * sizeof *sc) : NULL;
            if (sc)
                *scores_p = sc;
            if (!sc) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
        }
        (*missing_p) [*count_p] = mti_sql_column_int64 (stmt, 0);
        (*evidence_p) [*count_p] = mti_sql_column_double (stmt, 1);
        (*scores_p) [(*count_p)++] = mti_sql_column_int64 (stmt, 3) ? NAN
                                                                  : mti_sql_column_double (stmt, 2);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_candidate_scores_set (mt_casedb_t *self, int64_t found_case, const int64_t *missing,
                                const double *scores, const double *rivals, size_t count,
                                int64_t families, mt_err_t *err)
{
    //  The caller passes the rows whose scores moved (mt_rank_score_moved);
    //  a row whose values are the same is not written all the same: a row
    //  holds its explanation too.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE candidates SET score = ?1, rivals = ?2, families = ?3"
        " WHERE found_case = ?4 AND missing_case = ?5 AND (score IS DISTINCT FROM ?1"
        " OR rivals IS DISTINCT FROM ?2 OR families IS DISTINCT FROM ?3)", err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mti_sql_reset (stmt);
        mti_sql_bind_double (stmt, 1, scores [i]);
        if (isfinite (rivals [i]))
            mti_sql_bind_double (stmt, 2, rivals [i]);
        else
            mti_sql_bind_null (stmt, 2);
        mti_sql_bind_int64 (stmt, 3, families);
        mti_sql_bind_int64 (stmt, 4, found_case);
        mti_sql_bind_int64 (stmt, 5, missing [i]);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "score");
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_pair_cases (mt_casedb_t *self, int64_t case_id, int64_t **others_p, size_t *count_p,
                      mt_err_t *err)
{
    *others_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT missing_case FROM candidates WHERE found_case = ?1 AND state != 'rejected'"
        " UNION SELECT found_case FROM candidates WHERE missing_case = ?1"
        " AND state != 'rejected'", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    size_t size = 0;
    int rc = MT_OK;
    while (rc == MT_OK && mti_sql_step (stmt) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (others_p, *count_p, &size, sizeof **others_p, 64, err)) != MT_OK)
            break;
        (*others_p) [(*count_p)++] = mti_sql_column_int64 (stmt, 0);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int64_t
mt_casedb_open_count (mt_casedb_t *self, mt_case_kind kind)
{
    size_t at = kind == MT_KIND_MISSING ? 0 : 1;
    int64_t now = mt_clock_ms ();
    if (self->open_count [at] >= MT_CASEDB_COUNT_KEPT_FROM
    &&  now - self->open_counted_ms [at] < MT_CASEDB_COUNT_KEPT_MS)
        return self->open_count [at];
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT COUNT (*) FROM cases WHERE kind = ?"
                                           " AND state = 'open'", NULL);
    int64_t n = 0;
    if (stmt) {
        mti_sql_bind_text (stmt, 1, mt_case_kind_name (kind), -1);
        if (mti_sql_step (stmt) == MTI_SQL_ROW)
            n = mti_sql_column_int64 (stmt, 0);
    }
    mti_sql_finalize (stmt);
    self->open_count [at] = n;
    self->open_counted_ms [at] = now;
    return n;
}

#define S_CANDIDATE_COLUMNS "p.found_case, p.missing_case, p.score, p.distance, p.state," \
    " p.explanation, p.updated_at, COALESCE (p.evidence, 0), p.rivals, COALESCE (p.families, 0)," \
    " p.explanation_pb"

//  Fills r; false when out of memory (r then owns what it holds).
static bool
s_candidate_row (mti_sql_stmt_t *stmt, mt_candidate_row_t *r)
{
    r->found_case = mti_sql_column_int64 (stmt, 0);
    r->missing_case = mti_sql_column_int64 (stmt, 1);
    r->score = mti_sql_column_double (stmt, 2);
    r->distance = mti_sql_column_double (stmt, 3);
    mti_db_copy (r->state, sizeof r->state, mti_sql_column_text (stmt, 4));
    r->explanation_text = strdup ((const char *) mti_sql_column_text (stmt, 5));
    mti_db_copy (r->updated_at, sizeof r->updated_at, mti_sql_column_text (stmt, 6));
    r->evidence = mti_sql_column_double (stmt, 7);
    r->rivals = mti_sql_column_type (stmt, 8) == MTI_SQL_NULL ? -INFINITY
              : mti_sql_column_double (stmt, 8);
    r->families = mti_sql_column_int64 (stmt, 9);
    int size = mti_sql_column_type (stmt, 10) == MTI_SQL_BLOB ? mti_sql_column_bytes (stmt, 10)
                                                                : 0;
    r->explanation = size > 0 ? malloc ((size_t) size) : NULL;
    if (r->explanation) {
        memcpy (r->explanation, mti_sql_column_blob (stmt, 10), (size_t) size);
        r->explanation_size = (size_t) size;
    }
    return r->explanation_text && (size == 0 || r->explanation);
}

void
mt_casedb_candidate_free (mt_candidate_row_t *row)
{
    if (row) {
        free (row->explanation);
        free (row->explanation_text);
        row->explanation = NULL;
        row->explanation_text = NULL;
    }
}

void
mt_casedb_candidates_free (mt_candidate_row_t *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        mt_casedb_candidate_free (&rows [i]);
    free (rows);
}

//  Up to limit candidate rows from a bound statement (finalized).
static int
s_candidate_rows (mti_sql_stmt_t *stmt, size_t limit, mt_candidate_row_t **rows_p,
                  size_t *count_p, mt_err_t *err)
{
    mt_candidate_row_t *rows = calloc (limit ? limit : 1, sizeof *rows);
    if (!rows) {
        mti_sql_finalize (stmt);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    size_t n = 0;
    bool whole = true;
    while (whole && n < limit && mti_sql_step (stmt) == MTI_SQL_ROW)
        whole = s_candidate_row (stmt, &rows [n++]);
    mti_sql_finalize (stmt);
    if (!whole) {
        mt_casedb_candidates_free (rows, n);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    *rows_p = rows;
    *count_p = n;
    return MT_OK;
}

int
mt_casedb_candidate_get (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                         mt_candidate_row_t *row, mt_err_t *err)
{
    memset (row, 0, sizeof *row);
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_CANDIDATE_COLUMNS
                                           " FROM candidates p WHERE p.found_case = ?"
                                           " AND p.missing_case = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, found_case);
    mti_sql_bind_int64 (stmt, 2, missing_case);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        if (!s_candidate_row (stmt, row)) {
            mt_casedb_candidate_free (row);
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
        }
    }
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "case %lld was never a candidate for case %lld",
                         (long long) missing_case, (long long) found_case);
    mti_sql_finalize (stmt);
    return rc;
}

//  A count from a statement whose parameters are bound (finalized).
static int64_t
s_count (mti_sql_stmt_t *stmt)
{
    int64_t n = stmt && mti_sql_step (stmt) == MTI_SQL_ROW ? mti_sql_column_int64 (stmt, 0) : 0;
    mti_sql_finalize (stmt);
    return n;
}

//  Which pairs of a case show: rejected pairs never; a closed other case
//  only when the pair got as far as a DNA request.
#define S_SHOWN(other) \
    " p.state != 'rejected' AND (" other ".state = 'open'" \
    " OR p.state IN ('dna_requested', 'confirmed', 'reunited'))"

int
mt_casedb_candidates (mt_casedb_t *self, int64_t case_id, double floor, bool weaker,
                      size_t limit, size_t offset, mt_candidate_row_t **rows_p,
                      size_t *count_p, int64_t *weaker_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mt_case_t c;
    int rc = mt_casedb_case_get (self, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    bool found = c.kind == MT_KIND_FOUND;
    if (weaker_p) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, found
            ? "SELECT COUNT (*) FROM candidates p JOIN cases o ON o.id = p.missing_case"
              " WHERE p.found_case = ?1 AND" S_SHOWN ("o")
              " AND p.state = 'pending' AND COALESCE (p.evidence, 0) < ?2"
            : "SELECT COUNT (*) FROM candidates p JOIN cases o ON o.id = p.found_case"
              " WHERE p.missing_case = ?1 AND" S_SHOWN ("o")
              " AND p.state = 'pending' AND COALESCE (p.evidence, 0) < ?2", err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_double (stmt, 2, floor);
        *weaker_p = s_count (stmt);
    }
    //  Pending pairs below the floor only when asked for.
    mti_sql_stmt_t *stmt = mti_db_prepare (self, found
        ? "SELECT " S_CANDIDATE_COLUMNS " FROM candidates p JOIN cases o ON o.id = p.missing_case"
          " WHERE p.found_case = ?1 AND" S_SHOWN ("o")
          " AND (p.state != 'pending' OR COALESCE (p.evidence, 0) >= ?2)"
          " ORDER BY p.score DESC, p.distance LIMIT ?3 OFFSET ?4"
        : "SELECT " S_CANDIDATE_COLUMNS " FROM candidates p JOIN cases o ON o.id = p.found_case"
          " WHERE p.missing_case = ?1 AND" S_SHOWN ("o")
          " AND (p.state != 'pending' OR COALESCE (p.evidence, 0) >= ?2)"
          " ORDER BY p.score DESC, p.distance LIMIT ?3 OFFSET ?4", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_double (stmt, 2, weaker ? -1e300 : floor);
    mti_sql_bind_int64 (stmt, 3, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 4, (int64_t) offset);
    return s_candidate_rows (stmt, limit, rows_p, count_p, err);
}

//  The pairs of the review queue (?1: the found case's province, 0 any);
//  the queue and its count share it.
#define S_QUEUE_FROM \
    " FROM candidates p JOIN cases f ON f.id = p.found_case" \
    " JOIN cases m ON m.id = p.missing_case" \
    " WHERE p.state IN ('pending', 'dna_requested') AND f.state = 'open'" \
    " AND m.state = 'open' AND (?1 = 0 OR f.province = ?1)"

//  Pending pairs whose evidence is below the floor (?2) never queue; a pair
//  with a DNA test under way always does.
#define S_QUEUED " AND (p.state != 'pending' OR COALESCE (p.evidence, 0) >= ?2)"

//  One pair per person and family group (issue 27): where either case is
//  one of several linked records, only the best pair of the two groups
//  queues. The others are found once per statement, among the queued
//  pairs that touch a linked case (few), not per row.
#define S_QUEUE_WITH \
    "WITH hidden AS MATERIALIZED (SELECT g.found_case AS fc, g.missing_case AS mc FROM (" \
    "  SELECT p.found_case, p.missing_case, ROW_NUMBER () OVER (" \
    "    PARTITION BY COALESCE (f.person_group, f.id), COALESCE (m.person_group, m.id)" \
    "    ORDER BY p.score DESC, p.found_case, p.missing_case) AS n" \
    S_QUEUE_FROM S_QUEUED \
    "  AND (f.person_group IS NOT NULL OR m.person_group IS NOT NULL)) g WHERE g.n > 1) "
#define S_ONE_PER_GROUP \
    " AND NOT EXISTS (SELECT 1 FROM hidden WHERE fc = p.found_case AND mc = p.missing_case)"

int
mt_casedb_queue (mt_casedb_t *self, int province, double floor, size_t limit, size_t offset,
                 mt_candidate_row_t **rows_p, size_t *count_p, int64_t *below_p,
                 mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    if (below_p) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT COUNT (*)" S_QUEUE_FROM
                                               " AND p.state = 'pending'"
                                               " AND COALESCE (p.evidence, 0) < ?2", err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int (stmt, 1, province);
        mti_sql_bind_double (stmt, 2, floor);
        *below_p = s_count (stmt);
    }
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        S_QUEUE_WITH "SELECT " S_CANDIDATE_COLUMNS S_QUEUE_FROM S_QUEUED S_ONE_PER_GROUP
        " ORDER BY p.score DESC, p.distance LIMIT ?3 OFFSET ?4", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int (stmt, 1, province);
    mti_sql_bind_double (stmt, 2, floor);
    mti_sql_bind_int64 (stmt, 3, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 4, (int64_t) offset);
    return s_candidate_rows (stmt, limit, rows_p, count_p, err);
}

int
mt_casedb_queue_count (mt_casedb_t *self, int province, double floor, int64_t *total_p,
                       mt_err_t *err)
{
    *total_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, S_QUEUE_WITH "SELECT COUNT (*)" S_QUEUE_FROM
                                           S_QUEUED S_ONE_PER_GROUP, err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int (stmt, 1, province);
    mti_sql_bind_double (stmt, 2, floor);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        *total_p = mti_sql_column_int64 (stmt, 0);
    else
        rc = mti_db_fail (self, MT_EIO, err, "count the queue");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_stats (mt_casedb_t *self, mt_casedb_stats_t *stats, mt_err_t *err)
{
    (void) err;
#define S_COUNT(name, sql) stats->name = mti_db_number (self, sql, NULL);
    MT_CASEDB_STATS (S_COUNT)
#undef S_COUNT
    stats->schema = self->version;
    return MT_OK;
}
