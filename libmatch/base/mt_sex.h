//  mt_sex - a person's sex as a case records it, and its name in the API
//  ("male", "female", "unknown"), for the case store and for whoever says
//  a case or a pair's explanation in words.

#ifndef MT_SEX_H_INCLUDED
#define MT_SEX_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_SEX_UNKNOWN = 0,
    MT_SEX_MALE,
    MT_SEX_FEMALE
} mt_sex;

const char *mt_sex_name (mt_sex sex);
int mt_sex_from_name (const char *name);             //  -1 if unknown

#ifdef __cplusplus
}
#endif

#endif
