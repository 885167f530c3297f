//  mti_dlib_view - internal: lets dlib's image algorithms read an mt_image's
//  RGB buffer in place, through dlib's generic image interface
//  (dlib/image_processing/generic_image.h), with no copy.

#ifndef MTI_DLIB_VIEW_HPP_INCLUDED
#define MTI_DLIB_VIEW_HPP_INCLUDED

#include "face/mt_image.h"

#include <dlib/image_processing/generic_image.h>
#include <dlib/pixel.h>

namespace mti {

struct rgb_view {
    const uint8_t *data;
    long rows, cols;
    long stride;

    explicit rgb_view (const mt_image_t *image)
      : data (mt_image_pixels (image)), rows (mt_image_height (image)),
        cols (mt_image_width (image)), stride ((long) mt_image_stride (image)) {}
};

inline long num_rows (const rgb_view &v) { return v.rows; }
inline long num_columns (const rgb_view &v) { return v.cols; }
inline long width_step (const rgb_view &v) { return v.stride; }
inline const void *image_data (const rgb_view &v) { return v.data; }
//  dlib asks for a mutable pointer through some generic paths; the views are
//  only ever read.
inline void *image_data (rgb_view &v) { return const_cast<uint8_t *> (v.data); }

}   // namespace mti

namespace dlib {
template <> struct image_traits<mti::rgb_view> {
    typedef rgb_pixel pixel_type;
};
}   // namespace dlib

#endif
