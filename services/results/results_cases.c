//  results_cases - the API's methods on cases, their photos and faces:
//  add, read, list, close, export, erase.

#include "results_actor.h"

#include "common/api.h"
#include "results/case_fields.h"
#include "results/case_view.h"
#include "results/results_pb.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_linked.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/results_access.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "face/mt_image.h"
#include "face/mt_quality.h"
#include "base/mt_log.h"
#include "base/mt_text.h"
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
    int rc = results_case_from_fields (call->request->case_add, &c, err);
    //  Staff file cases for their own station.
    if (rc == MT_OK && results_is_staff (call))
        snprintf (c.station, sizeof c.station, "%s", call->station);
    int64_t id;
    bool existed;
    if (rc == MT_OK)
        rc = mt_casedb_case_add (call->self->db, &c, call->actor, &id, &existed, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__CaseAdded *added = results_pb_new (&homeward__v1__case_added__descriptor,
                                                     &failed);
    if (added)
        added->has_case_id = added->has_existed = 1, added->case_id = id,
        added->existed = existed;
    return results_pb_answer (&call->answer, added ? &added->base : NULL, failed, err);
}

//  The case page (api.proto's case_get): the case as the caller may see
//  it, whether it is being matched, whom it was reunited with, and for who
//  sees it whole its photos with their faces and its review trail.
int
results_m_case_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = call->request->case_get->case_id;
    mt_case_t c;
    results_sight sight;
    int rc = mt_casedb_case_get (call->self->db, id, &c, err);
    if (rc == MT_OK)
        rc = results_may_see (call, &c, &sight, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__CaseView *view = results_case_view (&c, sight == RESULTS_SEE_ALL);
    failed |= view == NULL;
    //  True until its photos are processed and its candidates ranked.
    if (view)
        view->has_matching = 1, view->matching = mt_casedb_match_pending (call->self->db, id);
    //  The other records of its person, and where their facts conflict.
    if (view && (rc = results_linked_person (call, &c, view, &failed, err)) != MT_OK) {
        protobuf_c_message_free_unpacked (&view->base, NULL);
        return rc;
    }
    mt_reunion_t reunion;
    int64_t shown = 0;
    if (view && mt_casedb_reunion (call->self->db, id, &reunion, NULL) == MT_OK) {
        Homeward__V1__Reunion *with = results_pb_new (&homeward__v1__reunion__descriptor,
                                                      &failed);
        if ((view->reunited_with = with)) {
            with->has_case_id = 1, with->case_id = reunion.other_case;
            with->at = results_pb_text (reunion.at, &failed);
            with->by = results_pb_text (reunion.actor, &failed);
            //  The other case as the caller may see it (the family's name,
            //  or for another station's staff its facts).
            mt_case_t other;
            if (mt_casedb_case_get (call->self->db, reunion.other_case, &other, NULL) == MT_OK) {
                results_sight seen = results_sight_of (call, &other);
                if (seen != RESULTS_SEE_NONE)
                    failed |= !(with->case_ = results_case_view (&other,
                                                                 seen == RESULTS_SEE_ALL));
            }
        }
        shown = reunion.other_case;
    }
    //  Another station's case: its facts, not its photos or trail.
    if (view && sight == RESULTS_SEE_ALL) {
        mt_photo_source source = c.kind == MT_KIND_MISSING ? MT_SOURCE_ARCHIVE
                                                           : MT_SOURCE_PERSON;
        mt_photo_row_t *photos;
        size_t count;
        if (mt_casedb_photos_of_case (call->self->db, id, &photos, &count, err) == MT_OK) {
            view->photo_list = calloc (count ? count : 1, sizeof *view->photo_list);
            failed |= view->photo_list == NULL;
            for (size_t i = 0; view->photo_list && i < count; i++)
                if ((view->photo_list [i] = results_photo_view (call->self->db, &photos [i],
                                                                 source, &failed)))
                    view->n_photo_list = i + 1;
                else
                    break;
            free (photos);
        }
        mt_review_row_t *trail;
        if (mt_casedb_trail (call->self->db, id, 0, &trail, &count, err) == MT_OK) {
            view->trail = results_trail_pb (trail, count, !results_is_staff (call),
                                            &view->n_trail, &failed);
            free (trail);
        }
    }
    //  What the page showed: the reunited case and the person's other records.
    size_t n_shown = view ? view->n_linked_records : 0;
    int64_t *shown_ids = malloc ((n_shown + 1) * sizeof *shown_ids);
    failed |= shown_ids == NULL;
    if (shown_ids) {
        shown_ids [0] = shown;
        for (size_t i = 0; i < n_shown; i++)
            shown_ids [i + 1] = view->linked_records [i]->case_id;
    }
    rc = results_pb_answer (&call->answer, view ? &view->base : NULL, failed, err);
    if (rc == MT_OK)
        results_audit_read (call, "case.read", id, shown_ids, n_shown + 1);
    free (shown_ids);
    return rc;
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
    const Homeward__V1__CaseChange *params = call->request->case_close;
    mt_case_t c;
    int64_t id = params->case_id;
    int rc = s_case_to_change (call, id, &c, err);
    if (rc == MT_OK && strcmp (c.state, "open") != 0)
        rc = mt_err_set (err, MT_ECONFLICT, "case %lld is closed already", (long long) id);
    if (rc == MT_OK)
        rc = mt_casedb_case_close (call->self->db, id, params->reason, call->actor, err);
    return rc == MT_OK ? results_case_changed (call, 0, "closed", err) : rc;
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

//  One photo with its faces (api.proto's photo_get), for who sees its case
//  whole.
int
results_m_photo_get (results_call_t *call, mt_err_t *err)
{
    int64_t id = call->request->photo_get->photo_id;
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
    bool failed = false;
    Homeward__V1__PhotoView *view = results_photo_view (call->self->db, &row,
        c.kind == MT_KIND_MISSING ? MT_SOURCE_ARCHIVE : MT_SOURCE_PERSON, &failed);
    rc = results_pb_answer (&call->answer, view ? &view->base : NULL, failed, err);
    if (rc == MT_OK)
        results_audit_read (call, "photo.read", c.id, NULL, 0);
    return rc;
}

//  A face's chip, for those who may see its case (staff: their station's
//  cases and their candidates).
int
results_m_face_chip (results_call_t *call, mt_err_t *err)
{
    int64_t face = call->request->face_chip->face_id, case_id = 0;
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
    bool failed = false;
    Homeward__V1__FaceChip *chip = results_pb_new (&homeward__v1__face_chip__descriptor, &failed);
    if (chip) {
        chip->type = results_pb_text ("image/jpeg", &failed);
        chip->has_case_id = 1, chip->case_id = case_id;
    }
    rc = results_pb_answer (&call->answer, chip ? &chip->base : NULL, failed, err);
    if (rc == MT_OK)
        results_audit_read (call, "face.chip", case_id, NULL, 0);
    return rc;
}

//  The facts a case holds, for the forms (api.proto's case_facts): each
//  fact's name, type, kind, whether staff may correct it, whether it is
//  personal (other stations do not see it), whether lists show it, its
//  most characters and its label in English and Chinese: what a form
//  needs to offer a fact it was not written for.
int
results_m_case_facts (results_call_t *call, mt_err_t *err)
{
    static const char *types [] = { "text", "date", "number", "range", "sex" };
    static const char *kinds [] = { "both", "found", "missing" };
    bool failed = false;
    Homeward__V1__CaseFacts *all = results_pb_new (&homeward__v1__case_facts__descriptor,
                                                   &failed);
    if (all) {
        all->facts = calloc (mt_case_facts_count, sizeof *all->facts);
        failed |= !all->facts;
    }
    for (size_t i = 0; all && all->facts && i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        Homeward__V1__FactDef *d = results_pb_new (&homeward__v1__fact_def__descriptor, &failed);
        Homeward__V1__Label *label = results_pb_new (&homeward__v1__label__descriptor, &failed);
        if (!(all->facts [i] = d)) {
            free (label);
            break;
        }
        all->n_facts = i + 1;
        d->name = results_pb_text (fact->name, &failed);
        d->type = results_pb_text (types [fact->type], &failed);
        d->kind = results_pb_text (kinds [fact->kind], &failed);
        d->has_correctable = d->has_personal = d->has_listed = 1;
        d->correctable = (fact->flags & MT_FACT_CORRECT) != 0;
        d->personal = (fact->flags & MT_FACT_PERSONAL) != 0;
        d->listed = (fact->flags & MT_FACT_LISTED) != 0;
        if ((d->label = label)) {
            const char *zh = mt_text_term_zh (fact->name);
            label->en = results_pb_text (fact->label, &failed);
            label->zh_cn = results_pb_text (zh ? zh : fact->label, &failed);
        }
        if (fact->type == MT_FACT_TEXT || fact->type == MT_FACT_DATE)
            d->has_max_chars = 1, d->max_chars = fact->limit;
    }
    return results_pb_answer (&call->answer, all ? &all->base : NULL, failed, err);
}

int
results_m_case_list (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__CaseListParams *params = call->request->case_list;
    int limit = params->has_limit ? params->limit : 50;
    int offset = params->has_offset ? params->offset : 0;
    int rc = MT_OK;
    if (limit < 1 || limit > 500 || offset < 0)
        rc = mt_err_set (err, MT_EINVAL, "limit must be 1..500 and offset not negative");
    //  Staff list their station's cases only.
    mt_case_filter_t filter = {
        .station = results_is_staff (call) ? call->station : params->station,
        .kind = params->kind ? mt_case_kind_from_name (params->kind) : 0,
        .state = params->state, .q = params->q
    };
    mt_case_t *cases = NULL;
    size_t count = 0;
    int64_t total = 0;
    if (rc == MT_OK)
        rc = mt_casedb_cases_list (call->self->db, &filter, (size_t) limit, (size_t) offset,
                                   &cases, &count, &total, err);
    if (rc != MT_OK)
        return rc;
    bool failed = false;
    Homeward__V1__CaseList *list = results_pb_new (&homeward__v1__case_list__descriptor,
                                                   &failed);
    if (list) {
        list->has_limit = list->has_offset = list->has_total = 1;
        list->limit = limit, list->offset = offset, list->total = total;
        list->cases = calloc (count ? count : 1, sizeof *list->cases);
        failed |= list->cases == NULL;
        for (size_t i = 0; list->cases && i < count; i++)
            if ((list->cases [i] = results_case_row_view (&cases [i], &failed)))
                list->n_cases = i + 1;
            else
                break;
    }
    free (cases);
    return results_pb_answer (&call->answer, list ? &list->base : NULL, failed, err);
}

//  Everything held on one case (a subject access request, or a hand-over).
int
results_m_case_export (results_call_t *call, mt_err_t *err)
{
    int64_t id = call->request->case_export->case_id;
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
    Homeward__V1__CaseExport *exported = NULL;
    if (rc == MT_OK)
        rc = results_case_export (call->self->db, call->self->config->photos, id, &exported,
                                  err);
    if (rc == MT_OK)
        call->answer = &exported->base;
    if (rc == MT_OK)
        rc = mt_casedb_audit (call->self->db, call->actor, "case.export", object, NULL, err);
    return rc;
}

//  Erase a case on request: closed now, its faces out of every shard and
//  its photos gone as soon as the matcher gets to it.
int
results_m_case_erase (results_call_t *call, mt_err_t *err)
{
    const Homeward__V1__CaseChange *params = call->request->case_erase;
    int64_t id = params->case_id;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    int rc = results_may_administer (call, object, err);
    if (rc != MT_OK)
        return rc;
    const char *level = params->level;
    int n = !level || strcmp (level, "all") == 0 ? MT_ERASE_ALL
          : strcmp (level, "media") == 0 ? MT_ERASE_MEDIA : -1;
    rc = mt_casedb_erase_request (call->self->db, id, n, params->reason, call->actor, err);
    return rc == MT_OK ? results_case_changed (call, 0, "queued", err) : rc;
}
