//  Self-test of the face pipeline on real photos with the real models:
//  detection counts against labels, identity clusters, quality verdicts,
//  the worker pool, and model errors.

#include "mt_test.h"

#include "face/mt_embedder.h"
#include "face/mt_pipeline.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mt_pipeline_t *s_pipeline;

static mt_photo_t *
s_process (const char *file)
{
    mt_photo_t *photo = NULL;
    mt_err_t err;
    int rc = mt_pipeline_process_file (s_pipeline, 0, mt_test_data (file), &photo, &err);
    MT_CHECK_RC (rc, MT_OK, &err);
    return photo;
}

//  Expected counts: dlib's labels (faces/dlib/training.xml, testing.xml) and
//  the hand counts of faces/faceapi (tests/data/SOURCES.md).
static void
test_detection_counts (void)
{
    static const struct {
        const char *file;
        size_t faces;
    } expected [] = {
        { "faces/dlib/2007_007763.jpg", 7 }, { "faces/dlib/2008_001009.jpg", 2 },
        { "faces/dlib/2008_001322.jpg", 3 }, { "faces/dlib/2008_002079.jpg", 6 },
        { "faces/dlib/2008_002470.jpg", 6 }, { "faces/dlib/2008_002506.jpg", 3 },
        { "faces/dlib/2008_004176.jpg", 7 }, { "faces/dlib/2008_007676.jpg", 7 },
        { "faces/dlib/2009_004587.jpg", 2 }, { "faces/dlib/Tom_Cruise_avp_2014_4.jpg", 1 },
        { "faces/dlib/dogs.jpg", 0 },
        { "faces/faceapi/sample1.jpg", 3 }, { "faces/faceapi/sample2.jpg", 1 },
        { "faces/faceapi/sample3.jpg", 3 }, { "faces/faceapi/sample4.jpg", 3 },
        { "faces/faceapi/sample5.jpg", 5 }, { "faces/faceapi/sample6.jpg", 4 },
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected [0]; i++) {
        mt_photo_t *photo = s_process (expected [i].file);
        if (!photo)
            continue;
        //  A photo with no sure face may keep its best unsure one (the
        //  dog's face in dogs.jpg); labelled faces are all sure ones.
        size_t sure = 0;
        for (size_t f = 0; f < photo->face_count; f++)
            sure += photo->faces [f].quality.verdict != MT_VERDICT_UNSURE;
        if (sure != expected [i].faces)
            fprintf (stderr, "%s: %zu sure faces, labelled %zu\n", expected [i].file, sure,
                     expected [i].faces);
        MT_CHECK_INT (sure, expected [i].faces);
        MT_CHECK (photo->face_count == sure || (sure == 0 && photo->face_count == 1));
        for (size_t f = 1; f < photo->face_count; f++)      //  largest first
            MT_CHECK ((long) photo->faces [f].box.width * photo->faces [f].box.height
                      <= (long) photo->faces [f - 1].box.width * photo->faces [f - 1].box.height);
        mt_photo_destroy (&photo);
    }
}

static size_t
s_find (size_t *parent, size_t i)
{
    while (parent [i] != i)
        i = parent [i] = parent [parent [i]];
    return i;
}

//  dlib's clustering example: 4 people x 6 faces. Joining faces closer than
//  the model's threshold must give exactly four groups of six.
static void
test_bald_guys_cluster (void)
{
    mt_photo_t *photo = s_process ("faces/dlib/bald_guys.jpg");
    if (!photo)
        return;
    MT_CHECK_INT (photo->face_count, 24);
    size_t n = photo->face_count;
    size_t parent [64];
    for (size_t i = 0; i < n; i++)
        parent [i] = i;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (mt_embedding_distance (photo->faces [i].embedding, photo->faces [j].embedding)
                < MT_SAME_PERSON_DISTANCE)
                parent [s_find (parent, i)] = s_find (parent, j);
    size_t sizes [64] = { 0 }, groups = 0;
    for (size_t i = 0; i < n; i++)
        sizes [s_find (parent, i)]++;
    for (size_t i = 0; i < n; i++)
        if (sizes [i]) {
            groups++;
            MT_CHECK_INT (sizes [i], 6);
        }
    MT_CHECK_INT (groups, 4);
    //  Descriptors are raw dlib output (not normalised): norms near 1.4.
    for (size_t i = 0; i < n; i++) {
        double norm = 0;
        for (int d = 0; d < MT_EMBEDDING_DIM; d++)
            norm += photo->faces [i].embedding [d] * photo->faces [i].embedding [d];
        MT_CHECK (sqrt (norm) > 1.0 && sqrt (norm) < 2.0);
        MT_CHECK_INT (photo->faces [i].quality.verdict, MT_VERDICT_OK);
    }
    mt_photo_destroy (&photo);
}

