//  results_same - the API's methods for the same person twice (issue 27):
//  the suggestions (same.list), one pair side by side (same.get) and its
//  decision (same.decide). Police liaisons and administrators see and
//  decide every pair; station staff see the pairs that hold one of their
//  station's cases (another station's case without its personal facts)
//  and decide those whose two cases are both their station's. A decided
//  pair is changed only by an administrator, with a reason.

#include "results_actor.h"
#include "results_same.h"

#include "results/case_view.h"
#include "results/results_access.h"
#include "results/results_call.h"
#include "results/results_pb.h"
#include "results/store/mt_casedb.h"
#include "results/store/mt_rank.h"
#include "base/mt_province.h"
#include "base/mt_sex.h"
#include "homeward/v1/explanation.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- reasons

static const char *
s_sex_zh (int sex)
{
    return sex == MT_SEX_MALE ? "男" : sex == MT_SEX_FEMALE ? "女" : "未知";
}

static const char *
s_verdict (uint32_t verdict)
{
    return verdict == MT_RANK_AGREES ? "agrees" : verdict == MT_RANK_CONFLICTS ? "conflicts"
         : verdict == MT_RANK_FAR ? "far" : "unknown";
}

//  One reason into reasons [*count].
static void
s_reason (Homeward__V1__SameReason **reasons, size_t *count, const char *code,
          const char *verdict, double effect, const char *en, const char *zh, bool *failed)
{
    Homeward__V1__SameReason *r = results_pb_new (&homeward__v1__same_reason__descriptor, failed);
    if (!r)
        return;
    r->code = results_pb_text (code, failed);
    r->verdict = results_pb_text (verdict, failed);
    r->has_effect = 1, r->effect = round (effect * 100) / 100;
    r->text = results_pb_text (en, failed);
    r->text_zh = results_pb_text (zh, failed);
    reasons [(*count)++] = r;
}

//  The faces' reason.
static void
s_faces (const Homeward__V1__Explanation *ex, Homeward__V1__SameReason **reasons, size_t *n,
         bool *failed)
{
    char en [256], zh [256], more_en [64] = "", more_zh [64] = "";
    if (!ex->pooled) {
        s_reason (reasons, n, "no_faces", "unknown", 0, "a record has no usable face: the facts "
                  "alone weigh", "有一份记录没有可用的面部：仅凭案件信息判断", failed);
        return;
    }
    if (ex->distance2 >= 0) {
        snprintf (more_en, sizeof more_en, ", %.2f by MobileFaceNet", ex->distance2);
        snprintf (more_zh, sizeof more_zh, "，MobileFaceNet 距离 %.2f", ex->distance2);
    }
    snprintf (en, sizeof en, "faces %.2f apart by dlib%s (one person is below about 0.6): "
              "evidence %+.1f", ex->distance, more_en, ex->face_evidence);
    snprintf (zh, sizeof zh, "面部距离 %.2f（dlib）%s（同一人通常低于 0.6）：证据 %+.1f",
              ex->distance, more_zh, ex->face_evidence);
    s_reason (reasons, n, "faces", ex->face_evidence >= 0 ? "agrees" : "conflicts",
              ex->face_evidence, en, zh, failed);
}

