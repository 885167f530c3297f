//  mt_tfnet - a small CPU interpreter for float32 TensorFlow Lite graphs.

#include "face/mt_tfnet.h"

#include "face/mt_conv.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Most elements of one activation, or of a convolution's im2col buffer
//  (256 MB): a model asking for more is refused, not allocated.
#define S_MAX_ELEMENTS (64u << 20)

typedef struct {
    int dims;
    int shape [MT_TFL_MAX_DIMS];    //  batch dimension 1
    size_t count;
    const float *constant;          //  a float constant's values, else NULL
    bool known;                     //  shape known (input, constant, or computed)
    int slot;                       //  activation buffer, -1 for constants
    int last_use;                   //  last operator that reads it
} s_tensor_t;

typedef struct {
    float *data;
    size_t size;                    //  floats
    int owner;                      //  tensor held now, -1 free
} s_slot_t;

//  What runs: a model's operator, writing output; a convolution may have
//  the PReLU that followed it fused in (its slopes, one per channel, or
//  one for all).
typedef struct {
    const mt_tfl_op_t *op;
    int output;
    float *slope;
    size_t slope_count;
} s_step_t;

struct mt_tfnet {
    const mt_tflite_t *model;
    s_tensor_t *tensors;
    size_t tensor_count;
    s_slot_t *slots;
    int slot_count;
    s_step_t *steps;
    size_t step_count;
    float *scratch;                 //  im2col
    size_t scratch_size;
    int input, output;
};

static int
s_bad_op (mt_err_t *err, size_t k, const mt_tfl_op_t *op, const char *why)
{
    return mt_err_set (err, MT_EMODEL, "operator %zu (builtin %d): %s", k, op->code, why);
}

//  The size of a dimension, last first (0: last), 1 beyond the rank.
static int
s_dim_from_end (const s_tensor_t *t, int k)
{
    return k < t->dims ? t->shape [t->dims - 1 - k] : 1;
}

static void
s_set_shape (s_tensor_t *t, int dims, const int *shape)
{
    t->dims = dims;
    t->count = 1;
    for (int d = 0; d < dims; d++) {
        t->shape [d] = shape [d];
        t->count *= (size_t) shape [d];
    }
    t->known = true;
}

//  The output size of a convolution's axis, and its leading padding.
static int
s_conv_axis (int in, int kernel, int stride, int padding, int *pad_before)
{
    if (padding == 0) {         //  SAME
        int out = (in + stride - 1) / stride;
        int total = (out - 1) * stride + kernel - in;
        *pad_before = total > 0 ? total / 2 : 0;
        return out;
    }
    *pad_before = 0;
    return in >= kernel ? (in - kernel) / stride + 1 : 0;
}

//  Whether b can be applied to a element-wise: the same size, one value
//  per channel (the last dimension), or a single value.
static bool
s_broadcasts (const s_tensor_t *a, const s_tensor_t *b)
{
    return b->count == a->count || b->count == 1
        || (b->count == (size_t) s_dim_from_end (a, 0));
}

