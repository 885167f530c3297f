//  Self-test of the CNN face detector (mt_cnn_detector) and of the pipeline
//  with --detector cnn: faces found against labels, boxes against HOG's,
//  identities through the refined boxes, and model errors.

#include "mt_test.h"

#include "face/mt_cnn_detector.h"
#include "face/mt_detector.h"
#include "face/mt_pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_model [4096];

static double
s_iou (const mt_box_t *a, const mt_box_t *b)
{
    double x1 = fmax (a->x, b->x), y1 = fmax (a->y, b->y);
    double x2 = fmin (a->x + a->width, b->x + b->width);
    double y2 = fmin (a->y + a->height, b->y + b->height);
    double inter = x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
    return inter / ((double) a->width * a->height + (double) b->width * b->height - inter);
}

static void
test_priors (void)
{
    MT_CHECK_INT (mt_cnn_detector_priors (320, 240), 4420);
}

//  dlib's bald_guys.jpg: 4 people x 6 faces. The CNN finds all 24, each
//  overlapping one of HOG's 24 boxes.
static void
test_bald_guys_against_hog (void)
{
    mt_err_t err;
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_image_t *image = NULL;
    MT_CHECK_RC (mt_image_load (mt_test_data ("faces/dlib/bald_guys.jpg"), &limits, &image,
                                &err), MT_OK, &err);
    mt_cnn_detector_t *cnn = NULL;
    MT_CHECK_RC (mt_cnn_detector_new (s_model, &cnn, &err), MT_OK, &err);
    mt_detector_t *hog = NULL;
    MT_CHECK_RC (mt_detector_new (&hog, &err), MT_OK, &err);
    if (!image || !cnn || !hog)
        return;
    //  HOG at twice the scale (the faces are about 50 px).
    mt_image_t *big = NULL;
    MT_CHECK_RC (mt_image_scaled (image, 2, &big, &err), MT_OK, &err);
    mt_detection_t *h = NULL, *c = NULL;
    size_t hn = 0, cn = 0;
    MT_CHECK_RC (mt_detector_find (hog, big, 0, &h, &hn, &err), MT_OK, &err);
    MT_CHECK_RC (mt_cnn_detector_find (cnn, image, MT_CNN_DETECTOR_THRESHOLD, &c, &cn, &err),
                 MT_OK, &err);
    MT_CHECK_INT (hn, 24);
    MT_CHECK_INT (cn, 24);
    for (size_t i = 0; i < cn; i++) {
        MT_CHECK (c [i].score >= 0 && c [i].score <= 1 - MT_CNN_DETECTOR_THRESHOLD);
        MT_CHECK (i == 0 || c [i].score <= c [i - 1].score);
        double best = 0;
        for (size_t j = 0; j < hn; j++) {
            mt_box_t hb = { h [j].box.x / 2, h [j].box.y / 2, h [j].box.width / 2,
                            h [j].box.height / 2 };
            best = fmax (best, s_iou (&c [i].box, &hb));
        }
        if (best < 0.4)
            fprintf (stderr, "CNN face %zu (%d,%d %dx%d) overlaps HOG's at most %.2f\n", i,
                     c [i].box.x, c [i].box.y, c [i].box.width, c [i].box.height, best);
        MT_CHECK (best >= 0.4);
    }
    free (h), free (c);
    mt_image_destroy (&big);
    mt_image_destroy (&image);
    mt_detector_destroy (&hog);
    mt_cnn_detector_destroy (&cnn);
}

//  dogs.jpg: the network alone takes two dogs' faces for faces (which is
//  why the pipeline keeps only the faces HOG confirms as sure); a small
//  photo is fitted, not stretched, so a face filling it is still found.
static void
test_no_face_and_small_photo (void)
{
    mt_err_t err;
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_cnn_detector_t *cnn = NULL;
    MT_CHECK_RC (mt_cnn_detector_new (s_model, &cnn, &err), MT_OK, &err);
    mt_image_t *image = NULL;
    MT_CHECK_RC (mt_image_load (mt_test_data ("faces/dlib/dogs.jpg"), &limits, &image, &err),
                 MT_OK, &err);
    if (!cnn || !image)
        return;
    mt_detection_t *found = NULL;
    size_t count = 0;
    MT_CHECK_RC (mt_cnn_detector_find (cnn, image, MT_CNN_DETECTOR_THRESHOLD, &found, &count,
                                       &err), MT_OK, &err);
    MT_CHECK_INT (count, 2);
    free (found);
    found = NULL;
    mt_image_destroy (&image);

    //  Tom Cruise's face, cropped close and shrunk to an ORL-sized 92x112.
    MT_CHECK_RC (mt_image_load (mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"), &limits,
                                &image, &err), MT_OK, &err);
    MT_CHECK_RC (mt_cnn_detector_find (cnn, image, MT_CNN_DETECTOR_THRESHOLD, &found, &count,
                                       &err), MT_OK, &err);
    MT_CHECK_INT (count, 1);
    if (count == 1) {
        mt_box_t b = found [0].box;
        double side = fmax (b.width, b.height) * 1.3;
        double s = 92 / side;
        const double m [6] = { s, 0, -s * (b.x + b.width / 2.0 - side / 2),
                               0, s, -s * (b.y + b.height / 2.0 - side * 112 / 92 / 2) };
        uint8_t rgb [92 * 112 * 3];
        mt_image_t *small = NULL;
        MT_CHECK_RC (mt_image_warp (image, m, 92, 112, rgb, &err), MT_OK, &err);
        MT_CHECK_RC (mt_image_from_rgb (rgb, 92, 112, 92 * 3, &small, &err), MT_OK, &err);
        free (found);
        found = NULL;
        MT_CHECK_RC (mt_cnn_detector_find (cnn, small, MT_CNN_DETECTOR_THRESHOLD, &found,
                                           &count, &err), MT_OK, &err);
        MT_CHECK_INT (count, 1);
        mt_image_destroy (&small);
    }
    free (found);
    mt_image_destroy (&image);
    mt_cnn_detector_destroy (&cnn);
}

