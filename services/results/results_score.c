//  results_score - scoring a found case's candidate families together.

#include "results_score.h"

#include <stdlib.h>

int
results_rescore_found (mt_casedb_t *db, const mt_rank_model_t *model, int64_t found_case,
                       int64_t families, mt_err_t *err)
{
    int64_t *missing = NULL;
    double *evidence = NULL, *stored = NULL;
    size_t n = 0;
    int rc = mt_casedb_candidate_evidence (db, found_case, &missing, &evidence, &stored, &n, err);
    double *scores = malloc ((n ? n : 1) * sizeof *scores);
    double *rivals = malloc ((n ? n : 1) * sizeof *rivals);
    if (rc == MT_OK && (!scores || !rivals))
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK && n > 0) {
        if (families < 0)
            families = mt_casedb_open_count (db, MT_KIND_MISSING);
        mt_rank_scores (model, evidence, n, (size_t) families, scores, rivals);
        //  Only the rows whose scores moved are written, packed to the front.
        size_t moved = 0;
        for (size_t j = 0; j < n; j++)
            if (mt_rank_score_moved (stored [j], scores [j])) {
                missing [moved] = missing [j];
                scores [moved] = scores [j];
                rivals [moved++] = rivals [j];
            }
        if (moved)
            rc = mt_casedb_candidate_scores_set (db, found_case, missing, scores, rivals, moved,
                                                 families, err);
    }
    free (missing), free (evidence), free (stored), free (scores), free (rivals);
    return rc;
}

int
results_rescore (mt_casedb_t *db, const mt_rank_model_t *model, int64_t case_id, mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (db, case_id, &c, err);
    if (rc != MT_OK || c.kind == MT_KIND_FOUND)
        return rc == MT_OK ? results_rescore_found (db, model, case_id, -1, err) : rc;
    int64_t *found = NULL;
    size_t n = 0;
    rc = mt_casedb_pair_cases (db, case_id, &found, &n, err);
    int64_t families = n ? mt_casedb_open_count (db, MT_KIND_MISSING) : 0;
    for (size_t i = 0; rc == MT_OK && i < n; i++)
        rc = results_rescore_found (db, model, found [i], families, err);
    free (found);
    return rc;
}
