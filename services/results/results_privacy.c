//  results_privacy - the export of everything held on a case.

#include "results_privacy.h"

#include "results/case_fields.h"
#include "results/case_view.h"
#include "results/store/photo_store.h"
#include "results/results_pb.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  The case's photos, each with its bytes (or why they cannot be read).
static int
s_photos (mt_casedb_t *db, const char *store, int64_t case_id, Homeward__V1__CaseExport *out,
          bool *failed, mt_err_t *err)
{
    mt_photo_row_t *photos;
    size_t count;
    int rc = mt_casedb_photos_of_case (db, case_id, &photos, &count, err);
    if (rc != MT_OK)
        return rc;
    out->photos = count ? calloc (count, sizeof *out->photos) : NULL;
    *failed |= count && !out->photos;
    for (size_t i = 0; out->photos && i < count; i++) {
        Homeward__V1__PhotoView *p = results_photo_view (NULL, &photos [i], MT_SOURCE_PERSON,
                                                         failed);
        if (!(out->photos [i] = p))
            break;
        out->n_photos = i + 1;
        uint8_t *bytes = NULL;
        size_t size = 0;
        mt_err_t why;
        if (photo_store_get (store, photos [i].sha256, &bytes, &size, &why) == MT_OK) {
            size_t b64_size = sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_ORIGINAL);
            if ((p->bytes_base64 = malloc (b64_size)))
                sodium_bin2base64 (p->bytes_base64, b64_size, bytes, size,
                                   sodium_base64_VARIANT_ORIGINAL);
            *failed |= !p->bytes_base64;
            free (bytes);
        }
        else
            p->file_error = results_pb_text (why.msg, failed);
    }
    free (photos);
    return MT_OK;
}

//  Every pair the case is in, each with its explanation.
static int
s_candidates (mt_casedb_t *db, int64_t case_id, Homeward__V1__CaseExport *out, bool *failed,
              mt_err_t *err)
{
    mt_candidate_row_t *rows;
    size_t count;
    int rc = mt_casedb_candidates (db, case_id, -1000, true, 10000, 0, &rows, &count, NULL, err);
    if (rc != MT_OK)
        return rc;
    out->candidates = count ? calloc (count, sizeof *out->candidates) : NULL;
    *failed |= count && !out->candidates;
    for (size_t i = 0; out->candidates && i < count; i++) {
        const mt_candidate_row_t *row = &rows [i];
        Homeward__V1__Candidate *c = results_pb_new (&homeward__v1__candidate__descriptor,
                                                     failed);
        if (!(out->candidates [i] = c))
            break;
        out->n_candidates = i + 1;
        c->has_found_case = c->has_missing_case = c->has_score = c->has_distance = 1;
        c->found_case = row->found_case, c->missing_case = row->missing_case;
        c->score = row->score, c->distance = row->distance;
        c->state = results_pb_text (row->state, failed);
        c->updated_at = results_pb_text (row->updated_at, failed);
        if (row->explanation && row->explanation_size > 0) {
            if ((c->explanation.data = malloc (row->explanation_size))) {
                memcpy (c->explanation.data, row->explanation, row->explanation_size);
                c->explanation.len = row->explanation_size;
                c->has_explanation = 1;
            }
            *failed |= !c->explanation.data;
        }
        else
        if (row->explanation_text && *row->explanation_text)
            c->explanation_text = results_pb_text (row->explanation_text, failed);
    }
    mt_casedb_candidates_free (rows, count);
    return MT_OK;
}

