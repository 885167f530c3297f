//  results_review - the API's methods for police liaisons and auditors:
//  candidate families, the queue, the audit log and its check (decisions
//  and their trail: results_workflow.c).

#include "results_actor.h"
#include "common/api_explain.h"

#include "common/api.h"
#include "results/case_view.h"
#include "results/results_pb.h"
#include "results/case_fields.h"
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

//  A candidate row as the API gives it (from the point of view of case_id,
//  or of the found case when case_id is 0), with the other case as the
//  caller may see it; NULL when out of memory. Its clients say what its
//  score means and its explanation in words (common/api_render).
Homeward__V1__Candidate *
results_candidate_pb (results_call_t *call, const mt_candidate_row_t *row, int64_t case_id)
{
    Homeward__V1__Candidate *item = malloc (sizeof *item);
    if (!item)
        return NULL;
    homeward__v1__candidate__init (item);
    int64_t other = row->missing_case == case_id ? row->found_case : row->missing_case;
    item->has_case_id = item->has_found_case = item->has_missing_case = 1;
    item->has_score = item->has_distance = item->has_evidence = item->has_families = 1;
    item->case_id = other, item->found_case = row->found_case;
    item->missing_case = row->missing_case;
    item->score = row->score, item->distance = row->distance;
    item->evidence = round (row->evidence * 100) / 100;
    item->families = row->families;
    if (isfinite (row->rivals))
        item->has_rivals = 1, item->rivals = round (row->rivals * 100) / 100;
    //  Below the floor: shown only when asked for, never queued.
    if (strcmp (row->state, "pending") == 0 && row->evidence < call->self->config->candidate_floor)
        item->has_weaker = item->weaker = 1;
    bool failed = !(item->state = strdup (row->state))
               || !(item->updated_at = strdup (row->updated_at));
    if (row->explanation && row->explanation_size > 0) {
        item->explanation.data = malloc (row->explanation_size);
        failed |= !item->explanation.data;
        if (item->explanation.data) {
            memcpy (item->explanation.data, row->explanation, row->explanation_size);
            item->explanation.len = row->explanation_size;
            item->has_explanation = 1;
        }
    }
    else
    if (row->explanation_text && *row->explanation_text)
        failed |= !(item->explanation_text = strdup (row->explanation_text));
    mt_case_t c;
    if (mt_casedb_case_get (call->self->db, other, &c, NULL) == MT_OK)
        failed |= !(item->case_ = results_case_view (&c, results_sight_of (call, &c)
                                                         == RESULTS_SEE_ALL));
    if (case_id == 0 && mt_casedb_case_get (call->self->db, row->found_case, &c, NULL) == MT_OK)
        failed |= !(item->found = results_case_view (&c, results_sight_of (call, &c)
                                                         == RESULTS_SEE_ALL));
    if (failed) {
        protobuf_c_message_free_unpacked (&item->base, NULL);
        return NULL;
    }
    return item;
}

