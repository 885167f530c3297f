//  mt_tflite - a checked reader of TensorFlow Lite FlatBuffers.
//
//  FlatBuffers in brief: the file starts with a 32-bit offset to the root
//  table; a table starts with a signed 32-bit offset back to its vtable,
//  which lists (16-bit) where each field lies in the table (0: absent);
//  references to tables, vectors and strings are 32-bit offsets from where
//  they are stored; a vector is a 32-bit count then its elements. Field
//  numbers below are those of tensorflow/lite/schema/schema.fbs (a union
//  takes two: its type, then its value).

#include "face/mt_tflite.h"

#include "base/mti_file.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Bounds a sane model stays within.
#define S_MAX_FILE (256u << 20)
#define S_MAX_TENSORS 100000
#define S_MAX_OPS 100000
#define S_MAX_ELEMENTS (64u << 20)

//  Field numbers of the schema's tables.
enum { S_MODEL_VERSION = 0, S_MODEL_CODES = 1, S_MODEL_SUBGRAPHS = 2, S_MODEL_BUFFERS = 4 };
enum { S_CODE_DEPRECATED = 0, S_CODE_BUILTIN = 3 };
enum { S_GRAPH_TENSORS = 0, S_GRAPH_INPUTS = 1, S_GRAPH_OUTPUTS = 2, S_GRAPH_OPS = 3 };
enum { S_TENSOR_SHAPE = 0, S_TENSOR_TYPE = 1, S_TENSOR_BUFFER = 2, S_TENSOR_NAME = 3 };
enum { S_OP_CODE = 0, S_OP_INPUTS = 1, S_OP_OUTPUTS = 2, S_OP_OPTIONS_TYPE = 3,
       S_OP_OPTIONS = 4 };
enum { S_BUFFER_DATA = 0 };
//  BuiltinOptions union members (1-based) and the options tables' fields.
enum { S_OPT_CONV = 1, S_OPT_DEPTHWISE = 2, S_OPT_FULLY_CONNECTED = 8, S_OPT_ADD = 11,
       S_OPT_L2NORM = 12, S_OPT_MUL = 21, S_OPT_SUB = 28 };

struct mt_tflite {
    mt_tfl_tensor_t *tensors;
    size_t tensor_count;
    mt_tfl_op_t *ops;
    size_t op_count;
    int input, output;
    void *constants;                //  one block: every constant, aligned
};

typedef struct {
    const uint8_t *b;
    size_t n;
    mt_err_t *err;
    bool bad;
} s_fb_t;

typedef struct {
    size_t pos, vt;
    uint16_t vt_size, size;
} s_table_t;

static bool
s_fail (s_fb_t *f, const char *what)
{
    if (!f->bad)
        mt_err_set (f->err, MT_EMODEL, "not a well-formed TensorFlow Lite model: %s", what);
    f->bad = true;
    return false;
}

static bool
s_in (const s_fb_t *f, size_t pos, size_t len)
{
    return pos <= f->n && len <= f->n - pos;
}

static uint32_t
s_u32 (const s_fb_t *f, size_t pos)
{
    const uint8_t *p = f->b + pos;
    return (uint32_t) p [0] | (uint32_t) p [1] << 8 | (uint32_t) p [2] << 16
         | (uint32_t) p [3] << 24;
}

static uint16_t
s_u16 (const s_fb_t *f, size_t pos)
{
    return (uint16_t) (f->b [pos] | f->b [pos + 1] << 8);
}

//  The table at pos.
static bool
s_table (s_fb_t *f, size_t pos, s_table_t *t, const char *what)
{
    if (!s_in (f, pos, 4))
        return s_fail (f, what);
    int64_t back = (int32_t) s_u32 (f, pos);
    int64_t vt = (int64_t) pos - back;
    if (vt < 0 || !s_in (f, (size_t) vt, 4))
        return s_fail (f, what);
    t->pos = pos;
    t->vt = (size_t) vt;
    t->vt_size = s_u16 (f, t->vt);
    t->size = s_u16 (f, t->vt + 2);
    if (t->vt_size < 4 || t->vt_size % 2 || !s_in (f, t->vt, t->vt_size)
    ||  t->size < 4 || !s_in (f, pos, t->size))
        return s_fail (f, what);
    return true;
}

