//  mt_embedder - the only file that includes dlib/dnn.h (it costs ~50 s to
//  compile). Wraps dlib's face recognition ResNet behind the C API of
//  mt_embedder.h; no exception leaves this file.

#include "face/mt_embedder.h"
#include "face/mt_resnet.h"

#include <dlib/dnn.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace {

//  The network exactly as in dlib's examples/dnn_face_recognition_ex.cpp,
//  which is what dlib_face_recognition_resnet_model_v1 was trained as.
template <template <int, template <typename> class, int, typename> class block,
          int N, template <typename> class BN, typename SUBNET>
using residual = dlib::add_prev1<block<N, BN, 1, dlib::tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block,
          int N, template <typename> class BN, typename SUBNET>
using residual_down = dlib::add_prev2<dlib::avg_pool<
    2, 2, 2, 2, dlib::skip1<dlib::tag2<block<N, BN, 2, dlib::tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<dlib::con<N, 3, 3, 1, 1,
                 dlib::relu<BN<dlib::con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET>
using ares = dlib::relu<residual<block, N, dlib::affine, SUBNET>>;
template <int N, typename SUBNET>
using ares_down = dlib::relu<residual_down<block, N, dlib::affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET>
using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET>
using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET>
using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET>
using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = dlib::loss_metric<dlib::fc_no_bias<
    128,
    dlib::avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
        dlib::max_pool<3, 3, 2, 2,
                       dlib::relu<dlib::affine<dlib::con<
                           32, 7, 7, 2, 2,
                           dlib::input_rgb_image_sized<MT_CHIP_SIZE>>>>>>>>>>>>>;

//  A computational layer seen by the converter, in network order.
struct layer_ref {
    enum kind_t { CON, AFFINE, FC } kind;
    dlib::tensor *params;       //  con_ and fc_: their parameter tensor
    dlib::affine_ *affine;      //  affine_: the layer itself
    long filters, rows, cols;   //  con_ geometry; fc_: filters = outputs
    int stride;                 //  con_: its stride (the same both ways here)
};

struct collect_layers {
    std::vector<layer_ref> *out;

    template <long N, long R, long C, int SY, int SX, int PY, int PX>
    void operator() (dlib::con_<N, R, C, SY, SX, PY, PX> &l)
    {
        out->push_back ({layer_ref::CON, &l.get_layer_params (), nullptr, N, R, C, SY});
    }
    void operator() (dlib::affine_ &l)
    {
        out->push_back ({layer_ref::AFFINE, nullptr, &l, 0, 0, 0, 0});
    }
    template <unsigned long N, dlib::fc_bias_mode B>
    void operator() (dlib::fc_<N, B> &l)
    {
        out->push_back ({layer_ref::FC, &l.get_layer_params (), nullptr, (long) N, 1, 1, 0});
    }
};

struct set_conv_mode {
    void operator() (dlib::affine_ &l) { l = dlib::affine_ (dlib::CONV_MODE); }
};

void
s_chip_to_matrix (const uint8_t *rgb, dlib::matrix<dlib::rgb_pixel> &m)
{
    m.set_size (MT_CHIP_SIZE, MT_CHIP_SIZE);
    for (long r = 0; r < MT_CHIP_SIZE; r++)
        for (long c = 0; c < MT_CHIP_SIZE; c++) {
            const uint8_t *p = rgb + (r * MT_CHIP_SIZE + c) * 3;
            m (r, c) = dlib::rgb_pixel (p [0], p [1], p [2]);
        }
}

int
s_check_shape (const mt_tensor_t *t, size_t rank, const size_t *shape, mt_err_t *err)
{
    bool ok = t->rank == rank;
    for (size_t i = 0; ok && i < rank; i++)
        ok = t->shape [i] == shape [i];
    if (!ok)
        return mt_err_set (err, MT_EMODEL,
                           "weight tensor '%s' has rank %zu and %zu values, "
                           "not the shape the network needs", t->name, t->rank, t->count);
    return MT_OK;
}

