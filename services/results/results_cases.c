//  results_cases - the API's methods on cases, their photos and faces:
//  add, read, list, close, export, erase.

#include "results_actor.h"

#include "common/api.h"
#include "results/case_json.h"
#include "results/case_view.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/results_access.h"
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
results_m_case_add (results_call_t *call, mt_err_t *err)
{
    if (results_is_police (call)) {
        mt_err_set (err, MT_EFORBIDDEN, "relief stations register cases; police liaisons review "
                    "pairs");
        return results_refused (call, "a new case", err);
    }
    mt_case_t c;
    int rc = results_case_from_json (call->params, &c, err);
    //  Staff file cases for their own station.
    if (rc == MT_OK && results_is_staff (call))
        snprintf (c.station, sizeof c.station, "%s", call->station);
    int64_t id;
    bool existed;
    if (rc == MT_OK)
        rc = mt_casedb_case_add (call->self->db, &c, call->actor, &id, &existed, err);
    if (rc == MT_OK)
        call->result = json_pack ("{s:I, s:b}", "case_id", (json_int_t) id, "existed", existed);
    return rc;
}

//  A photo of the case page, with its faces (the quality, the advice that
//  fits where the photo comes from, whether staff left a face out).
static json_t *
s_photo_json (results_call_t *call, const mt_photo_row_t *row, mt_photo_source source)
{
    json_t *j = results_photo_json (row);
    json_object_set_new (j, "case_id", json_integer (row->case_id));
    if (row->error [0])
        json_object_set_new (j, "error", json_string (row->error));
    if (row->error_zh [0])
        json_object_set_new (j, "error_zh", json_string (row->error_zh));
    if (row->removed)
        json_object_set_new (j, "removed", json_string (row->removed_reason));
    if (row->person [0])
        json_object_set_new (j, "person", json_string (row->person));
    mt_face_row_t *faces;
    size_t count;
    if (mt_casedb_photo_faces (call->self->db, row->id, &faces, &count, NULL) != MT_OK)
        return j;
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
    return j;
}

int
results_m_case_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    mt_case_t c;
    results_sight sight;
    int rc = mt_casedb_case_get (call->self->db, id, &c, err);
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    if (rc != MT_OK)
        return rc;
    json_t *j = results_case_json_for (&c, sight);
    //  True until its photos are processed and its candidates ranked.
    json_object_set_new (j, "matching", json_boolean (mt_casedb_match_pending (call->self->db, id)));
    mt_reunion_t reunion;
    int64_t shown = 0;
    if (mt_casedb_reunion (call->self->db, id, &reunion, NULL) == MT_OK) {
        json_t *with = json_pack ("{s:I, s:s, s:s}", "case_id", (json_int_t) reunion.other_case,
                                  "at", reunion.at, "by", reunion.actor);
        //  The other case as the caller may see it (the family's name, or
        //  for another station's staff its facts).
        mt_case_t other;
        if (mt_casedb_case_get (call->self->db, reunion.other_case, &other, NULL) == MT_OK) {
            results_sight seen = results_sight_of (call, &other);
            if (seen != RESULTS_SEE_NONE)
                json_object_set_new (with, "case", results_case_json_for (&other, seen));
        }
        json_object_set_new (j, "reunited_with", with);
        shown = reunion.other_case;
    }
    //  Another station's case: its facts, not its photos or trail.
    if (sight == RESULTS_SEE_ALL) {
        mt_photo_source source = c.kind == MT_KIND_MISSING ? MT_SOURCE_ARCHIVE
                                                           : MT_SOURCE_PERSON;
        mt_photo_row_t *photos;
        size_t count;
        if (mt_casedb_photos_of_case (call->self->db, id, &photos, &count, err) == MT_OK) {
            json_t *list = json_array ();
            for (size_t i = 0; i < count; i++)
                json_array_append_new (list, s_photo_json (call, &photos [i], source));
            json_object_set_new (j, "photo_list", list);
            free (photos);
        }
        mt_review_row_t *trail;
        if (mt_casedb_trail (call->self->db, id, 0, &trail, &count, err) == MT_OK) {
            json_object_set_new (j, "trail", results_trail_json (trail, count,
                                                                 !results_is_staff (call)));
            free (trail);
        }
    }
    results_audit_read (call, "case.read", id, &shown, 1);
    call->result = j;
    return MT_OK;
}