//  Where field i lies in the table, 0 when absent; width bytes must fit.
static size_t
s_field (s_fb_t *f, const s_table_t *t, int i, size_t width)
{
    if ((size_t) (4 + 2 * i + 2) > t->vt_size)
        return 0;
    size_t off = s_u16 (f, t->vt + 4 + 2 * (size_t) i);
    if (off && (off < 4 || off > t->size || width > (size_t) t->size - off)) {
        s_fail (f, "a field lies outside its table");
        return 0;
    }
    return off;
}

static int64_t
s_scalar (s_fb_t *f, const s_table_t *t, int i, int width, bool is_signed, int64_t fallback)
{
    size_t off = s_field (f, t, i, (size_t) width);
    if (!off)
        return fallback;
    size_t at = t->pos + off;
    if (width == 1)
        return is_signed ? (int8_t) f->b [at] : f->b [at];
    if (width == 2)
        return is_signed ? (int16_t) s_u16 (f, at) : s_u16 (f, at);
    return is_signed ? (int32_t) s_u32 (f, at) : (int64_t) s_u32 (f, at);
}

//  Where a reference field points; false (not failed) when absent.
static bool
s_ref (s_fb_t *f, const s_table_t *t, int i, size_t *target)
{
    size_t off = s_field (f, t, i, 4);
    if (!off)
        return false;
    size_t at = t->pos + off;
    uint64_t to = (uint64_t) at + s_u32 (f, at);
    if (to >= f->n)
        return s_fail (f, "a reference points past the end of the file");
    *target = (size_t) to;
    return true;
}

//  A vector field of count elements of elem bytes from *start; absent: 0.
static bool
s_vector (s_fb_t *f, const s_table_t *t, int i, size_t elem, size_t *start, size_t *count)
{
    *start = 0;
    *count = 0;
    size_t at;
    if (!s_ref (f, t, i, &at))
        return !f->bad;
    if (!s_in (f, at, 4))
        return s_fail (f, "a vector's length lies past the end of the file");
    uint32_t n = s_u32 (f, at);
    if (!s_in (f, at + 4, (size_t) n * elem) || (elem && n > SIZE_MAX / elem))
        return s_fail (f, "a vector runs past the end of the file");
    *start = at + 4;
    *count = n;
    return true;
}

//  Element k of a vector of tables.
static bool
s_element (s_fb_t *f, size_t start, size_t k, s_table_t *t, const char *what)
{
    size_t at = start + 4 * k;
    uint64_t to = (uint64_t) at + s_u32 (f, at);
    if (to >= f->n)
        return s_fail (f, what);
    return s_table (f, (size_t) to, t, what);
}

static void
s_string (s_fb_t *f, const s_table_t *t, int i, char *buf, size_t size)
{
    size_t start, count;
    buf [0] = '\0';
    if (s_vector (f, t, i, 1, &start, &count) && start)
        snprintf (buf, size, "%.*s", (int) (count < size ? count : size - 1),
                  (const char *) f->b + start);
    for (char *c = buf; *c; c++)
        if ((unsigned char) *c < 32)
            *c = '?';
}

static int32_t
s_i32_at (const s_fb_t *f, size_t start, size_t k)
{
    return (int32_t) s_u32 (f, start + 4 * k);
}

