//  mt_image - a decoded photo: 8-bit RGB pixels, EXIF orientation applied.
//
//  Decoding refuses, before any pixel is decoded, files over a byte limit and
//  images whose header claims more pixels than a limit, so a decompression
//  bomb never allocates. Formats: JPEG, PNG, WebP, BMP, TIFF; grey and alpha
//  images become RGB (alpha is dropped).

#ifndef MT_IMAGE_H_INCLUDED
#define MT_IMAGE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_FORMAT_UNKNOWN = 0,
    MT_FORMAT_JPEG,
    MT_FORMAT_PNG,
    MT_FORMAT_WEBP,
    MT_FORMAT_BMP,
    MT_FORMAT_TIFF
} mt_format;

#define MT_IMAGE_DEFAULT_MAX_BYTES  (40u << 20)     //  40 MiB
#define MT_IMAGE_DEFAULT_MAX_PIXELS 50000000u       //  50 megapixels

typedef struct {
    size_t max_bytes;       //  refuse files larger than this
    uint64_t max_pixels;    //  refuse images whose width x height is larger
} mt_image_limits_t;

typedef struct mt_image mt_image_t;

//  Lower-case name of a format ("jpeg", ...; "unknown").
const char *mt_format_name (mt_format format);

//  Identify the format from the first bytes and read the width and height
//  from the header with the format's own library, decoding no pixels; refuse
//  more pixels than limits->max_pixels (MT_ETOOBIG). A JPEG within the limit
//  is then walked cheaply (entropy decoding at 1/8 scale) to refuse a
//  truncated file or one with an absurd number of progressive scans.
//  Returns MT_EEMPTY, MT_EFORMAT (not one of the five formats) or MT_EDECODE
//  (data the format's library rejects). limits may be NULL for the defaults.
int mt_image_probe (const void *bytes, size_t size, const mt_image_limits_t *limits,
                    mt_format *format_p, uint32_t *width_p, uint32_t *height_p,
                    mt_err_t *err);

//  The limits a NULL limits argument stands for.
mt_image_limits_t mt_image_default_limits (void);

//  How many threads OpenCV may use inside one call (0 or 1: none of its own).
//  Worker pools set 1 so that their threads do not compete with OpenCV's.
void mt_image_set_threads (int threads);

//  Decode an image from memory (bytes are borrowed). limits may be NULL for
//  the defaults. On success the caller owns *self_p and must destroy it.
int mt_image_decode (const void *bytes, size_t size, const mt_image_limits_t *limits,
                     mt_image_t **self_p, mt_err_t *err);

//  Read and decode a file; adds MT_ENOTFOUND, MT_EIO (directory, unreadable)
//  and MT_ETOOBIG (over max_bytes, not read) to mt_image_decode's errors.
int mt_image_load (const char *path, const mt_image_limits_t *limits,
                   mt_image_t **self_p, mt_err_t *err);

//  Make an image from RGB pixels (copied). For tests and synthetic input.
int mt_image_from_rgb (const uint8_t *rgb, int width, int height, size_t stride,
                       mt_image_t **self_p, mt_err_t *err);

//  A copy scaled by factor (> 0), resampled with area averaging when
//  shrinking and bilinear interpolation when enlarging.
int mt_image_scaled (const mt_image_t *self, double factor, mt_image_t **out_p,
                     mt_err_t *err);

//  A copy resized to exactly width x height, with the same resampling.
int mt_image_resized (const mt_image_t *self, int width, int height, mt_image_t **out_p,
                      mt_err_t *err);

//  Warp self by the affine map m (destination = m * source: x' = m[0] x +
//  m[1] y + m[2], y' = m[3] x + m[4] y + m[5]) into width x height RGB at
//  out (stride width * 3), bilinear, black outside the photo. For aligned
//  face chips.
int mt_image_warp (const mt_image_t *self, const double m [6], int width, int height,
                   uint8_t *out, mt_err_t *err);

//  Destroy an image; NULL-safe; sets *self_p to NULL.
void mt_image_destroy (mt_image_t **self_p);

int mt_image_width (const mt_image_t *self);
int mt_image_height (const mt_image_t *self);
//  Bytes from one row to the next.
size_t mt_image_stride (const mt_image_t *self);
//  The RGB pixels, owned by self.
const uint8_t *mt_image_pixels (const mt_image_t *self);
//  The format it was decoded from (MT_FORMAT_UNKNOWN for made images).
mt_format mt_image_format (const mt_image_t *self);

//  Sharpness of an RGB buffer: the variance of its Laplacian on grey levels.
//  Higher is sharper; a well-focused 150x150 face chip scores in the hundreds.
double mt_image_sharpness (const uint8_t *rgb, int width, int height, size_t stride);

//  Encode RGB pixels as MT_FORMAT_JPEG (at quality 1-100) or MT_FORMAT_PNG.
//  On success the caller owns *bytes_p (free() it).
int mt_image_encode (const uint8_t *rgb, int width, int height, size_t stride,
                     mt_format format, int quality, uint8_t **bytes_p, size_t *size_p,
                     mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
