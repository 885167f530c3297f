//  intake_actor - the intake's settings and its pool of workers
//  (intake_worker.c).

#include "intake_actor.h"
#include "intake_worker.h"

#include "base/mt_log.h"
#include "face/mt_pipeline.h"
#include "wire/mt_wire.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_NAME "intake"

const mt_config_key_t intake_config_keys [] = {
    MT_FACE_KEYS (intake_config_t, face),
    { "jobs", MT_CFG_STRING, offsetof (intake_config_t, jobs), 0, 256,
      "the results service's job endpoint (its `jobs` setting): photos are pushed from it" },
    { "heartbeat-ms", MT_CFG_INT, offsetof (intake_config_t, heartbeat_ms), 100, 60000,
      "an idle worker says it is there this often; a link silent for three of them is "
      "taken for dead" },
    MT_CURVE_CLIENT_KEYS (intake_config_t, curve, "results-key",
                          "the results service's public key (.pub file or Z85 text)"),
    { .name = NULL }
};

void
intake_config_defaults (intake_config_t *config)
{
    memset (config, 0, sizeof *config);
    mt_face_settings_defaults (&config->face);
    snprintf (config->jobs, sizeof config->jobs, "tcp://127.0.0.1:5558");
    config->heartbeat_ms = 1000;
}

void
intake_actor (void *pipe, void *arg)
{
    intake_pool_t pool = { .config = arg };
    mt_pipeline_config_t config;
    mt_face_settings_to_config (&pool.config->face, &config);
    config.keep_chips = true;
    mt_err_t err;
    int rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    //  A bad endpoint or key file stops start-up, not each worker later.
    void *probe = rc == MT_OK ? intake_worker_connect (pool.config, &err) : NULL;
    if (rc == MT_OK && !probe)
        rc = err.code;
    if (probe)
        zmq_close (probe);
    if (rc == MT_OK)
        rc = mt_pipeline_new (&config, &pool.pipeline, &err);
    size_t count = rc == MT_OK ? mt_pipeline_workers (pool.pipeline) : 0;
    intake_worker_t *workers = calloc (count ? count : 1, sizeof *workers);
    size_t started = 0;
    while (rc == MT_OK && started < count) {
        workers [started] = (intake_worker_t) { .pool = &pool, .index = started };
        if (pthread_create (&workers [started].thread, NULL, intake_worker_run,
                            &workers [started]) != 0)
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
    mt_log_info (S_NAME, "%zu workers taking photos from %s", count, pool.config->jobs);
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
