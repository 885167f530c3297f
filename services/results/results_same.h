//  results_same - the API's methods for the same person twice (api.proto's
//  same_list, same_get, same_decide; results_same.c).

#ifndef RESULTS_SAME_H_INCLUDED
#define RESULTS_SAME_H_INCLUDED

#include "results/results_call.h"

int results_m_same_list (results_call_t *call, mt_err_t *err);
int results_m_same_get (results_call_t *call, mt_err_t *err);
int results_m_same_decide (results_call_t *call, mt_err_t *err);

#endif