//  The facts' reasons (mt_rank_same's: a is the explanation's found side).
void
results_same_fact_reasons (const Homeward__V1__Explanation *ex, bool found,
                           Homeward__V1__SameReason **reasons, size_t *n, bool *failed)
{
    char en [256], zh [256];
    for (size_t f = 0; f < ex->n_facts && f < MT_RANK_FACTS; f++) {
        uint32_t v = ex->facts [f]->verdict;
        double effect = ex->facts [f]->effect;
        if (v == MT_RANK_UNKNOWN)
            continue;
        bool agrees = v == MT_RANK_AGREES;
        if (f == MT_RANK_FACT_SEX) {
            snprintf (en, sizeof en, agrees ? "both recorded %s" : "sex recorded %s and %s",
                      mt_sex_name (ex->sex_found), mt_sex_name (ex->sex_missing));
            snprintf (zh, sizeof zh, agrees ? "性别都记为%s" : "性别分别记为%s和%s",
                      s_sex_zh (ex->sex_found), s_sex_zh (ex->sex_missing));
            s_reason (reasons, n, "sex", s_verdict (v), effect, en, zh, failed);
        }
        else
        if (f == MT_RANK_FACT_AGE && ex->n_age_estimated == 2 && ex->n_age_would_be == 2) {
            const int32_t *a = ex->age_estimated, *b = ex->age_would_be;
            snprintf (en, sizeof en, "born %d-%d by one record%s, %d-%d by the other%s",
                      a [0], a [1], found ? "'s estimated age" : "", b [0], b [1],
                      agrees ? ": they meet" : ": they do not meet");
            snprintf (zh, sizeof zh, "%s出生年份分别为 %d–%d 和 %d–%d%s",
                      found ? "按估计年龄，" : "", a [0], a [1], b [0], b [1],
                      agrees ? "，可以吻合" : "，无法吻合");
            s_reason (reasons, n, "age", s_verdict (v), effect, en, zh, failed);
        }
        else
        if (f == MT_RANK_FACT_DATES) {
            long long days = (long long) llabs ((long long) ex->days);
            if (agrees) {
                snprintf (en, sizeof en, "found %s and %s, %lld days apart", ex->date_found,
                          ex->date_last_seen, days);
                snprintf (zh, sizeof zh, "分别于 %s 和 %s 被发现，相隔 %lld 天", ex->date_found,
                          ex->date_last_seen, days);
            }
            else {
                snprintf (en, sizeof en, "found %s and %s, %d km apart: one person cannot have "
                          "been in both places", ex->date_found, ex->date_last_seen, ex->km);
                snprintf (zh, sizeof zh, "分别于 %s 和 %s 在相距 %d 公里的两地被发现：同一人"
                          "不可能同时在两地", ex->date_found, ex->date_last_seen, ex->km);
            }
            s_reason (reasons, n, "dates", s_verdict (v), effect, en, zh, failed);
        }
        else
        if (f == MT_RANK_FACT_PROVINCE) {
            int pa = ex->province_found, pb = ex->province_home;
            if (pa == pb) {
                snprintf (en, sizeof en, "%s in %s", found ? "both found" : "both give home "
                          "province", mt_province_name (pa));
                snprintf (zh, sizeof zh, "%s%s", found ? "都在此省被发现：" : "户籍地相同：",
                          mt_province_name_zh (pa));
            }
            else {
                snprintf (en, sizeof en, "%s %s and %s, %d km apart%s", found ? "found in"
                          : "home provinces", mt_province_name (pa), mt_province_name (pb),
                          ex->km, found ? ": a wanderer crosses provinces" : "");
                snprintf (zh, sizeof zh, "%s%s和%s%s，相距 %d 公里%s", found ? "分别在"
                          : "户籍地分别为", mt_province_name_zh (pa), mt_province_name_zh (pb),
                          found ? "被发现" : "", ex->km, found ? "：流浪人员常跨省" : "");
            }
            //  Two provinces say nothing either way of a wanderer: not "agrees".
            s_reason (reasons, n, "province", found && pa != pb && effect == 0 ? "neutral"
                      : s_verdict (v), effect, en, zh, failed);
        }
    }
}

//  What the records' other pairs took from a pending pair's score: each
//  record is one person, and a face that looks like several records'
//  stands out less (mt_rank_same_score).
static void
s_look_alikes (const mt_same_row_t *row, Homeward__V1__SameReason **reasons, size_t *n,
               bool *failed)
{
    double less = row->evidence - row->score;
    if (strcmp (row->state, "pending") != 0 || !(less >= 0.05))
        return;
    char en [256], zh [256];
    snprintf (en, sizeof en, "a record also resembles other records: the score is %.1f below "
              "the evidence (%+.1f)", less, row->evidence);
    snprintf (zh, sizeof zh, "其中一份记录还与其他记录相似：分数比证据低 %.1f（证据 %+.1f）",
              less, row->evidence);
    s_reason (reasons, n, "look_alikes", "conflicts", -less, en, zh, failed);
}

