//  mt_image - the only file that uses OpenCV's C++ API: decoding (with EXIF
//  orientation), scaling, sharpness and JPEG encoding. No exception leaves
//  this file.

#include "face/mt_image.h"

#include "base/mti_file.h"

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

struct mt_image {
    cv::Mat rgb;            //  CV_8UC3, R,G,B order
    mt_format format;
};

namespace {

//  OpenCV's exception text spans lines ("OpenCV(4.6.0) file:line: error: ...");
//  keep the part after the last ": " of the first line.
void
s_opencv_message (const cv::Exception &e, char *out, size_t size)
{
    std::string text = e.err.empty () ? e.what () : e.err;
    std::snprintf (out, size, "%s", text.c_str ());
    char *newline = std::strchr (out, '\n');
    if (newline)
        *newline = '\0';
}

int
s_wrap (cv::Mat &&rgb, mt_format format, mt_image_t **self_p, mt_err_t *err)
{
    mt_image_t *self = new (std::nothrow) mt_image_t;
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->rgb = std::move (rgb);
    self->format = format;
    *self_p = self;
    return MT_OK;
}

}   // namespace

extern "C" void
mt_image_set_threads (int threads)
{
    cv::setNumThreads (threads <= 1 ? 0 : threads);
}

extern "C" int
mt_image_decode (const void *bytes, size_t size, const mt_image_limits_t *limits,
                 mt_image_t **self_p, mt_err_t *err)
{
    *self_p = nullptr;
    mt_format format;
    uint32_t width, height;
    int rc = mt_image_probe (bytes, size, limits, &format, &width, &height, err);
    if (rc != MT_OK)
        return rc;
    if (size > INT_MAX)
        return mt_err_set (err, MT_ETOOBIG, "the image has %zu bytes", size);
    try {
        const cv::Mat buffer (1, (int) size, CV_8U, const_cast<void *> (bytes));
        //  IMREAD_COLOR gives 8-bit BGR for grey, alpha and 16-bit input and
        //  applies the EXIF orientation.
        cv::Mat bgr = cv::imdecode (buffer, cv::IMREAD_COLOR);
        if (bgr.empty ())
            return mt_err_set (err, MT_EDECODE, "the %s (%ux%u) could not be decoded: its "
                               "data is corrupt or truncated", mt_format_name (format),
                               width, height);
        cv::Mat rgb;
        cv::cvtColor (bgr, rgb, cv::COLOR_BGR2RGB);
        return s_wrap (std::move (rgb), format, self_p, err);
    }
    catch (const cv::Exception &e) {
        char text [160];
        s_opencv_message (e, text, sizeof text);
        return mt_err_set (err, MT_EDECODE, "the %s could not be decoded: %s",
                           mt_format_name (format), text);
    }
    catch (const std::bad_alloc &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory decoding a %ux%u %s", width, height,
                           mt_format_name (format));
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EDECODE, "the %s could not be decoded: %s",
                           mt_format_name (format), e.what ());
    }
}

extern "C" int
mt_image_load (const char *path, const mt_image_limits_t *limits, mt_image_t **self_p,
               mt_err_t *err)
{
    *self_p = nullptr;
    mt_image_limits_t lim = limits ? *limits : mt_image_default_limits ();
    uint8_t *bytes;
    size_t size;
    int rc = mti_file_read (path, lim.max_bytes, &bytes, &size, err);
    if (rc != MT_OK)
        return rc;
    rc = mt_image_decode (bytes, size, &lim, self_p, err);
    std::free (bytes);
    return rc;
}

extern "C" int
mt_image_from_rgb (const uint8_t *rgb, int width, int height, size_t stride,
                   mt_image_t **self_p, mt_err_t *err)
{
    *self_p = nullptr;
    if (width <= 0 || height <= 0 || stride < (size_t) width * 3)
        return mt_err_set (err, MT_EINVAL, "bad image geometry %dx%d stride %zu",
                           width, height, stride);
    try {
        cv::Mat view (height, width, CV_8UC3, const_cast<uint8_t *> (rgb), stride);
        return s_wrap (view.clone (), MT_FORMAT_UNKNOWN, self_p, err);
    }
    catch (const std::exception &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory for a %dx%d image", width, height);
    }
}