//  Infer one operator's output shape and check that it is supported.
static int
s_prepare_op (mt_tfnet_t *self, size_t k, const mt_tfl_op_t *op, mt_err_t *err)
{
    s_tensor_t *in [MT_TFL_MAX_OP_INPUTS] = { NULL };
    for (int i = 0; i < op->input_count; i++) {
        if (op->inputs [i] < 0)
            continue;
        in [i] = &self->tensors [op->inputs [i]];
        if (!in [i]->known)
            return s_bad_op (err, k, op, "an input is used before it is made");
        in [i]->last_use = (int) k;
    }
    s_tensor_t *out = &self->tensors [op->output];
    if (out->constant || out->known)
        return s_bad_op (err, k, op, "its output is a constant or made twice");
    if (op->activation != 0 && op->activation != 1 && op->activation != 3)
        return s_bad_op (err, k, op, "fused activation not supported");
    int shape [MT_TFL_MAX_DIMS];
    switch (op->code) {
        case MT_TFL_CONV_2D:
        case MT_TFL_DEPTHWISE_CONV_2D: {
            bool depthwise = op->code == MT_TFL_DEPTHWISE_CONV_2D;
            if (op->input_count < 2 || !in [0] || !in [1] || in [0]->dims != 4
            ||  in [0]->constant || !in [1]->constant || in [1]->dims != 4)
                return s_bad_op (err, k, op, "needs an NHWC input and constant filters");
            int h = in [0]->shape [1], w = in [0]->shape [2], c = in [0]->shape [3];
            int o = depthwise ? in [1]->shape [3] : in [1]->shape [0];
            int kh = in [1]->shape [1], kw = in [1]->shape [2];
            if ((depthwise ? (in [1]->shape [0] != 1 || o != c) : in [1]->shape [3] != c)
            ||  op->dilation_w != 1 || op->dilation_h != 1 || op->depth_multiplier != 1)
                return s_bad_op (err, k, op, "filters do not fit the input (or a dilation or "
                                 "depth multiplier other than 1)");
            if (op->stride_w < 1 || op->stride_h < 1 || op->stride_w > 16 || op->stride_h > 16)
                return s_bad_op (err, k, op, "stride out of range");
            if (op->input_count > 2 && in [2] && (!in [2]->constant || in [2]->count != (size_t) o))
                return s_bad_op (err, k, op, "bias does not fit");
            int pt, pl;
            int oh = s_conv_axis (h, kh, op->stride_h, op->padding, &pt);
            int ow = s_conv_axis (w, kw, op->stride_w, op->padding, &pl);
            if (oh < 1 || ow < 1)
                return s_bad_op (err, k, op, "the kernel is larger than its input");
            shape [0] = 1, shape [1] = oh, shape [2] = ow, shape [3] = o;
            s_set_shape (out, 4, shape);
            size_t cols = (size_t) oh * ow * kh * kw * c;
            if (!depthwise && cols > S_MAX_ELEMENTS)
                return s_bad_op (err, k, op, "the convolution needs too much memory");
            if (!depthwise && cols > self->scratch_size)
                self->scratch_size = cols;
            break;
        }
        case MT_TFL_ADD:
        case MT_TFL_SUB:
        case MT_TFL_MUL: {
            if (op->input_count != 2 || !in [0] || !in [1])
                return s_bad_op (err, k, op, "needs two inputs");
            //  The larger operand gives the shape; the other broadcasts.
            const s_tensor_t *big = in [0]->count >= in [1]->count ? in [0] : in [1];
            const s_tensor_t *small = big == in [0] ? in [1] : in [0];
            if (!s_broadcasts (big, small) || big->constant)
                return s_bad_op (err, k, op, "operands do not broadcast");
            s_set_shape (out, big->dims, big->shape);
            break;
        }
        case MT_TFL_RELU:
        case MT_TFL_ABS:
        case MT_TFL_L2_NORMALIZATION:
            if (op->input_count != 1 || !in [0] || in [0]->constant)
                return s_bad_op (err, k, op, "needs one input");
            s_set_shape (out, in [0]->dims, in [0]->shape);
            break;
        case MT_TFL_PRELU:
            if (op->input_count != 2 || !in [0] || !in [1] || !in [1]->constant
            ||  !s_broadcasts (in [0], in [1]))
                return s_bad_op (err, k, op, "needs an input and constant slopes that fit");
            s_set_shape (out, in [0]->dims, in [0]->shape);
            break;
        case MT_TFL_RESHAPE: {
            const mt_tfl_tensor_t *stated = mt_tflite_tensor (self->model, (size_t) op->output);
            if (!in [0] || stated->dims < 1)
                return s_bad_op (err, k, op, "needs an input and a stated shape");
            for (int d = 0; d < stated->dims; d++)
                shape [d] = d == 0 ? 1 : stated->shape [d];
            s_set_shape (out, stated->dims, shape);
            if (out->count != in [0]->count)
                return s_bad_op (err, k, op, "the shape does not keep the size");
            break;
        }
        case MT_TFL_FULLY_CONNECTED: {
            if (op->input_count < 2 || !in [0] || !in [1] || !in [1]->constant
            ||  in [1]->dims != 2 || (size_t) in [1]->shape [1] != in [0]->count)
                return s_bad_op (err, k, op, "weights do not fit the input");
            if (op->input_count > 2 && in [2]
            &&  (!in [2]->constant || in [2]->count != (size_t) in [1]->shape [0]))
                return s_bad_op (err, k, op, "bias does not fit");
            shape [0] = 1, shape [1] = in [1]->shape [0];
            s_set_shape (out, 2, shape);
            break;
        }
        default:
            return s_bad_op (err, k, op, "operator not supported");
    }
    if (out->count > S_MAX_ELEMENTS)
        return s_bad_op (err, k, op, "the output is too large");
    //  The model's own shape, batch aside, must agree.
    const mt_tfl_tensor_t *stated = mt_tflite_tensor (self->model, (size_t) op->output);
    size_t count = 1;
    for (int d = 1; d < stated->dims; d++)
        count *= (size_t) stated->shape [d];
    if (stated->dims >= 2 && count != out->count)
        return s_bad_op (err, k, op, "the output's size differs from the model's");
    return MT_OK;
}

