//  bench/detect - the face detectors compared on photos: faces found,
//  unsure faces, and milliseconds of detection per photo, through the
//  pipeline (its scaling, retry and CNN refinement included).
//
//  usage: bench-detect [--detector hog|cnn|both] [--width W] [--verbose] PATH...
//
//  Each PATH is a photo or a folder, searched two levels deep (one folder
//  per person). --width W scales every photo to W pixels wide first (640:
//  a 640x480 photo; 1920: a group photo from a camera). The descriptor is
//  computed too (the pipeline's), without its mirror pass or MobileFaceNet;
//  only detection is timed. --verbose prints each photo's sure and unsure
//  faces.

#include "base/mt_clock.h"
#include "base/mt_dir.h"
#include "face/mt_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct {
    size_t photos, with_face, none, sure, unsure, several;
    double *ms;
} s_tally_t;

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void
s_photo (mt_pipeline_t *pipeline, const char *path, int width, bool verbose, s_tally_t *t)
{
    mt_err_t err;
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_image_t *image = NULL, *scaled = NULL;
    if (mt_image_load (path, &limits, &image, &err) != MT_OK) {
        fprintf (stderr, "%s: %s\n", path, err.msg);
        return;
    }
    if (width > 0
    &&  mt_image_scaled (image, (double) width / mt_image_width (image), &scaled, &err)
        != MT_OK) {
        fprintf (stderr, "%s: %s\n", path, err.msg);
        mt_image_destroy (&image);
        return;
    }
    mt_photo_t *photo = NULL;
    int rc = mt_pipeline_process_image (pipeline, 0, scaled ? scaled : image, &photo, &err);
    mt_image_destroy (&scaled);
    mt_image_destroy (&image);
    if (rc != MT_OK) {
        fprintf (stderr, "%s: %s\n", path, err.msg);
        return;
    }
    size_t sure = 0, unsure = 0;
    for (size_t i = 0; i < photo->face_count; i++) {
        if (photo->faces [i].quality.verdict == MT_VERDICT_UNSURE)
            unsure++;
        else
            sure++;
    }
    t->ms [t->photos++] = photo->timing.detect_ms;
    t->with_face += sure > 0;
    t->none += photo->face_count == 0;
    t->sure += sure;
    t->unsure += unsure;
    t->several += sure > 1;
    if (verbose)
        printf ("%s\t%zu\t%zu\t%.1f\n", path, sure, unsure, photo->timing.detect_ms);
    mt_photo_destroy (&photo);
}

static bool
s_is_dir (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static void
s_walk (mt_pipeline_t *pipeline, const char *path, int depth, int width, bool verbose,
        s_tally_t *t)
{
    if (!s_is_dir (path)) {
        const char *dot = strrchr (path, '.');
        if (dot && (strcasecmp (dot, ".jpg") == 0 || strcasecmp (dot, ".jpeg") == 0
                    || strcasecmp (dot, ".png") == 0 || strcasecmp (dot, ".pgm") == 0
                    || strcasecmp (dot, ".bmp") == 0 || strcasecmp (dot, ".webp") == 0))
            s_photo (pipeline, path, width, verbose, t);
        return;
    }
    if (depth > 2)
        return;
    char **names = NULL;
    size_t n = mt_dir_list (path, &names);
    for (size_t i = 0; i < n; i++) {
        char child [4096];
        if (snprintf (child, sizeof child, "%s/%s", path, names [i]) >= (int) sizeof child)
            continue;
        s_walk (pipeline, child, depth + 1, width, verbose, t);
    }
    mt_dir_free (names, n);
}

int
main (int argc, char **argv)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mirror = false;
    config.mobilefacenet = false;
    int width = 0, first = 1;
    bool verbose = false;
    for (; first < argc && argv [first][0] == '-'; first++) {
        if (strcmp (argv [first], "--detector") == 0 && first + 1 < argc)
            config.detector = argv [++first];
        else
        if (strcmp (argv [first], "--width") == 0 && first + 1 < argc)
            width = atoi (argv [++first]);
        else
        if (strcmp (argv [first], "--verbose") == 0)
            verbose = true;
        else
            break;
    }
    if (first >= argc) {
        fprintf (stderr, "usage: bench-detect [--detector hog|cnn|both] [--width W] "
                         "[--verbose] PATH...\n");
        return 2;
    }
    mt_pipeline_t *pipeline = NULL;
    mt_err_t err;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        fprintf (stderr, "bench-detect: %s\n", err.msg);
        return 1;
    }
    s_tally_t t = { .ms = calloc (1 << 20, sizeof (double)) };
    for (int i = first; i < argc; i++)
        s_walk (pipeline, argv [i], 0, width, verbose, &t);
    qsort (t.ms, t.photos, sizeof *t.ms, s_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < t.photos; i++)
        sum += t.ms [i];
    printf ("detector %s: %zu photos, %zu with a sure face, %zu with none, %zu sure faces, "
            "%zu unsure, %zu photos with more than one sure face; detection ms mean %.1f, "
            "median %.1f\n", config.detector ? config.detector : "hog", t.photos, t.with_face,
            t.none, t.sure, t.unsure, t.several, t.photos ? sum / t.photos : 0,
            t.photos ? t.ms [t.photos / 2] : 0);
    free (t.ms);
    mt_pipeline_destroy (&pipeline);
    return 0;
}
