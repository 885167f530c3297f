//  mt_conv - convolution kernels on NHWC activations.

#include "face/mt_conv.h"

#include "face/mti_vec.h"

#include <cblas.h>
#include <stdbool.h>
#include <string.h>

//  v where v > 0, else slope * v.
static inline mti_v8
s_prelu8 (mti_v8 v, mti_v8 slope)
{
    mti_m8 up = v > (mti_v8) { 0 };
    return (mti_v8) ((up & (mti_m8) v) | (~up & (mti_m8) (v * slope)));
}

static bool
s_pointwise (const mt_conv_shape_t *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride_h == 1 && s->stride_w == 1
        && s->pad_top == 0 && s->pad_left == 0 && s->oh == s->h && s->ow == s->w;
}

static int
s_images (const mt_conv_shape_t *s)
{
    return s->images > 1 ? s->images : 1;
}

size_t
mt_conv_scratch (const mt_conv_shape_t *s)
{
    return s_pointwise (s) ? 0 : (size_t) s_images (s) * s->oh * s->ow * s->kh * s->kw * s->c;
}

//  im2col of one image: a row of every kernel tap's channels per output
//  pixel, zeros where a tap falls in the padding. The taps of a kernel row
//  that lie inside the input are next to each other there too (NHWC): one
//  copy each.
static void
s_im2col (const mt_conv_shape_t *s, const float *x, float *rows)
{
    size_t c = (size_t) s->c, depth = (size_t) s->kh * s->kw * c;
    for (int oy = 0; oy < s->oh; oy++)
        for (int ox = 0; ox < s->ow; ox++) {
            float *row = rows + ((size_t) oy * s->ow + ox) * depth;
            int x0 = ox * s->stride_w - s->pad_left;
            int kx0 = x0 < 0 ? -x0 : 0, kx1 = s->w - x0 < s->kw ? s->w - x0 : s->kw;
            if (kx1 < kx0)
                kx1 = kx0;
            for (int ky = 0; ky < s->kh; ky++) {
                int iy = oy * s->stride_h - s->pad_top + ky;
                float *dst = row + (size_t) ky * s->kw * c;
                if (iy < 0 || iy >= s->h) {
                    memset (dst, 0, (size_t) s->kw * c * sizeof *dst);
                    continue;
                }
                memset (dst, 0, (size_t) kx0 * c * sizeof *dst);
                if (kx1 > kx0)
                    memcpy (dst + kx0 * c, x + ((size_t) iy * s->w + x0 + kx0) * c,
                            (size_t) (kx1 - kx0) * c * sizeof *dst);
                memset (dst + kx1 * c, 0, (size_t) (s->kw - kx1) * c * sizeof *dst);
            }
        }
}

void
mt_conv_run (const mt_conv_shape_t *s, const float *x, const float *filters, float *scratch,
             float *y)
{
    const float *a = x;
    int depth = s->kh * s->kw * s->c;
    size_t pixels = (size_t) s->oh * s->ow;
    if (!s_pointwise (s)) {
        for (int image = 0; image < s_images (s); image++)
            s_im2col (s, x + (size_t) image * s->h * s->w * s->c,
                      scratch + (size_t) image * pixels * depth);
        a = scratch;
    }
    //  y [pixels, o] = a [pixels, depth] x filters [o, depth]^T, all the
    //  images' pixels in one product.
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) pixels * s_images (s), s->o,
                 depth, 1, a, depth, filters, depth, 0, y, s->o);
}

//  One output pixel of a depthwise convolution with every tap inside the
//  input: x at the window's top left, row the floats of an input row.
//  Fixed 3x3 (MobileFaceNet's), so that the taps unroll.
static inline void
s_depthwise_3x3 (const float *x, size_t row, size_t c, const float *filters,
                 const float *bias, const float *slope, bool one, float *out)
{
    size_t j = 0;
    for (; j + 8 <= c; j += 8) {
        mti_v8 sum = bias ? mti_v8_load (bias + j) : (mti_v8) { 0 };
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++)
                sum += mti_v8_load (x + ky * row + kx * c + j)
                     * mti_v8_load (filters + (ky * 3 + kx) * c + j);
        if (slope)
            sum = s_prelu8 (sum, one ? (mti_v8) { 0 } + slope [0] : mti_v8_load (slope + j));
        mti_v8_store (out + j, sum);
    }
    for (; j < c; j++) {
        float sum = bias ? bias [j] : 0;
        for (size_t ky = 0; ky < 3; ky++)
            for (size_t kx = 0; kx < 3; kx++)
                sum += x [ky * row + kx * c + j] * filters [(ky * 3 + kx) * c + j];
        out [j] = !slope || sum > 0 ? sum : slope [one ? 0 : j] * sum;
    }
}

