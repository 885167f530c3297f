//  mt_landmarker - dlib's 68-point shape predictor and face chip alignment
//  behind a C API.

#include "face/mt_landmarker.h"

#include "mti_dlib_view.hpp"

#include <dlib/image_processing.h>
#include <dlib/image_transforms.h>
#include <dlib/serialize.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <vector>

struct mt_landmarker {
    dlib::shape_predictor predictor;
};

extern "C" int
mt_landmarker_new (const char *path, mt_landmarker_t **self_p, mt_err_t *err)
{
    *self_p = nullptr;
    FILE *probe = std::fopen (path, "rb");
    if (!probe)
        return mt_err_set (err, MT_EMODEL, "cannot open landmark model '%s': %s (install "
                           "Debian's libdlib-data)", path, std::strerror (errno));
    std::fclose (probe);
    mt_landmarker_t *self = new (std::nothrow) mt_landmarker_t;
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory loading '%s'", path);
    try {
        dlib::deserialize (path) >> self->predictor;
    }
    catch (const std::exception &e) {
        delete self;
        return mt_err_set (err, MT_EMODEL, "landmark model '%s' is corrupt: %s", path,
                           e.what ());
    }
    if (self->predictor.num_parts () != MT_LANDMARKS) {
        unsigned long parts = self->predictor.num_parts ();
        delete self;
        return mt_err_set (err, MT_EMODEL, "landmark model '%s' has %lu points, not %d",
                           path, parts, MT_LANDMARKS);
    }
    *self_p = self;
    return MT_OK;
}

extern "C" void
mt_landmarker_destroy (mt_landmarker_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

extern "C" int
mt_landmarker_fit (const mt_landmarker_t *self, const mt_image_t *image, const mt_box_t *box,
                   mt_point_t points [MT_LANDMARKS], mt_err_t *err)
{
    try {
        mti::rgb_view view (image);
        dlib::rectangle rect (box->x, box->y, box->x + box->width - 1,
                              box->y + box->height - 1);
        dlib::full_object_detection shape = self->predictor (view, rect);
        for (int i = 0; i < MT_LANDMARKS; i++) {
            points [i].x = (float) shape.part (i).x ();
            points [i].y = (float) shape.part (i).y ();
        }
        return MT_OK;
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "landmark fitting failed: %s", e.what ());
    }
}

extern "C" int
mt_landmarker_align (const mt_image_t *image, const mt_point_t points [MT_LANDMARKS],
                     uint8_t chip [MT_CHIP_BYTES], mt_err_t *err)
{
    try {
        std::vector<dlib::point> parts (MT_LANDMARKS);
        for (int i = 0; i < MT_LANDMARKS; i++)
            parts [i] = dlib::point ((long) points [i].x, (long) points [i].y);
        dlib::full_object_detection shape (dlib::rectangle (), parts);
        mti::rgb_view view (image);
        dlib::matrix<dlib::rgb_pixel> out;
        dlib::extract_image_chip (view, dlib::get_face_chip_details (shape, MT_CHIP_SIZE, 0.25),
                                  out);
        for (long r = 0; r < MT_CHIP_SIZE; r++)
            for (long c = 0; c < MT_CHIP_SIZE; c++) {
                uint8_t *p = chip + (r * MT_CHIP_SIZE + c) * 3;
                p [0] = out (r, c).red;
                p [1] = out (r, c).green;
                p [2] = out (r, c).blue;
            }
        return MT_OK;
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "face alignment failed: %s", e.what ());
    }
}
