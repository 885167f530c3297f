//  intake_actor - photo jobs in, faces out.

#include "intake_actor.h"

#include "common/api.h"
#include "face/mt_image.h"
#include "base/mt_log.h"
#include "face/mt_pipeline.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_NAME "intake"

const mt_config_key_t intake_config_keys [] = {
    MT_FACE_KEYS (intake_config_t, face),
    { "results", MT_CFG_STRING, offsetof (intake_config_t, results), 0, 256,
      "the results service's API endpoint" },
    { "idle-ms", MT_CFG_INT, offsetof (intake_config_t, idle_ms), 10, 60000,
      "pause between looks for work when there is none" },
    MT_CURVE_CLIENT_KEYS (intake_config_t, curve, "results-key",
                          "the results service's public key (.pub file or Z85 text)"),
    { .name = NULL }
};

void
intake_config_defaults (intake_config_t *config)
{
    memset (config, 0, sizeof *config);
    mt_face_settings_defaults (&config->face);
    snprintf (config->results, sizeof config->results, "tcp://127.0.0.1:5557");
    config->idle_ms = 200;
}

typedef struct {
    const intake_config_t *config;
    mt_pipeline_t *pipeline;
    volatile int stop;
} s_pool_t;

typedef struct {
    s_pool_t *pool;
    size_t index;
    pthread_t thread;
} s_worker_t;

static json_t *
s_faces_json (const mt_photo_t *photo)
{
    json_t *list = json_array ();
    for (size_t i = 0; i < photo->face_count; i++) {
        const mt_photo_face_t *f = &photo->faces [i];
        json_t *emb = json_array ();
        for (int d = 0; d < MT_EMBEDDING_DIM; d++)
            json_array_append_new (emb, json_real (f->embedding [d]));
        json_t *face = json_pack ("{s:[i,i,i,i], s:i, s:f, s:f, s:f, s:s, s:o}",
                                  "box", f->box.x, f->box.y, f->box.width, f->box.height,
                                  "size_px", f->quality.size_px, "sharpness", f->quality.sharpness,
                                  "yaw_deg", f->quality.yaw_deg, "roll_deg", f->quality.roll_deg,
                                  "verdict", mt_verdict_name (f->quality.verdict),
                                  "embedding", emb);
        //  The aligned chip, for reviewers to compare faces side by side.
        uint8_t *jpeg;
        size_t size;
        mt_err_t err;
        if (f->chip && mt_image_encode (f->chip, MT_CHIP_SIZE, MT_CHIP_SIZE, MT_CHIP_SIZE * 3,
                                        MT_FORMAT_JPEG, 90, &jpeg, &size, &err) == MT_OK) {
            size_t b64 = sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_ORIGINAL);
            char *text = malloc (b64);
            if (text) {
                sodium_bin2base64 (text, b64, jpeg, size, sodium_base64_VARIANT_ORIGINAL);
                json_object_set_new (face, "chip", json_string (text));
                free (text);
            }
            free (jpeg);
        }
        if (f->has_embedding2) {
            json_t *emb2 = json_array ();
            for (int d = 0; d < MT_EMBEDDING2_DIM; d++)
                json_array_append_new (emb2, json_real (f->embedding2 [d]));
            json_object_set_new (face, "embedding2", emb2);
            json_object_set_new (face, "descriptor2", json_string (MT_MOBILEFACENET_VERSION));
        }
        json_array_append_new (list, face);
    }
    return list;
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

//  A worker whose answers the results service cannot take (its disk is
//  full, it is down) waits longer after each failure, up to S_BACKOFF_MAX_MS,
//  and says so once, then every minute, rather than spinning.
#define S_BACKOFF_FIRST_MS 200
#define S_BACKOFF_MAX_MS 10000

typedef struct {
    long wait_ms;                   //  0: the last call went through
    long long failures;
    time_t said_at;
} s_backoff_t;

