//  mt_resnet - dlib's face recognition ResNet on mt_conv's kernels.

#include "face/mt_resnet.h"

#include "face/mt_conv.h"
#include "face/mt_winograd.h"

#include <cblas.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

//  The residual blocks, input side first: filters, and whether the block
//  halves the resolution.
static const struct {
    int filters;
    bool down;
} s_blocks [] = {
    { 32, false }, { 32, false }, { 32, false },
    { 64, true }, { 64, false }, { 64, false }, { 64, false },
    { 128, true }, { 128, false }, { 128, false },
    { 256, true }, { 256, false }, { 256, false },
    { 256, true }
};
#define S_BLOCKS ((int) (sizeof s_blocks / sizeof s_blocks [0]))

//  dlib's input_rgb_image: each channel's mean, and the scale.
static const float s_mean [3] = { 122.782f, 117.001f, 104.298f };

typedef struct {
    mt_conv_shape_t shape;
    float *weights, *bias;          //  weights NULL where winograd holds them
    float *winograd;                //  the filters transformed, where Winograd's pays
} s_conv_t;

typedef struct {
    s_conv_t a, b;                  //  a's output is ReLU'd; b's is added to the shortcut
    int skip_h, skip_w, skip_c;     //  the shortcut: the input, or its 2x2 average
    int out_h, out_w, out_c;        //  the larger of b's output and the shortcut
} s_block_t;

struct mt_resnet {
    int side;
    s_conv_t first;
    int pool_h, pool_w;             //  after the max pooling
    s_block_t blocks [S_BLOCKS];
    float *fc;
    int fc_in, fc_out;
    float *input, *now, *a, *b, *skip, *scratch;
};

//  dlib's output size of a window of size k stepping stride over in
//  values padded with pad on each side.
static int
s_out (int in, int k, int stride, int pad)
{
    return in + 2 * pad >= k ? (in + 2 * pad - k) / stride + 1 : 0;
}

//  Winograd's F(2x2, 3x3) takes 16 products for each 2x2 outputs of a
//  channel where the convolution takes 36; below 8x8 outputs the blocks
//  past the edge (a 3x3 output is four blocks, 16 values) waste the gain.
static bool
s_winograd_pays (const mt_conv_shape_t *shape)
{
    return mt_winograd_fits (shape) && shape->oh >= 8 && shape->ow >= 8;
}

//  A convolution of spec on an h x w input: dlib pads a stride of 1 with
//  half the kernel and a larger stride not at all.
static int
s_conv_new (s_conv_t *conv, const mt_resnet_conv_t *spec, int h, int w, mt_err_t *err)
{
    int pad = spec->stride == 1 ? spec->size / 2 : 0;
    conv->shape = (mt_conv_shape_t) {
        .images = MT_RESNET_BATCH, .h = h, .w = w, .c = spec->in,
        .o = spec->filters, .kh = spec->size, .kw = spec->size,
        .stride_h = spec->stride, .stride_w = spec->stride, .pad_top = pad, .pad_left = pad,
        .oh = s_out (h, spec->size, spec->stride, pad),
        .ow = s_out (w, spec->size, spec->stride, pad)
    };
    if (conv->shape.oh < 1 || conv->shape.ow < 1)
        return mt_err_set (err, MT_EMODEL, "a %dx%d convolution does not fit its %dx%d input",
                           spec->size, spec->size, h, w);
    size_t count = (size_t) spec->filters * spec->size * spec->size * spec->in;
    conv->weights = malloc (count * sizeof (float));
    conv->bias = malloc ((size_t) spec->filters * sizeof (float));
    if (!conv->weights || !conv->bias)
        return mt_err_set (err, MT_ENOMEM, "out of memory for the network");
    memcpy (conv->weights, spec->weights, count * sizeof (float));
    memcpy (conv->bias, spec->bias, (size_t) spec->filters * sizeof (float));
    if (s_winograd_pays (&conv->shape)) {
        conv->winograd = malloc (mt_winograd_filters_size (&conv->shape) * sizeof (float));
        if (!conv->winograd)
            return mt_err_set (err, MT_ENOMEM, "out of memory for the network");
        mt_winograd_filters (&conv->shape, conv->weights, conv->winograd);
        free (conv->weights);           //  runs from the transformed ones alone
        conv->weights = NULL;
    }
    return MT_OK;
}

