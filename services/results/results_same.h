//  results_same - the API's methods for the same person twice (api.proto's
//  same_list, same_get, same_decide; results_same.c).

#ifndef RESULTS_SAME_H_INCLUDED
#define RESULTS_SAME_H_INCLUDED

#include "results/results_call.h"

#include <stdbool.h>

int results_m_same_list (results_call_t *call, mt_err_t *err);
int results_m_same_get (results_call_t *call, mt_err_t *err);
int results_m_same_decide (results_call_t *call, mt_err_t *err);

//  Whether the caller may see the pair of cases a and b: police liaisons
//  and administrators any, station staff one that holds their station's.
bool results_same_may_see (results_call_t *call, const mt_case_t *a, const mt_case_t *b);

#endif
