//  results_notice - relatives to tell (issue 27): a decision on a found
//  person and a report that its family must hear of is recorded for the
//  report and every report linked with it (two relatives who reported one
//  child each hear of it, whichever report the police decided on), with
//  what to tell them in English and Chinese, until someone records that
//  they were told and how (notice.list, notice.told). Station staff see and
//  record their station's reports' (they know the families); police
//  liaisons and administrators every one.

#include "results_notice.h"

#include "results/case_view.h"
#include "results/results_access.h"
#include "results/results_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Whether a family hears of a move of its pair from `from` to `to`: a DNA
//  request (their sample is needed), a match confirmed, a reunion, and a
//  DNA test that ruled the person out; not a rejection the family never
//  heard of as a candidate.
static bool
s_told_of (const char *from, const char *to)
{
    return strcmp (to, "dna_requested") == 0 || strcmp (to, "confirmed") == 0
        || strcmp (to, "reunited") == 0
        || (strcmp (to, "rejected") == 0 && strcmp (from, "dna_requested") == 0);
}

int
results_notice_decision (results_call_t *call, const mt_case_t *found,
                         const mt_case_t *missing, const char *from, const char *to,
                         mt_err_t *err)
{
    if (!s_told_of (from, to))
        return MT_OK;
    int64_t *reports = NULL;
    size_t count = 0;
    int rc = mt_casedb_same_group (call->self->db, missing->id, &reports, &count, err);
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        //  At a reunion the family of the report decided on is there.
        if (strcmp (to, "reunited") != 0 || reports [i] != missing->id)
            rc = mt_casedb_notice_add (call->self->db, reports [i], found->id, to, call->actor,
                                       err);
    free (reports);
    return rc;
}

//  What to tell the family, in English and Chinese.
static void
s_text (const mt_notice_row_t *row, char *en, size_t en_size, char *zh, size_t zh_size)
{
    long long f = (long long) row->found_case;
    const char *d = row->decision;
    if (strcmp (d, "dna_requested") == 0) {
        snprintf (en, en_size, "A found person (case %lld) may be the person you reported: the "
                  "police ask the family for a DNA sample.", f);
        snprintf (zh, zh_size, "一名受助人员（案件 %lld）可能就是您报告的亲人：公安机关需要家属提供"
                  " DNA 样本。", f);
    }
    else
    if (strcmp (d, "confirmed") == 0) {
        snprintf (en, en_size, "DNA confirms that the found person of case %lld is the person "
                  "you reported.", f);
        snprintf (zh, zh_size, "DNA 比对确认：受助人员（案件 %lld）就是您报告的亲人。", f);
    }
    else
    if (strcmp (d, "reunited") == 0) {
        snprintf (en, en_size, "The person you reported (found, case %lld) has been reunited "
                  "with their family through another relative's report.", f);
        snprintf (zh, zh_size, "您报告的亲人（受助人员案件 %lld）已通过另一位亲属的报告与家人团聚。",
                  f);
    }
    else {
        snprintf (en, en_size, "The DNA test ruled out the found person of case %lld: the "
                  "search goes on.", f);
        snprintf (zh, zh_size, "DNA 比对排除了受助人员（案件 %lld）：寻找仍在继续。", f);
    }
}

//  Whether the caller may record that the family of report was told.
static bool
s_may_tell (results_call_t *call, const mt_case_t *report)
{
    return !results_is_staff (call) || strcmp (report->station, call->station) == 0;
}

