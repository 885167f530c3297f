//  results_edit - the API methods for staff corrections: leave a face out
//  of matching (or take it back), mark a group photo's person, remove a
//  photo uploaded by mistake, correct a case's facts. The case store audits
//  each and queues the case for matching; the matcher takes faces out of
//  the index and scores the candidates again.

#include "results/results_call.h"

#include "results/case_json.h"
#include "results/store/photo_store.h"

#include <stdlib.h>
#include <string.h>

int
results_m_face_get (results_call_t *call, mt_err_t *err)
{
    int64_t face = results_call_id (call->params, "face_id"), case_id = 0;
    int rc = mt_casedb_face_case (call->self->db, face, &case_id, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:I, s:I}", "face_id", (json_int_t) face, "case_id",
                                  (json_int_t) case_id);
    return rc;
}

int
results_m_face_exclude (results_call_t *call, mt_err_t *err)
{
    json_t *flag = json_object_get (call->params, "excluded");
    if (flag && !json_is_boolean (flag))
        return mt_err_set (err, MT_EINVAL, "excluded must be true or false");
    bool excluded = !flag || json_is_true (flag);
    int64_t face = results_call_id (call->params, "face_id");
    int rc = mt_casedb_face_exclude (call->self->db, face, excluded,
                                     json_string_value (json_object_get (call->params, "reason")),
                                     call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:I, s:b}", "face_id", (json_int_t) face, "excluded",
                                  excluded);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_photo_person (results_call_t *call, mt_err_t *err)
{
    int64_t photo = results_call_id (call->params, "photo_id");
    int64_t face = results_call_id (call->params, "face_id");
    int rc = mt_casedb_photo_person (call->self->db, photo, face, call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:I, s:I}", "photo_id", (json_int_t) photo, "face_id",
                                  (json_int_t) face);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_photo_remove (results_call_t *call, mt_err_t *err)
{
    int64_t photo = results_call_id (call->params, "photo_id");
    int rc = mt_casedb_photo_remove (call->self->db, photo,
                                     json_string_value (json_object_get (call->params, "reason")),
                                     call->actor, err);
    //  A photo with no face leaves the store at once; one with faces once
    //  the matcher has taken them out of the index.
    char (*shas) [65] = NULL;
    size_t files = 0;
    if (rc == MT_OK && mt_casedb_removed_photo_files (call->self->db, &shas, &files, err) == MT_OK)
        for (size_t i = 0; i < files; i++)
            photo_store_remove (call->self->config->photos, shas [i], NULL);
    free (shas);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:I, s:b}", "photo_id", (json_int_t) photo, "removed", 1);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_case_update (results_call_t *call, mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (call->self->db, results_call_id (call->params, "case_id"), &c,
                                 err);
    char changes [8192];            //  old and new of every text a case has
    if (rc == MT_OK)
        rc = results_case_update_from_json (call->params, &c, changes, sizeof changes, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_update (call->self->db, &c, changes, call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:I, s:s}", "case_id", (json_int_t) c.id, "changes", changes);
        results_call_nudge (call->self);
    }
    return rc;
}