int
s_fill (anet_type &net, const mt_tensor_t *tensors, size_t count, mt_err_t *err)
{
    std::vector<layer_ref> layers;
    dlib::visit_computational_layers (net, collect_layers {&layers});
    //  dlib visits from the output back to the input; the weights come
    //  input first.
    std::reverse (layers.begin (), layers.end ());

    size_t next = 0;
    long in_channels = 3;
    for (const layer_ref &l : layers) {
        if (l.kind == layer_ref::CON) {
            if (next + 2 > count)
                return mt_err_set (err, MT_EMODEL, "too few weight tensors (%zu)", count);
            const mt_tensor_t *w = &tensors [next++], *b = &tensors [next++];
            size_t O = (size_t) l.filters, I = (size_t) in_channels;
            size_t H = (size_t) l.rows, W = (size_t) l.cols;
            size_t wshape [4] = {H, W, I, O}, bshape [1] = {O};
            int rc = s_check_shape (w, 4, wshape, err);
            if (rc == MT_OK)
                rc = s_check_shape (b, 1, bshape, err);
            if (rc != MT_OK)
                return rc;
            if (l.params->size () != O * I * H * W + O)
                return mt_err_set (err, MT_EINTERNAL, "layer for '%s' has %zu parameters",
                                   w->name, (size_t) l.params->size ());
            //  face-api keeps filters as [h][w][in][out]; dlib as [out][in][h][w].
            float *d = l.params->host ();
            for (size_t o = 0; o < O; o++)
                for (size_t i = 0; i < I; i++)
                    for (size_t y = 0; y < H; y++)
                        for (size_t x = 0; x < W; x++)
                            d [((o * I + i) * H + y) * W + x]
                                = w->values [((y * W + x) * I + i) * O + o];
            std::memcpy (d + O * I * H * W, b->values, O * sizeof (float));
            in_channels = l.filters;
        }
        else
        if (l.kind == layer_ref::AFFINE) {
            if (next + 2 > count)
                return mt_err_set (err, MT_EMODEL, "too few weight tensors (%zu)", count);
            const mt_tensor_t *g = &tensors [next++], *b = &tensors [next++];
            size_t shape [1] = {(size_t) in_channels};
            int rc = s_check_shape (g, 1, shape, err);
            if (rc == MT_OK)
                rc = s_check_shape (b, 1, shape, err);
            if (rc != MT_OK)
                return rc;
            auto gamma = l.affine->get_gamma ();
            auto beta = l.affine->get_beta ();
            if (gamma.size () != (size_t) in_channels || beta.size () != (size_t) in_channels)
                return mt_err_set (err, MT_EINTERNAL, "affine layer for '%s' is not in conv mode",
                                   g->name);
            std::memcpy (gamma.host (), g->values, g->count * sizeof (float));
            std::memcpy (beta.host (), b->values, b->count * sizeof (float));
        }
        else {
            if (next + 1 > count)
                return mt_err_set (err, MT_EMODEL, "too few weight tensors (%zu)", count);
            const mt_tensor_t *w = &tensors [next++];
            size_t shape [2] = {(size_t) in_channels, (size_t) l.filters};
            int rc = s_check_shape (w, 2, shape, err);
            if (rc != MT_OK)
                return rc;
            if (l.params->size () != w->count)
                return mt_err_set (err, MT_EINTERNAL, "fc layer has %zu parameters",
                                   (size_t) l.params->size ());
            //  Both store the fc matrix as [in][out].
            std::memcpy (l.params->host (), w->values, w->count * sizeof (float));
        }
    }
    if (next != count)
        return mt_err_set (err, MT_EMODEL, "%zu weight tensors left over after filling the "
                           "network (%zu used)", count - next, next);
    return MT_OK;
}