//  The notice as the caller may see it; NULL when out of memory.
static Homeward__V1__Notice *
s_notice_pb (results_call_t *call, const mt_notice_row_t *row)
{
    bool failed = false;
    Homeward__V1__Notice *n = results_pb_new (&homeward__v1__notice__descriptor, &failed);
    if (!n)
        return NULL;
    n->has_missing_case = n->has_found_case = 1;
    n->missing_case = row->missing_case, n->found_case = row->found_case;
    n->decision = results_pb_text (row->decision, &failed);
    n->decided_by = results_pb_text (row->decided_by, &failed);
    n->decided_at = results_pb_text (row->decided_at, &failed);
    if (row->told_at [0]) {
        n->told_by = results_pb_text (row->told_by, &failed);
        n->told_at = results_pb_text (row->told_at, &failed);
    }
    char en [512], zh [512];
    s_text (row, en, sizeof en, zh, sizeof zh);
    n->text = results_pb_text (en, &failed);
    n->text_zh = results_pb_text (zh, &failed);
    mt_case_t report, found;
    bool whole = false;
    if (mt_casedb_case_get (call->self->db, row->missing_case, &report, NULL) == MT_OK) {
        results_sight sight = results_sight_of (call, &report);
        whole = sight == RESULTS_SEE_ALL;
        if (sight != RESULTS_SEE_NONE)
            failed |= !(n->report = results_case_view (&report, whole));
        const char *told = "told";
        if (!row->told_at [0] && s_may_tell (call, &report)) {
            n->allowed = results_pb_texts (&told, 1, &failed);
            n->n_allowed = n->allowed ? 1 : 0;
        }
    }
    if (row->note [0] && whole)
        n->note = results_pb_text (row->note, &failed);
    if (mt_casedb_case_get (call->self->db, row->found_case, &found, NULL) == MT_OK) {
        results_sight sight = results_sight_of (call, &found);
        if (sight != RESULTS_SEE_NONE)
            failed |= !(n->found = results_case_view (&found, sight == RESULTS_SEE_ALL));
    }
    if (failed) {
        protobuf_c_message_free_unpacked (&n->base, NULL);
        return NULL;
    }
    return n;
}

int
results_m_notice_list (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__NoticeListParams *params = call->request->notice_list;
    int limit = params->has_limit ? params->limit : 50;
    int offset = params->has_offset ? params->offset : 0;
    const char *state = params->state && *params->state ? params->state : "to_tell";
    if (limit < 1 || limit > 500 || offset < 0)
        return mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    if (strcmp (state, "to_tell") != 0 && strcmp (state, "told") != 0
    &&  strcmp (state, "all") != 0)
        return mt_err_set (err, MT_EINVAL, "state must be to_tell, told or all");
    mt_notice_filter_t filter = {
        .station = results_is_staff (call) ? call->station : NULL,
        .told = strcmp (state, "to_tell") == 0 ? 0 : strcmp (state, "told") == 0 ? 1 : -1,
        .case_id = params->has_case_id ? params->case_id : 0
    };
    mt_notice_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    int rc = mt_casedb_notices (call->self->db, &filter, (size_t) limit, (size_t) offset, &rows,
                                &count, &total, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__NoticeList *list = results_pb_new (&homeward__v1__notice_list__descriptor,
                                                     &failed);
    int64_t *shown = calloc (2 * count + 1, sizeof *shown);
    if (list) {
        list->has_limit = list->has_offset = list->has_total = 1;
        list->limit = limit, list->offset = offset, list->total = total;
        list->notices = calloc (count + 1, sizeof *list->notices);
        failed |= !list->notices;
    }
    for (size_t i = 0; !failed && i < count; i++) {
        failed |= !(list->notices [list->n_notices++] = s_notice_pb (call, &rows [i]));
        if (shown)
            shown [2 * i] = rows [i].missing_case, shown [2 * i + 1] = rows [i].found_case;
    }
    free (rows);
    rc = results_pb_answer (&call->answer, list ? &list->base : NULL, failed || !shown, err);
    if (rc == MT_OK)
        results_audit_read (call, "notice.list", 0, shown, 2 * count);
    free (shown);
    return rc;
}

int
results_m_notice_told (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__NoticeToldParams *params = call->request->notice_told;
    int64_t missing = params->missing_case, found = params->found_case;
    mt_notice_row_t row;
    mt_case_t report;
    //  Who may record it first: another station learns nothing of what
    //  this one's families are told.
    int rc = mt_casedb_case_get (call->self->db, missing, &report, err);
    if (rc != MT_OK)
        return rc;
    if (!s_may_tell (call, &report)) {
        char object [64];
        snprintf (object, sizeof object, "found %lld / missing %lld", (long long) found,
                  (long long) missing);
        mt_err_set (err, MT_EFORBIDDEN, "the family of another station's report is told by "
                    "that station or the police");
        return results_refused (call, object, err);
    }
    rc = mt_casedb_notice_told (call->self->db, missing, found, params->note, call->actor, err);
    if (rc == MT_OK)
        rc = mt_casedb_notice_get (call->self->db, missing, found, &row, err);
    if (rc != MT_OK)
        return rc;
    Homeward__V1__Notice *n = s_notice_pb (call, &row);
    return results_pb_answer (&call->answer, n ? &n->base : NULL, !n, err);
}
