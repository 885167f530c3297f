//  results_matcher - the results service's matcher thread: enrolls new
//  faces through the broker, searches the other gallery with all of a
//  case's faces, ranks and stores the candidate families; removes closed
//  cases' faces from the index and carries out erasures and retention.

#include "results_matcher.h"
#include "base/mt_clock.h"

#include "results/store/photo_store.h"
#include "results/store/case_erase.h"
#include "results/results_score.h"
#include "base/mt_log.h"
#include "wire/mt_msg.h"
#include "index/mt_store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_NAME "results"

static int
s_ns_of (mt_case_kind kind)
{
    return kind == MT_KIND_FOUND ? MT_NS_FOUND : MT_NS_MISSING;
}

//  Send the faces not enrolled yet to gallery ns: by dlib's descriptor, or
//  (second) by MobileFaceNet's, those that have one. Nothing to send: MT_OK.
static int
s_enroll_ns (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces, size_t n,
             bool second, mt_err_t *err)
{
    size_t todo = 0;
    for (size_t i = 0; i < n; i++)
        todo += !faces [i].enrolled && (!second || faces [i].has_embedding2);
    if (todo == 0)
        return MT_OK;
    int ns = second ? mt_ns_second (s_ns_of (c->kind)) : s_ns_of (c->kind);
    size_t dim = (size_t) mt_msg_dim (ns);
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    if (!msg)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    msg->ns = ns;
    msg->faces = calloc (todo, sizeof *msg->faces);
    msg->vectors = malloc (todo * dim * sizeof (float));
    if (!msg->faces || !msg->vectors) {
        mt_msg_destroy (&msg);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (!faces [i].enrolled && (!second || faces [i].has_embedding2)) {
            size_t at = msg->face_count++;
            msg->faces [at] = (mt_face_meta_t) { (uint64_t) faces [i].id, (uint64_t) c->id,
                                                 (uint32_t) c->province };
            memcpy (msg->vectors + at * dim, second ? faces [i].embedding2 : faces [i].embedding,
                    dim * sizeof (float));
        }
    int rc = mt_client_request (m->broker, msg, 30000, &reply, err);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Enroll the faces the index does not have yet, each in dlib's gallery
//  and, when it has a MobileFaceNet descriptor, in MobileFaceNet's: a face
//  is marked enrolled once both hold it (a retry sends both again; the
//  shards skip a face they hold).
static int
s_enroll (results_matcher_t *m, const mt_case_t *c, mt_face_row_t *faces, size_t n, mt_err_t *err)
{
    size_t todo = 0;
    for (size_t i = 0; i < n; i++)
        todo += !faces [i].enrolled;
    if (todo == 0)
        return MT_OK;
    int64_t *ids = malloc (todo * sizeof *ids);
    if (!ids)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!faces [i].enrolled)
            ids [count++] = faces [i].id;
    int rc = s_enroll_ns (m, c, faces, n, false, err);
    if (rc == MT_OK)
        rc = s_enroll_ns (m, c, faces, n, true, err);
    if (rc == MT_OK)
        rc = mt_casedb_faces_mark_enrolled (m->db, ids, count, err);
    free (ids);
    return rc;
}

//  Search the other side's MobileFaceNet gallery with the case's faces that
//  have that descriptor; the cases hit join (others, count, size).
static int
s_search_second (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                 size_t n, int64_t **others, size_t *count, size_t *size, bool *partial,
                 mt_err_t *err)
{
    size_t k = results_search_k2 (m->config), q = 0;
    for (size_t i = 0; i < n; i++)
        q += faces [i].has_embedding2;
    if (k == 0 || q == 0)
        return MT_OK;
    if (q > MT_MSG_MAX_QUERIES)
        q = MT_MSG_MAX_QUERIES;
    int ns = mt_ns_second (c->kind == MT_KIND_FOUND ? MT_NS_MISSING : MT_NS_FOUND);
    mt_msg_t *search = results_search_new (ns, (uint32_t) k, q), *reply = NULL;
    if (!search)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < n && at < q; i++)
        if (faces [i].has_embedding2)
            memcpy (search->vectors + at++ * MT_DIM2, faces [i].embedding2,
                    MT_DIM2 * sizeof (float));
    bool missed = false;
    int rc = results_search_send (m->broker, search, at, 30000, false, &missed, &reply, err);
    *partial |= missed;
    if (rc == MT_OK)
        rc = results_hits_add (reply, 0, reply->query_count, others, count, size, err);
    mt_msg_destroy (&reply);
    return rc;
}

