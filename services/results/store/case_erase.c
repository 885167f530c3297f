//  case_erase - an erasure in the photo store and the database.

#include "case_erase.h"

#include "results/store/photo_store.h"

#include <stdlib.h>

int
case_erase (mt_casedb_t *db, const char *store, int64_t case_id, int level,
            const char *actor, mt_err_t *err)
{
    char (*shas) [65] = NULL;
    size_t count = 0;
    int rc = level >= MT_ERASE_MEDIA ? mt_casedb_erase_files (db, case_id, &shas, &count, err)
                                     : MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        rc = photo_store_remove (store, shas [i], err);
    free (shas);
    return rc == MT_OK ? mt_casedb_erase (db, case_id, level, actor, err) : rc;
}
