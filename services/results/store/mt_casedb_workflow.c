//  mt_casedb_workflow - the review workflow of candidate pairs: which moves
//  are allowed from each state, a decision recorded with its trail, a
//  reunion that closes both cases, an administrator's reopening, and the
//  trail read back. The rules live here, in the store's transaction, so
//  that no client (web app, API, CLI) can go around them.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- the rules

typedef struct {
    const char *from, *to;
    bool note;                      //  the move needs a note
} s_move_t;

//  Only a DNA test confirms a match; the undo of a rejection and the two
//  decisions that change a family's life need a note.
static const s_move_t s_moves [] = {
    { "pending", "dna_requested", false },
    { "pending", "rejected", false },
    { "dna_requested", "confirmed", true },       //  DNA matched
    { "dna_requested", "rejected", false },       //  DNA did not match
    { "rejected", "pending", true },              //  a liaison's undo
    { "confirmed", "reunited", true },
};
#define S_MOVES (sizeof s_moves / sizeof s_moves [0])

static const char *const s_states [] = {
    "pending", "rejected", "dna_requested", "confirmed", "reunited"
};

static const s_move_t *
s_move (const char *from, const char *to)
{
    for (size_t i = 0; i < S_MOVES; i++)
        if (strcmp (s_moves [i].from, from) == 0 && strcmp (s_moves [i].to, to) == 0)
            return &s_moves [i];
    return NULL;
}

size_t
mt_review_next (const char *from, const char **to, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; from && i < S_MOVES && n + 1 < max; i++)
        if (strcmp (s_moves [i].from, from) == 0)
            to [n++] = s_moves [i].to;
    if (max > 0)
        to [n] = NULL;
    return n;
}

bool
mt_review_needs_note (const char *from, const char *to)
{
    const s_move_t *move = s_move (from, to);
    return move && move->note;
}

//  "dna_requested or rejected", for a message.
static void
s_next_text (const char *from, char *out, size_t size)
{
    const char *to [8];
    size_t n = mt_review_next (from, to, 8);
    out [0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf (out + strlen (out), size - strlen (out), "%s%s",
                  i == 0 ? "" : i + 1 == n ? " or " : ", ", to [i]);
    if (n == 0)
        snprintf (out, size, "nothing (it is final)");
}

//  ---------------------------------------------------------------- a decision

int
mt_casedb_pair_state (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                      char state [16], mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT state FROM candidates"
                                                 " WHERE found_case = ? AND missing_case = ?",
                                           err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, found_case);
    mti_sql_bind_int64 (stmt, 2, missing_case);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        mti_db_copy (state, 16, mti_sql_column_text (stmt, 0));
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "case %lld was never a candidate for case %lld",
                         (long long) missing_case, (long long) found_case);
    mti_sql_finalize (stmt);
    return rc;
}

//  Another pair of the found person that a confirmation would contradict:
//  one with a DNA test under way or confirmed already, with a report of
//  another person (a report linked with this one is of the same person:
//  two relatives' reports of one child are confirmed together).
static int
s_rival_pair (mt_casedb_t *self, int64_t found, int64_t missing, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT k.missing_case, k.state FROM candidates k JOIN cases c ON c.id = k.missing_case"
        " WHERE k.found_case = ?1 AND k.missing_case != ?2"
        " AND k.state IN ('dna_requested', 'confirmed')"
        " AND (c.person_group IS NULL OR c.person_group != COALESCE ((SELECT person_group"
        "  FROM cases WHERE id = ?2), 0))"
        " ORDER BY k.missing_case LIMIT 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, found);
    mti_sql_bind_int64 (stmt, 2, missing);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        long long other = (long long) mti_sql_column_int64 (stmt, 0);
        if (strcmp ((const char *) mti_sql_column_text (stmt, 1), "confirmed") == 0)
            rc = mt_err_set (err, MT_ECONFLICT, "found person %lld is confirmed with report "
                             "%lld already: a person is confirmed with one family",
                             (long long) found, other);
        else
            rc = mt_err_set (err, MT_ECONFLICT, "found person %lld has a DNA test under way "
                             "with report %lld: record its result first", (long long) found,
                             other);
    }
    mti_sql_finalize (stmt);
    return rc;
}