//  The scratch conv needs, either way it runs.
static size_t
s_conv_scratch (const s_conv_t *conv)
{
    return conv->winograd ? mt_winograd_scratch (&conv->shape) : mt_conv_scratch (&conv->shape);
}

static bool
s_is (const mt_resnet_conv_t *spec, int filters, int in, int size, int stride)
{
    return spec->filters == filters && spec->in == in && spec->size == size
        && spec->stride == stride && spec->weights && spec->bias;
}

//  Plan every layer's shape; size the buffers (largest activation, and
//  the largest convolution's scratch).
static int
s_plan (mt_resnet_t *self, const mt_resnet_conv_t *convs, mt_err_t *err)
{
    if (!s_is (&convs [0], 32, 3, 7, 2))
        return mt_err_set (err, MT_EMODEL, "the network's first layer is not dlib's 7x7 "
                           "convolution of 32 filters");
    int rc = s_conv_new (&self->first, &convs [0], self->side, self->side, err);
    if (rc != MT_OK)
        return rc;
    self->pool_h = s_out (self->first.shape.oh, 3, 2, 0);
    self->pool_w = s_out (self->first.shape.ow, 3, 2, 0);
    int h = self->pool_h, w = self->pool_w, c = 32;
    for (int i = 0; rc == MT_OK && i < S_BLOCKS; i++) {
        s_block_t *block = &self->blocks [i];
        int f = s_blocks [i].filters, stride = s_blocks [i].down ? 2 : 1;
        const mt_resnet_conv_t *a = &convs [1 + 2 * i], *b = &convs [2 + 2 * i];
        if (!s_is (a, f, c, 3, stride) || !s_is (b, f, f, 3, 1))
            return mt_err_set (err, MT_EMODEL, "the network's residual block %d is not dlib's "
                               "(%d filters, stride %d)", i + 1, f, stride);
        rc = s_conv_new (&block->a, a, h, w, err);
        if (rc == MT_OK)
            rc = s_conv_new (&block->b, b, block->a.shape.oh, block->a.shape.ow, err);
        if (rc != MT_OK)
            return rc;
        block->skip_h = s_blocks [i].down ? s_out (h, 2, 2, 0) : h;
        block->skip_w = s_blocks [i].down ? s_out (w, 2, 2, 0) : w;
        block->skip_c = c;
        block->out_h = h = block->b.shape.oh > block->skip_h ? block->b.shape.oh : block->skip_h;
        block->out_w = w = block->b.shape.ow > block->skip_w ? block->b.shape.ow : block->skip_w;
        block->out_c = c = f > c ? f : c;
        if (h < 1 || w < 1)
            return mt_err_set (err, MT_EMODEL, "the chip is too small for the network");
    }
    if (self->fc_in != c)
        return mt_err_set (err, MT_EMODEL, "the network's last layer takes %d values, not %d",
                           self->fc_in, c);
    return MT_OK;
}

