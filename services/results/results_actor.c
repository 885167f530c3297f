//  results_actor - cases, photos, candidates, reviews; jobs for the intake
//  workers; matching through the broker.

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

const mt_config_key_t results_config_keys [] = {
    { "api", MT_CFG_STRING, offsetof (results_config_t, api), 0, 256,
      "endpoint of the API, bound (CLI, intake workers, gateway)" },
    { "api2", MT_CFG_STRING, offsetof (results_config_t, api2), 0, 256,
      "a second endpoint to bind, optional" },
    { "broker", MT_CFG_STRING, offsetof (results_config_t, broker), 0, 256,
      "the broker's client endpoint" },
    { "db", MT_CFG_STRING, offsetof (results_config_t, db), 0, 1024,
      "the case store: a SQLite file, or a PostgreSQL database (postgresql://...)" },
    { "photos", MT_CFG_STRING, offsetof (results_config_t, photos), 0, 1024,
      "folder of the photo store" },
    { "search-k", MT_CFG_INT, offsetof (results_config_t, search_k), 1, MT_MSG_MAX_K,
      "nearest faces looked at per face when matching a case" },
    { "crossmatch-share", MT_CFG_DOUBLE, offsetof (results_config_t, crossmatch_share), 0.01, 1,
      "share of the partitions' time a cross-match may take (live cases always go first)" },
    { "crossmatch-batch-ms", MT_CFG_INT, offsetof (results_config_t, crossmatch_batch_ms), 10,
      60000, "a cross-match's batch is sized to search for about this long: the most a live "
      "search may wait behind it" },
    { "keep", MT_CFG_INT, offsetof (results_config_t, keep), 1, 10000,
      "candidate families kept per case" },
    { "lease-s", MT_CFG_INT, offsetof (results_config_t, lease_s), 5, 86400,
      "seconds an intake worker has for a photo before it is handed out again" },
    { "max-photo-bytes", MT_CFG_INT, offsetof (results_config_t, max_photo_bytes), 1024,
      1 << 30, "largest photo file accepted" },
    { "disk-reserve-mb", MT_CFG_INT, offsetof (results_config_t, disk_reserve_mb), 0,
      1 << 30, "MB kept free on the data disk: below it new photos are refused (507), so that "
      "reviews, edits and erasures still fit" },
    { "retention-days", MT_CFG_INT, offsetof (results_config_t, retention_days), 0, 36500,
      "days after a case is closed until its photos, faces and vectors are erased "
      "(0: at once)" },
    MT_CURVE_SERVER_KEYS (results_config_t, curve),
    { "broker-key", MT_CFG_STRING, offsetof (results_config_t, broker_key), 0, 1024,
      "the broker's public key (.pub file or Z85 text)" },
    { "descriptor", MT_CFG_STRING, offsetof (results_config_t, descriptor), 0, 16,
      "which descriptors weigh two faces: fused (dlib's and MobileFaceNet's), "
      "mobilefacenet or dlib" },
    { .name = NULL }
};

void
results_config_defaults (results_config_t *config)
{
    *config = (results_config_t) {
        .api = "tcp://127.0.0.1:5557", .api2 = "",
        .broker = "tcp://127.0.0.1:5555",
        .db = "var/homeward.db", .photos = "var/photos",
        .search_k = 50, .keep = 100, .crossmatch_share = 0.5, .crossmatch_batch_ms = 500, .lease_s = 120,
        .max_photo_bytes = MT_IMAGE_DEFAULT_MAX_BYTES, .retention_days = 365,
        .disk_reserve_mb = 512,
        .descriptor = "fused"
    };
}

//  ---------------------------------------------------------------- API methods

int64_t
results_call_id (json_t *params, const char *key)
{
    json_t *value = json_object_get (params, key);
    return json_is_integer (value) ? (int64_t) json_integer_value (value) : 0;
}

void
results_call_nudge (results_state_t *self)
{
    zmq_send (self->nudge, "N", 1, ZMQ_DONTWAIT);
}

