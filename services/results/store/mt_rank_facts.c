//  mt_rank_facts - what a found case's facts and a missing case's facts
//  say about the two being one person: sex, age, dates, provinces. Facts
//  are soft evidence, never filters; the amounts are judgement, set in
//  mt_rank_default_model (see mt_rank.h).

#include "results/store/mt_rank.h"
#include "results/store/mt_province.h"
#include "mti_casedb.h"
#include "mti_rank.h"

#include <jansson.h>
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

//  One fact: its verdict, its effect, a sentence (English) and the values
//  behind it (for clients that say it in another language). Steals values.
static void
s_fact (json_t *facts, const char *fact, const char *verdict, double effect,
        const char *detail, json_t *values)
{
    json_array_append_new (facts, json_pack ("{s:s, s:s, s:f, s:s, s:o}", "fact", fact,
                                             "verdict", verdict,
                                             "effect", round (effect * 100) / 100,
                                             "detail", detail,
                                             "values", values ? values : json_object ()));
}

//  The facts' log-odds; each fact goes into facts (and flags when it
//  conflicts).
double
mti_rank_facts (const mt_rank_model_t *m, const mt_case_t *found, const mt_case_t *missing,
         json_t *facts, json_t *flags, int *conflicts)
{
    double total = 0;
    char detail [256];

    //  Sex.
    if (found->sex != MT_SEX_UNKNOWN && missing->sex != MT_SEX_UNKNOWN) {
        bool same = found->sex == missing->sex;
        snprintf (detail, sizeof detail, same ? "both %s" : "found person recorded %s, "
                  "missing person %s (a recording error is possible)",
                  mt_sex_name (found->sex), mt_sex_name (missing->sex));
        double effect = same ? m->sex_agree : m->sex_conflict;
        s_fact (facts, "sex", same ? "agrees" : "conflicts", effect, detail,
                json_pack ("{s:s, s:s}", "found", mt_sex_name (found->sex), "missing",
                           mt_sex_name (missing->sex)));
        if (!same) {
            json_array_append_new (flags, json_string ("sex_mismatch"));
            (*conflicts)++;
        }
        total += effect;
    }
    else
        s_fact (facts, "sex", "unknown", 0, "not recorded on both cases", NULL);

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
        if (lo == hi)
            snprintf (detail, sizeof detail, "estimated %d-%d; the missing person would be %d "
                      "in %d", found->age_min, found->age_max, lo, year);
        else
            snprintf (detail, sizeof detail, "estimated %d-%d; the missing person would be "
                      "%d-%d in %d", found->age_min, found->age_max, lo, hi, year);
        s_fact (facts, "age", gap > 0 ? "conflicts" : "agrees", effect, detail,
                json_pack ("{s:[i,i], s:[i,i], s:i}", "estimated", found->age_min,
                           found->age_max, "would_be", lo, hi, "year", year));
        if (gap > 0) {
            json_array_append_new (flags, json_string ("age_mismatch"));
            (*conflicts)++;
        }
        total += effect;
    }
    else
        s_fact (facts, "age", "unknown", 0, "no estimated age or no birth year", NULL);

    //  Dates: found after last seen, normally. Before it is a conflict, a
    //  mild one within a month (records are often off by days).
    if (found->date_found [0] && missing->date_last_seen [0]) {
        long early = s_days (missing->date_last_seen) - s_days (found->date_found);
        if (early > 0) {
            double effect = early <= 30 ? m->dates_slight : m->dates_wrong;
            snprintf (detail, sizeof detail, "found on %s, %ld day%s before last seen on %s",
                      found->date_found, early, early == 1 ? "" : "s", missing->date_last_seen);
            s_fact (facts, "dates", "conflicts", effect, detail,
                    json_pack ("{s:s, s:s, s:I}", "found", found->date_found, "last_seen",
                               missing->date_last_seen, "days", (json_int_t) -early));
            json_array_append_new (flags, json_string ("dates_out_of_order"));
            (*conflicts)++;
            total += effect;
        }
        else {
            snprintf (detail, sizeof detail, "last seen %s, found %s (%ld days later)",
                      missing->date_last_seen, found->date_found, -early);
            s_fact (facts, "dates", "agrees", 0, detail,
                    json_pack ("{s:s, s:s, s:I}", "found", found->date_found, "last_seen",
                               missing->date_last_seen, "days", (json_int_t) -early));
        }
    }
    else
        s_fact (facts, "dates", "unknown", 0, "date found or date last seen not recorded", NULL);

    //  Province: where found against the home province.
    double km = mt_province_distance_km (found->province, missing->province);
    if (km >= 0) {
        double effect;
        if (found->province == missing->province) {
            effect = m->province_same;
            snprintf (detail, sizeof detail, "found in the home province (%s)",
                      mt_province_name (found->province));
        }
        else {
            effect = km > 500 ? fmax (m->province_floor, m->province_per_1000km * (km - 500) / 1000)
                              : 0;
            snprintf (detail, sizeof detail, "found in %s, home province %s (~%.0f km apart)",
                      mt_province_name (found->province), mt_province_name (missing->province),
                      km);
        }
        s_fact (facts, "province", effect >= 0 ? "agrees" : "far", effect, detail,
                json_pack ("{s:i, s:i, s:i}", "found", found->province, "home",
                           missing->province, "km", (int) km));
        if (effect < 0)
            json_array_append_new (flags, json_string ("far_from_home"));
        total += effect;
    }
    else
        s_fact (facts, "province", "unknown", 0, "a province is not recorded", NULL);
    return total;
}

