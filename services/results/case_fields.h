//  case_fields - a case's facts as its callers give them (api.proto's
//  CaseFields: each fact by its name, as given), checked against
//  mt_case_facts: unknown facts, facts that cannot be corrected, wrong
//  types, texts too long or not UTF-8, ranges like "60-70", then
//  mt_case_validate.

#ifndef CASE_FIELDS_H_INCLUDED
#define CASE_FIELDS_H_INCLUDED

#include <stddef.h>

#include "common/api_pb.h"
#include "results/store/mt_casedb.h"
#include "base/mt_error.h"

//  Fill c, a new case, from fields. MT_EINVAL names the fact and the
//  reason: a text longer than its fact's characters (counted as people
//  count them) or not UTF-8 is refused.
int results_case_from_fields (const Homeward__V1__CaseFields *fields, mt_case_t *c,
                              mt_err_t *err);

//  Apply the corrections in fields to c, an existing case; checked like a
//  new case's. changes receives what changed ("sex: male -> female; ...",
//  cut with "…" when longer than size); MT_EINVAL for a fact that cannot
//  be corrected (kind, reference, consent) or no change.
int results_case_update_from_fields (const Homeward__V1__CaseFields *fields, mt_case_t *c,
                                     char *changes, size_t size, mt_err_t *err);

#endif