static int
m_case_add (results_call_t *call, mt_err_t *err)
{
    mt_case_t c;
    int rc = results_case_from_json (call->params, &c, err);
    int64_t id;
    bool existed;
    if (rc == MT_OK)
        rc = mt_casedb_case_add (call->self->db, &c, call->actor, &id, &existed, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:I, s:b}", "case_id", (json_int_t) id, "existed", existed);
    return rc;
}

static int
m_case_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    mt_case_t c;
    int rc = mt_casedb_case_get (call->self->db, id, &c, err);
    if (rc != MT_OK)
        return rc;
    json_t *j = results_case_json (&c);
    //  True until its photos are processed and its candidates ranked.
    json_object_set_new (j, "matching", json_boolean (mt_casedb_match_pending (call->self->db, id)));
    mt_photo_row_t *photos;
    size_t count;
    if (mt_casedb_photos_of_case (call->self->db, id, &photos, &count, err) == MT_OK) {
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++) {
            json_t *p = json_pack ("{s:I, s:s, s:s, s:i}", "photo_id", (json_int_t) photos [i].id,
                                   "sha256", photos [i].sha256, "state", photos [i].state,
                                   "faces", photos [i].face_count);
            if (photos [i].year_taken)
                json_object_set_new (p, "year_taken", json_integer (photos [i].year_taken));
            if (photos [i].error [0])
                json_object_set_new (p, "error", json_string (photos [i].error));
            if (photos [i].removed)
                json_object_set_new (p, "removed", json_string (photos [i].removed_reason));
            json_array_append_new (list, p);
        }
        json_object_set_new (j, "photo_list", list);
        free (photos);
    }
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    mt_casedb_audit (call->self->db, call->actor, "case.read", object, NULL, NULL);
    call->result = j;
    return MT_OK;
}

static int
m_case_close (results_call_t *call, mt_err_t *err)
{
    int rc = mt_casedb_case_close (call->self->db, results_call_id (call->params, "case_id"),
                                   json_string_value (json_object_get (call->params, "reason")),
                                   call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b}", "closed", 1);
        results_call_nudge (call->self);
    }
    return rc;
}

static int
m_photo_add (results_call_t *call, mt_err_t *err)
{
    const results_config_t *config = call->self->config;
    int64_t case_id = results_call_id (call->params, "case_id");
    int year = 0;
    int rc = results_json_int (call->params, "year_taken", &year, err);
    if (rc != MT_OK)
        return rc;
    if (!call->payload || call->payload_size == 0)
        return mt_err_set (err, MT_EEMPTY, "the photo is empty (0 bytes)");
    if (call->payload_size > (size_t) config->max_photo_bytes)
        return mt_err_set (err, MT_ETOOBIG, "the photo has %zu bytes, over the limit of %lld",
                           call->payload_size, (long long) config->max_photo_bytes);
    //  Refuse what is no image before storing anything.
    mt_image_limits_t limits = mt_image_default_limits ();
    limits.max_bytes = (size_t) config->max_photo_bytes;
    mt_format format;
    uint32_t w, h;
    rc = mt_image_probe (call->payload, call->payload_size, &limits, &format, &w, &h, err);
    if (rc != MT_OK)
        return rc;
    mt_case_t c;
    rc = mt_casedb_case_get (call->self->db, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    results_disk_t disk;
    results_disk_check (config->db, config->photos, config->disk_reserve_mb,
                        call->self->disk_full_ms, &disk);
    rc = results_disk_refuse_photos (&disk, err);
    if (rc != MT_OK) {
        call->below_reserve = true;
        return rc;
    }
    char sha [65];
    rc = photo_store_put (config->photos, call->payload, call->payload_size, true, sha,
                          err);
    int64_t photo_id;
    bool existed;
    if (rc == MT_OK)
        rc = mt_casedb_photo_add (call->self->db, case_id, sha, call->payload_size, year,
                                  call->actor, &photo_id, &existed, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:I, s:b, s:s, s:s, s:i, s:i}", "photo_id",
                                  (json_int_t) photo_id, "existed", existed, "sha256", sha,
                                  "format", mt_format_name (format), "width", (int) w,
                                  "height", (int) h);
    return rc;
}

