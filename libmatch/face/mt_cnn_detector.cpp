//  mt_cnn_detector - the RFB-320 face detector (ONNX) behind a C API. The
//  one file that uses OpenCV's DNN module.
//
//  The ONNX graph (faceplugin-face-recognition-js's fr_detect.onnx, like
//  upstream's version-RFB-320.onnx) already decodes its regressions against
//  the priors: "boxes" are corners (x1, y1, x2, y2) as fractions of the
//  input, "scores" are (background, face) probabilities. The priors are
//  counted here to check that a model file is the network this code reads.

#include "face/mt_cnn_detector.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

const int s_input_w = 320, s_input_h = 240;
//  Overlap (intersection over union) above which the weaker box is dropped.
const float s_nms_iou = 0.3f;

struct s_candidate {
    float prob;
    cv::Rect2f box;             //  in the network's input pixels
};

}   // namespace

struct mt_cnn_detector {
    cv::dnn::Net net;
    size_t priors;
};

extern "C" size_t
mt_cnn_detector_priors (int width, int height)
{
    static const int steps [4] = { 8, 16, 32, 64 };
    static const int sizes [4] = { 3, 2, 2, 3 };     //  min sizes per feature map
    size_t n = 0;
    for (int k = 0; k < 4; k++)
        n += (size_t) std::ceil ((double) width / steps [k])
           * (size_t) std::ceil ((double) height / steps [k]) * sizes [k];
    return n;
}

//  One pass of the network on an RGB image already fitted into the input.
static void
s_forward (mt_cnn_detector_t *self, const cv::Mat &input, cv::Mat &scores, cv::Mat &boxes)
{
    //  fr_detect.js: RGB, (v - 127) / 128, NCHW.
    cv::Mat blob = cv::dnn::blobFromImage (input, 1 / 128.0, cv::Size (s_input_w, s_input_h),
                                           cv::Scalar (127, 127, 127), false, false);
    self->net.setInput (blob, "input");
    std::vector<cv::Mat> outs;
    self->net.forward (outs, std::vector<cv::String> { "scores", "boxes" });
    scores = outs [0];
    boxes = outs [1];
}

static bool
s_shape_is (const cv::Mat &m, size_t priors, int last)
{
    return m.dims == 3 && m.size [0] == 1 && (size_t) m.size [1] == priors
        && m.size [2] == last && m.type () == CV_32F;
}

