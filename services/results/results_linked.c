//  results_linked - the case page's person across its linked records (issue
//  27): each record of the person as the caller may see it (another
//  station's without its personal facts), and where two of them say what
//  cannot be true of one person (a sex recorded two ways, years of birth
//  that cannot meet, found the same day far apart, two home provinces or
//  two names given for one missing person), weighed as same.list weighs
//  two records' facts and said in its words.

#include "results_linked.h"

#include "results/case_view.h"
#include "results/results_access.h"
#include "results/results_explain.h"
#include "results/results_pb.h"
#include "results/results_same.h"
#include "results/store/mt_rank.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A reason of mt_rank_same's words that says the two cannot both be
//  right: a conflict, home provinces far apart, or for two reports two
//  home provinces at all (homes_differ: one missing person has one).
static bool
s_conflicts (const Homeward__V1__SameReason *r, bool homes_differ)
{
    if (!r->verdict || !r->code)
        return false;
    if (strcmp (r->verdict, "conflicts") == 0 || strcmp (r->verdict, "far") == 0)
        return true;
    return homes_differ && strcmp (r->code, "province") == 0;
}

//  Two names given for one missing person (each read whole by the caller).
static Homeward__V1__SameReason *
s_names (const mt_case_t *a, const mt_case_t *b, bool *failed)
{
    char en [512], zh [512];
    snprintf (en, sizeof en, "names given: %s and %s", a->person_name, b->person_name);
    snprintf (zh, sizeof zh, "所报姓名分别为%s和%s", a->person_name, b->person_name);
    Homeward__V1__SameReason *r = results_pb_new (&homeward__v1__same_reason__descriptor,
                                                  failed);
    if (r) {
        r->code = results_pb_text ("name", failed);
        r->verdict = results_pb_text ("conflicts", failed);
        r->has_effect = 1, r->effect = 0;
        r->text = results_pb_text (en, failed);
        r->text_zh = results_pb_text (zh, failed);
    }
    return r;
}

//  The conflicts of records a and b into *out (NULL when they have none).
static int
s_conflict (const mt_rank_model_t *model, const mt_case_t *a, bool a_whole,
            const mt_case_t *b, bool b_whole, Homeward__V1__LinkedConflict **out,
            bool *failed, mt_err_t *err)
{
    *out = NULL;
    mt_rank_explanation_t ex;
    mt_rank_same_facts (model, a, b, &ex);
    uint8_t *packed = NULL;
    size_t size = 0;
    int rc = results_explain_pack (&ex, &packed, &size, err);
    Homeward__V1__Explanation *unpacked = rc == MT_OK
        ? homeward__v1__explanation__unpack (NULL, size, packed) : NULL;
    free (packed);
    if (rc != MT_OK)
        return rc;
    if (!unpacked)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    bool found = a->kind == MT_KIND_FOUND;
    bool homes_differ = !found && ex.facts.verdict [MT_RANK_FACT_PROVINCE] != MT_RANK_UNKNOWN
                     && ex.facts.province_found != ex.facts.province_home;
    Homeward__V1__SameReason *all [MT_RANK_FACTS + 1] = { NULL }, *kept [MT_RANK_FACTS + 1];
    size_t n = 0, k = 0;
    results_same_fact_reasons (unpacked, found, all, &n, failed);
    homeward__v1__explanation__free_unpacked (unpacked, NULL);
    for (size_t i = 0; i < n; i++)
        if (s_conflicts (all [i], homes_differ))
            kept [k++] = all [i];
        else
            protobuf_c_message_free_unpacked (&all [i]->base, NULL);
    if (a_whole && b_whole && a->person_name [0] && b->person_name [0]
    &&  strcmp (a->person_name, b->person_name) != 0) {
        Homeward__V1__SameReason *names = s_names (a, b, failed);
        if (names)
            kept [k++] = names;
    }
    if (k == 0)
        return MT_OK;
    Homeward__V1__LinkedConflict *c = results_pb_new (&homeward__v1__linked_conflict__descriptor,
                                                      failed);
    if (c && (c->reasons = calloc (k, sizeof *c->reasons))) {
        c->has_case_a = c->has_case_b = 1, c->case_a = a->id, c->case_b = b->id;
        memcpy (c->reasons, kept, k * sizeof *kept);
        c->n_reasons = k;
        *out = c;
        return MT_OK;
    }
    *failed = true;
    for (size_t i = 0; i < k; i++)
        protobuf_c_message_free_unpacked (&kept [i]->base, NULL);
    if (c)
        protobuf_c_message_free_unpacked (&c->base, NULL);
    return MT_OK;
}

int
results_linked_person (results_call_t *call, const mt_case_t *c,
                       Homeward__V1__CaseView *view, bool *failed, mt_err_t *err)
{
    if (!c->person_group)
        return MT_OK;
    int64_t *group = NULL;
    size_t count = 0;
    int rc = mt_casedb_same_group (call->self->db, c->id, &group, &count, err);
    if (rc != MT_OK || count < 2) {
        free (group);
        return rc;
    }
    //  This record first, then the others in the group's order.
    mt_case_t *cases = calloc (count, sizeof *cases);
    bool *whole = calloc (count, sizeof *whole);
    view->linked = calloc (count, sizeof *view->linked);
    view->linked_records = calloc (count, sizeof *view->linked_records);
    if (!cases || !whole || !view->linked || !view->linked_records) {
        free (group), free (cases), free (whole);
        *failed = true;
        return MT_OK;
    }
    size_t n = 0;
    cases [n] = *c, whole [n++] = results_sight_of (call, c) == RESULTS_SEE_ALL;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        if (group [i] == c->id)
            continue;
        view->linked [view->n_linked++] = group [i];
        rc = mt_casedb_case_get (call->self->db, group [i], &cases [n], err);
        if (rc == MT_OK) {
            results_sight sight = results_sight_of (call, &cases [n]);
            if (sight != RESULTS_SEE_NONE)
                whole [n] = sight == RESULTS_SEE_ALL, n++;
        }
    }
    free (group);
    for (size_t i = 0; rc == MT_OK && i < n; i++) {
        Homeward__V1__CaseView *record = results_case_view (&cases [i], whole [i]);
        if (!record) {
            *failed = true;
            break;
        }
        view->linked_records [view->n_linked_records++] = record;
    }
    //  Each two records' conflicts.
    size_t pairs = n * (n - 1) / 2;
    view->linked_conflicts = rc == MT_OK && pairs
                           ? calloc (pairs, sizeof *view->linked_conflicts) : NULL;
    *failed |= rc == MT_OK && pairs && !view->linked_conflicts;
    for (size_t i = 0; rc == MT_OK && view->linked_conflicts && i < n; i++)
        for (size_t j = i + 1; rc == MT_OK && j < n; j++) {
            Homeward__V1__LinkedConflict *conflict = NULL;
            rc = s_conflict (&call->self->model, &cases [i], whole [i], &cases [j], whole [j],
                             &conflict, failed, err);
            if (conflict)
                view->linked_conflicts [view->n_linked_conflicts++] = conflict;
        }
    free (cases), free (whole);
    return rc;
}