//  A page of a case's candidates (api.proto's candidates).
int
results_m_candidates (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__CandidatesParams *params = call->request->candidates;
    int64_t id = params->case_id;
    int limit = params->has_limit ? params->limit : 20;
    int offset = params->has_offset ? params->offset : 0;
    int rc = MT_OK;
    if (limit < 1 || limit > 500 || offset < 0)
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
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
        rc = mt_casedb_candidates (call->self->db, id, floor, params->has_weaker
                                   && params->weaker, (size_t) limit, (size_t) offset, &rows,
                                   &count, &below, err);
    if (rc != MT_OK)
        return rc;
    Homeward__V1__CandidateList *list = malloc (sizeof *list);
    Homeward__V1__Candidate **items = calloc (count ? count : 1, sizeof *items);
    int64_t *shown = calloc (count ? count : 1, sizeof *shown);
    if (list) {
        homeward__v1__candidate_list__init (list);
        list->has_case_id = list->has_limit = list->has_offset = 1;
        list->has_floor = list->has_weaker = 1;
        list->case_id = id, list->limit = limit, list->offset = offset;
        list->floor = floor, list->weaker = below;
        list->candidates = items;
        call->answer = &list->base;
    }
    for (size_t i = 0; list && items && i < count; i++) {
        if (!(items [i] = results_candidate_pb (call, &rows [i], id)))
            break;
        list->n_candidates = i + 1;
        if (shown)
            shown [i] = rows [i].found_case == id ? rows [i].missing_case : rows [i].found_case;
    }
    mt_casedb_candidates_free (rows, count);
    if (!list || !items || list->n_candidates < count) {
        if (!list)
            free (items);
        free (shown);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    results_audit_read (call, "candidates.read", id, shown, shown ? count : 0);
    free (shown);
    return MT_OK;
}

//  The review queue (api.proto's queue): the pairs waiting, best first,
//  each with its found case.
int
results_m_queue (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__QueueParams *params = call->request->queue;
    int limit = params->has_limit ? params->limit : 50;
    int offset = params->has_offset ? params->offset : 0;
    int province = params->has_province ? params->province : 0;
    int rc = results_may_review (call, "the review queue", err);
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
    bool failed = false;
    Homeward__V1__ReviewQueue *queue = results_pb_new (&homeward__v1__review_queue__descriptor,
                                                       &failed);
    int64_t *shown = calloc (count ? 2 * count : 1, sizeof *shown);
    if (queue) {
        queue->has_limit = queue->has_offset = queue->has_total = 1;
        queue->has_floor = queue->has_below_floor = 1;
        queue->limit = limit, queue->offset = offset, queue->total = total;
        queue->floor = floor, queue->below_floor = below;
        queue->pairs = calloc (count ? count : 1, sizeof *queue->pairs);
        failed |= queue->pairs == NULL;
    }
    for (size_t i = 0; !failed && i < count; i++) {
        failed |= !(queue->pairs [i] = results_candidate_pb (call, &rows [i], 0));
        queue->n_pairs = i + 1;
        if (shown)
            shown [2 * i] = rows [i].found_case, shown [2 * i + 1] = rows [i].missing_case;
    }
    mt_casedb_candidates_free (rows, count);
    rc = results_pb_answer (&call->answer, &queue->base, failed || !shown, err);
    if (rc == MT_OK)
        results_audit_read (call, "queue.read", 0, shown, 2 * count);
    free (shown);
    return rc;
}

//  A page of the audit log (api.proto's audit_list).
int
results_m_audit (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__AuditParams *params = call->request->audit_list;
    int limit = params->has_limit ? params->limit : 100;
    int offset = params->has_offset ? params->offset : 0;
    int rc = results_may_administer (call, "the audit log", err);
    if (rc == MT_OK && (limit < 1 || limit > 1000 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..1000 and offset not negative");
    mt_audit_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_audit_list (call->self->db, params->case_id, (size_t) limit,
                                   (size_t) offset, &rows, &count, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__AuditLog *log = results_pb_new (&homeward__v1__audit_log__descriptor, &failed);
    if (log)
        log->entries = results_audit_pb (rows, count, &log->n_entries, &failed);
    mt_audit_rows_free (rows, count);
    return results_pb_answer (&call->answer, log ? &log->base : NULL, failed, err);
}

//  Another service records an action in the audit log (the gateway: users;
//  api.proto's audit_add).
int
results_m_audit_add (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__AuditAdd *params = call->request->audit_add;
    const char *action = params->action;
    //  The gateway's own entries: account changes, sign-ins, refusals.
    if (!action || (strncmp (action, "user.", 5) != 0 && strncmp (action, "session.", 8) != 0
                    && strcmp (action, "refused") != 0))
        return mt_err_set (err, MT_EINVAL, "only user.* and session.* actions and refusals are "
                           "recorded from outside");
    int rc = mt_casedb_audit (call->self->db, call->actor, action, params->object,
                              params->detail, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__Nothing *done = results_pb_new (&homeward__v1__nothing__descriptor, &failed);
    return results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
}

//  The audit log's hash chain checked (api.proto's audit_verify).
int
results_m_audit_verify (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__AuditParams *params = call->request->audit_verify;
    int rc = results_may_administer (call, "the audit log", err);
    if (rc != MT_OK)
        return rc;
    mt_audit_check_t check = { .anchor_id = params->anchor_id };
    snprintf (check.anchor_hash, sizeof check.anchor_hash, "%s",
              params->anchor_hash ? params->anchor_hash : "");
    rc = mt_casedb_audit_verify (call->self->db, &check, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__AuditCheck *c = results_pb_new (&homeward__v1__audit_check__descriptor,
                                                  &failed);
    if (c) {
        c->has_intact = c->has_entries = c->has_head_id = 1;
        c->intact = check.broken_id == 0;
        c->entries = check.entries, c->head_id = check.head_id;
        c->head = results_pb_text (check.head, &failed);
        if (check.broken_id) {
            c->has_broken_id = 1, c->broken_id = check.broken_id;
            c->reason = results_pb_text (check.reason, &failed);
        }
    }
    return results_pb_answer (&call->answer, c ? &c->base : NULL, failed, err);
}