static int
m_photo_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "photo_id");
    mt_photo_row_t row;
    int rc = mt_casedb_photo_get (call->self->db, id, &row, err);
    if (rc != MT_OK)
        return rc;
    json_t *j = json_pack ("{s:I, s:I, s:s, s:i, s:s}", "photo_id", (json_int_t) row.id,
                           "case_id", (json_int_t) row.case_id, "state", row.state,
                           "faces", row.face_count, "sha256", row.sha256);
    if (row.error [0])
        json_object_set_new (j, "error", json_string (row.error));
    //  The faces of this photo, with their quality, advice that fits where
    //  the photo comes from, and whether staff left them out of matching.
    mt_case_t c;
    mt_photo_source source = mt_casedb_case_get (call->self->db, row.case_id, &c, NULL) == MT_OK
                             && c.kind == MT_KIND_MISSING ? MT_SOURCE_ARCHIVE : MT_SOURCE_PERSON;
    mt_face_row_t *faces;
    size_t count;
    if (mt_casedb_photo_faces (call->self->db, id, &faces, &count, err) == MT_OK) {
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++) {
            mt_quality_t q = { .size_px = faces [i].size_px, .sharpness = faces [i].sharpness,
                               .yaw_deg = faces [i].yaw_deg };
            int verdict = mt_verdict_from_name (faces [i].verdict);
            q.verdict = verdict < 0 ? MT_VERDICT_OK : (mt_verdict) verdict;
            char advice [256];
            const char *code;
            mt_quality_advice_for (&q, NULL, source, &code, advice, sizeof advice);
            json_array_append_new (list, json_pack (
                "{s:I, s:[i,i,i,i], s:i, s:f, s:f, s:s, s:b, s:b, s:s, s:s}", "face_id",
                (json_int_t) faces [i].id, "box", faces [i].box [0], faces [i].box [1],
                faces [i].box [2], faces [i].box [3], "size_px", faces [i].size_px,
                "sharpness", round (faces [i].sharpness * 10) / 10,
                "yaw_deg", round (faces [i].yaw_deg * 10) / 10,
                "verdict", faces [i].verdict, "enrolled", faces [i].enrolled,
                "excluded", faces [i].excluded, "advice", advice, "advice_code", code));
        }
        json_object_set_new (j, "face_list", list);
        free (faces);
    }
    if (row.removed)
        json_object_set_new (j, "removed", json_string (row.removed_reason));
    call->result = j;
    return MT_OK;
}

//  A face's chip, with its case, its case's station and (given "station")
//  whether the case is a candidate of that station's cases: the gateway
//  decides from these who may see it.
static int
m_face_chip (results_call_t *call, mt_err_t *err)
{
    int64_t face = results_call_id (call->params, "face_id"), case_id = 0;
    int rc = mt_casedb_face_case (call->self->db, face, &case_id, err);
    mt_case_t c;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, case_id, &c, err);
    if (rc == MT_OK)
        rc = mt_casedb_face_chip (call->self->db, face, &call->reply_payload, &call->reply_size,
                                  err);
    const char *station = json_string_value (json_object_get (call->params, "station"));
    if (rc == MT_OK)
        call->result = json_pack ("{s:s, s:I, s:s, s:b}", "type", "image/jpeg",
                                  "case_id", (json_int_t) case_id, "station", c.station,
                                  "candidate_of_station", station
                                  && mt_casedb_candidate_of_station (call->self->db, case_id,
                                                                     station));
    return rc;
}

static int
m_case_list (results_call_t *call, mt_err_t *err)
{
    int limit = 50, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    const char *kind = json_string_value (json_object_get (call->params, "kind"));
    char *text = NULL;
    if (rc == MT_OK)
        rc = mt_casedb_cases_json (call->self->db,
                                   json_string_value (json_object_get (call->params, "station")),
                                   kind ? mt_case_kind_from_name (kind) : 0, (size_t) limit,
                                   (size_t) offset, &text, err);
    if (rc == MT_OK) {
        json_error_t jerr;
        call->result = json_pack ("{s:o, s:i, s:i}", "cases", json_loads (text, 0, &jerr),
                                  "limit", limit, "offset", offset);
        free (text);
    }
    return rc;
}

