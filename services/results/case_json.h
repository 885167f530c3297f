//  case_json - a case's facts from the API's JSON (checked: unknown fields,
//  wrong types, lengths, ranges like "60-70", then mt_case_validate) and
//  back to JSON.

#ifndef CASE_JSON_H_INCLUDED
#define CASE_JSON_H_INCLUDED

#include <jansson.h>

#include "results/store/mt_casedb.h"
#include "base/mt_error.h"

//  Fill c from params (an object). MT_EINVAL names the field and the reason:
//  a text longer than its field's characters (MT_CASE_*_CHARS, counted as
//  people count them) or not UTF-8 is refused.
int results_case_from_json (json_t *params, mt_case_t *c, mt_err_t *err);

//  Apply the corrections in params (an object with case_id and the facts
//  to change) to c, an existing case; checked like a new case's. changes
//  receives what changed ("sex: male -> female; ...", cut with "…" when
//  longer than size); MT_EINVAL for a field that cannot be corrected (kind,
//  reference, consent) or no change.
int results_case_update_from_json (json_t *params, mt_case_t *c, char *changes, size_t size,
                                   mt_err_t *err);
//  The case as JSON (new reference).
json_t *results_case_json (const mt_case_t *c);
//  What a correction changed, for clients that say it in their reader's
//  language: an array (new reference) of {"field", "from", "to"}, in the
//  order of the changes text, each value as results_case_json gives it
//  (text, a province code, [low, high] for age and birth year) or null
//  where nothing was recorded.
json_t *results_case_changes_json (const mt_case_t *before, const mt_case_t *after);





//  Helpers the API methods share: a whole number / a number or "LOW-HIGH"
//  range / bounded text from params; absent keys leave dst as it is.
int results_json_int (json_t *params, const char *key, int *dst, mt_err_t *err);

#endif