//  Append a trail entry for the pair.
static int
s_trail_add (mt_casedb_t *self, int64_t found, int64_t missing, const char *from,
             const char *to, const char *event, const char *note, const char *dna_ref,
             const char *actor, const char *now, int64_t *id_p, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO reviews (found_case, missing_case, state, note, actor, at, from_state,"
        " dna_ref, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, found);
    mti_sql_bind_int64 (stmt, 2, missing);
    mti_sql_bind_text (stmt, 3, to, -1);
    mti_db_bind_text (stmt, 4, note);
    mti_sql_bind_text (stmt, 5, actor && *actor ? actor : "unknown", -1);
    mti_sql_bind_text (stmt, 6, now, -1);
    mti_sql_bind_text (stmt, 7, from, -1);
    mti_db_bind_text (stmt, 8, dna_ref);
    mti_sql_bind_text (stmt, 9, event, -1);
    int rc = MT_OK;
    if (mti_sql_step (stmt) != MTI_SQL_ROW)
        rc = mti_db_fail (self, MT_EIO, err, "review");
    else
        *id_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    return rc;
}

static int
s_pair_set (mt_casedb_t *self, int64_t found, int64_t missing, const char *state,
            const char *now, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE candidates SET state = ?, updated_at = ?"
                                                 " WHERE found_case = ? AND missing_case = ?",
                                           err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_text (stmt, 1, state, -1);
    mti_sql_bind_text (stmt, 2, now, -1);
    mti_sql_bind_int64 (stmt, 3, found);
    mti_sql_bind_int64 (stmt, 4, missing);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "review");
    mti_sql_finalize (stmt);
    return rc;
}

//  The checks of a decision that need the pair's state (in the transaction).
static int
s_check (mt_casedb_t *self, const mt_case_t *found, const mt_case_t *missing, const char *from,
         const mt_review_t *review, mt_err_t *err)
{
    char next [96];
    s_next_text (from, next, sizeof next);
    const mt_case_t *closed = strcmp (found->state, "open") != 0 ? found
                            : strcmp (missing->state, "open") != 0 ? missing : NULL;
    if (closed)
        return mt_err_set (err, MT_ECONFLICT, "case %lld is closed (%s): its pairs take no more "
                           "reviews unless an administrator reopens it", (long long) closed->id,
                           closed->closed_reason);
    if (strcmp (from, review->state) == 0)
        return mt_err_set (err, MT_ECONFLICT, "the pair is %s already; from here it may become "
                           "%s", from, next);
    if (!s_move (from, review->state)) {
        if (strcmp (review->state, "confirmed") == 0 || strcmp (review->state, "reunited") == 0)
            return mt_err_set (err, MT_ECONFLICT, "a pair that is %s cannot become %s: only a "
                               "DNA test confirms a match, and a family is reunited only after "
                               "it; from here it may become %s", from, review->state, next);
        return mt_err_set (err, MT_ECONFLICT, "a pair that is %s cannot become %s; from here "
                           "it may become %s", from, review->state, next);
    }
    if (mt_review_needs_note (from, review->state) && (!review->note || !*review->note))
        return mt_err_set (err, MT_EINVAL, "say why in a note: moving a pair from %s to %s "
                           "needs one", from, review->state);
    if (strcmp (review->state, "confirmed") == 0)
        return s_rival_pair (self, found->id, missing->id, err);
    return MT_OK;
}

