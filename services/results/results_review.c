//  results_review - the API's methods for police liaisons and auditors:
//  candidate families, reviews, the queue, the audit log and its check.

#include "results_actor.h"

#include "common/api.h"
#include "results/case_json.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "face/mt_image.h"
#include "face/mt_quality.h"
#include "base/mt_log.h"
#include "results/store/mt_rank.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "results"

//  A candidate row as the API shows it (from the point of view of case_id,
//  or of the found case when case_id is 0), with the other case's facts and
//  what its score means in plain words.
static json_t *
s_candidate_json (results_state_t *self, const mt_candidate_row_t *row, int64_t case_id)
{
    int64_t other = row->missing_case == case_id ? row->found_case : row->missing_case;
    json_t *item = json_pack ("{s:I, s:I, s:I, s:f, s:f, s:s, s:s, s:f, s:I}", "case_id",
                              (json_int_t) other, "found_case", (json_int_t) row->found_case,
                              "missing_case", (json_int_t) row->missing_case,
                              "score", row->score, "distance", row->distance,
                              "state", row->state, "updated_at", row->updated_at,
                              "evidence", round (row->evidence * 100) / 100,
                              "families", (json_int_t) row->families);
    if (isfinite (row->rivals))
        json_object_set_new (item, "rivals", json_real (round (row->rivals * 100) / 100));
    //  A rate, never a certainty: "fewer than 1", "about N", "more than 99".
    char meaning [256], rate [32];
    int percent = (int) lround (row->score * 100);
    if (percent < 1 || percent > 99)
        snprintf (rate, sizeof rate, "%s", percent < 1 ? "fewer than 1" : "more than 99");
    else
        snprintf (rate, sizeof rate, "about %d", percent);
    snprintf (meaning, sizeof meaning, "In tests with thousands of labelled families, %s in 100 "
              "candidate families scored like this were the true one (%lld families searched "
              "here). Only a DNA test decides.", rate, (long long) row->families);
    json_object_set_new (item, "meaning", json_string (meaning));
    json_error_t jerr;
    json_t *explanation = json_loads (row->explanation, 0, &jerr);
    if (explanation)
        json_object_set_new (item, "explanation", explanation);
    mt_case_t c;
    if (mt_casedb_case_get (self->db, other, &c, NULL) == MT_OK)
        json_object_set_new (item, "case", results_case_json (&c));
    if (case_id == 0 && mt_casedb_case_get (self->db, row->found_case, &c, NULL) == MT_OK)
        json_object_set_new (item, "found", results_case_json (&c));
    return item;
}

int
results_m_candidates (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    int limit = 20, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_candidates (call->self->db, id, (size_t) limit, (size_t) offset, &rows,
                                   &count, err);
    if (rc != MT_OK)
        return rc;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, s_candidate_json (call->self, &rows [i], id));
    mt_casedb_candidates_free (rows, count);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    mt_casedb_audit (call->self->db, call->actor, "candidates.read", object, NULL, NULL);
    call->result = json_pack ("{s:I, s:o, s:i, s:i}", "case_id", (json_int_t) id,
                              "candidates", list, "limit", limit, "offset", offset);
    return MT_OK;
}

int
results_m_review (results_call_t *call, mt_err_t *err)
{
    int rc = mt_casedb_review (call->self->db, results_call_id (call->params, "case_id"),
                               results_call_id (call->params, "candidate"),
                               json_string_value (json_object_get (call->params, "state")),
                               json_string_value (json_object_get (call->params, "note")),
                               call->actor, err);
    //  The found case's families compete anew (a rejected one drops out).
    mt_case_t a;
    int64_t case_id = results_call_id (call->params, "case_id");
    if (rc == MT_OK && mt_casedb_case_get (call->self->db, case_id, &a, err) == MT_OK
    &&  mt_casedb_begin (call->self->db, err) == MT_OK) {
        int64_t found = a.kind == MT_KIND_FOUND ? case_id
                      : results_call_id (call->params, "candidate");
        rc = mt_casedb_commit (call->self->db, results_rescore_found (call->self->db,
                               &call->self->model, found, err), err);
    }
    if (rc == MT_OK) {
        call->result = json_pack ("{s:s}", "state",
                                  json_string_value (json_object_get (call->params, "state")));
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_reviews (results_call_t *call, mt_err_t *err)
{
    char *text;
    int rc = mt_casedb_reviews_json (call->self->db, results_call_id (call->params, "case_id"),
                                     results_call_id (call->params, "candidate"), &text, err);
    if (rc == MT_OK) {
        json_error_t jerr;
        call->result = json_pack ("{s:o}", "reviews", json_loads (text, 0, &jerr));
        free (text);
    }
    return rc;
}

int
results_m_queue (results_call_t *call, mt_err_t *err)
{
    int limit = 50, offset = 0, province = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "province", &province, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_queue (call->self->db, province, (size_t) limit, (size_t) offset, &rows,
                              &count, err);
    if (rc != MT_OK)
        return rc;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, s_candidate_json (call->self, &rows [i], 0));
    mt_casedb_candidates_free (rows, count);
    mt_casedb_audit (call->self->db, call->actor, "queue.read", NULL, NULL, NULL);
    call->result = json_pack ("{s:o, s:i, s:i}", "pairs", list, "limit", limit, "offset", offset);
    return MT_OK;
}

int
results_m_audit (results_call_t *call, mt_err_t *err)
{
    int limit = 100, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 1000 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..1000 and offset not negative");
    char *text = NULL;
    if (rc == MT_OK)
        rc = mt_casedb_audit_json (call->self->db, results_call_id (call->params, "case_id"),
                                   (size_t) limit, (size_t) offset, &text, err);
    if (rc == MT_OK) {
        json_error_t jerr;
        call->result = json_pack ("{s:o}", "entries", json_loads (text, 0, &jerr));
        free (text);
    }
    return rc;
}

//  Another service records an action in the audit log (the gateway: users).
int
results_m_audit_add (results_call_t *call, mt_err_t *err)
{
    const char *action = json_string_value (json_object_get (call->params, "action"));
    //  The gateway's own entries: account changes and sign-ins.
    if (!action || (strncmp (action, "user.", 5) != 0 && strncmp (action, "session.", 8) != 0))
        return mt_err_set (err, MT_EINVAL,
                           "only user.* and session.* actions are recorded from outside");
    int rc = mt_casedb_audit (call->self->db, call->actor, action,
                              json_string_value (json_object_get (call->params, "object")),
                              json_string_value (json_object_get (call->params, "detail")), err);
    if (rc == MT_OK)
        call->result = json_object ();
    return rc;
}

int
results_m_audit_verify (results_call_t *call, mt_err_t *err)
{
    mt_audit_check_t check = { .anchor_id = results_call_id (call->params, "anchor_id") };
    const char *hash = json_string_value (json_object_get (call->params, "anchor_hash"));
    snprintf (check.anchor_hash, sizeof check.anchor_hash, "%s", hash ? hash : "");
    int rc = mt_casedb_audit_verify (call->self->db, &check, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b, s:I, s:I, s:s}", "intact", check.broken_id == 0,
                                  "entries", (json_int_t) check.entries,
                                  "head_id", (json_int_t) check.head_id, "head", check.head);
        if (check.broken_id) {
            json_object_set_new (call->result, "broken_id", json_integer (check.broken_id));
            json_object_set_new (call->result, "reason", json_string (check.reason));
        }
    }
    return rc;
}