extern "C" int
mt_image_resized (const mt_image_t *self, int width, int height, mt_image_t **out_p,
                  mt_err_t *err)
{
    *out_p = nullptr;
    if (width < 1 || height < 1 || (double) width * height > 4e8)
        return mt_err_set (err, MT_EINVAL, "cannot resize a %dx%d image to %dx%d",
                           self->rgb.cols, self->rgb.rows, width, height);
    try {
        cv::Mat resized;
        bool shrink = (double) width * height < (double) self->rgb.cols * self->rgb.rows;
        cv::resize (self->rgb, resized, cv::Size (width, height), 0, 0,
                    shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        return s_wrap (std::move (resized), self->format, out_p, err);
    }
    catch (const std::exception &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory resizing to %dx%d", width, height);
    }
}

extern "C" int
mt_image_scaled (const mt_image_t *self, double factor, mt_image_t **out_p, mt_err_t *err)
{
    if (!(factor > 0) || factor > 1e4) {
        *out_p = nullptr;
        return mt_err_set (err, MT_EINVAL, "cannot scale by %g", factor);
    }
    return mt_image_resized (self, (int) (self->rgb.cols * factor + 0.5),
                             (int) (self->rgb.rows * factor + 0.5), out_p, err);
}

extern "C" int
mt_image_warp (const mt_image_t *self, const double m [6], int width, int height,
               uint8_t *out, mt_err_t *err)
{
    if (width < 1 || height < 1 || width > 4096 || height > 4096)
        return mt_err_set (err, MT_EINVAL, "cannot warp to %dx%d", width, height);
    for (int i = 0; i < 6; i++)
        if (!std::isfinite (m [i]))
            return mt_err_set (err, MT_EINVAL, "the warp's map is not finite");
    try {
        cv::Mat map = (cv::Mat_<double> (2, 3) << m [0], m [1], m [2], m [3], m [4], m [5]);
        cv::Mat dest (height, width, CV_8UC3, out, (size_t) width * 3);
        cv::warpAffine (self->rgb, dest, map, dest.size (), cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT, cv::Scalar (0, 0, 0));
        return MT_OK;
    }
    catch (const std::exception &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory warping to %dx%d", width, height);
    }
}

extern "C" void
mt_image_destroy (mt_image_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

extern "C" int
mt_image_width (const mt_image_t *self)
{
    return self->rgb.cols;
}

extern "C" int
mt_image_height (const mt_image_t *self)
{
    return self->rgb.rows;
}

extern "C" size_t
mt_image_stride (const mt_image_t *self)
{
    return self->rgb.step [0];
}

extern "C" const uint8_t *
mt_image_pixels (const mt_image_t *self)
{
    return self->rgb.data;
}

extern "C" mt_format
mt_image_format (const mt_image_t *self)
{
    return self->format;
}

extern "C" double
mt_image_sharpness (const uint8_t *rgb, int width, int height, size_t stride)
{
    try {
        const cv::Mat view (height, width, CV_8UC3, const_cast<uint8_t *> (rgb), stride);
        cv::Mat grey, laplacian;
        cv::cvtColor (view, grey, cv::COLOR_RGB2GRAY);
        cv::Laplacian (grey, laplacian, CV_64F);
        cv::Scalar mean, stddev;
        cv::meanStdDev (laplacian, mean, stddev);
        return stddev [0] * stddev [0];
    }
    catch (const std::exception &) {
        return 0;
    }
}

extern "C" int
mt_image_encode (const uint8_t *rgb, int width, int height, size_t stride, mt_format format,
                 int quality, uint8_t **bytes_p, size_t *size_p, mt_err_t *err)
{
    *bytes_p = nullptr;
    *size_p = 0;
    if (format != MT_FORMAT_JPEG && format != MT_FORMAT_PNG)
        return mt_err_set (err, MT_EFORMAT, "can only encode JPEG or PNG");
    try {
        const cv::Mat view (height, width, CV_8UC3, const_cast<uint8_t *> (rgb), stride);
        cv::Mat bgr;
        cv::cvtColor (view, bgr, cv::COLOR_RGB2BGR);
        std::vector<uchar> out;
        const bool jpeg = format == MT_FORMAT_JPEG;
        std::vector<int> params;
        if (jpeg)
            params = {cv::IMWRITE_JPEG_QUALITY, quality};
        if (!cv::imencode (jpeg ? ".jpg" : ".png", bgr, out, params))
            return mt_err_set (err, MT_EINTERNAL, "image encoding failed");
        uint8_t *bytes = (uint8_t *) std::malloc (out.size ());
        if (!bytes)
            return mt_err_set (err, MT_ENOMEM, "out of memory encoding an image");
        std::memcpy (bytes, out.data (), out.size ());
        *bytes_p = bytes;
        *size_p = out.size ();
        return MT_OK;
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "image encoding failed: %s", e.what ());
    }
}