static int
s_buffers (mt_resnet_t *self, mt_err_t *err)
{
    size_t most = (size_t) self->first.shape.oh * self->first.shape.ow * self->first.shape.o;
    size_t scratch = s_conv_scratch (&self->first);
    //  (Every shape holds MT_RESNET_BATCH images.)
    for (int i = 0; i < S_BLOCKS; i++) {
        const s_block_t *block = &self->blocks [i];
        size_t sizes [] = {
            (size_t) block->a.shape.oh * block->a.shape.ow * block->a.shape.o,
            (size_t) block->skip_h * block->skip_w * block->skip_c,
            (size_t) block->out_h * block->out_w * block->out_c
        };
        for (size_t k = 0; k < 3; k++)
            most = sizes [k] > most ? sizes [k] : most;
        size_t need [] = { s_conv_scratch (&block->a), s_conv_scratch (&block->b) };
        for (size_t k = 0; k < 2; k++)
            scratch = need [k] > scratch ? need [k] : scratch;
    }
    self->input = malloc ((size_t) MT_RESNET_BATCH * self->side * self->side * 3
                          * sizeof (float));
    float **buffers [] = { &self->now, &self->a, &self->b, &self->skip };
    for (size_t k = 0; k < 4; k++)
        *buffers [k] = malloc ((size_t) MT_RESNET_BATCH * most * sizeof (float));
    self->scratch = malloc ((scratch ? scratch : 1) * sizeof (float));
    if (!self->input || !self->now || !self->a || !self->b || !self->skip || !self->scratch)
        return mt_err_set (err, MT_ENOMEM, "out of memory for the network's activations");
    return MT_OK;
}

int
mt_resnet_new (int side, const mt_resnet_conv_t *convs, size_t count, const float *fc,
               int fc_in, int fc_out, mt_resnet_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (count != MT_RESNET_CONVS || side < 32 || side > 4096 || !fc || fc_out < 1)
        return mt_err_set (err, MT_EMODEL, "the network has %zu convolutions, not dlib's %d",
                           count, MT_RESNET_CONVS);
    mt_resnet_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory for the network");
    self->side = side;
    self->fc_in = fc_in;
    self->fc_out = fc_out;
    int rc = s_plan (self, convs, err);
    if (rc == MT_OK) {
        self->fc = malloc ((size_t) fc_in * fc_out * sizeof (float));
        rc = self->fc ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory for the network");
    }
    if (rc == MT_OK) {
        memcpy (self->fc, fc, (size_t) fc_in * fc_out * sizeof (float));
        rc = s_buffers (self, err);
    }
    if (rc != MT_OK) {
        mt_resnet_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

static void
s_conv_free (s_conv_t *conv)
{
    free (conv->weights);
    free (conv->bias);
    free (conv->winograd);
}

void
mt_resnet_destroy (mt_resnet_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_resnet_t *self = *self_p;
    s_conv_free (&self->first);
    for (int i = 0; i < S_BLOCKS; i++) {
        s_conv_free (&self->blocks [i].a);
        s_conv_free (&self->blocks [i].b);
    }
    free (self->fc);
    free (self->input);
    free (self->now), free (self->a), free (self->b), free (self->skip);
    free (self->scratch);
    free (self);
    *self_p = NULL;
}

//  A convolution of count images, its bias, and ReLU when relu.
static void
s_conv (mt_resnet_t *self, const s_conv_t *conv, int count, const float *x, float *y, bool relu)
{
    static const float zero = 0;
    mt_conv_shape_t shape = conv->shape;
    shape.images = count;
    if (conv->winograd)
        mt_winograd_run (&shape, x, conv->winograd, self->scratch, y);
    else
        mt_conv_run (&shape, x, conv->weights, self->scratch, y);
    mt_conv_finish (y, (size_t) count * shape.oh * shape.ow, (size_t) shape.o, conv->bias,
                    relu ? &zero : NULL, 1);
}

//  Max (or mean, when mean) over windows of k x k stepping stride, no
//  padding: count images of h x w x c into oh x ow x c.
static void
s_pool (const float *x, int count, int h, int w, int c, int k, int stride, bool mean, float *y,
        int oh, int ow)
{
    for (int image = 0; image < count; image++) {
        const float *from = x + (size_t) image * h * w * c;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float *out = y + (((size_t) image * oh + oy) * ow + ox) * c;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        const float *in = from + ((size_t) (oy * stride + ky) * w
                                                  + ox * stride + kx) * c;
                        bool first = ky == 0 && kx == 0;
                        for (int j = 0; j < c; j++)
                            out [j] = first ? in [j] : mean ? out [j] + in [j]
                                    : in [j] > out [j] ? in [j] : out [j];
                    }
                for (int j = 0; mean && j < c; j++)
                    out [j] /= (float) (k * k);
            }
    }
}

