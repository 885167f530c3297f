//  reliability_load - the suite's load: staff file cases with photos, a
//  police liaison reviews, a client searches the index; every request
//  retried until acknowledged; the figures counted.

#include "reliability.h"

rel_figures_t F = { .lock = PTHREAD_MUTEX_INITIALIZER };
rel_case_t rel_cases [2 * S_MAX_PEOPLE];
atomic_int rel_case_count;

const char *const *rel_people;
int rel_people_count;

static void
s_count (long *what, long by)
{
    pthread_mutex_lock (&F.lock);
    *what += by;
    pthread_mutex_unlock (&F.lock);
}

//  ---------------------------------------------------------------- the load

const char *
rel_text (json_t *value)
{
    return json_is_string (value) ? json_string_value (value) : "";
}

static bool
s_ok (int status)
{
    return status >= 200 && status < 300;
}

//  Repeat a request until it is acknowledged (2xx) or refused for a reason
//  a retry cannot mend (4xx but 401/408/429); unanswered and 5xx are
//  retried, as a client of a service that restarts must.
typedef int (*rel_request_fn) (void *arg, json_t **reply);

static int
s_until_acknowledged (rel_request_fn fn, void *arg, json_t **reply_p)
{
    long long until = mt_test_now_ms () + 180000;
    int status = 0;
    while (mt_test_now_ms () < until) {
        json_t *reply = NULL;
        status = fn (arg, &reply);
        s_count (&F.requests, 1);
        if (s_ok (status)) {
            *reply_p = reply;
            return status;
        }
        s_count (&F.failures, 1);
        if (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429) {
            char *text = reply ? json_dumps (reply, 0) : NULL;
            fprintf (stderr, "reliability: refused with %d: %s\n", status, text ? text : "");
            free (text);
            json_decref (reply);
            return status;
        }
        json_decref (reply);
        mt_test_sleep_ms (250);
    }
    return status;
}

static int
s_add_case (void *arg, json_t **reply)
{
    rel_case_t *c = arg;
    json_t *body = c->found
        ? json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "found", "sex", "unknown",
                     "province", 11, "date_found", "2021-06-01", "consent_basis",
                     "vital_interests", "external_ref", c->ref)
        : json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "kind", "missing", "sex",
                     "unknown", "province", 11, "date_last_seen", "2020-01-02", "family_name",
                     rel_people [c->person], "consent_basis", "family", "consent_by", "family",
                     "external_ref", c->ref);
    int status = mt_test_http_json (S.http, "POST", "/api/v1/cases", S.tokens [0], body,
                                    S_HTTP_TIMEOUT_MS, reply);
    json_decref (body);
    return status;
}

static int
s_add_photo (void *arg, json_t **reply)
{
    rel_case_t *c = arg;
    char path [64], file [256], relative [128];
    snprintf (path, sizeof path, "/api/v1/cases/%lld/photos", (long long) c->case_id);
    snprintf (relative, sizeof relative, "lfw/%s/%d.jpg", rel_people [c->person],
              c->found ? 2 : 1);
    snprintf (file, sizeof file, "%s", mt_test_data (relative));
    return mt_test_http_upload (S.http, path, S.tokens [0], file, S_HTTP_TIMEOUT_MS, reply);
}

//  Files reports and found persons, one person after another, while the
//  chaos runs; then stops.
void *
rel_writer (void *arg)
{
    (void) arg;
    //  Paced, so that the load spans all the kills.
    long long next = mt_test_now_ms ();
    for (int i = 0; !S.stop && i < S_MAX_PEOPLE; i++, next += S_PACE_MS) {
        while (mt_test_now_ms () < next && !S.stop)
            mt_test_sleep_ms (20);
        for (int found = 0; found < 2; found++) {
            rel_case_t *c = &rel_cases [2 * i + found];
            c->person = i % S_PEOPLE;
            c->found = found;
            snprintf (c->ref, sizeof c->ref, "rel-%s-%d", found ? "f" : "m", i);
            atomic_fetch_add (&rel_case_count, 1);
            json_t *reply = NULL;
            if (!s_ok (s_until_acknowledged (s_add_case, c, &reply)))
                continue;
            int64_t id = (int64_t) json_integer_value (json_object_get (reply, "case_id"));
            json_decref (reply);
            c->case_id = id;
            if (s_ok (s_until_acknowledged (s_add_photo, c, &reply)))
                c->photo_id = (int64_t) json_integer_value (json_object_get (reply,
                                                                             "photo_id"));
            json_decref (reply);
        }
    }
    return NULL;
}

typedef struct {
    rel_case_t *found;
    int64_t missing;
    char note [48];
} s_review_t;

//  A review is acknowledged, or already in the trail from an attempt whose
//  answer was lost: then it is not sent twice.
static int
s_review (void *arg, json_t **reply)
{
    s_review_t *r = arg;
    char path [64];
    snprintf (path, sizeof path, "/api/v1/cases/%lld/reviews", (long long) r->found->case_id);
    json_t *trail = NULL;
    int status = mt_test_http_json (S.http, "GET", path, S.tokens [1], NULL, S_HTTP_TIMEOUT_MS,
                                    &trail);
    if (!s_ok (status)) {
        json_decref (trail);
        return status;
    }
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (trail, "reviews"), i, entry) {
        const char *note = json_string_value (json_object_get (entry, "note"));
        if (note && strcmp (note, r->note) == 0) {
            *reply = trail;
            return 200;
        }
    }
    json_decref (trail);
    json_t *body = json_pack ("{s:I, s:I, s:s, s:s}", "case_id", (json_int_t) r->found->case_id,
                              "candidate", (json_int_t) r->missing, "state", "dna_requested",
                              "note", r->note);
    status = mt_test_http_json (S.http, "POST", "/api/v1/reviews", S.tokens [1], body,
                                S_HTTP_TIMEOUT_MS, reply);
    json_decref (body);
    return status;
}

