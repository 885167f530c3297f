//  mt_province - the province-level divisions of GB/T 2260: a case's
//  province (where a person was found; a missing person's home province)
//  checked, named, and the distance between two.

#ifndef MT_PROVINCE_H_INCLUDED
#define MT_PROVINCE_H_INCLUDED

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Whether code is a province-level code of GB/T 2260 (11 Beijing ... 65
//  Xinjiang, 71 Taiwan, 81 Hong Kong, 82 Macau), or 0 (not known).
bool mt_province_known (int code);
//  English name of a province ("Guangdong"), or "unknown".
const char *mt_province_name (int code);
//  Its Chinese name ("广东"), or "未知".
const char *mt_province_name_zh (int code);
//  Great-circle distance in km between the capitals of two provinces; -1
//  when either is unknown.
double mt_province_distance_km (int a, int b);

#ifdef __cplusplus
}
#endif

#endif