//  A tensor: its shape, type, name and constant data (where from, for now).
static bool
s_tensor (s_fb_t *f, const s_table_t *t, size_t buffers, size_t buffer_count,
          mt_tfl_tensor_t *out, size_t *data_at, size_t *data_len)
{
    size_t start, dims;
    if (!s_vector (f, t, S_TENSOR_SHAPE, 4, &start, &dims))
        return false;
    if (dims > MT_TFL_MAX_DIMS)
        return s_fail (f, "a tensor has more than 6 dimensions");
    out->dims = (int) dims;
    out->count = 1;
    for (size_t d = 0; d < dims; d++) {
        int32_t v = s_i32_at (f, start, d);
        if (v < 1 || v > 1000000 || out->count > S_MAX_ELEMENTS / (size_t) v)
            return s_fail (f, "a tensor's shape is out of range");
        out->shape [d] = v;
        out->count *= (size_t) v;
    }
    out->type = (int) s_scalar (f, t, S_TENSOR_TYPE, 1, true, 0);
    s_string (f, t, S_TENSOR_NAME, out->name, sizeof out->name);
    int64_t buffer = s_scalar (f, t, S_TENSOR_BUFFER, 4, false, 0);
    *data_at = *data_len = 0;
    if (buffer > 0) {
        if ((uint64_t) buffer >= buffer_count)
            return s_fail (f, "a tensor names a buffer that does not exist");
        s_table_t b;
        if (!s_element (f, buffers, (size_t) buffer, &b, "a buffer table is corrupt")
        ||  !s_vector (f, &b, S_BUFFER_DATA, 1, data_at, data_len))
            return false;
    }
    if (*data_len && *data_len != out->count * 4)
        return s_fail (f, "a constant's data does not match its shape");
    if (*data_len && out->type != MT_TFL_FLOAT32 && out->type != MT_TFL_INT32)
        return s_fail (f, "a constant is neither float32 nor int32 (quantized models are not "
                          "supported)");
    return !f->bad;
}

//  An operator, its tensors checked against tensor_count.
static bool
s_op (s_fb_t *f, const s_table_t *t, const int *codes, size_t code_count, size_t tensor_count,
      mt_tfl_op_t *op)
{
    int64_t index = s_scalar (f, t, S_OP_CODE, 4, false, 0);
    if ((uint64_t) index >= code_count)
        return s_fail (f, "an operator names an operator code that does not exist");
    op->code = codes [index];
    size_t start, count;
    if (!s_vector (f, t, S_OP_INPUTS, 4, &start, &count))
        return false;
    if (count > MT_TFL_MAX_OP_INPUTS)
        return s_fail (f, "an operator has more than 4 inputs");
    op->input_count = (int) count;
    for (size_t k = 0; k < count; k++) {
        int32_t v = s_i32_at (f, start, k);
        if (v < -1 || v >= (int64_t) tensor_count)
            return s_fail (f, "an operator's input is not a tensor");
        op->inputs [k] = v;
    }
    if (!s_vector (f, t, S_OP_OUTPUTS, 4, &start, &count))
        return false;
    if (count != 1)
        return s_fail (f, "an operator does not have exactly one output");
    op->output_count = 1;
    op->output = s_i32_at (f, start, 0);
    if (op->output < 0 || op->output >= (int64_t) tensor_count)
        return s_fail (f, "an operator's output is not a tensor");

    op->stride_w = op->stride_h = op->dilation_w = op->dilation_h = op->depth_multiplier = 1;
    int64_t kind = s_scalar (f, t, S_OP_OPTIONS_TYPE, 1, false, 0);
    s_table_t o;
    size_t at;
    if (!s_ref (f, t, S_OP_OPTIONS, &at))
        return !f->bad;
    if (!s_table (f, at, &o, "an operator's options are corrupt"))
        return false;
    if (kind == S_OPT_CONV) {
        op->padding = (int) s_scalar (f, &o, 0, 1, true, 0);
        op->stride_w = (int) s_scalar (f, &o, 1, 4, true, 1);
        op->stride_h = (int) s_scalar (f, &o, 2, 4, true, 1);
        op->activation = (int) s_scalar (f, &o, 3, 1, true, 0);
        op->dilation_w = (int) s_scalar (f, &o, 4, 4, true, 1);
        op->dilation_h = (int) s_scalar (f, &o, 5, 4, true, 1);
    }
    else
    if (kind == S_OPT_DEPTHWISE) {
        op->padding = (int) s_scalar (f, &o, 0, 1, true, 0);
        op->stride_w = (int) s_scalar (f, &o, 1, 4, true, 1);
        op->stride_h = (int) s_scalar (f, &o, 2, 4, true, 1);
        op->depth_multiplier = (int) s_scalar (f, &o, 3, 4, true, 1);
        op->activation = (int) s_scalar (f, &o, 4, 1, true, 0);
        op->dilation_w = (int) s_scalar (f, &o, 5, 4, true, 1);
        op->dilation_h = (int) s_scalar (f, &o, 6, 4, true, 1);
    }
    else
    if (kind == S_OPT_FULLY_CONNECTED || kind == S_OPT_ADD || kind == S_OPT_L2NORM
    ||  kind == S_OPT_MUL || kind == S_OPT_SUB)
        op->activation = (int) s_scalar (f, &o, 0, 1, true, 0);
    return !f->bad;
}

