//  results_notice - relatives to tell (api.proto's notice_list and
//  notice_told; results_notice.c).

#ifndef RESULTS_NOTICE_H_INCLUDED
#define RESULTS_NOTICE_H_INCLUDED

#include "results/results_call.h"

//  In a decision's transaction: the pair found / missing moved from `from`
//  to `to`; the families that must hear of it (the report's and its
//  linked reports') are to be told.
int results_notice_decision (results_call_t *call, const mt_case_t *found,
                             const mt_case_t *missing, const char *from, const char *to,
                             mt_err_t *err);

int results_m_notice_list (results_call_t *call, mt_err_t *err);
int results_m_notice_told (results_call_t *call, mt_err_t *err);

#endif