//  A candidate row as the API shows it (from the point of view of case_id,
//  or of the found case when case_id is 0), with the other case's facts and
//  what its score means in plain words.
static json_t *
s_candidate_json (results_state_t *self, const mt_candidate_row_t *row, int64_t case_id)
{
    int64_t other = row->missing_case == case_id ? row->found_case : row->missing_case;
    json_t *item = json_pack ("{s:I, s:I, s:I, s:f, s:f, s:s, s:s, s:f, s:I}", "case_id",
                              (json_int_t) other, "found_case", (json_int_t) row->found_case,
                              "missing_case", (json_int_t) row->missing_case,
                              "score", row->score, "distance", row->distance,
                              "state", row->state, "updated_at", row->updated_at,
                              "evidence", round (row->evidence * 100) / 100,
                              "families", (json_int_t) row->families);
    if (isfinite (row->rivals))
        json_object_set_new (item, "rivals", json_real (round (row->rivals * 100) / 100));
    //  A rate, never a certainty: "fewer than 1", "about N", "more than 99".
    char meaning [256], rate [32];
    int percent = (int) lround (row->score * 100);
    if (percent < 1 || percent > 99)
        snprintf (rate, sizeof rate, "%s", percent < 1 ? "fewer than 1" : "more than 99");
    else
        snprintf (rate, sizeof rate, "about %d", percent);
    snprintf (meaning, sizeof meaning, "In tests with thousands of labelled families, %s in 100 "
              "candidate families scored like this were the true one (%lld families searched "
              "here). Only a DNA test decides.", rate, (long long) row->families);
    json_object_set_new (item, "meaning", json_string (meaning));
    json_error_t jerr;
    json_t *explanation = json_loads (row->explanation, 0, &jerr);
    if (explanation)
        json_object_set_new (item, "explanation", explanation);
    mt_case_t c;
    if (mt_casedb_case_get (self->db, other, &c, NULL) == MT_OK)
        json_object_set_new (item, "case", results_case_json (&c));
    if (case_id == 0 && mt_casedb_case_get (self->db, row->found_case, &c, NULL) == MT_OK)
        json_object_set_new (item, "found", results_case_json (&c));
    return item;
}

static int
m_candidates (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    int limit = 20, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_candidates (call->self->db, id, (size_t) limit, (size_t) offset, &rows,
                                   &count, err);
    if (rc != MT_OK)
        return rc;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, s_candidate_json (call->self, &rows [i], id));
    mt_casedb_candidates_free (rows, count);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    mt_casedb_audit (call->self->db, call->actor, "candidates.read", object, NULL, NULL);
    call->result = json_pack ("{s:I, s:o, s:i, s:i}", "case_id", (json_int_t) id,
                              "candidates", list, "limit", limit, "offset", offset);
    return MT_OK;
}

static int
m_review (results_call_t *call, mt_err_t *err)
{
    int rc = mt_casedb_review (call->self->db, results_call_id (call->params, "case_id"),
                               results_call_id (call->params, "candidate"),
                               json_string_value (json_object_get (call->params, "state")),
                               json_string_value (json_object_get (call->params, "note")),
                               call->actor, err);
    //  The found case's families compete anew (a rejected one drops out).
    mt_case_t a;
    int64_t case_id = results_call_id (call->params, "case_id");
    if (rc == MT_OK && mt_casedb_case_get (call->self->db, case_id, &a, err) == MT_OK
    &&  mt_casedb_begin (call->self->db, err) == MT_OK) {
        int64_t found = a.kind == MT_KIND_FOUND ? case_id
                      : results_call_id (call->params, "candidate");
        rc = mt_casedb_commit (call->self->db, results_rescore_found (call->self->db,
                               &call->self->model, found, err), err);
    }
    if (rc == MT_OK) {
        call->result = json_pack ("{s:s}", "state",
                                  json_string_value (json_object_get (call->params, "state")));
        results_call_nudge (call->self);
    }
    return rc;
}

