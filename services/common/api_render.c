//  api_render - the JSON of the API's answers.

#include "api_render.h"
#include "api_explain.h"

#include "homeward/v1/api.pb-c.h"
#include "wire/mt_pb_json.h"

#include <math.h>
#include <stdio.h>

static json_t *s_hook (const ProtobufCMessage *m, void *arg);

//  A fact's value as the case JSON gives it: text, a number, [low, high];
//  null when the case does not record it.
static json_t *
s_fact_value (const Homeward__V1__CaseFact *fact)
{
    if (fact && fact->value_case == HOMEWARD__V1__CASE_FACT__VALUE_TEXT)
        return json_string (fact->text ? fact->text : "");
    if (fact && fact->value_case == HOMEWARD__V1__CASE_FACT__VALUE_NUMBER)
        return json_integer ((json_int_t) fact->number);
    if (fact && fact->value_case == HOMEWARD__V1__CASE_FACT__VALUE_RANGE && fact->range)
        return json_pack ("[i,i]", fact->range->low, fact->range->high);
    return json_null ();
}

//  A case: its facts each under its name.
static json_t *
s_case_view (const Homeward__V1__CaseView *view)
{
    json_t *j = mt_pb_json_fields (&view->base, false, s_hook, NULL);
    json_object_del (j, "facts");
    //  Its photos and trail: on the case page, for who sees it whole.
    if (!view->has_matching || view->redacted) {
        json_object_del (j, "photo_list");
        json_object_del (j, "trail");
    }
    for (size_t i = 0; j && i < view->n_facts; i++)
        if (view->facts [i]->name)
            json_object_set_new (j, view->facts [i]->name, s_fact_value (view->facts [i]));
    return j;
}

//  A fact corrected: from and to as values, null where not recorded.
static json_t *
s_fact_change (const Homeward__V1__FactChange *change)
{
    return json_pack ("{s:s, s:o, s:o}", "field", change->field ? change->field : "",
                      "from", s_fact_value (change->from), "to", s_fact_value (change->to));
}

//  A photo: its faces on the case page (with its case) only.
static json_t *
s_photo_view (const Homeward__V1__PhotoView *photo)
{
    json_t *j = mt_pb_json_fields (&photo->base, false, s_hook, NULL);
    if (!photo->has_case_id)
        json_object_del (j, "face_list");
    return j;
}

//  A candidate pair: what its score means, and its explanation in words.
static json_t *
s_candidate (const Homeward__V1__Candidate *c)
{
    json_t *j = mt_pb_json_fields (&c->base, false, s_hook, NULL);
    if (!j)
        return NULL;
    json_object_del (j, "explanation_text");
    //  A rate, never a certainty: "fewer than 1", "about N", "more than 99".
    char meaning [256], rate [32];
    int percent = (int) lround (c->score * 100);
    if (percent < 1 || percent > 99)
        snprintf (rate, sizeof rate, "%s", percent < 1 ? "fewer than 1" : "more than 99");
    else
        snprintf (rate, sizeof rate, "about %d", percent);
    snprintf (meaning, sizeof meaning, "In tests with thousands of labelled families, %s in 100 "
              "candidate families scored like this were the true one (%lld families searched "
              "here). Only a DNA test decides.", rate, (long long) c->families);
    //  (An export's pairs say no families searched: no meaning then.)
    if (c->has_families)
        json_object_set_new (j, "meaning", json_string (meaning));
    json_t *explanation = api_explain_stored (c->has_explanation ? c->explanation.data : NULL,
                                              c->has_explanation ? c->explanation.len : 0,
                                              c->explanation_text);
    if (explanation)
        json_object_set_new (j, "explanation", explanation);
    return j;
}

//  An audit entry: null where it has no object, detail or hash.
static json_t *
s_audit_entry (const Homeward__V1__AuditEntry *e)
{
    json_t *j = mt_pb_json_fields (&e->base, false, s_hook, NULL);
    const char *keys [] = { "object", "detail", "hash" };
    for (size_t i = 0; j && i < sizeof keys / sizeof keys [0]; i++)
        if (!json_object_get (j, keys [i]))
            json_object_set_new (j, keys [i], json_null ());
    return j;
}

//  The service's counts, each under its name.
static json_t *
s_stats (const Homeward__V1__ServiceStats *st)
{
    json_t *j = mt_pb_json_fields (&st->base, false, s_hook, NULL);
    json_object_del (j, "counts");
    for (size_t i = 0; j && i < st->n_counts; i++)
        if (st->counts [i]->name)
            json_object_set_new (j, st->counts [i]->name, json_integer (st->counts [i]->value));
    //  The replicas when the broker answered, else why not.
    if (j && !st->has_partitions)
        json_object_del (j, "replicas");
    return j;
}

//  Words in both languages, the Chinese as "zh-CN".
static json_t *
s_label (const Homeward__V1__Label *label)
{
    return json_pack ("{s:s, s:s}", "en", label->en ? label->en : "", "zh-CN",
                      label->zh_cn ? label->zh_cn : "");
}

//  A face as the store holds it (the export): null where it has no
//  verdict or no time; its second descriptor where it has one.
static json_t *
s_face_held (const Homeward__V1__FaceHeld *f)
{
    json_t *j = mt_pb_json_fields (&f->base, false, s_hook, NULL);
    if (j && !f->verdict)
        json_object_set_new (j, "verdict", json_null ());
    if (j && !f->created_at)
        json_object_set_new (j, "created_at", json_null ());
    if (!f->descriptor2)
        json_object_del (j, "embedding2");
    return j;
}

static json_t *
s_hook (const ProtobufCMessage *m, void *arg)
{
    (void) arg;
    if (m->descriptor == &homeward__v1__case_view__descriptor)
        return s_case_view ((const Homeward__V1__CaseView *) m);
    if (m->descriptor == &homeward__v1__candidate__descriptor)
        return s_candidate ((const Homeward__V1__Candidate *) m);
    if (m->descriptor == &homeward__v1__photo_view__descriptor)
        return s_photo_view ((const Homeward__V1__PhotoView *) m);
    if (m->descriptor == &homeward__v1__audit_entry__descriptor)
        return s_audit_entry ((const Homeward__V1__AuditEntry *) m);
    if (m->descriptor == &homeward__v1__service_stats__descriptor)
        return s_stats ((const Homeward__V1__ServiceStats *) m);
    if (m->descriptor == &homeward__v1__face_held__descriptor)
        return s_face_held ((const Homeward__V1__FaceHeld *) m);
    if (m->descriptor == &homeward__v1__fact_change__descriptor)
        return s_fact_change ((const Homeward__V1__FactChange *) m);
    if (m->descriptor == &homeward__v1__label__descriptor)
        return s_label ((const Homeward__V1__Label *) m);
    return NULL;
}

json_t *
api_render (const ProtobufCMessage *message)
{
    return mt_pb_json_hooked (message, false, s_hook, NULL);
}
