//  mt_casedb_same_score - the scores of same-person pairs (issue 27): a
//  pair's evidence less what its two records' other pairs say
//  (mt_rank_same_score), computed again whenever those change: at once
//  for a case weighed live and for a decision, in rounds for the cases a
//  cross-match weighs (listed in same_due, taken a chunk at a time: each
//  pair a chunk needs read once for the chunk, where scoring each case at
//  once read its partners' partners' pairs again for every case).

#include "results/store/mt_casedb.h"
#include "results/store/mt_rank.h"
#include "mti_casedb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A case's pairs as the rivals of each other: the other case, its linked
//  group (0: alone), the pair's evidence and its state.
typedef struct {
    int64_t other, group;
    double evidence;
    bool pending, different;
} s_rival_t;

//  case_id's pairs, in any state, into a new array; *group_p its group.
static int
s_pairs_of (mt_casedb_t *self, int64_t case_id, int64_t *group_p, s_rival_t **rivals_p,
            size_t *count_p, mt_err_t *err)
{
    *rivals_p = NULL;
    *count_p = 0;
    *group_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT p.case_b, c.person_group, p.evidence, p.state FROM same_person p"
        " JOIN cases c ON c.id = p.case_b WHERE p.case_a = ?1"
        " UNION ALL SELECT p.case_a, c.person_group, p.evidence, p.state FROM same_person p"
        " JOIN cases c ON c.id = p.case_a WHERE p.case_b = ?1"
        " UNION ALL SELECT 0, person_group, 0, '' FROM cases WHERE id = ?1", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    size_t size = 0;
    int rc = MT_OK, step;
    while (rc == MT_OK && (step = mti_sql_step (stmt)) == MTI_SQL_ROW) {
        int64_t other = mti_sql_column_int64 (stmt, 0), group = mti_sql_column_int64 (stmt, 1);
        if (other == 0)
            *group_p = group;
        else
        if ((rc = mti_db_room (rivals_p, *count_p, &size, sizeof **rivals_p, 8, err)) == MT_OK)
            (*rivals_p) [(*count_p)++] = (s_rival_t) {
                .other = other, .group = group, .evidence = mti_sql_column_double (stmt, 2),
                .pending = strcmp ((const char *) mti_sql_column_text (stmt, 3), "pending") == 0,
                .different = strcmp ((const char *) mti_sql_column_text (stmt, 3),
                                     "different") == 0 };
    }
    if (rc == MT_OK && step != MTI_SQL_DONE)
        rc = mti_db_fail (self, MT_EIO, err, "same-person pairs");
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (*rivals_p);
        *rivals_p = NULL;
        *count_p = 0;
    }
    return rc;
}

//  z's pair with w, or NULL.
static const s_rival_t *
s_pair_with (const s_rival_t *zs, size_t zn, int64_t w)
{
    for (size_t i = 0; i < zn; i++)
        if (zs [i].other == w)
            return &zs [i];
    return NULL;
}

//  The log-sum of exp (evidence) of x's pairs that are rivals of its pair
//  with z (zs: z's pairs): each other person x looks like, pending or
//  linked (a record linked with x explains a look-alike of it), but not
//  one decided different (a record like two that cannot be one person is
//  one of them, and a reviewer said which it is not), nor z's own linked
//  records, nor records that z is nearly sure to be one person with
//  (MT_RANK_SAME_ONE): x's likeness to them and to z is one question (a
//  person registered three times resembles both their other records).
static double
s_rivals (const s_rival_t *x, size_t xn, int64_t z, int64_t z_group, const s_rival_t *zs,
          size_t zn)
{
    double sum = -INFINITY;
    for (size_t i = 0; i < xn; i++) {
        if (x [i].different || x [i].other == z || (z_group && x [i].group == z_group))
            continue;
        const s_rival_t *zw = s_pair_with (zs, zn, x [i].other);
        if (zw && !zw->different && zw->evidence >= MT_RANK_SAME_ONE)
            continue;
        sum = mt_rank_logaddexp (sum, x [i].evidence);
    }
    return sum;
}