//  Why a pair is suggested, from its explanation.
static void
s_reasons (Homeward__V1__SamePair *pair, const mt_same_row_t *row, bool found, bool *failed)
{
    const uint8_t *packed = row->explanation;
    size_t size = row->explanation_size;
    Homeward__V1__Explanation *ex = packed ? homeward__v1__explanation__unpack (NULL, size,
                                                                                packed) : NULL;
    if (!ex)
        return;
    pair->reasons = calloc (2 + MT_RANK_FACTS, sizeof *pair->reasons);
    *failed |= pair->reasons == NULL;
    if (ex->pooled && ex->found && ex->missing) {
        pair->has_face_a = pair->has_face_b = 1;
        pair->face_a = ex->found->face, pair->face_b = ex->missing->face;
    }
    if (pair->reasons) {
        s_faces (ex, pair->reasons, &pair->n_reasons, failed);
        results_same_fact_reasons (ex, found, pair->reasons, &pair->n_reasons, failed);
        s_look_alikes (row, pair->reasons, &pair->n_reasons, failed);
    }
    homeward__v1__explanation__free_unpacked (ex, NULL);
}

//  ---------------------------------------------------------------- access

//  Whether the caller may see the pair of cases a and b: police liaisons
//  and administrators any, station staff one that holds their station's.
static bool
s_may_see (results_call_t *call, const mt_case_t *a, const mt_case_t *b)
{
    return !results_is_staff (call) || strcmp (a->station, call->station) == 0
        || strcmp (b->station, call->station) == 0;
}

//  Whether the caller may decide a pair in state: pending, police liaisons
//  and administrators, and staff whose station holds both cases; decided,
//  administrators.
static bool
s_may_decide (results_call_t *call, const mt_case_t *a, const mt_case_t *b, const char *state)
{
    if (strcmp (state, "pending") != 0)
        return results_is_admin (call);
    if (results_is_staff (call))
        return strcmp (a->station, call->station) == 0 && strcmp (b->station, call->station) == 0;
    return true;
}

//  The pair as the caller may see it; NULL when out of memory.
static Homeward__V1__SamePair *
s_pair_pb (results_call_t *call, const mt_same_row_t *row, const mt_case_t *a,
           const mt_case_t *b)
{
    bool failed = false;
    Homeward__V1__SamePair *pair = results_pb_new (&homeward__v1__same_pair__descriptor, &failed);
    if (!pair)
        return NULL;
    pair->has_case_a = pair->has_case_b = pair->has_score = pair->has_distance = 1;
    pair->case_a = row->case_a, pair->case_b = row->case_b;
    pair->score = round (row->score * 100) / 100;
    pair->distance = round (row->distance * 1000) / 1000;
    pair->kind = results_pb_text (mt_case_kind_name (a->kind), &failed);
    pair->state = results_pb_text (row->state, &failed);
    s_reasons (pair, row, a->kind == MT_KIND_FOUND, &failed);
    pair->a = results_case_view (a, results_sight_of (call, a) == RESULTS_SEE_ALL);
    pair->b = results_case_view (b, results_sight_of (call, b) == RESULTS_SEE_ALL);
    failed |= !pair->a || !pair->b;
    //  A note may name a family: for those who see both records whole.
    bool whole = results_sight_of (call, a) == RESULTS_SEE_ALL
              && results_sight_of (call, b) == RESULTS_SEE_ALL;
    if (row->note [0] && whole)
        pair->note = results_pb_text (row->note, &failed);
    if (row->decided_by [0])
        pair->decided_by = results_pb_text (row->decided_by, &failed);
    if (row->decided_at [0])
        pair->decided_at = results_pb_text (row->decided_at, &failed);
    pair->updated_at = results_pb_text (row->updated_at, &failed);
    if (row->explanation && whole) {
        pair->explanation.data = malloc (row->explanation_size);
        failed |= !pair->explanation.data;
        if (pair->explanation.data) {
            memcpy (pair->explanation.data, row->explanation, row->explanation_size);
            pair->explanation.len = row->explanation_size, pair->has_explanation = 1;
        }
    }
    const char *allowed [2];
    size_t n = 0;
    bool open = strcmp (a->state, "open") == 0 && strcmp (b->state, "open") == 0;
    if (open && s_may_decide (call, a, b, row->state)) {
        if (strcmp (row->state, "same") != 0)
            allowed [n++] = "same";
        if (strcmp (row->state, "different") != 0)
            allowed [n++] = "different";
    }
    pair->allowed = results_pb_texts (allowed, n, &failed);
    pair->n_allowed = pair->allowed ? n : 0;
    if (failed) {
        protobuf_c_message_free_unpacked (&pair->base, NULL);
        return NULL;
    }
    return pair;
}