//  The police liaison: for each found case with candidates, asks for a DNA
//  test on the best one.
void *
rel_reviewer (void *arg)
{
    (void) arg;
    int next = 0;
    while (!S.stop || next < atomic_load (&rel_case_count)) {
        rel_case_t *c = next < atomic_load (&rel_case_count) ? &rel_cases [next] : NULL;
        if (!c || (c->found && !c->photo_id && !S.stop)) {
            mt_test_sleep_ms (200);
            continue;
        }
        next++;
        if (!c->found || !c->photo_id)
            continue;
        char path [80];
        snprintf (path, sizeof path, "/api/v1/cases/%lld/candidates?limit=5",
                  (long long) c->case_id);
        int64_t best = 0;
        long long until = mt_test_now_ms () + 120000;
        while (!best && mt_test_now_ms () < until) {
            json_t *list = NULL;
            s_count (&F.requests, 1);
            if (s_ok (mt_test_http_json (S.http, "GET", path, S.tokens [1], NULL,
                                         S_HTTP_TIMEOUT_MS, &list)))
                best = (int64_t) json_integer_value (json_object_get (
                    json_array_get (json_object_get (list, "candidates"), 0), "case_id"));
            else
                s_count (&F.failures, 1);
            json_decref (list);
            if (!best)
                mt_test_sleep_ms (500);
        }
        if (!best)
            continue;
        s_review_t r = { .found = c, .missing = best };
        snprintf (r.note, sizeof r.note, "reliability %.31s", c->ref);
        json_t *reply = NULL;
        if (s_ok (s_until_acknowledged (s_review, &r, &reply))) {
            c->reviewed = true;
            c->reviewed_with = best;
        }
        json_decref (reply);
    }
    return NULL;
}

//  Wait (at most 60 s) until the broker answers a search, whatever the
//  answer: a client of its own, as a new client would see it.
void
rel_wait_broker_answers (void)
{
    mt_client_t *client = NULL;
    mt_err_t err;
    if (mt_client_new (S.front, &S.client, &client, &err) != MT_OK)
        return;
    long long until = mt_test_now_ms () + 60000;
    while (mt_test_now_ms () < until) {
        mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
        msg->ns = 1;
        msg->k = 1;
        msg->query_count = 1;
        msg->deadline_ms = 500;
        msg->vectors = calloc (MT_DIM, sizeof (float));
        msg->vectors [0] = 1;
        int rc = mt_client_request (client, msg, 1000, &reply, &err);
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
        if (rc == MT_OK || rc == MT_EUNAVAILABLE)
            break;
    }
    mt_client_destroy (&client);
}

//  Searches the index directly, as the results service does: each answer
//  complete or flagged partial, within its deadline.
void *
rel_searcher (void *arg)
{
    (void) arg;
    mt_client_t *client = NULL;
    mt_err_t err;
    if (mt_client_new (S.front, &S.client, &client, &err) != MT_OK) {
        fprintf (stderr, "reliability: searcher: %s\n", err.msg);
        return NULL;
    }
    uint64_t x = 88172645463325252ull;
    while (!S.stop) {
        mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
        msg->ns = (x & 1) ? 1 : 2;
        msg->k = 10;
        msg->query_count = 1;
        msg->deadline_ms = S_SEARCH_DEADLINE_MS;
        msg->vectors = malloc (MT_DIM * sizeof (float));
        double norm = 0;
        for (int d = 0; d < MT_DIM; d++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            msg->vectors [d] = (float) ((double) (x >> 11) / 9007199254740992.0 - 0.5);
            norm += msg->vectors [d] * msg->vectors [d];
        }
        for (int d = 0; d < MT_DIM; d++)
            msg->vectors [d] = (float) (msg->vectors [d] / sqrt (norm));
        bool broker_down = S.broker_down;
        int kills = S.broker_kills;
        long long start = mt_test_now_ms ();
        int rc = mt_client_request (client, msg, S_SEARCH_DEADLINE_MS + S_SLACK_MS + 2000, &reply,
                                    &err);
        long long took = mt_test_now_ms () - start;
        //  Sent before a kill, its timeout may end after the broker is back.
        broker_down |= S.broker_down || S.broker_kills != kills;
        pthread_mutex_lock (&F.lock);
        F.queries++;
        if (rc == MT_OK) {
            F.answered++;
            F.partial += reply->partial;
            F.worst_query_ms = took > F.worst_query_ms ? took : F.worst_query_ms;
            //  The broker's deadline, plus the slack for the trip and
            //  scheduling on a loaded two-core machine.
            if (took > S_SEARCH_DEADLINE_MS + S_SLACK_MS) {
                F.late++;
                fprintf (stderr, "reliability: a search took %lld ms\n", took);
            }
        }
        else
        if (rc == MT_EUNAVAILABLE)
            F.unavailable++;        //  said at once: nothing to search (e.g. just restarted)
        else {
            F.unanswered++;
            if (!broker_down) {
                F.late++;
                fprintf (stderr, "reliability: a search got no answer (%s) while the broker "
                         "was up\n", err.msg);
            }
        }
        pthread_mutex_unlock (&F.lock);
        mt_msg_destroy (&msg);
        mt_msg_destroy (&reply);
        mt_test_sleep_ms (100);
    }
    mt_client_destroy (&client);
    return NULL;
}

