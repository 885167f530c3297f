//  mt_job - the intake's job messages: protobuf-c's generated code both
//  ways, with the checks a message from outside needs.

#include "wire/mt_job.h"

#include "homeward/v1/jobs.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Homeward__V1__JobEnvelope s_env_t;
typedef Homeward__V1__DescribedFace s_face_t;
typedef Homeward__V1__Descriptor s_desc_t;

mt_job_t *
mt_job_new (mt_job_type type)
{
    mt_job_t *self = calloc (1, sizeof *self);
    if (self)
        self->type = type;
    return self;
}

mt_job_t *
mt_job_new_done (uint64_t photo_id, size_t count)
{
    mt_job_t *self = mt_job_new (MT_JOB_DONE);
    if (self) {
        self->photo_id = photo_id;
        self->faces = calloc (count ? count : 1, sizeof *self->faces);
        self->face_count = count;
    }
    if (self && !self->faces)
        mt_job_destroy (&self);
    return self;
}

void
mt_job_destroy (mt_job_t **self_p)
{
    mt_job_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; self->faces && i < self->face_count; i++)
        free (self->faces [i].chip);
    free (self->faces);
    free (self->photo);
    free (self);
    *self_p = NULL;
}

const char *
mt_job_type_name (mt_job_type type)
{
    static const char *const names [] = { "none", "ready", "job", "done", "failed", "probe" };
    return (size_t) type < sizeof names / sizeof names [0] ? names [type] : "unknown";
}

//  ---------------------------------------------------------------- encode

//  A face's message; its descriptors point into f and into descs [2].
static void
s_face_out (const mt_job_face_t *f, s_face_t *out, s_desc_t descs [2], s_desc_t *ptrs [2])
{
    homeward__v1__described_face__init (out);
    out->x = f->box [0], out->y = f->box [1], out->width = f->box [2], out->height = f->box [3];
    out->size_px = f->size_px;
    out->sharpness = f->sharpness, out->yaw_deg = f->yaw_deg, out->roll_deg = f->roll_deg;
    out->verdict = (char *) f->verdict;
    out->score = f->score;
    out->pose = (char *) f->pose;
    homeward__v1__descriptor__init (&descs [0]);
    descs [0].name = MT_JOB_DLIB;
    descs [0].version = MT_JOB_DLIB_VERSION;
    descs [0].n_vector = MT_DIM;
    descs [0].vector = (float *) f->embedding;
    ptrs [0] = &descs [0];
    out->n_descriptors = 1;
    if (f->has_embedding2) {
        homeward__v1__descriptor__init (&descs [1]);
        descs [1].name = MT_JOB_MOBILEFACENET;
        descs [1].version = (char *) f->descriptor2;
        descs [1].n_vector = MT_DIM2;
        descs [1].vector = (float *) f->embedding2;
        ptrs [1] = &descs [1];
        out->n_descriptors = 2;
    }
    out->descriptors = ptrs;
    out->chip.data = f->chip;
    out->chip.len = f->chip ? f->chip_size : 0;
}