//  One face in every format and orientation gives one embedding.
static void
test_same_face_every_format (void)
{
    static const char *files [] = {
        "formats/face.jpg", "formats/face.webp", "formats/face.bmp", "formats/face.tiff",
        "formats/face_alpha.png", "formats/face_16bit.png", "formats/face_exif6.jpg",
        "formats/face_grey.png"
    };
    mt_photo_t *reference = s_process ("formats/face.png");
    if (!reference || reference->face_count != 1) {
        MT_CHECK (!"face.png has one face");
        mt_photo_destroy (&reference);
        return;
    }
    for (size_t i = 0; i < sizeof files / sizeof files [0]; i++) {
        mt_photo_t *photo = s_process (files [i]);
        if (!photo)
            continue;
        MT_CHECK_INT (photo->face_count, 1);
        if (photo->face_count == 1) {
            float d = mt_embedding_distance (photo->faces [0].embedding,
                                             reference->faces [0].embedding);
            //  Lossy coding moves a descriptor a little; grey a bit more.
            if (d >= 0.25f)
                fprintf (stderr, "%s: distance %.3f to face.png\n", files [i], d);
            MT_CHECK (d < 0.25f);
        }
        mt_photo_destroy (&photo);
    }
    mt_photo_destroy (&reference);
}

static void
test_quality_verdicts (void)
{
    mt_photo_t *photo = s_process ("formats/face_100.jpg");
    if (photo) {
        MT_CHECK_INT (photo->face_count, 1);
        if (photo->face_count == 1) {
            MT_CHECK_INT (photo->faces [0].quality.verdict, MT_VERDICT_TOO_SMALL);
            MT_CHECK (photo->faces [0].quality.size_px < 80);
            //  A small face is still embedded, for a person to review.
            MT_CHECK (photo->faces [0].embedding [0] != 0 || photo->faces [0].embedding [1] != 0);
        }
        MT_CHECK (mt_photo_best_face (photo) == &photo->faces [0]);
        mt_photo_destroy (&photo);
    }
    //  The PASCAL photos' 37-53 px faces are all flagged too small.
    photo = s_process ("faces/dlib/2008_004176.jpg");
    for (size_t i = 0; photo && i < photo->face_count; i++)
        MT_CHECK_INT (photo->faces [i].quality.verdict, MT_VERDICT_TOO_SMALL);
    mt_photo_destroy (&photo);
    //  A frontal, sharp face is ok.
    photo = s_process ("faces/dlib/Tom_Cruise_avp_2014_4.jpg");
    if (photo && photo->face_count == 1) {
        MT_CHECK_INT (photo->faces [0].quality.verdict, MT_VERDICT_OK);
        MT_CHECK (fabs (photo->faces [0].quality.yaw_deg) < 15);
    }
    mt_photo_destroy (&photo);
}

//  With no sure face, the best weak detection is kept and flagged unsure
//  (the face of an LFW photo the detector is not sure of); with the setting
//  off, a photo of dogs has no face at all.
static void
test_unsure_faces (void)
{
    mt_photo_t *photo = s_process ("faces/dlib/dogs.jpg");
    if (photo && photo->face_count == 1) {
        MT_CHECK_INT (photo->faces [0].quality.verdict, MT_VERDICT_UNSURE);
        MT_CHECK (photo->faces [0].score < 0);
        char advice [200];
        const char *code = NULL;
        mt_quality_advice_for (&photo->faces [0].quality, NULL, MT_SOURCE_ARCHIVE, &code,
                               advice, sizeof advice);
        MT_CHECK (code && strcmp (code, "check_face") == 0);
    }
    mt_photo_destroy (&photo);

    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.unsure_min_score = 0;
    mt_pipeline_t *strict;
    mt_err_t err;
    MT_CHECK_RC (mt_pipeline_new (&config, &strict, &err), MT_OK, &err);
    if (strict) {
        MT_CHECK_RC (mt_pipeline_process_file (strict, 0, mt_test_data ("faces/dlib/dogs.jpg"),
                                               &photo, &err), MT_OK, &err);
        MT_CHECK (photo && photo->face_count == 0);
        mt_photo_destroy (&photo);
    }
    mt_pipeline_destroy (&strict);
}

