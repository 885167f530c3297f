//  results_linked - the case page's person across its linked records
//  (api.proto's CaseView linked, linked_records, linked_conflicts;
//  results_linked.c).

#ifndef RESULTS_LINKED_H_INCLUDED
#define RESULTS_LINKED_H_INCLUDED

#include <stdbool.h>

#include "results/results_call.h"

//  Into the view of case c (its page, for the caller): the records it is
//  linked with, each record of its person as the caller may see it (c's
//  first) and the conflicts of their facts. Nothing for a case alone.
//  *failed when out of memory.
int results_linked_person (results_call_t *call, const mt_case_t *c,
                           Homeward__V1__CaseView *view, bool *failed, mt_err_t *err);

#endif
