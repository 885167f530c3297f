//  mt_tfnet - runs a TensorFlow Lite model's float32 graph (mt_tflite) on
//  the CPU: convolutions (mt_conv) as matrix products (OpenBLAS), depthwise
//  convolutions, element-wise arithmetic, ReLU, abs, PReLU, fully connected
//  layers, L2 normalisation and reshapes, in NHWC. A model's batch
//  dimension is ignored: a run takes one or two inputs. Activations share
//  buffers by when they are last used. A PReLU that follows a convolution
//  (as a PRELU operator, or as the five operators a converter writes it
//  as: relu(x) + c * (x - abs(x))) runs inside the convolution's last pass
//  over its output.
//
//  Not thread-safe (it keeps its activations): one per thread.

#ifndef MT_TFNET_H_INCLUDED
#define MT_TFNET_H_INCLUDED

#include <stddef.h>

#include "base/mt_error.h"
#include "face/mt_tflite.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_tfnet mt_tfnet_t;

//  Prepare to run model (borrowed: it must outlive the net). MT_EMODEL
//  names the first operator that is not supported, or whose shapes do not
//  fit. Caller owns *self_p.
int mt_tfnet_new (const mt_tflite_t *model, mt_tfnet_t **self_p, mt_err_t *err);
void mt_tfnet_destroy (mt_tfnet_t **self_p);

//  The input's and the output's shapes (batch dimension 1) and sizes.
size_t mt_tfnet_input_size (const mt_tfnet_t *self);
size_t mt_tfnet_output_size (const mt_tfnet_t *self);
const int *mt_tfnet_input_shape (const mt_tfnet_t *self, int *dims_p);

//  Run on input (mt_tfnet_input_size floats); writes output
//  (mt_tfnet_output_size floats).
int mt_tfnet_run (mt_tfnet_t *self, const float *input, float *output, mt_err_t *err);

//  How many inputs one run takes at most (an image and its mirror image:
//  the convolutions of both are one matrix product each).
#define MT_TFNET_BATCH 2

//  Run on count (1..MT_TFNET_BATCH) inputs one after the other; writes
//  their outputs one after the other.
int mt_tfnet_run_batch (mt_tfnet_t *self, const float *inputs, int count, float *outputs,
                        mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
