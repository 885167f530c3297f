//  mt_winograd - 3x3 convolutions of stride 1 by Winograd's F(2x2, 3x3).
//
//  For one channel, a 4x4 block d of inputs, a 3x3 filter g and the 2x2
//  outputs y: y = A' [(G g G') * (B' d B)] A, * element by element, with
//      B' = | 1  0 -1  0 |    G = | 1    0    0   |    A' = | 1  1  1  0 |
//           | 0  1  1  0 |        | 1/2  1/2  1/2 |         | 0  1 -1 -1 |
//           | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
//           | 0  1  0 -1 |        | 0    0    1   |
//  Summed over input channels, each of the 16 element-wise products is a
//  matrix product: blocks x c times c x o.

#include "face/mt_winograd.h"

#include "face/mti_vec.h"

#include <cblas.h>
#include <string.h>

//  The 16 transformed values of each block and channel, then the 16
//  products of each block and filter, then a row of zeros (the padding)
//  and a row that takes the outputs past the edge.
typedef struct {
    size_t blocks;                  //  of all the images
    int rows, cols;                 //  blocks down and across an image
    float *v, *m, *zero, *past;
} s_plan_t;

bool
mt_winograd_fits (const mt_conv_shape_t *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride_h == 1 && s->stride_w == 1
        && s->pad_top == 1 && s->pad_left == 1 && s->oh == s->h && s->ow == s->w
        && s->h > 0 && s->w > 0 && s->c > 0 && s->o > 0;
}

size_t
mt_winograd_filters_size (const mt_conv_shape_t *s)
{
    return (size_t) 16 * s->c * s->o;
}

//  The blocks of s; with scratch, where each part of it lies.
static s_plan_t
s_plan (const mt_conv_shape_t *s, float *scratch)
{
    s_plan_t plan = { .rows = (s->h + 1) / 2, .cols = (s->w + 1) / 2 };
    plan.blocks = (size_t) (s->images > 1 ? s->images : 1) * plan.rows * plan.cols;
    if (scratch) {
        plan.v = scratch;
        plan.m = plan.v + 16 * plan.blocks * s->c;
        plan.zero = plan.m + 16 * plan.blocks * s->o;
        plan.past = plan.zero + s->c;
    }
    return plan;
}

size_t
mt_winograd_scratch (const mt_conv_shape_t *s)
{
    s_plan_t plan = s_plan (s, NULL);
    return 16 * plan.blocks * (s->c + s->o) + s->c + s->o;
}

void
mt_winograd_filters (const mt_conv_shape_t *s, const float *filters, float *u)
{
    int c = s->c, o = s->o;
    for (int f = 0; f < o; f++)
        for (int j = 0; j < c; j++) {
            float g [3][3], t [4][3];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    g [ky][kx] = filters [(((size_t) f * 3 + ky) * 3 + kx) * c + j];
            //  G g, then (G g) G'.
            for (int kx = 0; kx < 3; kx++) {
                t [0][kx] = g [0][kx];
                t [1][kx] = 0.5f * (g [0][kx] + g [1][kx] + g [2][kx]);
                t [2][kx] = 0.5f * (g [0][kx] - g [1][kx] + g [2][kx]);
                t [3][kx] = g [2][kx];
            }
            for (int r = 0; r < 4; r++) {
                float row [4] = {
                    t [r][0], 0.5f * (t [r][0] + t [r][1] + t [r][2]),
                    0.5f * (t [r][0] - t [r][1] + t [r][2]), t [r][2]
                };
                for (int q = 0; q < 4; q++)
                    u [((size_t) (r * 4 + q) * c + j) * o + f] = row [q];
            }
        }
}

//  B' d B of one channel group: d [16] in, v [16] out, row by row. T is
//  the type of a value (a float, or eight).
#define S_INPUT(T, d, v)                                                      \
    do {                                                                      \
        T t_ [16];                                                            \
        for (int q_ = 0; q_ < 4; q_++) {                                      \
            t_ [q_] = d [q_] - d [8 + q_];                                    \
            t_ [4 + q_] = d [4 + q_] + d [8 + q_];                            \
            t_ [8 + q_] = d [8 + q_] - d [4 + q_];                            \
            t_ [12 + q_] = d [4 + q_] - d [12 + q_];                          \
        }                                                                     \
        for (int r_ = 0; r_ < 16; r_ += 4) {                                  \
            v [r_] = t_ [r_] - t_ [r_ + 2];                                   \
            v [r_ + 1] = t_ [r_ + 1] + t_ [r_ + 2];                           \
            v [r_ + 2] = t_ [r_ + 2] - t_ [r_ + 1];                           \
            v [r_ + 3] = t_ [r_ + 1] - t_ [r_ + 3];                           \
        }                                                                     \
    } while (0)

