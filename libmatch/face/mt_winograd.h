//  mt_winograd - 3x3 convolutions of stride 1 (padding 1, same size out) by
//  Winograd's minimal filtering F(2x2, 3x3): each 2x2 block of outputs from
//  the 4x4 block of inputs around it, in a transformed space where the
//  convolution is 16 element-wise products, done for all blocks and
//  channels as 16 matrix products through OpenBLAS. That is 16 products a
//  block where a direct 3x3 convolution takes 36: 2.25 times fewer
//  multiplications, for the cost of transforming inputs and outputs. The
//  transforms use only 0, 1 and 1/2: the results are those of mt_conv_run
//  within float rounding. Lavin and Gray, "Fast Algorithms for
//  Convolutional Neural Networks", CVPR 2016.
//
//  Activations are NHWC, as in mt_conv.

#ifndef MT_WINOGRAD_H_INCLUDED
#define MT_WINOGRAD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "face/mt_conv.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Whether s is a convolution this runs: 3x3, stride 1, padding 1, output
//  the input's size.
bool mt_winograd_fits (const mt_conv_shape_t *s);

//  The floats of s's filters transformed (16 x c x o).
size_t mt_winograd_filters_size (const mt_conv_shape_t *s);

//  filters [o][3][3][c] (as mt_conv_run takes them) into u [16][c][o].
void mt_winograd_filters (const mt_conv_shape_t *s, const float *filters, float *u);

//  The scratch a run needs (floats).
size_t mt_winograd_scratch (const mt_conv_shape_t *s);

//  y [images][h][w][o] = x [images][h][w][c] convolved with the filters u
//  (from mt_winograd_filters), no bias: what mt_conv_run gives with the
//  untransformed filters. scratch holds mt_winograd_scratch floats.
void mt_winograd_run (const mt_conv_shape_t *s, const float *x, const float *u,
                      float *scratch, float *y);

#ifdef __cplusplus
}
#endif

#endif
