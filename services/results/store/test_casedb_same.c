//  Self-test of the same person twice in the case store (issue 27): a
//  pair's weighing kept and its decision kept through a new weighing, who
//  may change a decided pair, linked groups as decisions make and unmake
//  them, the family queue with one pair per person and family group, and
//  an erased record unlinked from the others; relatives to tell; a pair's
//  score lowered by its records' other pairs, raised again when
//  a rival is erased, linked records not rivals of a third; the same
//  scores from a cross-match's rounds.

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"
#include "results/store/mt_rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t
s_add (mt_casedb_t *db, mt_case_t c)
{
    int64_t id = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &id, NULL, &err), MT_OK, &err);
    return id;
}

static size_t
s_group_size (mt_casedb_t *db, int64_t id)
{
    int64_t *ids = NULL;
    size_t n = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_same_group (db, id, &ids, &n, &err), MT_OK, &err);
    free (ids);
    return n;
}

static int64_t
s_queued (mt_casedb_t *db)
{
    int64_t total = -1;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_queue_count (db, 0, -100, &total, &err), MT_OK, &err);
    return total;
}

static void
test_decisions (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t f1 = s_add (db, mt_test_found_case ()), f2 = s_add (db, mt_test_found_case ());
    int64_t f3 = s_add (db, mt_test_found_case ());
    //  Either order; a case is never paired with itself.
    MT_CHECK_RC (mt_casedb_same_put (db, f2, f1, 6.5, 0.4, "\x08\x01", 2, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, f1, f1, 6.5, 0.4, NULL, 0, &err), MT_EINVAL, &err);
    mt_same_row_t row;
    MT_CHECK_RC (mt_casedb_same_get (db, f2, f1, &row, &err), MT_OK, &err);
    MT_CHECK (row.case_a == f1 && row.case_b == f2 && row.explanation_size == 2);
    MT_CHECK (strcmp (row.state, "pending") == 0);
    free (row.explanation);
    //  Listed above its side's floor only while pending.
    mt_same_filter_t filter = { .floor_found = 7, .floor_missing = 0 };
    mt_same_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    MT_CHECK_RC (mt_casedb_same_list (db, &filter, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK_INT (total, 0);
    mt_casedb_same_rows_free (rows, count);
    filter.floor_found = 0, filter.floor_missing = 7;
    MT_CHECK_RC (mt_casedb_same_list (db, &filter, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK_INT (total, 1);
    mt_casedb_same_rows_free (rows, count);

    //  Decisions: a bad one, then same; again is a conflict; a reviewer
    //  cannot undo it; an administrator can, with a reason only.
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "maybe", NULL, false, "police", &err),
                 MT_EINVAL, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    MT_CHECK_INT (s_group_size (db, f1), 2);
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "same", NULL, true, "admin", &err),
                 MT_ECONFLICT, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "different", "no", false, "police", &err),
                 MT_EFORBIDDEN, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "different", NULL, true, "admin", &err),
                 MT_EINVAL, &err);
    //  A new weighing keeps the decision.
    MT_CHECK_RC (mt_casedb_same_put (db, f1, f2, 1.0, 0.5, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_get (db, f1, f2, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.state, "same") == 0);
    MT_CHECK (strcmp (row.decided_by, "police") == 0);
    free (row.explanation);
    //  A third record joins the group through the second.
    MT_CHECK_RC (mt_casedb_same_put (db, f2, f3, 8, 0.3, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, f2, f3, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    MT_CHECK_INT (s_group_size (db, f3), 3);
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, f3, &c, &err), MT_OK, &err);
    MT_CHECK_INT (c.person_group, f1);
    //  Unlinked by an administrator with a reason: f1 stands alone.
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "different", "two brothers", true, "admin",
                                        &err), MT_OK, &err);
    MT_CHECK_INT (s_group_size (db, f1), 1);
    MT_CHECK_INT (s_group_size (db, f2), 2);
    MT_CHECK_RC (mt_casedb_case_get (db, f3, &c, &err), MT_OK, &err);
    MT_CHECK_INT (c.person_group, f2);
    MT_CHECK_RC (mt_casedb_case_get (db, f1, &c, &err), MT_OK, &err);
    MT_CHECK_INT (c.person_group, 0);
    mt_casedb_close (&db);
}

