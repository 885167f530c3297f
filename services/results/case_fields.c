//  case_fields - a case's facts as its callers give them, checked.

#include "case_fields.h"

#include "base/mt_utf8.h"
#include "base/mt_text.h"

#include <stdio.h>
#include <string.h>


//  The fact of fields named name, or NULL when not given.
static const Homeward__V1__CaseFact *
s_given (const Homeward__V1__CaseFields *fields, const char *name)
{
    for (size_t i = 0; i < fields->n_facts; i++)
        if (fields->facts [i]->name && strcmp (fields->facts [i]->name, name) == 0)
            return fields->facts [i];
    return NULL;
}

//  Text of at most chars characters (as people count them, not bytes) into
//  dst (size bytes: MT_UTF8_BYTES (chars), or less for a fixed form such as
//  a date, whose own check follows).
static int
s_text (const Homeward__V1__CaseFact *v, const char *key, char *dst, size_t size, size_t chars,
        mt_err_t *err)
{
    if (!v)
        return MT_OK;
    if (v->value_case != HOMEWARD__V1__CASE_FACT__VALUE_TEXT || !v->text)
        return mt_err_set (err, MT_EINVAL, "%s must be text", key);
    const char *text = v->text;
    size_t bytes = strlen (text);
    if (!mt_utf8_valid (text, bytes))
        return mt_err_set (err, MT_EINVAL, "%s is not valid UTF-8 text", key);
    if (mt_utf8_chars (text) > chars || bytes >= size)
        return mt_err_set (err, MT_EINVAL, "%s is longer than %zu characters", key,
                           bytes >= size && size - 1 < chars ? size - 1 : chars);
    memcpy (dst, text, bytes + 1);
    return MT_OK;
}

//  A whole number into *dst.
static int
s_whole (const Homeward__V1__CaseFact *v, const char *key, int *dst, mt_err_t *err)
{
    if (!v)
        return MT_OK;
    if (v->value_case != HOMEWARD__V1__CASE_FACT__VALUE_NUMBER)
        return mt_err_set (err, MT_EINVAL, "%s must be a whole number", key);
    *dst = (int) v->number;
    return MT_OK;
}

//  A number, or a "LOW-HIGH" range as text, into lo/hi.
static int
s_range (const Homeward__V1__CaseFact *v, const char *key, int *lo, int *hi, mt_err_t *err)
{
    if (!v)
        return MT_OK;
    if (v->value_case == HOMEWARD__V1__CASE_FACT__VALUE_NUMBER) {
        *lo = *hi = (int) v->number;
        return MT_OK;
    }
    if (v->value_case == HOMEWARD__V1__CASE_FACT__VALUE_RANGE && v->range) {
        *lo = v->range->low, *hi = v->range->high;
        return MT_OK;
    }
    int a, b;
    char extra;
    const char *text = v->value_case == HOMEWARD__V1__CASE_FACT__VALUE_TEXT ? v->text : NULL;
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

//  Refuse a fact of fields that is not one of the table (correcting: not
//  one staff may correct; a range also by KEY_min and KEY_max).
static int
s_known_facts (const Homeward__V1__CaseFields *fields, bool correcting, mt_err_t *err)
{
    unsigned want = correcting ? MT_FACT_CORRECT : 0;
    for (size_t i = 0; i < fields->n_facts; i++) {
        const char *key = fields->facts [i]->name ? fields->facts [i]->name : "";
        const mt_case_fact_t *fact = mt_case_fact_find (key);
        if (fact && (fact->flags & want) == want)
            continue;
        if (correcting)
            return mt_err_set (err, MT_EINVAL, "this field cannot be corrected: '%s'", key);
        return mt_err_set (err, MT_EINVAL, "unknown case field '%s'", key);
    }
    return MT_OK;
}

//  One fact given in fields over what c holds (not given: left as it is).
static int
s_apply_fact (const Homeward__V1__CaseFields *fields, const mt_case_fact_t *fact,
              mt_case_t *c, mt_err_t *err)
{
    const Homeward__V1__CaseFact *v = s_given (fields, fact->name);
    if (fact->type == MT_FACT_SEX) {
        if (!v)
            return MT_OK;
        int s = v->value_case == HOMEWARD__V1__CASE_FACT__VALUE_TEXT && v->text
              ? mt_sex_from_name (v->text) : -1;
        if (s < 0)
            return mt_err_set (err, MT_EINVAL, "sex must be male, female or unknown");
        *(mt_sex *) ((char *) c + fact->offset) = (mt_sex) s;
        return MT_OK;
    }
    if (fact->type == MT_FACT_INT)
        return s_whole (v, fact->name, mt_case_fact_int (fact, c, 0), err);
    if (fact->type == MT_FACT_TEXT || fact->type == MT_FACT_DATE)
        return s_text (v, fact->name, mt_case_fact_chars (fact, c), fact->size,
                       (size_t) fact->limit, err);
    int *lo = mt_case_fact_int (fact, c, 0), *hi = mt_case_fact_int (fact, c, 1);
    char key [64];
    int rc = s_range (v, fact->name, lo, hi, err);
    snprintf (key, sizeof key, "%s_min", fact->name);
    if (rc == MT_OK)
        rc = s_whole (s_given (fields, key), key, lo, err);
    snprintf (key, sizeof key, "%s_max", fact->name);
    if (rc == MT_OK)
        rc = s_whole (s_given (fields, key), key, hi, err);
    return rc;
}

//  The facts given in fields over those in c (those not given left).
static int
s_apply (const Homeward__V1__CaseFields *fields, mt_case_t *c, mt_err_t *err)
{
    int rc = MT_OK;
    for (size_t i = 0; i < mt_case_facts_count && rc == MT_OK; i++)
        rc = s_apply_fact (fields, &mt_case_facts [i], c, err);
    return rc;
}

int
results_case_from_fields (const Homeward__V1__CaseFields *fields, mt_case_t *c, mt_err_t *err)
{
    memset (c, 0, sizeof *c);
    for (size_t i = 0; i < mt_case_facts_count; i++)
        if (mt_case_facts [i].type == MT_FACT_INT || mt_case_facts [i].type == MT_FACT_RANGE) {
            *mt_case_fact_int (&mt_case_facts [i], c, 0) = mt_case_facts [i].none;
            if (mt_case_facts [i].type == MT_FACT_RANGE)
                *mt_case_fact_int (&mt_case_facts [i], c, 1) = mt_case_facts [i].none;
        }
    if (fields->has_case_id)
        return mt_err_set (err, MT_EINVAL, "unknown case field '%s'", "case_id");
    int rc = s_known_facts (fields, false, err);
    if (rc != MT_OK)
        return rc;
    c->kind = mt_case_kind_from_name (fields->kind);
    if (!c->kind)
        return mt_err_set (err, MT_EINVAL, "kind must be found or missing");
    rc = s_apply (fields, c, err);
    return rc == MT_OK ? mt_case_validate (c, err) : rc;
}

int
results_case_update_from_fields (const Homeward__V1__CaseFields *fields, mt_case_t *c,
                                 char *changes, size_t size, mt_err_t *err)
{
    int rc = fields->kind ? mt_err_set (err, MT_EINVAL, "this field cannot be corrected: '%s'",
                                        "kind")
                          : s_known_facts (fields, true, err);
    mt_case_t before = *c;
    if (rc == MT_OK)
        rc = s_apply (fields, c, err);
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



