//  mt_detector - dlib's HOG frontal face detector behind a C API.

#include "face/mt_detector.h"

#include "mti_dlib_view.hpp"

#include <dlib/image_processing/frontal_face_detector.h>

#include <cstdlib>
#include <exception>
#include <new>
#include <vector>

struct mt_detector {
    dlib::frontal_face_detector hog = dlib::get_frontal_face_detector ();
};

extern "C" int
mt_detector_new (mt_detector_t **self_p, mt_err_t *err)
{
    try {
        *self_p = new mt_detector_t;
        return MT_OK;
    }
    catch (const std::exception &e) {
        *self_p = nullptr;
        return mt_err_set (err, MT_ENOMEM, "cannot create the face detector: %s", e.what ());
    }
}

extern "C" void
mt_detector_destroy (mt_detector_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

extern "C" int
mt_detector_find (mt_detector_t *self, const mt_image_t *image, double min_score,
                  mt_detection_t **found_p, size_t *count_p, mt_err_t *err)
{
    *found_p = nullptr;
    *count_p = 0;
    try {
        mti::rgb_view view (image);
        std::vector<dlib::rect_detection> dets;
        self->hog (view, dets, min_score);
        if (dets.empty ())
            return MT_OK;
        mt_detection_t *found = (mt_detection_t *) std::calloc (dets.size (), sizeof *found);
        if (!found)
            return mt_err_set (err, MT_ENOMEM, "out of memory for %zu faces", dets.size ());
        for (size_t i = 0; i < dets.size (); i++) {
            const dlib::rectangle &r = dets [i].rect;
            found [i].box = {(int) r.left (), (int) r.top (), (int) r.width (),
                             (int) r.height ()};
            found [i].score = dets [i].detection_confidence;
            found [i].pose = (mt_pose) dets [i].weight_index;
        }
        *found_p = found;
        *count_p = dets.size ();
        return MT_OK;
    }
    catch (const std::bad_alloc &) {
        return mt_err_set (err, MT_ENOMEM, "out of memory detecting faces");
    }
    catch (const std::exception &e) {
        return mt_err_set (err, MT_EINTERNAL, "face detection failed: %s", e.what ());
    }
}
