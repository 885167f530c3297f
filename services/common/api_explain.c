//  api_explain - a pair's explanation in words.

#include "api_explain.h"

#include "base/mt_province.h"
#include "base/mt_sex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef Homeward__V1__Explanation s_pb_t;

//  The facts weighed, in the order of Explanation.facts.
enum { S_SEX, S_AGE, S_DATES, S_PROVINCE, S_FACTS };
//  Their verdicts (FactWeighed.verdict).
enum { S_UNKNOWN, S_AGREES, S_CONFLICTS, S_FAR };

static json_t *
s_desc_json (const Homeward__V1__Description *d)
{
    if (!d)
        return json_pack ("{s:I, s:I, s:f}", "face", (json_int_t) 0, "photos", (json_int_t) 0,
                          "prior", 0.0);
    json_t *j = json_pack ("{s:I, s:I, s:f}", "face", (json_int_t) d->face,
                           "photos", (json_int_t) d->photos, "prior", d->prior);
    if (d->verdict && d->verdict [0])
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

//  One of a repeated pair (min, max), 0 where not kept.
static int
s_of (const int32_t *values, size_t count, size_t i)
{
    return i < count ? values [i] : 0;
}

//  A known fact's sentence (into detail) and its values (new reference).
static json_t *
s_fact_words (const s_pb_t *ex, int fact, unsigned verdict, char *detail, size_t size)
{
    const char *found_on = ex->date_found ? ex->date_found : "";
    const char *last_seen = ex->date_last_seen ? ex->date_last_seen : "";
    switch (fact) {
        case S_SEX: {
            const char *found = mt_sex_name ((mt_sex) ex->sex_found);
            const char *missing = mt_sex_name ((mt_sex) ex->sex_missing);
            if (verdict == S_AGREES)
                snprintf (detail, size, "both %s", found);
            else
                snprintf (detail, size, "found person recorded %s, missing person %s (a "
                          "recording error is possible)", found, missing);
            return json_pack ("{s:s, s:s}", "found", found, "missing", missing);
        }
        case S_AGE: {
            int e [2], w [2];
            for (size_t i = 0; i < 2; i++) {
                e [i] = s_of (ex->age_estimated, ex->n_age_estimated, i);
                w [i] = s_of (ex->age_would_be, ex->n_age_would_be, i);
            }
            if (w [0] == w [1])
                snprintf (detail, size, "estimated %d-%d; the missing person would be %d in %d",
                          e [0], e [1], w [0], ex->age_year);
            else
                snprintf (detail, size, "estimated %d-%d; the missing person would be %d-%d "
                          "in %d", e [0], e [1], w [0], w [1], ex->age_year);
            return json_pack ("{s:[i,i], s:[i,i], s:i}", "estimated", e [0], e [1],
                              "would_be", w [0], w [1], "year", ex->age_year);
        }
        case S_DATES: {
            long long early = -(long long) ex->days;
            if (early > 0)
                snprintf (detail, size, "found on %s, %lld day%s before last seen on %s",
                          found_on, early, early == 1 ? "" : "s", last_seen);
            else
                snprintf (detail, size, "last seen %s, found %s (%lld days later)",
                          last_seen, found_on, (long long) ex->days);
            return json_pack ("{s:s, s:s, s:I}", "found", found_on, "last_seen", last_seen,
                              "days", (json_int_t) ex->days);
        }
        default:
            if (ex->province_found == ex->province_home)
                snprintf (detail, size, "found in the home province (%s)",
                          mt_province_name (ex->province_found));
            else
                snprintf (detail, size, "found in %s, home province %s (~%d km apart)",
                          mt_province_name (ex->province_found),
                          mt_province_name (ex->province_home), ex->km);
            return json_pack ("{s:i, s:i, s:i}", "found", ex->province_found, "home",
                              ex->province_home, "km", ex->km);
    }
}

static json_t *
s_facts_json (const s_pb_t *ex)
{
    static const char *names [S_FACTS] = { "sex", "age", "dates", "province" };
    static const char *verdicts [] = { "unknown", "agrees", "conflicts", "far" };
    static const char *unknown [S_FACTS] = {
        "not recorded on both cases", "no estimated age or no birth year",
        "date found or date last seen not recorded", "a province is not recorded"
    };
    json_t *list = json_array ();
    for (int i = 0; i < S_FACTS; i++) {
        const Homeward__V1__FactWeighed *weighed = (size_t) i < ex->n_facts ? ex->facts [i]
                                                                            : NULL;
        unsigned verdict = weighed && weighed->verdict <= S_FAR ? weighed->verdict : S_UNKNOWN;
        char detail [256];
        json_t *values;
        if (verdict == S_UNKNOWN) {
            snprintf (detail, sizeof detail, "%s", unknown [i]);
            values = json_object ();
        }
        else
            values = s_fact_words (ex, i, verdict, detail, sizeof detail);
        json_array_append_new (list, json_pack ("{s:s, s:s, s:f, s:s, s:o}", "fact", names [i],
                                                "verdict", verdicts [verdict],
                                                "effect", weighed ? weighed->effect : 0.0,
                                                "detail", detail, "values", values));
    }
    return list;
}

//  The flags set, by their names in small letters.
static json_t *
s_flags_json (uint32_t flags)
{
    json_t *list = json_array ();
    const ProtobufCEnumDescriptor *d = &homeward__v1__flag__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        const ProtobufCEnumValue *v = &d->values [i];
        if (v->value < 0 || v->value >= 32 || !(flags & (1u << v->value)))
            continue;
        char name [64];
        size_t k = 0;
        for (; v->name [k] && k + 1 < sizeof name; k++)
            name [k] = (char) tolower ((unsigned char) v->name [k]);
        name [k] = '\0';
        json_array_append_new (list, json_string (name));
    }
    return list;
}

