//  case_view - a case and its review trail as a caller may see them.

#include "case_view.h"

#include "base/mt_province.h"
#include "results/results_pb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A copy of text, or NULL (and *failed) when out of memory.
static char *
s_copy (const char *text, bool *failed)
{
    char *copy = strdup (text);
    *failed |= copy == NULL;
    return copy;
}

//  One fact as the view holds it; NULL where the case does not say it
//  (sex always, "unknown"; whole numbers too, 0, when always).
static Homeward__V1__CaseFact *
s_fact (const mt_case_fact_t *fact, const mt_case_t *c, bool always, bool *failed)
{
    if (fact->type != MT_FACT_SEX && !(always && fact->type == MT_FACT_INT)
    &&  !mt_case_fact_known (fact, c))
        return NULL;
    Homeward__V1__CaseFact *out = malloc (sizeof *out);
    Homeward__V1__FactRange *range = fact->type == MT_FACT_RANGE ? malloc (sizeof *range) : NULL;
    if (!out || (fact->type == MT_FACT_RANGE && !range)) {
        free (out), free (range);
        *failed = true;
        return NULL;
    }
    homeward__v1__case_fact__init (out);
    out->name = s_copy (fact->name, failed);
    switch (fact->type) {
        case MT_FACT_SEX:
            out->value_case = HOMEWARD__V1__CASE_FACT__VALUE_TEXT;
            out->text = s_copy (mt_sex_name ((mt_sex) mt_case_fact_int_of (fact, c, 0)), failed);
            break;
        case MT_FACT_INT:
            out->value_case = HOMEWARD__V1__CASE_FACT__VALUE_NUMBER;
            out->number = mt_case_fact_int_of (fact, c, 0);
            break;
        case MT_FACT_RANGE:
            homeward__v1__fact_range__init (range);
            range->has_low = range->has_high = 1;
            range->low = mt_case_fact_int_of (fact, c, 0);
            range->high = mt_case_fact_int_of (fact, c, 1);
            out->value_case = HOMEWARD__V1__CASE_FACT__VALUE_RANGE;
            out->range = range;
            break;
        default:
            out->value_case = HOMEWARD__V1__CASE_FACT__VALUE_TEXT;
            out->text = s_copy (mt_case_fact_chars_of (fact, c), failed);
    }
    return out;
}

