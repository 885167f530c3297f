//  results_explain - a candidate pair's explanation (mt_rank_explanation_t)
//  packed for the case store (proto/homeward/v1/explanation.proto), as the
//  service keeps it and gives it to its clients, who say it in words where
//  the pair is shown (common/api_explain.h).
//
//  Weighing packs (a few hundred bytes, microseconds); the words are made
//  only for the pairs someone looks at.

#ifndef RESULTS_EXPLAIN_H_INCLUDED
#define RESULTS_EXPLAIN_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "results/store/mt_rank.h"

//  The explanation's packed bytes (*bytes_p malloc'd).
int results_explain_pack (const mt_rank_explanation_t *ex, uint8_t **bytes_p, size_t *size_p,
                          mt_err_t *err);

#endif