int
mt_casedb_review (mt_casedb_t *self, int64_t case_a, int64_t case_b,
                  const mt_review_t *review, const char *actor, mt_err_t *err)
{
    bool known = false;
    for (size_t i = 0; review->state && i < sizeof s_states / sizeof s_states [0]; i++)
        known |= strcmp (review->state, s_states [i]) == 0;
    if (!known)
        return mt_err_set (err, MT_EINVAL, "review state '%s' is not one of pending, rejected, "
                           "dna_requested, confirmed, reunited",
                           review->state ? review->state : "");
    int rc = mti_text_ok (review->note, "note", MT_REVIEW_NOTE_CHARS, err);
    if (rc == MT_OK)
        rc = mti_text_ok (review->dna_ref, "DNA reference", MT_REVIEW_REF_CHARS, err);
    mt_case_t a, b;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (self, case_a, &a, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (self, case_b, &b, err);
    if (rc != MT_OK)
        return rc;
    if (a.kind == b.kind)
        return mt_err_set (err, MT_EINVAL, "cases %lld and %lld are both %s cases",
                           (long long) case_a, (long long) case_b, mt_case_kind_name (a.kind));
    const mt_case_t *found = a.kind == MT_KIND_FOUND ? &a : &b;
    const mt_case_t *missing = a.kind == MT_KIND_FOUND ? &b : &a;
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    //  Read and checked inside the write transaction: two liaisons deciding
    //  on one person at once are taken one after the other.
    char from [16];
    rc = mt_casedb_pair_state (self, found->id, missing->id, from, err);
    if (rc == MT_OK)
        rc = s_check (self, found, missing, from, review, err);
    char now [32];
    mti_db_now (now, sizeof now);
    if (rc == MT_OK)
        rc = s_pair_set (self, found->id, missing->id, review->state, now, err);
    int64_t review_id = 0;
    if (rc == MT_OK)
        rc = s_trail_add (self, found->id, missing->id, from, review->state, "review",
                          review->note, review->dna_ref, actor, now, &review_id, err);
    //  The note stays in the review trail, not in the audit log: the log
    //  cannot be changed, and a note may name people that an erasure must
    //  be able to remove.
    char object [80], detail [96];
    snprintf (object, sizeof object, "found %lld / missing %lld", (long long) found->id,
              (long long) missing->id);
    snprintf (detail, sizeof detail, "%s -> %s (review %lld)", from, review->state,
              (long long) review_id);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "review", object, detail, err);
    if (rc == MT_OK && strcmp (review->state, "reunited") == 0) {
        char reason [80];
        snprintf (reason, sizeof reason, "reunited (found %lld, missing %lld)",
                  (long long) found->id, (long long) missing->id);
        rc = mt_casedb_case_close (self, found->id, reason, actor, err);
        if (rc == MT_OK)
            rc = mt_casedb_case_close (self, missing->id, reason, actor, err);
    }
    return mt_casedb_commit (self, rc, err);
}

//  ---------------------------------------------------------------- reunion and reopening

int
mt_casedb_reunion (mt_casedb_t *self, int64_t case_id, mt_reunion_t *reunion, mt_err_t *err)
{
    memset (reunion, 0, sizeof *reunion);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT CASE WHEN found_case = ?1 THEN missing_case ELSE found_case END, at, actor"
        " FROM reviews WHERE (found_case = ?1 OR missing_case = ?1) AND state = 'reunited'"
        " AND EXISTS (SELECT 1 FROM candidates k WHERE k.found_case = reviews.found_case"
        " AND k.missing_case = reviews.missing_case AND k.state = 'reunited')"
        " ORDER BY id DESC LIMIT 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        reunion->other_case = mti_sql_column_int64 (stmt, 0);
        mti_db_copy (reunion->at, sizeof reunion->at, mti_sql_column_text (stmt, 1));
        mti_db_copy (reunion->actor, sizeof reunion->actor, mti_sql_column_text (stmt, 2));
    }
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "case %lld was not reunited", (long long) case_id);
    mti_sql_finalize (stmt);
    return rc;
}

//  Open one closed case again: its faces back in matching. Faces already
//  taken out of the index are enrolled again by the next match; those of
//  removed photos stay out.
static int
s_reopen_case (mt_casedb_t *self, const mt_case_t *c, const char *reason, const char *actor,
               const char *now, mt_err_t *err)
{
    if (c->erased_level > 0 || c->erased_at [0])
        return mt_err_set (err, MT_ECONFLICT, "case %lld cannot be reopened: its photos and "
                           "faces were erased", (long long) c->id);
    int64_t level = -1, unused;
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT level, 0 FROM removal_queue WHERE case_id = %lld",
              (long long) c->id);
    if (mti_db_first (self, sql, &level, &unused, "nothing to count", NULL) == MT_OK
    &&  level > MT_ERASE_INDEX)
        return mt_err_set (err, MT_ECONFLICT, "case %lld cannot be reopened: it is being "
                           "erased", (long long) c->id);
    static const char *const steps [] = {
        "UPDATE cases SET state = 'open', closed_reason = NULL, closed_at = NULL,"
        " updated_at = ?2 WHERE id = ?1",
        //  Its removal from the index not done yet: the faces stay there.
        "DELETE FROM removal_queue WHERE case_id = ?1",
        "UPDATE faces SET removed = 0, enrolled = 0 WHERE case_id = ?1 AND removed = 1"
        " AND photo_id IN (SELECT id FROM photos WHERE removed_at IS NULL)",
    };
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < sizeof steps / sizeof steps [0]; i++) {
        mti_sql_stmt_t *stmt = mti_db_prepare (self, steps [i], err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int64 (stmt, 1, c->id);
        if (mti_sql_bind_parameter_count (stmt) >= 2)
            mti_sql_bind_text (stmt, 2, now, -1);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "reopen");
        mti_sql_finalize (stmt);
    }
    if (rc == MT_OK)
        rc = mt_casedb_match_enqueue (self, c->id, err);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) c->id);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "case.reopen", object, reason, err);
    return rc;
}

