//  results_matcher - the results service's matcher thread: enrolls new
//  faces through the broker, searches the other gallery with all of a
//  case's faces, ranks and stores the candidate families; removes closed
//  cases' faces from the index and carries out erasures and retention.

#include "results_matcher.h"

#include "results/results_privacy.h"
#include "match/mt_log.h"
#include "match/mt_msg.h"
#include "match/mt_store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_NAME "results"

static double
s_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
s_ns_of (mt_case_kind kind)
{
    return kind == MT_KIND_FOUND ? MT_NS_FOUND : MT_NS_MISSING;
}

//  Enroll the faces the index does not have yet.
static int
s_enroll (results_matcher_t *m, const mt_case_t *c, mt_face_row_t *faces, size_t n, mt_err_t *err)
{
    size_t todo = 0;
    for (size_t i = 0; i < n; i++)
        todo += !faces [i].enrolled;
    if (todo == 0)
        return MT_OK;
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    int64_t *ids = malloc (todo * sizeof *ids);
    if (!msg || !ids) {
        mt_msg_destroy (&msg);
        free (ids);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    msg->ns = s_ns_of (c->kind);
    msg->faces = calloc (todo, sizeof *msg->faces);
    msg->vectors = malloc (todo * MT_DIM * sizeof (float));
    for (size_t i = 0; msg->faces && msg->vectors && i < n; i++)
        if (!faces [i].enrolled) {
            size_t at = msg->face_count++;
            msg->faces [at] = (mt_face_meta_t) { (uint64_t) faces [i].id, (uint64_t) c->id,
                                                 (uint32_t) c->province };
            memcpy (msg->vectors + at * MT_DIM, faces [i].embedding, MT_DIM * sizeof (float));
            ids [at] = faces [i].id;
        }
    int rc = mt_client_request (m->broker, msg, 30000, &reply, err);
    if (rc == MT_OK)
        rc = mt_casedb_faces_mark_enrolled (m->db, ids, msg->face_count, err);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    free (ids);
    return rc;
}

typedef struct {
    int64_t case_id;
    mt_rank_t rank;
} s_scored_t;

static int
s_by_score (const void *a, const void *b)
{
    double x = ((const s_scored_t *) a)->rank.score, y = ((const s_scored_t *) b)->rank.score;
    return (x < y) - (x > y);
}

//  Match one case: enroll, search the other gallery, rank the families.
static int
s_match_case (results_matcher_t *m, int64_t case_id, mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (m->db, case_id, &c, err);
    if (rc != MT_OK || strcmp (c.state, "open") != 0)
        return rc == MT_ENOTFOUND ? MT_OK : rc;
    mt_face_row_t *faces = NULL;
    size_t n = 0;
    double t0 = s_clock_ms ();
    rc = mt_casedb_faces_of_case (m->db, case_id, &faces, &n, err);
    if (rc == MT_OK)
        rc = s_enroll (m, &c, faces, n, err);
    double t1 = s_clock_ms ();
    if (rc != MT_OK || n == 0) {
        free (faces);
        return rc;
    }
    mt_msg_t *search = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    search->ns = c.kind == MT_KIND_FOUND ? MT_NS_MISSING : MT_NS_FOUND;
    search->k = (uint32_t) m->config->search_k;
    search->query_count = n > MT_MSG_MAX_QUERIES ? MT_MSG_MAX_QUERIES : n;
    search->vectors = malloc (search->query_count * MT_DIM * sizeof (float));
    for (size_t i = 0; search->vectors && i < search->query_count; i++)
        memcpy (search->vectors + i * MT_DIM, faces [i].embedding, MT_DIM * sizeof (float));
    rc = mt_client_request (m->broker, search, 30000, &reply, err);
    mt_msg_destroy (&search);
    bool partial = rc == MT_OK && reply->partial;
    double t2 = s_clock_ms ();

    //  The candidate cases, once each.
    int64_t *others = NULL;
    size_t other_count = 0, other_size = 0;
    for (size_t q = 0; rc == MT_OK && q < reply->query_count; q++)
        for (size_t h = 0; h < reply->results [q].count; h++) {
            int64_t other = (int64_t) reply->results [q].hits [h].case_id;
            bool seen = false;
            for (size_t i = 0; i < other_count && !seen; i++)
                seen = others [i] == other;
            if (seen)
                continue;
            if (other_count == other_size) {
                other_size = other_size ? other_size * 2 : 64;
                others = realloc (others, other_size * sizeof *others);
            }
            others [other_count++] = other;
        }
    mt_msg_destroy (&reply);
    s_scored_t *scored = calloc (other_count ? other_count : 1, sizeof *scored);
    size_t scored_count = 0;
    for (size_t i = 0; rc == MT_OK && i < other_count; i++) {
        mt_case_t o;
        if (mt_casedb_case_get (m->db, others [i], &o, NULL) != MT_OK
        ||  strcmp (o.state, "open") != 0 || o.kind == c.kind)
            continue;
        const mt_case_t *found = c.kind == MT_KIND_FOUND ? &c : &o;
        const mt_case_t *missing = c.kind == MT_KIND_FOUND ? &o : &c;
        if (mt_casedb_candidate_rejected (m->db, found->id, missing->id))
            continue;
        mt_face_row_t *ofaces = NULL;
        size_t on = 0;
        if (mt_casedb_faces_of_case (m->db, o.id, &ofaces, &on, NULL) != MT_OK)
            continue;
        s_scored_t *s = &scored [scored_count];
        s->case_id = o.id;
        if (c.kind == MT_KIND_FOUND
            ? mt_rank_pair (&m->model, &c, faces, n, &o, ofaces, on, &s->rank, err) == MT_OK
            : mt_rank_pair (&m->model, &o, ofaces, on, &c, faces, n, &s->rank, err) == MT_OK)
            scored_count++;
        free (ofaces);
    }
    qsort (scored, scored_count, sizeof *scored, s_by_score);
    //  All of the case's candidates in one transaction: one fsync, not one each.
    bool grouped = rc == MT_OK && scored_count > 0 && mt_casedb_begin (m->db, err) == MT_OK;
    for (size_t i = 0; i < scored_count; i++) {
        if (rc == MT_OK && i < (size_t) m->config->keep) {
            int64_t found = c.kind == MT_KIND_FOUND ? c.id : scored [i].case_id;
            int64_t missing = c.kind == MT_KIND_FOUND ? scored [i].case_id : c.id;
            rc = mt_casedb_candidate_put (m->db, found, missing, scored [i].rank.score,
                                          scored [i].rank.best_distance,
                                          scored [i].rank.explanation, err);
        }
        mt_rank_free (&scored [i].rank);
    }
    if (grouped)
        rc = mt_casedb_commit (m->db, rc, err);
    mt_log_debug (S_NAME, "case %lld: %zu faces; enroll %.1f ms, search %.1f ms, rank and "
                  "store %zu candidates %.1f ms", (long long) case_id, n, t1 - t0, t2 - t1,
                  scored_count, s_clock_ms () - t2);
    free (scored);
    free (others);
    free (faces);
    if (rc == MT_OK && partial)
        rc = mt_err_set (err, MT_EUNAVAILABLE, "some partitions did not answer; case %lld will "
                         "be matched again", (long long) case_id);
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
           ? results_erase_case (m->db, m->config->photos, case_id, level, "matcher", err)
           : mt_casedb_removal_done (m->db, case_id, err);
        if (rc == MT_OK && level > MT_ERASE_INDEX)
            mt_log_info (S_NAME, "case %lld erased (%s)", (long long) case_id,
                         level >= MT_ERASE_ALL ? "all" : "photos, faces, vectors");
    }
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
    return rc;
}

//  Queue the closed cases whose retention period is over, once a minute.
static void
s_retention (results_matcher_t *m, int64_t *next_ms)
{
    int64_t now = (int64_t) s_clock_ms ();
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
        if (mt_casedb_removal_next (m->db, &case_id, &level, &err) == MT_OK)
            rc = s_remove_case (m, case_id, level, &err);
        else
        if (mt_casedb_match_next (m->db, &case_id, &generation, &err) == MT_OK) {
            rc = s_match_case (m, case_id, &err);
            if (rc == MT_OK)
                rc = mt_casedb_match_done (m->db, case_id, generation, &err);
        }
        if (rc == MT_OK)
            backoff = 0;            //  more may wait
        else
        if (rc == MT_ENOTFOUND)
            backoff = 500;          //  idle: wait for a nudge
        else {
            mt_log_warn (S_NAME, "matching case %lld: %s (retrying)", (long long) case_id,
                         err.msg);
            backoff = backoff ? (backoff * 2 > 5000 ? 5000 : backoff * 2) : 200;
        }
    }
    return NULL;
}