//  The faces held, with their quality and descriptors.
static void
s_faces (const mt_face_row_t *rows, size_t count, Homeward__V1__CaseExport *out, bool *failed)
{
    out->faces = count ? calloc (count, sizeof *out->faces) : NULL;
    *failed |= count && !out->faces;
    for (size_t i = 0; out->faces && i < count; i++) {
        const mt_face_row_t *r = &rows [i];
        Homeward__V1__FaceHeld *f = results_pb_new (&homeward__v1__face_held__descriptor, failed);
        if (!(out->faces [i] = f))
            break;
        out->n_faces = i + 1;
        f->has_face_id = f->has_photo_id = f->has_size_px = f->has_sharpness = 1;
        f->has_yaw = f->has_roll = f->has_in_index = f->has_removed_from_index = 1;
        f->face_id = r->id, f->photo_id = r->photo_id, f->size_px = r->size_px;
        f->sharpness = r->sharpness, f->yaw = r->yaw_deg, f->roll = r->roll_deg;
        f->in_index = r->enrolled && !r->removed, f->removed_from_index = r->removed;
        if (r->verdict [0])
            f->verdict = results_pb_text (r->verdict, failed);
        if (r->created_at [0])
            f->created_at = results_pb_text (r->created_at, failed);
        f->descriptor = results_pb_text (r->descriptor, failed);
        if ((f->box = malloc (4 * sizeof *f->box)))
            for (f->n_box = 0; f->n_box < 4; f->n_box++)
                f->box [f->n_box] = r->box [f->n_box];
        if ((f->embedding = malloc (MT_EMBEDDING_DIM * sizeof *f->embedding))) {
            memcpy (f->embedding, r->embedding, MT_EMBEDDING_DIM * sizeof *f->embedding);
            f->n_embedding = MT_EMBEDDING_DIM;
        }
        *failed |= !f->box || !f->embedding;
        if (r->descriptor2 [0]) {
            f->descriptor2 = results_pb_text (r->descriptor2, failed);
            if ((f->embedding2 = malloc (MT_EMBEDDING2_DIM * sizeof *f->embedding2))) {
                memcpy (f->embedding2, r->embedding2,
                        MT_EMBEDDING2_DIM * sizeof *f->embedding2);
                f->n_embedding2 = MT_EMBEDDING2_DIM;
            }
            *failed |= !f->embedding2;
        }
    }
}

//  The case's same-person pairs, whatever their state, and the records it
//  is linked with (into the case's view).
static int
s_same (mt_casedb_t *db, const mt_case_t *c, Homeward__V1__CaseExport *out, bool *failed,
        mt_err_t *err)
{
    int64_t *partners = NULL, *group = NULL;
    size_t count = 0, group_count = 0;
    int rc = mt_casedb_same_partners (db, c->id, NULL, &partners, &count, err);
    if (rc == MT_OK)
        rc = mt_casedb_same_group (db, c->id, &group, &group_count, err);
    out->same_person = count ? calloc (count, sizeof *out->same_person) : NULL;
    *failed |= count && !out->same_person;
    for (size_t i = 0; rc == MT_OK && out->same_person && i < count; i++) {
        mt_same_row_t row;
        if (mt_casedb_same_get (db, c->id, partners [i], &row, NULL) != MT_OK)
            continue;
        free (row.explanation);
        Homeward__V1__SamePair *p = results_pb_new (&homeward__v1__same_pair__descriptor,
                                                    failed);
        if (!(out->same_person [out->n_same_person] = p))
            break;
        out->n_same_person++;
        p->has_case_a = p->has_case_b = p->has_score = p->has_distance = 1;
        p->case_a = row.case_a, p->case_b = row.case_b;
        p->score = round (row.evidence * 100) / 100;
        p->distance = round (row.distance * 1000) / 1000;
        p->kind = results_pb_text (mt_case_kind_name (c->kind), failed);
        p->state = results_pb_text (row.state, failed);
        p->updated_at = results_pb_text (row.updated_at, failed);
        if (row.note [0])
            p->note = results_pb_text (row.note, failed);
        if (row.decided_by [0])
            p->decided_by = results_pb_text (row.decided_by, failed);
        if (row.decided_at [0])
            p->decided_at = results_pb_text (row.decided_at, failed);
    }
    Homeward__V1__CaseView *view = out->case_;
    if (rc == MT_OK && view && group_count > 1
    &&  (view->linked = calloc (group_count, sizeof *view->linked)))
        for (size_t i = 0; i < group_count; i++)
            if (group [i] != c->id)
                view->linked [view->n_linked++] = group [i];
    free (partners);
    free (group);
    return rc;
}

