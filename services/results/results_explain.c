//  results_explain - a candidate pair's explanation: packed for the store,
//  read back, and said in words.

#include "results_explain.h"

#include "results/store/mt_casedb.h"
#include "results/store/mt_province.h"

#include "homeward/v1/explanation.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Explanation s_pb_t;
typedef Homeward__V1__Description s_pb_desc_t;
typedef Homeward__V1__FacePair s_pb_pair_t;
typedef Homeward__V1__FactWeighed s_pb_fact_t;

//  ---------------------------------------------------------------- packed

static void
s_desc_pb (const mt_rank_desc_t *d, s_pb_desc_t *pb)
{
    homeward__v1__description__init (pb);
    pb->face = d->face, pb->photos = d->photos, pb->prior = d->prior;
    pb->verdict = (char *) d->verdict;
    pb->age = d->age, pb->child = d->child, pb->child_year = d->child_year;
    pb->group_faces = d->group_faces;
}

int
results_explain_pack (const mt_rank_explanation_t *ex, uint8_t **bytes_p, size_t *size_p,
                      mt_err_t *err)
{
    s_pb_t pb;
    homeward__v1__explanation__init (&pb);
    s_pb_desc_t found, missing;
    s_desc_pb (&ex->found, &found);
    s_desc_pb (&ex->missing, &missing);
    s_pb_pair_t pairs [MT_RANK_PAIRS_SHOWN], *pair_list [MT_RANK_PAIRS_SHOWN];
    s_pb_fact_t facts [MT_RANK_FACTS], *fact_list [MT_RANK_FACTS];
    int32_t estimated [2] = { ex->facts.age_estimated [0], ex->facts.age_estimated [1] };
    int32_t would_be [2] = { ex->facts.age_would_be [0], ex->facts.age_would_be [1] };
    pb.pooled = ex->pooled;
    if (ex->pooled)
        pb.found = &found, pb.missing = &missing;
    pb.distance = ex->distance, pb.weight = ex->weight, pb.distance2 = ex->distance2;
    pb.age_gap = ex->age_gap;
    pb.descriptions_found = ex->descriptions_found;
    pb.descriptions_missing = ex->descriptions_missing;
    pb.n_pairs = ex->pairs < MT_RANK_PAIRS_SHOWN ? ex->pairs : MT_RANK_PAIRS_SHOWN;
    pb.pairs = pair_list;
    for (size_t i = 0; i < pb.n_pairs; i++) {
        const mt_rank_face_pair_t *p = &ex->pair [i];
        homeward__v1__face_pair__init (&pairs [i]);
        pairs [i].found_face = p->found_face, pairs [i].missing_face = p->missing_face;
        pairs [i].distance = p->distance;
        pairs [i].found_verdict = (char *) p->found_verdict;
        pairs [i].missing_verdict = (char *) p->missing_verdict;
        pair_list [i] = &pairs [i];
    }
    pb.evidence = ex->evidence, pb.face_evidence = ex->face_evidence;
    pb.facts_evidence = ex->facts_evidence;
    pb.n_facts = MT_RANK_FACTS, pb.facts = fact_list;
    for (size_t i = 0; i < MT_RANK_FACTS; i++) {
        homeward__v1__fact_weighed__init (&facts [i]);
        facts [i].verdict = (uint32_t) ex->facts.verdict [i];
        facts [i].effect = ex->facts.effect [i];
        fact_list [i] = &facts [i];
    }
    const mt_rank_facts_t *f = &ex->facts;
    pb.sex_found = f->sex_found, pb.sex_missing = f->sex_missing;
    pb.n_age_estimated = 2, pb.age_estimated = estimated;
    pb.n_age_would_be = 2, pb.age_would_be = would_be;
    pb.age_year = f->age_year;
    pb.date_found = (char *) f->date_found, pb.date_last_seen = (char *) f->date_last_seen;
    pb.days = f->days;
    pb.province_found = f->province_found, pb.province_home = f->province_home;
    pb.km = f->km;
    pb.flags = ex->flags;
    size_t size = homeward__v1__explanation__get_packed_size (&pb);
    uint8_t *bytes = malloc (size ? size : 1);
    if (!bytes)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    *size_p = homeward__v1__explanation__pack (&pb, bytes);
    *bytes_p = bytes;
    return MT_OK;
}

static void
s_desc_of (const s_pb_desc_t *pb, mt_rank_desc_t *d)
{
    memset (d, 0, sizeof *d);
    d->age = -1;
    if (!pb)
        return;
    d->face = pb->face, d->photos = pb->photos, d->prior = pb->prior;
    snprintf (d->verdict, sizeof d->verdict, "%s", pb->verdict ? pb->verdict : "");
    d->age = pb->age, d->child = pb->child, d->child_year = pb->child_year;
    d->group_faces = pb->group_faces;
}

