//  results_privacy - the export of everything held on a case.

#include "results_privacy.h"
#include "common/api_explain.h"

#include "results/case_json.h"
#include "results/case_view.h"
#include "results/store/photo_store.h"

#include <sodium.h>
#include <stdlib.h>
#include <time.h>

static json_t *
s_photos_json (mt_casedb_t *db, const char *store, int64_t case_id, mt_err_t *err)
{
    mt_photo_row_t *photos;
    size_t count;
    if (mt_casedb_photos_of_case (db, case_id, &photos, &count, err) != MT_OK)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++) {
        json_t *p = results_photo_json (&photos [i]);
        uint8_t *bytes = NULL;
        size_t size = 0;
        mt_err_t why;
        if (photo_store_get (store, photos [i].sha256, &bytes, &size, &why) == MT_OK) {
            size_t b64_size = sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_ORIGINAL);
            char *b64 = malloc (b64_size);
            if (b64) {
                sodium_bin2base64 (b64, b64_size, bytes, size, sodium_base64_VARIANT_ORIGINAL);
                json_object_set_new (p, "bytes_base64", json_string (b64));
            }
            free (b64);
            free (bytes);
        }
        else
            json_object_set_new (p, "file_error", json_string (why.msg));
        json_array_append_new (list, p);
    }
    free (photos);
    return list;
}

static json_t *
s_candidates_json (mt_casedb_t *db, int64_t case_id, mt_err_t *err)
{
    mt_candidate_row_t *rows;
    size_t count;
    if (mt_casedb_candidates (db, case_id, -1000, true, 10000, 0, &rows, &count, NULL, err) != MT_OK)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++) {
        json_t *explanation = api_explain_stored (rows [i].explanation,
                                                      rows [i].explanation_size,
                                                      rows [i].explanation_text);
        json_array_append_new (list, json_pack ("{s:I, s:I, s:f, s:f, s:s, s:s, s:o?}",
            "found_case", (json_int_t) rows [i].found_case,
            "missing_case", (json_int_t) rows [i].missing_case,
            "score", rows [i].score, "distance", rows [i].distance,
            "state", rows [i].state, "updated_at", rows [i].updated_at,
            "explanation", explanation));
    }
    mt_casedb_candidates_free (rows, count);
    return list;
}

int
results_case_export (mt_casedb_t *db, const char *store, int64_t case_id, json_t **out,
                     mt_err_t *err)
{
    *out = NULL;
    mt_case_t c;
    int rc = mt_casedb_case_get (db, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    mt_face_row_t *faces = NULL;
    size_t face_count = 0;
    mt_audit_row_t *audit = NULL;
    size_t audit_count = 0;
    mt_review_row_t *trail = NULL;
    size_t trail_count = 0;
    json_t *photos = s_photos_json (db, store, case_id, err);
    json_t *candidates = photos ? s_candidates_json (db, case_id, err) : NULL;
    rc = candidates ? mt_casedb_faces_held (db, case_id, &faces, &face_count, err) : err->code;
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
        *out = json_pack ("{s:s, s:s, s:o, s:O, s:o?, s:O, s:o?, s:o?}",
                          "format", "homeward.case-export.v1", "exported_at", now,
                          "case", results_case_json (&c), "photos", photos,
                          "faces", results_faces_held_json (faces, face_count),
                          "candidates", candidates,
                          "reviews", results_trail_json (trail, trail_count, true),
                          "audit", results_audit_json (audit, audit_count));
        if (!*out)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    json_decref (photos);
    json_decref (candidates);
    free (faces);
    free (trail);
    mt_audit_rows_free (audit, audit_count);
    return rc;
}