//  The case's relatives to tell, told or not (a report's family, or the
//  families of a found person's decisions), as they are held; how a family
//  was told only in its own report's.
static int
s_notices (mt_casedb_t *db, const mt_case_t *c, Homeward__V1__CaseExport *out, bool *failed,
           mt_err_t *err)
{
    mt_notice_filter_t filter = { .station = NULL, .told = -1, .case_id = c->id };
    mt_notice_row_t *rows = NULL;
    size_t count = 0;
    int rc = mt_casedb_notices (db, &filter, 100000, 0, &rows, &count, NULL, err);
    out->notices = rc == MT_OK && count ? calloc (count, sizeof *out->notices) : NULL;
    *failed |= rc == MT_OK && count && !out->notices;
    for (size_t i = 0; out->notices && i < count; i++) {
        Homeward__V1__Notice *n = results_pb_new (&homeward__v1__notice__descriptor, failed);
        if (!(out->notices [out->n_notices] = n))
            break;
        out->n_notices++;
        n->has_missing_case = n->has_found_case = 1;
        n->missing_case = rows [i].missing_case, n->found_case = rows [i].found_case;
        n->decision = results_pb_text (rows [i].decision, failed);
        n->decided_by = results_pb_text (rows [i].decided_by, failed);
        n->decided_at = results_pb_text (rows [i].decided_at, failed);
        if (rows [i].told_at [0]) {
            n->told_by = results_pb_text (rows [i].told_by, failed);
            n->told_at = results_pb_text (rows [i].told_at, failed);
        }
        //  How a family was told is the report's: a found person's export
        //  (another station's, often) says only that they were.
        if (rows [i].note [0] && rows [i].missing_case == c->id)
            n->note = results_pb_text (rows [i].note, failed);
    }
    free (rows);
    return rc;
}

int
results_case_export (mt_casedb_t *db, const char *store, int64_t case_id,
                     Homeward__V1__CaseExport **out_p, mt_err_t *err)
{
    *out_p = NULL;
    mt_case_t c;
    int rc = mt_casedb_case_get (db, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__CaseExport *out = results_pb_new (&homeward__v1__case_export__descriptor,
                                                    &failed);
    if (!out)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    mt_face_row_t *faces = NULL;
    size_t face_count = 0;
    mt_audit_row_t *audit = NULL;
    size_t audit_count = 0;
    mt_review_row_t *trail = NULL;
    size_t trail_count = 0;
    rc = s_photos (db, store, case_id, out, &failed, err);
    if (rc == MT_OK)
        rc = s_candidates (db, case_id, out, &failed, err);
    if (rc == MT_OK)
        rc = mt_casedb_faces_held (db, case_id, &faces, &face_count, err);
    if (rc == MT_OK)
        rc = mt_casedb_trail (db, case_id, 0, &trail, &trail_count, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit_list (db, case_id, 100000, 0, &audit, &audit_count, err);
    if (rc == MT_OK) {
        char now [32];
        time_t t = time (NULL);
        struct tm tm;
        gmtime_r (&t, &tm);
        strftime (now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        out->format = results_pb_text ("homeward.case-export.v1", &failed);
        out->exported_at = results_pb_text (now, &failed);
        failed |= !(out->case_ = results_case_view (&c, true));
        s_faces (faces, face_count, out, &failed);
        rc = s_same (db, &c, out, &failed, err);
        if (rc == MT_OK)
            rc = s_notices (db, &c, out, &failed, err);
        out->reviews = results_trail_pb (trail, trail_count, true, &out->n_reviews, &failed);
        out->audit = results_audit_pb (audit, audit_count, &out->n_audit, &failed);
        if (rc == MT_OK && failed)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    free (faces);
    free (trail);
    mt_audit_rows_free (audit, audit_count);
    if (rc != MT_OK)
        protobuf_c_message_free_unpacked (&out->base, NULL);
    else
        *out_p = out;
    return rc;
}
