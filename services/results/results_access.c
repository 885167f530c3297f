//  results_access - who may see and change what, and the audit of what a
//  person was shown or refused.

#include "results/results_access.h"

#include "results/case_fields.h"
#include "results/case_view.h"

#include "base/mt_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  How long a read of a case by a person covers their next reads of it.
#define S_SEEN_MS (10 * 60 * 1000)

bool
results_is_staff (const results_call_t *call)
{
    return strcmp (call->role, "station_staff") == 0;
}

bool
results_is_police (const results_call_t *call)
{
    return strcmp (call->role, "police_liaison") == 0;
}

bool
results_is_admin (const results_call_t *call)
{
    //  No role: this machine's operator (the CLI) or another service.
    return strcmp (call->role, "admin") == 0 || !call->role [0];
}

results_sight
results_sight_of (results_call_t *call, const mt_case_t *c)
{
    if (!results_is_staff (call) || strcmp (c->station, call->station) == 0)
        return RESULTS_SEE_ALL;
    return mt_casedb_candidate_of_station (call->self->db, c->id, call->station)
         ? RESULTS_SEE_FACTS : RESULTS_SEE_NONE;
}

int
results_refused (results_call_t *call, const char *object, mt_err_t *err)
{
    mt_casedb_audit (call->self->db, call->actor, "refused", object, err->msg, NULL);
    return err->code;
}

int
results_may_see (results_call_t *call, const mt_case_t *c, results_sight *sight, mt_err_t *err)
{
    *sight = results_sight_of (call, c);
    if (*sight != RESULTS_SEE_NONE)
        return MT_OK;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) c->id);
    mt_err_set (err, MT_EFORBIDDEN, "case %lld belongs to another station", (long long) c->id);
    return results_refused (call, object, err);
}

int
results_may_change (results_call_t *call, const mt_case_t *c, mt_err_t *err)
{
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) c->id);
    if (results_is_police (call))
        mt_err_set (err, MT_EFORBIDDEN, "police liaisons review pairs; a case's photos and facts "
                    "are its station's to change");
    else
    if (results_is_staff (call) && strcmp (c->station, call->station) != 0)
        mt_err_set (err, MT_EFORBIDDEN, "case %lld belongs to another station", (long long) c->id);
    else
        return MT_OK;
    return results_refused (call, object, err);
}

int
results_may_review (results_call_t *call, const char *what, mt_err_t *err)
{
    if (results_is_police (call) || results_is_admin (call))
        return MT_OK;
    mt_err_set (err, MT_EFORBIDDEN, "only police liaisons and administrators review candidate "
                "pairs");
    return results_refused (call, what, err);
}

int
results_may_administer (results_call_t *call, const char *what, mt_err_t *err)
{
    if (results_is_admin (call))
        return MT_OK;
    mt_err_set (err, MT_EFORBIDDEN, "only an administrator may do this");
    return results_refused (call, what, err);
}

//  ---------------------------------------------------------------- reads

static uint64_t
s_key (const char *actor, int64_t case_id)
{
    //  FNV-1a over the name and the id.
    uint64_t h = 1469598103934665603ull;
    for (const char *c = actor; *c; c++)
        h = (h ^ (uint8_t) *c) * 1099511628211ull;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t) ((uint64_t) case_id >> (8 * i))) * 1099511628211ull;
    return h | 1;
}

//  Whether the person read the case in the last ten minutes; marks it read
//  now either way.
static bool
s_seen (results_state_t *self, const char *actor, int64_t case_id, int64_t now)
{
    uint64_t key = s_key (actor, case_id);
    results_seen_t *slot = &self->seen [key % RESULTS_SEEN_SLOTS];
    bool seen = slot->key == key && now - slot->at_ms < S_SEEN_MS;
    slot->key = key;
    slot->at_ms = now;
    return seen;
}

void
results_audit_read (results_call_t *call, const char *action, int64_t subject,
                    const int64_t *shown, size_t count)
{
    int64_t now = mt_clock_ms ();
    bool record = subject > 0 && !s_seen (call->self, call->actor, subject, now);
    //  The other cases it showed for the first time (the list is cut short
    //  in the row, never the marking).
    char detail [1024] = "";
    size_t at = 0, listed = 0;
    for (size_t i = 0; i < count; i++) {
        if (shown [i] <= 0 || shown [i] == subject || s_seen (call->self, call->actor,
                                                              shown [i], now))
            continue;
        record = true;
        if (at + 24 < sizeof detail) {
            at += (size_t) snprintf (detail + at, sizeof detail - at, "%s%lld",
                                     listed ? ", " : "shown: cases ", (long long) shown [i]);
            listed++;
        }
    }
    if (!record)
        return;
    char object [32] = "";
    if (subject > 0)
        snprintf (object, sizeof object, "case %lld", (long long) subject);
    mt_casedb_audit (call->self->db, call->actor, action, object, detail, NULL);
}