static int
m_reviews (results_call_t *call, mt_err_t *err)
{
    char *text;
    int rc = mt_casedb_reviews_json (call->self->db, results_call_id (call->params, "case_id"),
                                     results_call_id (call->params, "candidate"), &text, err);
    if (rc == MT_OK) {
        json_error_t jerr;
        call->result = json_pack ("{s:o}", "reviews", json_loads (text, 0, &jerr));
        free (text);
    }
    return rc;
}

static int
m_job_take (results_call_t *call, mt_err_t *err)
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
        mt_casedb_photo_failed (call->self->db, row.id, mt_rc_name (rc), err->msg, NULL);
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

static int
m_job_done (results_call_t *call, mt_err_t *err)
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

static int
m_job_failed (results_call_t *call, mt_err_t *err)
{
    const char *code = json_string_value (json_object_get (call->params, "code"));
    const char *message = json_string_value (json_object_get (call->params, "message"));
    int rc = mt_casedb_photo_failed (call->self->db, results_call_id (call->params, "photo_id"),
                                     code ? code : "unknown", message ? message : "", err);
    if (rc == MT_OK)
        call->result = json_object ();
    return rc;
}

static int
m_queue (results_call_t *call, mt_err_t *err)
{
    int limit = 50, offset = 0, province = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "province", &province, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    mt_candidate_row_t *rows = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_queue (call->self->db, province, (size_t) limit, (size_t) offset, &rows,
                              &count, err);
    if (rc != MT_OK)
        return rc;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, s_candidate_json (call->self, &rows [i], 0));
    mt_casedb_candidates_free (rows, count);
    mt_casedb_audit (call->self->db, call->actor, "queue.read", NULL, NULL, NULL);
    call->result = json_pack ("{s:o, s:i, s:i}", "pairs", list, "limit", limit, "offset", offset);
    return MT_OK;
}

static int
m_audit (results_call_t *call, mt_err_t *err)
{
    int limit = 100, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 1000 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..1000 and offset not negative");
    char *text = NULL;
    if (rc == MT_OK)
        rc = mt_casedb_audit_json (call->self->db, results_call_id (call->params, "case_id"),
                                   (size_t) limit, (size_t) offset, &text, err);
    if (rc == MT_OK) {
        json_error_t jerr;
        call->result = json_pack ("{s:o}", "entries", json_loads (text, 0, &jerr));
        free (text);
    }
    return rc;
}

//  Another service records an action in the audit log (the gateway: users).
static int
m_audit_add (results_call_t *call, mt_err_t *err)
{
    const char *action = json_string_value (json_object_get (call->params, "action"));
    if (!action || strncmp (action, "user.", 5) != 0)
        return mt_err_set (err, MT_EINVAL, "only user.* actions are recorded from outside");
    int rc = mt_casedb_audit (call->self->db, call->actor, action,
                              json_string_value (json_object_get (call->params, "object")),
                              json_string_value (json_object_get (call->params, "detail")), err);
    if (rc == MT_OK)
        call->result = json_object ();
    return rc;
}

//  An answer and nothing else: clients (the gateway) learn that the
//  service is up without making it count a database.
static int
m_ping (results_call_t *call, mt_err_t *err)
{
    (void) err;
    call->result = json_pack ("{s:b}", "pong", 1);
    return MT_OK;
}