//  The case of an id parameter, if the caller may change it.
static int
s_case_to_change (results_call_t *call, int64_t id, mt_case_t *c, mt_err_t *err)
{
    int rc = mt_casedb_case_get (call->self->db, id, c, err);
    return rc == MT_OK ? results_may_change (call, c, err) : rc;
}

int
results_m_case_close (results_call_t *call, mt_err_t *err)
{
    mt_case_t c;
    int64_t id = results_call_id (call->params, "case_id");
    int rc = s_case_to_change (call, id, &c, err);
    if (rc == MT_OK && strcmp (c.state, "open") != 0)
        rc = mt_err_set (err, MT_ECONFLICT, "case %lld is closed already", (long long) id);
    if (rc == MT_OK)
        rc = mt_casedb_case_close (call->self->db, id,
                                   json_string_value (json_object_get (call->params, "reason")),
                                   call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b}", "closed", 1);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_photo_add (results_call_t *call, mt_err_t *err)
{
    const results_config_t *config = call->self->config;
    const Homeward__V1__PhotoAddParams *params = call->request->photo_add;
    int64_t case_id = params->case_id;
    int year = params->has_year_taken ? params->year_taken : 0;
    int age = params->has_age_taken ? params->age_taken : -1;
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
    int rc = mt_image_probe (call->payload, call->payload_size, &limits, &format, &w, &h, err);
    if (rc != MT_OK)
        return rc;
    mt_case_t c;
    rc = s_case_to_change (call, case_id, &c, err);
    //  A year or an age that cannot be is refused before the bytes are kept.
    if (rc == MT_OK)
        rc = mt_photo_taken_check (&c, year, age, err);
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
        rc = mt_casedb_photo_add_aged (call->self->db, case_id, sha, call->payload_size, year,
                                       age, call->actor, &photo_id, &existed, err);
    //  Its uploader is asked which face is the person, should it show
    //  several, when they can answer (ask_person: a person uploading it;
    //  an import cannot).
    if (rc == MT_OK && !existed && params->has_ask_person && params->ask_person)
        rc = mt_casedb_photo_ask_person (call->self->db, photo_id, err);
    Homeward__V1__PhotoAdded *added = rc == MT_OK ? malloc (sizeof *added) : NULL;
    if (rc == MT_OK && !added)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    if (added) {
        homeward__v1__photo_added__init (added);
        added->has_photo_id = added->has_existed = added->has_width = added->has_height = 1;
        added->photo_id = photo_id;
        added->existed = existed;
        added->width = (int32_t) w;
        added->height = (int32_t) h;
        added->sha256 = strdup (sha);
        added->format = strdup (mt_format_name (format));
        call->answer = &added->base;
        if (!added->sha256 || !added->format)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    return rc;
}

int
results_m_photo_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "photo_id");
    mt_photo_row_t row;
    mt_case_t c;
    results_sight sight;
    int rc = mt_casedb_photo_get (call->self->db, id, &row, err);
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, row.case_id, &c, err);
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    char object [64];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) c.id, (long long) id);
    if (rc == MT_OK && sight != RESULTS_SEE_ALL) {
        mt_err_set (err, MT_EFORBIDDEN, "the photos of case %lld are its station's to see",
                    (long long) c.id);
        rc = results_refused (call, object, err);
    }
    if (rc != MT_OK)
        return rc;
    call->result = s_photo_json (call, &row, c.kind == MT_KIND_MISSING ? MT_SOURCE_ARCHIVE
                                                                        : MT_SOURCE_PERSON);
    results_audit_read (call, "photo.read", c.id, NULL, 0);
    return MT_OK;
}

