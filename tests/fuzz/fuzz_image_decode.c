//  Fuzz target: the image decoding entry point (probe with each format's
//  library, then OpenCV), which receives every photo from outside.

#include "face/mt_image.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    //  Small limits keep each run fast; the limit logic itself is exercised
    //  by headers that claim more.
    mt_image_limits_t limits = { .max_bytes = 1 << 20, .max_pixels = 1 << 20 };
    mt_image_t *image = NULL;
    mt_err_t err;
    if (mt_image_decode (data, size, &limits, &image, &err) == MT_OK) {
        //  Touch every pixel so that a short buffer cannot go unnoticed.
        int w = mt_image_width (image), h = mt_image_height (image);
        unsigned sum = 0;
        for (int y = 0; y < h; y++) {
            const uint8_t *row = mt_image_pixels (image) + (size_t) y * mt_image_stride (image);
            for (int x = 0; x < w * 3; x++)
                sum += row [x];
        }
        (void) sum;
        mt_image_destroy (&image);
    }
    return 0;
}