//  The loaded network's weights for mt_resnet: each convolution's filters
//  from dlib's [out][in][h][w] to [out][h][w][in], with the affine layer
//  that follows it folded in (gamma times the filters and the bias, plus
//  beta); the fully connected layer as it is ([in][out]).
int
s_fast (anet_type &net, mt_resnet_t **fast_p, mt_err_t *err)
{
    std::vector<layer_ref> layers;
    dlib::visit_computational_layers (net, collect_layers {&layers});
    std::reverse (layers.begin (), layers.end ());
    std::vector<std::vector<float>> weights, biases;
    std::vector<mt_resnet_conv_t> convs;
    const float *fc = nullptr;
    long in = 3, fc_in = 0, fc_out = 0;
    for (size_t i = 0; i < layers.size (); i++) {
        const layer_ref &l = layers [i];
        if (l.kind == layer_ref::FC) {
            fc = l.params->host ();
            fc_in = in, fc_out = l.filters;
            continue;
        }
        if (l.kind != layer_ref::CON)
            continue;
        if (i + 1 >= layers.size () || layers [i + 1].kind != layer_ref::AFFINE)
            return mt_err_set (err, MT_EMODEL, "a convolution of the network has no affine "
                               "layer after it");
        long O = l.filters, H = l.rows, W = l.cols;
        auto gamma = layers [i + 1].affine->get_gamma ();
        auto beta = layers [i + 1].affine->get_beta ();
        if ((long) gamma.size () != O || (long) beta.size () != O
        ||  (long) l.params->size () != O * in * H * W + O)
            return mt_err_set (err, MT_EMODEL, "a layer of the network is not the shape its "
                               "architecture says");
        const float *d = l.params->host (), *g = gamma.host (), *b = beta.host ();
        std::vector<float> w ((size_t) (O * H * W * in)), bias ((size_t) O);
        for (long o = 0; o < O; o++) {
            for (long c = 0; c < in; c++)
                for (long y = 0; y < H; y++)
                    for (long x = 0; x < W; x++)
                        w [(size_t) (((o * H + y) * W + x) * in + c)]
                            = g [o] * d [((o * in + c) * H + y) * W + x];
            bias [(size_t) o] = g [o] * d [O * in * H * W + o] + b [o];
        }
        weights.push_back (std::move (w));
        biases.push_back (std::move (bias));
        convs.push_back ({(int) O, (int) in, (int) H, l.stride, nullptr, nullptr});
        in = O;
    }
    for (size_t i = 0; i < convs.size (); i++)
        convs [i].weights = weights [i].data (), convs [i].bias = biases [i].data ();
    return mt_resnet_new (MT_CHIP_SIZE, convs.data (), convs.size (), fc, (int) fc_in,
                         (int) fc_out, fast_p, err);
}

}   // namespace

struct mt_embedder {
    std::unique_ptr<anet_type> net;     //  dlib's own, kept for the reference pass
    dlib::matrix<dlib::rgb_pixel> chip;
    mt_resnet_t *fast = nullptr;        //  the same network on mt_conv's kernels

    ~mt_embedder () { mt_resnet_destroy (&fast); }
};

static int
s_new (const char *net_path, bool reference, mt_embedder_t **self_p, mt_err_t *err)
{
    *self_p = nullptr;
    FILE *probe = std::fopen (net_path, "rb");
    if (!probe)
        return mt_err_set (err, MT_EMODEL, "cannot open recognition model '%s': %s "
                           "(run models/fetch-models.sh)", net_path, std::strerror (errno));
    std::fclose (probe);

    mt_embedder_t *self = new (std::nothrow) mt_embedder_t;
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory loading '%s'", net_path);
    try {
        std::unique_ptr<anet_type> net (new anet_type);
        dlib::deserialize (net_path) >> *net;
        int rc = s_fast (*net, &self->fast, err);
        if (rc != MT_OK) {
            delete self;
            return rc;
        }
        if (reference)
            self->net = std::move (net);
    }
    catch (const std::exception &e) {
        delete self;
        return mt_err_set (err, MT_EMODEL, "recognition model '%s' is corrupt or not the "
                           "expected network: %s", net_path, e.what ());
    }
    *self_p = self;
    return MT_OK;
}

