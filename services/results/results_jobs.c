//  results_jobs - the intake workers' methods: take a photo to describe,
//  hand back its faces, or say why it failed.

#include "results_actor.h"

#include "common/api.h"
#include "results/case_json.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "face/mt_image.h"
#include "face/mt_quality.h"
#include "base/mt_log.h"
#include "results/store/mt_rank.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "results"

int
results_m_job_take (results_call_t *call, mt_err_t *err)
{
    mt_photo_row_t row;
    int rc = mt_casedb_photo_claim (call->self->db, (int) call->self->config->lease_s, &row, err);
    if (rc == MT_ENOTFOUND) {
        call->result = json_object ();
        return MT_OK;
    }
    if (rc == MT_OK)
        rc = photo_store_get (call->self->config->photos, row.sha256, &call->reply_payload,
                           &call->reply_size, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:I, s:I}", "photo_id", (json_int_t) row.id, "case_id",
                                  (json_int_t) row.case_id);
    else
    if (row.id) {
        //  The stored bytes are gone or unreadable: say so on the photo.
        mt_casedb_photo_failed (call->self->db, row.id, mt_rc_name (rc), err->msg, err->msg_zh,
                                NULL);
        call->result = json_object ();
        rc = MT_OK;
    }
    return rc;
}

//  A face's second descriptor, when the worker sent one: "embedding2" of
//  MT_EMBEDDING2_DIM numbers (unit length) and "descriptor2", its version.
static int
s_embedding2 (json_t *face, size_t i, float *vector, mt_new_face_t *row, mt_err_t *err)
{
    json_t *emb = json_object_get (face, "embedding2");
    const char *version = json_string_value (json_object_get (face, "descriptor2"));
    if (!emb)
        return MT_OK;
    if (json_array_size (emb) != MT_EMBEDDING2_DIM || !version || strlen (version) > 64)
        return mt_err_set (err, MT_EINVAL, "face %zu: embedding2 needs %d numbers and "
                           "descriptor2 its version", i, MT_EMBEDDING2_DIM);
    double norm = 0;
    for (int d = 0; d < MT_EMBEDDING2_DIM; d++) {
        double v = json_number_value (json_array_get (emb, (size_t) d));
        if (!isfinite (v) || fabs (v) > 1.0001)
            return mt_err_set (err, MT_EINVAL, "face %zu: embedding2 value %d is not valid",
                               i, d);
        vector [d] = (float) v;
        norm += v * v;
    }
    if (fabs (norm - 1) > 1e-3)
        return mt_err_set (err, MT_EINVAL, "face %zu: embedding2 is not of unit length", i);
    row->embedding2 = vector;
    row->descriptor2 = version;
    return MT_OK;
}

int
results_m_job_done (results_call_t *call, mt_err_t *err)
{
    json_t *faces = json_object_get (call->params, "faces");
    if (!json_is_array (faces) || json_array_size (faces) > 1000)
        return mt_err_set (err, MT_EINVAL, "faces must be a list (at most 1000)");
    size_t n = json_array_size (faces);
    mt_new_face_t *rows = calloc (n ? n : 1, sizeof *rows);
    float *vectors = calloc ((n ? n : 1) * MT_EMBEDDING_DIM, sizeof *vectors);
    float *vectors2 = calloc ((n ? n : 1) * MT_EMBEDDING2_DIM, sizeof *vectors2);
    uint8_t **chips = calloc (n ? n : 1, sizeof *chips);
    int rc = rows && vectors && vectors2 && chips ? MT_OK
           : mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MT_OK && i < n; i++) {
        json_t *f = json_array_get (faces, i);
        json_t *box = json_object_get (f, "box"), *emb = json_object_get (f, "embedding");
        if (json_array_size (box) != 4 || json_array_size (emb) != MT_EMBEDDING_DIM) {
            rc = mt_err_set (err, MT_EINVAL, "face %zu needs a box of 4 and an embedding of %d",
                             i, MT_EMBEDDING_DIM);
            break;
        }
        for (int b = 0; b < 4; b++)
            rows [i].box [b] = (int) json_integer_value (json_array_get (box, (size_t) b));
        for (int d = 0; d < MT_EMBEDDING_DIM; d++) {
            double v = json_number_value (json_array_get (emb, (size_t) d));
            if (!isfinite (v) || fabs (v) > 100) {
                rc = mt_err_set (err, MT_EINVAL, "face %zu: embedding value %d is not valid", i, d);
                break;
            }
            vectors [i * MT_EMBEDDING_DIM + (size_t) d] = (float) v;
        }
        rows [i].embedding = vectors + i * MT_EMBEDDING_DIM;
        if (rc == MT_OK)
            rc = s_embedding2 (f, i, vectors2 + i * MT_EMBEDDING2_DIM, &rows [i], err);
        rows [i].size_px = (int) json_integer_value (json_object_get (f, "size_px"));
        rows [i].sharpness = json_number_value (json_object_get (f, "sharpness"));
        rows [i].yaw_deg = json_number_value (json_object_get (f, "yaw_deg"));
        rows [i].roll_deg = json_number_value (json_object_get (f, "roll_deg"));
        const char *verdict = json_string_value (json_object_get (f, "verdict"));
        rows [i].verdict = verdict ? verdict : "ok";
        const char *chip = json_string_value (json_object_get (f, "chip"));
        if (chip && strlen (chip) < (1u << 20)) {
            size_t max = strlen (chip);
            chips [i] = malloc (max + 1);
            size_t len = 0;
            if (chips [i] && sodium_base642bin (chips [i], max, chip, strlen (chip), NULL, &len,
                                                NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
                rows [i].chip_jpeg = chips [i];
                rows [i].chip_size = len;
            }
        }
    }
    if (rc == MT_OK)
        rc = mt_casedb_photo_done (call->self->db, results_call_id (call->params, "photo_id"),
                                   (int) json_integer_value (json_object_get (call->params, "width")),
                                   (int) json_integer_value (json_object_get (call->params, "height")),
                                   json_string_value (json_object_get (call->params, "format")),
                                   rows, n, err);
    for (size_t i = 0; chips && i < n; i++)
        free (chips [i]);
    free (chips), free (rows), free (vectors), free (vectors2);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:i}", "faces", (int) n);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_job_failed (results_call_t *call, mt_err_t *err)
{
    const char *code = json_string_value (json_object_get (call->params, "code"));
    const char *message = json_string_value (json_object_get (call->params, "message"));
    const char *message_zh = json_string_value (json_object_get (call->params, "message_zh"));
    int rc = mt_casedb_photo_failed (call->self->db, results_call_id (call->params, "photo_id"),
                                     code ? code : "unknown", message ? message : "", message_zh,
                                     err);
    if (rc == MT_OK)
        call->result = json_object ();
    return rc;
}
