//  mt_photo_taken - when a photo was taken, checked in one place: its year
//  and the person's age in it against each other and the case's birth year,
//  the same rule for a photo added by any form (mt_casedb_photo.c) and for
//  a correction (mt_casedb_taken.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>

//  The case's birth year as a reader writes it: "1956" or "1948-1952".
static void
s_birth_shown (const mt_case_t *c, char *buf, size_t size)
{
    if (c->birth_year_max > c->birth_year_min)
        snprintf (buf, size, "%d-%d", c->birth_year_min, c->birth_year_max);
    else
        snprintf (buf, size, "%d", c->birth_year_min);
}

int
mt_photo_taken_check (const mt_case_t *c, int year_taken, int age_taken, mt_err_t *err)
{
    int this_year = mti_this_year ();
    if (year_taken && (year_taken < 1900 || year_taken > this_year))
        return mt_err_set (err, MT_EINVAL, "year taken %d is not between 1900 and %d",
                           year_taken, this_year);
    if (age_taken < -1 || age_taken > MT_PHOTO_AGE_MAX)
        return mt_err_set (err, MT_EINVAL, "the age in the photo is %d: give 0 to %d years, "
                           "or leave it empty when unknown", age_taken, MT_PHOTO_AGE_MAX);
    int born_min = c->birth_year_min, born_max = c->birth_year_max;
    if (born_min <= 0)
        return MT_OK;               //  no birth year to hold them to
    if (born_max < born_min)
        born_max = born_min;
    char born [32];
    s_birth_shown (c, born, sizeof born);
    //  A family's memory of a year is often a year or two off: that much is
    //  let through, more is a mistake to correct before it weighs the faces.
    if (year_taken && year_taken < born_min - MT_PHOTO_TAKEN_SLACK)
        return mt_err_set (err, MT_EINVAL, "the photo's year %d is before the birth year %s: "
                           "check the year the photo was taken, or correct the case's birth "
                           "year", year_taken, born);
    if (year_taken && age_taken >= 0) {
        int implied = year_taken - age_taken;
        if (implied < born_min - MT_PHOTO_TAKEN_SLACK || implied > born_max + MT_PHOTO_TAKEN_SLACK)
            return mt_err_set (err, MT_EINVAL, "a photo from %d at age %d means born in %d, "
                               "but the birth year is %s: check the photo's year and age, or "
                               "correct the case's birth year", year_taken, age_taken, implied,
                               born);
    }
    if (!year_taken && age_taken >= 0 && born_min + age_taken > this_year + MT_PHOTO_TAKEN_SLACK)
        return mt_err_set (err, MT_EINVAL, "born in %s, the person is not yet %d: check the age "
                           "in the photo", born, age_taken);
    return MT_OK;
}
