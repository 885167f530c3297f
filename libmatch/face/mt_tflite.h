//  mt_tflite - reads a TensorFlow Lite model file: a FlatBuffer of the
//  schema tflite.Model (tensorflow/lite/schema/schema.fbs), read table by
//  table with every offset, length, index and shape checked against the
//  file, so that a truncated or corrupted file is refused with a reason and
//  never read past. Only what running a float32 graph needs is kept: the
//  main subgraph's tensors (shapes, constant values), its operators in
//  execution order with their options, its input and output.

#ifndef MT_TFLITE_H_INCLUDED
#define MT_TFLITE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Builtin operators by their schema codes (those this project runs).
typedef enum {
    MT_TFL_ADD = 0,
    MT_TFL_CONV_2D = 3,
    MT_TFL_DEPTHWISE_CONV_2D = 4,
    MT_TFL_FULLY_CONNECTED = 9,
    MT_TFL_L2_NORMALIZATION = 11,
    MT_TFL_MUL = 18,
    MT_TFL_RELU = 19,
    MT_TFL_RESHAPE = 22,
    MT_TFL_SUB = 41,
    MT_TFL_PRELU = 54,
    MT_TFL_ABS = 101
} mt_tfl_opcode;

//  Tensor element types (schema TensorType).
typedef enum {
    MT_TFL_FLOAT32 = 0,
    MT_TFL_INT32 = 2
} mt_tfl_type;

#define MT_TFL_MAX_DIMS 6
#define MT_TFL_MAX_OP_INPUTS 4

typedef struct {
    char name [96];
    int type;                       //  mt_tfl_type, or another schema type
    int dims;
    int32_t shape [MT_TFL_MAX_DIMS];
    size_t count;                   //  elements (product of shape)
    const void *data;               //  a constant's values (aligned copy), else NULL
} mt_tfl_tensor_t;

typedef struct {
    int code;                       //  mt_tfl_opcode (or another builtin code)
    int input_count, output_count;
    int inputs [MT_TFL_MAX_OP_INPUTS];  //  tensor indices; -1: optional, absent
    int output;
    //  Options of convolutions (1 when absent), and fused activations.
    int padding;                    //  0 SAME, 1 VALID
    int stride_w, stride_h, dilation_w, dilation_h, depth_multiplier;
    int activation;                 //  0 none, 1 relu, 3 relu6
} mt_tfl_op_t;

typedef struct mt_tflite mt_tflite_t;

//  Read a model from bytes (copied; the caller keeps its own). MT_EMODEL
//  with a reason for anything that is not a well-formed model this reader
//  understands. Caller owns *self_p.
int mt_tflite_read (const uint8_t *bytes, size_t size, mt_tflite_t **self_p, mt_err_t *err);
//  The same from a file (at most 256 MB), naming the file in errors.
int mt_tflite_load (const char *path, mt_tflite_t **self_p, mt_err_t *err);
void mt_tflite_destroy (mt_tflite_t **self_p);

size_t mt_tflite_tensor_count (const mt_tflite_t *self);
const mt_tfl_tensor_t *mt_tflite_tensor (const mt_tflite_t *self, size_t index);
size_t mt_tflite_op_count (const mt_tflite_t *self);
const mt_tfl_op_t *mt_tflite_op (const mt_tflite_t *self, size_t index);
//  The main subgraph's first input and first output tensor.
int mt_tflite_input (const mt_tflite_t *self);
int mt_tflite_output (const mt_tflite_t *self);

#ifdef __cplusplus
}
#endif

#endif
