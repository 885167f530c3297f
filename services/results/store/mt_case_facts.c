//  mt_case_facts - the table of a case's facts, from MT_CASE_FACTS, and the
//  names of a case's kind and sex.

#include "results/store/mt_casedb.h"

#include <stdio.h>
#include <string.h>

#define S_OFFSET_MAX_TEXT(name) 0
#define S_OFFSET_MAX_DATE(name) 0
#define S_OFFSET_MAX_INT(name) 0
#define S_OFFSET_MAX_SEX(name) 0
#define S_OFFSET_MAX_RANGE(name) offsetof (mt_case_t, name##_max)
#define S_OFFSET_TEXT(name) offsetof (mt_case_t, name)
#define S_OFFSET_DATE(name) offsetof (mt_case_t, name)
#define S_OFFSET_INT(name) offsetof (mt_case_t, name)
#define S_OFFSET_SEX(name) offsetof (mt_case_t, name)
#define S_OFFSET_RANGE(name) offsetof (mt_case_t, name##_min)
#define S_SIZE_TEXT(name) sizeof ((mt_case_t *) 0)->name
#define S_SIZE_DATE(name) sizeof ((mt_case_t *) 0)->name
#define S_SIZE_INT(name) 0
#define S_SIZE_SEX(name) 0
#define S_SIZE_RANGE(name) 0

#define S_ROW(name, type, limit, none, kind, flags, flag, help, label) \
    { #name, MT_FACT_##type, limit, none, kind, flags, flag, help, label, S_OFFSET_##type (name), \
      S_OFFSET_MAX_##type (name), S_SIZE_##type (name) },

const mt_case_fact_t mt_case_facts [] = {
    MT_CASE_FACTS (S_ROW)
};
const size_t mt_case_facts_count = sizeof mt_case_facts / sizeof mt_case_facts [0];

const char *
mt_case_kind_name (mt_case_kind kind)
{
    return kind == MT_KIND_FOUND ? "found" : kind == MT_KIND_MISSING ? "missing" : "unknown";
}

int
mt_case_kind_from_name (const char *name)
{
    if (name && strcmp (name, "found") == 0)
        return MT_KIND_FOUND;
    if (name && strcmp (name, "missing") == 0)
        return MT_KIND_MISSING;
    return 0;
}

const mt_case_fact_t *
mt_case_fact_find (const char *name)
{
    for (size_t i = 0; name && i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        size_t length = strlen (fact->name);
        if (strcmp (name, fact->name) == 0
        ||  (fact->type == MT_FACT_RANGE && strncmp (name, fact->name, length) == 0
             && (strcmp (name + length, "_min") == 0 || strcmp (name + length, "_max") == 0)))
            return fact;
    }
    return NULL;
}

char *
mt_case_fact_chars (const mt_case_fact_t *fact, struct mt_case *c)
{
    return (char *) c + fact->offset;
}

const char *
mt_case_fact_chars_of (const mt_case_fact_t *fact, const struct mt_case *c)
{
    return (const char *) c + fact->offset;
}

int *
mt_case_fact_int (const mt_case_fact_t *fact, struct mt_case *c, int at)
{
    return (int *) ((char *) c + (at ? fact->offset_max : fact->offset));
}

int
mt_case_fact_int_of (const mt_case_fact_t *fact, const struct mt_case *c, int at)
{
    if (fact->type == MT_FACT_SEX)
        return (int) *(const mt_sex *) ((const char *) c + fact->offset);
    return *(const int *) ((const char *) c + (at ? fact->offset_max : fact->offset));
}

bool
mt_case_fact_known (const mt_case_fact_t *fact, const struct mt_case *c)
{
    switch (fact->type) {
        case MT_FACT_TEXT:
        case MT_FACT_DATE:
            return mt_case_fact_chars_of (fact, c) [0] != '\0';
        case MT_FACT_SEX:
            return mt_case_fact_int_of (fact, c, 0) != MT_SEX_UNKNOWN;
        default:
            return mt_case_fact_int_of (fact, c, 0) != fact->none;
    }
}

void
mt_case_fact_text (const mt_case_fact_t *fact, const struct mt_case *c, char *buf, size_t size)
{
    buf [0] = '\0';
    if (fact->type == MT_FACT_SEX)
        snprintf (buf, size, "%s", mt_sex_name ((mt_sex) mt_case_fact_int_of (fact, c, 0)));
    else
    if (!mt_case_fact_known (fact, c))
        ;
    else
    if (fact->type == MT_FACT_TEXT || fact->type == MT_FACT_DATE)
        snprintf (buf, size, "%s", mt_case_fact_chars_of (fact, c));
    else
    if (fact->type == MT_FACT_INT)
        snprintf (buf, size, "%d", mt_case_fact_int_of (fact, c, 0));
    else
        snprintf (buf, size, "%d-%d", mt_case_fact_int_of (fact, c, 0),
                  mt_case_fact_int_of (fact, c, 1));
}
