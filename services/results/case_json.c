//  case_json - a case's facts from and to JSON.

#include "case_json.h"

#include "results/store/mt_rank.h"
#include "base/mt_utf8.h"
#include "base/mt_text.h"

#include <stdio.h>
#include <string.h>


static const char *s_case_keys [] = {
    "kind", "sex", "province", "city", "station", "date_found", "age", "age_min", "age_max",
    "date_last_seen", "birth_year", "birth_year_min", "birth_year_max", "person_name",
    "family_name", "family_contact", "family_relation", "features", "notes", "external_ref",
    "purpose", "consent_basis", "consent_by", "consent_date", NULL
};

//  Text of at most chars characters (as people count them, not bytes) into
//  dst (size bytes: MT_UTF8_BYTES (chars), or less for a fixed form such as
//  a date, whose own check follows).
static int
s_text (json_t *params, const char *key, char *dst, size_t size, size_t chars, mt_err_t *err)
{
    json_t *value = json_object_get (params, key);
    if (!value || json_is_null (value))
        return MT_OK;
    if (!json_is_string (value))
        return mt_err_set (err, MT_EINVAL, "%s must be text", key);
    const char *text = json_string_value (value);
    size_t bytes = json_string_length (value);
    //  jansson holds UTF-8, but a "\u0000" inside would cut the text short.
    if (strlen (text) != bytes || !mt_utf8_valid (text, bytes))
        return mt_err_set (err, MT_EINVAL, "%s is not valid UTF-8 text", key);
    if (mt_utf8_chars (text) > chars || bytes >= size)
        return mt_err_set (err, MT_EINVAL, "%s is longer than %zu characters", key,
                           bytes >= size && size - 1 < chars ? size - 1 : chars);
    memcpy (dst, text, bytes + 1);
    return MT_OK;
}

#define S_TEXT(key, field, chars) s_text (params, key, c->field, sizeof c->field, chars, err)

//  A number, or a "LOW-HIGH" range as text, into lo/hi.
static int
s_range (json_t *params, const char *key, int *lo, int *hi, mt_err_t *err)
{
    json_t *value = json_object_get (params, key);
    if (!value || json_is_null (value))
        return MT_OK;
    if (json_is_integer (value)) {
        *lo = *hi = (int) json_integer_value (value);
        return MT_OK;
    }
    int a, b;
    char extra;
    const char *text = json_string_value (value);
    if (text && sscanf (text, "%d-%d%c", &a, &b, &extra) == 2) {
        *lo = a;
        *hi = b;
        return MT_OK;
    }
    if (text && sscanf (text, "%d%c", &a, &extra) == 1) {
        *lo = *hi = a;
        return MT_OK;
    }
    return mt_err_set (err, MT_EINVAL, "%s must be a number or a range like 60-70", key);
}

int
results_json_int (json_t *params, const char *key, int *dst, mt_err_t *err)
{
    json_t *value = json_object_get (params, key);
    if (!value || json_is_null (value))
        return MT_OK;
    if (!json_is_integer (value))
        return mt_err_set (err, MT_EINVAL, "%s must be a whole number", key);
    *dst = (int) json_integer_value (value);
    return MT_OK;
}

//  Refuse a key of params that is not among keys: unknown, or (correcting)
//  one that is not a correction.
static int
s_known_keys (json_t *params, const char *const *keys, bool correcting, mt_err_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach (params, key, value) {
        bool known = false;
        for (int i = 0; keys [i] && !known; i++)
            known = strcmp (key, keys [i]) == 0;
        if (!known && correcting)
            return mt_err_set (err, MT_EINVAL, "this field cannot be corrected: '%s'", key);
        if (!known)
            return mt_err_set (err, MT_EINVAL, "unknown case field '%s'", key);
    }
    return MT_OK;
}