extern "C" int
mt_cnn_detector_new (const char *path, mt_cnn_detector_t **self_p, mt_err_t *err)
{
    *self_p = nullptr;
    struct stat st;
    if (!path || stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        return mt_err_set (err, MT_EMODEL, "no face detector model at %s: "
                           "models/fetch-models.sh fetches it", path ? path : "(none)");
    mt_cnn_detector_t *self = nullptr;
    try {
        self = new mt_cnn_detector_t;
        self->net = cv::dnn::readNetFromONNX (path);
        if (self->net.empty ())
            throw std::runtime_error ("no network in the file");
        self->net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
        self->net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
        self->priors = mt_cnn_detector_priors (s_input_w, s_input_h);
        cv::Mat gray (s_input_h, s_input_w, CV_8UC3, cv::Scalar (127, 127, 127));
        cv::Mat scores, boxes;
        s_forward (self, gray, scores, boxes);
        if (!s_shape_is (scores, self->priors, 2) || !s_shape_is (boxes, self->priors, 4)) {
            size_t priors = self->priors;
            delete self;
            return mt_err_set (err, MT_EMODEL, "%s is not an RFB-320 face detector "
                               "(expected scores 1x%zux2 and boxes 1x%zux4)", path,
                               priors, priors);
        }
        *self_p = self;
        return MT_OK;
    }
    catch (const std::bad_alloc &) {
        delete self;
        return mt_err_set (err, MT_ENOMEM, "out of memory loading %s", path);
    }
    catch (const cv::Exception &e) {
        delete self;
        //  OpenCV's what() spans lines; its short message is enough.
        return mt_err_set (err, MT_EMODEL, "cannot load the face detector %s (corrupt?): %s",
                           path, e.err.c_str ());
    }
    catch (const std::exception &e) {
        delete self;
        return mt_err_set (err, MT_EMODEL, "cannot load the face detector %s: %s", path,
                           e.what ());
    }
}

extern "C" void
mt_cnn_detector_destroy (mt_cnn_detector_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

static float
s_iou (const cv::Rect2f &a, const cv::Rect2f &b)
{
    float inter = (a & b).area ();
    float uni = a.area () + b.area () - inter;
    return uni > 0 ? inter / uni : 0;
}

extern "C" int
mt_cnn_detector_find (mt_cnn_detector_t *self, const mt_image_t *image, double min_prob,
                      mt_detection_t **found_p, size_t *count_p, mt_err_t *err)
{
    *found_p = nullptr;
    *count_p = 0;
    try {
        int w = mt_image_width (image), h = mt_image_height (image);
        cv::Mat rgb (h, w, CV_8UC3, (void *) mt_image_pixels (image), mt_image_stride (image));
        //  Fit the whole photo into the input keeping its shape (the rest is
        //  the network's zero, 127): a stretched small photo makes faces
        //  larger than the largest prior (256), and none is found. A photo
        //  smaller than the input with no face found is tried once more at
        //  half that size, centred: a face that fills a thumbnail (ORL's
        //  92x112) is found more often with room around it.
        double fit = std::min ((double) s_input_w / w, (double) s_input_h / h);
        double scale = fit, ox = 0, oy = 0;
        std::vector<s_candidate> cands;
        for (int pass = 0; pass < 2 && cands.empty (); pass++) {
            if (pass == 1) {
                if (fit <= 1)
                    break;
                scale = fit / 2;
            }
            int sw = std::max (1, (int) std::lround (w * scale));
            int sh = std::max (1, (int) std::lround (h * scale));
            ox = pass == 0 ? 0 : (s_input_w - sw) / 2;
            oy = pass == 0 ? 0 : (s_input_h - sh) / 2;
            cv::Mat input (s_input_h, s_input_w, CV_8UC3, cv::Scalar (127, 127, 127));
            cv::resize (rgb, input (cv::Rect ((int) ox, (int) oy, sw, sh)), cv::Size (sw, sh),
                        0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
            cv::Mat scores, boxes;
            s_forward (self, input, scores, boxes);

            const float *p = (const float *) scores.data, *b = (const float *) boxes.data;
            for (size_t i = 0; i < self->priors; i++) {
                if (p [2 * i + 1] < min_prob)
                    continue;
                float x1 = b [4 * i] * s_input_w, y1 = b [4 * i + 1] * s_input_h;
                float x2 = b [4 * i + 2] * s_input_w, y2 = b [4 * i + 3] * s_input_h;
                if (x2 > x1 && y2 > y1)
                    cands.push_back ({ p [2 * i + 1], cv::Rect2f (x1, y1, x2 - x1, y2 - y1) });
            }
        }
        std::stable_sort (cands.begin (), cands.end (),
                          [] (const s_candidate &a, const s_candidate &c) {
                              return a.prob > c.prob;
                          });
        std::vector<s_candidate> kept;
        for (const s_candidate &c : cands) {
            bool overlaps = false;
            for (const s_candidate &k : kept)
                if (s_iou (c.box, k.box) > s_nms_iou) {
                    overlaps = true;
                    break;
                }
            if (!overlaps)
                kept.push_back (c);
        }
        if (kept.empty ())
            return MT_OK;
        mt_detection_t *found = (mt_detection_t *) std::calloc (kept.size (), sizeof *found);
        if (!found)
            return mt_err_set (err, MT_ENOMEM, "out of memory for %zu faces", kept.size ());
        for (size_t i = 0; i < kept.size (); i++) {
            const cv::Rect2f &r = kept [i].box;
            //  Back to the photo's pixels, clipped to it.
            double x1 = std::max (0.0, (r.x - ox) / scale);
            double y1 = std::max (0.0, (r.y - oy) / scale);
            double x2 = std::min ((double) w, (r.x + r.width - ox) / scale);
            double y2 = std::min ((double) h, (r.y + r.height - oy) / scale);
            found [i].box = { (int) std::lround (x1), (int) std::lround (y1),
                              (int) std::lround (x2 - x1), (int) std::lround (y2 - y1) };
            found [i].score = kept [i].prob - MT_CNN_DETECTOR_THRESHOLD;
            found [i].pose = MT_POSE_FRONT;
        }
        *found_p = found;
        *count_p = kept.size ();
        return MT_OK;
    }
    catch (const std::bad_alloc &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory detecting faces");
    }
    catch (const cv::Exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "CNN face detection failed: %s", e.err.c_str ());
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "CNN face detection failed: %s", e.what ());
    }
}