//  A' m A of one channel group: m [16] in, y [4] out (row by row).
#define S_OUTPUT(T, m, y)                                                     \
    do {                                                                      \
        T s_ [8];                                                             \
        for (int q_ = 0; q_ < 4; q_++) {                                      \
            s_ [q_] = m [q_] + m [4 + q_] + m [8 + q_];                       \
            s_ [4 + q_] = m [4 + q_] - m [8 + q_] - m [12 + q_];              \
        }                                                                     \
        for (int r_ = 0; r_ < 2; r_++) {                                      \
            y [2 * r_] = s_ [4 * r_] + s_ [4 * r_ + 1] + s_ [4 * r_ + 2];     \
            y [2 * r_ + 1] = s_ [4 * r_ + 1] - s_ [4 * r_ + 2] - s_ [4 * r_ + 3]; \
        }                                                                     \
    } while (0)

//  Every block of every image into plan->v [16][blocks][c].
static void
s_inputs (const mt_conv_shape_t *s, const s_plan_t *plan, const float *x)
{
    size_t c = (size_t) s->c, block = 0;
    for (size_t image = 0; image < plan->blocks / ((size_t) plan->rows * plan->cols); image++) {
        const float *in = x + image * s->h * s->w * c;
        for (int by = 0; by < plan->rows; by++)
            for (int bx = 0; bx < plan->cols; bx++, block++) {
                const float *from [16];
                float *to [16];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) {
                        int iy = 2 * by - 1 + i, ix = 2 * bx - 1 + j;
                        from [i * 4 + j] = iy < 0 || iy >= s->h || ix < 0 || ix >= s->w
                                         ? plan->zero : in + ((size_t) iy * s->w + ix) * c;
                        to [i * 4 + j] = plan->v + ((size_t) (i * 4 + j) * plan->blocks
                                                    + block) * c;
                    }
                size_t k = 0;
                for (; k + 8 <= c; k += 8) {
                    mti_v8 d [16], v [16];
                    for (int e = 0; e < 16; e++)
                        d [e] = mti_v8_load (from [e] + k);
                    S_INPUT (mti_v8, d, v);
                    for (int e = 0; e < 16; e++)
                        mti_v8_store (to [e] + k, v [e]);
                }
                for (; k < c; k++) {
                    float d [16], v [16];
                    for (int e = 0; e < 16; e++)
                        d [e] = from [e][k];
                    S_INPUT (float, d, v);
                    for (int e = 0; e < 16; e++)
                        to [e][k] = v [e];
                }
            }
    }
}

//  plan->m [16][blocks][o] out to y, the outputs past the edge dropped.
static void
s_outputs (const mt_conv_shape_t *s, const s_plan_t *plan, float *y)
{
    size_t o = (size_t) s->o, block = 0;
    for (size_t image = 0; image < plan->blocks / ((size_t) plan->rows * plan->cols); image++) {
        float *out = y + image * s->h * s->w * o;
        for (int by = 0; by < plan->rows; by++)
            for (int bx = 0; bx < plan->cols; bx++, block++) {
                const float *from [16];
                float *to [4];
                for (int e = 0; e < 16; e++)
                    from [e] = plan->m + ((size_t) e * plan->blocks + block) * o;
                for (int r = 0; r < 2; r++)
                    for (int q = 0; q < 2; q++) {
                        int oy = 2 * by + r, ox = 2 * bx + q;
                        to [r * 2 + q] = oy < s->h && ox < s->w
                                       ? out + ((size_t) oy * s->w + ox) * o : plan->past;
                    }
                size_t k = 0;
                for (; k + 8 <= o; k += 8) {
                    mti_v8 m [16], v [4];
                    for (int e = 0; e < 16; e++)
                        m [e] = mti_v8_load (from [e] + k);
                    S_OUTPUT (mti_v8, m, v);
                    for (int e = 0; e < 4; e++)
                        mti_v8_store (to [e] + k, v [e]);
                }
                for (; k < o; k++) {
                    float m [16], v [4];
                    for (int e = 0; e < 16; e++)
                        m [e] = from [e][k];
                    S_OUTPUT (float, m, v);
                    for (int e = 0; e < 4; e++)
                        to [e][k] = v [e];
                }
            }
    }
}

void
mt_winograd_run (const mt_conv_shape_t *s, const float *x, const float *u, float *scratch,
                 float *y)
{
    s_plan_t plan = s_plan (s, scratch);
    memset (plan.zero, 0, (size_t) s->c * sizeof *plan.zero);
    s_inputs (s, &plan, x);
    for (size_t e = 0; e < 16; e++)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) plan.blocks, s->o, s->c,
                     1, plan.v + e * plan.blocks * s->c, s->c, u + e * (size_t) s->c * s->o,
                     s->o, 0, plan.m + e * plan.blocks * s->o, s->o);
    s_outputs (s, &plan, y);
}
