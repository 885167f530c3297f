//  intake_worker - one thread of the intake's pool: it connects to the
//  results service's job endpoint, says it is ready, and describes each
//  photo pushed to it with its own pipeline context. No polling: an idle
//  worker waits on its socket and only says now and then that it is there.

#ifndef INTAKE_WORKER_H_INCLUDED
#define INTAKE_WORKER_H_INCLUDED

#include <pthread.h>
#include <stddef.h>

#include "face/mt_pipeline.h"
#include "intake/intake_actor.h"
#include "wire/mt_job.h"

typedef struct {
    const intake_config_t *config;
    mt_pipeline_t *pipeline;
    volatile int stop;
} intake_pool_t;

typedef struct {
    intake_pool_t *pool;
    size_t index;                   //  its pipeline context
    pthread_t thread;
} intake_worker_t;

//  A photo's described faces as the job link carries them (a new MT_JOB_DONE
//  message, caller destroys; its chips JPEG when the pipeline kept them):
//  one definition of a described face for the intake and the CLI's `embed`.
int intake_job_done (const mt_photo_t *photo, uint64_t photo_id, mt_job_t **done_p,
                     mt_err_t *err);

//  A DEALER to the results service's job endpoint under a name of its own
//  (kept across reconnections, so that the service knows it again), with
//  ZeroMQ's heartbeats: a link that dies silently is noticed on both sides.
//  NULL with err set for a bad endpoint or key.
void *intake_worker_connect (const intake_config_t *config, mt_err_t *err);

//  The worker's thread (arg: its intake_worker_t).
void *intake_worker_run (void *arg);

#endif