Homeward__V1__CaseView *
results_case_view (const mt_case_t *c, bool personal)
{
    Homeward__V1__CaseView *view = malloc (sizeof *view);
    if (!view)
        return NULL;
    homeward__v1__case_view__init (view);
    bool failed = false;
    view->has_case_id = view->has_photos = view->has_faces = 1;
    view->case_id = c->id;
    view->photos = c->photo_count;
    view->faces = c->face_count;
    view->kind = s_copy (mt_case_kind_name (c->kind), &failed);
    view->state = s_copy (c->state, &failed);
    view->province_name = s_copy (mt_province_name (c->province), &failed);
    view->facts = calloc (mt_case_facts_count, sizeof *view->facts);
    failed |= view->facts == NULL;
    for (size_t i = 0; view->facts && i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        //  Another station's case: what identifies or reaches people stays
        //  with that station; the facts that matching weighs remain.
        if (!personal && (fact->flags & MT_FACT_PERSONAL))
            continue;
        Homeward__V1__CaseFact *one = s_fact (fact, c, true, &failed);
        if (one)
            view->facts [view->n_facts++] = one;
    }
    struct { char **field; const char *value; bool shown; } texts [] = {
        { &view->closed_reason, c->closed_reason, personal },
        { &view->created_at, c->created_at, true }, { &view->closed_at, c->closed_at, true },
        { &view->erased_at, c->erased_at, true }
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        if (texts [i].shown && texts [i].value [0])
            *texts [i].field = s_copy (texts [i].value, &failed);
    if (c->erased_level > 0)
        view->erased = s_copy (c->erased_level >= MT_ERASE_ALL ? "all" : "media", &failed);
    if (!personal)
        view->has_redacted = view->redacted = 1;
    if (failed) {
        protobuf_c_message_free_unpacked (&view->base, NULL);
        return NULL;
    }
    return view;
}

Homeward__V1__CaseView *
results_case_row_view (const mt_case_t *c, bool *failed)
{
    Homeward__V1__CaseView *view = results_pb_new (&homeward__v1__case_view__descriptor, failed);
    if (!view)
        return NULL;
    view->has_case_id = view->has_photos = view->has_candidates = 1;
    view->case_id = c->id;
    view->photos = c->photo_count;
    view->candidates = c->candidate_count;
    view->kind = results_pb_text (mt_case_kind_name (c->kind), failed);
    view->state = results_pb_text (c->state, failed);
    view->province_name = results_pb_text (mt_province_name (c->province), failed);
    view->created_at = results_pb_text (c->created_at, failed);
    if (c->closed_at [0])
        view->closed_at = results_pb_text (c->closed_at, failed);
    view->facts = calloc (mt_case_facts_count, sizeof *view->facts);
    *failed |= view->facts == NULL;
    for (size_t i = 0; view->facts && i < mt_case_facts_count; i++) {
        Homeward__V1__CaseFact *one = mt_case_facts [i].flags & MT_FACT_LISTED
                                    ? s_fact (&mt_case_facts [i], c, true, failed) : NULL;
        if (one)
            view->facts [view->n_facts++] = one;
    }
    return view;
}

//  Whether two facts say the same (both NULL: nothing recorded).
static bool
s_same (const Homeward__V1__CaseFact *a, const Homeward__V1__CaseFact *b)
{
    if (!a || !b)
        return a == b;
    if (a->value_case != b->value_case)
        return false;
    switch (a->value_case) {
        case HOMEWARD__V1__CASE_FACT__VALUE_TEXT:
            return strcmp (a->text ? a->text : "", b->text ? b->text : "") == 0;
        case HOMEWARD__V1__CASE_FACT__VALUE_NUMBER:
            return a->number == b->number;
        case HOMEWARD__V1__CASE_FACT__VALUE_RANGE:
            return a->range->low == b->range->low && a->range->high == b->range->high;
        default:
            return true;
    }
}

Homeward__V1__FactChange **
results_case_changes_pb (const mt_case_t *before, const mt_case_t *after, size_t *count_p,
                         bool *failed)
{
    *count_p = 0;
    Homeward__V1__FactChange **list = calloc (mt_case_facts_count, sizeof *list);
    *failed |= !list;
    for (size_t i = 0; list && i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        if (!(fact->flags & MT_FACT_CORRECT))
            continue;
        //  Not recorded is null here (the case JSON's province 0).
        Homeward__V1__CaseFact *from = s_fact (fact, before, false, failed);
        Homeward__V1__CaseFact *to = s_fact (fact, after, false, failed);
        Homeward__V1__FactChange *change = (from || to) && !s_same (from, to)
            ? results_pb_new (&homeward__v1__fact_change__descriptor, failed) : NULL;
        if (change) {
            change->field = results_pb_text (fact->name, failed);
            change->from = from, change->to = to;
            list [(*count_p)++] = change;
        }
        else {
            if (from)
                protobuf_c_message_free_unpacked (&from->base, NULL);
            if (to)
                protobuf_c_message_free_unpacked (&to->base, NULL);
        }
    }
    return list;
}

//  ---------------------------------------------------------------- photos

Homeward__V1__PhotoView *
results_photo_view (mt_casedb_t *db, const mt_photo_row_t *row, mt_photo_source source,
                    bool *failed)
{
    Homeward__V1__PhotoView *p = results_pb_new (&homeward__v1__photo_view__descriptor, failed);
    if (!p)
        return NULL;
    p->has_photo_id = p->has_faces = 1;
    p->photo_id = row->id, p->faces = row->face_count;
    p->sha256 = results_pb_text (row->sha256, failed);
    p->state = results_pb_text (row->state, failed);
    if (row->year_taken)
        p->has_year_taken = 1, p->year_taken = row->year_taken;
    if (row->age_taken >= 0)
        p->has_age_taken = 1, p->age_taken = row->age_taken;
    if (!db)
        return p;
    //  The case page's: why it failed, its removal, which face is the
    //  person, and each face with the advice that fits where the photo
    //  comes from.
    p->has_case_id = 1, p->case_id = row->case_id;
    if (row->error [0])
        p->error = results_pb_text (row->error, failed);
    if (row->error_zh [0])
        p->error_zh = results_pb_text (row->error_zh, failed);
    if (row->removed)
        p->removed = results_pb_text (row->removed_reason, failed);
    if (row->person [0])
        p->person = results_pb_text (row->person, failed);
    mt_face_row_t *faces;
    size_t count;
    if (mt_casedb_photo_faces (db, row->id, &faces, &count, NULL) != MT_OK)
        return p;
    p->face_list = calloc (count ? count : 1, sizeof *p->face_list);
    *failed |= p->face_list == NULL;
    for (size_t i = 0; p->face_list && i < count; i++) {
        const mt_face_row_t *face = &faces [i];
        Homeward__V1__FaceView *f = results_pb_new (&homeward__v1__face_view__descriptor, failed);
        if (!f)
            break;
        p->face_list [p->n_face_list++] = f;
        mt_quality_t q = { .size_px = face->size_px, .sharpness = face->sharpness,
                           .yaw_deg = face->yaw_deg };
        int verdict = mt_verdict_from_name (face->verdict);
        q.verdict = verdict < 0 ? MT_VERDICT_OK : (mt_verdict) verdict;
        char advice [256];
        const char *code;
        mt_quality_advice_for (&q, NULL, source, &code, advice, sizeof advice);
        f->has_face_id = f->has_size_px = f->has_sharpness = f->has_yaw_deg = 1;
        f->has_enrolled = f->has_excluded = 1;
        f->face_id = face->id, f->size_px = face->size_px;
        f->sharpness = round (face->sharpness * 10) / 10;
        f->yaw_deg = round (face->yaw_deg * 10) / 10;
        f->enrolled = face->enrolled, f->excluded = face->excluded;
        f->verdict = results_pb_text (face->verdict, failed);
        f->advice = results_pb_text (advice, failed);
        f->advice_code = results_pb_text (code, failed);
        if ((f->box = malloc (4 * sizeof *f->box))) {
            for (size_t k = 0; k < 4; k++)
                f->box [k] = face->box [k];
            f->n_box = 4;
        }
        *failed |= f->box == NULL;
    }
    free (faces);
    return p;
}

//  ---------------------------------------------------------------- trail

static Homeward__V1__ReviewEntry *
s_entry_pb (const mt_review_row_t *r, bool notes, bool *failed)
{
    Homeward__V1__ReviewEntry *e = results_pb_new (&homeward__v1__review_entry__descriptor,
                                                   failed);
    if (!e)
        return NULL;
    e->has_found_case = e->has_missing_case = 1;
    e->found_case = r->found_case, e->missing_case = r->missing_case;
    e->state = results_pb_text (r->state, failed);
    e->event = results_pb_text (r->event, failed);
    e->actor = results_pb_text (r->actor, failed);
    e->at = results_pb_text (r->at, failed);
    if (r->from_state [0])
        e->from = results_pb_text (r->from_state, failed);
    //  What the DNA test said, where the decision was its result.
    if (strcmp (r->from_state, "dna_requested") == 0 && strcmp (r->event, "review") == 0)
        e->dna_result = results_pb_text (strcmp (r->state, "confirmed") == 0 ? "matched"
                                                                             : "not_matched",
                                         failed);
    if (notes && r->note [0])
        e->note = results_pb_text (r->note, failed);
    if (notes && r->dna_ref [0])
        e->dna_ref = results_pb_text (r->dna_ref, failed);
    return e;
}

Homeward__V1__ReviewEntry **
results_trail_pb (const mt_review_row_t *rows, size_t count, bool notes, size_t *count_p,
                  bool *failed)
{
    *count_p = 0;
    Homeward__V1__ReviewEntry **list = count ? calloc (count, sizeof *list) : NULL;
    *failed |= count && !list;
    for (size_t i = 0; list && i < count; i++)
        if ((list [i] = s_entry_pb (&rows [i], notes, failed)))
            *count_p = i + 1;
    return list;
}

//  ---------------------------------------------------------------- audit

Homeward__V1__AuditEntry **
results_audit_pb (const mt_audit_row_t *rows, size_t count, size_t *count_p, bool *failed)
{
    *count_p = 0;
    Homeward__V1__AuditEntry **list = count ? calloc (count, sizeof *list) : NULL;
    *failed |= count && !list;
    for (size_t i = 0; list && i < count; i++) {
        const mt_audit_row_t *row = &rows [i];
        Homeward__V1__AuditEntry *e = results_pb_new (&homeward__v1__audit_entry__descriptor,
                                                      failed);
        if (!(list [i] = e))
            break;
        *count_p = i + 1;
        e->has_id = 1, e->id = row->id;
        e->at = results_pb_text (row->at, failed);
        e->actor = results_pb_text (row->actor ? row->actor : "", failed);
        e->action = results_pb_text (row->action, failed);
        if (row->object)
            e->object = results_pb_text (row->object, failed);
        if (row->detail)
            e->detail = results_pb_text (row->detail, failed);
        if (row->hash [0])
            e->hash = results_pb_text (row->hash, failed);
    }
    return list;
}