static int
m_stats (results_call_t *call, mt_err_t *err)
{
    char *text = NULL;
    int rc = mt_casedb_stats_json (call->self->db, &text, err);
    json_error_t jerr;
    json_t *stats = rc == MT_OK ? json_loads (text, 0, &jerr) : NULL;
    free (text);
    if (!stats)
        return rc == MT_OK ? mt_err_set (err, MT_ENOMEM, "out of memory") : rc;
    //  The index's replicas, as the broker sees them.
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t why;
    if (msg && call->self->broker
    &&  mt_client_request (call->self->broker, msg, 1000, &reply, &why) == MT_OK) {
        json_t *replicas = json_array ();
        for (size_t i = 0; i < reply->replica_count; i++)
            json_array_append_new (replicas, json_pack ("{s:i, s:i, s:s, s:I, s:I}",
                "partition", (int) reply->replica_status [i].partition,
                "replica", (int) reply->replica_status [i].replica,
                "state", reply->replica_status [i].state,
                "missing_faces", (json_int_t) reply->replica_status [i].missing_count,
                "found_faces", (json_int_t) reply->replica_status [i].found_count));
        json_object_set_new (stats, "partitions", json_integer (reply->partitions));
        json_object_set_new (stats, "replicas", replicas);
    }
    else
        json_object_set_new (stats, "index_error", json_string (msg ? why.msg : "out of memory"));
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    //  The disk: health says "disk_low" / "disk_full", metrics export these.
    results_disk_t disk;
    results_disk_check (call->self->config->db, call->self->config->photos,
                        call->self->config->disk_reserve_mb, call->self->disk_full_ms, &disk);
    json_object_set_new (stats, "disk_free_bytes", json_integer (disk.free_bytes));
    json_object_set_new (stats, "disk_reserve_bytes", json_integer (disk.reserve_bytes));
    json_object_set_new (stats, "disk_low", json_integer (disk.low));
    json_object_set_new (stats, "disk_full", json_integer (disk.full));
    call->result = stats;
    return MT_OK;
}

//  Everything held on one case (a subject access request, or a hand-over).
static int
m_case_export (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    int rc = results_case_export (call->self->db, call->self->config->photos, id,
                                  &call->result, err);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    if (rc == MT_OK)
        rc = mt_casedb_audit (call->self->db, call->actor, "case.export", object, NULL, err);
    return rc;
}

//  Erase a case on request: closed now, its faces out of every shard and
//  its photos gone as soon as the matcher gets to it.
static int
m_case_erase (results_call_t *call, mt_err_t *err)
{
    const char *level = json_string_value (json_object_get (call->params, "level"));
    int n = !level || strcmp (level, "all") == 0 ? MT_ERASE_ALL
          : strcmp (level, "media") == 0 ? MT_ERASE_MEDIA : -1;
    int rc = mt_casedb_erase_request (call->self->db, results_call_id (call->params, "case_id"), n,
                                      json_string_value (json_object_get (call->params,
                                                                          "reason")),
                                      call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b}", "queued", 1);
        results_call_nudge (call->self);
    }
    return rc;
}

static int
m_audit_verify (results_call_t *call, mt_err_t *err)
{
    mt_audit_check_t check = { .anchor_id = results_call_id (call->params, "anchor_id") };
    const char *hash = json_string_value (json_object_get (call->params, "anchor_hash"));
    snprintf (check.anchor_hash, sizeof check.anchor_hash, "%s", hash ? hash : "");
    int rc = mt_casedb_audit_verify (call->self->db, &check, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b, s:I, s:I, s:s}", "intact", check.broken_id == 0,
                                  "entries", (json_int_t) check.entries,
                                  "head_id", (json_int_t) check.head_id, "head", check.head);
        if (check.broken_id) {
            json_object_set_new (call->result, "broken_id", json_integer (check.broken_id));
            json_object_set_new (call->result, "reason", json_string (check.reason));
        }
    }
    return rc;
}