static int
s_parse (s_fb_t *f, mt_tflite_t *self)
{
    if (f->n < 8 || memcmp (f->b + 4, "TFL3", 4) != 0)
        return mt_err_set (f->err, MT_EMODEL, "not a TensorFlow Lite model (no TFL3 mark)");
    s_table_t model, graph;
    if (!s_table (f, s_u32 (f, 0), &model, "the model table is corrupt"))
        return f->err->code;
    if (s_scalar (f, &model, S_MODEL_VERSION, 4, false, 0) != 3)
        return mt_err_set (f->err, MT_EMODEL, "TensorFlow Lite schema version %lld: only 3 is "
                           "read", (long long) s_scalar (f, &model, S_MODEL_VERSION, 4, false, 0));
    size_t codes_at, code_count, graphs_at, graph_count, buffers_at, buffer_count;
    if (!s_vector (f, &model, S_MODEL_CODES, 4, &codes_at, &code_count)
    ||  !s_vector (f, &model, S_MODEL_SUBGRAPHS, 4, &graphs_at, &graph_count)
    ||  !s_vector (f, &model, S_MODEL_BUFFERS, 4, &buffers_at, &buffer_count))
        return f->err->code;
    if (graph_count < 1 || code_count < 1)
        return mt_err_set (f->err, MT_EMODEL, "the model has no graph or no operator code");
    if (code_count > 1000)
        return s_fail (f, "too many operator codes"), f->err->code;
    int *codes = calloc (code_count, sizeof *codes);
    if (!codes)
        return mt_err_set (f->err, MT_ENOMEM, "out of memory");
    for (size_t k = 0; k < code_count && !f->bad; k++) {
        s_table_t c;
        if (s_element (f, codes_at, k, &c, "an operator code is corrupt")) {
            int64_t old = s_scalar (f, &c, S_CODE_DEPRECATED, 1, true, 0);
            int64_t now = s_scalar (f, &c, S_CODE_BUILTIN, 4, true, 0);
            codes [k] = (int) (now > old ? now : old);
        }
    }
    if (!f->bad)
        s_element (f, graphs_at, 0, &graph, "the main graph is corrupt");
    size_t tensors_at = 0, ops_at = 0, in_at = 0, out_at = 0, ins = 0, outs = 0;
    if (!f->bad && s_vector (f, &graph, S_GRAPH_TENSORS, 4, &tensors_at, &self->tensor_count)
    &&  s_vector (f, &graph, S_GRAPH_OPS, 4, &ops_at, &self->op_count)
    &&  s_vector (f, &graph, S_GRAPH_INPUTS, 4, &in_at, &ins)
    &&  s_vector (f, &graph, S_GRAPH_OUTPUTS, 4, &out_at, &outs)
    &&  (self->tensor_count > S_MAX_TENSORS || self->op_count > S_MAX_OPS || !ins || !outs))
        s_fail (f, "the graph has no input or output, or too many tensors or operators");
    if (!f->bad) {
        self->input = s_i32_at (f, in_at, 0);
        self->output = s_i32_at (f, out_at, 0);
        if (self->input < 0 || self->output < 0 || (size_t) self->input >= self->tensor_count
        ||  (size_t) self->output >= self->tensor_count)
            s_fail (f, "the graph's input or output is not a tensor");
    }
    self->tensors = f->bad ? NULL : calloc (self->tensor_count ? self->tensor_count : 1,
                                            sizeof *self->tensors);
    self->ops = f->bad ? NULL : calloc (self->op_count ? self->op_count : 1, sizeof *self->ops);
    size_t *data_at = f->bad ? NULL : calloc (self->tensor_count + 1, sizeof *data_at);
    size_t *data_len = f->bad ? NULL : calloc (self->tensor_count + 1, sizeof *data_len);
    if (!f->bad && (!self->tensors || !self->ops || !data_at || !data_len))
        mt_err_set (f->err, MT_ENOMEM, "out of memory"), f->bad = true;
    size_t total = 0;
    for (size_t k = 0; k < self->tensor_count && !f->bad; k++) {
        s_table_t t;
        if (s_element (f, tensors_at, k, &t, "a tensor is corrupt")
        &&  s_tensor (f, &t, buffers_at, buffer_count, &self->tensors [k], &data_at [k],
                      &data_len [k]))
            total += data_len [k];
    }
    for (size_t k = 0; k < self->op_count && !f->bad; k++) {
        s_table_t t;
        if (s_element (f, ops_at, k, &t, "an operator is corrupt"))
            s_op (f, &t, codes, code_count, self->tensor_count, &self->ops [k]);
    }
    //  The constants, copied into one aligned block.
    if (!f->bad && total) {
        self->constants = aligned_alloc (64, (total + 63) / 64 * 64);
        if (!self->constants)
            mt_err_set (f->err, MT_ENOMEM, "out of memory for %zu bytes of weights", total),
            f->bad = true;
        size_t at = 0;
        for (size_t k = 0; k < self->tensor_count && !f->bad; k++)
            if (data_len [k]) {
                memcpy ((uint8_t *) self->constants + at, f->b + data_at [k], data_len [k]);
                self->tensors [k].data = (uint8_t *) self->constants + at;
                at += data_len [k];
            }
    }
    free (codes), free (data_at), free (data_len);
    return f->bad ? f->err->code : MT_OK;
}