//  Whether tensor t is read by none but operators first..last.
static bool
s_read_only_within (const mt_tfnet_t *self, int t, size_t last)
{
    return t != self->output && self->tensors [t].last_use <= (int) last;
}

//  The slopes of a PReLU applied to x, the output of operator k, by the
//  operators after it, if they are one: a PRELU operator with slopes per
//  channel (or one), or the five operators a converter writes it as,
//  relu(x) + c * (x - abs(x)) (in any order the data allows; with
//  abs(x) - x, the slope's sign turns). Gives the slopes (new) and how
//  many operators after k they replace; 0 when they are no PReLU of x.
static size_t
s_prelu_after (const mt_tfnet_t *self, size_t k, float **slope_p, size_t *count_p)
{
    size_t ops = mt_tflite_op_count (self->model);
    int x = mt_tflite_op (self->model, k)->output;
    size_t channels = (size_t) s_dim_from_end (&self->tensors [x], 0);
    const float *c = NULL;
    size_t c_count = 0, used = 0;
    float scale = 1;
    const mt_tfl_op_t *next = k + 1 < ops ? mt_tflite_op (self->model, k + 1) : NULL;
    if (next && next->code == MT_TFL_PRELU && next->inputs [0] == x) {
        c = self->tensors [next->inputs [1]].constant;
        c_count = self->tensors [next->inputs [1]].count;
        used = 1;
    }
    else
    if (k + 5 < ops) {
        const mt_tfl_op_t *by [128] = { NULL };
        for (size_t j = k + 1; j <= k + 5; j++) {
            const mt_tfl_op_t *op = mt_tflite_op (self->model, j);
            if (op->code < 0 || op->code >= 128 || by [op->code] || op->activation != 0)
                return 0;
            by [op->code] = op;
        }
        const mt_tfl_op_t *relu = by [MT_TFL_RELU], *abs = by [MT_TFL_ABS];
        const mt_tfl_op_t *sub = by [MT_TFL_SUB], *mul = by [MT_TFL_MUL], *add = by [MT_TFL_ADD];
        if (!relu || !abs || !sub || !mul || !add
        ||  relu->inputs [0] != x || abs->inputs [0] != x)
            return 0;
        if (sub->inputs [0] == x && sub->inputs [1] == abs->output)
            scale = 2;              //  x - |x| = 2x below zero
        else
        if (sub->inputs [0] == abs->output && sub->inputs [1] == x)
            scale = -2;
        else
            return 0;
        int other = mul->inputs [0] == sub->output ? mul->inputs [1]
                  : mul->inputs [1] == sub->output ? mul->inputs [0] : -1;
        if (other < 0 || !self->tensors [other].constant
        ||  !((add->inputs [0] == relu->output && add->inputs [1] == mul->output)
           || (add->inputs [1] == relu->output && add->inputs [0] == mul->output)))
            return 0;
        const int inner [] = { relu->output, abs->output, sub->output, mul->output };
        for (size_t i = 0; i < 4; i++)
            if (!s_read_only_within (self, inner [i], k + 5))
                return 0;
        c = self->tensors [other].constant;
        c_count = self->tensors [other].count;
        used = 5;
    }
    if (!used || (c_count != 1 && c_count != channels) || !s_read_only_within (self, x, k + used))
        return 0;
    float *slope = malloc (c_count * sizeof *slope);
    if (!slope)
        return 0;                   //  unfused, as the model says
    for (size_t i = 0; i < c_count; i++)
        slope [i] = scale * c [i];
    *slope_p = slope;
    *count_p = c_count;
    return used;
}

