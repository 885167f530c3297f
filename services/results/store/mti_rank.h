//  mti_rank - what the files of the ranking share. Internal to libmatch.

#ifndef MTI_RANK_H_INCLUDED
#define MTI_RANK_H_INCLUDED

#include "results/store/mt_rank.h"

//  The facts' log-odds that found and missing are one person; each fact's
//  verdict and values go into ex->facts (and a flag into ex->flags when it
//  conflicts), and *conflicts counts the conflicts.
double mti_rank_facts (const mt_rank_model_t *m, const mt_case_t *found,
                       const mt_case_t *missing, mt_rank_explanation_t *ex, int *conflicts);

//  The same for two cases of one side (mt_rank_same): the facts that can
//  tell one person registered twice from two people (mt_rank_facts.c).
double mti_rank_same_facts (const mt_rank_model_t *m, const mt_case_t *a, const mt_case_t *b,
                            mt_rank_explanation_t *ex, int *conflicts);
//  The face evidence (log-likelihood ratio) of two descriptions at dlib
//  distance d and MobileFaceNet distance d2 (negative: none), the younger
//  photo taken at age young, gap years between them (either negative:
//  unknown, the fitted line as it is).
double mti_rank_face_llr (const mt_rank_model_t *m, double d, double d2, double young,
                          double gap);

#endif
