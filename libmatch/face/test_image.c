//  Self-test of mt_image: every format, orientation, limits and bad input.

#include "mt_test.h"

#include "face/mt_image.h"

#include <stdint.h>
#include <stdlib.h>

static const struct {
    const char *file;
    mt_format format;
    int size;
} s_good [] = {
    { "formats/face.jpg",       MT_FORMAT_JPEG, 240 },
    { "formats/face.png",       MT_FORMAT_PNG,  240 },
    { "formats/face.webp",      MT_FORMAT_WEBP, 240 },
    { "formats/face.bmp",       MT_FORMAT_BMP,  240 },
    { "formats/face.tiff",      MT_FORMAT_TIFF, 240 },
    { "formats/face_grey.png",  MT_FORMAT_PNG,  240 },
    { "formats/face_grey.jpg",  MT_FORMAT_JPEG, 240 },
    { "formats/face_alpha.png", MT_FORMAT_PNG,  240 },
    { "formats/face_16bit.png", MT_FORMAT_PNG,  240 },
    { "formats/face_exif6.jpg", MT_FORMAT_JPEG, 240 },
    { "formats/face_100.jpg",   MT_FORMAT_JPEG, 100 },
};
#define S_GOOD_COUNT (sizeof s_good / sizeof s_good [0])

//  Mean absolute difference per channel between two same-sized images.
static double
s_mean_diff (const mt_image_t *a, const mt_image_t *b)
{
    int w = mt_image_width (a), h = mt_image_height (a);
    double sum = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *pa = mt_image_pixels (a) + y * mt_image_stride (a);
        const uint8_t *pb = mt_image_pixels (b) + y * mt_image_stride (b);
        for (int x = 0; x < w * 3; x++)
            sum += abs (pa [x] - pb [x]);
    }
    return sum / (w * h * 3.0);
}

static void
test_formats (void)
{
    mt_image_t *reference = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face.png"), NULL, &reference, &err),
                 MT_OK, &err);
    for (size_t i = 0; i < S_GOOD_COUNT; i++) {
        mt_image_t *image = NULL;
        int rc = mt_image_load (mt_test_data (s_good [i].file), NULL, &image, &err);
        MT_CHECK_RC (rc, MT_OK, &err);
        if (rc != MT_OK)
            continue;
        MT_CHECK_INT (mt_image_width (image), s_good [i].size);
        MT_CHECK_INT (mt_image_height (image), s_good [i].size);
        MT_CHECK_INT (mt_image_format (image), s_good [i].format);
        MT_CHECK (mt_image_stride (image) >= (size_t) s_good [i].size * 3);
        //  Grey input comes out as RGB with equal channels.
        if (strstr (s_good [i].file, "grey")) {
            const uint8_t *p = mt_image_pixels (image) + 120 * mt_image_stride (image) + 360;
            MT_CHECK (p [0] == p [1] && p [1] == p [2]);
        }
        else
        //  Same pixels as the lossless PNG, up to lossy coding.
        if (reference && s_good [i].size == 240) {
            double diff = s_mean_diff (image, reference);
            if (diff > 12)
                fprintf (stderr, "%s differs from face.png by %.1f\n", s_good [i].file, diff);
            MT_CHECK (diff <= 12);
        }
        mt_image_destroy (&image);
        MT_CHECK (image == NULL);
    }
    mt_image_destroy (&reference);
    mt_image_destroy (&reference);      //  NULL-safe
}

//  The EXIF orientation must be applied: the stored pixels are rotated, the
//  decoded ones are upright and match the plain JPEG.
static void
test_exif_orientation (void)
{
    mt_image_t *upright = NULL, *tagged = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face.jpg"), NULL, &upright, &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face_exif6.jpg"), NULL, &tagged, &err),
                 MT_OK, &err);
    if (upright && tagged) {
        double diff = s_mean_diff (upright, tagged);
        MT_CHECK (diff < 6);
    }
    mt_image_destroy (&upright);
    mt_image_destroy (&tagged);
}

