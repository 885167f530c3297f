//  results_explain - a candidate pair's explanation packed for the store.

#include "results_explain.h"

#include "results/store/mt_casedb.h"

#include "homeward/v1/explanation.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__Explanation s_pb_t;
typedef Homeward__V1__Description s_pb_desc_t;
typedef Homeward__V1__FacePair s_pb_pair_t;
typedef Homeward__V1__FactWeighed s_pb_fact_t;

//  The flags' bits are explanation.proto's Flag values, by which the API
//  names them.
_Static_assert (MT_RANK_FLAG_CHILD_PHOTO == 1u << HOMEWARD__V1__FLAG__CHILD_PHOTO
             && MT_RANK_FLAG_AGE_GAP == 1u << HOMEWARD__V1__FLAG__AGE_GAP
             && MT_RANK_FLAG_LOW_QUALITY == 1u << HOMEWARD__V1__FLAG__LOW_QUALITY
             && MT_RANK_FLAG_PERSON_GUESSED == 1u << HOMEWARD__V1__FLAG__PERSON_GUESSED
             && MT_RANK_FLAG_NO_FACES == 1u << HOMEWARD__V1__FLAG__NO_FACES
             && MT_RANK_FLAG_SEX_MISMATCH == 1u << HOMEWARD__V1__FLAG__SEX_MISMATCH
             && MT_RANK_FLAG_AGE_MISMATCH == 1u << HOMEWARD__V1__FLAG__AGE_MISMATCH
             && MT_RANK_FLAG_DATES_OUT_OF_ORDER == 1u << HOMEWARD__V1__FLAG__DATES_OUT_OF_ORDER
             && MT_RANK_FLAG_FAR_FROM_HOME == 1u << HOMEWARD__V1__FLAG__FAR_FROM_HOME
             && MT_RANK_FLAGS == HOMEWARD__V1__FLAG__FAR_FROM_HOME + 1,
                "mt_rank's flags are explanation.proto's Flag values");
//  ... and its facts and verdicts are in the order the words read them.
_Static_assert (MT_RANK_FACT_SEX == 0 && MT_RANK_FACT_AGE == 1 && MT_RANK_FACT_DATES == 2
             && MT_RANK_FACT_PROVINCE == 3 && MT_RANK_FACTS == 4 && MT_RANK_UNKNOWN == 0
             && MT_RANK_AGREES == 1 && MT_RANK_FAR == 3,
                "mt_rank's facts and verdicts are explanation.proto's order");

//  ---------------------------------------------------------------- packed

static void
s_desc_pb (const mt_rank_desc_t *d, s_pb_desc_t *pb)
{
    homeward__v1__description__init (pb);
    pb->face = d->face, pb->photos = d->photos, pb->prior = d->prior;
    pb->verdict = (char *) d->verdict;
    pb->age = d->age, pb->child = d->child, pb->child_year = d->child_year;
    pb->group_faces = d->group_faces;
}

int
results_explain_pack (const mt_rank_explanation_t *ex, uint8_t **bytes_p, size_t *size_p,
                      mt_err_t *err)
{
    s_pb_t pb;
    homeward__v1__explanation__init (&pb);
    s_pb_desc_t found, missing;
    s_desc_pb (&ex->found, &found);
    s_desc_pb (&ex->missing, &missing);
    s_pb_pair_t pairs [MT_RANK_PAIRS_SHOWN], *pair_list [MT_RANK_PAIRS_SHOWN];
    s_pb_fact_t facts [MT_RANK_FACTS], *fact_list [MT_RANK_FACTS];
    int32_t estimated [2] = { ex->facts.age_estimated [0], ex->facts.age_estimated [1] };
    int32_t would_be [2] = { ex->facts.age_would_be [0], ex->facts.age_would_be [1] };
    pb.pooled = ex->pooled;
    if (ex->pooled)
        pb.found = &found, pb.missing = &missing;
    pb.distance = ex->distance, pb.weight = ex->weight, pb.distance2 = ex->distance2;
    pb.age_gap = ex->age_gap;
    pb.descriptions_found = ex->descriptions_found;
    pb.descriptions_missing = ex->descriptions_missing;
    pb.n_pairs = ex->pairs < MT_RANK_PAIRS_SHOWN ? ex->pairs : MT_RANK_PAIRS_SHOWN;
    pb.pairs = pair_list;
    for (size_t i = 0; i < pb.n_pairs; i++) {
        const mt_rank_face_pair_t *p = &ex->pair [i];
        homeward__v1__face_pair__init (&pairs [i]);
        pairs [i].found_face = p->found_face, pairs [i].missing_face = p->missing_face;
        pairs [i].distance = p->distance;
        pairs [i].found_verdict = (char *) p->found_verdict;
        pairs [i].missing_verdict = (char *) p->missing_verdict;
        pair_list [i] = &pairs [i];
    }
    pb.evidence = ex->evidence, pb.face_evidence = ex->face_evidence;
    pb.facts_evidence = ex->facts_evidence;
    pb.n_facts = MT_RANK_FACTS, pb.facts = fact_list;
    for (size_t i = 0; i < MT_RANK_FACTS; i++) {
        homeward__v1__fact_weighed__init (&facts [i]);
        facts [i].verdict = (uint32_t) ex->facts.verdict [i];
        facts [i].effect = ex->facts.effect [i];
        fact_list [i] = &facts [i];
    }
    const mt_rank_facts_t *f = &ex->facts;
    pb.sex_found = f->sex_found, pb.sex_missing = f->sex_missing;
    pb.n_age_estimated = 2, pb.age_estimated = estimated;
    pb.n_age_would_be = 2, pb.age_would_be = would_be;
    pb.age_year = f->age_year;
    pb.date_found = (char *) f->date_found, pb.date_last_seen = (char *) f->date_last_seen;
    pb.days = f->days;
    pb.province_found = f->province_found, pb.province_home = f->province_home;
    pb.km = f->km;
    pb.flags = ex->flags;
    pb.records_found = ex->records_found, pb.records_missing = ex->records_missing;
    size_t size = homeward__v1__explanation__get_packed_size (&pb);
    uint8_t *bytes = malloc (size ? size : 1);
    if (!bytes)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    *size_p = homeward__v1__explanation__pack (&pb, bytes);
    *bytes_p = bytes;
    return MT_OK;
}