//  The steps to run: the operators, with each PReLU that follows a
//  convolution fused into it; then when each tensor is last read.
static int
s_plan_steps (mt_tfnet_t *self, mt_err_t *err)
{
    size_t ops = mt_tflite_op_count (self->model);
    self->steps = calloc (ops ? ops : 1, sizeof *self->steps);
    if (!self->steps)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t k = 0; k < ops; k++) {
        const mt_tfl_op_t *op = mt_tflite_op (self->model, k);
        s_step_t *step = &self->steps [self->step_count++];
        step->op = op;
        step->output = op->output;
        if ((op->code == MT_TFL_CONV_2D || op->code == MT_TFL_DEPTHWISE_CONV_2D)
        &&  op->activation == 0) {
            size_t used = s_prelu_after (self, k, &step->slope, &step->slope_count);
            if (used) {
                step->output = mt_tflite_op (self->model, k + used)->output;
                k += used;
            }
        }
    }
    for (size_t t = 0; t < self->tensor_count; t++)
        self->tensors [t].last_use = -1;
    for (size_t i = 0; i < self->step_count; i++) {
        const mt_tfl_op_t *op = self->steps [i].op;
        for (int j = 0; j < op->input_count; j++)
            if (op->inputs [j] >= 0)
                self->tensors [op->inputs [j]].last_use = (int) i;
    }
    return MT_OK;
}

//  Give every activation a buffer, reused once its last reader has run.
static int
s_plan_slots (mt_tfnet_t *self, mt_err_t *err)
{
    size_t steps = self->step_count;
    self->slots = calloc (steps + 1, sizeof *self->slots);
    if (!self->slots)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->tensors [self->output].last_use = INT_MAX;
    for (size_t k = 0; k <= steps; k++) {
        int t = k == 0 ? self->input : self->steps [k - 1].output;
        int at = (int) k - 1;       //  the step that makes t
        //  A slot is free once its tensor's last reader ran before this
        //  operator; take the smallest that is large enough, else the largest.
        size_t need = self->tensors [t].count;
        int best = -1;
        for (int s = 0; s < self->slot_count; s++) {
            int owner = self->slots [s].owner;
            if (owner >= 0 && self->tensors [owner].last_use >= at)
                continue;
            size_t size = self->slots [s].size, held = best >= 0 ? self->slots [best].size : 0;
            bool fits = size >= need, best_fits = best >= 0 && held >= need;
            if (best < 0 || (fits && (!best_fits || size < held)) || (!fits && !best_fits
                                                                      && size > held))
                best = s;
        }
        if (best < 0)
            best = self->slot_count++;
        s_slot_t *slot = &self->slots [best];
        slot->owner = t;
        if (self->tensors [t].count > slot->size)
            slot->size = self->tensors [t].count;
        self->tensors [t].slot = best;
    }
    for (int s = 0; s < self->slot_count; s++) {
        size_t bytes = MT_TFNET_BATCH * self->slots [s].size * sizeof (float);
        self->slots [s].data = aligned_alloc (64, (bytes + 63) / 64 * 64);
        if (!self->slots [s].data)
            return mt_err_set (err, MT_ENOMEM, "out of memory for activations");
    }
    if (self->scratch_size) {
        size_t bytes = MT_TFNET_BATCH * self->scratch_size * sizeof (float);
        self->scratch = aligned_alloc (64, (bytes + 63) / 64 * 64);
        if (!self->scratch)
            return mt_err_set (err, MT_ENOMEM, "out of memory for convolutions");
    }
    return MT_OK;
}