int
mt_job_encode (const mt_job_t *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = NULL;
    *size_p = 0;
    s_env_t env = HOMEWARD__V1__JOB_ENVELOPE__INIT;
    env.version = MT_PROTO_VERSION;
    Homeward__V1__Ready ready = HOMEWARD__V1__READY__INIT;
    Homeward__V1__Job job = HOMEWARD__V1__JOB__INIT;
    Homeward__V1__JobDone done = HOMEWARD__V1__JOB_DONE__INIT;
    Homeward__V1__JobFailed failed = HOMEWARD__V1__JOB_FAILED__INIT;
    Homeward__V1__Probe probe = HOMEWARD__V1__PROBE__INIT;
    size_t n = m->type == MT_JOB_DONE ? m->face_count : 0;
    s_face_t *faces = calloc (n + 1, sizeof *faces);
    s_face_t **face_ptrs = calloc (n + 1, sizeof *face_ptrs);
    s_desc_t *descs = calloc (2 * n + 2, sizeof *descs);
    s_desc_t **desc_ptrs = calloc (2 * n + 2, sizeof *desc_ptrs);
    int rc = faces && face_ptrs && descs && desc_ptrs ? MT_OK
           : mt_err_set (err, MT_ENOMEM, "out of memory");
    switch (rc == MT_OK ? m->type : MT_JOB_NONE) {
        case MT_JOB_READY:
            ready.worker = (char *) m->worker;
            env.body_case = HOMEWARD__V1__JOB_ENVELOPE__BODY_READY;
            env.ready = &ready;
            break;
        case MT_JOB_JOB:
            job.photo_id = m->photo_id;
            job.case_id = m->case_id;
            job.photo.data = m->photo;
            job.photo.len = m->photo_size;
            env.body_case = HOMEWARD__V1__JOB_ENVELOPE__BODY_JOB;
            env.job = &job;
            break;
        case MT_JOB_DONE:
            for (size_t i = 0; i < n; i++) {
                s_face_out (&m->faces [i], &faces [i], &descs [2 * i], &desc_ptrs [2 * i]);
                face_ptrs [i] = &faces [i];
            }
            done.photo_id = m->photo_id;
            done.width = m->width;
            done.height = m->height;
            done.format = (char *) m->format;
            done.n_faces = n;
            done.faces = face_ptrs;
            env.body_case = HOMEWARD__V1__JOB_ENVELOPE__BODY_DONE;
            env.done = &done;
            break;
        case MT_JOB_FAILED:
            failed.photo_id = m->photo_id;
            failed.code = (char *) m->code;
            failed.message = (char *) m->message;
            failed.message_zh = (char *) m->message_zh;
            env.body_case = HOMEWARD__V1__JOB_ENVELOPE__BODY_FAILED;
            env.failed = &failed;
            break;
        case MT_JOB_PROBE:
            env.body_case = HOMEWARD__V1__JOB_ENVELOPE__BODY_PROBE;
            env.probe = &probe;
            break;
        default:
            if (rc == MT_OK)
                rc = mt_err_set (err, MT_EINVAL, "unknown job message type %d", (int) m->type);
    }
    if (rc == MT_OK) {
        *size_p = homeward__v1__job_envelope__get_packed_size (&env);
        *bytes_p = malloc (*size_p ? *size_p : 1);
        if (*bytes_p)
            homeward__v1__job_envelope__pack (&env, *bytes_p);
        else
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    free (faces), free (face_ptrs), free (descs), free (desc_ptrs);
    return rc;
}

//  ---------------------------------------------------------------- decode

//  Copy a text field (NULL: empty) that must fit.
static int
s_text (char *out, size_t size, const char *in, const char *what, mt_err_t *err)
{
    if (!in)
        in = "";
    if (strlen (in) >= size)
        return mt_err_set (err, MT_EPROTO, "job message: %s is longer than %zu bytes", what,
                           size - 1);
    memcpy (out, in, strlen (in) + 1);
    return MT_OK;
}

//  A descriptor's vector into out (dim floats): finite, and of unit length
//  when unit says so.
static int
s_vector (const s_desc_t *d, float *out, size_t dim, bool unit, size_t face, mt_err_t *err)
{
    if (d->n_vector != dim)
        return mt_err_set (err, MT_EPROTO, "job message: face %zu's %s descriptor has %zu "
                           "numbers, not %zu", face, d->name, d->n_vector, dim);
    double norm = 0;
    for (size_t i = 0; i < dim; i++) {
        if (!isfinite (d->vector [i]) || fabsf (d->vector [i]) > 100)
            return mt_err_set (err, MT_EPROTO, "job message: face %zu's %s descriptor has a "
                               "value out of range", face, d->name);
        out [i] = d->vector [i];
        norm += (double) d->vector [i] * d->vector [i];
    }
    if (unit && fabs (norm - 1) > 1e-3)
        return mt_err_set (err, MT_EPROTO, "job message: face %zu's %s descriptor is not of "
                           "unit length", face, d->name);
    return MT_OK;
}

static int
s_face_in (const s_face_t *in, size_t i, mt_job_face_t *f, mt_err_t *err)
{
    f->box [0] = in->x, f->box [1] = in->y, f->box [2] = in->width, f->box [3] = in->height;
    f->size_px = in->size_px;
    f->sharpness = in->sharpness, f->yaw_deg = in->yaw_deg, f->roll_deg = in->roll_deg;
    f->score = in->score;
    if (!isfinite (f->score))
        return mt_err_set (err, MT_EPROTO, "job message: face %zu's score is not a number", i);
    int rc = s_text (f->verdict, sizeof f->verdict, in->verdict, "a verdict", err);
    if (rc == MT_OK)
        rc = s_text (f->pose, sizeof f->pose, in->pose, "a pose", err);
    bool dlib = false;
    for (size_t d = 0; rc == MT_OK && d < in->n_descriptors; d++) {
        const s_desc_t *desc = in->descriptors [d];
        if (desc->name && strcmp (desc->name, MT_JOB_DLIB) == 0 && !dlib) {
            rc = s_vector (desc, f->embedding, MT_DIM, false, i, err);
            dlib = true;
        }
        else
        if (desc->name && strcmp (desc->name, MT_JOB_MOBILEFACENET) == 0 && !f->has_embedding2) {
            rc = s_vector (desc, f->embedding2, MT_DIM2, true, i, err);
            if (rc == MT_OK)
                rc = s_text (f->descriptor2, sizeof f->descriptor2, desc->version,
                             "a descriptor's version", err);
            f->has_embedding2 = rc == MT_OK && f->descriptor2 [0];
        }
        //  Another network's (a newer worker's): not for this service.
    }
    if (rc == MT_OK && !dlib)
        rc = mt_err_set (err, MT_EPROTO, "job message: face %zu has no dlib descriptor", i);
    if (rc == MT_OK && in->chip.len > MT_JOB_MAX_CHIP_BYTES)
        rc = mt_err_set (err, MT_EPROTO, "job message: face %zu's chip is over %u bytes", i,
                         MT_JOB_MAX_CHIP_BYTES);
    if (rc == MT_OK && in->chip.len) {
        f->chip = malloc (in->chip.len);
        if (!f->chip)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        memcpy (f->chip, in->chip.data, in->chip.len);
        f->chip_size = in->chip.len;
    }
    return rc;
}

static int
s_done_in (const Homeward__V1__JobDone *in, mt_job_t *m, mt_err_t *err)
{
    if (in->n_faces > MT_JOB_MAX_FACES)
        return mt_err_set (err, MT_EPROTO, "job message: %zu faces, at most %d", in->n_faces,
                           MT_JOB_MAX_FACES);
    m->photo_id = in->photo_id;
    m->width = in->width;
    m->height = in->height;
    int rc = s_text (m->format, sizeof m->format, in->format, "a format", err);
    m->faces = calloc (in->n_faces ? in->n_faces : 1, sizeof *m->faces);
    if (!m->faces)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    m->face_count = in->n_faces;
    for (size_t i = 0; rc == MT_OK && i < in->n_faces; i++)
        rc = s_face_in (in->faces [i], i, &m->faces [i], err);
    return rc;
}

static int
s_body_in (const s_env_t *env, mt_job_t *m, mt_err_t *err)
{
    switch (env->body_case) {
        case HOMEWARD__V1__JOB_ENVELOPE__BODY_READY:
            m->type = MT_JOB_READY;
            return s_text (m->worker, sizeof m->worker, env->ready->worker, "a worker's name",
                           err);
        case HOMEWARD__V1__JOB_ENVELOPE__BODY_JOB:
            m->type = MT_JOB_JOB;
            m->photo_id = env->job->photo_id;
            m->case_id = env->job->case_id;
            m->photo = malloc (env->job->photo.len ? env->job->photo.len : 1);
            if (!m->photo)
                return mt_err_set (err, MT_ENOMEM, "out of memory");
            if (env->job->photo.len)
                memcpy (m->photo, env->job->photo.data, env->job->photo.len);
            m->photo_size = env->job->photo.len;
            return MT_OK;
        case HOMEWARD__V1__JOB_ENVELOPE__BODY_DONE:
            m->type = MT_JOB_DONE;
            return s_done_in (env->done, m, err);
        case HOMEWARD__V1__JOB_ENVELOPE__BODY_FAILED: {
            m->type = MT_JOB_FAILED;
            m->photo_id = env->failed->photo_id;
            const Homeward__V1__JobFailed *f = env->failed;
            int rc = s_text (m->code, sizeof m->code, f->code, "a code", err);
            if (rc == MT_OK)
                rc = s_text (m->message, sizeof m->message, f->message, "a message", err);
            if (rc == MT_OK)
                rc = s_text (m->message_zh, sizeof m->message_zh, f->message_zh, "a message",
                             err);
            return rc;
        }
        case HOMEWARD__V1__JOB_ENVELOPE__BODY_PROBE:
            m->type = MT_JOB_PROBE;
            return MT_OK;
        default:
            return mt_err_set (err, MT_EPROTO, "job message without a body");
    }
}

int
mt_job_decode (const uint8_t *bytes, size_t size, mt_job_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (size > MT_MSG_MAX_BYTES)
        return mt_err_set (err, MT_EPROTO, "job message of %zu bytes is over the limit", size);
    s_env_t *env = homeward__v1__job_envelope__unpack (NULL, size, bytes);
    if (!env)
        return mt_err_set (err, MT_EPROTO, "not a job message (protobuf decoding failed)");
    mt_job_t *m = mt_job_new (MT_JOB_NONE);
    int rc = m ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK && env->version != MT_PROTO_VERSION)
        rc = mt_err_set (err, MT_EPROTO, "job message of protocol version %u, this side "
                         "speaks %d", env->version, MT_PROTO_VERSION);
    if (rc == MT_OK)
        rc = s_body_in (env, m, err);
    homeward__v1__job_envelope__free_unpacked (env, NULL);
    if (rc != MT_OK)
        mt_job_destroy (&m);
    *self_p = m;
    return rc;
}

//  ---------------------------------------------------------------- on the wire

int
mt_job_send (void *socket, const mt_route_t *route, const mt_job_t *job, int flags,
             mt_err_t *err)
{
    uint8_t *bytes;
    size_t size;
    int rc = mt_job_encode (job, &bytes, &size, err);
    if (rc == MT_OK)
        rc = mt_wire_send_bytes (socket, route, bytes, size, flags, err);
    free (bytes);
    return rc;
}

static int
s_decode (const uint8_t *bytes, size_t size, void **out_p, mt_err_t *err)
{
    mt_job_t *job = NULL;
    int rc = mt_job_decode (bytes, size, &job, err);
    *out_p = job;
    return rc;
}

int
mt_job_recv (void *socket, mt_route_t *route, mt_job_t **job_p, mt_err_t *err)
{
    void *job = NULL;
    int rc = mt_wire_recv_with (socket, route, s_decode, &job, err);
    *job_p = job;
    return rc;
}
