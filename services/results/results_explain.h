//  results_explain - a candidate pair's explanation (mt_rank_explanation_t)
//  packed for the case store (proto/homeward/v1/explanation.proto) and read
//  back, and said in words when the pair is shown: the JSON a reviewer's
//  client reads, each fact's sentence in English with the values behind it
//  (for clients that say it in another language).
//
//  Weighing packs (a few hundred bytes, microseconds); the words are made
//  only for the pairs someone looks at.

#ifndef RESULTS_EXPLAIN_H_INCLUDED
#define RESULTS_EXPLAIN_H_INCLUDED

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "results/store/mt_rank.h"

//  The explanation's packed bytes (*bytes_p malloc'd).
int results_explain_pack (const mt_rank_explanation_t *ex, uint8_t **bytes_p, size_t *size_p,
                          mt_err_t *err);
//  Read packed bytes back; MT_EPROTO when they are not an explanation.
int results_explain_unpack (const uint8_t *bytes, size_t size, mt_rank_explanation_t *ex,
                            mt_err_t *err);
//  The explanation as JSON (new reference): pooled, descriptions, pairs,
//  evidence, facts (fact, verdict, effect, detail, values) and flags.
json_t *results_explain_json (const mt_rank_explanation_t *ex);
//  A stored pair's explanation as JSON (new reference): from its packed
//  bytes, or, for a pair weighed before they were kept (schema 9 and
//  earlier), from its JSON text; NULL when neither can be read.
json_t *results_explain_stored (const uint8_t *packed, size_t size, const char *text);

#endif
