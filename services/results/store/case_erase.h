//  case_erase - an erasure carried out in both halves of the case store:
//  the photo files no other case holds, then the database rows. The
//  results service runs it once the index has let go of the faces; a
//  restore runs it again for the erasures the backup predates.

#ifndef CASE_ERASE_H_INCLUDED
#define CASE_ERASE_H_INCLUDED

#include <stdint.h>

#include "base/mt_error.h"
#include "results/store/mt_casedb.h"

//  Erase a case at level (MT_ERASE_MEDIA or MT_ERASE_ALL) after its faces
//  have left every shard: remove the photo files no other case holds, then
//  the rows (mt_casedb_erase). Safe to repeat after a crash.
int case_erase (mt_casedb_t *db, const char *store, int64_t case_id, int level,
                const char *actor, mt_err_t *err);

#endif