//  Search the other gallery with the case's faces and its templates, then
//  the other side's MobileFaceNet gallery with its faces' second
//  descriptors; the cases hit by either go into (others, count, size).
static int
s_search (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces, size_t n,
          int64_t **others, size_t *count, size_t *size, bool *partial, mt_err_t *err)
{
    size_t max = n + 4 < MT_MSG_MAX_QUERIES ? n + 4 : MT_MSG_MAX_QUERIES;
    mt_msg_t *search = results_search_new (c->kind == MT_KIND_FOUND ? MT_NS_MISSING : MT_NS_FOUND,
                                           (uint32_t) m->config->search_k, max), *reply = NULL;
    if (!search)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    float *vectors = search->vectors;
    size_t q = 0;
    for (; q < n && q < max; q++)
        memcpy (vectors + q * MT_DIM, faces [q].embedding, MT_DIM * sizeof (float));
    q += mt_rank_templates (&m->model, c, faces, n, vectors + q * MT_DIM, max - q);
    int rc = results_search_send (m->broker, search, q, 30000, false, partial, &reply, err);
    if (rc == MT_OK)
        rc = results_hits_add (reply, 0, reply->query_count, others, count, size, err);
    mt_msg_destroy (&reply);
    if (rc == MT_OK)
        rc = s_search_second (m, c, faces, n, others, count, size, partial, err);
    return rc;
}

//  Match one case: enroll its new faces, search the other gallery, weigh
//  it against every case found and every case it is paired with already
//  (its faces or facts may have changed), store the pairs and score again
//  the candidates of the found cases concerned.
static int
s_match_case (results_matcher_t *m, int64_t case_id, mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (m->db, case_id, &c, err);
    if (rc != MT_OK || strcmp (c.state, "open") != 0)
        return rc == MT_ENOTFOUND ? MT_OK : rc;
    mt_face_row_t *faces = NULL;
    size_t n = 0;
    double t0 = (1e3 * mt_clock_s ());
    rc = mt_casedb_faces_of_case (m->db, case_id, &faces, &n, err);
    if (rc == MT_OK)
        rc = s_enroll (m, &c, faces, n, err);
    double t1 = (1e3 * mt_clock_s ());
    int64_t *others = NULL;
    size_t other_count = 0, other_size = 0;
    bool partial = false;
    if (rc == MT_OK && n > 0)
        rc = s_search (m, &c, faces, n, &others, &other_count, &other_size, &partial, err);
    double t2 = (1e3 * mt_clock_s ());
    size_t weighed_count = 0;
    if (rc == MT_OK)
        rc = results_weigh (m, &c, faces, n, &others, &other_count, &other_size,
                            &weighed_count, NULL, err);
    //  The same person registered twice: its own side searched too.
    if (rc == MT_OK)
        rc = results_same_weigh (m, &c, faces, n, err);
    mt_log_debug (S_NAME, "case %lld: %zu faces; enroll %.1f ms, search %.1f ms, weigh, store "
                  "and score %zu candidates %.1f ms", (long long) case_id, n, t1 - t0, t2 - t1,
                  weighed_count, (1e3 * mt_clock_s ()) - t2);
    free (others);
    free (faces);
    if (rc == MT_OK && partial)
        rc = mt_err_set (err, MT_EUNAVAILABLE, "some partitions did not answer; case %lld will "
                         "be matched again", (long long) case_id);
    return rc;
}

//  Take faces out of the index that staff excluded or whose photo they
//  removed; then erase the removed photos' files no other photo holds.
static int
s_remove_faces (results_matcher_t *m, mt_err_t *err)
{
    int64_t ids [256];
    size_t count = 0;
    int rc = mt_casedb_face_removal_next (m->db, ids, sizeof ids / sizeof ids [0], &count, err);
    if (rc != MT_OK)
        return rc;
    mt_msg_t *msg = mt_msg_new (MT_MSG_REMOVE), *reply = NULL;
    uint64_t *face_ids = malloc (count * sizeof *face_ids);
    if (!msg || !face_ids) {
        mt_msg_destroy (&msg);
        free (face_ids);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < count; i++)
        face_ids [i] = (uint64_t) ids [i];
    msg->face_ids = face_ids;
    msg->id_count = count;
    rc = mt_client_request (m->broker, msg, 30000, &reply, err);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    if (rc == MT_OK)
        rc = mt_casedb_face_removal_done (m->db, ids, count, err);
    if (rc == MT_OK)
        mt_log_info (S_NAME, "%zu faces taken out of the index", count);
    char (*shas) [65] = NULL;
    size_t files = 0;
    if (rc == MT_OK)
        rc = mt_casedb_removed_photo_files (m->db, &shas, &files, err);
    for (size_t i = 0; rc == MT_OK && i < files; i++)
        rc = photo_store_remove (m->config->photos, shas [i], err);
    free (shas);
    return rc;
}

