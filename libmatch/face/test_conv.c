//  Self-test of the networks' convolution kernels (mt_conv, mt_winograd)
//  against a convolution written out sum by sum in double precision, on
//  random values, in every shape the networks use and odd ones around
//  them: sizes not a multiple of the 2x2 blocks, one pixel, channels not a
//  multiple of eight, one image and two.

#include "mt_test.h"

#include "face/mt_conv.h"
#include "face/mt_winograd.h"

#include <math.h>
#include <stdlib.h>

//  A value in [-1, 1) from a fixed sequence.
static float
s_random (unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (float) ((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

//  The convolution of s (filters [o][kh][kw][c]) written out; also the
//  largest sum of |x w| of an output (the scale of its rounding).
static double
s_direct (const mt_conv_shape_t *s, const float *x, const float *filters, double *y)
{
    double scale = 0;
    int images = s->images > 1 ? s->images : 1;
    for (int n = 0; n < images; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++)
                for (int f = 0; f < s->o; f++) {
                    double sum = 0, size = 0;
                    for (int ky = 0; ky < s->kh; ky++)
                        for (int kx = 0; kx < s->kw; kx++) {
                            int iy = oy * s->stride_h - s->pad_top + ky;
                            int ix = ox * s->stride_w - s->pad_left + kx;
                            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                continue;
                            for (int j = 0; j < s->c; j++) {
                                double v = (double) x [(((size_t) n * s->h + iy) * s->w + ix)
                                                       * s->c + j]
                                         * filters [(((size_t) f * s->kh + ky) * s->kw + kx)
                                                    * s->c + j];
                                sum += v;
                                size += fabs (v);
                            }
                        }
                    y [(((size_t) n * s->oh + oy) * s->ow + ox) * s->o + f] = sum;
                    scale = size > scale ? size : scale;
                }
    return scale;
}

//  The largest difference between y and the written-out expected, over
//  the scale of the sums.
static double
s_error (const float *y, const double *expected, size_t count, double scale)
{
    double worst = 0;
    for (size_t i = 0; i < count; i++) {
        double d = fabs (y [i] - expected [i]);
        worst = d > worst ? d : worst;
    }
    return scale > 0 ? worst / scale : worst;
}

//  One shape through mt_conv_run, and through mt_winograd_run where it
//  fits; returns how many kernels were held to the written-out sums.
static int
s_check (mt_conv_shape_t s)
{
    int images = s.images > 1 ? s.images : 1;
    size_t in = (size_t) images * s.h * s.w * s.c, out = (size_t) images * s.oh * s.ow * s.o;
    size_t weights = (size_t) s.o * s.kh * s.kw * s.c;
    float *x = malloc (in * sizeof *x), *filters = malloc (weights * sizeof *filters);
    float *y = malloc (out * sizeof *y);
    double *expected = malloc (out * sizeof *expected);
    size_t scratch_size = mt_conv_scratch (&s);
    if (mt_winograd_fits (&s) && mt_winograd_scratch (&s) > scratch_size)
        scratch_size = mt_winograd_scratch (&s);
    float *scratch = malloc ((scratch_size ? scratch_size : 1) * sizeof *scratch);
    float *u = malloc (mt_winograd_filters_size (&s) * sizeof *u);
    MT_CHECK (x && filters && y && expected && scratch && u);
    if (!x || !filters || !y || !expected || !scratch || !u)
        return 0;
    unsigned state = (unsigned) (s.h * 131 + s.c * 7 + s.o);
    for (size_t i = 0; i < in; i++)
        x [i] = s_random (&state);
    for (size_t i = 0; i < weights; i++)
        filters [i] = s_random (&state);
    double scale = s_direct (&s, x, filters, expected);

    int checked = 0;
    mt_conv_run (&s, x, filters, scratch, y);
    double error = s_error (y, expected, out, scale);
    if (error > 1e-5)
        fprintf (stderr, "mt_conv_run %dx%d stride %d, %dx%dx%d -> %d, %d images: error %.2g\n",
                 s.kh, s.kw, s.stride_h, s.h, s.w, s.c, s.o, images, error);
    MT_CHECK (error <= 1e-5);
    checked++;
    if (mt_winograd_fits (&s)) {
        mt_winograd_filters (&s, filters, u);
        mt_winograd_run (&s, x, u, scratch, y);
        error = s_error (y, expected, out, scale);
        if (error > 1e-5)
            fprintf (stderr, "winograd %dx%dx%d -> %d, %d images: error %.2g\n",
                     s.h, s.w, s.c, s.o, images, error);
        MT_CHECK (error <= 1e-5);
        checked++;
    }
    free (x), free (filters), free (y), free (expected), free (scratch), free (u);
    return checked;
}

//  3x3 convolutions of stride 1 (dlib's ResNet's residual blocks: 35x35
//  of 32, 17x17 of 64, 8x8 of 128, 3x3 of 256) by both kernels, and the
//  shapes around them.
static void
test_same_size (void)
{
    static const int sizes [][2] = { { 35, 35 }, { 17, 17 }, { 8, 8 }, { 5, 7 }, { 2, 3 },
                                     { 1, 1 }, { 4, 9 } };
    static const int channels [][2] = { { 32, 32 }, { 64, 64 }, { 3, 8 }, { 13, 21 },
                                        { 32, 64 } };
    int checked = 0;
    for (int images = 1; images <= 2; images++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes [0]; i++)
            for (size_t j = 0; j < sizeof channels / sizeof channels [0]; j++) {
                mt_conv_shape_t s = {
                    .images = images, .h = sizes [i][0], .w = sizes [i][1],
                    .c = channels [j][0], .o = channels [j][1], .kh = 3, .kw = 3,
                    .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
                    .oh = sizes [i][0], .ow = sizes [i][1]
                };
                MT_CHECK (mt_winograd_fits (&s));
                checked += s_check (s);
            }
    MT_CHECK_INT (checked, 2 * 7 * 5 * 2);
    //  The 128-channel blocks once (the sums are longest there).
    mt_conv_shape_t wide = {
        .images = 2, .h = 8, .w = 8, .c = 128, .o = 128, .kh = 3, .kw = 3,
        .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1, .oh = 8, .ow = 8
    };
    MT_CHECK_INT (s_check (wide), 2);
}

//  Other convolutions: dlib's 7x7 of stride 2 on three channels, 3x3 of
//  stride 2 without padding (a block that halves), with padding before and
//  after (MobileFaceNet's first pads after), a 1x1; Winograd's refuses
//  them.
static void
test_other_shapes (void)
{
    static const mt_conv_shape_t shapes [] = {
        { .images = 2, .h = 40, .w = 37, .c = 3, .o = 32, .kh = 7, .kw = 7,
          .stride_h = 2, .stride_w = 2, .oh = 17, .ow = 16 },
        { .images = 1, .h = 35, .w = 35, .c = 32, .o = 64, .kh = 3, .kw = 3,
          .stride_h = 2, .stride_w = 2, .oh = 17, .ow = 17 },
        { .images = 2, .h = 24, .w = 24, .c = 3, .o = 16, .kh = 3, .kw = 3,
          .stride_h = 2, .stride_w = 2, .pad_top = 0, .pad_left = 0, .oh = 11, .ow = 11 },
        { .images = 2, .h = 23, .w = 23, .c = 3, .o = 64, .kh = 3, .kw = 3,
          .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1, .oh = 12, .ow = 12 },
        { .images = 2, .h = 24, .w = 22, .c = 3, .o = 64, .kh = 3, .kw = 3,
          .stride_h = 2, .stride_w = 2, .pad_top = 0, .pad_left = 0, .oh = 12, .ow = 11 },
        { .images = 1, .h = 19, .w = 21, .c = 3, .o = 32, .kh = 7, .kw = 7,
          .stride_h = 2, .stride_w = 2, .pad_top = 3, .pad_left = 3, .oh = 10, .ow = 11 },
        { .images = 2, .h = 9, .w = 6, .c = 24, .o = 40, .kh = 1, .kw = 1,
          .stride_h = 1, .stride_w = 1, .oh = 9, .ow = 6 },
        { .images = 1, .h = 6, .w = 6, .c = 8, .o = 8, .kh = 3, .kw = 3,
          .stride_h = 1, .stride_w = 1, .pad_top = 0, .pad_left = 0, .oh = 4, .ow = 4 },
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes [0]; i++) {
        MT_CHECK (!mt_winograd_fits (&shapes [i]));
        MT_CHECK_INT (s_check (shapes [i]), 1);
    }
}

//  Depthwise convolutions (MobileFaceNet's: 3x3 of stride 1 and 2, the
//  7x7 over the whole of the last layer) with a bias and a PReLU, by
//  channel and one slope for all, against the sums written out.
static void
test_depthwise (void)
{
    static const mt_conv_shape_t shapes [] = {
        { .images = 2, .h = 14, .w = 14, .c = 64, .o = 64, .kh = 3, .kw = 3,
          .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1, .oh = 14, .ow = 14 },
        { .images = 1, .h = 15, .w = 12, .c = 20, .o = 20, .kh = 3, .kw = 3,
          .stride_h = 2, .stride_w = 2, .pad_top = 0, .pad_left = 0, .oh = 8, .ow = 6 },
        { .images = 2, .h = 7, .w = 7, .c = 24, .o = 24, .kh = 7, .kw = 7,
          .stride_h = 1, .stride_w = 1, .oh = 1, .ow = 1 },
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes [0]; i++)
        for (size_t slopes = 1; slopes <= 2; slopes++) {
            mt_conv_shape_t s = shapes [i];
            size_t in = (size_t) s.images * s.h * s.w * s.c;
            size_t out = (size_t) s.images * s.oh * s.ow * s.c;
            size_t taps = (size_t) s.kh * s.kw * s.c;
            float *x = malloc (in * sizeof *x), *filters = malloc (taps * sizeof *filters);
            float *bias = malloc (s.c * sizeof *bias), *slope = malloc (s.c * sizeof *slope);
            float *y = malloc (out * sizeof *y);
            double *expected = calloc (out, sizeof *expected);
            MT_CHECK (x && filters && bias && slope && y && expected);
            if (!x || !filters || !bias || !slope || !y || !expected)
                return;
            unsigned state = (unsigned) (i * 17 + slopes);
            for (size_t k = 0; k < in; k++)
                x [k] = s_random (&state);
            for (size_t k = 0; k < taps; k++)
                filters [k] = s_random (&state);
            for (int j = 0; j < s.c; j++) {
                bias [j] = s_random (&state);
                slope [j] = 0.25f * (s_random (&state) + 1);
            }
            size_t slope_count = slopes == 1 ? 1 : (size_t) s.c;
            for (int n = 0; n < s.images; n++)
                for (int oy = 0; oy < s.oh; oy++)
                    for (int ox = 0; ox < s.ow; ox++)
                        for (int j = 0; j < s.c; j++) {
                            double sum = bias [j];
                            for (int ky = 0; ky < s.kh; ky++)
                                for (int kx = 0; kx < s.kw; kx++) {
                                    int iy = oy * s.stride_h - s.pad_top + ky;
                                    int ix = ox * s.stride_w - s.pad_left + kx;
                                    if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w)
                                        sum += (double) x [(((size_t) n * s.h + iy) * s.w + ix)
                                                           * s.c + j]
                                             * filters [((size_t) ky * s.kw + kx) * s.c + j];
                                }
                            double a = slope [slope_count == 1 ? 0 : j];
                            expected [(((size_t) n * s.oh + oy) * s.ow + ox) * s.c + j]
                                = sum > 0 ? sum : a * sum;
                        }
            mt_conv_depthwise (&s, x, filters, bias, slope, slope_count, y);
            double error = s_error (y, expected, out, 1);
            if (error > 1e-5)
                fprintf (stderr, "depthwise %dx%d stride %d, %dx%dx%d, %zu slopes: error %.2g\n",
                         s.kh, s.kw, s.stride_h, s.h, s.w, s.c, slope_count, error);
            MT_CHECK (error <= 1e-5);
            free (x), free (filters), free (bias), free (slope), free (y), free (expected);
        }
}

int
main (void)
{
    MT_RUN (test_same_size);
    MT_RUN (test_other_shapes);
    MT_RUN (test_depthwise);
    return MT_TEST_MAIN_END ();
}
