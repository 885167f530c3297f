//  mt_casedb_pairs - a case's pairs as their last weighing left them, read
//  at once for the next weighing: which are rejected, and which a weighing
//  to the same figures would leave as they are.

#include "results/store/mt_casedb.h"

#include "mti_casedb.h"

#include <stdlib.h>
#include <string.h>

static int
s_by_other (const void *a, const void *b)
{
    int64_t x = ((const mt_casedb_pair_t *) a)->other;
    int64_t y = ((const mt_casedb_pair_t *) b)->other;
    return (x > y) - (x < y);
}

int
mt_casedb_pairs_of (mt_casedb_t *self, int64_t case_id, mt_casedb_pair_t **pairs_p,
                    size_t *count_p, mt_err_t *err)
{
    *pairs_p = NULL;
    *count_p = 0;
    //  One half holds the case's pairs (a case is found or missing), the
    //  other reads an index's empty range.
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT missing_case, CASE WHEN state = 'rejected' THEN 1 ELSE 0 END,"
        " CASE WHEN explanation = '' THEN 1 ELSE 0 END, evidence, distance, explanation_pb"
        " FROM candidates WHERE found_case = ?1"
        " UNION ALL SELECT found_case, CASE WHEN state = 'rejected' THEN 1 ELSE 0 END,"
        " CASE WHEN explanation = '' THEN 1 ELSE 0 END, evidence, distance, explanation_pb"
        " FROM candidates WHERE missing_case = ?1", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    size_t size = 0;
    int rc = MT_OK;
    int step;
    while (rc == MT_OK && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (pairs_p, *count_p, &size, sizeof **pairs_p, 64, err)) != MT_OK)
            break;
        mt_casedb_pair_t *p = &(*pairs_p) [*count_p];
        memset (p, 0, sizeof *p);
        p->other = mti_sql_column_int64 (stmt, 0);
        p->rejected = mti_sql_column_int64 (stmt, 1) != 0;
        p->as_value = mti_sql_column_int64 (stmt, 2) != 0;
        p->has_evidence = mti_sql_column_type (stmt, 3) != MTI_SQL_NULL;
        p->evidence = p->has_evidence ? mti_sql_column_double (stmt, 3) : 0;
        p->distance = mti_sql_column_double (stmt, 4);
        int bytes = mti_sql_column_type (stmt, 5) == MTI_SQL_BLOB ? mti_sql_column_bytes (stmt, 5)
                                                                   : 0;
        if (bytes > 0) {
            p->explanation = malloc ((size_t) bytes);
            if (!p->explanation) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            memcpy (p->explanation, mti_sql_column_blob (stmt, 5), (size_t) bytes);
            p->explanation_size = (size_t) bytes;
        }
        (*count_p)++;
    }
    if (rc == MT_OK && step != MTI_SQL_DONE)
        rc = mti_db_fail (self, MT_EIO, err, "a case's pairs");
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        mt_casedb_pairs_free (*pairs_p, *count_p);
        *pairs_p = NULL;
        *count_p = 0;
        return rc;
    }
    if (*count_p > 1)
        qsort (*pairs_p, *count_p, sizeof **pairs_p, s_by_other);
    return MT_OK;
}

void
mt_casedb_pairs_free (mt_casedb_pair_t *pairs, size_t count)
{
    for (size_t i = 0; pairs && i < count; i++)
        free (pairs [i].explanation);
    free (pairs);
}

const mt_casedb_pair_t *
mt_casedb_pair_find (const mt_casedb_pair_t *pairs, size_t count, int64_t other)
{
    if (!pairs || !count)
        return NULL;
    mt_casedb_pair_t key = { .other = other };
    return bsearch (&key, pairs, count, sizeof *pairs, s_by_other);
}

bool
mt_casedb_pair_unchanged (const mt_casedb_pair_t *pair, double evidence, double distance,
                          const void *explanation, size_t size)
{
    //  What mt_casedb_candidate_put's upsert leaves as it is, no more: an
    //  explanation of no bytes, a pair with no evidence or one still
    //  explained as text go to the store to decide.
    return pair && !pair->rejected && pair->as_value && pair->has_evidence
        && pair->evidence == evidence && pair->distance == distance
        && size > 0 && pair->explanation_size == size
        && memcmp (pair->explanation, explanation, size) == 0;
}