static const struct {
    const char *name;
    int (*fn) (results_call_t *, mt_err_t *);
} s_methods [] = {
    { "case.add", m_case_add }, { "case.get", m_case_get }, { "case.close", m_case_close },
    { "photo.add", m_photo_add }, { "photo.get", m_photo_get }, { "face.chip", m_face_chip },
    { "candidates", m_candidates }, { "review", m_review }, { "reviews", m_reviews },
    { "job.take", m_job_take }, { "job.done", m_job_done }, { "job.failed", m_job_failed },
    { "stats", m_stats }, { "ping", m_ping }, { "queue", m_queue }, { "audit.list", m_audit },
    { "case.list", m_case_list }, { "audit.add", m_audit_add },
    { "case.export", m_case_export }, { "case.erase", m_case_erase },
    { "audit.verify", m_audit_verify },
    { "face.get", results_m_face_get }, { "face.exclude", results_m_face_exclude },
    { "photo.person", results_m_photo_person }, { "photo.remove", results_m_photo_remove },
    { "case.update", results_m_case_update },
    { "reembed.start", results_m_reembed_start }, { "reembed.status", results_m_reembed_status },
    { "crossmatch.start", results_m_crossmatch_start },
    { "crossmatch.status", results_m_crossmatch_status },
    { "crossmatch.stop", results_m_crossmatch_stop },
    { "backup.begin", results_m_backup_begin }, { "backup.read", results_m_backup_read },
    { "backup.end", results_m_backup_end }, { "backup.photo", results_m_backup_photo },
};

static void
s_serve_api (results_state_t *self)
{
    api_message_t msg;
    mt_err_t err;
    int rc = api_recv (self->api, &msg, &err);
    if (rc != MT_OK) {
        if (rc == MT_EPROTO && msg.route.count > 0) {
            json_t *reply = api_error (NULL, rc, err.msg);
            api_send (self->api, &msg.route, reply, NULL, 0, &err);
            json_decref (reply);
        }
        return;
    }
    json_t *id = json_object_get (msg.json, "id");
    const char *method = json_string_value (json_object_get (msg.json, "method"));
    const char *actor = json_string_value (json_object_get (msg.json, "actor"));
    json_t *params = json_object_get (msg.json, "params");
    results_call_t call = { .self = self, .actor = actor ? actor : "unknown",
                      .params = json_is_object (params) ? params : NULL,
                      .payload = msg.payload, .payload_size = msg.payload_size };
    json_t *empty = NULL;
    if (!call.params)
        call.params = empty = json_object ();
    rc = mt_err_set (&err, MT_ENOTFOUND, "unknown method '%s'", method ? method : "");
    for (size_t i = 0; method && i < sizeof s_methods / sizeof s_methods [0]; i++)
        if (strcmp (method, s_methods [i].name) == 0) {
            mt_err_clear (&err);
            rc = s_methods [i].fn (&call, &err);
            break;
        }
    //  Full while writes fail for lack of space; over once one that writes
    //  (a photo, a case, a processed photo) goes through again.
    if (rc == MT_ENOSPACE && !call.below_reserve)
        self->disk_full_ms = results_disk_now_ms ();
    else
    if (rc == MT_OK && method && (strcmp (method, "job.done") == 0
                               || strcmp (method, "photo.add") == 0
                               || strcmp (method, "case.add") == 0))
        self->disk_full_ms = 0;
    json_t *reply = rc == MT_OK ? api_result (id, call.result) : api_error (id, rc, err.msg);
    if (rc != MT_OK)
        json_decref (call.result);
    mt_err_t send_err;
    if (api_send (self->api, &msg.route, reply, call.reply_payload, call.reply_size,
                  &send_err) != MT_OK)
        mt_log_warn (S_NAME, "cannot answer: %s", send_err.msg);
    json_decref (reply);
    json_decref (empty);
    free (call.reply_payload);
    api_message_free (&msg);
}

//  ---------------------------------------------------------------- actor

