//  Self-test: the job link's messages (wire/mt_job.h): a described photo
//  through the encoder and the decoder unchanged, and what the decoder
//  refuses.

#include "mt_test.h"

#include "wire/mt_job.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A photo with two faces, the first with both descriptors and a chip.
static mt_job_t *
s_done (void)
{
    mt_job_t *done = mt_job_new_done (42, 2);
    done->width = 150, done->height = 120;
    snprintf (done->format, sizeof done->format, "jpeg");
    for (size_t i = 0; i < 2; i++) {
        mt_job_face_t *f = &done->faces [i];
        f->box [0] = 10 + (int) i, f->box [1] = 20, f->box [2] = 80, f->box [3] = 81;
        f->size_px = 80, f->sharpness = 31.5f, f->yaw_deg = -4.25f, f->roll_deg = 2;
        snprintf (f->verdict, sizeof f->verdict, i ? "too_small" : "ok");
        f->score = i ? -0.25f : 1.5f;
        snprintf (f->pose, sizeof f->pose, i ? "left" : "front");
        for (int d = 0; d < MT_DIM; d++)
            f->embedding [d] = (float) sin (d + 3.0 * (double) i) * 0.2f;
    }
    mt_job_face_t *f = &done->faces [0];
    f->has_embedding2 = true;
    snprintf (f->descriptor2, sizeof f->descriptor2, "mobilefacenet-1");
    double norm = 0;
    for (int d = 0; d < MT_DIM2; d++)
        norm += sin (d + 1.0) * sin (d + 1.0);
    for (int d = 0; d < MT_DIM2; d++)
        f->embedding2 [d] = (float) (sin (d + 1.0) / sqrt (norm));
    f->chip_size = 300;
    f->chip = malloc (f->chip_size);
    for (size_t b = 0; b < f->chip_size; b++)
        f->chip [b] = (uint8_t) (b * 7);
    return done;
}

static void
test_round_trip (void)
{
    mt_job_t *done = s_done ();
    uint8_t *bytes;
    size_t size;
    mt_err_t err;
    MT_CHECK_RC (mt_job_encode (done, &bytes, &size, &err), MT_OK, &err);
    //  Floats as floats: far smaller than the JSON text of the same numbers.
    MT_CHECK (size < 2 * (MT_DIM + MT_DIM2) * 4 + 300 + 200);
    mt_job_t *back = NULL;
    MT_CHECK_RC (mt_job_decode (bytes, size, &back, &err), MT_OK, &err);
    MT_CHECK_INT (back->type, MT_JOB_DONE);
    MT_CHECK_INT (back->photo_id, 42);
    MT_CHECK_INT (back->width, 150);
    MT_CHECK (strcmp (back->format, "jpeg") == 0);
    MT_CHECK_INT (back->face_count, 2);
    for (size_t i = 0; i < 2; i++) {
        MT_CHECK (memcmp (back->faces [i].box, done->faces [i].box, sizeof done->faces [i].box) == 0);
        MT_CHECK (memcmp (back->faces [i].embedding, done->faces [i].embedding,
                          sizeof done->faces [i].embedding) == 0);
        MT_CHECK (strcmp (back->faces [i].verdict, done->faces [i].verdict) == 0);
        MT_CHECK (back->faces [i].yaw_deg == done->faces [i].yaw_deg);
        MT_CHECK (back->faces [i].score == done->faces [i].score);
        MT_CHECK (strcmp (back->faces [i].pose, done->faces [i].pose) == 0);
    }
    //  As JSON, field for field as jobs.proto names them; the chip only when asked.
    json_t *json = mt_job_json (done, false);
    json_t *face = json_array_get (json_object_get (json, "faces"), 1);
    MT_CHECK_INT (json_integer_value (json_object_get (face, "x")), 11);
    MT_CHECK (json_real_value (json_object_get (face, "score")) == -0.25);
    MT_CHECK_CONTAINS (json_string_value (json_object_get (face, "pose")), "left");
    MT_CHECK_INT (json_array_size (json_object_get (json_array_get (json_object_get (face,
                  "descriptors"), 0), "vector")), MT_DIM);
    MT_CHECK (json_object_get (json_array_get (json_object_get (json, "faces"), 0), "chip")
              == NULL);
    json_decref (json);
    json = mt_job_json (done, true);
    MT_CHECK (json_string_length (json_object_get (json_array_get (json_object_get (json,
              "faces"), 0), "chip")) == 400);          //  300 bytes as base64
    json_decref (json);
    MT_CHECK (back->faces [0].has_embedding2 && !back->faces [1].has_embedding2);
    MT_CHECK (memcmp (back->faces [0].embedding2, done->faces [0].embedding2,
                      sizeof done->faces [0].embedding2) == 0);
    MT_CHECK (strcmp (back->faces [0].descriptor2, "mobilefacenet-1") == 0);
    MT_CHECK_INT (back->faces [0].chip_size, 300);
    MT_CHECK (memcmp (back->faces [0].chip, done->faces [0].chip, 300) == 0);
    MT_CHECK (back->faces [1].chip == NULL);
    mt_job_destroy (&back);
    free (bytes);

    //  A job with its photo, and a failure with its Chinese.
    mt_job_t *job = mt_job_new (MT_JOB_JOB);
    job->photo_id = 7, job->case_id = 3;
    job->photo = (uint8_t *) strdup ("not really a jpeg");
    job->photo_size = strlen ((char *) job->photo);
    MT_CHECK_RC (mt_job_encode (job, &bytes, &size, &err), MT_OK, &err);
    MT_CHECK_RC (mt_job_decode (bytes, size, &back, &err), MT_OK, &err);
    MT_CHECK (back->type == MT_JOB_JOB && back->case_id == 3 && back->photo_size == job->photo_size
              && memcmp (back->photo, job->photo, job->photo_size) == 0);
    mt_job_destroy (&back);
    mt_job_destroy (&job);
    free (bytes);
    mt_job_t *failed = mt_job_new (MT_JOB_FAILED);
    failed->photo_id = 9;
    snprintf (failed->code, sizeof failed->code, "undecodable");
    snprintf (failed->message_zh, sizeof failed->message_zh, "数据损坏或不完整");
    MT_CHECK_RC (mt_job_encode (failed, &bytes, &size, &err), MT_OK, &err);
    MT_CHECK_RC (mt_job_decode (bytes, size, &back, &err), MT_OK, &err);
    MT_CHECK (strcmp (back->message_zh, failed->message_zh) == 0 && back->photo_id == 9);
    mt_job_destroy (&back);
    mt_job_destroy (&failed);
    free (bytes);
    mt_job_destroy (&done);
}

