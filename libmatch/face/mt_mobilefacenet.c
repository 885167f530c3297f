//  mt_mobilefacenet - MobileFaceNet descriptors on ArcFace-aligned chips.

#include "face/mt_mobilefacenet.h"

#include "face/mt_tflite.h"
#include "face/mt_tfnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mt_mobilefacenet {
    mt_tflite_t *model;
};

struct mt_mobilefacenet_worker {
    mt_tfnet_t *net;
    float input [2][MT_CHIP2_BYTES];        //  the chip, and its mirror image
    float output [2][MT_EMBEDDING2_DIM];
};

//  Where the five points fall in a 112x112 chip (the ArcFace template):
//  left eye, right eye, nose tip, left and right mouth corners, as seen.
static const double s_template [5][2] = {
    { 38.2946, 51.6963 }, { 73.5318, 51.5014 }, { 56.0252, 71.7366 },
    { 41.5493, 92.3655 }, { 70.7299, 92.2041 }
};

int
mt_mobilefacenet_load (const char *path, mt_mobilefacenet_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_mobilefacenet_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = mt_tflite_load (path, &self->model, err);
    mt_tfnet_t *net = NULL;
    if (rc == MT_OK)
        rc = mt_tfnet_new (self->model, &net, err);
    if (rc == MT_OK && (mt_tfnet_input_size (net) != MT_CHIP2_BYTES
                    ||  mt_tfnet_output_size (net) != MT_EMBEDDING2_DIM))
        rc = mt_err_set (err, MT_EMODEL, "%s takes %zu numbers and gives %zu; MobileFaceNet "
                         "takes 112x112x3 and gives %d", path, mt_tfnet_input_size (net),
                         mt_tfnet_output_size (net), MT_EMBEDDING2_DIM);
    mt_tfnet_destroy (&net);
    if (rc != MT_OK) {
        mt_mobilefacenet_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_mobilefacenet_destroy (mt_mobilefacenet_t **self_p)
{
    if (self_p && *self_p) {
        mt_tflite_destroy (&(*self_p)->model);
        free (*self_p);
        *self_p = NULL;
    }
}

//  The mean of landmarks first..last.
static void
s_mean (const mt_point_t *landmarks, int first, int last, double *x, double *y)
{
    *x = *y = 0;
    for (int i = first; i <= last; i++)
        *x += landmarks [i].x, *y += landmarks [i].y;
    *x /= last - first + 1, *y /= last - first + 1;
}

int
mt_mobilefacenet_align (const mt_image_t *image, const mt_point_t landmarks [MT_LANDMARKS],
                        uint8_t *chip, mt_err_t *err)
{
    //  dlib's 68: 36-41 and 42-47 the eyes, 30 the nose tip, 48 and 54
    //  the mouth corners.
    double p [5][2];
    s_mean (landmarks, 36, 41, &p [0][0], &p [0][1]);
    s_mean (landmarks, 42, 47, &p [1][0], &p [1][1]);
    const int single [3] = { 30, 48, 54 };
    for (int i = 0; i < 3; i++)
        p [2 + i][0] = landmarks [single [i]].x, p [2 + i][1] = landmarks [single [i]].y;
    //  The similarity x' = a x - b y + tx, y' = b x + a y + ty that puts
    //  the points nearest the template (least squares about the means).
    double mx = 0, my = 0, ux = 0, uy = 0;
    for (int i = 0; i < 5; i++) {
        mx += p [i][0] / 5, my += p [i][1] / 5;
        ux += s_template [i][0] / 5, uy += s_template [i][1] / 5;
    }
    double spread = 0, sa = 0, sb = 0;
    for (int i = 0; i < 5; i++) {
        double x = p [i][0] - mx, y = p [i][1] - my;
        double tx = s_template [i][0] - ux, ty = s_template [i][1] - uy;
        spread += x * x + y * y;
        sa += x * tx + y * ty;
        sb += x * ty - y * tx;
    }
    if (!(spread > 1e-6))
        return mt_err_set (err, MT_EINVAL, "the face's landmarks are all at one point");
    double a = sa / spread, b = sb / spread;
    double m [6] = { a, -b, ux - (a * mx - b * my), b, a, uy - (b * mx + a * my) };
    return mt_image_warp (image, m, MT_CHIP2_SIZE, MT_CHIP2_SIZE, chip, err);
}

int
mt_mobilefacenet_worker_new (const mt_mobilefacenet_t *model, mt_mobilefacenet_worker_t **self_p,
                             mt_err_t *err)
{
    *self_p = NULL;
    mt_mobilefacenet_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = mt_tfnet_new (model->model, &self->net, err);
    if (rc != MT_OK) {
        free (self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_mobilefacenet_worker_destroy (mt_mobilefacenet_worker_t **self_p)
{
    if (self_p && *self_p) {
        mt_tfnet_destroy (&(*self_p)->net);
        free (*self_p);
        *self_p = NULL;
    }
}

//  The network's own preprocessing of chip, read left to right or
//  mirrored: RGB scaled to about -1..1.
static void
s_input (const uint8_t *chip, bool mirrored, float *input)
{
    for (int r = 0; r < MT_CHIP2_SIZE; r++)
        for (int c = 0; c < MT_CHIP2_SIZE; c++) {
            const uint8_t *from = chip + (r * MT_CHIP2_SIZE
                                          + (mirrored ? MT_CHIP2_SIZE - 1 - c : c)) * 3;
            float *to = input + (r * MT_CHIP2_SIZE + c) * 3;
            for (int k = 0; k < 3; k++)
                to [k] = (from [k] - 127.5f) / 128.0f;
        }
}

//  Add the unit-length output to sum.
static int
s_add_unit (const float *output, float *sum, mt_err_t *err)
{
    double norm = 0;
    for (int i = 0; i < MT_EMBEDDING2_DIM; i++)
        norm += (double) output [i] * output [i];
    norm = sqrt (norm);
    if (!(norm > 1e-12) || !isfinite (norm))
        return mt_err_set (err, MT_EMODEL, "MobileFaceNet gave no usable descriptor");
    for (int i = 0; i < MT_EMBEDDING2_DIM; i++)
        sum [i] += (float) (output [i] / norm);
    return MT_OK;
}

int
mt_mobilefacenet_compute (mt_mobilefacenet_worker_t *self, const uint8_t *chip, bool mirror,
                          float *out, mt_err_t *err)
{
    //  The chip and its mirror image in one run.
    int count = mirror ? 2 : 1;
    s_input (chip, false, self->input [0]);
    if (mirror)
        s_input (chip, true, self->input [1]);
    int rc = mt_tfnet_run_batch (self->net, self->input [0], count, self->output [0], err);
    memset (out, 0, MT_EMBEDDING2_DIM * sizeof *out);
    for (int i = 0; rc == MT_OK && i < count; i++)
        rc = s_add_unit (self->output [i], out, err);
    if (rc != MT_OK)
        return rc;
    double norm = 0;
    for (int i = 0; i < MT_EMBEDDING2_DIM; i++)
        norm += (double) out [i] * out [i];
    norm = sqrt (norm);
    if (!(norm > 1e-6))
        return mt_err_set (err, MT_EMODEL, "MobileFaceNet gave opposite descriptors for a face "
                           "and its mirror image");
    for (int i = 0; i < MT_EMBEDDING2_DIM; i++)
        out [i] = (float) (out [i] / norm);
    return MT_OK;
}

double
mt_mobilefacenet_distance (const float *a, const float *b)
{
    double sum = 0;
    for (int d = 0; d < MT_EMBEDDING2_DIM; d++)
        sum += ((double) a [d] - b [d]) * ((double) a [d] - b [d]);
    return sqrt (sum);
}
