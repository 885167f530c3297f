//  intake_worker - one worker thread: ready on the job link, a photo
//  pushed to it, its faces back.

#include "intake_worker.h"

#include "base/mt_clock.h"
#include "base/mt_log.h"
#include "face/mt_image.h"
#include "face/mt_mobilefacenet.h"
#include "wire/mt_job.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "intake"
//  How often a worker looks whether its pool stops, at most.
#define S_STOP_CHECK_MS 250

int
intake_job_done (const mt_photo_t *photo, uint64_t photo_id, mt_job_t **done_p, mt_err_t *err)
{
    mt_job_t *done = mt_job_new_done (photo_id, photo->face_count);
    if (!done)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    done->width = (uint32_t) photo->width;
    done->height = (uint32_t) photo->height;
    snprintf (done->format, sizeof done->format, "%s", mt_format_name (photo->format));
    for (size_t i = 0; i < photo->face_count; i++) {
        const mt_photo_face_t *f = &photo->faces [i];
        mt_job_face_t *out = &done->faces [i];
        out->box [0] = f->box.x, out->box [1] = f->box.y;
        out->box [2] = f->box.width, out->box [3] = f->box.height;
        out->size_px = f->quality.size_px;
        out->sharpness = (float) f->quality.sharpness;
        out->yaw_deg = (float) f->quality.yaw_deg;
        out->roll_deg = (float) f->quality.roll_deg;
        snprintf (out->verdict, sizeof out->verdict, "%s", mt_verdict_name (f->quality.verdict));
        out->score = (float) f->score;
        snprintf (out->pose, sizeof out->pose, "%s", mt_pose_name (f->pose));
        memcpy (out->embedding, f->embedding, sizeof out->embedding);
        if (f->has_embedding2) {
            out->has_embedding2 = true;
            memcpy (out->embedding2, f->embedding2, sizeof out->embedding2);
            snprintf (out->descriptor2, sizeof out->descriptor2, "%s", MT_MOBILEFACENET_VERSION);
        }
        //  The aligned chip, for reviewers to compare faces side by side.
        mt_err_t why;
        if (f->chip && mt_image_encode (f->chip, MT_CHIP_SIZE, MT_CHIP_SIZE, MT_CHIP_SIZE * 3,
                                        MT_FORMAT_JPEG, 90, &out->chip, &out->chip_size,
                                        &why) != MT_OK)
            mt_log_warn (S_NAME, "photo %llu, face %zu: no chip: %s",
                         (unsigned long long) photo_id, i, why.msg);
    }
    *done_p = done;
    return MT_OK;
}

//  The answer to a job: its faces, or why it has none.
static mt_job_t *
s_describe (intake_pool_t *pool, size_t index, const mt_job_t *job)
{
    mt_photo_t *photo = NULL;
    mt_job_t *answer = NULL;
    mt_err_t err;
    int rc = mt_pipeline_process (pool->pipeline, index, job->photo, job->photo_size, &photo,
                                  &err);
    if (rc == MT_OK)
        rc = intake_job_done (photo, job->photo_id, &answer, &err);
    mt_photo_destroy (&photo);
    if (rc != MT_OK && (answer = mt_job_new (MT_JOB_FAILED)) != NULL) {
        answer->photo_id = job->photo_id;
        snprintf (answer->code, sizeof answer->code, "%s", mt_rc_name (rc));
        snprintf (answer->message, sizeof answer->message, "%s", err.msg);
        snprintf (answer->message_zh, sizeof answer->message_zh, "%s", err.msg_zh);
    }
    return answer;
}

void *
intake_worker_connect (const intake_config_t *config, mt_err_t *err)
{
    void *socket = mt_wire_socket (ZMQ_DEALER, err);
    if (!socket)
        return NULL;
    uint8_t id [16];
    randombytes_buf (id, sizeof id);
    int ivl = (int) config->heartbeat_ms, timeout = (int) config->heartbeat_ms * 3;
    zmq_setsockopt (socket, ZMQ_ROUTING_ID, id, sizeof id);
    zmq_setsockopt (socket, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (socket, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
    if (mt_curve_client (socket, config->jobs, &config->curve, err) != MT_OK) {
        zmq_close (socket);
        return NULL;
    }
    if (zmq_connect (socket, config->jobs) != 0) {
        mt_err_set (err, MT_EINVAL, "cannot connect to %s: %s", config->jobs,
                    zmq_strerror (zmq_errno ()));
        zmq_close (socket);
        return NULL;
    }
    return socket;
}

void *
intake_worker_run (void *arg)
{
    intake_worker_t *worker = arg;
    intake_pool_t *pool = worker->pool;
    mt_err_t err;
    void *socket = intake_worker_connect (pool->config, &err);
    if (!socket) {
        mt_log_error (S_NAME, "%s", err.msg);
        return NULL;
    }
    mt_job_t *ready = mt_job_new (MT_JOB_READY);
    char host [64] = "";
    gethostname (host, sizeof host - 1);
    if (ready)
        snprintf (ready->worker, sizeof ready->worker, "%s/%d/%zu", host, (int) getpid (),
                  worker->index);
    int64_t next_ready = 0;
    while (ready && !pool->stop) {
        //  Idle: say so now and then (a restarted service learns of it).
        int64_t now = mt_clock_ms ();
        if (now >= next_ready) {
            mt_job_send (socket, NULL, ready, ZMQ_DONTWAIT, &err);
            next_ready = now + pool->config->heartbeat_ms;
        }
        zmq_pollitem_t item = { socket, 0, ZMQ_POLLIN, 0 };
        int64_t wait = next_ready - now;
        if (zmq_poll (&item, 1, wait < S_STOP_CHECK_MS ? wait : S_STOP_CHECK_MS) <= 0)
            continue;
        mt_job_t *job = NULL;
        if (mt_job_recv (socket, NULL, &job, &err) != MT_OK) {
            mt_log_warn (S_NAME, "from the results service: %s", err.msg);
            continue;
        }
        if (job->type == MT_JOB_JOB) {
            mt_job_t *answer = s_describe (pool, worker->index, job);
            //  Queued while the service is away; it answers to whichever
            //  instance is there (a photo done twice is kept once).
            if (!answer || mt_job_send (socket, NULL, answer, ZMQ_DONTWAIT, &err) != MT_OK)
                mt_log_warn (S_NAME, "photo %llu: the answer cannot be sent: %s",
                             (unsigned long long) job->photo_id,
                             answer ? err.msg : "out of memory");
            mt_job_destroy (&answer);
            //  Its answer says it is free again (or takes the next photo
            //  queued on its link).
            next_ready = mt_clock_ms () + pool->config->heartbeat_ms;
        }
        mt_job_destroy (&job);
    }
    mt_job_destroy (&ready);
    zmq_close (socket);
    return NULL;
}
