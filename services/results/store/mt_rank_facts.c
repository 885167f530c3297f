//  mt_rank_facts - what a found case's facts and a missing case's facts
//  say about the two being one person: sex, age, dates, provinces. Facts
//  are soft evidence, never filters; the amounts are judgement, set in
//  mt_rank_default_model (see mt_rank.h).

#include "results/store/mt_rank.h"
#include "base/mt_province.h"
#include "mti_casedb.h"
#include "mti_rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_year_of (const char *date)
{
    int y = 0;
    if (date && strlen (date) >= 4)
        sscanf (date, "%4d", &y);
    return y;
}

static long
s_days (const char *date)
{
    int y, m, d;
    if (!date || sscanf (date, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return 0;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
    return (long) (timegm (&tm) / 86400);
}

//  One fact's verdict and effect (rounded as shown).
static void
s_fact (mt_rank_facts_t *facts, mt_rank_fact fact, mt_rank_verdict verdict, double effect)
{
    facts->verdict [fact] = verdict;
    facts->effect [fact] = round (effect * 100) / 100;
}

//  Sex: recorded the same on both, or not.
static double
s_sex (const mt_rank_model_t *m, const mt_case_t *a, const mt_case_t *b,
       mt_rank_explanation_t *ex, int *conflicts)
{
    if (a->sex == MT_SEX_UNKNOWN || b->sex == MT_SEX_UNKNOWN)
        return 0;
    bool same = a->sex == b->sex;
    double effect = same ? m->sex_agree : m->sex_conflict;
    s_fact (&ex->facts, MT_RANK_FACT_SEX, same ? MT_RANK_AGREES : MT_RANK_CONFLICTS, effect);
    ex->facts.sex_found = a->sex, ex->facts.sex_missing = b->sex;
    if (!same) {
        ex->flags |= MT_RANK_FLAG_SEX_MISMATCH;
        (*conflicts)++;
    }
    return effect;
}

//  Provinces: the same one agrees a little; with far, one far from the
//  other (a found person far from home) counts against.
static double
s_province (const mt_rank_model_t *m, const mt_case_t *a, const mt_case_t *b, bool far,
            mt_rank_explanation_t *ex)
{
    double km = mt_province_distance_km (a->province, b->province);
    if (km < 0)
        return 0;
    double effect = a->province == b->province ? m->province_same
                  : far && km > 500 ? fmax (m->province_floor,
                                            m->province_per_1000km * (km - 500) / 1000)
                  : 0;
    s_fact (&ex->facts, MT_RANK_FACT_PROVINCE, effect >= 0 ? MT_RANK_AGREES : MT_RANK_FAR,
            effect);
    ex->facts.province_found = a->province, ex->facts.province_home = b->province;
    ex->facts.km = (int) lround (km);
    if (effect < 0)
        ex->flags |= MT_RANK_FLAG_FAR_FROM_HOME;
    return effect;
}

//  The facts' log-odds; each fact's verdict and values go into ex->facts
//  (and a flag into ex->flags when it conflicts).
double
mti_rank_facts (const mt_rank_model_t *m, const mt_case_t *found, const mt_case_t *missing,
                mt_rank_explanation_t *ex, int *conflicts)
{
    double total = 0;
    mt_rank_facts_t *facts = &ex->facts;
    memset (facts, 0, sizeof *facts);

    total += s_sex (m, found, missing, ex, conflicts);

    //  Age: the missing person's age at the date found, from the birth
    //  year(s), against the station's estimate, with a tolerance that grows
    //  with age (estimates of adults' ages are rough).
    if (found->age_min >= 0 && missing->birth_year_min > 0) {
        int year = s_year_of (found->date_found);
        if (!year)
            year = mti_this_year ();
        int lo = year - missing->birth_year_max, hi = year - missing->birth_year_min;
        double tolerance = 3 + 0.1 * found->age_max;
        double gap = 0;
        if (hi < found->age_min - tolerance)
            gap = found->age_min - tolerance - hi;
        else
        if (lo > found->age_max + tolerance)
            gap = lo - (found->age_max + tolerance);
        double effect = gap > 0 ? fmax (m->age_floor, m->age_per_year * gap) : m->age_agree;
        s_fact (facts, MT_RANK_FACT_AGE, gap > 0 ? MT_RANK_CONFLICTS : MT_RANK_AGREES, effect);
        facts->age_estimated [0] = found->age_min, facts->age_estimated [1] = found->age_max;
        facts->age_would_be [0] = lo, facts->age_would_be [1] = hi;
        facts->age_year = year;
        if (gap > 0) {
            ex->flags |= MT_RANK_FLAG_AGE_MISMATCH;
            (*conflicts)++;
        }
        total += effect;
    }

    //  Dates: found after last seen, normally. Before it is a conflict, a
    //  mild one within a month (records are often off by days).
    if (found->date_found [0] && missing->date_last_seen [0]) {
        long early = s_days (missing->date_last_seen) - s_days (found->date_found);
        double effect = early <= 0 ? 0 : early <= 30 ? m->dates_slight : m->dates_wrong;
        s_fact (facts, MT_RANK_FACT_DATES, early > 0 ? MT_RANK_CONFLICTS : MT_RANK_AGREES,
                effect);
        snprintf (facts->date_found, sizeof facts->date_found, "%s", found->date_found);
        snprintf (facts->date_last_seen, sizeof facts->date_last_seen, "%s",
                  missing->date_last_seen);
        facts->days = -early;
        if (early > 0) {
            ex->flags |= MT_RANK_FLAG_DATES_OUT_OF_ORDER;
            (*conflicts)++;
            total += effect;
        }
    }

    //  Province: where found against the home province.
    return total + s_province (m, found, missing, true, ex);
}

//  The years of birth a case gives: a report's, or a found person's from
//  the age estimated when found; false when unknown.
static bool
s_born (const mt_case_t *c, int *lo, int *hi)
{
    if (c->kind == MT_KIND_MISSING) {
        *lo = c->birth_year_min, *hi = c->birth_year_max;
        return c->birth_year_min > 0;
    }
    int year = s_year_of (c->date_found);
    if (!year)
        year = mti_this_year ();
    *lo = year - c->age_max, *hi = year - c->age_min;
    return c->age_min >= 0;
}

double
mti_rank_same_facts (const mt_rank_model_t *m, const mt_case_t *a, const mt_case_t *b,
                     mt_rank_explanation_t *ex, int *conflicts)
{
    memset (&ex->facts, 0, sizeof ex->facts);
    mt_rank_facts_t *facts = &ex->facts;
    double total = s_sex (m, a, b, ex, conflicts);

    //  Age: the years of birth each gives must meet, within one tolerance
    //  for the pair (for found people, from the ages estimated when each
    //  was found, as rough as a family pair's estimate; for reports, a year:
    //  two relatives may give two). A tolerance on each side would let
    //  nearly any two adults meet.
    int alo, ahi, blo, bhi;
    if (s_born (a, &alo, &ahi) && s_born (b, &blo, &bhi)) {
        double tolerance = a->kind == MT_KIND_MISSING ? 1
                         : 3 + 0.1 * (a->age_max > b->age_max ? a->age_max : b->age_max);
        double apart = blo > ahi ? blo - ahi : alo > bhi ? alo - bhi : 0;
        double gap = apart > tolerance ? apart - tolerance : 0;
        double effect = gap > 0 ? fmax (m->age_floor, m->age_per_year * gap) : m->age_agree;
        s_fact (facts, MT_RANK_FACT_AGE, gap > 0 ? MT_RANK_CONFLICTS : MT_RANK_AGREES, effect);
        facts->age_estimated [0] = alo, facts->age_estimated [1] = ahi;
        facts->age_would_be [0] = blo, facts->age_would_be [1] = bhi;
        if (gap > 0) {
            ex->flags |= MT_RANK_FLAG_AGE_MISMATCH;
            (*conflicts)++;
        }
        total += effect;
    }

    //  Dates and places (found people): one person can be taken in by two
    //  stations one after the other, not on the same day in two provinces
    //  far apart.
    if (a->kind == MT_KIND_FOUND && a->date_found [0] && b->date_found [0]) {
        long days = s_days (b->date_found) - s_days (a->date_found);
        double km = mt_province_distance_km (a->province, b->province);
        bool apart = labs (days) <= 1 && km > 300;
        s_fact (facts, MT_RANK_FACT_DATES, apart ? MT_RANK_CONFLICTS : MT_RANK_AGREES,
                apart ? m->dates_wrong : 0);
        snprintf (facts->date_found, sizeof facts->date_found, "%s", a->date_found);
        snprintf (facts->date_last_seen, sizeof facts->date_last_seen, "%s", b->date_found);
        facts->days = days;
        if (apart) {
            ex->flags |= MT_RANK_FLAG_DATES_OUT_OF_ORDER;
            (*conflicts)++;
            total += m->dates_wrong;
        }
    }

    //  Provinces: a wanderer crosses them (no distance counts against two
    //  found records); two reports of one person give one home province.
    return total + s_province (m, a, b, a->kind == MT_KIND_MISSING, ex);
}

//  Whether record a was found (or last seen) before record b: a has a date
//  and b has none or a later one.
static bool
s_before (const char *a, const char *b)
{
    return a [0] && (!b [0] || strcmp (a, b) < 0);
}

void
mt_rank_group_facts (const mt_case_t *records, size_t n, size_t self, mt_case_t *out)
{
    *out = records [self];
    mt_sex sex = MT_SEX_UNKNOWN;
    bool differ = false;
    int lo = 0, hi = 0, span_lo = 0, span_hi = 0;
    bool born = false;
    for (size_t i = 0; i < n; i++) {
        const mt_case_t *r = &records [i];
        if (r->sex != MT_SEX_UNKNOWN) {
            differ |= sex != MT_SEX_UNKNOWN && r->sex != sex;
            sex = r->sex;
        }
        //  (A range given by its lower end alone is that one year.)
        mt_case_t whole = *r;
        if (whole.age_max < whole.age_min)
            whole.age_max = whole.age_min;
        if (whole.birth_year_max < whole.birth_year_min)
            whole.birth_year_max = whole.birth_year_min;
        int a, b;
        if (!s_born (&whole, &a, &b))
            continue;
        if (!born)
            lo = span_lo = a, hi = span_hi = b, born = true;
        else {
            lo = a > lo ? a : lo, hi = b < hi ? b : hi;
            span_lo = a < span_lo ? a : span_lo, span_hi = b > span_hi ? b : span_hi;
        }
    }
    out->sex = differ ? MT_SEX_UNKNOWN : sex;
    if (born && lo > hi)
        lo = span_lo, hi = span_hi;

    if (out->kind == MT_KIND_MISSING) {
        int home = 0;
        bool homes_differ = false;
        for (size_t i = 0; i < n; i++) {
            const mt_case_t *r = &records [i];
            if (r->date_last_seen [0] && (!out->date_last_seen [0]
                                        || strcmp (r->date_last_seen, out->date_last_seen) > 0))
                snprintf (out->date_last_seen, sizeof out->date_last_seen, "%s",
                          r->date_last_seen);
            if (i != self && r->province) {
                homes_differ |= home && r->province != home;
                home = r->province;
            }
        }
        if (!out->province && !homes_differ)
            out->province = home;
        if (born)
            out->birth_year_min = lo, out->birth_year_max = hi;
        return;
    }
    const mt_case_t *placed = out->province ? &records [self] : NULL;
    for (size_t i = 0; i < n; i++) {
        const mt_case_t *r = &records [i];
        if (s_before (r->date_found, out->date_found))
            snprintf (out->date_found, sizeof out->date_found, "%s", r->date_found);
        if (r->province && (!placed || s_before (r->date_found, placed->date_found)))
            placed = r;
    }
    if (placed)
        out->province = placed->province;
    if (born) {
        int year = s_year_of (out->date_found);
        if (!year)
            year = mti_this_year ();
        out->age_min = year - hi > 0 ? year - hi : 0;
        out->age_max = year - lo > out->age_min ? year - lo : out->age_min;
    }
}