json_t *
api_explain_json (const s_pb_t *ex)
{
    json_t *root = json_object ();
    if (ex->pooled) {
        json_t *pooled = json_pack ("{s:o, s:o, s:f, s:f}", "found", s_desc_json (ex->found),
                                    "missing", s_desc_json (ex->missing),
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
    for (size_t i = 0; i < ex->n_pairs; i++) {
        const Homeward__V1__FacePair *p = ex->pairs [i];
        json_array_append_new (pairs, json_pack ("{s:I, s:I, s:f, s:s, s:s}",
            "found_face", (json_int_t) p->found_face,
            "missing_face", (json_int_t) p->missing_face, "distance", p->distance,
            "found_verdict", p->found_verdict ? p->found_verdict : "",
            "missing_verdict", p->missing_verdict ? p->missing_verdict : ""));
    }
    json_object_set_new (root, "pairs", pairs);
    json_object_set_new (root, "evidence", json_real (ex->evidence));
    json_object_set_new (root, "face_evidence", json_real (ex->face_evidence));
    json_object_set_new (root, "facts_evidence", json_real (ex->facts_evidence));
    json_object_set_new (root, "facts", s_facts_json (ex));
    json_object_set_new (root, "flags", s_flags_json (ex->flags));
    //  A linked person's records weighed as one (issue 27).
    if (ex->records_found > 1 || ex->records_missing > 1)
        json_object_set_new (root, "linked_records", json_pack ("{s:i, s:i}",
            "found", ex->records_found > 1 ? ex->records_found : 1,
            "missing", ex->records_missing > 1 ? ex->records_missing : 1));
    return root;
}

json_t *
api_explain_stored (const uint8_t *packed, size_t size, const char *text)
{
    if (packed && size > 0) {
        s_pb_t *ex = homeward__v1__explanation__unpack (NULL, size, packed);
        json_t *json = ex ? api_explain_json (ex) : NULL;
        if (ex)
            homeward__v1__explanation__free_unpacked (ex, NULL);
        return json;
    }
    json_error_t jerr;
    return text && *text ? json_loads (text, 0, &jerr) : NULL;
}
