//  results_weigh - one case weighed against others: each pair's evidence
//  from every face of both (a linked group's records pooled as one person)
//  and their facts, the best pairs stored as
//  candidates, the found cases' candidate families scored again. Used by
//  the matcher (a case searched) and the cross-match (cases in batches).

#include "results_matcher.h"
#include "results_explain.h"

#include "results/results_score.h"
#include "base/mt_log.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME "results"

typedef struct {
    int64_t case_id;
    mt_rank_t rank;
    bool paired;                    //  a candidate already: kept whatever its rank
} s_weighed_t;

static int
s_by_evidence (const void *a, const void *b)
{
    double x = ((const s_weighed_t *) a)->rank.evidence;
    double y = ((const s_weighed_t *) b)->rank.evidence;
    return (x < y) - (x > y);
}

int
results_set_add_id (int64_t **ids, size_t *count, size_t *size, int64_t id)
{
    for (size_t i = 0; i < *count; i++)
        if ((*ids) [i] == id)
            return MT_OK;
    if (*count == *size) {
        size_t more = *size ? *size * 2 : 64;
        int64_t *grown = realloc (*ids, more * sizeof *grown);
        if (!grown)
            return MT_ENOMEM;
        *ids = grown, *size = more;
    }
    (*ids) [(*count)++] = id;
    return MT_OK;
}

int
results_group_person (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                      size_t n, mt_face_row_t **pooled_p, size_t *count_p,
                      mt_case_t *person, int *records_p, mt_err_t *err)
{
    *pooled_p = NULL;
    *person = *c;
    *records_p = 0;
    if (c->person_group == 0)
        return MT_OK;
    int64_t *group = NULL;
    size_t group_count = 0, count = n, records = 0, self = 0;
    int rc = mt_casedb_same_group (m->db, c->id, &group, &group_count, err);
    mt_face_row_t *pooled = rc == MT_OK ? malloc ((n ? n : 1) * sizeof *pooled) : NULL;
    mt_case_t *cases = rc == MT_OK ? malloc ((group_count + 1) * sizeof *cases) : NULL;
    if (rc == MT_OK && (!pooled || !cases))
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (pooled && n)
        memcpy (pooled, faces, n * sizeof *pooled);
    if (cases)
        cases [records++] = *c;
    for (size_t g = 0; rc == MT_OK && g < group_count; g++) {
        mt_face_row_t *more = NULL;
        size_t more_count = 0;
        if (group [g] == c->id
        ||  results_casemem_get (m->casemem, m->db, group [g], &cases [records], &more,
                                 &more_count, NULL) != MT_OK)
            continue;
        records++;
        if (more_count == 0) {
            free (more);
            continue;
        }
        mt_face_row_t *grown = realloc (pooled, (count + more_count) * sizeof *grown);
        if (grown) {
            pooled = grown;
            memcpy (pooled + count, more, more_count * sizeof *more);
            count += more_count;
        }
        else
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
        free (more);
    }
    if (rc == MT_OK)
        mt_rank_group_facts (cases, records, self, person);
    free (group);
    free (cases);
    if (rc != MT_OK) {
        free (pooled);
        *person = *c;
        return rc;
    }
    *pooled_p = pooled;
    *count_p = count;
    *records_p = (int) records;
    return MT_OK;
}

