//  results_same - the API's methods for the same person twice (api.proto's
//  same_list, same_get, same_decide; results_same.c).

#ifndef RESULTS_SAME_H_INCLUDED
#define RESULTS_SAME_H_INCLUDED

#include "results/results_call.h"
#include "homeward/v1/api.pb-c.h"
#include "homeward/v1/explanation.pb-c.h"

//  Why two cases of one side are or are not one person by their facts, as
//  same.list says it: one reason (en and zh) for each fact ex weighed,
//  into reasons [*n] (room for MT_RANK_FACTS more). found: two found
//  people (ex's found side is the first), else two reports.
void results_same_fact_reasons (const Homeward__V1__Explanation *ex, bool found,
                                Homeward__V1__SameReason **reasons, size_t *n, bool *failed);

int results_m_same_list (results_call_t *call, mt_err_t *err);
int results_m_same_get (results_call_t *call, mt_err_t *err);
int results_m_same_decide (results_call_t *call, mt_err_t *err);

#endif