static void
s_backoff_failed (s_backoff_t *b, const char *what, const mt_err_t *why)
{
    b->failures++;
    time_t now = time (NULL);
    if (b->wait_ms == 0 || now - b->said_at >= 60) {
        mt_log_warn (S_NAME, "%s: %s (%lld failed so far; trying again in %ld ms, then less "
                     "and less often)", what, why->msg, b->failures,
                     b->wait_ms ? b->wait_ms : S_BACKOFF_FIRST_MS);
        b->said_at = now;
    }
    b->wait_ms = b->wait_ms ? b->wait_ms * 2 : S_BACKOFF_FIRST_MS;
    if (b->wait_ms > S_BACKOFF_MAX_MS)
        b->wait_ms = S_BACKOFF_MAX_MS;
    struct timespec ts = { b->wait_ms / 1000, (b->wait_ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

static void
s_backoff_ok (s_backoff_t *b)
{
    if (b->wait_ms)
        mt_log_info (S_NAME, "the results service takes answers again (after %lld failures)",
                     b->failures);
    b->wait_ms = 0;
    b->failures = 0;
}

static void *
s_work (void *arg)
{
    s_worker_t *worker = arg;
    s_pool_t *pool = worker->pool;
    api_client_t *client;
    mt_err_t err;
    if (api_client_new (pool->config->results, &pool->config->curve, &client, &err) != MT_OK) {
        mt_log_error (S_NAME, "%s", err.msg);
        return NULL;
    }
    api_client_set_actor (client, "intake");
    s_backoff_t backoff = { 0 };
    while (!pool->stop) {
        json_t *job = NULL;
        uint8_t *bytes = NULL;
        size_t size = 0;
        int rc = api_call (client, "job.take", NULL, NULL, 0, 5000, &job, &bytes, &size, &err);
        json_t *photo_id = rc == MT_OK ? json_object_get (job, "photo_id") : NULL;
        if (!photo_id) {
            json_decref (job);
            free (bytes);
            if (rc != MT_OK && rc != MT_ETIMEDOUT)
                s_backoff_failed (&backoff, "job.take", &err);
            else
                s_sleep_ms ((long) pool->config->idle_ms);
            continue;
        }
        mt_photo_t *photo = NULL;
        rc = mt_pipeline_process (pool->pipeline, worker->index, bytes, size, &photo, &err);
        json_t *params, *result = NULL;
        const char *method;
        if (rc == MT_OK) {
            method = "job.done";
            params = json_pack ("{s:O, s:i, s:i, s:s, s:o}", "photo_id", photo_id,
                                "width", photo->width, "height", photo->height,
                                "format", mt_format_name (photo->format),
                                "faces", s_faces_json (photo));
        }
        else {
            method = "job.failed";
            //  With its Chinese, for the photo's page (the store keeps the
            //  English until it has a column for it).
            params = json_pack ("{s:O, s:s, s:s, s:s}", "photo_id", photo_id,
                                "code", mt_rc_name (rc), "message", err.msg,
                                "message_zh", err.msg_zh);
        }
        mt_err_t why;
        char what [64];
        snprintf (what, sizeof what, "%s for photo %lld", method,
                  (long long) json_integer_value (photo_id));
        //  Not taken for lack of space or of an answer: the same answer is
        //  sent again after a wait (longer each time), so that the photo is
        //  done as soon as the service can take it, not reprocessed after
        //  its lease. Refused for what it is (e.g. its case was erased
        //  meanwhile): said, and on to the next.
        int done;
        for (;;) {
            done = api_call (client, method, params, NULL, 0, 30000, &result, NULL, NULL, &why);
            json_decref (result);
            result = NULL;
            if ((done != MT_ENOSPACE && done != MT_ETIMEDOUT && done != MT_EUNAVAILABLE
                 && done != MT_EIO) || pool->stop)
                break;
            s_backoff_failed (&backoff, what, &why);
        }
        if (done != MT_OK && !pool->stop)
            mt_log_warn (S_NAME, "%s: %s", what, why.msg);
        else
            s_backoff_ok (&backoff);
        json_decref (params);
        json_decref (job);
        mt_photo_destroy (&photo);
        free (bytes);
    }
    api_client_destroy (&client);
    return NULL;
}

void
intake_actor (void *pipe, void *arg)
{
    s_pool_t pool = { .config = arg };
    mt_pipeline_config_t config;
    mt_face_settings_to_config (&pool.config->face, &config);
    config.keep_chips = true;
    mt_err_t err;
    int rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    //  A bad endpoint or key file stops start-up, not each worker later.
    api_client_t *probe = NULL;
    if (rc == MT_OK)
        rc = api_client_new (pool.config->results, &pool.config->curve, &probe, &err);
    api_client_destroy (&probe);
    if (rc == MT_OK)
        rc = mt_pipeline_new (&config, &pool.pipeline, &err);
    size_t count = rc == MT_OK ? mt_pipeline_workers (pool.pipeline) : 0;
    s_worker_t *workers = calloc (count ? count : 1, sizeof *workers);
    size_t started = 0;
    while (rc == MT_OK && started < count) {
        workers [started] = (s_worker_t) { .pool = &pool, .index = started };
        if (pthread_create (&workers [started].thread, NULL, s_work, &workers [started]) != 0)
            rc = mt_err_set (&err, MT_ENOMEM, "cannot start worker %zu", started);
        else
            started++;
    }
    if (rc != MT_OK) {
        pool.stop = 1;
        for (size_t i = 0; i < started; i++)
            pthread_join (workers [i].thread, NULL);
        free (workers);
        mt_pipeline_destroy (&pool.pipeline);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    mt_log_info (S_NAME, "%zu workers taking photos from %s", count, pool.config->results);
    mt_actor_ready (pipe, MT_OK, NULL);
    for (;;) {
        zmq_pollitem_t item = { pipe, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, -1) < 0 && zmq_errno () != EINTR)
            break;
        if ((item.revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
    }
    pool.stop = 1;
    for (size_t i = 0; i < started; i++)
        pthread_join (workers [i].thread, NULL);
    free (workers);
    mt_pipeline_destroy (&pool.pipeline);
    mt_log_info (S_NAME, "stopped");
}
