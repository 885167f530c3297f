//  results_workflow - the API's methods of the review workflow: a decision
//  on a pair (answered 409 with the states allowed when the workflow does
//  not allow it), the trail, an administrator's reopening of a case, and
//  the pair as the side-by-side view shows it, to police liaisons whole and
//  to station staff who hold one side without the other side's personal
//  data. The rules are the case store's (mt_casedb_workflow.c).

#include "results/results_call.h"

#include "results/case_fields.h"
#include "results/case_view.h"
#include "results/results_pb.h"
#include "common/api_render.h"
#include "results/results_access.h"
#include "results/results_score.h"
#include "results/results_notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The states a pair may move to from state (for people: none on a closed
//  case), into to (8 at most); how many.
static size_t
s_allowed (const char *state, bool open, const char **to)
{
    return open ? mt_review_next (state, to, 8) : 0;
}

//  Which of those need a note, into to; how many.
static size_t
s_needs_note (const char *state, const char **to)
{
    const char *next [8];
    size_t n = mt_review_next (state, next, 8), count = 0;
    for (size_t i = 0; i < n; i++)
        if (mt_review_needs_note (state, next [i]))
            to [count++] = next [i];
    return count;
}

//  The found and the missing case of a pair given in either order.
static int
s_pair_cases (results_call_t *call, int64_t a, int64_t b, mt_case_t *found, mt_case_t *missing,
              mt_err_t *err)
{
    mt_case_t x, y;
    int rc = mt_casedb_case_get (call->self->db, a, &x, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, b, &y, err);
    if (rc == MT_OK && x.kind == y.kind)
        rc = mt_err_set (err, MT_EINVAL, "cases %lld and %lld are both %s cases", (long long) a,
                         (long long) b, mt_case_kind_name (x.kind));
    if (rc == MT_OK) {
        *found = x.kind == MT_KIND_FOUND ? x : y;
        *missing = x.kind == MT_KIND_FOUND ? y : x;
    }
    return rc;
}

//  The review of found / missing made on the other pairs of their linked
//  groups (each kept, audited and scored as its own), where a pair exists
//  and the workflow allows the move; a reunion closes the linked records.
//  Inside the decision's transaction: all of it holds, or none.
static int
s_review_linked (results_call_t *call, const mt_case_t *found, const mt_case_t *missing,
                 const mt_review_t *review, mt_err_t *err)
{
    mt_casedb_t *db = call->self->db;
    int64_t *fs = NULL, *ms = NULL;
    size_t nf = 0, nm = 0;
    int rc = mt_casedb_same_group (db, found->id, &fs, &nf, err);
    if (rc == MT_OK)
        rc = mt_casedb_same_group (db, missing->id, &ms, &nm, err);
    for (size_t i = 0; rc == MT_OK && i < nf; i++)
        for (size_t j = 0; rc == MT_OK && j < nm; j++) {
            mt_candidate_row_t row;
            if ((fs [i] == found->id && ms [j] == missing->id)
            ||  mt_casedb_candidate_get (db, fs [i], ms [j], &row, NULL) != MT_OK)
                continue;
            mt_casedb_candidate_free (&row);
            //  A pair the workflow does not let move stays where it is.
            mt_review_t same = *review;
            mt_err_t why;
            int moved = mt_casedb_review (db, fs [i], ms [j], &same, call->actor, &why);
            if (moved != MT_OK && moved != MT_ECONFLICT)
                rc = mt_err_copy (err, moved, &why);
            if (moved == MT_OK && fs [i] != found->id)
                rc = results_rescore_found (db, &call->self->model, fs [i], -1, err);
        }
    //  A person reunited: their other records close with them (the reunion
    //  closed the pair's two cases).
    for (size_t side = 0; rc == MT_OK && strcmp (review->state, "reunited") == 0 && side < 2;
         side++)
        for (size_t i = 0; rc == MT_OK && i < (side ? nm : nf); i++) {
            int64_t id = side ? ms [i] : fs [i];
            mt_case_t c;
            char reason [96];
            snprintf (reason, sizeof reason, "reunited: the same person as case %lld",
                      (long long) (side ? missing->id : found->id));
            if (id != found->id && id != missing->id
            &&  (rc = mt_casedb_case_get (db, id, &c, err)) == MT_OK
            &&  strcmp (c.state, "open") == 0)
                rc = mt_casedb_case_close (db, id, reason, call->actor, err);
        }
    free (fs);
    free (ms);
    return rc;
}