int
mt_casedb_case_reopen (mt_casedb_t *self, int64_t id, const char *reason, const char *actor,
                       mt_err_t *err)
{
    if (!reason || !*reason)
        return mt_err_set (err, MT_EINVAL, "reopening a case needs a reason");
    int rc = mti_text_ok (reason, "reason", MT_REVIEW_NOTE_CHARS, err);
    mt_case_t c, other;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (self, id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (c.state, "open") == 0)
        return mt_err_set (err, MT_ECONFLICT, "case %lld is open: there is nothing to reopen",
                           (long long) id);
    rc = mt_casedb_begin (self, err);
    if (rc != MT_OK)
        return rc;
    char now [32];
    mti_db_now (now, sizeof now);
    mt_reunion_t reunion;
    bool reunited = mt_casedb_reunion (self, id, &reunion, NULL) == MT_OK;
    rc = s_reopen_case (self, &c, reason, actor, now, err);
    //  A reunion is undone as a whole: the other case too, and the pair
    //  back to confirmed (the DNA result still stands).
    if (rc == MT_OK && reunited) {
        int64_t found = c.kind == MT_KIND_FOUND ? id : reunion.other_case;
        int64_t missing = c.kind == MT_KIND_FOUND ? reunion.other_case : id;
        int64_t review_id = 0;
        rc = mt_casedb_case_get (self, reunion.other_case, &other, err);
        if (rc == MT_OK && strcmp (other.state, "open") != 0)
            rc = s_reopen_case (self, &other, reason, actor, now, err);
        if (rc == MT_OK)
            rc = s_pair_set (self, found, missing, "confirmed", now, err);
        if (rc == MT_OK)
            rc = s_trail_add (self, found, missing, "reunited", "confirmed", "reopen", reason,
                              NULL, actor, now, &review_id, err);
        char object [80], detail [64];
        snprintf (object, sizeof object, "found %lld / missing %lld", (long long) found,
                  (long long) missing);
        snprintf (detail, sizeof detail, "reunited -> confirmed (review %lld)",
                  (long long) review_id);
        if (rc == MT_OK)
            rc = mt_casedb_audit (self, actor, "review", object, detail, err);
    }
    return mt_casedb_commit (self, rc, err);
}

//  ---------------------------------------------------------------- the trail

int
mt_casedb_trail (mt_casedb_t *self, int64_t case_a, int64_t case_b, mt_review_row_t **rows_p,
                 size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT id, found_case, missing_case, state, COALESCE (from_state, ''),"
        " COALESCE (event, 'review'), note, dna_ref, actor, at FROM reviews"
        " WHERE (found_case = ?1 OR missing_case = ?1)"
        " AND (?2 = 0 OR found_case = ?2 OR missing_case = ?2) ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_a);
    mti_sql_bind_int64 (stmt, 2, case_b);
    size_t size = 0;
    int rc = MT_OK;
    while (rc == MT_OK && mti_sql_step (stmt) == MTI_SQL_ROW) {
        if ((rc = mti_db_room (rows_p, *count_p, &size, sizeof **rows_p, 8, err)) != MT_OK)
            break;
        mt_review_row_t *r = &(*rows_p) [(*count_p)++];
        r->id = mti_sql_column_int64 (stmt, 0);
        r->found_case = mti_sql_column_int64 (stmt, 1);
        r->missing_case = mti_sql_column_int64 (stmt, 2);
        mti_db_copy (r->state, sizeof r->state, mti_sql_column_text (stmt, 3));
        mti_db_copy (r->from_state, sizeof r->from_state, mti_sql_column_text (stmt, 4));
        mti_db_copy (r->event, sizeof r->event, mti_sql_column_text (stmt, 5));
        mti_db_copy (r->note, sizeof r->note, mti_sql_column_text (stmt, 6));
        mti_db_copy (r->dna_ref, sizeof r->dna_ref, mti_sql_column_text (stmt, 7));
        mti_db_copy (r->actor, sizeof r->actor, mti_sql_column_text (stmt, 8));
        mti_db_copy (r->at, sizeof r->at, mti_sql_column_text (stmt, 9));
    }
    mti_sql_finalize (stmt);
    if (rc != MT_OK) {
        free (*rows_p);
        *rows_p = NULL;
        *count_p = 0;
    }
    return rc;
}