void
mt_conv_depthwise (const mt_conv_shape_t *s, const float *x, const float *filters,
                   const float *bias, const float *slope, size_t slope_count, float *y)
{
    int c = s->c, kh = s->kh, kw = s->kw;
    bool one = slope_count == 1;
    for (int image = 1; image < s_images (s); image++) {
        mt_conv_shape_t single = *s;
        single.images = 1;
        mt_conv_depthwise (&single, x + (size_t) image * s->h * s->w * c, filters, bias,
                           slope, slope_count, y + (size_t) image * s->oh * s->ow * c);
    }
    //  Per output pixel, eight channels at a time summed over the taps
    //  inside the input (the rest are the padding's zeros).
    for (int oy = 0; oy < s->oh; oy++) {
        int y0 = oy * s->stride_h - s->pad_top;
        int ky0 = y0 < 0 ? -y0 : 0, ky1 = s->h - y0 < kh ? s->h - y0 : kh;
        for (int ox = 0; ox < s->ow; ox++) {
            int x0 = ox * s->stride_w - s->pad_left;
            int kx0 = x0 < 0 ? -x0 : 0, kx1 = s->w - x0 < kw ? s->w - x0 : kw;
            float *out = y + ((size_t) oy * s->ow + ox) * c;
            if (kh == 3 && kw == 3 && ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3) {
                s_depthwise_3x3 (x + ((size_t) y0 * s->w + x0) * c, (size_t) s->w * c,
                                 (size_t) c, filters, bias, slope, one, out);
                continue;
            }
            int j = 0;
            for (; j + 8 <= c; j += 8) {
                mti_v8 sum = bias ? mti_v8_load (bias + j) : (mti_v8) { 0 };
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        sum += mti_v8_load (x + ((size_t) (y0 + ky) * s->w + x0 + kx) * c + j)
                             * mti_v8_load (filters + ((size_t) ky * kw + kx) * c + j);
                if (slope)
                    sum = s_prelu8 (sum, one ? (mti_v8) { 0 } + slope [0]
                                             : mti_v8_load (slope + j));
                mti_v8_store (out + j, sum);
            }
            for (; j < c; j++) {
                float sum = bias ? bias [j] : 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        sum += x [((size_t) (y0 + ky) * s->w + x0 + kx) * c + j]
                             * filters [((size_t) ky * kw + kx) * c + j];
                out [j] = !slope || sum > 0 ? sum : slope [one ? 0 : j] * sum;
            }
        }
    }
}

void
mt_conv_finish (float *y, size_t pixels, size_t channels, const float *bias, const float *slope,
                size_t slope_count)
{
    if (!slope) {
        for (size_t p = 0; bias && p < pixels; p++)
            for (size_t j = 0; j < channels; j++)
                y [p * channels + j] += bias [j];
        return;
    }
    bool one = slope_count == 1;
    for (size_t p = 0; p < pixels; p++) {
        float *row = y + p * channels;
        size_t j = 0;
        for (; j + 8 <= channels; j += 8) {
            mti_v8 v = mti_v8_load (row + j);
            if (bias)
                v += mti_v8_load (bias + j);
            mti_v8_store (row + j, s_prelu8 (v, one ? (mti_v8) { 0 } + slope [0] : mti_v8_load (slope + j)));
        }
        for (; j < channels; j++) {
            float v = row [j] + (bias ? bias [j] : 0);
            row [j] = v > 0 ? v : slope [one ? 0 : j] * v;
        }
    }
}