//  A decision on a pair (api.proto's review).
int
results_m_review (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__ReviewParams *params = call->request->review;
    int64_t a = params->case_id, b = params->candidate;
    char object [80];
    snprintf (object, sizeof object, "case %lld / case %lld", (long long) a, (long long) b);
    int rc = results_may_review (call, object, err);
    if (rc != MT_OK)
        return rc;
    mt_review_t review = { .state = params->state, .note = params->note,
                           .dna_ref = params->dna_ref };
    //  The decision, its spread to linked records and the scores after it
    //  are one transaction: a crash between them loses none of it half.
    mt_casedb_t *db = call->self->db;
    rc = mt_casedb_begin (db, err);
    if (rc != MT_OK)
        return rc;
    mt_case_t found, missing;
    char from [16] = "", state [16] = "";
    bool cases = s_pair_cases (call, a, b, &found, &missing, NULL) == MT_OK;
    if (cases)
        mt_casedb_pair_state (db, found.id, missing.id, from, NULL);
    rc = mt_casedb_review (db, a, b, &review, call->actor, err);
    if (cases)
        mt_casedb_pair_state (db, found.id, missing.id, state, NULL);
    bool open = cases && strcmp (found.state, "open") == 0 && strcmp (missing.state, "open") == 0;
    const char *allowed [8];
    size_t n = s_allowed (state, open, allowed);
    //  Refused by the workflow: where the pair is, and what it may become.
    if (rc == MT_ECONFLICT && cases) {
        snprintf (call->refused.state, sizeof call->refused.state, "%s", state);
        call->refused.count = n;
        memcpy (call->refused.allowed, allowed, n * sizeof allowed [0]);
    }
    //  Linked records are one person and one family group: the decision
    //  holds for their other pairs too, where the workflow allows it.
    if (rc == MT_OK && cases && (found.person_group || missing.person_group))
        rc = s_review_linked (call, &found, &missing, &review, err);
    //  The families who must hear of it: the report's and its linked reports'.
    if (rc == MT_OK && cases)
        rc = results_notice_decision (call, &found, &missing, from, state, err);
    //  The found person's families compete anew (a rejected one drops out).
    if (rc == MT_OK && cases)
        rc = results_rescore_found (db, &call->self->model, found.id, -1, err);
    rc = mt_casedb_commit (db, rc, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__ReviewDone *done = results_pb_new (&homeward__v1__review_done__descriptor,
                                                     &failed);
    if (done) {
        done->state = results_pb_text (state, &failed);
        done->allowed = results_pb_texts (allowed, n, &failed);
        done->n_allowed = done->allowed ? n : 0;
    }
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}

//  A case's or a pair's review trail (api.proto's reviews).
int
results_m_reviews (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__PairParams *params = call->request->reviews;
    int64_t id = params->case_id, other = params->candidate;
    mt_case_t c;
    results_sight sight;
    int rc = mt_casedb_case_get (call->self->db, id, &c, err);
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    if (rc == MT_OK && sight != RESULTS_SEE_ALL) {
        mt_err_set (err, MT_EFORBIDDEN, "the review trail of case %lld is its station's to see",
                    (long long) id);
        rc = results_refused (call, object, err);
    }
    mt_review_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_trail (call->self->db, id, other, &rows, &count, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__ReviewTrail *trail = results_pb_new (&homeward__v1__review_trail__descriptor,
                                                       &failed);
    //  A liaison's notes may name the other side's family: not for staff.
    if (trail)
        trail->reviews = results_trail_pb (rows, count, !results_is_staff (call),
                                           &trail->n_reviews, &failed);
    free (rows);
    rc = results_pb_answer (&call->answer, trail ? &trail->base : NULL, failed, err);
    if (rc == MT_OK)
        results_audit_read (call, "trail.read", id, &other, 1);
    return rc;
}

//  An administrator reopens a case, with a reason (api.proto's
//  case_reopen).
int
results_m_case_reopen (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__CaseChange *params = call->request->case_reopen;
    int64_t id = params->case_id;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    int rc = results_may_administer (call, object, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_reopen (call->self->db, id, params->reason, call->actor, err);
    return rc == MT_OK ? results_case_changed (call, id, "reopened", err) : rc;
}

//  A side of a pair as the caller may see it: whole, its facts, or (a
//  pair rejected since, with another station's case) only what it is.
static Homeward__V1__CaseView *
s_side (const mt_case_t *c, results_sight sight, bool *failed)
{
    Homeward__V1__CaseView *view = NULL;
    if (sight != RESULTS_SEE_NONE)
        view = results_case_view (c, sight == RESULTS_SEE_ALL);
    else
    if ((view = results_pb_new (&homeward__v1__case_view__descriptor, failed))) {
        view->has_case_id = view->has_redacted = view->redacted = 1;
        view->case_id = c->id;
        view->kind = results_pb_text (mt_case_kind_name (c->kind), failed);
    }
    *failed |= view == NULL;
    return view;
}

//  A pair as the side-by-side view shows it (api.proto's pair_get).
int
results_m_pair_get (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__PairParams *params = call->request->pair_get;
    mt_case_t found, missing;
    int rc = s_pair_cases (call, params->case_id, params->candidate, &found, &missing, err);
    if (rc != MT_OK)
        return rc;
    results_sight sf = results_sight_of (call, &found), sm = results_sight_of (call, &missing);
    char object [80];
    snprintf (object, sizeof object, "found %lld / missing %lld", (long long) found.id,
              (long long) missing.id);
    //  Staff see a pair that holds one of their station's cases.
    if (sf != RESULTS_SEE_ALL && sm != RESULTS_SEE_ALL) {
        mt_err_set (err, MT_EFORBIDDEN, "neither case of the pair belongs to your station");
        return results_refused (call, object, err);
    }
    mt_candidate_row_t row;
    rc = mt_casedb_candidate_get (call->self->db, found.id, missing.id, &row, err);
    if (rc != MT_OK)
        return rc;
    mt_review_row_t *trail = NULL;
    size_t count = 0;
    rc = mt_casedb_trail (call->self->db, found.id, missing.id, &trail, &count, err);
    if (rc != MT_OK) {
        mt_casedb_candidate_free (&row);
        return rc;
    }
    bool open = strcmp (found.state, "open") == 0 && strcmp (missing.state, "open") == 0;
    bool reviewer = !results_is_staff (call), failed = false;
    Homeward__V1__PairView *view = results_pb_new (&homeward__v1__pair_view__descriptor,
                                                   &failed);
    if (view) {
        view->found = s_side (&found, sf, &failed);
        view->missing = s_side (&missing, sm, &failed);
        //  The pair without its other side: found and missing say both.
        if ((view->pair = results_candidate_pb (call, &row, found.id))) {
            if (view->pair->case_)
                protobuf_c_message_free_unpacked (&view->pair->case_->base, NULL);
            view->pair->case_ = NULL;
        }
        failed |= view->pair == NULL;
        view->trail = results_trail_pb (trail, count, reviewer, &view->n_trail, &failed);
        const char *states [8];
        size_t n = reviewer ? s_allowed (row.state, open, states) : 0;
        view->allowed = results_pb_texts (states, n, &failed);
        view->n_allowed = view->allowed ? n : 0;
        n = s_needs_note (row.state, states);
        view->needs_note = results_pb_texts (states, n, &failed);
        view->n_needs_note = view->needs_note ? n : 0;
        view->has_open = 1, view->open = open;
    }
    free (trail);
    mt_casedb_candidate_free (&row);
    rc = results_pb_answer (&call->answer, view ? &view->base : NULL, failed, err);
    int64_t other = missing.id;
    if (rc == MT_OK)
        results_audit_read (call, "pair.read", found.id, &other, 1);
    return rc;
}