//  The facts given in params over those in c (absent keys leave them).
static int
s_apply (json_t *params, mt_case_t *c, mt_err_t *err)
{
    json_t *sex = json_object_get (params, "sex");
    if (sex) {
        int s = json_is_string (sex) ? mt_sex_from_name (json_string_value (sex)) : -1;
        if (s < 0)
            return mt_err_set (err, MT_EINVAL, "sex must be male, female or unknown");
        c->sex = (mt_sex) s;
    }
    int rc = MT_OK;
    if (rc == MT_OK) rc = results_json_int (params, "province", &c->province, err);
    if (rc == MT_OK) rc = S_TEXT ("city", city, MT_CASE_CITY_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("station", station, MT_CASE_STATION_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("date_found", date_found, 10);
    if (rc == MT_OK) rc = s_range (params, "age", &c->age_min, &c->age_max, err);
    if (rc == MT_OK) rc = results_json_int (params, "age_min", &c->age_min, err);
    if (rc == MT_OK) rc = results_json_int (params, "age_max", &c->age_max, err);
    if (rc == MT_OK) rc = S_TEXT ("date_last_seen", date_last_seen, 10);
    if (rc == MT_OK) rc = s_range (params, "birth_year", &c->birth_year_min,
                                   &c->birth_year_max, err);
    if (rc == MT_OK) rc = results_json_int (params, "birth_year_min", &c->birth_year_min, err);
    if (rc == MT_OK) rc = results_json_int (params, "birth_year_max", &c->birth_year_max, err);
    if (rc == MT_OK) rc = S_TEXT ("person_name", person_name, MT_CASE_NAME_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("family_name", family_name, MT_CASE_NAME_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("family_contact", family_contact, MT_CASE_CONTACT_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("family_relation", family_relation, MT_CASE_RELATION_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("features", features, MT_CASE_FEATURES_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("notes", notes, MT_CASE_NOTES_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("external_ref", external_ref, MT_CASE_REF_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("purpose", purpose, MT_CASE_PURPOSE_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("consent_basis", consent_basis, 15);
    if (rc == MT_OK) rc = S_TEXT ("consent_by", consent_by, MT_CASE_NAME_CHARS);
    if (rc == MT_OK) rc = S_TEXT ("consent_date", consent_date, 10);
    return rc;
}

int
results_case_from_json (json_t *params, mt_case_t *c, mt_err_t *err)
{
    memset (c, 0, sizeof *c);
    c->age_min = c->age_max = -1;
    int rc = s_known_keys (params, s_case_keys, false, err);
    if (rc != MT_OK)
        return rc;
    c->kind = mt_case_kind_from_name (json_string_value (json_object_get (params, "kind")));
    if (!c->kind)
        return mt_err_set (err, MT_EINVAL, "kind must be found or missing");
    rc = s_apply (params, c, err);
    return rc == MT_OK ? mt_case_validate (c, err) : rc;
}

//  The facts staff may correct; the kind, the import reference and the
//  consent are not corrections.
static const char *s_correctable [] = {
    "case_id", "sex", "province", "city", "station", "date_found", "age", "age_min", "age_max",
    "date_last_seen", "birth_year", "birth_year_min", "birth_year_max", "person_name",
    "family_name", "family_contact", "family_relation", "features", "notes", NULL
};

//  One fact's text for the audit (empty when unknown).
static void
s_fact_text (const mt_case_t *c, int fact, char *buf, size_t size)
{
    const char *text = NULL;
    switch (fact) {
        case 0: text = mt_sex_name (c->sex); break;
        case 4: text = c->date_found; break;
        case 5: text = c->date_last_seen; break;
        case 6: text = c->city; break;
        case 7: text = c->station; break;
        case 8: text = c->person_name; break;
        case 9: text = c->family_name; break;
        case 10: text = c->family_contact; break;
        case 11: text = c->family_relation; break;
        case 12: text = c->features; break;
        case 13: text = c->notes; break;
        default: break;
    }
    buf [0] = '\0';
    if (text)
        snprintf (buf, size, "%s", text);
    else
    if (fact == 1 && c->province)
        snprintf (buf, size, "%d", c->province);
    else
    if (fact == 2 && c->age_min >= 0)
        snprintf (buf, size, "%d-%d", c->age_min, c->age_max);
    else
    if (fact == 3 && c->birth_year_min)
        snprintf (buf, size, "%d-%d", c->birth_year_min, c->birth_year_max);
}

int
results_case_update_from_json (json_t *params, mt_case_t *c, char *changes, size_t size,
                               mt_err_t *err)
{
    static const char *names [] = { "sex", "province", "age", "birth_year", "date_found",
                                    "date_last_seen", "city", "station", "person_name",
                                    "family_name", "family_contact", "family_relation",
                                    "features", "notes" };
    int rc = s_known_keys (params, s_correctable, true, err);
    mt_case_t before = *c;
    if (rc == MT_OK)
        rc = s_apply (params, c, err);
    if (rc == MT_OK)
        rc = mt_case_validate (c, err);
    if (rc != MT_OK)
        return rc;
    size_t at = 0;
    bool cut = false;
    changes [0] = '\0';
    for (int f = 0; f < (int) (sizeof names / sizeof names [0]) && !cut; f++) {
        char old [MT_UTF8_BYTES (MT_CASE_NOTES_CHARS)], now [sizeof old];
        s_fact_text (&before, f, old, sizeof old);
        s_fact_text (c, f, now, sizeof now);
        if (strcmp (old, now) != 0) {
            int n = snprintf (changes + at, size - at, "%s%s: %s -> %s", at ? "; " : "",
                              names [f], old [0] ? old : "(none)", now [0] ? now : "(none)");
            cut = n < 0 || (size_t) n >= size - at;
            at += cut ? 0 : (size_t) n;
        }
    }
    //  Longer than changes holds: cut on a whole character, and said so.
    if (cut && size > 4) {
        mt_text_trim_utf8 (changes);
        size_t end = strlen (changes) < size - 4 ? strlen (changes) : size - 4;
        changes [end] = '\0';
        mt_text_trim_utf8 (changes);
        strcat (changes, "…");
    }
    if (!changes [0])
        return mt_err_set (err, MT_EINVAL, "nothing to correct: the facts given are those "
                           "recorded");
    return MT_OK;
}

json_t *
results_case_json (const mt_case_t *c)
{
    json_t *j = json_pack ("{s:I, s:s, s:s, s:s, s:i, s:s, s:i, s:i}",
                           "case_id", (json_int_t) c->id, "kind", mt_case_kind_name (c->kind),
                           "state", c->state, "sex", mt_sex_name (c->sex),
                           "province", c->province, "province_name",
                           mt_province_name (c->province), "photos", c->photo_count,
                           "faces", c->face_count);
    struct { const char *key; const char *value; } texts [] = {
        { "closed_reason", c->closed_reason }, { "city", c->city }, { "station", c->station },
        { "date_found", c->date_found }, { "date_last_seen", c->date_last_seen },
        { "person_name", c->person_name }, { "family_name", c->family_name },
        { "family_contact", c->family_contact }, { "family_relation", c->family_relation },
        { "features", c->features }, { "notes", c->notes },
        { "external_ref", c->external_ref }, { "created_at", c->created_at },
        { "purpose", c->purpose }, { "consent_basis", c->consent_basis },
        { "consent_by", c->consent_by }, { "consent_date", c->consent_date },
        { "closed_at", c->closed_at }, { "erased_at", c->erased_at }
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        if (texts [i].value [0])
            json_object_set_new (j, texts [i].key, json_string (texts [i].value));
    if (c->age_min >= 0)
        json_object_set_new (j, "age", json_pack ("[i,i]", c->age_min, c->age_max));
    if (c->birth_year_min > 0)
        json_object_set_new (j, "birth_year", json_pack ("[i,i]", c->birth_year_min,
                                                          c->birth_year_max));
    if (c->erased_level > 0)
        json_object_set_new (j, "erased", json_string (c->erased_level >= MT_ERASE_ALL
                                                       ? "all" : "media"));
    return j;
}

json_t *
results_case_changes_json (const mt_case_t *before, const mt_case_t *after)
{
    static const char *fields [] = { "sex", "province", "age", "birth_year", "date_found",
                                     "date_last_seen", "city", "station", "person_name",
                                     "family_name", "family_contact", "family_relation",
                                     "features", "notes" };
    json_t *was = results_case_json (before), *now = results_case_json (after);
    json_t *list = json_array ();
    for (size_t i = 0; i < sizeof fields / sizeof fields [0]; i++) {
        json_t *from = json_object_get (was, fields [i]), *to = json_object_get (now, fields [i]);
        //  Province 0 is what the case JSON says of no province recorded.
        if (json_is_integer (from) && json_integer_value (from) == 0)
            from = NULL;
        if (json_is_integer (to) && json_integer_value (to) == 0)
            to = NULL;
        if ((!from && !to) || (from && to && json_equal (from, to)))
            continue;
        json_array_append_new (list, json_pack ("{s:s, s:O?, s:O?}", "field", fields [i],
                                                "from", from, "to", to));
    }
    json_decref (was);
    json_decref (now);
    return list;
}

json_t *
results_photo_json (const mt_photo_row_t *row)
{
    json_t *p = json_pack ("{s:I, s:s, s:s, s:i}", "photo_id", (json_int_t) row->id,
                           "sha256", row->sha256, "state", row->state, "faces", row->face_count);
    if (row->year_taken)
        json_object_set_new (p, "year_taken", json_integer (row->year_taken));
    if (row->age_taken >= 0)
        json_object_set_new (p, "age_taken", json_integer (row->age_taken));
    return p;
}

json_t *
results_trail_json (const mt_review_row_t *rows, size_t count, bool notes)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++) {
        const mt_review_row_t *r = &rows [i];
        json_t *entry = json_pack ("{s:I, s:I, s:s, s:s, s:s, s:s}",
                                   "found_case", (json_int_t) r->found_case,
                                   "missing_case", (json_int_t) r->missing_case,
                                   "state", r->state, "event", r->event,
                                   "actor", r->actor, "at", r->at);
        if (r->from_state [0])
            json_object_set_new (entry, "from", json_string (r->from_state));
        //  What the DNA test said, where the decision was its result.
        if (strcmp (r->from_state, "dna_requested") == 0 && strcmp (r->event, "review") == 0)
            json_object_set_new (entry, "dna_result", json_string (
                strcmp (r->state, "confirmed") == 0 ? "matched" : "not_matched"));
        if (notes && r->note [0])
            json_object_set_new (entry, "note", json_string (r->note));
        if (notes && r->dna_ref [0])
            json_object_set_new (entry, "dna_ref", json_string (r->dna_ref));
        json_array_append_new (list, entry);
    }
    return list;
}