//  Remove a closed case's faces from every shard (the shards then purge
//  them from their files too) and, for an erasure, its photos and faces
//  here.
static int
s_remove_case (results_matcher_t *m, int64_t case_id, int level, mt_err_t *err)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_REMOVE), *reply = NULL;
    msg->case_id = (uint64_t) case_id;
    int rc = mt_client_request (m->broker, msg, 30000, &reply, err);
    if (rc == MT_OK) {
        mt_log_info (S_NAME, "case %lld closed: %" PRIu64 " faces removed from the index",
                     (long long) case_id, reply->applied);
        rc = level > MT_ERASE_INDEX
           ? case_erase (m->db, m->config->photos, case_id, level, "matcher", err)
           : mt_casedb_removal_done (m->db, case_id, err);
        //  The families left compete without it.
        if (rc == MT_OK && mt_casedb_begin (m->db, err) == MT_OK)
            rc = mt_casedb_commit (m->db, results_rescore (m->db, &m->model, case_id, err), err);
        if (rc == MT_OK && level > MT_ERASE_INDEX)
            mt_log_info (S_NAME, "case %lld erased (%s)", (long long) case_id,
                         level >= MT_ERASE_ALL ? "all" : "photos, faces, vectors");
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Enrol the faces of open cases that the index does not hold (after a
//  restore, every face; otherwise at most a case's new faces, which its
//  match would enrol anyway), up to 64 cases a turn. MT_ENOTFOUND once
//  none is left.
static int
s_enrol_missing (results_matcher_t *m, mt_err_t *err)
{
    int64_t ids [64];
    size_t count = 0;
    int rc = mt_casedb_unenrolled_cases (m->db, m->enrol_after, ids, 64, &count, err);
    if (rc == MT_OK && count == 0) {
        m->enrol_done = true;
        if (m->enrol_after > 0)
            mt_log_info (S_NAME, "the index holds every open case's faces again");
        return MT_ENOTFOUND;
    }
    size_t faces_count = 0;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mt_case_t c;
        mt_face_row_t *faces = NULL;
        size_t n = 0;
        rc = mt_casedb_case_get (m->db, ids [i], &c, err);
        if (rc == MT_OK)
            rc = mt_casedb_faces_of_case (m->db, ids [i], &faces, &n, err);
        if (rc == MT_OK)
            rc = s_enroll (m, &c, faces, n, err);
        free (faces);
        if (rc == MT_OK)
            m->enrol_after = ids [i], faces_count += n;
    }
    if (rc == MT_OK)
        mt_log_debug (S_NAME, "enrolled %zu faces of %zu cases the index lacked (up to case %lld)",
                      faces_count, count, (long long) m->enrol_after);
    return rc;
}

//  Queue the closed cases whose retention period is over, once a minute.
static void
s_retention (results_matcher_t *m, int64_t *next_ms)
{
    int64_t now = (int64_t) (1e3 * mt_clock_s ());
    if (now < *next_ms)
        return;
    *next_ms = now + 60000;
    int64_t queued = 0;
    mt_err_t err;
    if (mt_casedb_retention_due (m->db, (int) m->config->retention_days, &queued, &err) != MT_OK)
        mt_log_warn (S_NAME, "retention: %s", err.msg);
    else
    if (queued)
        mt_log_info (S_NAME, "retention: %lld closed cases to erase", (long long) queued);
}

void *
results_matcher_run (void *arg)
{
    results_matcher_t *m = arg;
    long backoff = 0;
    int64_t next_retention = 0;
    results_pace_t pace = { .size = 64 };
    for (;;) {
        zmq_pollitem_t item = { m->pipe, 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, backoff ? backoff : 0);
        bool term = false;
        char buf [8];
        while (zmq_recv (m->pipe, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            term |= buf [0] == '$';
        if (term)
            break;
        mt_err_t err;
        int64_t case_id = 0, generation = 0;
        int rc = MT_ENOTFOUND, level = 0;
        s_retention (m, &next_retention);
        //  Removals first: a face taken out must not be matched again.
        if (mt_casedb_removal_next (m->db, &case_id, &level, &err) == MT_OK)
            rc = s_remove_case (m, case_id, level, &err);
        else {
            rc = s_remove_faces (m, &err);
            if (rc == MT_ENOTFOUND && !m->enrol_done)
                rc = s_enrol_missing (m, &err);
            if (rc == MT_ENOTFOUND
            &&  mt_casedb_match_next (m->db, &case_id, &generation, &err) == MT_OK) {
                rc = s_match_case (m, case_id, &err);
                if (rc == MT_OK)
                    rc = mt_casedb_match_done (m->db, case_id, generation, &err);
            }
            //  Cross-match batches only when no live case waits, paced.
            bool crossmatched = false;
            if (rc == MT_ENOTFOUND && (1e3 * mt_clock_s ()) >= pace.after_ms) {
                crossmatched = true;
                rc = results_crossmatch_step (m, &pace, &err);
            }
            else if (rc == MT_ENOTFOUND && (1e3 * mt_clock_s ()) < pace.after_ms)
                crossmatched = true, rc = MT_OK;    //  paced: wait, unless nudged
            if (crossmatched && rc == MT_OK && (1e3 * mt_clock_s ()) < pace.after_ms) {
                backoff = (long) (pace.after_ms - (1e3 * mt_clock_s ())) + 1;
                continue;
            }
        }
        if (rc == MT_OK)
            backoff = 0;            //  more may wait
        else
        if (rc == MT_ENOTFOUND)
            backoff = 500;          //  idle: wait for a nudge
        else {
            mt_log_warn (S_NAME, "case %lld: %s (retrying)", (long long) case_id, err.msg);
            backoff = backoff ? (backoff * 2 > 5000 ? 5000 : backoff * 2) : 200;
        }
    }
    return NULL;
}