static void
test_bad_input (void)
{
    static const struct {
        const char *file;
        int rc;
        const char *says;
    } bad [] = {
        { "bad/empty.jpg",       MT_EEMPTY,  "empty (0 bytes)" },
        { "bad/notes.jpg",       MT_EFORMAT, "text, not an image" },
        { "bad/animation.gif",   MT_EFORMAT, "GIF" },
        { "bad/truncated.jpg",   MT_EDECODE, "truncated" },
        { "bad/corrupt.png",     MT_EDECODE, "corrupt" },
        { "bad/huge_header.png", MT_ETOOBIG, "100000x100000" },
        { "bad",                 MT_EIO,     "is a directory" },
        { "bad/missing.jpg",     MT_ENOTFOUND, "No such file" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        mt_image_t *image = (mt_image_t *) &image;      //  must come back NULL
        mt_err_t err;
        mt_err_clear (&err);
        MT_CHECK_RC (mt_image_load (mt_test_data (bad [i].file), NULL, &image, &err),
                     bad [i].rc, &err);
        MT_CHECK (image == NULL);
        MT_CHECK_INT (err.code, bad [i].rc);
        MT_CHECK_CONTAINS (err.msg, bad [i].says);
    }
    mt_image_t *image;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load ("", NULL, &image, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "empty");
    MT_CHECK_RC (mt_image_decode ("", 0, NULL, &image, &err), MT_EEMPTY, &err);
}

//  Limits are enforced from the header, for every format, before decoding.
static void
test_limits (void)
{
    mt_image_limits_t tight = mt_image_default_limits ();
    tight.max_pixels = 240 * 240 - 1;
    for (size_t i = 0; i < 5; i++) {
        mt_image_t *image;
        mt_err_t err;
        MT_CHECK_RC (mt_image_load (mt_test_data (s_good [i].file), &tight, &image, &err),
                     MT_ETOOBIG, &err);
        MT_CHECK_CONTAINS (err.msg, "240x240");
    }
    mt_image_limits_t small_files = mt_image_default_limits ();
    small_files.max_bytes = 1000;
    mt_image_t *image;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face.jpg"), &small_files, &image, &err),
                 MT_ETOOBIG, &err);
    MT_CHECK_CONTAINS (err.msg, "over the limit of 1000");

    uint32_t w = 0, h = 0;
    mt_format format;
    size_t size;
    char *png = mt_test_read (mt_test_data ("bad/huge_header.png"), &size);
    MT_CHECK_RC (mt_image_probe (png, size, NULL, &format, &w, &h, &err), MT_ETOOBIG, &err);
    MT_CHECK_INT (format, MT_FORMAT_PNG);
    MT_CHECK_INT (w, 100000);
    MT_CHECK_INT (h, 100000);
    free (png);
}

//  Every prefix of every format's file is refused or decoded, never a crash.
static void
test_truncations (void)
{
    for (size_t i = 0; i < 5; i++) {
        size_t size;
        char *bytes = mt_test_read (mt_test_data (s_good [i].file), &size);
        MT_CHECK (bytes != NULL);
        int refused = 0, cuts = 0;
        for (size_t cut = 0; bytes && cut < size; cut += 1 + size / 97) {
            mt_image_t *image;
            mt_err_t err;
            int rc = mt_image_decode (bytes, cut, NULL, &image, &err);
            cuts++;
            if (rc != MT_OK)
                refused++;
            MT_CHECK (rc != MT_OK || image != NULL);
            mt_image_destroy (&image);
        }
        //  Almost all cuts must be refused (a BMP or TIFF cut short can
        //  still be read by design: their pixels are stored plainly).
        if (s_good [i].format == MT_FORMAT_JPEG || s_good [i].format == MT_FORMAT_PNG
        ||  s_good [i].format == MT_FORMAT_WEBP)
            MT_CHECK_INT (refused, cuts);
        free (bytes);
    }
}

static void
test_scale_and_sharpness (void)
{
    mt_image_t *image, *half, *blurred;
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face.png"), NULL, &image, &err),
                 MT_OK, &err);
    MT_CHECK_RC (mt_image_scaled (image, 0.25, &half, &err), MT_OK, &err);
    MT_CHECK_INT (mt_image_width (half), 60);
    MT_CHECK_RC (mt_image_resized (half, 240, 240, &blurred, &err), MT_OK, &err);
    double sharp = mt_image_sharpness (mt_image_pixels (image), 240, 240, mt_image_stride (image));
    double soft = mt_image_sharpness (mt_image_pixels (blurred), 240, 240,
                                      mt_image_stride (blurred));
    MT_CHECK (sharp > 2 * soft);
    mt_image_destroy (&half);
    MT_CHECK_RC (mt_image_scaled (image, 0, &half, &err), MT_EINVAL, &err);
    MT_CHECK (half == NULL);

    uint8_t *png;
    size_t size;
    MT_CHECK_RC (mt_image_encode (mt_image_pixels (image), 240, 240, mt_image_stride (image),
                                  MT_FORMAT_PNG, 0, &png, &size, &err), MT_OK, &err);
    mt_image_t *again;
    MT_CHECK_RC (mt_image_decode (png, size, NULL, &again, &err), MT_OK, &err);
    MT_CHECK_NEAR (s_mean_diff (image, again), 0, 0);
    free (png);
    mt_image_destroy (&again);
    mt_image_destroy (&blurred);
    mt_image_destroy (&image);
}

int
main (void)
{
    MT_RUN (test_formats);
    MT_RUN (test_exif_orientation);
    MT_RUN (test_bad_input);
    MT_RUN (test_limits);
    MT_RUN (test_truncations);
    MT_RUN (test_scale_and_sharpness);
    return MT_TEST_MAIN_END ();
}