int
mt_tflite_read (const uint8_t *bytes, size_t size, mt_tflite_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (size > S_MAX_FILE)
        return mt_err_set (err, MT_EMODEL, "a model of %zu bytes is over the limit of %u",
                           size, S_MAX_FILE);
    mt_tflite_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    s_fb_t f = { .b = bytes, .n = size, .err = err };
    int rc = s_parse (&f, self);
    if (rc != MT_OK) {
        mt_tflite_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

int
mt_tflite_load (const char *path, mt_tflite_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    uint8_t *bytes;
    size_t size;
    int rc = mti_file_read (path, S_MAX_FILE, &bytes, &size, err);
    if (rc != MT_OK) {
        char why [sizeof err->msg];
        memcpy (why, err->msg, sizeof why);
        return mt_err_set (err, MT_EMODEL, "cannot read model '%s': %s (run "
                           "models/fetch-models.sh)", path, why);
    }
    rc = mt_tflite_read (bytes, size, self_p, err);
    free (bytes);
    if (rc != MT_OK)
        mt_err_wrap (err, rc, err, "%s", path);
    return rc;
}

void
mt_tflite_destroy (mt_tflite_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_tflite_t *self = *self_p;
    free (self->tensors);
    free (self->ops);
    free (self->constants);
    free (self);
    *self_p = NULL;
}

size_t
mt_tflite_tensor_count (const mt_tflite_t *self)
{
    return self->tensor_count;
}

const mt_tfl_tensor_t *
mt_tflite_tensor (const mt_tflite_t *self, size_t index)
{
    return index < self->tensor_count ? &self->tensors [index] : NULL;
}

size_t
mt_tflite_op_count (const mt_tflite_t *self)
{
    return self->op_count;
}

const mt_tfl_op_t *
mt_tflite_op (const mt_tflite_t *self, size_t index)
{
    return index < self->op_count ? &self->ops [index] : NULL;
}

int
mt_tflite_input (const mt_tflite_t *self)
{
    return self->input;
}

int
mt_tflite_output (const mt_tflite_t *self)
{
    return self->output;
}
