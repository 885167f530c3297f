//  results_same_weigh - a case searched against its own side (found people
//  against found people, reports against reports) for the same person
//  registered twice: the cases its faces lead to, and those it is paired
//  with already, weighed one person against one (mt_rank_same); pairs at or
//  above the same-person floor are kept as suggestions (issue 27).

#include "results_matcher.h"
#include "results_explain.h"

#include "base/mt_log.h"
#include "index/mt_store.h"

#include <stdlib.h>
#include <string.h>

#define S_NAME "results"

//  Search the case's own side, by dlib's descriptor and MobileFaceNet's,
//  with its faces; the cases hit join others.
static int
s_search_own (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces, size_t n,
              int64_t **others, size_t *count, size_t *size, mt_err_t *err)
{
    int rc = MT_OK;
    for (int second = 0; rc == MT_OK && second < 2; second++) {
        if (second && results_search_k2 (m->config) == 0)
            break;
        int ns = c->kind == MT_KIND_FOUND ? MT_NS_FOUND : MT_NS_MISSING;
        if (second)
            ns = mt_ns_second (ns);
        size_t dim = (size_t) mt_msg_dim (ns), q = 0;
        mt_msg_t *search = results_search_new (ns, RESULTS_SAME_K, n < MT_MSG_MAX_QUERIES
                                               ? n : MT_MSG_MAX_QUERIES), *reply = NULL;
        if (!search)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        for (size_t i = 0; i < n && q < MT_MSG_MAX_QUERIES; i++)
            if (!faces [i].excluded && (!second || faces [i].has_embedding2))
                memcpy (search->vectors + q++ * dim, second ? faces [i].embedding2
                                                            : faces [i].embedding,
                        dim * sizeof (float));
        rc = results_search_send (m, search, q, 30000, false, NULL, &reply, err);
        if (rc == MT_OK)
            rc = results_hits_add (reply, 0, reply ? reply->query_count : 0, others, count,
                                   size, err);
        mt_msg_destroy (&reply);
    }
    return rc;
}

int
results_same_weigh (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                    size_t n, mt_err_t *err)
{
    int64_t *others = NULL;
    size_t count = 0, size = 0;
    int rc = n > 0 ? s_search_own (m, c, faces, n, &others, &count, &size, err) : MT_OK;
    if (rc == MT_OK)
        rc = results_same_weigh_hits (m, c, faces, n, &others, &count, &size, err);
    free (others);
    return rc;
}

int
results_same_weigh_hits (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                         size_t n, int64_t **others_p, size_t *count_p, size_t *size_p,
                         mt_err_t *err)
{
    int64_t *group = NULL, *paired = NULL;
    size_t group_count = 0, paired_count = 0, searched = *count_p;
    int rc = mt_casedb_same_partners (m->db, c->id, NULL, &paired, &paired_count, err);
    for (size_t i = 0; rc == MT_OK && i < paired_count; i++)
        if (results_set_add_id (others_p, count_p, size_p, paired [i]) != MT_OK)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    int64_t *others = *others_p;
    size_t count = *count_p;
    double floor = c->kind == MT_KIND_FOUND ? m->config->same_floor_found
                                            : m->config->same_floor_missing;
    //  Its linked group (a case alone, as most are, is its own: not read).
    if (rc == MT_OK && c->person_group)
        rc = mt_casedb_same_group (m->db, c->id, &group, &group_count, err);
    bool grouped = rc == MT_OK && mt_casedb_begin (m->db, err) == MT_OK;
    if (rc == MT_OK && !grouped)
        rc = err->code;
    size_t kept = 0;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        //  Itself, and the cases linked with it already, are not suggested.
        bool linked = others [i] == c->id;
        for (size_t g = 0; g < group_count && !linked; g++)
            linked = group [g] == others [i];
        mt_case_t o;
        if (linked || mt_casedb_case_get (m->db, others [i], &o, NULL) != MT_OK
        ||  strcmp (o.state, "open") != 0 || o.kind != c->kind)
            continue;
        mt_face_row_t *ofaces = NULL;
        size_t on = 0;
        mt_rank_t rank;
        if (mt_casedb_faces_of_case (m->db, o.id, &ofaces, &on, NULL) != MT_OK)
            continue;
        //  The smaller id on the explanation's first side, as the pair is kept.
        rc = c->id < o.id ? mt_rank_same (&m->model, c, faces, n, &o, ofaces, on, &rank, err)
                          : mt_rank_same (&m->model, &o, ofaces, on, c, faces, n, &rank, err);
        free (ofaces);
        //  A pair kept before is kept up to date, whatever its evidence now.
        if (rc != MT_OK || (rank.evidence < floor && i < searched))
            continue;
        uint8_t *packed = NULL;
        size_t packed_size = 0;
        rc = results_explain_pack (&rank.explanation, &packed, &packed_size, err);
        if (rc == MT_OK)
            rc = mt_casedb_same_put (m->db, c->id, o.id, rank.evidence, rank.distance, packed,
                                     packed_size, err);
        free (packed);
        kept++;
    }
    if (grouped)
        rc = mt_casedb_commit (m->db, rc, err);
    if (kept)
        mt_log_debug (S_NAME, "case %lld: %zu same-person pairs of %zu cases weighed",
                      (long long) c->id, kept, count);
    free (group);
    free (paired);
    return rc;
}