//  The two cases of a pair, in the order kept.
static int
s_cases (results_call_t *call, int64_t x, int64_t y, mt_case_t *a, mt_case_t *b, mt_err_t *err)
{
    int rc = mt_casedb_case_get (call->self->db, x < y ? x : y, a, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, x < y ? y : x, b, err);
    return rc;
}

//  ---------------------------------------------------------------- methods

int
results_m_same_list (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__SameListParams *params = call->request->same_list;
    int limit = params->has_limit ? params->limit : 50;
    int offset = params->has_offset ? params->offset : 0;
    const char *state = params->state && *params->state ? params->state : "pending";
    if (limit < 1 || limit > 500 || offset < 0)
        return mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    if (strcmp (state, "pending") != 0 && strcmp (state, "same") != 0
    &&  strcmp (state, "different") != 0 && strcmp (state, "all") != 0)
        return mt_err_set (err, MT_EINVAL, "state must be pending, same, different or all");
    mt_same_filter_t filter = {
        .floor_found = call->self->config->same_floor_found,
        .floor_missing = call->self->config->same_floor_missing,
        .state = strcmp (state, "all") == 0 ? NULL : state,
        .station = results_is_staff (call) ? call->station : NULL,
        .case_id = params->has_case_id ? params->case_id : 0
    };
    mt_same_row_t *rows = NULL;
    size_t count = 0;
    int64_t total = 0;
    int rc = mt_casedb_same_list (call->self->db, &filter, (size_t) limit, (size_t) offset, &rows,
                                  &count, &total, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__SameList *list = results_pb_new (&homeward__v1__same_list__descriptor, &failed);
    int64_t *shown = calloc (2 * count + 1, sizeof *shown);
    if (list) {
        list->has_limit = list->has_offset = list->has_total = 1;
        list->has_floor_found = list->has_floor_missing = 1;
        list->limit = limit, list->offset = offset, list->total = total;
        list->floor_found = filter.floor_found, list->floor_missing = filter.floor_missing;
        list->pairs = calloc (count + 1, sizeof *list->pairs);
        failed |= !list->pairs;
    }
    for (size_t i = 0; !failed && i < count; i++) {
        mt_case_t a, b;
        if (s_cases (call, rows [i].case_a, rows [i].case_b, &a, &b, NULL) != MT_OK)
            continue;
        failed |= !(list->pairs [list->n_pairs++] = s_pair_pb (call, &rows [i], &a, &b));
        if (shown)
            shown [2 * i] = a.id, shown [2 * i + 1] = b.id;
    }
    mt_casedb_same_rows_free (rows, count);
    rc = results_pb_answer (&call->answer, list ? &list->base : NULL, failed || !shown, err);
    if (rc == MT_OK)
        results_audit_read (call, "same_person.list", 0, shown, 2 * count);
    free (shown);
    return rc;
}

//  The pair x / y as the caller may see it into call's answer.
static int
s_answer_pair (results_call_t *call, int64_t x, int64_t y, bool read, mt_err_t *err)
{
    mt_case_t a, b;
    int rc = s_cases (call, x, y, &a, &b, err);
    if (rc == MT_OK && !s_may_see (call, &a, &b)) {
        char object [64];
        snprintf (object, sizeof object, "case %lld / case %lld", (long long) a.id,
                  (long long) b.id);
        mt_err_set (err, MT_EFORBIDDEN, "neither case of the pair belongs to your station");
        return results_refused (call, object, err);
    }
    mt_same_row_t row;
    if (rc == MT_OK)
        rc = mt_casedb_same_get (call->self->db, x, y, &row, err);
    if (rc != MT_OK)
        return rc;
    Homeward__V1__SamePair *pair = s_pair_pb (call, &row, &a, &b);
    free (row.explanation);
    rc = results_pb_answer (&call->answer, pair ? &pair->base : NULL, !pair, err);
    if (rc == MT_OK && read)
        results_audit_read (call, "same_person.read", a.id, &b.id, 1);
    return rc;
}

int
results_m_same_get (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__SamePairParams *params = call->request->same_get;
    return s_answer_pair (call, params->case_a, params->case_b, true, err);
}

int
results_m_same_decide (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__SameDecideParams *params = call->request->same_decide;
    int64_t x = params->case_a, y = params->case_b;
    const char *decision = params->decision ? params->decision : "";
    char object [64];
    snprintf (object, sizeof object, "case %lld / case %lld", (long long) (x < y ? x : y),
              (long long) (x < y ? y : x));
    mt_case_t a, b;
    int rc = s_cases (call, x, y, &a, &b, err);
    mt_same_row_t row;
    if (rc == MT_OK)
        rc = mt_casedb_same_get (call->self->db, x, y, &row, err);
    if (rc != MT_OK)
        return rc;
    free (row.explanation);
    if (!s_may_see (call, &a, &b)) {
        mt_err_set (err, MT_EFORBIDDEN, "neither case of the pair belongs to your station");
        return results_refused (call, object, err);
    }
    if (strcmp (a.state, "open") != 0 || strcmp (b.state, "open") != 0)
        return mt_err_set (err, MT_ECONFLICT, "a closed case is not linked or unlinked");
    if (!s_may_decide (call, &a, &b, row.state)) {
        if (strcmp (row.state, "pending") != 0)
            mt_err_set (err, MT_EFORBIDDEN, "only an administrator may change a decided pair");
        else
            mt_err_set (err, MT_EFORBIDDEN, "a pair of two stations' cases is decided by a "
                        "police liaison");
        return results_refused (call, object, err);
    }
    //  The link, and for two reports linked, what the family of each is
    //  to hear of the other's pairs (unlinked: what it is no longer to
    //  hear): one transaction.
    rc = mt_casedb_begin (call->self->db, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_casedb_same_decide (call->self->db, x, y, decision, params->note,
                                results_is_admin (call), call->actor, err);
    mt_case_t now;
    bool same = strcmp (decision, "same") == 0;
    if (rc == MT_OK && a.kind == MT_KIND_MISSING && same
    &&  (rc = mt_casedb_case_get (call->self->db, a.id, &now, err)) == MT_OK && now.person_group)
        rc = mt_casedb_notice_spread (call->self->db, now.person_group, call->actor, err);
    if (rc == MT_OK && a.kind == MT_KIND_MISSING && !same && strcmp (row.state, "same") == 0)
        rc = mt_casedb_notice_unspread (call->self->db, a.id, b.id, err);
    rc = mt_casedb_commit (call->self->db, rc, err);
    if (rc == MT_ECONFLICT) {
        snprintf (call->refused.state, sizeof call->refused.state, "%s", row.state);
        call->refused.count = 0;
    }
    if (rc == MT_OK)
        rc = s_answer_pair (call, x, y, false, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}