//  A face's chip, for those who may see its case (staff: their station's
//  cases and their candidates).
int
results_m_face_chip (results_call_t *call, mt_err_t *err)
{
    int64_t face = results_call_id (call->params, "face_id"), case_id = 0;
    int rc = mt_casedb_face_case (call->self->db, face, &case_id, err);
    mt_case_t c;
    results_sight sight;
    if (rc == MT_OK)
        rc = mt_casedb_case_get (call->self->db, case_id, &c, err);
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    if (rc == MT_OK)
        rc = mt_casedb_face_chip (call->self->db, face, &call->reply_payload, &call->reply_size,
                                  err);
    if (rc != MT_OK)
        return rc;
    call->result = json_pack ("{s:s, s:I}", "type", "image/jpeg", "case_id", (json_int_t) case_id);
    results_audit_read (call, "face.chip", case_id, NULL, 0);
    return MT_OK;
}

//  The facts a case holds, for the forms (results_case_facts_json).
int
results_m_case_facts (results_call_t *call, mt_err_t *err)
{
    (void) err;
    call->result = json_pack ("{s:o}", "facts", results_case_facts_json ());
    return MT_OK;
}

//  A page of cases (params: limit, offset, and the filter: station, kind,
//  state, q), with how many there are in all.
int
results_m_case_list (results_call_t *call, mt_err_t *err)
{
    int limit = 50, offset = 0;
    int rc = results_json_int (call->params, "limit", &limit, err);
    if (rc == MT_OK)
        rc = results_json_int (call->params, "offset", &offset, err);
    if (rc == MT_OK && (limit < 1 || limit > 500 || offset < 0))
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    const char *kind = json_string_value (json_object_get (call->params, "kind"));
    //  Staff list their station's cases only.
    mt_case_filter_t filter = {
        .station = results_is_staff (call) ? call->station
                 : json_string_value (json_object_get (call->params, "station")),
        .kind = kind ? mt_case_kind_from_name (kind) : 0,
        .state = json_string_value (json_object_get (call->params, "state")),
        .q = json_string_value (json_object_get (call->params, "q"))
    };
    mt_case_t *cases = NULL;
    size_t count = 0;
    int64_t total = 0;
    if (rc == MT_OK)
        rc = mt_casedb_cases_list (call->self->db, &filter, (size_t) limit, (size_t) offset,
                                   &cases, &count, &total, err);
    if (rc == MT_OK) {
        json_t *list = json_array ();
        for (size_t i = 0; i < count; i++)
            json_array_append_new (list, results_case_row_json (&cases [i]));
        call->result = json_pack ("{s:o, s:i, s:i, s:I}", "cases", list, "limit", limit,
                                  "offset", offset, "total", (json_int_t) total);
        free (cases);
    }
    return rc;
}

//  Everything held on one case (a subject access request, or a hand-over).
int
results_m_case_export (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    mt_case_t c;
    int rc = mt_casedb_case_get (call->self->db, id, &c, err);
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    //  Everything held on the case: its station's and administrators'.
    if (rc == MT_OK && results_is_police (call)) {
        mt_err_set (err, MT_EFORBIDDEN, "exports are made by the case's station or an "
                    "administrator");
        rc = results_refused (call, object, err);
    }
    if (rc == MT_OK)
        rc = results_may_change (call, &c, err);
    if (rc == MT_OK)
        rc = results_case_export (call->self->db, call->self->config->photos, id,
                                  &call->result, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit (call->self->db, call->actor, "case.export", object, NULL, err);
    return rc;
}

//  Erase a case on request: closed now, its faces out of every shard and
//  its photos gone as soon as the matcher gets to it.
int
results_m_case_erase (results_call_t *call, mt_err_t *err)
{
    int64_t id = results_call_id (call->params, "case_id");
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    int rc = results_may_administer (call, object, err);
    if (rc != MT_OK)
        return rc;
    const char *level = json_string_value (json_object_get (call->params, "level"));
    int n = !level || strcmp (level, "all") == 0 ? MT_ERASE_ALL
          : strcmp (level, "media") == 0 ? MT_ERASE_MEDIA : -1;
    rc = mt_casedb_erase_request (call->self->db, id, n,
                                      json_string_value (json_object_get (call->params,
                                                                          "reason")),
                                      call->actor, err);
    if (rc == MT_OK) {
        call->result = json_pack ("{s:b}", "queued", 1);
        results_call_nudge (call->self);
    }
    return rc;
}
