//  mt_conv - convolution kernels on NHWC activations.

#include "face/mt_conv.h"

#include <cblas.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

//  Eight floats at a time (GCC's vector extension: AVX with -march=native
//  on such a CPU, two SSE operations otherwise); loads and stores need no
//  alignment. Without AVX, GCC notes that passing such a vector by value
//  has another ABI than with it: these helpers are static (and inlined),
//  never called across objects, so the note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float s_v8 __attribute__ ((vector_size (32)));
typedef int32_t s_m8 __attribute__ ((vector_size (32)));

static inline s_v8
s_load (const float *p)
{
    s_v8 v;
    memcpy (&v, p, sizeof v);
    return v;
}

static inline void
s_store (float *p, s_v8 v)
{
    memcpy (p, &v, sizeof v);
}

//  v where v > 0, else slope * v.
static inline s_v8
s_prelu8 (s_v8 v, s_v8 slope)
{
    s_m8 up = v > (s_v8) { 0 };
    return (s_v8) ((up & (s_m8) v) | (~up & (s_m8) (v * slope)));
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
//  pixel, zeros where a tap falls in the padding.
static void
s_im2col (const mt_conv_shape_t *s, const float *x, float *rows)
{
    int depth = s->kh * s->kw * s->c;
    for (int oy = 0; oy < s->oh; oy++)
        for (int ox = 0; ox < s->ow; ox++) {
            float *row = rows + ((size_t) oy * s->ow + ox) * depth;
            for (int ky = 0; ky < s->kh; ky++) {
                int iy = oy * s->stride_h - s->pad_top + ky;
                for (int kx = 0; kx < s->kw; kx++) {
                    int ix = ox * s->stride_w - s->pad_left + kx;
                    float *dst = row + (ky * s->kw + kx) * s->c;
                    if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                        memset (dst, 0, (size_t) s->c * sizeof *dst);
                    else
                        memcpy (dst, x + ((size_t) iy * s->w + ix) * s->c,
                                (size_t) s->c * sizeof *dst);
                }
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

void
mt_conv_depthwise (const mt_conv_shape_t *s, const float *x, const float *filters,
                   const float *bias, float *y)
{
    int c = s->c, kh = s->kh, kw = s->kw;
    for (int image = 1; image < s_images (s); image++) {
        mt_conv_shape_t one = *s;
        one.images = 1;
        mt_conv_depthwise (&one, x + (size_t) image * s->h * s->w * c, filters, bias,
                           y + (size_t) image * s->oh * s->ow * c);
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
            int j = 0;
            for (; j + 8 <= c; j += 8) {
                s_v8 sum = bias ? s_load (bias + j) : (s_v8) { 0 };
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        sum += s_load (x + ((size_t) (y0 + ky) * s->w + x0 + kx) * c + j)
                             * s_load (filters + ((size_t) ky * kw + kx) * c + j);
                s_store (out + j, sum);
            }
            for (; j < c; j++) {
                float sum = bias ? bias [j] : 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        sum += x [((size_t) (y0 + ky) * s->w + x0 + kx) * c + j]
                             * filters [((size_t) ky * kw + kx) * c + j];
                out [j] = sum;
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
            s_v8 v = s_load (row + j);
            if (bias)
                v += s_load (bias + j);
            s_store (row + j, s_prelu8 (v, one ? (s_v8) { 0 } + slope [0] : s_load (slope + j)));
        }
        for (; j < channels; j++) {
            float v = row [j] + (bias ? bias [j] : 0);
            row [j] = v > 0 ? v : slope [one ? 0 : j] * v;
        }
    }
}
