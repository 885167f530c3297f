//  results_access - who may see and change what, decided where the data is
//  (the results service), for every client: station staff see their own
//  station's cases whole, and of another station's case that is a
//  candidate of one of theirs only the facts (sex, age, dates, places,
//  marks), its face chips and its score, never its names, contacts,
//  relation, consent-giver, notes or export; police liaisons and
//  administrators see everything, and the operator of this machine (the
//  CLI, the other services) may do what an administrator may. Each
//  disclosure of a case to a person is audited, once per read of it in
//  ten minutes; each refusal as refused.

#ifndef RESULTS_ACCESS_H_INCLUDED
#define RESULTS_ACCESS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "results/results_call.h"

typedef enum {
    RESULTS_SEE_NONE = 0,
    RESULTS_SEE_FACTS,              //  the facts without personal data (another station's)
    RESULTS_SEE_ALL
} results_sight;

//  The caller's role: station staff, police liaison, or (administrator or
//  operator) one who may do everything.
bool results_is_staff (const results_call_t *call);
bool results_is_police (const results_call_t *call);
bool results_is_admin (const results_call_t *call);

//  How much of case c the caller may see.
results_sight results_sight_of (results_call_t *call, const mt_case_t *c);

//  Record the refusal err says (set with its reason, e.g. MT_EFORBIDDEN) in
//  the audit log as refused, with what was asked (object); returns its code.
int results_refused (results_call_t *call, const char *object, mt_err_t *err);

//  Case c may be seen by the caller (at least its facts): MT_OK with
//  *sight set, else refused (audited).
int results_may_see (results_call_t *call, const mt_case_t *c, results_sight *sight,
                     mt_err_t *err);
//  Case c may be changed by the caller (photos, corrections, closing): its
//  station's staff, administrators, the operator. Else refused (audited).
int results_may_change (results_call_t *call, const mt_case_t *c, mt_err_t *err);
//  Only police liaisons and administrators (reviews, the queue): else
//  refused (audited), what naming the request.
int results_may_review (results_call_t *call, const char *what, mt_err_t *err);
//  Only administrators (reopening, erasure, the audit log).
int results_may_administer (results_call_t *call, const char *what, mt_err_t *err);

//  Audit what a read showed a person: action (e.g. "case.read") about
//  subject (0: none) and the other cases shown with it. Recorded once per
//  person and case in ten minutes (a page refreshed, or opened again, adds
//  no row; the cases it shows for the first time do).
void results_audit_read (results_call_t *call, const char *action, int64_t subject,
                         const int64_t *shown, size_t count);

#endif