int
results_explain_unpack (const uint8_t *bytes, size_t size, mt_rank_explanation_t *ex,
                        mt_err_t *err)
{
    s_pb_t *pb = homeward__v1__explanation__unpack (NULL, size, bytes);
    if (!pb)
        return mt_err_set (err, MT_EPROTO, "a stored explanation cannot be read (%zu bytes)",
                           size);
    memset (ex, 0, sizeof *ex);
    ex->pooled = pb->pooled;
    s_desc_of (pb->found, &ex->found);
    s_desc_of (pb->missing, &ex->missing);
    ex->distance = pb->distance, ex->weight = pb->weight, ex->distance2 = pb->distance2;
    ex->age_gap = pb->age_gap;
    ex->descriptions_found = pb->descriptions_found;
    ex->descriptions_missing = pb->descriptions_missing;
    ex->pairs = pb->n_pairs < MT_RANK_PAIRS_SHOWN ? pb->n_pairs : MT_RANK_PAIRS_SHOWN;
    for (size_t i = 0; i < ex->pairs; i++) {
        const s_pb_pair_t *p = pb->pairs [i];
        mt_rank_face_pair_t *q = &ex->pair [i];
        q->found_face = p->found_face, q->missing_face = p->missing_face;
        q->distance = p->distance;
        snprintf (q->found_verdict, sizeof q->found_verdict, "%s",
                  p->found_verdict ? p->found_verdict : "");
        snprintf (q->missing_verdict, sizeof q->missing_verdict, "%s",
                  p->missing_verdict ? p->missing_verdict : "");
    }
    ex->evidence = pb->evidence, ex->face_evidence = pb->face_evidence;
    ex->facts_evidence = pb->facts_evidence;
    mt_rank_facts_t *f = &ex->facts;
    for (size_t i = 0; i < pb->n_facts && i < MT_RANK_FACTS; i++) {
        uint32_t verdict = pb->facts [i]->verdict;
        f->verdict [i] = verdict <= MT_RANK_FAR ? (mt_rank_verdict) verdict : MT_RANK_UNKNOWN;
        f->effect [i] = pb->facts [i]->effect;
    }
    f->sex_found = pb->sex_found, f->sex_missing = pb->sex_missing;
    for (size_t i = 0; i < 2; i++) {
        f->age_estimated [i] = i < pb->n_age_estimated ? pb->age_estimated [i] : 0;
        f->age_would_be [i] = i < pb->n_age_would_be ? pb->age_would_be [i] : 0;
    }
    f->age_year = pb->age_year;
    snprintf (f->date_found, sizeof f->date_found, "%s", pb->date_found ? pb->date_found : "");
    snprintf (f->date_last_seen, sizeof f->date_last_seen, "%s",
              pb->date_last_seen ? pb->date_last_seen : "");
    f->days = pb->days;
    f->province_found = pb->province_found, f->province_home = pb->province_home;
    f->km = pb->km;
    ex->flags = pb->flags & ((1u << MT_RANK_FLAGS) - 1);
    homeward__v1__explanation__free_unpacked (pb, NULL);
    return MT_OK;
}

//  ---------------------------------------------------------------- in words

static json_t *
s_desc_json (const mt_rank_desc_t *d)
{
    json_t *j = json_pack ("{s:I, s:I, s:f}", "face", (json_int_t) d->face,
                           "photos", (json_int_t) d->photos, "prior", d->prior);
    if (d->verdict [0])
        json_object_set_new (j, "verdict", json_string (d->verdict));
    if (d->age >= 0)
        json_object_set_new (j, "age", json_integer (d->age));
    if (d->child) {
        json_t *child = json_object ();
        if (d->child_year)
            json_object_set_new (child, "year", json_integer (d->child_year));
        json_object_set_new (child, "age", json_integer (d->age));
        json_object_set_new (j, "child_photo", child);
    }
    if (d->group_faces)
        json_object_set_new (j, "group_photo", json_pack ("{s:i, s:s}", "faces", d->group_faces,
            "rule", "the person was not picked: the face nearest the middle counts most"));
    return j;
}

static const char *
s_verdict_name (mt_rank_verdict verdict)
{
    static const char *names [] = { "unknown", "agrees", "conflicts", "far" };
    return verdict <= MT_RANK_FAR ? names [verdict] : "unknown";
}