//  Each side's pending pairs are listed from their own floor.
static void
test_floor_per_side (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-floors.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t f1 = s_add (db, mt_test_found_case ()), f2 = s_add (db, mt_test_found_case ());
    int64_t m1 = s_add (db, mt_test_missing_case ()), m2 = s_add (db, mt_test_missing_case ());
    MT_CHECK_RC (mt_casedb_same_put (db, f1, f2, 5.5, 0.4, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, m1, m2, 4.5, 0.4, NULL, 0, &err), MT_OK, &err);
    mt_same_filter_t filter = { .floor_found = 6, .floor_missing = 4 };
    mt_same_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    MT_CHECK_RC (mt_casedb_same_list (db, &filter, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (total == 1 && count == 1 && rows [0].case_a == m1);
    mt_casedb_same_rows_free (rows, count);
    filter.floor_found = 5, filter.floor_missing = 5;
    MT_CHECK_RC (mt_casedb_same_list (db, &filter, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (total == 1 && count == 1 && rows [0].case_a == f1);
    mt_casedb_same_rows_free (rows, count);
    mt_casedb_close (&db);
}

static double
s_score (mt_casedb_t *db, int64_t a, int64_t b)
{
    mt_same_row_t row;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_same_get (db, a, b, &row, &err), MT_OK, &err);
    free (row.explanation);
    return row.score;
}

//  A found person who looks like two records: the pair with the one it
//  resembles less is scored down by the other (mt_rank_same_score), and
//  so, less, is the stronger; scored again when a rival pair is weighed,
//  decided or erased; listed by score. A look-alike decided different
//  no longer counts; a linked record counts against a look-alike of it
//  alone, not against a third record of the person that resembles both.
static void
test_rivals (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-rivals.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t f1 = s_add (db, mt_test_found_case ()), f2 = s_add (db, mt_test_found_case ());
    int64_t f3 = s_add (db, mt_test_found_case ()), f4 = s_add (db, mt_test_found_case ());
    int64_t f5 = s_add (db, mt_test_found_case ());
    MT_CHECK_RC (mt_casedb_same_put (db, f1, f2, 8, 0.3, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, f2, &err), MT_OK, &err);
    MT_CHECK (fabs (s_score (db, f1, f2) - 8) < 1e-9);
    //  f3 looks like f1 too: each pair is the other's rival.
    MT_CHECK_RC (mt_casedb_same_put (db, f3, f1, 7, 0.35, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, f3, &err), MT_OK, &err);
    double s12 = s_score (db, f1, f2), s13 = s_score (db, f1, f3);
    MT_CHECK (fabs (s12 - mt_rank_same_score (8, 7, -INFINITY)) < 1e-9);
    MT_CHECK (fabs (s13 - mt_rank_same_score (7, 8, -INFINITY)) < 1e-9);
    MT_CHECK (s13 < 5 && s12 < 8 && s12 > s13);
    //  A pair of f2's own, weighed later, is a rival of f1's pair with it.
    MT_CHECK_RC (mt_casedb_same_put (db, f2, f4, 3, 0.5, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, f4, &err), MT_OK, &err);
    s12 = mt_rank_same_score (8, 7, 3);
    MT_CHECK (fabs (s_score (db, f1, f2) - s12) < 1e-9);
    //  Listed by score: f1-f3 (7 - 4.0) and f2-f4 are below a floor of 4,
    //  f1-f2 (8 - 3.0 - 0.3) above.
    mt_same_filter_t filter = { .floor_found = 4, .floor_missing = 4 };
    mt_same_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    MT_CHECK_RC (mt_casedb_same_list (db, &filter, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (total == 1 && count == 1 && rows [0].case_b == f2);
    mt_casedb_same_rows_free (rows, count);
    //  f2-f4 decided different: no longer f2's rival.
    MT_CHECK_RC (mt_casedb_same_decide (db, f2, f4, "different", NULL, false, "police", &err),
                 MT_OK, &err);
    MT_CHECK (fabs (s_score (db, f1, f2) - mt_rank_same_score (8, 7, -INFINITY)) < 1e-9);
    //  f1 and f2 linked: f3, a look-alike of f1 alone, is still scored down.
    MT_CHECK_RC (mt_casedb_same_decide (db, f1, f2, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    MT_CHECK (fabs (s_score (db, f1, f3) - s13) < 1e-9);
    //  f5, a third record of the person, resembles both: neither link nor
    //  the other pair of it counts against it; f1's look-alike f3 does.
    MT_CHECK_RC (mt_casedb_same_put (db, f5, f1, 7.5, 0.3, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, f5, f2, 7, 0.3, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, f5, &err), MT_OK, &err);
    MT_CHECK (fabs (s_score (db, f1, f5) - mt_rank_same_score (7.5, 7, -INFINITY)) < 1e-9);
    MT_CHECK (fabs (s_score (db, f2, f5) - 7) < 1e-9);
    MT_CHECK (fabs (s_score (db, f1, f3) - mt_rank_same_score (7, mt_rank_logaddexp (8, 7.5),
                                                               -INFINITY)) < 1e-9);
    //  One person registered three times, none linked yet: nearly sure
    //  each pair, none the others' rival; look-alikes that one of them
    //  resembles less stay rivals.
    int64_t g [3] = { s_add (db, mt_test_found_case ()), s_add (db, mt_test_found_case ()),
                      s_add (db, mt_test_found_case ()) };
    MT_CHECK_RC (mt_casedb_same_put (db, g [0], g [1], 9, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, g [0], g [2], 8, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, g [1], g [2], 7, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, g [2], &err), MT_OK, &err);
    MT_CHECK (fabs (s_score (db, g [0], g [1]) - 9) < 1e-9);
    MT_CHECK (fabs (s_score (db, g [1], g [2]) - 7) < 1e-9);
    MT_CHECK_RC (mt_casedb_same_put (db, g [1], g [2], 4, 0.4, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_rescore (db, g [2], &err), MT_OK, &err);
    MT_CHECK (fabs (s_score (db, g [0], g [1]) - mt_rank_same_score (9, 8, -INFINITY)) < 1e-9);

    //  f5 erased: f1-f3 as it was.
    MT_CHECK_RC (mt_casedb_case_close (db, f5, "duplicate", "admin", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (db, f5, MT_ERASE_ALL, "admin", &err), MT_OK, &err);
    MT_CHECK (fabs (s_score (db, f1, f3) - s13) < 1e-9);
    mt_casedb_close (&db);
}

//  A cross-match's rounds (mt_casedb_same_due_score) give every pending
//  pair the score that scoring each case at once gives
//  (mt_casedb_same_rescore), pairs whose cases fall in different rounds,
//  decided pairs and a linked group among them; while listed for a round
//  a case's pending pairs are not suggested.
static void
test_rounds (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-rounds.db");
    if (!db)
        return;
    mt_err_t err;
    enum { CASES = 40, PAIRS = 120 };
    int64_t ids [CASES], a [PAIRS], b [PAIRS];
    double evidence [PAIRS], scores [PAIRS];
    for (size_t i = 0; i < CASES; i++)
        ids [i] = s_add (db, mt_test_found_case ());
    uint32_t x = 12345;
    size_t pairs = 0;
    while (pairs < PAIRS) {
        x = x * 1103515245u + 12345u;
        size_t i = (x >> 8) % CASES, j = (x >> 20) % CASES;
        bool known = i == j;
        for (size_t k = 0; k < pairs && !known; k++)
            known = (a [k] == ids [i] && b [k] == ids [j]) || (a [k] == ids [j] && b [k] == ids [i]);
        if (known)
            continue;
        a [pairs] = ids [i], b [pairs] = ids [j];
        evidence [pairs] = 2.0 + (double) ((x >> 4) % 70) / 10.0;
        MT_CHECK_RC (mt_casedb_same_put (db, a [pairs], b [pairs], evidence [pairs], 0.4, NULL, 0,
                                         &err), MT_OK, &err);
        pairs++;
    }
    MT_CHECK_RC (mt_casedb_same_decide (db, a [3], b [3], "different", NULL, false, "police",
                                        &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, a [7], b [7], "same", NULL, false, "police", &err),
                 MT_OK, &err);
    for (size_t i = 0; i < CASES; i++)
        MT_CHECK_RC (mt_casedb_same_rescore (db, ids [i], &err), MT_OK, &err);
    for (size_t k = 0; k < PAIRS; k++)
        scores [k] = s_score (db, a [k], b [k]);
    //  Weighed again, as a cross-match does: each score its evidence again,
    //  every case listed (some twice).
    for (size_t k = 0; k < PAIRS; k++)
        MT_CHECK_RC (mt_casedb_same_put (db, a [k], b [k], evidence [k], 0.4, NULL, 0, &err),
                     MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_due_add (db, ids, CASES, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_due_add (db, ids, 5, &err), MT_OK, &err);
    mt_same_filter_t pending = { .floor_found = -100, .floor_missing = -100,
                                 .state = "pending" };
    mt_same_row_t *rows = NULL;
    size_t count = 0, rounds = 0, scored = 0;
    int64_t total = -1;
    MT_CHECK_RC (mt_casedb_same_list (db, &pending, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (total == 0 && count == 0);
    mt_casedb_same_rows_free (rows, count);
    do {
        MT_CHECK_RC (mt_casedb_same_due_score (db, 7, &count, &err), MT_OK, &err);
        scored += count, rounds++;
    } while (count > 0 && rounds < 100);
    MT_CHECK_INT ((int64_t) scored, CASES);
    size_t same = 0, moved = 0;
    for (size_t k = 0; k < PAIRS; k++) {
        double now = s_score (db, a [k], b [k]);
        same += fabs (now - scores [k]) < 1e-9;
        moved += fabs (scores [k] - evidence [k]) > 1e-6;
    }
    MT_CHECK_INT ((int64_t) same, PAIRS);
    //  The rivals count: most pairs score below their evidence.
    MT_CHECK (moved > PAIRS / 2);
    MT_CHECK_RC (mt_casedb_same_list (db, &pending, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (total == PAIRS - 2 && count == 10);
    mt_casedb_same_rows_free (rows, count);
    mt_casedb_close (&db);
}

//  Two reports of one child and a found person: one queue item, not two;
//  an erased report leaves the other, unlinked.
static void
test_queue_and_erasure (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-queue.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    int64_t m1 = s_add (db, mt_test_missing_case ()), m2 = s_add (db, mt_test_missing_case ());
    int64_t m3 = s_add (db, mt_test_missing_case ());
    for (int64_t m = m1; m <= m3; m++)
        MT_CHECK_RC (mt_casedb_candidate_put (db, found, m, 5, 0.4, NULL, 0, NULL, &err), MT_OK,
                     &err);
    MT_CHECK_INT (s_queued (db), 3);
    MT_CHECK_RC (mt_casedb_same_put (db, m1, m2, 9, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, m1, m2, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    MT_CHECK_INT (s_queued (db), 2);
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    MT_CHECK_RC (mt_casedb_queue (db, 0, -100, 10, 0, &rows, &count, NULL, &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    mt_casedb_candidates_free (rows, count);
    //  Erased (closed first, as erasure wants): its link goes, m2 is alone.
    MT_CHECK_RC (mt_casedb_case_close (db, m1, "duplicate report", "admin", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (db, m1, MT_ERASE_ALL, "admin", &err), MT_OK, &err);
    MT_CHECK_INT (s_group_size (db, m2), 1);
    mt_same_row_t row;
    MT_CHECK_RC (mt_casedb_same_get (db, m1, m2, &row, &err), MT_ENOTFOUND, &err);
    MT_CHECK_INT (s_queued (db), 2);
    mt_casedb_close (&db);
}

//  Relatives to tell: one row a report and found person, its latest
//  decision; told once (audited), told again after a new decision; each
//  station's reports; a report erased takes its notices with it.
static void
test_notices (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-notices.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t found = s_add (db, mt_test_found_case ());
    mt_case_t a = mt_test_missing_case (), b = mt_test_missing_case ();
    snprintf (a.station, sizeof a.station, "A");
    snprintf (b.station, sizeof b.station, "B");
    int64_t ma = s_add (db, a), mb = s_add (db, b);
    MT_CHECK_RC (mt_casedb_notice_add (db, ma, found, "dna_requested", "police", &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_notice_add (db, mb, found, "dna_requested", "police", &err), MT_OK,
                 &err);
    mt_notice_filter_t to_tell = { .station = NULL, .told = 0 };
    mt_notice_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    MT_CHECK_RC (mt_casedb_notices (db, &to_tell, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK_INT (count, 2);
    MT_CHECK_INT (total, 2);
    free (rows);
    mt_notice_filter_t of_a = { .station = "A", .told = -1 };
    MT_CHECK_RC (mt_casedb_notices (db, &of_a, 10, 0, &rows, &count, &total, &err), MT_OK, &err);
    MT_CHECK (count == 1 && rows [0].missing_case == ma && !rows [0].told_at [0]);
    MT_CHECK (count == 1 && strcmp (rows [0].decision, "dna_requested") == 0);
    free (rows);
    //  Told once, with how (audited, in both cases' audit, without the note:
    //  an erasure must reach it); a second time is a conflict; nothing to
    //  tell, not found.
    MT_CHECK_RC (mt_casedb_notice_told (db, ma, found, "phoned", "staff_a", &err), MT_OK, &err);
    mt_audit_row_t *audit = NULL;
    size_t audited = 0;
    MT_CHECK_RC (mt_casedb_audit_list (db, ma, 10, 0, &audit, &audited, &err), MT_OK, &err);
    MT_CHECK (audited >= 1 && strcmp (audit [0].action, "family.told") == 0);
    MT_CHECK (audited >= 1 && audit [0].detail && !strstr (audit [0].detail, "phoned"));
    mt_audit_rows_free (audit, audited);
    MT_CHECK_RC (mt_casedb_notice_told (db, ma, found, NULL, "staff_a", &err), MT_ECONFLICT,
                 &err);
    MT_CHECK_CONTAINS (err.msg, "staff_a");
    MT_CHECK_RC (mt_casedb_notice_told (db, found, ma, NULL, "staff_a", &err), MT_ENOTFOUND,
                 &err);
    mt_notice_row_t row;
    MT_CHECK_RC (mt_casedb_notice_get (db, ma, found, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.told_by, "staff_a") == 0 && strcmp (row.note, "phoned") == 0);
    MT_CHECK_RC (mt_casedb_notices (db, &to_tell, 10, 0, &rows, &count, &total, &err), MT_OK,
                 &err);
    MT_CHECK (count == 1 && rows [0].missing_case == mb);
    free (rows);
    //  A new decision is to be told again.
    MT_CHECK_RC (mt_casedb_notice_add (db, ma, found, "confirmed", "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_get (db, ma, found, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.decision, "confirmed") == 0 && !row.told_at [0] && !row.note [0]);
    //  The report erased: its notices go.
    MT_CHECK_RC (mt_casedb_case_close (db, ma, "consent withdrawn", "admin", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (db, ma, MT_ERASE_ALL, "admin", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_get (db, ma, found, &row, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_notice_get (db, mb, found, &row, &err), MT_OK, &err);
    mt_casedb_close (&db);
}

//  Two relatives' reports of one child, linked: a confirmation on one is
//  not refused for the other's DNA test under way (one person), but is for
//  an unlinked report's; a report linked later hears of the DNA test, and
//  of the confirmation after it was told of the test; unlinked, the
//  untold notice it had only through the link goes.
static void
test_linked_reports (void)
{
    mt_casedb_t *db = mt_test_casedb_open ("same-linked-reports.db");
    if (!db)
        return;
    mt_err_t err;
    int64_t f = s_add (db, mt_test_found_case ());
    int64_t m1 = s_add (db, mt_test_missing_case ()), m2 = s_add (db, mt_test_missing_case ());
    int64_t m3 = s_add (db, mt_test_missing_case ()), m4 = s_add (db, mt_test_missing_case ());
    for (int64_t m = m1; m <= m4; m++)
        MT_CHECK_RC (mt_casedb_candidate_put (db, f, m, 5, 0.4, NULL, 0, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, m1, m2, 9, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, m1, m2, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    mt_review_t dna = { .state = "dna_requested" }, yes = { .state = "confirmed", .note = "DNA" };
    mt_review_t no = { .state = "rejected" };
    MT_CHECK_RC (mt_casedb_review (db, f, m1, &dna, "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (db, f, m2, &dna, "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (db, f, m3, &dna, "police", &err), MT_OK, &err);
    //  m3 is another person's report: the confirmation waits for its result.
    MT_CHECK_RC (mt_casedb_review (db, f, m1, &yes, "police", &err), MT_ECONFLICT, &err);
    MT_CHECK_CONTAINS (err.msg, "under way");
    MT_CHECK_RC (mt_casedb_review (db, f, m3, &no, "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (db, f, m1, &yes, "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_review (db, f, m2, &yes, "police", &err), MT_OK, &err);
    //  m4 told of the DNA test, then linked: to be told of the confirmation.
    MT_CHECK_RC (mt_casedb_notice_add (db, m4, f, "dna_requested", "police", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_told (db, m4, f, NULL, "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_put (db, m1, m4, 9, 0.2, NULL, 0, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_same_decide (db, m1, m4, "same", NULL, false, "police", &err), MT_OK,
                 &err);
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, m4, &c, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_spread (db, c.person_group, "police", &err), MT_OK, &err);
    mt_notice_row_t row;
    MT_CHECK_RC (mt_casedb_notice_get (db, m4, f, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.decision, "confirmed") == 0 && !row.told_at [0]);
    //  (m1 and m2, whose pairs stand confirmed, get theirs as well)
    MT_CHECK_RC (mt_casedb_notice_get (db, m2, f, &row, &err), MT_OK, &err);
    MT_CHECK (strcmp (row.decision, "confirmed") == 0);
    //  Unlinked again: m4's own pair is pending, not at what it was to be
    //  told; m1's stands at it.
    MT_CHECK_RC (mt_casedb_same_decide (db, m1, m4, "different", "another child", true, "admin",
                                        &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_unspread (db, m1, m4, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_notice_get (db, m4, f, &row, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_notice_get (db, m1, f, &row, &err), MT_OK, &err);
    mt_casedb_close (&db);
}

int
main (void)
{
    MT_RUN (test_decisions);
    MT_RUN (test_floor_per_side);
    MT_RUN (test_rivals);
    MT_RUN (test_rounds);
    MT_RUN (test_queue_and_erasure);
    MT_RUN (test_notices);
    MT_RUN (test_linked_reports);
    return MT_TEST_MAIN_END ();
}