void
results_actor (void *pipe, void *arg)
{
    results_state_t self = { .config = arg, .model = mt_rank_default_model () };
    const results_config_t *config = self.config;
    results_matcher_t matcher = { .config = config, .model = self.model };
    //  The link to the broker: this process's key, the broker's public key.
    mt_curve_config_t broker_link = config->curve;
    snprintf (broker_link.server_key, sizeof broker_link.server_key, "%s", config->broker_key);
    mt_err_t err;
    int rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    if (rc == MT_OK)
        rc = mt_rank_model_descriptor (&self.model, config->descriptor, &err);
    matcher.model = self.model;
    char dir [1100];
    snprintf (dir, sizeof dir, "%s", config->db);
    char *slash = strrchr (dir, '/');
    if (slash && !mt_casedb_target_is_pg (config->db)) {
        *slash = '\0';
        if (rc == MT_OK && *dir)
            rc = photo_store_mkdir (dir, &err);
    }
    if (rc == MT_OK)
        rc = photo_store_mkdir (config->photos, &err);
    //  A backup's copy left by a stop in the middle of it.
    char backup_copy [1200];
    results_backup_path (config, backup_copy, sizeof backup_copy);
    unlink (backup_copy);
    if (rc == MT_OK)
        rc = mt_casedb_open (config->db, &self.db, &err);
    if (rc == MT_OK)
        rc = mt_casedb_leases_clear (self.db, &err);
    if (rc == MT_OK)
        rc = mt_casedb_open (config->db, &matcher.db, &err);
    if (rc == MT_OK)
        rc = mt_client_new (config->broker, &broker_link, &matcher.broker, &err);
    if (rc == MT_OK)
        rc = mt_client_new (config->broker, &broker_link, &self.broker, &err);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://results-matcher-%p", (void *) &self);
    if (rc == MT_OK) {
        self.api = mt_wire_socket (ZMQ_ROUTER, &err);
        self.nudge = mt_wire_socket (ZMQ_PAIR, &err);
        matcher.pipe = mt_wire_socket (ZMQ_PAIR, &err);
        if (!self.api || !self.nudge || !matcher.pipe)
            rc = MT_EIO;
        else
        if (zmq_bind (self.nudge, endpoint) != 0 || zmq_connect (matcher.pipe, endpoint) != 0)
            rc = mt_err_set (&err, MT_EIO, "cannot connect the matcher");
        else {
            //  CURVE options stay on the socket for later binds: bind the
            //  endpoints that do not take it (inproc://, ipc://) first.
            const char *first = config->api, *second = config->api2;
            if (strncmp (first, "tcp://", 6) == 0) {
                first = config->api2;
                second = config->api;
            }
            if (first [0])
                rc = mt_wire_bind (self.api, first, &config->curve, &err);
            if (rc == MT_OK && second [0])
                rc = mt_wire_bind (self.api, second, &config->curve, &err);
        }
    }
    pthread_t thread;
    if (rc == MT_OK && pthread_create (&thread, NULL, results_matcher_run, &matcher) != 0)
        rc = mt_err_set (&err, MT_ENOMEM, "cannot start the matcher");
    if (rc != MT_OK) {
        if (self.api)
            zmq_close (self.api);
        if (self.nudge)
            zmq_close (self.nudge);
        if (matcher.pipe)
            zmq_close (matcher.pipe);
        mt_client_destroy (&matcher.broker);
        mt_client_destroy (&self.broker);
        mt_casedb_close (&matcher.db);
        mt_casedb_close (&self.db);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    char shown [1100];
    mt_casedb_target_shown (config->db, shown, sizeof shown);
    mt_log_info (S_NAME, "API on %s%s%s; cases in %s, photos in %s; broker %s", config->api,
                 config->api2 [0] ? " and " : "", config->api2, shown, config->photos,
                 config->broker);
    mt_actor_ready (pipe, MT_OK, NULL);
    for (;;) {
        zmq_pollitem_t items [2] = { { pipe, 0, ZMQ_POLLIN, 0 }, { self.api, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 2, -1) < 0 && zmq_errno () != EINTR)
            break;
        if ((items [0].revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
        if (items [1].revents & ZMQ_POLLIN)
            s_serve_api (&self);
    }
    zmq_send (self.nudge, "$", 1, 0);
    pthread_join (thread, NULL);
    zmq_close (self.api);
    zmq_close (self.nudge);
    zmq_close (matcher.pipe);
    mt_client_destroy (&matcher.broker);
    mt_client_destroy (&self.broker);
    mt_casedb_close (&matcher.db);
    mt_casedb_close (&self.db);
    unlink (backup_copy);
    mt_log_info (S_NAME, "stopped");
}
