//  results_score - the scores of candidate pairs: for each found case, how
//  likely each of its candidate families is the one, among the families
//  searched (mt_rank.h). Scores are computed again whenever a found case's
//  candidates change: a new or re-weighed pair, a rejection, a case closed;
//  a row is written only where its score moved (mt_rank_score_moved).

#ifndef RESULTS_SCORE_H_INCLUDED
#define RESULTS_SCORE_H_INCLUDED

#include "results/store/mt_casedb.h"
#include "results/store/mt_rank.h"

//  Score again the candidates of case_id: its own if it is a found case,
//  those of every found case paired with it if it is a missing case.
int results_rescore (mt_casedb_t *db, const mt_rank_model_t *model, int64_t case_id,
                     mt_err_t *err);

//  Score again the candidates of one found case, among families open
//  missing cases (-1: counted now; a caller that scores many found cases
//  at once, with no case opened or closed between, counts them once).
int results_rescore_found (mt_casedb_t *db, const mt_rank_model_t *model, int64_t found_case,
                           int64_t families, mt_err_t *err);

#endif