//  The score of x's pending pair (its row in xs, x's pairs) with the case
//  whose pairs are zs.
static double
s_score (const s_rival_t *pair, int64_t x, int64_t x_group, const s_rival_t *xs, size_t xn,
         int64_t z_group, const s_rival_t *zs, size_t zn)
{
    return mt_rank_same_score (pair->evidence, s_rivals (xs, xn, pair->other, z_group, zs, zn),
                               s_rivals (zs, zn, x, x_group, xs, xn));
}

static mti_sql_stmt_t *
s_update_new (mt_casedb_t *self, mt_err_t *err)
{
    return mti_db_prepare (self,
        "UPDATE same_person SET score = ? WHERE case_a = ? AND case_b = ?", err);
}

//  The pair of cases x and z scored (update: s_update_new's).
static int
s_write (mt_casedb_t *self, mti_sql_stmt_t *update, int64_t x, int64_t z, double score,
         mt_err_t *err)
{
    mti_sql_reset (update);
    mti_sql_bind_double (update, 1, score);
    mti_sql_bind_int64 (update, 2, x < z ? x : z);
    mti_sql_bind_int64 (update, 3, x < z ? z : x);
    return mti_sql_step (update) == MTI_SQL_DONE
         ? MT_OK : mti_db_fail (self, MT_EIO, err, "score a same-person pair");
}

//  The scores of case_id's pending pairs.
static int
s_rescore_one (mt_casedb_t *self, int64_t case_id, mti_sql_stmt_t *update, mt_err_t *err)
{
    s_rival_t *mine = NULL;
    size_t n = 0;
    int64_t group = 0;
    int rc = s_pairs_of (self, case_id, &group, &mine, &n, err);
    for (size_t i = 0; rc == MT_OK && i < n; i++) {
        if (!mine [i].pending)
            continue;
        s_rival_t *theirs = NULL;
        size_t m = 0;
        int64_t their_group = 0, z = mine [i].other;
        rc = s_pairs_of (self, z, &their_group, &theirs, &m, err);
        if (rc == MT_OK)
            rc = s_write (self, update, case_id, z,
                          s_score (&mine [i], case_id, group, mine, n, their_group, theirs, m),
                          err);
        free (theirs);
    }
    free (mine);
    return rc;
}

int
mt_casedb_same_rescore (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    s_rival_t *partners = NULL;
    size_t n = 0;
    int64_t group = 0;
    int rc = s_pairs_of (self, case_id, &group, &partners, &n, err);
    mti_sql_stmt_t *update = rc == MT_OK ? s_update_new (self, err) : NULL;
    if (rc == MT_OK && !update)
        rc = MT_EINTERNAL;
    //  Its pairs are rivals of each other and of its partners' other pairs.
    if (rc == MT_OK)
        rc = s_rescore_one (self, case_id, update, err);
    for (size_t i = 0; rc == MT_OK && i < n; i++)
        rc = s_rescore_one (self, partners [i].other, update, err);
    if (update)
        mti_sql_finalize (update);
    free (partners);
    return rc;
}

int
mt_casedb_same_due_add (mt_casedb_t *self, const int64_t *ids, size_t count, mt_err_t *err)
{
    return mti_db_each_id (self, "INSERT INTO same_due (case_id) VALUES (?)"
                                 " ON CONFLICT DO NOTHING", ids, count,
                           "keep the same-person scores to compute", err);
}

//  A case a chunk needs: its pairs, read once for the chunk.
typedef struct {
    int64_t id;                 //  first: s_by_id compares ids and known cases alike
    int64_t group;
    s_rival_t *pairs;
    size_t n;
} s_known_t;

static int
s_by_id (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

//  The pairs of count cases (ids) read into known, one after another.
static int
s_know (mt_casedb_t *self, const int64_t *ids, size_t count, s_known_t *known, mt_err_t *err)
{
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        known [i].id = ids [i];
        rc = s_pairs_of (self, ids [i], &known [i].group, &known [i].pairs, &known [i].n, err);
    }
    return rc;
}