//  The mirror descriptor is the mean of the descriptors of the face and of
//  its mirror image: the same for a photo and for the photo mirrored, up to
//  the landmarks found on each; without it, the two differ more.
static void
test_mirror_descriptor (void)
{
    mt_image_t *image = NULL, *mirrored = NULL;
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"), &limits,
                                &image, &err), MT_OK, &err);
    if (!image)
        return;
    int w = mt_image_width (image), h = mt_image_height (image);
    size_t stride = mt_image_stride (image);
    uint8_t *flipped = malloc ((size_t) w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy (flipped + ((size_t) y * w + x) * 3,
                    mt_image_pixels (image) + y * stride + (size_t) (w - 1 - x) * 3, 3);
    MT_CHECK_RC (mt_image_from_rgb (flipped, w, h, (size_t) w * 3, &mirrored, &err), MT_OK,
                 &err);
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mobilefacenet = false;
    config.mirror = false;
    mt_pipeline_t *plain = NULL;
    MT_CHECK_RC (mt_pipeline_new (&config, &plain, &err), MT_OK, &err);
    mt_photo_t *a = NULL, *b = NULL, *pa = NULL, *pb = NULL;
    if (mirrored && plain) {
        mt_pipeline_process_image (s_pipeline, 0, image, &a, &err);
        mt_pipeline_process_image (s_pipeline, 0, mirrored, &b, &err);
        mt_pipeline_process_image (plain, 0, image, &pa, &err);
        mt_pipeline_process_image (plain, 0, mirrored, &pb, &err);
    }
    if (a && b && pa && pb && a->face_count == 1 && b->face_count == 1
    &&  pa->face_count == 1 && pb->face_count == 1) {
        float with = mt_embedding_distance (a->faces [0].embedding, b->faces [0].embedding);
        float without = mt_embedding_distance (pa->faces [0].embedding, pb->faces [0].embedding);
        float moved = mt_embedding_distance (a->faces [0].embedding, pa->faces [0].embedding);
        fprintf (stderr, "photo and mirrored photo: %.3f with the mirror descriptor, %.3f "
                 "without; mirror moved the descriptor %.3f\n", with, without, moved);
        MT_CHECK (with < 0.1);
        MT_CHECK (with < without / 1.5);
        MT_CHECK (moved > 0.005 && moved < 0.3);
    }
    else
        MT_CHECK (!"one face in the photo and in its mirror image");
    mt_photo_destroy (&a), mt_photo_destroy (&b), mt_photo_destroy (&pa), mt_photo_destroy (&pb);
    mt_pipeline_destroy (&plain);
    mt_image_destroy (&image), mt_image_destroy (&mirrored);
    free (flipped);
}

//  A portrait (a face 5x the smallest the full pass finds) is found by the
//  quick look, at the scale where such a face spans 1.15 windows (under a
//  third of the full pass's), and gives the face the full pass gives.
static void
test_portrait_quick_look (void)
{
    mt_image_t *image = NULL, *large = NULL;
    mt_image_limits_t limits = mt_image_default_limits ();
    mt_err_t err;
    MT_CHECK_RC (mt_image_load (mt_test_data ("formats/face.jpg"), &limits, &image, &err),
                 MT_OK, &err);
    if (image)
        MT_CHECK_RC (mt_image_scaled (image, 3, &large, &err), MT_OK, &err);
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mobilefacenet = false;
    config.portrait_ratio = 0;
    mt_pipeline_t *full = NULL;
    MT_CHECK_RC (mt_pipeline_new (&config, &full, &err), MT_OK, &err);
    mt_photo_t *quick = NULL, *slow = NULL;
    if (large && full) {
        MT_CHECK_RC (mt_pipeline_process_image (s_pipeline, 0, large, &quick, &err), MT_OK, &err);
        MT_CHECK_RC (mt_pipeline_process_image (full, 0, large, &slow, &err), MT_OK, &err);
    }
    if (quick && slow && quick->face_count == 1 && slow->face_count == 1) {
        MT_CHECK (quick->faces [0].box.width >= 200);
        mt_pipeline_config_t defaults;
        mt_pipeline_config_defaults (&defaults);
        MT_CHECK_NEAR (quick->detect_scale, 2 * 1.15 / defaults.portrait_ratio, 0.01);
        MT_CHECK_NEAR (slow->detect_scale, 2, 0.01);
        MT_CHECK (mt_embedding_distance (quick->faces [0].embedding,
                                         slow->faces [0].embedding) < 0.1);
    }
    else
        MT_CHECK (!"one face in the enlarged portrait, both ways");
    mt_photo_destroy (&quick), mt_photo_destroy (&slow);
    mt_pipeline_destroy (&full);
    mt_image_destroy (&image), mt_image_destroy (&large);
}

