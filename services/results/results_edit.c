//  results_edit - the API methods for staff corrections: leave a face out
//  of matching (or take it back), mark a group photo's person, remove a
//  photo uploaded by mistake, correct when a photo was taken (its year, the
//  person's age in it), correct a case's facts. The case store audits
//  each and queues the case for matching; the matcher takes faces out of
//  the index and scores the candidates again.

#include "results/results_call.h"

#include "results/case_fields.h"
#include "results/case_view.h"
#include "results/results_access.h"
#include "results/results_pb.h"
#include "results/store/photo_store.h"

#include <stdlib.h>
#include <string.h>

//  Whose a face is (api.proto's face_get).
int
results_m_face_get (results_call_t *call, mt_err_t *err)
{
    int64_t face = call->request->face_get->face_id, case_id = 0;
    int rc = mt_casedb_face_case (call->self->db, face, &case_id, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__FaceOf *of = results_pb_new (&homeward__v1__face_of__descriptor, &failed);
    if (of)
        of->has_face_id = of->has_case_id = 1, of->face_id = face, of->case_id = case_id;
    return results_pb_answer (&call->answer, of ? &of->base : NULL, failed, err);
}

//  The case a face (or, face_id 0, a photo) belongs to may be changed by
//  the caller: staff of its station, administrators, the operator.
static int
s_may_correct (results_call_t *call, int64_t face_id, int64_t photo_id, mt_err_t *err)
{
    int64_t case_id = 0;
    mt_photo_row_t photo;
    int rc = face_id ? mt_casedb_face_case (call->self->db, face_id, &case_id, err)
                     : mt_casedb_photo_get (call->self->db, photo_id, &photo, err);
    if (rc == MT_OK && !face_id)
        case_id = photo.case_id;
    mt_case_t c;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, case_id, &c, err);
    return rc == MT_OK ? results_may_change (call, &c, err) : rc;
}

//  Leave a face out of matching, or take it back (api.proto's
//  face_exclude).
int
results_m_face_exclude (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__FaceParams *params = call->request->face_exclude;
    bool excluded = !params->has_excluded || params->excluded;
    int64_t face = params->face_id;
    int rc = s_may_correct (call, face, 0, err);
    if (rc == MT_OK)
        rc = mt_casedb_face_exclude (call->self->db, face, excluded, params->reason,
                                     call->actor, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__FaceExcluded *done = results_pb_new (&homeward__v1__face_excluded__descriptor,
                                                       &failed);
    if (done)
        done->has_face_id = done->has_excluded = 1, done->face_id = face,
        done->excluded = excluded;
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}

//  Which face of a group photo is the person, or that its uploader cannot
//  tell (api.proto's photo_person).
int
results_m_photo_person (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__PhotoPersonParams *params = call->request->photo_person;
    int64_t photo = params->photo_id, face = params->face_id;
    bool unsure = params->has_unsure && params->unsure;
    if (!face && !unsure)
        return mt_err_set (err, MT_EINVAL, "say which face is the person (face_id), or that "
                           "you cannot tell (unsure: true)");
    int rc = s_may_correct (call, 0, photo, err);
    //  Cannot tell: the face nearest the middle counts most.
    if (rc == MT_OK)
        rc = unsure && !face
           ? mt_casedb_photo_person_unsure (call->self->db, photo, call->actor, err)
           : mt_casedb_photo_person (call->self->db, photo, face, call->actor, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__PhotoPerson *done = results_pb_new (&homeward__v1__photo_person__descriptor,
                                                      &failed);
    if (done)
        done->has_photo_id = done->has_face_id = 1, done->photo_id = photo, done->face_id = face;
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}

//  A photo uploaded by mistake (api.proto's photo_remove).
int
results_m_photo_remove (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__PhotoRemoveParams *params = call->request->photo_remove;
    int64_t photo = params->photo_id;
    int rc = s_may_correct (call, 0, photo, err);
    if (rc == MT_OK)
        rc = mt_casedb_photo_remove (call->self->db, photo, params->reason, call->actor, err);
    //  A photo with no face leaves the store at once; one with faces once
    //  the matcher has taken them out of the index.
    char (*shas) [65] = NULL;
    size_t files = 0;
    if (rc == MT_OK && mt_casedb_removed_photo_files (call->self->db, &shas, &files, err) == MT_OK)
        for (size_t i = 0; i < files; i++)
            photo_store_remove (call->self->config->photos, shas [i], NULL);
    free (shas);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__PhotoRemoved *done = results_pb_new (&homeward__v1__photo_removed__descriptor,
                                                       &failed);
    if (done)
        done->has_photo_id = done->has_removed = 1, done->photo_id = photo, done->removed = 1;
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}

//  When a photo was taken (api.proto's photo_taken): year_taken (0 or
//  null: unknown) and age_taken (-1 or null: unknown); a key not sent keeps
//  what the photo has.
int
results_m_photo_taken (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__PhotoTakenParams *params = call->request->photo_taken;
    int64_t id = params->photo_id;
    bool year = params->has_year_taken || params->year_taken_null;
    bool age = params->has_age_taken || params->age_taken_null;
    if (!year && !age)
        return mt_err_set (err, MT_EINVAL, "give the photo's year_taken, age_taken or both "
                           "(null: unknown)");
    mt_photo_row_t photo;
    int rc = s_may_correct (call, 0, id, err);
    if (rc == MT_OK)
        rc = mt_casedb_photo_get (call->self->db, id, &photo, err);
    if (rc != MT_OK)
        return rc;
    if (params->year_taken_null)
        photo.year_taken = 0;
    if (params->age_taken_null)
        photo.age_taken = -1;
    if (params->has_year_taken)
        photo.year_taken = params->year_taken;
    if (params->has_age_taken)
        photo.age_taken = params->age_taken;
    rc = mt_casedb_photo_taken (call->self->db, id, photo.year_taken, photo.age_taken,
                                call->actor, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__PhotoTaken *done = results_pb_new (&homeward__v1__photo_taken__descriptor,
                                                     &failed);
    if (done) {
        done->has_photo_id = 1, done->photo_id = id;
        if (photo.year_taken)
            done->has_year_taken = 1, done->year_taken = photo.year_taken;
        if (photo.age_taken >= 0)
            done->has_age_taken = 1, done->age_taken = photo.age_taken;
    }
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}

//  Correct a case's facts (api.proto's case_update).
int
results_m_case_update (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__CaseFields *fields = call->request->case_update;
    mt_case_t c;
    int rc = mt_casedb_case_get (call->self->db, fields->case_id, &c, err);
    if (rc == MT_OK)
        rc = results_may_change (call, &c, err);
    char changes [8192];            //  old and new of every text a case has
    mt_case_t before = c;
    if (rc == MT_OK)
        rc = results_case_update_from_fields (fields, &c, changes, sizeof changes, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_update (call->self->db, &c, changes, call->actor, err);
    if (rc != MT_OK)
        return rc;
    //  "changes" in English, as the audit has it; "change_list" for clients.
    bool failed = false;
    Homeward__V1__CaseUpdated *done = results_pb_new (&homeward__v1__case_updated__descriptor,
                                                      &failed);
    if (done) {
        done->has_case_id = 1, done->case_id = c.id;
        done->changes = results_pb_text (changes, &failed);
        done->change_list = results_case_changes_pb (&before, &c, &done->n_change_list, &failed);
    }
    rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}
