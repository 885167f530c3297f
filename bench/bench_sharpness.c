//  bench/sharpness - calibrates the "blurry" verdict: how far a face's
//  descriptor moves as its photo loses detail, against the chip's sharpness.
//
//  usage: bench-sharpness FILE...
//  Each photo is shrunk by a factor and enlarged back to its size (the
//  detail of a low-resolution or out-of-focus photo is lost the same way),
//  then run through the pipeline. For every face found in the original and
//  again in the degraded photo, it prints the degraded chip's sharpness and
//  the distance to the original descriptor. A face whose descriptor moved
//  by 0.3 (half the same-person threshold) has lost too much.

#include "face/mt_embedder.h"
#include "face/mt_pipeline.h"

#include <stdio.h>
#include <stdlib.h>

static const double s_factors [] = { 1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12 };
#define S_FACTORS (sizeof s_factors / sizeof s_factors [0])

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: bench-sharpness FILE...\n");
        return 2;
    }
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.quality.min_face_px = 0;
    mt_pipeline_t *pipeline;
    mt_err_t err;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        fprintf (stderr, "%s\n", err.msg);
        return 1;
    }
    //  Bins of sharpness: how many faces, how many moved by >= 0.3.
    static const double edges [] = { 0, 5, 10, 15, 20, 25, 30, 40, 60, 100, 1e9 };
    enum { BINS = sizeof edges / sizeof edges [0] - 1 };
    int total [BINS] = { 0 }, moved [BINS] = { 0 };
    double sum_d [BINS] = { 0 };
    printf ("file\tfactor\tface_px\tsharpness\tdistance\n");
    for (int i = 1; i < argc; i++) {
        mt_image_t *image;
        if (mt_image_load (argv [i], NULL, &image, &err) != MT_OK)
            continue;
        mt_photo_t *original;
        if (mt_pipeline_process_image (pipeline, 0, image, &original, &err) != MT_OK) {
            mt_image_destroy (&image);
            continue;
        }
        for (size_t f = 0; f < S_FACTORS; f++) {
            mt_image_t *small, *degraded;
            if (mt_image_scaled (image, s_factors [f], &small, &err) != MT_OK)
                continue;
            mt_image_resized (small, mt_image_width (image), mt_image_height (image),
                              &degraded, &err);
            mt_image_destroy (&small);
            mt_photo_t *photo;
            if (degraded && mt_pipeline_process_image (pipeline, 0, degraded, &photo, &err)
                            == MT_OK) {
                //  Pair faces by the nearest box centre.
                for (size_t a = 0; a < photo->face_count; a++) {
                    const mt_photo_face_t *fa = &photo->faces [a];
                    double best = 1e18;
                    const mt_photo_face_t *match = NULL;
                    for (size_t b = 0; b < original->face_count; b++) {
                        const mt_photo_face_t *fb = &original->faces [b];
                        double dx = (fa->box.x + fa->box.width / 2.0)
                                  - (fb->box.x + fb->box.width / 2.0);
                        double dy = (fa->box.y + fa->box.height / 2.0)
                                  - (fb->box.y + fb->box.height / 2.0);
                        if (dx * dx + dy * dy < best) {
                            best = dx * dx + dy * dy;
                            match = fb;
                        }
                    }
                    if (!match || best > match->box.width * match->box.width / 16.0)
                        continue;
                    double d = mt_embedding_distance (fa->embedding, match->embedding);
                    printf ("%s\t%.2f\t%d\t%.1f\t%.3f\n", argv [i], s_factors [f],
                            match->quality.size_px, fa->quality.sharpness, d);
                    int bin = 0;
                    while (bin < BINS - 1 && fa->quality.sharpness >= edges [bin + 1])
                        bin++;
                    total [bin]++;
                    moved [bin] += d >= 0.3;
                    sum_d [bin] += d;
                }
                mt_photo_destroy (&photo);
            }
            mt_image_destroy (&degraded);
        }
        mt_photo_destroy (&original);
        mt_image_destroy (&image);
    }
    printf ("\n# sharpness bin\tfaces\tmean distance moved\tshare moved >= 0.3\n");
    for (int b = 0; b < BINS; b++)
        if (total [b])
            printf ("# %g..%g\t%d\t%.3f\t%.2f\n", edges [b], edges [b + 1], total [b],
                    sum_d [b] / total [b], (double) moved [b] / total [b]);
    mt_pipeline_destroy (&pipeline);
    return 0;
}
