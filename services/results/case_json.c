//  case_json - a case's facts from and to JSON.

#include "case_json.h"
#include "case_view.h"

#include "results/store/mt_rank.h"
#include "base/mt_utf8.h"
#include "base/mt_text.h"

#include <stdio.h>
#include <string.h>


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

//  Whether key names a fact of the table (a range also by KEY_min and
//  KEY_max) that has every flag of want.
static bool
s_fact_key (const char *key, unsigned want)
{
    const mt_case_fact_t *fact = mt_case_fact_find (key);
    return fact && (fact->flags & want) == want;
}

//  Refuse a key of params that is not a fact (correcting: not a fact staff
//  may correct) or extra.
static int
s_known_keys (json_t *params, const char *extra, bool correcting, mt_err_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach (params, key, value) {
        bool known = strcmp (key, extra) == 0
                  || s_fact_key (key, correcting ? MT_FACT_CORRECT : 0);
        if (!known && correcting)
            return mt_err_set (err, MT_EINVAL, "this field cannot be corrected: '%s'", key);
        if (!known)
            return mt_err_set (err, MT_EINVAL, "unknown case field '%s'", key);
    }
    return MT_OK;
}

//  One fact given in params over what c holds (absent: left as it is).
static int
s_apply_fact (json_t *params, const mt_case_fact_t *fact, mt_case_t *c, mt_err_t *err)
{
    if (fact->type == MT_FACT_SEX) {
        json_t *sex = json_object_get (params, fact->name);
        if (!sex)
            return MT_OK;
        int s = json_is_string (sex) ? mt_sex_from_name (json_string_value (sex)) : -1;
        if (s < 0)
            return mt_err_set (err, MT_EINVAL, "sex must be male, female or unknown");
        *(mt_sex *) ((char *) c + fact->offset) = (mt_sex) s;
        return MT_OK;
    }
    if (fact->type == MT_FACT_INT)
        return results_json_int (params, fact->name, mt_case_fact_int (fact, c, 0), err);
    if (fact->type == MT_FACT_TEXT || fact->type == MT_FACT_DATE)
        return s_text (params, fact->name, mt_case_fact_chars (fact, c), fact->size,
                       (size_t) fact->limit, err);
    int *lo = mt_case_fact_int (fact, c, 0), *hi = mt_case_fact_int (fact, c, 1);
    char key [64];
    int rc = s_range (params, fact->name, lo, hi, err);
    snprintf (key, sizeof key, "%s_min", fact->name);
    if (rc == MT_OK)
        rc = results_json_int (params, key, lo, err);
    snprintf (key, sizeof key, "%s_max", fact->name);
    if (rc == MT_OK)
        rc = results_json_int (params, key, hi, err);
    return rc;
}

//  The facts given in params over those in c (absent keys leave them).
static int
s_apply (json_t *params, mt_case_t *c, mt_err_t *err)
{
    int rc = MT_OK;
    for (size_t i = 0; i < mt_case_facts_count && rc == MT_OK; i++)
        rc = s_apply_fact (params, &mt_case_facts [i], c, err);
    return rc;
}

int
results_case_from_json (json_t *params, mt_case_t *c, mt_err_t *err)
{
    memset (c, 0, sizeof *c);
    for (size_t i = 0; i < mt_case_facts_count; i++)
        if (mt_case_facts [i].type == MT_FACT_INT || mt_case_facts [i].type == MT_FACT_RANGE) {
            *mt_case_fact_int (&mt_case_facts [i], c, 0) = mt_case_facts [i].none;
            if (mt_case_facts [i].type == MT_FACT_RANGE)
                *mt_case_fact_int (&mt_case_facts [i], c, 1) = mt_case_facts [i].none;
        }
    int rc = s_known_keys (params, "kind", false, err);
    if (rc != MT_OK)
        return rc;
    c->kind = mt_case_kind_from_name (json_string_value (json_object_get (params, "kind")));
    if (!c->kind)
        return mt_err_set (err, MT_EINVAL, "kind must be found or missing");
    rc = s_apply (params, c, err);
    return rc == MT_OK ? mt_case_validate (c, err) : rc;
}

int
results_case_update_from_json (json_t *params, mt_case_t *c, char *changes, size_t size,
                               mt_err_t *err)
{
    int rc = s_known_keys (params, "case_id", true, err);
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
    for (size_t f = 0; f < mt_case_facts_count && !cut; f++) {
        const mt_case_fact_t *fact = &mt_case_facts [f];
        if (!(fact->flags & MT_FACT_CORRECT))
            continue;
        char old [4096], now [sizeof old];
        mt_case_fact_text (fact, &before, old, sizeof old);
        mt_case_fact_text (fact, c, now, sizeof now);
        if (strcmp (old, now) != 0) {
            int n = snprintf (changes + at, size - at, "%s%s: %s -> %s", at ? "; " : "",
                              fact->name, old [0] ? old : "(none)", now [0] ? now : "(none)");
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

//  A fact as the case JSON gives it (new reference): text, a number, [low,
//  high] for a range; NULL when the case does not record it, unless given
//  always (sex and whole numbers: "unknown", 0).
static json_t *
s_fact_json (const mt_case_fact_t *fact, const mt_case_t *c, bool always)
{
    if (fact->type == MT_FACT_SEX)
        return json_string (mt_sex_name ((mt_sex) mt_case_fact_int_of (fact, c, 0)));
    if (!mt_case_fact_known (fact, c) && !(always && fact->type == MT_FACT_INT))
        return NULL;
    if (fact->type == MT_FACT_INT)
        return json_integer (mt_case_fact_int_of (fact, c, 0));
    if (fact->type == MT_FACT_RANGE)
        return json_pack ("[i,i]", mt_case_fact_int_of (fact, c, 0),
                          mt_case_fact_int_of (fact, c, 1));
    return json_string (mt_case_fact_chars_of (fact, c));
}

json_t *
results_case_json (const mt_case_t *c)
{
    return results_case_view_json (c, true);
}

json_t *
results_case_changes_json (const mt_case_t *before, const mt_case_t *after)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        if (!(fact->flags & MT_FACT_CORRECT))
            continue;
        //  Not recorded is null here (the case JSON's province 0).
        json_t *from = s_fact_json (fact, before, false), *to = s_fact_json (fact, after, false);
        if ((from || to) && !(from && to && json_equal (from, to)))
            json_array_append_new (list, json_pack ("{s:s, s:O?, s:O?}", "field", fact->name,
                                                    "from", from, "to", to));
        json_decref (from);
        json_decref (to);
    }
    return list;
}