//  A known fact's sentence (into detail) and its values (new reference).
static json_t *
s_fact_words (const mt_rank_facts_t *f, mt_rank_fact fact, char *detail, size_t size)
{
    switch (fact) {
        case MT_RANK_FACT_SEX: {
            const char *found = mt_sex_name ((mt_sex) f->sex_found);
            const char *missing = mt_sex_name ((mt_sex) f->sex_missing);
            if (f->verdict [fact] == MT_RANK_AGREES)
                snprintf (detail, size, "both %s", found);
            else
                snprintf (detail, size, "found person recorded %s, missing person %s (a "
                          "recording error is possible)", found, missing);
            return json_pack ("{s:s, s:s}", "found", found, "missing", missing);
        }
        case MT_RANK_FACT_AGE: {
            const int *e = f->age_estimated, *w = f->age_would_be;
            if (w [0] == w [1])
                snprintf (detail, size, "estimated %d-%d; the missing person would be %d in %d",
                          e [0], e [1], w [0], f->age_year);
            else
                snprintf (detail, size, "estimated %d-%d; the missing person would be %d-%d "
                          "in %d", e [0], e [1], w [0], w [1], f->age_year);
            return json_pack ("{s:[i,i], s:[i,i], s:i}", "estimated", e [0], e [1],
                              "would_be", w [0], w [1], "year", f->age_year);
        }
        case MT_RANK_FACT_DATES: {
            long long early = -f->days;
            if (early > 0)
                snprintf (detail, size, "found on %s, %lld day%s before last seen on %s",
                          f->date_found, early, early == 1 ? "" : "s", f->date_last_seen);
            else
                snprintf (detail, size, "last seen %s, found %s (%lld days later)",
                          f->date_last_seen, f->date_found, (long long) f->days);
            return json_pack ("{s:s, s:s, s:I}", "found", f->date_found, "last_seen",
                              f->date_last_seen, "days", (json_int_t) f->days);
        }
        default:
            if (f->province_found == f->province_home)
                snprintf (detail, size, "found in the home province (%s)",
                          mt_province_name (f->province_found));
            else
                snprintf (detail, size, "found in %s, home province %s (~%d km apart)",
                          mt_province_name (f->province_found),
                          mt_province_name (f->province_home), f->km);
            return json_pack ("{s:i, s:i, s:i}", "found", f->province_found, "home",
                              f->province_home, "km", f->km);
    }
}

static json_t *
s_facts_json (const mt_rank_facts_t *f)
{
    static const char *names [MT_RANK_FACTS] = { "sex", "age", "dates", "province" };
    static const char *unknown [MT_RANK_FACTS] = {
        "not recorded on both cases", "no estimated age or no birth year",
        "date found or date last seen not recorded", "a province is not recorded"
    };
    json_t *list = json_array ();
    for (int i = 0; i < MT_RANK_FACTS; i++) {
        char detail [256];
        json_t *values;
        if (f->verdict [i] == MT_RANK_UNKNOWN) {
            snprintf (detail, sizeof detail, "%s", unknown [i]);
            values = json_object ();
        }
        else
            values = s_fact_words (f, (mt_rank_fact) i, detail, sizeof detail);
        json_array_append_new (list, json_pack ("{s:s, s:s, s:f, s:s, s:o}", "fact", names [i],
                                                "verdict", s_verdict_name (f->verdict [i]),
                                                "effect", f->effect [i], "detail", detail,
                                                "values", values));
    }
    return list;
}

json_t *
results_explain_json (const mt_rank_explanation_t *ex)
{
    json_t *root = json_object ();
    if (ex->pooled) {
        json_t *pooled = json_pack ("{s:o, s:o, s:f, s:f}", "found", s_desc_json (&ex->found),
                                    "missing", s_desc_json (&ex->missing),
                                    "distance", ex->distance, "weight", ex->weight);
        if (ex->distance2 >= 0)
            json_object_set_new (pooled, "distance2", json_real (ex->distance2));
        if (ex->age_gap >= 0)
            json_object_set_new (pooled, "age_gap", json_integer (ex->age_gap));
        json_object_set_new (root, "pooled", pooled);
        json_object_set_new (root, "descriptions", json_pack ("{s:I, s:I}",
            "found", (json_int_t) ex->descriptions_found,
            "missing", (json_int_t) ex->descriptions_missing));
    }
    json_t *pairs = json_array ();
    for (size_t i = 0; i < ex->pairs && i < MT_RANK_PAIRS_SHOWN; i++) {
        const mt_rank_face_pair_t *p = &ex->pair [i];
        json_array_append_new (pairs, json_pack ("{s:I, s:I, s:f, s:s, s:s}",
            "found_face", (json_int_t) p->found_face,
            "missing_face", (json_int_t) p->missing_face, "distance", p->distance,
            "found_verdict", p->found_verdict, "missing_verdict", p->missing_verdict));
    }
    json_object_set_new (root, "pairs", pairs);
    json_object_set_new (root, "evidence", json_real (ex->evidence));
    json_object_set_new (root, "face_evidence", json_real (ex->face_evidence));
    json_object_set_new (root, "facts_evidence", json_real (ex->facts_evidence));
    json_object_set_new (root, "facts", s_facts_json (&ex->facts));
    json_t *flags = json_array ();
    for (int i = 0; i < MT_RANK_FLAGS; i++)
        if (ex->flags & (1u << i))
            json_array_append_new (flags, json_string (mt_rank_flag_name (i)));
    json_object_set_new (root, "flags", flags);
    return root;
}

json_t *
results_explain_stored (const uint8_t *packed, size_t size, const char *text)
{
    mt_rank_explanation_t ex;
    if (packed && size > 0)
        return results_explain_unpack (packed, size, &ex, NULL) == MT_OK
             ? results_explain_json (&ex) : NULL;
    json_error_t jerr;
    return text && *text ? json_loads (text, 0, &jerr) : NULL;
}
