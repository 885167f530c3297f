//  gateway_results - the gateway's link to the results service (see
//  gateway_results.h).

#include "gateway_results.h"
#include "base/mt_clock.h"

#include "common/api.h"
#include "base/mt_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_NAME "gateway"
#define S_PING_TIMEOUT_MS 1000
#define S_PING_EVERY_MS 1000
#define S_PING_DOWN_EVERY_MS 250
#define S_MISSED_TO_DOWN 2
#define S_STATS_EVERY_MS 5000
#define S_STATS_TIMEOUT_MS 2000

struct gateway_results {
    char endpoint [256];
    mt_curve_config_t curve;
    bool secure;
    pthread_key_t key;              //  each request thread's api_client_t
    pthread_t prober;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bool up;                        //  under lock; read without it too (a hint)
    int missed;                     //  pings unanswered in a row
    int64_t last_answer_ms;
    json_t *stats;                  //  the last stats, under lock
    int64_t stats_ms;               //  when they came
};

static void
s_answered (gateway_results_t *self)
{
    pthread_mutex_lock (&self->lock);
    if (!self->up)
        mt_log_info (S_NAME, "the results service at %s answers again", self->endpoint);
    __atomic_store_n (&self->up, true, __ATOMIC_RELAXED);
    self->missed = 0;
    self->last_answer_ms = mt_clock_ms ();
    pthread_mutex_unlock (&self->lock);
}

static void
s_unanswered (gateway_results_t *self, int count)
{
    pthread_mutex_lock (&self->lock);
    self->missed += count;
    if (self->up && self->missed >= S_MISSED_TO_DOWN) {
        __atomic_store_n (&self->up, false, __ATOMIC_RELAXED);
        mt_log_warn (S_NAME, "the results service at %s does not answer: requests that need "
                        "it get 503 until it does", self->endpoint);
    }
    pthread_mutex_unlock (&self->lock);
}

static bool
s_gave_up (void *arg)
{
    gateway_results_t *self = arg;
    return !__atomic_load_n (&self->up, __ATOMIC_RELAXED);
}

static void *
s_probe (void *arg)
{
    gateway_results_t *self = arg;
    api_client_t *client = NULL;
    mt_err_t err;
    pthread_mutex_lock (&self->lock);
    while (!self->stopping) {
        pthread_mutex_unlock (&self->lock);
        if (!client && api_client_new (self->endpoint, self->secure ? &self->curve : NULL,
                                       &client, &err) == MT_OK)
            api_client_set_actor (client, "gateway");
        json_t *result = NULL;
        int rc = client ? api_call (client, "ping", NULL, NULL, 0, S_PING_TIMEOUT_MS, &result,
                                    NULL, NULL, &err)
                        : MT_EUNAVAILABLE;
        json_decref (result);
        //  Any answer, even an error (an older service without ping), is one.
        if (rc == MT_ETIMEDOUT || rc == MT_EUNAVAILABLE || !client)
            s_unanswered (self, 1);
        else
            s_answered (self);
        //  The stats for the health check, when due and the service answers.
        pthread_mutex_lock (&self->lock);
        bool stats_due = self->up && mt_clock_ms () - self->stats_ms >= S_STATS_EVERY_MS;
        pthread_mutex_unlock (&self->lock);
        if (stats_due) {
            json_t *params = json_pack ("{s:i}", "counts_max_age_ms",
                                        GATEWAY_STATS_COUNTS_AGE_MS);
            rc = params ? api_call (client, "stats", params, NULL, 0, S_STATS_TIMEOUT_MS, &result,
                                    NULL, NULL, &err)
                        : mt_err_set (&err, MT_ENOMEM, "out of memory");
            json_decref (params);
            pthread_mutex_lock (&self->lock);
            if (rc == MT_OK) {
                json_decref (self->stats);
                self->stats = result;
                self->stats_ms = mt_clock_ms ();
            }
            pthread_mutex_unlock (&self->lock);
            if (rc == MT_ETIMEDOUT)
                s_unanswered (self, 1);
        }
        pthread_mutex_lock (&self->lock);
        if (self->stopping)
            break;
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        int64_t ms = self->up ? S_PING_EVERY_MS : S_PING_DOWN_EVERY_MS;
        until.tv_sec += ms / 1000;
        until.tv_nsec += (ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000)
            until.tv_sec++, until.tv_nsec -= 1000000000;
        pthread_cond_timedwait (&self->wake, &self->lock, &until);
    }
    pthread_mutex_unlock (&self->lock);
    api_client_destroy (&client);
    return NULL;
}

