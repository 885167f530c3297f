//  gateway_audit - the gateway's own audit entries, written by a thread of
//  their own (see gateway_audit.h).

#include "gateway_audit.h"

#include "base/mt_clock.h"
#include "base/mt_log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_NAME "gateway"
#define S_CALL_TIMEOUT_MS 10000
#define S_RETRY_MS 1000
#define S_LATE_S 10             //  written later than this: say when it happened
#define S_STOP_GRACE_MS 5000

typedef struct s_entry {
    struct s_entry *next;
    char *actor, *action, *object, *detail;
    time_t at;
} s_entry_t;

struct gateway_audit {
    gateway_results_t *results;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    int64_t stop_by_ms;
    s_entry_t *head, *tail;
    size_t queued;
    uint64_t dropped;               //  entries refused for a full queue
};

static void
s_entry_free (s_entry_t *e)
{
    free (e->actor), free (e->action), free (e->object), free (e->detail);
    free (e);
}

//  MT_OK, or the error; err says why.
static int
s_write (gateway_audit_t *self, const s_entry_t *e, mt_err_t *err)
{
    json_t *params = json_pack ("{s:s}", "action", e->action);
    if (e->object)
        json_object_set_new (params, "object", json_string (e->object));
    char *detail = e->detail;
    char *late = NULL;
    time_t now = time (NULL);
    if (now - e->at > S_LATE_S) {
        char when [32];
        struct tm tm;
        gmtime_r (&e->at, &tm);
        strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        size_t size = (e->detail ? strlen (e->detail) : 0) + 128;
        late = malloc (size);
        if (late) {
            snprintf (late, size, "%s%s(happened at %s; written late, the results service was "
                      "not answering)", e->detail ? e->detail : "", e->detail ? " " : "", when);
            detail = late;
        }
    }
    if (detail)
        json_object_set_new (params, "detail", json_string (detail));
    json_t *result = NULL;
    int rc = gateway_results_call (self->results, e->actor, "audit.add", params, NULL, 0,
                                   S_CALL_TIMEOUT_MS, &result, NULL, NULL, err);
    json_decref (params);
    json_decref (result);
    free (late);
    return rc;
}

static void *
s_run (void *arg)
{
    gateway_audit_t *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->head && !self->stopping)
            pthread_cond_wait (&self->wake, &self->lock);
        if (!self->head)
            break;
        s_entry_t *e = self->head;
        pthread_mutex_unlock (&self->lock);
        mt_err_t err;
        int rc = s_write (self, e, &err);
        pthread_mutex_lock (&self->lock);
        bool wait = rc == MT_EUNAVAILABLE || rc == MT_ETIMEDOUT;
        if (wait && self->stopping && mt_clock_ms () >= self->stop_by_ms)
            wait = false;
        if (wait) {
            //  The service is down: try again in a while, in order.
            struct timespec until;
            clock_gettime (CLOCK_REALTIME, &until);
            until.tv_sec += S_RETRY_MS / 1000;
            until.tv_nsec += (S_RETRY_MS % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L)
                until.tv_sec++, until.tv_nsec -= 1000000000L;
            pthread_cond_timedwait (&self->wake, &self->lock, &until);
            continue;
        }
        if (rc != MT_OK)
            mt_log_error (S_NAME, "not in the audit log: %s %s %s (%s): %s", e->actor,
                          e->action, e->object ? e->object : "", e->detail ? e->detail : "",
                          err.msg);
        self->head = e->next;
        if (!self->head)
            self->tail = NULL;
        self->queued--;
        s_entry_free (e);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

int
gateway_audit_new (gateway_results_t *results, gateway_audit_t **self_p, mt_err_t *err)
{
    gateway_audit_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->results = results;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        pthread_mutex_destroy (&self->lock);
        pthread_cond_destroy (&self->wake);
        free (self);
        return mt_err_set (err, MT_EINTERNAL, "cannot start a thread");
    }
    *self_p = self;
    return MT_OK;
}

void
gateway_audit_destroy (gateway_audit_t **self_p)
{
    gateway_audit_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    self->stop_by_ms = mt_clock_ms () + S_STOP_GRACE_MS;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    free (self);
    *self_p = NULL;
}

static char *
s_dup (const char *text)
{
    return text ? strdup (text) : NULL;
}

void
gateway_audit (gateway_audit_t *self, const char *actor, const char *action,
               const char *object, const char *detail)
{
    s_entry_t *e = calloc (1, sizeof *e);
    if (e) {
        e->actor = s_dup (actor);
        e->action = s_dup (action);
        e->object = s_dup (object);
        e->detail = s_dup (detail);
        e->at = time (NULL);
    }
    if (!e || !e->actor || !e->action || (object && !e->object) || (detail && !e->detail)) {
        mt_log_error (S_NAME, "not in the audit log (out of memory): %s %s", actor, action);
        if (e)
            s_entry_free (e);
        return;
    }
    pthread_mutex_lock (&self->lock);
    bool room = self->queued < GATEWAY_AUDIT_QUEUE && !self->stopping;
    uint64_t dropped = room ? 0 : ++self->dropped;
    if (room) {
        if (self->tail)
            self->tail->next = e;
        else
            self->head = e;
        self->tail = e;
        self->queued++;
        pthread_cond_signal (&self->wake);
    }
    pthread_mutex_unlock (&self->lock);
    if (!room) {
        //  A flood of failed sign-ins must not flood the log too: the first
        //  and every thousandth.
        if (dropped % 1000 == 1)
            mt_log_error (S_NAME, "not in the audit log (%d entries wait for the results "
                          "service; %llu refused so far): %s %s %s (%s)", GATEWAY_AUDIT_QUEUE,
                          (unsigned long long) dropped, actor, action, object ? object : "",
                          detail ? detail : "");
        s_entry_free (e);
    }
}