extern "C" int
mt_embedder_new (const char *net_path, mt_embedder_t **self_p, mt_err_t *err)
{
    return s_new (net_path, false, self_p, err);
}

extern "C" int
mt_embedder_new_reference (const char *net_path, mt_embedder_t **self_p, mt_err_t *err)
{
    return s_new (net_path, true, self_p, err);
}

extern "C" void
mt_embedder_destroy (mt_embedder_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

extern "C" int
mt_embedder_compute_batch (mt_embedder_t *self, const uint8_t *chips_rgb, size_t count,
                           float *out, mt_err_t *err)
{
    if (count < 1 || count > MT_EMBEDDER_BATCH)
        return mt_err_set (err, MT_EINVAL, "%zu chips in one pass (1 to %d)", count,
                           MT_EMBEDDER_BATCH);
    mt_resnet_run (self->fast, chips_rgb, (int) count, out);
    for (size_t i = 0; i < count * MT_EMBEDDING_DIM; i++)
        if (!std::isfinite (out [i]))
            return mt_err_set (err, MT_EMODEL, "network returned a non-finite value");
    return MT_OK;
}

extern "C" int
mt_embedder_compute (mt_embedder_t *self, const uint8_t *chip_rgb, float *out, mt_err_t *err)
{
    return mt_embedder_compute_batch (self, chip_rgb, 1, out, err);
}

extern "C" int
mt_embedder_reference_forward (mt_embedder_t *self, const uint8_t *chips, size_t count,
                               float *out, mt_err_t *err)
{
    if (!self->net)
        return mt_err_set (err, MT_EINVAL, "no reference network kept (make the embedder with "
                           "mt_embedder_new_reference)");
    try {
        std::vector<dlib::matrix<dlib::rgb_pixel>> batch (count);
        for (size_t i = 0; i < count; i++)
            s_chip_to_matrix (chips + i * MT_CHIP_BYTES, batch [i]);
        std::vector<dlib::matrix<float, 0, 1>> d = (*self->net) (batch);
        if (d.size () != count)
            return mt_err_set (err, MT_EINTERNAL, "short batch output");
        for (size_t i = 0; out && i < count; i++)
            for (long k = 0; k < MT_EMBEDDING_DIM && k < d [i].size (); k++)
                out [i * MT_EMBEDDING_DIM + (size_t) k] = d [i] (k);
        return MT_OK;
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "forward pass failed: %s", e.what ());
    }
}

extern "C" float
mt_embedding_distance (const float *a, const float *b)
{
    float sum = 0;
    for (int i = 0; i < MT_EMBEDDING_DIM; i++) {
        float d = a [i] - b [i];
        sum += d * d;
    }
    return std::sqrt (sum);
}

extern "C" int
mt_embedder_build (const mt_tensor_t *tensors, size_t count, const char *out_path,
                   mt_err_t *err)
{
    try {
        anet_type net;
        dlib::visit_computational_layers (net, set_conv_mode ());
        //  Parameters exist only once a forward pass has sized the layers.
        dlib::matrix<dlib::rgb_pixel> dummy (MT_CHIP_SIZE, MT_CHIP_SIZE);
        dummy = dlib::rgb_pixel (0, 0, 0);
        net (dummy);
        int rc = s_fill (net, tensors, count, err);
        if (rc != MT_OK)
            return rc;
        net.clean ();
        dlib::serialize (out_path) << net;
        return MT_OK;
    }
    catch (const std::bad_alloc &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory building the network");
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EIO, "cannot build '%s': %s", out_path, e.what ());
    }
}