static void
s_client_free (void *client)
{
    api_client_destroy ((api_client_t **) &client);
}

int
gateway_results_new (const char *endpoint, const mt_curve_config_t *curve,
                     gateway_results_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    gateway_results_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    if (curve) {
        self->curve = *curve;
        self->secure = true;
    }
    //  Up until it fails to answer: a gateway started before the service
    //  waits for it like any client would.
    self->up = true;
    self->last_answer_ms = mt_clock_ms ();
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_key_create (&self->key, s_client_free) != 0) {
        free (self);
        return mt_err_set (err, MT_EINTERNAL, "pthread_key_create failed");
    }
    if (pthread_create (&self->prober, NULL, s_probe, self) != 0) {
        pthread_key_delete (self->key);
        free (self);
        return mt_err_set (err, MT_EINTERNAL, "cannot start a thread");
    }
    *self_p = self;
    return MT_OK;
}

void
gateway_results_destroy (gateway_results_t **self_p)
{
    gateway_results_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->prober, NULL);
    //  This thread's own connection (the request threads' went with them).
    api_client_t *client = pthread_getspecific (self->key);
    api_client_destroy (&client);
    pthread_key_delete (self->key);
    json_decref (self->stats);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    free (self);
}

bool
gateway_results_up (gateway_results_t *self)
{
    return __atomic_load_n (&self->up, __ATOMIC_RELAXED);
}

int64_t
gateway_results_down_ms (gateway_results_t *self)
{
    pthread_mutex_lock (&self->lock);
    int64_t ms = self->up ? 0 : mt_clock_ms () - self->last_answer_ms;
    pthread_mutex_unlock (&self->lock);
    return ms;
}

json_t *
gateway_results_stats (gateway_results_t *self)
{
    pthread_mutex_lock (&self->lock);
    json_t *stats = json_incref (self->stats);
    pthread_mutex_unlock (&self->lock);
    return stats;
}

int
gateway_results_call_as (gateway_results_t *self, const gateway_caller_t *who,
                         const char *method, json_t *params, const void *payload, size_t size,
                         int timeout_ms, json_t **result_p, uint8_t **reply_payload_p,
                         size_t *reply_size_p, json_t **error_p, mt_err_t *err)
{
    *result_p = NULL;
    if (error_p)
        *error_p = NULL;
    if (!gateway_results_up (self))
        return mt_err_set (err, MT_EUNAVAILABLE, "the results service is not answering (it may "
                           "be restarting); try again in a few seconds");
    api_client_t *client = pthread_getspecific (self->key);
    if (!client) {
        int rc = api_client_new (self->endpoint, self->secure ? &self->curve : NULL, &client,
                                 err);
        if (rc != MT_OK)
            return rc;
        api_client_set_give_up (client, s_gave_up, self);
        pthread_setspecific (self->key, client);
    }
    api_client_set_actor (client, who->actor);
    api_client_set_role (client, who->role, who->station);
    int rc = api_call (client, method, params, payload, size, timeout_ms, result_p,
                       reply_payload_p, reply_size_p, err);
    if (rc != MT_OK && error_p)
        *error_p = api_client_last_error (client);
    if (rc == MT_ETIMEDOUT)
        s_unanswered (self, S_MISSED_TO_DOWN);
    else
    if (rc != MT_EUNAVAILABLE)
        s_answered (self);
    return rc;
}

int
gateway_results_call (gateway_results_t *self, const char *actor, const char *method,
                      json_t *params, const void *payload, size_t size, int timeout_ms,
                      json_t **result_p, uint8_t **reply_payload_p, size_t *reply_size_p,
                      mt_err_t *err)
{
    const gateway_caller_t who = { .actor = actor };
    return gateway_results_call_as (self, &who, method, params, payload, size, timeout_ms,
                                    result_p, reply_payload_p, reply_size_p, NULL, err);
}