//  y = ReLU (b + skip) for one image, each read as 0 outside its own shape
//  (dlib's add_prev of tensors of different shapes).
static void
s_add (const s_block_t *block, const float *b, const float *skip, float *y)
{
    int bh = block->b.shape.oh, bw = block->b.shape.ow, bc = block->b.shape.o;
    for (int oy = 0; oy < block->out_h; oy++)
        for (int ox = 0; ox < block->out_w; ox++) {
            float *out = y + ((size_t) oy * block->out_w + ox) * block->out_c;
            const float *from_b = oy < bh && ox < bw ? b + ((size_t) oy * bw + ox) * bc : NULL;
            const float *from_skip = oy < block->skip_h && ox < block->skip_w
                                   ? skip + ((size_t) oy * block->skip_w + ox) * block->skip_c
                                   : NULL;
            for (int j = 0; j < block->out_c; j++) {
                float v = (from_b && j < bc ? from_b [j] : 0)
                        + (from_skip && j < block->skip_c ? from_skip [j] : 0);
                out [j] = v > 0 ? v : 0;
            }
        }
}

//  One residual block on count images in self->now; its output replaces
//  them.
static void
s_block (mt_resnet_t *self, int i, int count)
{
    const s_block_t *block = &self->blocks [i];
    const mt_conv_shape_t *in = &block->a.shape;
    s_conv (self, &block->a, count, self->now, self->a, true);
    s_conv (self, &block->b, count, self->a, self->b, false);
    const float *skip = self->now;
    if (s_blocks [i].down) {
        s_pool (self->now, count, in->h, in->w, block->skip_c, 2, 2, true, self->skip,
                block->skip_h, block->skip_w);
        skip = self->skip;
    }
    size_t b_size = (size_t) block->b.shape.oh * block->b.shape.ow * block->b.shape.o;
    size_t skip_size = (size_t) block->skip_h * block->skip_w * block->skip_c;
    size_t out_size = (size_t) block->out_h * block->out_w * block->out_c;
    for (int image = 0; image < count; image++)
        s_add (block, self->b + image * b_size, skip + image * skip_size,
               self->a + image * out_size);
    float *swap = self->now;
    self->now = self->a;
    self->a = swap;
}

void
mt_resnet_run (mt_resnet_t *self, const uint8_t *chips_rgb, int count, float *out)
{
    count = count < 1 ? 1 : count > MT_RESNET_BATCH ? MT_RESNET_BATCH : count;
    size_t values = (size_t) count * self->side * self->side * 3;
    for (size_t v = 0; v < values; v++)
        self->input [v] = (chips_rgb [v] - s_mean [v % 3]) / 256.0f;
    const mt_conv_shape_t *first = &self->first.shape;
    s_conv (self, &self->first, count, self->input, self->a, true);
    s_pool (self->a, count, first->oh, first->ow, first->o, 3, 2, false, self->now,
            self->pool_h, self->pool_w);
    for (int i = 0; i < S_BLOCKS; i++)
        s_block (self, i, count);
    //  Per image the mean over the image, then the fully connected layer
    //  (out = mean x fc, fc [in][out]).
    const s_block_t *last = &self->blocks [S_BLOCKS - 1];
    size_t cells = (size_t) last->out_h * last->out_w;
    float *mean = self->b;
    for (int image = 0; image < count; image++) {
        const float *now = self->now + (size_t) image * cells * self->fc_in;
        for (int j = 0; j < self->fc_in; j++) {
            float sum = 0;
            for (size_t p = 0; p < cells; p++)
                sum += now [p * self->fc_in + j];
            mean [image * self->fc_in + j] = sum / (float) cells;
        }
    }
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, count, self->fc_out, self->fc_in, 1,
                 mean, self->fc_in, self->fc, self->fc_out, 0, out, self->fc_out);
}