//  The cases that the pending pairs of the chunk's cases (known, count)
//  lead to outside the chunk (ids, sorted), in a new sorted array without
//  repeats.
static int
s_beyond (const s_known_t *known, size_t count, const int64_t *ids, int64_t **beyond_p,
          size_t *beyond_count_p, mt_err_t *err)
{
    size_t size = 0, n = 0;
    int rc = MT_OK;
    *beyond_p = NULL;
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        for (size_t j = 0; rc == MT_OK && j < known [i].n; j++) {
            int64_t z = known [i].pairs [j].other;
            if (!known [i].pairs [j].pending || bsearch (&z, ids, count, sizeof *ids, s_by_id))
                continue;
            rc = mti_db_room (beyond_p, n, &size, sizeof **beyond_p, 64, err);
            if (rc == MT_OK)
                (*beyond_p) [n++] = z;
        }
    if (n)
        qsort (*beyond_p, n, sizeof **beyond_p, s_by_id);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || (*beyond_p) [kept - 1] != (*beyond_p) [i])
            (*beyond_p) [kept++] = (*beyond_p) [i];
    *beyond_count_p = kept;
    return rc;
}

//  The pending pairs of the chunk's cases (ids, count; known: every case
//  they lead to, sorted) scored, each pair once.
static int
s_score_chunk (mt_casedb_t *self, const int64_t *ids, size_t count, const s_known_t *known,
               size_t known_count, mt_err_t *err)
{
    mti_sql_stmt_t *update = s_update_new (self, err);
    if (!update)
        return MT_EINTERNAL;
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        const s_known_t *x = bsearch (&ids [i], known, known_count, sizeof *known, s_by_id);
        for (size_t j = 0; x && rc == MT_OK && j < x->n; j++) {
            const s_rival_t *pair = &x->pairs [j];
            //  A pair of two of the chunk's cases is scored from its smaller.
            if (!pair->pending || (pair->other < x->id
                                   && bsearch (&pair->other, ids, count, sizeof *ids, s_by_id)))
                continue;
            const s_known_t *z = bsearch (&pair->other, known, known_count, sizeof *known,
                                          s_by_id);
            if (z)
                rc = s_write (self, update, x->id, z->id,
                              s_score (pair, x->id, x->group, x->pairs, x->n, z->group, z->pairs,
                                       z->n), err);
        }
    }
    mti_sql_finalize (update);
    return rc;
}

int
mt_casedb_same_due_score (mt_casedb_t *self, size_t max, size_t *count_p, mt_err_t *err)
{
    *count_p = 0;
    int64_t *ids = malloc ((max ? max : 1) * sizeof *ids), *beyond = NULL;
    if (!ids)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    size_t count = 0, beyond_count = 0, known_count = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT case_id FROM same_due"
                                                 " ORDER BY case_id LIMIT ?", err);
    int rc = stmt ? MT_OK : MT_EINTERNAL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, (int64_t) max);
        rc = mti_db_ids (self, stmt, ids, max, &count, "read the same-person scores to compute",
                         err);
    }
    //  Nothing listed: no transaction (the matcher asks every half second
    //  when idle).
    if (rc != MT_OK || count == 0) {
        free (ids);
        return rc;
    }
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK) {
        free (ids);
        return rc;
    }
    //  The chunk's cases first, then those their pending pairs lead to.
    s_known_t *known = calloc (count, sizeof *known);
    if (!known)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (known) {
        known_count = count;
        rc = s_know (self, ids, count, known, err);
    }
    if (rc == MT_OK && known)
        rc = s_beyond (known, count, ids, &beyond, &beyond_count, err);
    if (rc == MT_OK && beyond_count) {
        s_known_t *more = realloc (known, (count + beyond_count) * sizeof *known);
        if (more) {
            known = more;
            memset (known + count, 0, beyond_count * sizeof *known);
            known_count = count + beyond_count;
            rc = s_know (self, beyond, beyond_count, known + count, err);
        }
        else
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    if (rc == MT_OK && known) {
        qsort (known, known_count, sizeof *known, s_by_id);
        rc = s_score_chunk (self, ids, count, known, known_count, err);
    }
    if (rc == MT_OK)
        rc = mti_db_each_id (self, "DELETE FROM same_due WHERE case_id = ?", ids, count,
                             "keep the same-person scores to compute", err);
    rc = mt_casedb_commit (self, rc, err);
    if (rc == MT_OK)
        *count_p = count;
    for (size_t i = 0; i < known_count; i++)
        free (known [i].pairs);
    free (known);
    free (beyond);
    free (ids);
    return rc;
}