int
mt_tfnet_new (const mt_tflite_t *model, mt_tfnet_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_tfnet_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->model = model;
    self->tensor_count = mt_tflite_tensor_count (model);
    self->tensors = calloc (self->tensor_count ? self->tensor_count : 1, sizeof *self->tensors);
    self->input = mt_tflite_input (model);
    self->output = mt_tflite_output (model);
    int rc = self->tensors ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MT_OK && i < self->tensor_count; i++) {
        const mt_tfl_tensor_t *m = mt_tflite_tensor (model, i);
        s_tensor_t *t = &self->tensors [i];
        t->slot = -1;
        t->last_use = -1;
        if (m->data && m->type == MT_TFL_FLOAT32) {
            s_set_shape (t, m->dims, m->shape);
            t->constant = m->data;
        }
        else
        if (m->data)
            t->known = true;        //  an int32 constant (a reshape's shape): not read
    }
    const mt_tfl_tensor_t *input = rc == MT_OK ? mt_tflite_tensor (model, (size_t) self->input)
                                               : NULL;
    if (input && (input->dims != 4 || input->type != MT_TFL_FLOAT32 || input->data))
        rc = mt_err_set (err, MT_EMODEL, "the model's input is not a float32 NHWC image");
    if (rc == MT_OK) {
        int shape [4] = { 1, input->shape [1], input->shape [2], input->shape [3] };
        s_set_shape (&self->tensors [self->input], 4, shape);
    }
    for (size_t k = 0; rc == MT_OK && k < mt_tflite_op_count (model); k++)
        rc = s_prepare_op (self, k, mt_tflite_op (model, k), err);
    if (rc == MT_OK && (!self->tensors [self->output].known
                        || self->tensors [self->output].constant))
        rc = mt_err_set (err, MT_EMODEL, "the model's output is never made");
    if (rc == MT_OK)
        rc = s_plan_steps (self, err);
    if (rc == MT_OK)
        rc = s_plan_slots (self, err);
    if (rc != MT_OK) {
        mt_tfnet_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_tfnet_destroy (mt_tfnet_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_tfnet_t *self = *self_p;
    for (int s = 0; self->slots && s < self->slot_count; s++)
        free (self->slots [s].data);
    free (self->slots);
    for (size_t i = 0; self->steps && i < self->step_count; i++)
        free (self->steps [i].slope);
    free (self->steps);
    free (self->scratch);
    free (self->tensors);
    free (self);
    *self_p = NULL;
}

size_t
mt_tfnet_input_size (const mt_tfnet_t *self)
{
    return self->tensors [self->input].count;
}

size_t
mt_tfnet_output_size (const mt_tfnet_t *self)
{
    return self->tensors [self->output].count;
}

const int *
mt_tfnet_input_shape (const mt_tfnet_t *self, int *dims_p)
{
    *dims_p = self->tensors [self->input].dims;
    return self->tensors [self->input].shape;
}

//  ---------------------------------------------------------------- kernels

//  Tensor t's values for one image of a batch (a constant's are the same
//  for all): a slot holds the batch's images one after the other.
static const float *
s_read (const mt_tfnet_t *self, int t, int image)
{
    const s_tensor_t *tensor = &self->tensors [t];
    return tensor->constant ? tensor->constant
                            : self->slots [tensor->slot].data + (size_t) image * tensor->count;
}

static void
s_activate (float *y, size_t n, int activation)
{
    if (activation == 1)
        for (size_t i = 0; i < n; i++)
            y [i] = y [i] > 0 ? y [i] : 0;
    else
    if (activation == 3)
        for (size_t i = 0; i < n; i++)
            y [i] = y [i] < 0 ? 0 : y [i] > 6 ? 6 : y [i];
}

//  The shape of convolution op (a model's operator; checked when prepared).
static mt_conv_shape_t
s_conv_shape (const mt_tfnet_t *self, const mt_tfl_op_t *op)
{
    const s_tensor_t *xi = &self->tensors [op->inputs [0]], *wi = &self->tensors [op->inputs [1]];
    bool depthwise = op->code == MT_TFL_DEPTHWISE_CONV_2D;
    mt_conv_shape_t s = {
        .h = xi->shape [1], .w = xi->shape [2], .c = xi->shape [3],
        .o = depthwise ? wi->shape [3] : wi->shape [0], .kh = wi->shape [1], .kw = wi->shape [2],
        .stride_h = op->stride_h, .stride_w = op->stride_w
    };
    s.oh = s_conv_axis (s.h, s.kh, s.stride_h, op->padding, &s.pad_top);
    s.ow = s_conv_axis (s.w, s.kw, s.stride_w, op->padding, &s.pad_left);
    return s;
}

//  A convolution (plain or depthwise) of all the batch's images at once,
//  its bias, and the fused PReLU or activation.
static void
s_conv (mt_tfnet_t *self, const s_step_t *step, int images, float *y)
{
    const mt_tfl_op_t *op = step->op;
    const float *x = s_read (self, op->inputs [0], 0);
    const float *w = self->tensors [op->inputs [1]].constant;
    const float *bias = op->input_count > 2 && op->inputs [2] >= 0
                      ? self->tensors [op->inputs [2]].constant : NULL;
    mt_conv_shape_t s = s_conv_shape (self, op);
    s.images = images;
    size_t pixels = (size_t) images * s.oh * s.ow;
    if (op->code == MT_TFL_DEPTHWISE_CONV_2D)
        mt_conv_depthwise (&s, x, w, bias, step->slope, step->slope_count, y);
    else {
        mt_conv_run (&s, x, w, self->scratch, y);
        mt_conv_finish (y, pixels, (size_t) s.o, bias, step->slope, step->slope_count);
    }
    if (!step->slope)
        s_activate (y, pixels * s.o, op->activation);
}

static void
s_elementwise (mt_tfnet_t *self, const mt_tfl_op_t *op, int image, float *y)
{
    const s_tensor_t *t0 = &self->tensors [op->inputs [0]], *t1 = &self->tensors [op->inputs [1]];
    bool swap = t1->count > t0->count;
    const s_tensor_t *big = swap ? t1 : t0, *small = swap ? t0 : t1;
    const float *a = s_read (self, swap ? op->inputs [1] : op->inputs [0], image);
    const float *b = s_read (self, swap ? op->inputs [0] : op->inputs [1], image);
    size_t n = big->count, period = small->count;
    //  SUB is not symmetric: with the operands swapped, negate.
    float sign = op->code == MT_TFL_SUB && swap ? -1.f : 1.f;
    //  b repeats every period values (the whole, a channel's, or one).
    for (size_t s = 0; s < n; s += period) {
        const float *restrict as = a + s;
        float *restrict ys = y + s;
        for (size_t i = 0; i < period; i++) {
            float bv = period == 1 ? b [0] : b [i];
            float v = op->code == MT_TFL_ADD ? as [i] + bv
                    : op->code == MT_TFL_MUL ? as [i] * bv : as [i] - bv;
            ys [i] = sign * v;
        }
    }
    s_activate (y, n, op->activation);
}

static void
s_unary (mt_tfnet_t *self, const mt_tfl_op_t *op, int image, float *y)
{
    const s_tensor_t *ti = &self->tensors [op->inputs [0]];
    const float *x = s_read (self, op->inputs [0], image);
    size_t n = ti->count;
    if (op->code == MT_TFL_RELU)
        for (size_t i = 0; i < n; i++)
            y [i] = x [i] > 0 ? x [i] : 0;
    else
    if (op->code == MT_TFL_ABS)
        for (size_t i = 0; i < n; i++)
            y [i] = fabsf (x [i]);
    else
    if (op->code == MT_TFL_RESHAPE)
        memmove (y, x, n * sizeof *y);
    else {                          //  L2 normalisation over the last dimension
        size_t len = (size_t) s_dim_from_end (ti, 0);
        for (size_t s = 0; s < n; s += len) {
            double sum = 0;
            for (size_t i = 0; i < len; i++)
                sum += (double) x [s + i] * x [s + i];
            float scale = (float) (1 / sqrt (sum > 1e-12 ? sum : 1e-12));
            for (size_t i = 0; i < len; i++)
                y [s + i] = x [s + i] * scale;
        }
    }
}

static void
s_prelu (mt_tfnet_t *self, const mt_tfl_op_t *op, int image, float *y)
{
    const s_tensor_t *ti = &self->tensors [op->inputs [0]], *ai = &self->tensors [op->inputs [1]];
    const float *x = s_read (self, op->inputs [0], image), *alpha = ai->constant;
    size_t n = ti->count, period = ai->count;
    for (size_t s = 0; s < n; s += period)
        for (size_t i = 0; i < period; i++) {
            float slope = alpha [period == 1 ? 0 : i];
            y [s + i] = x [s + i] > 0 ? x [s + i] : slope * x [s + i];
        }
}

static void
s_fully_connected (mt_tfnet_t *self, const mt_tfl_op_t *op, int image, float *y)
{
    const s_tensor_t *wi = &self->tensors [op->inputs [1]];
    const float *x = s_read (self, op->inputs [0], image), *w = wi->constant;
    const float *bias = op->input_count > 2 && op->inputs [2] >= 0
                      ? self->tensors [op->inputs [2]].constant : NULL;
    int o = wi->shape [0], k = wi->shape [1];
    cblas_sgemv (CblasRowMajor, CblasNoTrans, o, k, 1, w, k, x, 1, 0, y, 1);
    for (int j = 0; bias && j < o; j++)
        y [j] += bias [j];
    s_activate (y, (size_t) o, op->activation);
}

int
mt_tfnet_run_batch (mt_tfnet_t *self, const float *inputs, int count, float *outputs,
                    mt_err_t *err)
{
    if (count < 1 || count > MT_TFNET_BATCH)
        return mt_err_set (err, MT_EINVAL, "%d inputs in one run (1 to %d)", count,
                           MT_TFNET_BATCH);
    s_tensor_t *in = &self->tensors [self->input];
    memcpy (self->slots [in->slot].data, inputs, (size_t) count * in->count * sizeof (float));
    for (size_t k = 0; k < self->step_count; k++) {
        const s_step_t *step = &self->steps [k];
        const mt_tfl_op_t *op = step->op;
        const s_tensor_t *out = &self->tensors [step->output];
        float *y = self->slots [out->slot].data;
        if (op->code == MT_TFL_CONV_2D || op->code == MT_TFL_DEPTHWISE_CONV_2D) {
            s_conv (self, step, count, y);
            continue;
        }
        for (int image = 0; image < count; image++) {
            float *y_image = y + (size_t) image * out->count;
            switch (op->code) {
                case MT_TFL_ADD:
                case MT_TFL_SUB:
                case MT_TFL_MUL: s_elementwise (self, op, image, y_image); break;
                case MT_TFL_PRELU: s_prelu (self, op, image, y_image); break;
                case MT_TFL_FULLY_CONNECTED: s_fully_connected (self, op, image, y_image); break;
                default: s_unary (self, op, image, y_image); break;
            }
        }
    }
    memcpy (outputs, s_read (self, self->output, 0),
            (size_t) count * mt_tfnet_output_size (self) * sizeof (float));
    return MT_OK;
}

int
mt_tfnet_run (mt_tfnet_t *self, const float *input, float *output, mt_err_t *err)
{
    return mt_tfnet_run_batch (self, input, 1, output, err);
}
