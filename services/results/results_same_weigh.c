//  results_same_weigh - a case searched against its own side (found people
//  against found people, reports against reports) for the same person
//  registered twice: the cases its faces lead to, and those it is paired
//  with already, weighed one person against one (mt_rank_same); pairs of
//  evidence MT_RANK_SAME_KEPT or more are kept and scored against their
//  records' other pairs (mt_rank_same_score); those whose score reaches the
//  side's same-person floor are suggested (issue 27).

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
        rc = results_search_send (m->broker, search, q, 30000, false, NULL, &reply, err);
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
        rc = results_same_weigh_hits (m, c, faces, n, &others, &count, &size, false, err);
    free (others);
    return rc;
}

//  A pair weighed, to be kept.
typedef struct {
    int64_t other;
    double evidence, distance;
    uint8_t *packed;                //  its explanation (explanation.proto)
    size_t size;
} s_kept_t;

//  The cases of others weighed one person against c, into kept (the pairs
//  to keep: evidence at or above floor, or kept before: at or beyond
//  searched);
//  how many in *kept_count_p.
static int
s_weigh (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces, size_t n,
         const int64_t *others, size_t count, size_t searched, double floor, s_kept_t *kept,
         size_t *kept_count_p, mt_err_t *err)
{
    //  Its linked group (a case alone, as most are, is its own: not read).
    int64_t *group = NULL;
    size_t group_count = 0;
    int rc = c->person_group ? mt_casedb_same_group (m->db, c->id, &group, &group_count, err)
                             : MT_OK;
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        //  Itself, and the cases linked with it already, are not suggested.
        bool linked = others [i] == c->id;
        for (size_t g = 0; g < group_count && !linked; g++)
            linked = group [g] == others [i];
        mt_case_t o;
        mt_face_row_t *ofaces = NULL;
        size_t on = 0;
        mt_rank_t rank;
        if (linked
        ||  results_casemem_get (m->casemem, m->db, others [i], &o, &ofaces, &on, NULL) != MT_OK)
            continue;
        if (strcmp (o.state, "open") != 0 || o.kind != c->kind) {
            free (ofaces);
            continue;
        }
        //  The smaller id on the explanation's first side, as the pair is kept.
        rc = c->id < o.id ? mt_rank_same (&m->model, c, faces, n, &o, ofaces, on, &rank, err)
                          : mt_rank_same (&m->model, &o, ofaces, on, c, faces, n, &rank, err);
        free (ofaces);
        //  A pair kept before is kept up to date, whatever its evidence now.
        if (rc != MT_OK || (rank.evidence < floor && i < searched))
            continue;
        s_kept_t *k = &kept [(*kept_count_p)++];
        *k = (s_kept_t) { .other = o.id, .evidence = rank.evidence, .distance = rank.distance };
        rc = results_explain_pack (&rank.explanation, &k->packed, &k->size, err);
    }
    free (group);
    return rc;
}

//  Scored later (a cross-match's rounds): the case and every case paired
//  with it (paired, and those kept), as mt_casedb_same_rescore would score
//  them, listed in the transaction that writes the pairs.
static int
s_list_later (results_matcher_t *m, int64_t case_id, const int64_t *paired, size_t paired_count,
              const s_kept_t *kept, size_t kept_count, mt_err_t *err)
{
    int64_t *ids = malloc ((1 + paired_count + kept_count) * sizeof *ids);
    if (!ids)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    ids [0] = case_id;
    if (paired_count)
        memcpy (ids + 1, paired, paired_count * sizeof *ids);
    for (size_t i = 0; i < kept_count; i++)
        ids [1 + paired_count + i] = kept [i].other;
    int rc = mt_casedb_same_due_add (m->db, ids, 1 + paired_count + kept_count, err);
    free (ids);
    return rc;
}

int
results_same_weigh_hits (results_matcher_t *m, const mt_case_t *c, const mt_face_row_t *faces,
                         size_t n, int64_t **others_p, size_t *count_p, size_t *size_p,
                         bool later, mt_err_t *err)
{
    int64_t *paired = NULL;
    size_t paired_count = 0, searched = *count_p;
    int rc = mt_casedb_same_partners (m->db, c->id, NULL, &paired, &paired_count, err);
    for (size_t i = 0; rc == MT_OK && i < paired_count; i++)
        if (results_set_add_id (others_p, count_p, size_p, paired [i]) != MT_OK)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    double floor = MT_RANK_SAME_KEPT;
    //  Weighed first, kept after in a transaction of their own: the store's
    //  write lock is held for the writes alone (a reviewer's decision waits
    //  for it).
    s_kept_t *kept = calloc (*count_p ? *count_p : 1, sizeof *kept);
    size_t kept_count = 0;
    if (rc == MT_OK && !kept)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK)
        rc = s_weigh (m, c, faces, n, *others_p, *count_p, searched, floor, kept, &kept_count,
                      err);
    if (rc == MT_OK && kept_count && (rc = mt_casedb_begin (m->db, err)) == MT_OK) {
        for (size_t i = 0; rc == MT_OK && i < kept_count; i++)
            rc = mt_casedb_same_put (m->db, c->id, kept [i].other, kept [i].evidence,
                                     kept [i].distance, kept [i].packed, kept [i].size, err);
        if (rc == MT_OK && !later)
            rc = mt_casedb_same_rescore (m->db, c->id, err);
        if (rc == MT_OK && later)
            rc = s_list_later (m, c->id, paired, paired_count, kept, kept_count, err);
        rc = mt_casedb_commit (m->db, rc, err);
    }
    free (paired);
    if (kept_count)
        mt_log_debug (S_NAME, "case %lld: %zu same-person pairs of %zu cases weighed",
                      (long long) c->id, kept_count, *count_p);
    for (size_t i = 0; i < kept_count; i++)
        free (kept [i].packed);
    free (kept);
    return rc;
}
