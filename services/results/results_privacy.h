//  results_privacy - what the results service does for data protection:
//  export everything held on one case, and carry out an erasure in the
//  photo store and the database once the index has let go of the faces.

#ifndef RESULTS_PRIVACY_H_INCLUDED
#define RESULTS_PRIVACY_H_INCLUDED

#include <jansson.h>
#include <stdint.h>

#include "match/mt_casedb.h"
#include "match/mt_error.h"

//  Everything held on a case as one JSON object (new reference): its
//  facts, purpose and consent; its photos with their bytes (base64); its
//  faces with quality and embeddings; its candidates; the review trail;
//  the audit entries about it.
int results_case_export (mt_casedb_t *db, const char *store, int64_t case_id, json_t **out,
                         mt_err_t *err);

//  Erase a case at level (MT_ERASE_MEDIA or MT_ERASE_ALL) after its faces
//  have left every shard: remove the photo files no other case holds, then
//  the rows (mt_casedb_erase). Safe to repeat after a crash.
int results_erase_case (mt_casedb_t *db, const char *store, int64_t case_id, int level,
                        const char *actor, mt_err_t *err);

#endif
