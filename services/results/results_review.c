//  results_review - the API's methods for police liaisons and auditors:
//  candidate families, the queue, the audit log and its check (decisions
//  and their trail: results_workflow.c).

#include "results_actor.h"
#include "common/api_explain.h"

#include "common/api.h"
#include "results/case_json.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/results_access.h"
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
//  or of the found case when case_id is 0), with the other case's facts as
//  the caller may see them and what its score means in plain words.
json_t *
results_candidate_json (results_call_t *call, const mt_candidate_row_t *row, int64_t case_id)
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
    //  Below the floor: shown only when asked for, never queued.
    if (strcmp (row->state, "pending") == 0 && row->evidence < call->self->config->candidate_floor)
        json_object_set_new (item, "weaker", json_true ());
    json_t *explanation = api_explain_stored (row->explanation, row->explanation_size,
                                                  row->explanation_text);
    if (explanation)
        json_object_set_new (item, "explanation", explanation);
    mt_case_t c;
    if (mt_casedb_case_get (call->self->db, other, &c, NULL) == MT_OK)
        json_object_set_new (item, "case", results_case_json_for (&c,
                             results_sight_of (call, &c)));
    if (case_id == 0 && mt_casedb_case_get (call->self->db, row->found_case, &c, NULL) == MT_OK)
        json_object_set_new (item, "found", results_case_json_for (&c,
                             results_sight_of (call, &c)));
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
    json_t *weaker = json_object_get (call->params, "weaker");
    if (rc == MT_OK && weaker && !json_is_boolean (weaker))
        rc = mt_err_set (err, MT_EINVAL, "weaker must be true or false");
    //  A case's candidates: for those who see the case whole.
    mt_case_t c;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, id, &c, err);
    results_sight sight;
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    if (rc == MT_OK && sight != RESULTS_SEE_ALL) {
        mt_err_set (err, MT_EFORBIDDEN, "the candidates of case %lld are its station's to see",
                    (long long) id);
        rc = results_refused (call, object, err);
    }
    double floor = call->self->config->candidate_floor;
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    int64_t below = 0;
    if (rc == MT_OK)
        rc = mt_casedb_candidates (call->self->db, id, floor, json_is_true (weaker),
                                   (size_t) limit, (size_t) offset, &rows, &count, &below, err);
    if (rc != MT_OK)
        return rc;
    json_t *list = json_array ();
    int64_t *shown = calloc (count ? count : 1, sizeof *shown);
    for (size_t i = 0; i < count; i++) {
        json_array_append_new (list, results_candidate_json (call, &rows [i], id));
        if (shown)
            shown [i] = rows [i].found_case == id ? rows [i].missing_case : rows [i].found_case;
    }
    mt_casedb_candidates_free (rows, count);
    results_audit_read (call, "candidates.read", id, shown, shown ? count : 0);
    free (shown);
    call->result = json_pack ("{s:I, s:o, s:i, s:i, s:f, s:I}", "case_id", (json_int_t) id,
                              "candidates", list, "limit", limit, "offset", offset,
                              "floor", floor, "weaker", (json_int_t) below);
    return MT_OK;
}

int
results_m_queue (results_call_t *call, mt_err_t *err)
{
    int limit = 50, offset = 0, province = 0;
    int rc = results_may_review (call, "the review queue", err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "province", &province, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    double floor = call->self->config->candidate_floor;
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    int64_t below = 0, total = 0;
    if (rc == MT_OK)
        rc = mt_casedb_queue (call->self->db, province, floor, (size_t) limit, (size_t) offset,
                              &rows, &count, &below, err);
    if (rc == MT_OK)
        rc = mt_casedb_queue_count (call->self->db, province, floor, &total, err);
    if (rc != MT_OK) {
        mt_casedb_candidates_free (rows, count);
        return rc;
    }
    json_t *list = json_array ();
    int64_t *shown = calloc (count ? 2 * count : 1, sizeof *shown);
    for (size_t i = 0; i < count; i++) {
        json_array_append_new (list, results_candidate_json (call, &rows [i], 0));
        if (shown)
            shown [2 * i] = rows [i].found_case, shown [2 * i + 1] = rows [i].missing_case;
    }
    mt_casedb_candidates_free (rows, count);
    results_audit_read (call, "queue.read", 0, shown, shown ? 2 * count : 0);
    free (shown);
    call->result = json_pack ("{s:o, s:i, s:i, s:I, s:f, s:I}", "pairs", list, "limit", limit,
                              "offset", offset, "total", (json_int_t) total, "floor", floor,
                              "below_floor", (json_int_t) below);
    return MT_OK;
}

int
results_m_audit (results_call_t *call, mt_err_t *err)
{
    int limit = 100, offset = 0;
    int rc = results_may_administer (call, "the audit log", err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 1000 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..1000 and offset not negative");
    mt_audit_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_audit_list (call->self->db, results_call_id (call->params, "case_id"),
                                   (size_t) limit, (size_t) offset, &rows, &count, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:o}", "entries", results_audit_json (rows, count));
    mt_audit_rows_free (rows, count);
    return rc;
}

//  Another service records an action in the audit log (the gateway: users).
int
results_m_audit_add (results_call_t *call, mt_err_t *err)
{
    const char *action = json_string_value (json_object_get (call->params, "action"));
    //  The gateway's own entries: account changes, sign-ins, refusals.
    if (!action || (strncmp (action, "user.", 5) != 0 && strncmp (action, "session.", 8) != 0
                    && strcmp (action, "refused") != 0))
        return mt_err_set (err, MT_EINVAL, "only user.* and session.* actions and refusals are "
                           "recorded from outside");
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
    int rc = results_may_administer (call, "the audit log", err);
    if (rc != MT_OK)
        return rc;
    mt_audit_check_t check = { .anchor_id = results_call_id (call->params, "anchor_id") };
    const char *hash = json_string_value (json_object_get (call->params, "anchor_hash"));
    snprintf (check.anchor_hash, sizeof check.anchor_hash, "%s", hash ? hash : "");
    rc = mt_casedb_audit_verify (call->self->db, &check, err);
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