int
results_weigh (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
               size_t n, int64_t **others_p, size_t *other_count_p,
               size_t *other_size_p, size_t *weighed_p, results_set_t *later,
               mt_err_t *err)
{
    int rc = MT_OK;
    size_t searched = *other_count_p;
    int64_t case_id = c->id;
    //  The case's pairs read once: the ones not rejected are weighed again
    //  with the cases searched; a pair weighed to the figures it holds is
    //  not written again (a cross-match's second side weighs again the
    //  pairs its first side stored, each asked of the store twice before).
    mt_casedb_pair_t *paired = NULL;
    size_t paired_count = 0;
    if (rc == MT_OK)
        rc = mt_casedb_pairs_of (m->db, case_id, &paired, &paired_count, err);
    for (size_t i = 0; rc == MT_OK && i < paired_count; i++)
        if (!paired [i].rejected
        &&  results_set_add_id (others_p, other_count_p, other_size_p, paired [i].other)
            != MT_OK)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");

    //  A linked group searches and is searched as one person: its records'
    //  faces pooled, their facts merged.
    mt_face_row_t *pooled = NULL;
    mt_case_t *person = malloc (2 * sizeof *person), *other = person ? person + 1 : NULL;
    int records = 0;
    if (rc == MT_OK && !person)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK)
        rc = results_group_person (m, c, faces, n, &pooled, &n, person, &records, err);
    if (pooled)
        faces = pooled;
    s_weighed_t *weighed = calloc (*other_count_p ? *other_count_p : 1, sizeof *weighed);
    size_t weighed_count = 0;
    if (!weighed && rc == MT_OK)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MT_OK && i < *other_count_p; i++) {
        mt_case_t o;
        mt_face_row_t *ofaces = NULL;
        size_t on = 0;
        if (results_casemem_get (m->casemem, m->db, (*others_p) [i], &o, &ofaces, &on, NULL)
            != MT_OK)
            continue;
        const mt_casedb_pair_t *pair = mt_casedb_pair_find (paired, paired_count, o.id);
        if (strcmp (o.state, "open") != 0 || o.kind == c->kind || (pair && pair->rejected)) {
            free (ofaces);
            continue;
        }
        mt_face_row_t *opooled = NULL;
        int orecords = 0;
        if (results_group_person (m, &o, ofaces, on, &opooled, &on, other, &orecords, NULL)
            != MT_OK)
            *other = o;
        if (opooled) {
            free (ofaces);
            ofaces = opooled;
        }
        s_weighed_t *w = &weighed [weighed_count];
        w->case_id = o.id;
        w->paired = i >= searched;
        mt_rank_explanation_t *ex = &w->rank.explanation;
        if (c->kind == MT_KIND_FOUND
            ? mt_rank_pair (&m->model, person, faces, n, other, ofaces, on, &w->rank, err) == MT_OK
            : mt_rank_pair (&m->model, other, ofaces, on, person, faces, n, &w->rank, err) == MT_OK) {
            ex->records_found = c->kind == MT_KIND_FOUND ? records : orecords;
            ex->records_missing = c->kind == MT_KIND_FOUND ? orecords : records;
            weighed_count++;
        }
        free (ofaces);
    }
    qsort (weighed, weighed_count, sizeof *weighed, s_by_evidence);
    //  The case's pairs and the scores in one transaction: one fsync.
    bool grouped = rc == MT_OK && mt_casedb_begin (m->db, err) == MT_OK;
    if (rc == MT_OK && !grouped)
        rc = err->code;
    //  Scored later (a cross-match): a found case itself, whose scores are
    //  brought up to date whatever changed (the families searched may have
    //  grown since); or, for a missing case, the found cases whose pair
    //  with it changed. A cross-match's second side weighs again pairs the
    //  first side stored: scoring every found case they touch again each
    //  time read all of the store's pairs every few seconds (a third of
    //  its time at 100,000 cases), to write next to nothing.
    if (rc == MT_OK && later && c->kind == MT_KIND_FOUND
    &&  results_set_add_id (&later->ids, &later->count, &later->size, c->id) != MT_OK)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; i < weighed_count; i++) {
        if (rc == MT_OK && (i < (size_t) m->config->keep || weighed [i].paired)) {
            int64_t found = c->kind == MT_KIND_FOUND ? c->id : weighed [i].case_id;
            int64_t missing = c->kind == MT_KIND_FOUND ? weighed [i].case_id : c->id;
            uint8_t *packed = NULL;
            size_t size = 0;
            bool written = false;
            rc = results_explain_pack (&weighed [i].rank.explanation, &packed, &size, err);
            const mt_casedb_pair_t *pair = mt_casedb_pair_find (paired, paired_count,
                                                                weighed [i].case_id);
            if (rc == MT_OK
            &&  !mt_casedb_pair_unchanged (pair, weighed [i].rank.evidence,
                                           weighed [i].rank.distance, packed, size))
                rc = mt_casedb_candidate_put (m->db, found, missing, weighed [i].rank.evidence,
                                              weighed [i].rank.distance, packed, size,
                                              &written, err);
            free (packed);
            if (rc == MT_OK && later && written && c->kind == MT_KIND_MISSING
            &&  results_set_add_id (&later->ids, &later->count, &later->size, found) != MT_OK)
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
        }
    }
    if (rc == MT_OK && !later)
        rc = results_rescore (m->db, &m->model, case_id, err);
    if (grouped)
        rc = mt_casedb_commit (m->db, rc, err);
    *weighed_p = weighed_count;
    free (person);
    free (pooled);
    free (weighed);
    mt_casedb_pairs_free (paired, paired_count);
    return rc;
}

//  Neighbours per face by MobileFaceNet: search-k2, or search-k when it is
//  -1; 0 when its galleries are not searched (search-k2 0, or a ranking
//  that weighs by dlib's descriptor alone).
size_t
results_search_k2 (const results_config_t *config)
{
    if (strcmp (config->descriptor, "dlib") == 0)
        return 0;
    return (size_t) (config->search_k2 < 0 ? config->search_k : config->search_k2);
}

int
results_hits_add (const mt_msg_t *reply, size_t first, size_t count, int64_t **others,
                  size_t *other_count, size_t *other_size, mt_err_t *err)
{
    for (size_t q = first; reply && q < first + count && q < reply->query_count; q++)
        for (size_t h = 0; h < reply->results [q].count; h++)
            if (results_set_add_id (others, other_count, other_size,
                                    (int64_t) reply->results [q].hits [h].case_id) != MT_OK)
                return mt_err_set (err, MT_ENOMEM, "out of memory");
    return MT_OK;
}

mt_msg_t *
results_search_new (int ns, uint32_t k, size_t most)
{
    mt_msg_t *search = mt_msg_new (MT_MSG_SEARCH);
    if (search)
        search->vectors = malloc ((most ? most : 1) * (size_t) mt_msg_dim (ns) * sizeof (float));
    if (search && !search->vectors)
        mt_msg_destroy (&search);
    if (search) {
        search->ns = ns;
        search->k = k;
    }
    return search;
}

int
results_search_send (mt_client_t *broker, mt_msg_t *search, size_t q, int timeout_ms,
                     bool partial_fails, bool *partial_p, mt_msg_t **reply_p, mt_err_t *err)
{
    *reply_p = NULL;
    search->query_count = q;
    int rc = q ? mt_client_request (broker, search, timeout_ms, reply_p, err) : MT_OK;
    mt_msg_destroy (&search);
    bool partial = rc == MT_OK && *reply_p && (*reply_p)->partial;
    if (partial_p)
        *partial_p = partial;
    if (partial && partial_fails) {
        mt_msg_destroy (reply_p);
        rc = mt_err_set (err, MT_EUNAVAILABLE, "some partitions did not answer; the "
                         "cross-match tries this batch again");
    }
    return rc;
}
