//  bench/make-photos - makes benchmark photos of a fixed size (default
//  640x480) with one face each, from labelled face photos: the centre of
//  each source photo is cropped to the output's aspect ratio and scaled.
//
//  usage: bench-make-photos [--size WxH] OUT_DIR FILE...   (OUT_DIR is made)

#include "base/mt_dir.h"
#include "face/mt_image.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
    int width = 640, height = 480, first = 1;
    if (argc > 2 && strcmp (argv [1], "--size") == 0) {
        if (sscanf (argv [2], "%dx%d", &width, &height) != 2 || width < 16 || height < 16) {
            fprintf (stderr, "bench-make-photos: bad --size\n");
            return 2;
        }
        first = 3;
    }
    if (argc - first < 2) {
        fprintf (stderr, "usage: bench-make-photos [--size WxH] OUT_DIR FILE...\n");
        return 2;
    }
    const char *out_dir = argv [first];
    mt_err_t dir_err;
    if (mt_dir_make (out_dir, &dir_err) != MT_OK) {
        fprintf (stderr, "bench-make-photos: %s\n", dir_err.msg);
        return 1;
    }
    int made = 0;
    for (int i = first + 1; i < argc; i++) {
        mt_image_t *image, *crop = NULL, *scaled = NULL;
        mt_err_t err;
        if (mt_image_load (argv [i], NULL, &image, &err) != MT_OK) {
            fprintf (stderr, "bench-make-photos: %s: %s\n", argv [i], err.msg);
            continue;
        }
        int w = mt_image_width (image), h = mt_image_height (image);
        //  Largest centred crop with the output's aspect ratio.
        int cw = w, ch = (int) ((long) w * height / width);
        if (ch > h) {
            ch = h;
            cw = (int) ((long) h * width / height);
        }
        const uint8_t *px = mt_image_pixels (image) + (size_t) ((h - ch) / 2)
                          * mt_image_stride (image) + (size_t) ((w - cw) / 2) * 3;
        uint8_t *bytes = NULL;
        size_t size = 0;
        if (mt_image_from_rgb (px, cw, ch, mt_image_stride (image), &crop, &err) == MT_OK
        &&  mt_image_resized (crop, width, height, &scaled, &err) == MT_OK
        &&  mt_image_encode (mt_image_pixels (scaled), width, height, mt_image_stride (scaled),
                             MT_FORMAT_JPEG, 90, &bytes, &size, &err) == MT_OK) {
            char path [4096];
            snprintf (path, sizeof path, "%s/photo%04d.jpg", out_dir, made + 1);
            FILE *out = fopen (path, "wb");
            bool written = out && fwrite (bytes, 1, size, out) == size;
            if (out && fclose (out) != 0)
                written = false;
            if (written)
                made++;
            else
                fprintf (stderr, "bench-make-photos: cannot write %s\n", path);
        }
        else
            fprintf (stderr, "bench-make-photos: %s: %s\n", argv [i], err.msg);
        free (bytes);
        mt_image_destroy (&scaled);
        mt_image_destroy (&crop);
        mt_image_destroy (&image);
    }
    printf ("made %d photos of %dx%d in %s\n", made, width, height, out_dir);
    return made > 0 ? 0 : 1;
}
