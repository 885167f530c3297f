//  mt_conv - the CPU kernels both face networks run on (MobileFaceNet's
//  graph through mt_tfnet, dlib's ResNet through mt_resnet): convolutions
//  of NHWC activations as one matrix product through OpenBLAS, depthwise
//  (any size) eight channels at a time, 3x3 unrolled, the PReLU applied
//  as each value is stored, and the pass that adds the bias and applies a
//  PReLU (ReLU is a PReLU of slope 0). 3x3 convolutions of stride 1 also
//  run by mt_winograd.

#ifndef MT_CONV_H_INCLUDED
#define MT_CONV_H_INCLUDED

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  A convolution of an h x w x c input into an oh x ow x o output: kh x kw
//  filters stepping stride_h, stride_w, the input taken as padded with
//  pad_top rows and pad_left columns of zeros before it (and as many as
//  the output needs after). images: how many inputs lie one after the
//  other (0 or 1: one); their outputs follow each other the same way.
typedef struct {
    int images;
    int h, w, c;
    int o, kh, kw;
    int stride_h, stride_w;
    int pad_top, pad_left;
    int oh, ow;
} mt_conv_shape_t;

//  The scratch a convolution needs (floats; 0 for a 1x1 of stride 1).
size_t mt_conv_scratch (const mt_conv_shape_t *s);

//  y [images][oh][ow][o] = x [images][h][w][c] convolved with filters
//  [o][kh][kw][c] as one matrix product (no bias: see mt_conv_finish).
//  scratch holds mt_conv_scratch floats.
void mt_conv_run (const mt_conv_shape_t *s, const float *x, const float *filters,
                  float *scratch, float *y);

//  y [images][oh][ow][c] = x [images][h][w][c] convolved channel by channel with filters
//  [kh][kw][c] (s->o == s->c), starting from bias (may be NULL), then the
//  PReLU of mt_conv_finish when slope is not NULL.
void mt_conv_depthwise (const mt_conv_shape_t *s, const float *x, const float *filters,
                        const float *bias, const float *slope, size_t slope_count, float *y);

//  For each of pixels rows of y [pixels][channels]: add bias (may be
//  NULL), then keep values above 0 and multiply the others by their
//  channel's slope (slope_count 1: one slope for all; slope NULL: none).
void mt_conv_finish (float *y, size_t pixels, size_t channels, const float *bias,
                     const float *slope, size_t slope_count);

#ifdef __cplusplus
}
#endif

#endif
