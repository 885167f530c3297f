//  mt_sex - a sex's name.

#include "base/mt_sex.h"

#include <string.h>

const char *
mt_sex_name (mt_sex sex)
{
    return sex == MT_SEX_MALE ? "male" : sex == MT_SEX_FEMALE ? "female" : "unknown";
}

int
mt_sex_from_name (const char *name)
{
    if (!name || strcmp (name, "unknown") == 0 || !*name)
        return MT_SEX_UNKNOWN;
    if (strcmp (name, "male") == 0)
        return MT_SEX_MALE;
    if (strcmp (name, "female") == 0)
        return MT_SEX_FEMALE;
    return -1;
}