//  Encode done after spoil (a change to one of its faces) and decode it:
//  the decoder's answer.
static int
s_decode_spoilt (void (*spoil) (mt_job_t *), mt_err_t *err)
{
    mt_job_t *done = s_done ();
    spoil (done);
    uint8_t *bytes;
    size_t size;
    int rc = mt_job_encode (done, &bytes, &size, err);
    mt_job_t *back = NULL;
    if (rc == MT_OK)
        rc = mt_job_decode (bytes, size, &back, err);
    mt_job_destroy (&back);
    mt_job_destroy (&done);
    free (bytes);
    return rc;
}

static void s_nan (mt_job_t *d) { d->faces [1].embedding [5] = NAN; }
static void s_huge (mt_job_t *d) { d->faces [0].embedding [0] = 1e9f; }
static void s_not_unit (mt_job_t *d) { d->faces [0].embedding2 [0] += 0.5f; }
static void s_no_version (mt_job_t *d) { d->faces [0].descriptor2 [0] = '\0'; }

static void
test_refused (void)
{
    mt_err_t err;
    MT_CHECK_RC (s_decode_spoilt (s_nan, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "out of range");
    MT_CHECK_RC (s_decode_spoilt (s_huge, &err), MT_EPROTO, &err);
    MT_CHECK_RC (s_decode_spoilt (s_not_unit, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "unit length");
    //  A MobileFaceNet vector without its version is not kept as one.
    mt_job_t *done = s_done ();
    s_no_version (done);
    uint8_t *bytes;
    size_t size;
    MT_CHECK_RC (mt_job_encode (done, &bytes, &size, &err), MT_OK, &err);
    mt_job_t *back = NULL;
    MT_CHECK_RC (mt_job_decode (bytes, size, &back, &err), MT_OK, &err);
    MT_CHECK (!back->faces [0].has_embedding2);
    mt_job_destroy (&back);
    free (bytes);
    mt_job_destroy (&done);
    //  Not protobuf, not this message, no body.
    const uint8_t junk [] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
    MT_CHECK_RC (mt_job_decode (junk, sizeof junk, &back, &err), MT_EPROTO, &err);
    const uint8_t version_only [] = { 0x08, 0x01 };
    MT_CHECK_RC (mt_job_decode (version_only, sizeof version_only, &back, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "without a body");
    const uint8_t version_2 [] = { 0x08, 0x02, 0x72, 0x00 };
    MT_CHECK_RC (mt_job_decode (version_2, sizeof version_2, &back, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "version 2");
    const uint8_t probe [] = { 0x08, 0x01, 0x72, 0x00 };
    MT_CHECK_RC (mt_job_decode (probe, sizeof probe, &back, &err), MT_OK, &err);
    MT_CHECK_INT (back->type, MT_JOB_PROBE);
    mt_job_destroy (&back);
}

int
main (void)
{
    MT_RUN (test_round_trip);
    MT_RUN (test_refused);
    return MT_TEST_MAIN_END ();
}
