//  results_privacy - what the results service does for data protection
//  beyond the store's own rules: export everything held on one case. (An
//  erasure is carried out by the store: results/store/case_erase.h.)

#ifndef RESULTS_PRIVACY_H_INCLUDED
#define RESULTS_PRIVACY_H_INCLUDED

#include <stdint.h>

#include "common/api_pb.h"
#include "results/store/mt_casedb.h"
#include "base/mt_error.h"

//  Everything held on a case as api.proto's CaseExport (*out_p: a new
//  message): its facts, purpose and consent; its photos with their bytes
//  (base64); its faces with quality and embeddings; its candidates; the
//  review trail; the audit entries about it.
int results_case_export (mt_casedb_t *db, const char *store, int64_t case_id,
                         Homeward__V1__CaseExport **out_p, mt_err_t *err);

#endif