//  Through the pipeline, CNN boxes refined by HOG: all 24 faces of
//  bald_guys.jpg, whose descriptors group into four people of six.
static void
test_pipeline_cnn (void)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mobilefacenet = false;
    config.detector = "cnn";
    mt_pipeline_t *pipeline = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_OK, &err);
    if (!pipeline)
        return;
    mt_photo_t *photo = NULL;
    MT_CHECK_RC (mt_pipeline_process_file (pipeline, 0, mt_test_data ("faces/dlib/bald_guys.jpg"),
                                           &photo, &err), MT_OK, &err);
    if (photo) {
        MT_CHECK_INT (photo->face_count, 24);
        //  Each face lies within dlib's threshold of its person's 5 others
        //  and of nobody else's (as HOG's boxes give in test_faces.c).
        size_t n = photo->face_count, wrong = 0;
        for (size_t i = 0; i < n; i++) {
            size_t same = 0;
            for (size_t k = 0; k < n; k++)
                same += k != i && mt_embedding_distance (photo->faces [i].embedding,
                                                         photo->faces [k].embedding)
                                  < MT_SAME_PERSON_DISTANCE;
            wrong += same != 5;
        }
        MT_CHECK_INT (wrong, 0);
    }
    mt_photo_destroy (&photo);
    //  The dogs' faces HOG does not confirm: at most one, flagged unsure.
    MT_CHECK_RC (mt_pipeline_process_file (pipeline, 0, mt_test_data ("faces/dlib/dogs.jpg"),
                                           &photo, &err), MT_OK, &err);
    if (photo) {
        MT_CHECK (photo->face_count <= 1);
        for (size_t i = 0; i < photo->face_count; i++)
            MT_CHECK_INT (photo->faces [i].quality.verdict, MT_VERDICT_UNSURE);
    }
    mt_photo_destroy (&photo);
    mt_pipeline_destroy (&pipeline);

    config.detector = "cnn-ish";
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "hog, cnn or both");
}

//  A missing, corrupt or truncated model file is refused, with its path.
static void
test_model_errors (void)
{
    mt_cnn_detector_t *cnn = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_cnn_detector_new ("/nonexistent/fr_detect.onnx", &cnn, &err), MT_EMODEL,
                 &err);
    MT_CHECK_CONTAINS (err.msg, "/nonexistent/fr_detect.onnx");
    MT_CHECK (cnn == NULL);

    char path [4096];
    snprintf (path, sizeof path, "%s/garbage.onnx", mt_test_tmpdir ());
    FILE *f = fopen (path, "wb");
    MT_CHECK (f != NULL);
    if (f) {
        fputs ("this is not a network\n", f);
        fclose (f);
    }
    MT_CHECK_RC (mt_cnn_detector_new (path, &cnn, &err), MT_EMODEL, &err);
    MT_CHECK_CONTAINS (err.msg, "garbage.onnx");

    //  The real file cut in half.
    char *bytes = NULL;
    size_t size = 0;
    FILE *in = fopen (s_model, "rb");
    MT_CHECK (in != NULL);
    if (in) {
        fseek (in, 0, SEEK_END);
        size = (size_t) ftell (in);
        rewind (in);
        bytes = malloc (size);
        MT_CHECK (bytes && fread (bytes, 1, size, in) == size);
        fclose (in);
    }
    snprintf (path, sizeof path, "%s/half.onnx", mt_test_tmpdir ());
    f = fopen (path, "wb");
    if (f && bytes) {
        fwrite (bytes, 1, size / 2, f);
        fclose (f);
        MT_CHECK_RC (mt_cnn_detector_new (path, &cnn, &err), MT_EMODEL, &err);
        MT_CHECK_CONTAINS (err.msg, "half.onnx");
    }
    free (bytes);

    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mobilefacenet = false;
    config.detector = "cnn";
    //  A model folder with the recognition network but no fr_detect.onnx.
    char dir [4096], link [4096 + 64], target [4096 + 64];
    snprintf (dir, sizeof dir, "%s/models", mt_test_tmpdir ());
    MT_CHECK (mkdir (dir, 0700) == 0);
    snprintf (target, sizeof target, "%s/%s", config.model_dir, MT_RECOGNITION_MODEL_FILE);
    snprintf (link, sizeof link, "%s/%s", dir, MT_RECOGNITION_MODEL_FILE);
    MT_CHECK (symlink (target, link) == 0);
    config.model_dir = dir;
    mt_pipeline_t *pipeline = NULL;
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EMODEL, &err);
    MT_CHECK_CONTAINS (err.msg, MT_CNN_DETECTOR_FILE);
}

int
main (void)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    snprintf (s_model, sizeof s_model, "%s/%s", config.model_dir, MT_CNN_DETECTOR_FILE);
    MT_RUN (test_priors);
    MT_RUN (test_bald_guys_against_hog);
    MT_RUN (test_no_face_and_small_photo);
    MT_RUN (test_pipeline_cnn);
    MT_RUN (test_model_errors);
    return MT_TEST_MAIN_END ();
}