typedef struct {
    size_t calls, failed, next_index;
    float first [4][MT_EMBEDDING_DIM];
} s_batch_t;

static void
s_on_photo (void *arg, size_t index, mt_photo_t *photo, const mt_err_t *err)
{
    s_batch_t *batch = arg;
    MT_CHECK_INT (index, batch->next_index);        //  in order
    batch->next_index = index + 1;
    batch->calls++;
    if (!photo) {
        batch->failed++;
        MT_CHECK (err->code != MT_OK && err->msg [0]);
        return;
    }
    if (index < 4 && photo->face_count > 0)
        memcpy (batch->first [index], photo->faces [0].embedding, sizeof batch->first [0]);
    mt_photo_destroy (&photo);
}

//  Two workers give the same descriptors as one, in order, and a bad file in
//  the middle of a batch costs only itself.
static void
test_worker_pool (void)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.mobilefacenet = false;
    config.workers = 2;
    mt_pipeline_t *pool;
    mt_err_t err;
    MT_CHECK_RC (mt_pipeline_new (&config, &pool, &err), MT_OK, &err);
    if (!pool)
        return;
    MT_CHECK_INT (mt_pipeline_workers (pool), 2);
    const char *files [] = {
        mt_test_data ("formats/face.jpg"), mt_test_data ("bad/truncated.jpg"),
        mt_test_data ("faces/dlib/Tom_Cruise_avp_2014_4.jpg"), mt_test_data ("bad/empty.jpg"),
        mt_test_data ("faces/faceapi/sample3.jpg"), mt_test_data ("bad"),
        mt_test_data ("formats/face.webp")
    };
    size_t count = sizeof files / sizeof files [0];
    s_batch_t batch = { 0 };
    MT_CHECK_RC (mt_pipeline_run_files (pool, files, count, s_on_photo, &batch, &err), MT_OK,
                 &err);
    MT_CHECK_INT (batch.calls, count);
    MT_CHECK_INT (batch.failed, 3);
    mt_photo_t *single = s_process ("formats/face.jpg");
    if (single && single->face_count == 1)
        MT_CHECK_NEAR (mt_embedding_distance (single->faces [0].embedding, batch.first [0]),
                       0, 1e-6);
    mt_photo_destroy (&single);
    mt_pipeline_destroy (&pool);
    MT_CHECK (pool == NULL);
}

static void
test_model_errors (void)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    mt_pipeline_t *pipeline = (mt_pipeline_t *) &config;
    mt_err_t err;

    config.model_dir = "/nonexistent/models";
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EMODEL, &err);
    MT_CHECK (pipeline == NULL);
    MT_CHECK_CONTAINS (err.msg, "/nonexistent/models/" MT_RECOGNITION_MODEL_FILE);

    //  A corrupt network file: the right name, the wrong bytes.
    const char *dir = mt_test_tmpdir ();
    char path [512];
    snprintf (path, sizeof path, "%s/%s", dir, MT_RECOGNITION_MODEL_FILE);
    MT_CHECK (mt_test_write (path, "not a network", 13) == 0);
    config.model_dir = dir;
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EMODEL, &err);
    MT_CHECK_CONTAINS (err.msg, path);
    MT_CHECK_CONTAINS (err.msg, "corrupt");

    mt_pipeline_config_defaults (&config);
    config.landmark_model = "/nonexistent/landmarks.dat";
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EMODEL, &err);
    MT_CHECK_CONTAINS (err.msg, "/nonexistent/landmarks.dat");

    mt_pipeline_config_defaults (&config);
    config.workers = 0;
    MT_CHECK_RC (mt_pipeline_new (&config, &pipeline, &err), MT_EINVAL, &err);
}

int
main (void)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    //  What is tested here is dlib's part; the second descriptor has its
    //  own self-test (test_mobilefacenet.c) and would double the time.
    config.mobilefacenet = false;
    mt_err_t err;
    if (mt_pipeline_new (&config, &s_pipeline, &err) != MT_OK) {
        fprintf (stderr, "cannot load the models: %s\n", err.msg);
        return 1;
    }
    MT_RUN (test_detection_counts);
    MT_RUN (test_bald_guys_cluster);
    MT_RUN (test_same_face_every_format);
    MT_RUN (test_quality_verdicts);
    MT_RUN (test_unsure_faces);
    MT_RUN (test_mirror_descriptor);
    MT_RUN (test_portrait_quick_look);
    MT_RUN (test_worker_pool);
    MT_RUN (test_model_errors);
    mt_pipeline_destroy (&s_pipeline);
    return MT_TEST_MAIN_END ();
}
