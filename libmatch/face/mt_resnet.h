//  mt_resnet - dlib's face recognition ResNet (the architecture of
//  dlib_face_recognition_resnet_model_v1, as in dlib's
//  dnn_face_recognition_ex.cpp) run on mt_conv's kernels in NHWC, with each
//  affine layer folded into the convolution before it and each ReLU into
//  the pass that adds the bias. dlib's own CPU forward pass spends about
//  two fifths of its time laying out its convolutions' inputs (img2col);
//  this one copies a tap's channels with one memcpy.
//
//  The layers, input first: a 7x7 convolution of stride 2 (32 filters),
//  ReLU, 3x3 max pooling of stride 2; then 14 residual blocks (32 x3,
//  64 x4, 128 x3, 256 x3, 256 x1; the first of each size but the first
//  halves the resolution: its first convolution has stride 2 and no
//  padding, its shortcut is a 2x2 average pooling) of two 3x3
//  convolutions, ReLU between, the shortcut added (dlib's add_prev: the
//  larger of the two shapes, missing values taken as 0) and ReLU; the mean
//  over the image; a 128 x 256 fully connected layer without bias.
//
//  A net keeps its activations: one per thread.

#ifndef MT_RESNET_H_INCLUDED
#define MT_RESNET_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  How many convolutions the network has (the first, then two a block).
#define MT_RESNET_CONVS 29

//  One convolution's weights, input side first: filters [out][k][k][in]
//  and bias [out], the affine layer after it already applied.
typedef struct {
    int filters, in, size, stride;
    const float *weights;
    const float *bias;
} mt_resnet_conv_t;

typedef struct mt_resnet mt_resnet_t;

//  A net for chips of side x side pixels from MT_RESNET_CONVS convolutions
//  (copied) and the fully connected layer fc [fc_in][fc_out] (copied).
//  MT_EMODEL when the layers are not this architecture's.
int mt_resnet_new (int side, const mt_resnet_conv_t *convs, size_t count, const float *fc,
                   int fc_in, int fc_out, mt_resnet_t **self_p, mt_err_t *err);
void mt_resnet_destroy (mt_resnet_t **self_p);

//  How many chips one run takes at most (a face and its mirror image: the
//  last layers' weights, 2.4 MB a convolution for 16 or fewer pixels, are
//  read once for both).
#define MT_RESNET_BATCH 2

//  The descriptors (count x fc_out floats) of count (1..MT_RESNET_BATCH)
//  RGB chips of side x side pixels each, one after the other; each channel
//  is taken less dlib's mean (122.782, 117.001, 104.298), over 256.
void mt_resnet_run (mt_resnet_t *self, const uint8_t *chips_rgb, int count, float *out);

#ifdef __cplusplus
}
#endif

#endif
