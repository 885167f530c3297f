//  mt_pipeline - decode -> detect -> landmarks -> chip -> descriptor, on a
//  pool of worker contexts.

#include "face/mt_pipeline.h"

#include "face/mt_cnn_detector.h"
#include "face/mt_detector.h"
#include "face/mt_embedder.h"
#include "base/mt_install.h"
#include "face/mt_landmarker.h"
#include "face/mt_mobilefacenet.h"
#include "base/mt_clock.h"
#include "base/mt_helper.h"
#include "base/mti_file.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MT_DEFAULT_MODEL_DIR
#   define MT_DEFAULT_MODEL_DIR "models/data"
#endif
#ifndef MT_DEFAULT_LANDMARK_MODEL
#   define MT_DEFAULT_LANDMARK_MODEL "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
#endif

//  The side of dlib's HOG detection window: the smallest face it finds.
#define S_HOG_WINDOW 80.0
//  The quick look for portraits scans at the full pass's scale divided by
//  this, or less: where a face portrait_ratio times the smallest spans
//  S_QUICK_MARGIN windows (a smaller face does not make a portrait, so
//  scanning for it there was wasted: at portrait-ratio 5 the third of the
//  scale spent ~half the look's time on faces of 3 to 4.3 times the
//  smallest; bench/RESULTS.md).
#define S_QUICK_LOOK 3.0
#define S_QUICK_MARGIN 1.15

//  A batch lets workers run at most this many files per worker ahead of
//  the file the caller is waiting for, so results do not pile up.
#define S_BATCH_WINDOW_PER_WORKER 4

typedef enum { S_DETECT_HOG, S_DETECT_CNN, S_DETECT_BOTH } s_detect_mode;

typedef struct {
    mt_detector_t *detector;
    mt_cnn_detector_t *cnn;                 //  NULL with the HOG detector alone
    mt_embedder_t *embedder;
    mt_mobilefacenet_worker_t *mobilefacenet;
    mt_helper_t *helper;                    //  runs MobileFaceNet beside dlib's network
} s_worker_t;

struct mt_pipeline {
    mt_pipeline_config_t config;
    char *model_dir;
    char *landmark_model;
    s_detect_mode detect_mode;
    mt_landmarker_t *landmarker;
    mt_mobilefacenet_t *mobilefacenet;      //  NULL when not asked for
    size_t worker_count;
    s_worker_t *workers;
    atomic_int busy;                        //  workers describing a photo now
    int cores;                              //  of this machine
};

static char s_model_dir [PATH_MAX];
static pthread_once_t s_model_dir_once = PTHREAD_ONCE_INIT;

static void
s_find_model_dir (void)
{
    mt_install_path ("models", MT_DEFAULT_MODEL_DIR, s_model_dir, sizeof s_model_dir);
}

void
mt_pipeline_config_defaults (mt_pipeline_config_t *config)
{
    const char *env_dir = getenv ("HOMEWARD_MODEL_DIR");
    pthread_once (&s_model_dir_once, s_find_model_dir);
    *config = (mt_pipeline_config_t) {
        .model_dir = env_dir && *env_dir ? env_dir : s_model_dir,
        .landmark_model = MT_DEFAULT_LANDMARK_MODEL,
        .workers = 1,
        .limits = mt_image_default_limits (),
        .detect_min_face = 40,
        .detect_max_pixels = 4000000,
        .retry_max_pixels = 12000000,
        .unsure_min_score = -0.4,
        .portrait_ratio = 5,
        .mirror = true,
        .mobilefacenet = true,
        .detector = "hog",
        .quality = mt_quality_default_limits (),
        .keep_chips = false
    };
}

void
mt_pipeline_destroy (mt_pipeline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mt_pipeline_t *self = *self_p;
    for (size_t i = 0; i < self->worker_count; i++) {
        mt_detector_destroy (&self->workers [i].detector);
        mt_cnn_detector_destroy (&self->workers [i].cnn);
        mt_embedder_destroy (&self->workers [i].embedder);
        mt_mobilefacenet_worker_destroy (&self->workers [i].mobilefacenet);
        mt_helper_destroy (&self->workers [i].helper);
    }
    free (self->workers);
    mt_landmarker_destroy (&self->landmarker);
    mt_mobilefacenet_destroy (&self->mobilefacenet);
    free (self->model_dir);
    free (self->landmark_model);
    free (self);
    *self_p = NULL;
}

int
mt_pipeline_new (const mt_pipeline_config_t *config, mt_pipeline_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (config->workers < 1 || config->workers > 256)
        return mt_err_set (err, MT_EINVAL, "workers must be 1..256, not %zu", config->workers);
    if (config->detect_min_face < 10 || config->detect_max_pixels < 10000
    ||  config->retry_max_pixels < config->detect_max_pixels)
        return mt_err_set (err, MT_EINVAL, "detection sizes out of range");
    if (!(config->portrait_ratio == 0 || (config->portrait_ratio >= 3
                                          && config->portrait_ratio <= 100)))
        return mt_err_set (err, MT_EINVAL, "portrait_ratio must be 0 or 3..100, not %g",
                           config->portrait_ratio);
    if (!(config->unsure_min_score >= -2 && config->unsure_min_score <= 0))
        return mt_err_set (err, MT_EINVAL, "unsure_min_score must be -2..0, not %g",
                           config->unsure_min_score);
    const char *detector = config->detector ? config->detector : "hog";
    s_detect_mode mode = S_DETECT_HOG;
    if (strcmp (detector, "cnn") == 0)
        mode = S_DETECT_CNN;
    else
    if (strcmp (detector, "both") == 0)
        mode = S_DETECT_BOTH;
    else
    if (strcmp (detector, "hog") != 0)
        return mt_err_set (err, MT_EINVAL, "detector must be hog, cnn or both, not %s",
                           detector);

    mt_pipeline_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    self->config = *config;
    self->detect_mode = mode;
    self->model_dir = strdup (config->model_dir ? config->model_dir : "");
    self->landmark_model = strdup (config->landmark_model ? config->landmark_model : "");
    self->workers = calloc (config->workers, sizeof *self->workers);
    if (!self->model_dir || !self->landmark_model || !self->workers) {
        mt_pipeline_destroy (&self);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    self->config.model_dir = self->model_dir;
    self->config.landmark_model = self->landmark_model;
    self->config.detector = mode == S_DETECT_CNN ? "cnn"
                          : mode == S_DETECT_BOTH ? "both" : "hog";

    //  Each worker is one thread of work; BLAS or OpenCV threads inside it
    //  only compete with the other workers (shared FACTS.md: thread trap).
    //  Measured: even a single worker computes a descriptor faster with one
    //  BLAS thread (14.6 ms) than with two (19.8 ms) on this 2-core machine.
    openblas_set_num_threads (1);
    mt_image_set_threads (1);

    char net_path [4096];
    snprintf (net_path, sizeof net_path, "%s/%s", self->model_dir, MT_RECOGNITION_MODEL_FILE);
    int rc = mt_landmarker_new (self->landmark_model, &self->landmarker, err);
    for (size_t i = 0; rc == MT_OK && i < config->workers; i++) {
        rc = mt_detector_new (&self->workers [i].detector, err);
        if (rc == MT_OK)
            rc = mt_embedder_new (net_path, &self->workers [i].embedder, err);
        self->worker_count = i + 1;
    }
    for (size_t i = 0; rc == MT_OK && mode != S_DETECT_HOG && i < self->worker_count; i++) {
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", self->model_dir, MT_CNN_DETECTOR_FILE);
        rc = mt_cnn_detector_new (path, &self->workers [i].cnn, err);
    }
    if (rc == MT_OK && config->mobilefacenet) {
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", self->model_dir, MT_MOBILEFACENET_FILE);
        rc = access (path, R_OK) == 0
           ? mt_mobilefacenet_load (path, &self->mobilefacenet, err)
           : mt_err_set (err, MT_EMODEL, "no %s in %s: models/fetch-models.sh fetches it "
                         "(or --no-mobilefacenet goes without it)", MT_MOBILEFACENET_FILE,
                         self->model_dir);
    }
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    self->cores = cores > 0 ? (int) cores : 1;
    for (size_t i = 0; rc == MT_OK && self->mobilefacenet && i < self->worker_count; i++) {
        rc = mt_mobilefacenet_worker_new (self->mobilefacenet, &self->workers [i].mobilefacenet,
                                          err);
        if (rc == MT_OK)
            rc = mt_helper_new (&self->workers [i].helper, err);
    }
    if (rc != MT_OK) {
        mt_pipeline_destroy (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

size_t
mt_pipeline_workers (const mt_pipeline_t *self)
{
    return self->worker_count;
}

void
mt_photo_destroy (mt_photo_t **photo_p)
{
    if (!photo_p || !*photo_p)
        return;
    mt_photo_t *photo = *photo_p;
    for (size_t i = 0; i < photo->face_count; i++)
        free (photo->faces [i].chip);
    free (photo->faces);
    free (photo);
    *photo_p = NULL;
}

const mt_photo_face_t *
mt_photo_best_face (const mt_photo_t *photo)
{
    //  Faces are sorted largest first.
    for (size_t i = 0; i < photo->face_count; i++)
        if (photo->faces [i].quality.verdict == MT_VERDICT_OK)
            return &photo->faces [i];
    return photo->face_count > 0 ? &photo->faces [0] : NULL;
}

//  Detect at a scale of the photo, down to min_score; boxes come back in
//  the photo's pixels, best first.
static int
s_detect_at (s_worker_t *worker, const mt_image_t *image, double scale, double min_score,
             mt_detection_t **found_p, size_t *count_p, mt_err_t *err)
{
    mt_image_t *scaled = NULL;
    const mt_image_t *input = image;
    if (fabs (scale - 1) < 0.02)
        scale = 1;
    if (scale != 1) {
        int rc = mt_image_scaled (image, scale, &scaled, err);
        if (rc != MT_OK)
            return rc;
        input = scaled;
    }
    int rc = mt_detector_find (worker->detector, input, min_score, found_p, count_p, err);
    mt_image_destroy (&scaled);
    if (rc != MT_OK || scale == 1)
        return rc;
    for (size_t i = 0; i < *count_p; i++) {
        mt_box_t *b = &(*found_p) [i].box;
        *b = (mt_box_t) {
            (int) lround (b->x / scale), (int) lround (b->y / scale),
            (int) lround (b->width / scale), (int) lround (b->height / scale)
        };
    }
    return MT_OK;
}

//  How many of the detections (best first) reach the detector's own
//  threshold.
static size_t
s_sure (const mt_detection_t *found, size_t count)
{
    size_t n = 0;
    while (n < count && found [n].score >= 0)
        n++;
    return n;
}

//  The CNN's probability below which a face is not kept even as unsure.
#define S_CNN_UNSURE_PROB 0.5
//  A CNN box is refined by HOG on a crop this many times its side, scaled
//  so that the face is S_REFINE_FACE pixels (HOG finds faces from 80).
#define S_REFINE_CROP 2.0
#define S_REFINE_FACE 110.0

static double
s_box_iou (const mt_box_t *a, const mt_box_t *b)
{
    double x1 = fmax (a->x, b->x), y1 = fmax (a->y, b->y);
    double x2 = fmin (a->x + a->width, b->x + b->width);
    double y2 = fmin (a->y + a->height, b->y + b->height);
    double inter = x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
    double uni = (double) a->width * a->height + (double) b->width * b->height - inter;
    return uni > 0 ? inter / uni : 0;
}

//  Refine a CNN detection with a HOG pass on the enlarged crop around it:
//  the landmarks and chips the descriptors were calibrated on come from
//  HOG's boxes, and a CNN box alone (taller, up to the hairline) moves them.
//  HOG's detections down to min_score count. Without one there the CNN box
//  is kept, made square, as an unsure face (score below 0): in dlib's
//  dogs.jpg the CNN takes two dogs' faces for faces at 0.7 and more.
static int
s_refine (s_worker_t *worker, const mt_image_t *image, double min_score, mt_detection_t *det,
          mt_err_t *err)
{
    const mt_box_t *b = &det->box;
    double side = fmax (b->width, b->height);
    double cx = b->x + b->width / 2.0, cy = b->y + b->height / 2.0;
    double s = S_REFINE_FACE / side;
    int out = (int) lround (S_REFINE_CROP * S_REFINE_FACE);
    double x0 = cx - S_REFINE_CROP * side / 2, y0 = cy - S_REFINE_CROP * side / 2;
    uint8_t *rgb = malloc ((size_t) out * out * 3);
    if (!rgb)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    const double m [6] = { s, 0, -s * x0, 0, s, -s * y0 };
    mt_image_t *crop = NULL;
    int rc = mt_image_warp (image, m, out, out, rgb, err);
    if (rc == MT_OK)
        rc = mt_image_from_rgb (rgb, out, out, (size_t) out * 3, &crop, err);
    free (rgb);
    mt_detection_t *hog = NULL;
    size_t count = 0;
    if (rc == MT_OK)
        rc = mt_detector_find (worker->detector, crop, min_score, &hog, &count, err);
    mt_image_destroy (&crop);
    if (rc != MT_OK)
        return rc;
    mt_box_t cnn_in_crop = {
        (int) lround ((b->x - x0) * s), (int) lround ((b->y - y0) * s),
        (int) lround (b->width * s), (int) lround (b->height * s)
    };
    double best_iou = 0.3;
    const mt_detection_t *best = NULL;
    for (size_t i = 0; i < count; i++) {
        double iou = s_box_iou (&hog [i].box, &cnn_in_crop);
        if (iou > best_iou)
            best_iou = iou, best = &hog [i];
    }
    if (best) {
        det->box = (mt_box_t) {
            (int) lround (x0 + best->box.x / s), (int) lround (y0 + best->box.y / s),
            (int) lround (best->box.width / s), (int) lround (best->box.height / s)
        };
        det->pose = best->pose;
    }
    else {
        int sq = (int) lround ((b->width + b->height) / 2.0);
        det->box = (mt_box_t) { (int) lround (cx - sq / 2.0), (int) lround (cy - sq / 2.0),
                                sq, sq };
        det->score -= 1 - MT_CNN_DETECTOR_THRESHOLD;
    }
    free (hog);
    return MT_OK;
}

static int
s_by_score_desc (const void *a, const void *b)
{
    const mt_detection_t *da = a, *db = b;
    return (da->score < db->score) - (da->score > db->score);
}

//  The CNN's faces down to S_CNN_UNSURE_PROB (or its own threshold when
//  unsure faces are off), each refined by HOG, best first: those HOG
//  confirms are sure (score >= 0), the others unsure.
static int
s_detect_cnn (s_worker_t *worker, const mt_image_t *image, const mt_pipeline_config_t *cfg,
              mt_detection_t **found_p, size_t *count_p, mt_err_t *err)
{
    double min_prob = cfg->unsure_min_score < 0 ? S_CNN_UNSURE_PROB
                                                 : MT_CNN_DETECTOR_THRESHOLD;
    int rc = mt_cnn_detector_find (worker->cnn, image, min_prob, found_p, count_p, err);
    for (size_t i = 0; rc == MT_OK && i < *count_p; i++)
        rc = s_refine (worker, image, cfg->unsure_min_score, &(*found_p) [i], err);
    if (rc != MT_OK) {
        free (*found_p);
        *found_p = NULL, *count_p = 0;
    }
    else
    if (*count_p > 1)
        qsort (*found_p, *count_p, sizeof **found_p, s_by_score_desc);
    return rc;
}

//  Merge the CNN's faces into HOG's (both already chosen sure-or-unsure):
//  sure HOG faces gain the sure CNN faces that overlap none of them; a
//  photo where HOG is not sure takes the CNN's sure faces, if any.
static int
s_merge_cnn (mt_detection_t **found_p, size_t *count_p, mt_detection_t *cnn, size_t cnn_count,
             mt_err_t *err)
{
    size_t cnn_sure = s_sure (cnn, cnn_count);
    if (cnn_sure == 0)
        return MT_OK;
    if (*count_p == 0 || (*found_p) [0].score < 0) {
        mt_detection_t *copy = malloc (cnn_sure * sizeof *copy);
        if (!copy)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        memcpy (copy, cnn, cnn_sure * sizeof *copy);
        free (*found_p);
        *found_p = copy, *count_p = cnn_sure;
        return MT_OK;
    }
    mt_detection_t *all = realloc (*found_p, (*count_p + cnn_sure) * sizeof *all);
    if (!all)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    *found_p = all;
    size_t hog_count = *count_p;
    for (size_t i = 0; i < cnn_sure; i++) {
        bool overlaps = false;
        for (size_t j = 0; j < hog_count && !overlaps; j++)
            overlaps = s_box_iou (&cnn [i].box, &all [j].box) > 0.3;
        if (!overlaps)
            all [(*count_p)++] = cnn [i];
    }
    return MT_OK;
}

//  The descriptor of a chip, averaged with that of its mirror image when
//  asked: a face seen both ways gives a steadier descriptor.
static int
s_describe (s_worker_t *worker, const uint8_t *chip, bool mirror, float *out, mt_err_t *err)
{
    if (!mirror)
        return mt_embedder_compute (worker->embedder, chip, out, err);
    //  The chip and its mirror image in one pass.
    uint8_t chips [2 * MT_CHIP_BYTES];
    memcpy (chips, chip, MT_CHIP_BYTES);
    uint8_t *flipped = chips + MT_CHIP_BYTES;
    for (int r = 0; r < MT_CHIP_SIZE; r++)
        for (int c = 0; c < MT_CHIP_SIZE; c++)
            memcpy (flipped + (r * MT_CHIP_SIZE + c) * 3,
                    chip + (r * MT_CHIP_SIZE + MT_CHIP_SIZE - 1 - c) * 3, 3);
    float both [2 * MT_EMBEDDING_DIM];
    int rc = mt_embedder_compute_batch (worker->embedder, chips, 2, both, err);
    for (int i = 0; rc == MT_OK && i < MT_EMBEDDING_DIM; i++)
        out [i] = (both [i] + both [MT_EMBEDDING_DIM + i]) / 2;
    return rc;
}

//  A face's MobileFaceNet descriptor, on the worker's helper thread while
//  the worker computes dlib's: a photo waits for the slower of the two
//  networks, not for both (when a core is free).
typedef struct {
    s_worker_t *worker;
    const mt_image_t *image;
    mt_photo_face_t *face;
    bool mirror;
    int rc;
    mt_err_t err;
    double ms;
} s_second_t;

static void
s_describe_second (void *arg)
{
    s_second_t *task = arg;
    double start = (1e3 * mt_clock_s ());
    uint8_t chip2 [MT_CHIP2_BYTES];
    task->rc = mt_mobilefacenet_align (task->image, task->face->landmarks, chip2, &task->err);
    if (task->rc == MT_OK)
        task->rc = mt_mobilefacenet_compute (task->worker->mobilefacenet, chip2, task->mirror,
                                             task->face->embedding2, &task->err);
    task->face->has_embedding2 = task->rc == MT_OK;
    task->ms = (1e3 * mt_clock_s ()) - start;
}

//  A face found: its landmarks, its chip and quality, its descriptors.
static int
s_face (mt_pipeline_t *self, s_worker_t *worker, const mt_image_t *image, mt_photo_face_t *face,
        mt_timing_t *timing, mt_err_t *err)
{
    const mt_pipeline_config_t *cfg = &self->config;
    uint8_t chip [MT_CHIP_BYTES];
    double start = (1e3 * mt_clock_s ());
    int rc = mt_landmarker_fit (self->landmarker, image, &face->box, face->landmarks, err);
    double fitted = (1e3 * mt_clock_s ());
    timing->landmarks_ms += fitted - start;
    if (rc == MT_OK)
        rc = mt_landmarker_align (image, face->landmarks, chip, err);
    if (rc != MT_OK)
        return rc;
    double sharpness = mt_image_sharpness (chip, MT_CHIP_SIZE, MT_CHIP_SIZE, MT_CHIP_SIZE * 3);
    mt_quality_assess (&face->box, face->landmarks, sharpness, &cfg->quality, &face->quality);
    if (face->score < 0)
        face->quality.verdict = MT_VERDICT_UNSURE;
    if (cfg->keep_chips) {
        face->chip = malloc (MT_CHIP_BYTES);
        if (!face->chip)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        memcpy (face->chip, chip, MT_CHIP_BYTES);
    }
    double aligned = (1e3 * mt_clock_s ());
    timing->chip_ms += aligned - fitted;
    //  Beside dlib's network while a core is free; after it when every
    //  core has a photo (two threads a core would only take turns).
    s_second_t second = { worker, image, face, cfg->mirror, MT_OK, { 0 }, 0 };
    bool beside = worker->mobilefacenet && atomic_load (&self->busy) < self->cores;
    if (beside)
        mt_helper_start (worker->helper, s_describe_second, &second);
    rc = s_describe (worker, chip, cfg->mirror, face->embedding, err);
    timing->descriptor_ms += (1e3 * mt_clock_s ()) - aligned;
    if (worker->mobilefacenet) {
        if (beside)
            mt_helper_wait (worker->helper);
        else
            s_describe_second (&second);
        timing->descriptor2_ms += second.ms;
        if (rc == MT_OK && second.rc != MT_OK) {
            rc = second.rc;
            *err = second.err;
        }
    }
    return rc;
}

static int
s_by_size_desc (const void *a, const void *b)
{
    const mt_photo_face_t *fa = a, *fb = b;
    long area_a = (long) fa->box.width * fa->box.height;
    long area_b = (long) fb->box.width * fb->box.height;
    return (area_a < area_b) - (area_a > area_b);
}

//  Of HOG's detections, the sure ones; else the best few unsure ones that
//  are not smaller than min_face. Returns how many are kept (first).
static size_t
s_keep (mt_detection_t *found, size_t count, double min_face)
{
    size_t sure = s_sure (found, count);
    if (sure > 0)
        return sure;
    size_t kept = 0;
    for (size_t i = 0; i < count && kept < MT_PIPELINE_MAX_UNSURE; i++)
        if (fmin (found [i].box.width, found [i].box.height) >= min_face)
            found [kept++] = found [i];
    return kept;
}

static int
s_process_image (mt_pipeline_t *self, size_t worker_index, const mt_image_t *image,
                 mt_photo_t **photo_p, mt_err_t *err)
{
    *photo_p = NULL;
    if (worker_index >= self->worker_count)
        return mt_err_set (err, MT_EINVAL, "worker %zu of %zu", worker_index,
                           self->worker_count);
    s_worker_t *worker = &self->workers [worker_index];
    const mt_pipeline_config_t *cfg = &self->config;
    mt_photo_t *photo = calloc (1, sizeof *photo);
    if (!photo)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    photo->width = mt_image_width (image);
    photo->height = mt_image_height (image);
    photo->format = mt_image_format (image);

    //  Detection: scale the photo so that faces of detect_min_face pixels
    //  reach the HOG window (80 px), within a budget of pixels; when nothing
    //  is found try once more at twice the scale, within a larger budget.
    double start = (1e3 * mt_clock_s ());
    double area = (double) photo->width * photo->height;
    double scale = S_HOG_WINDOW / cfg->detect_min_face;
    if (area * scale * scale > (double) cfg->detect_max_pixels)
        scale = sqrt ((double) cfg->detect_max_pixels / area);
    mt_detection_t *found = NULL;
    size_t count = 0;
    int rc = MT_OK;
    //  A quick look at a third of the scale or less (a ninth of the work or
    //  less; faces of 3x the smallest or more are found there) first: a face
    //  portrait_ratio times the smallest the full pass would find makes the
    //  photo a portrait, whose background faces are not the person.
    bool hog = self->detect_mode != S_DETECT_CNN;
    double smallest = S_HOG_WINDOW / scale;
    if (hog && cfg->portrait_ratio > 0
    &&  cfg->portrait_ratio * smallest <= fmin (photo->width, photo->height)) {
        double quick = scale * fmin (1 / S_QUICK_LOOK, S_QUICK_MARGIN / cfg->portrait_ratio);
        rc = s_detect_at (worker, image, quick, 0, &found, &count, err);
        if (rc == MT_OK && !(count > 0 && fmin (found [0].box.width, found [0].box.height)
                                          >= cfg->portrait_ratio * smallest)) {
            free (found);
            found = NULL, count = 0;
        }
        else
        if (rc == MT_OK)
            scale = quick;
    }
    //  Each pass also returns the weaker detections, at no extra cost, so
    //  that a photo with no sure face can keep its best unsure ones.
    if (hog && rc == MT_OK && count == 0)
        rc = s_detect_at (worker, image, scale, cfg->unsure_min_score, &found, &count, err);
    double retry = scale * 2;
    if (area * retry * retry > (double) cfg->retry_max_pixels)
        retry = sqrt ((double) cfg->retry_max_pixels / area);
    if (hog && rc == MT_OK && s_sure (found, count) == 0 && retry > scale * 1.2) {
        mt_detection_t *again = NULL;
        size_t again_count = 0;
        rc = s_detect_at (worker, image, retry, cfg->unsure_min_score, &again, &again_count,
                          err);
        //  The retry's answer wins when it is surer.
        if (rc == MT_OK && again_count > 0
        &&  (count == 0 || again [0].score > found [0].score)) {
            free (found);
            found = again, count = again_count;
            scale = retry;
        }
        else
            free (again);
    }
    count = s_keep (found, count, cfg->detect_min_face);
    if (rc == MT_OK && self->detect_mode != S_DETECT_HOG) {
        mt_detection_t *cnn = NULL;
        size_t cnn_count = 0;
        rc = s_detect_cnn (worker, image, cfg, &cnn, &cnn_count, err);
        if (rc == MT_OK && self->detect_mode == S_DETECT_CNN) {
            //  As with HOG: the sure faces, or else the best unsure one.
            free (found);
            found = cnn, count = s_sure (cnn, cnn_count);
            if (count == 0)
                count = cnn_count < MT_PIPELINE_MAX_UNSURE ? cnn_count : MT_PIPELINE_MAX_UNSURE;
            cnn = NULL;
            scale = 1;
        }
        else
        if (rc == MT_OK)
            rc = s_merge_cnn (&found, &count, cnn, cnn_count, err);
        free (cnn);
    }
    photo->detect_scale = scale;
    photo->timing.detect_ms = (1e3 * mt_clock_s ()) - start;
    if (rc == MT_OK && count > 0) {
        photo->faces = calloc (count, sizeof *photo->faces);
        if (!photo->faces)
            rc = mt_err_set (err, MT_ENOMEM, "out of memory for %zu faces", count);
    }

    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mt_photo_face_t *face = &photo->faces [i];
        face->box = found [i].box;
        face->score = found [i].score;
        face->pose = found [i].pose;
        photo->face_count = i + 1;
        rc = s_face (self, worker, image, face, &photo->timing, err);
    }
    free (found);
    if (rc != MT_OK) {
        mt_photo_destroy (&photo);
        return rc;
    }
    if (photo->face_count > 1)
        qsort (photo->faces, photo->face_count, sizeof *photo->faces, s_by_size_desc);
    *photo_p = photo;
    return MT_OK;
}

int
mt_pipeline_process_image (mt_pipeline_t *self, size_t worker, const mt_image_t *image,
                           mt_photo_t **photo_p, mt_err_t *err)
{
    atomic_fetch_add (&self->busy, 1);
    int rc = s_process_image (self, worker, image, photo_p, err);
    atomic_fetch_sub (&self->busy, 1);
    return rc;
}

int
mt_pipeline_process (mt_pipeline_t *self, size_t worker, const void *bytes, size_t size,
                     mt_photo_t **photo_p, mt_err_t *err)
{
    *photo_p = NULL;
    double start = (1e3 * mt_clock_s ());
    mt_image_t *image;
    int rc = mt_image_decode (bytes, size, &self->config.limits, &image, err);
    if (rc != MT_OK)
        return rc;
    double decode_ms = (1e3 * mt_clock_s ()) - start;
    rc = mt_pipeline_process_image (self, worker, image, photo_p, err);
    mt_image_destroy (&image);
    if (rc == MT_OK)
        (*photo_p)->timing.decode_ms = decode_ms;
    return rc;
}

int
mt_pipeline_process_file (mt_pipeline_t *self, size_t worker, const char *path,
                          mt_photo_t **photo_p, mt_err_t *err)
{
    *photo_p = NULL;
    double start = (1e3 * mt_clock_s ());
    uint8_t *bytes;
    size_t size;
    int rc = mti_file_read (path, self->config.limits.max_bytes, &bytes, &size, err);
    if (rc != MT_OK)
        return rc;
    double read_ms = (1e3 * mt_clock_s ()) - start;
    rc = mt_pipeline_process (self, worker, bytes, size, photo_p, err);
    free (bytes);
    if (rc == MT_OK)
        (*photo_p)->timing.decode_ms += read_ms;
    return rc;
}

//  ---------------------------------------------------------------- batches

typedef struct {
    mt_photo_t *photo;
    mt_err_t err;
    bool done;
} s_slot_t;

typedef struct {
    mt_pipeline_t *pipeline;
    const char *const *paths;
    size_t count;
    s_slot_t *slots;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t next;                //  next file a worker takes
    size_t delivered;           //  files handed to the callback
    size_t window;
} s_batch_t;

typedef struct {
    s_batch_t *batch;
    size_t worker;
} s_batch_worker_t;

static void *
s_batch_worker (void *arg)
{
    s_batch_worker_t *bw = arg;
    s_batch_t *batch = bw->batch;
    for (;;) {
        pthread_mutex_lock (&batch->lock);
        while (batch->next < batch->count && batch->next >= batch->delivered + batch->window)
            pthread_cond_wait (&batch->changed, &batch->lock);
        size_t index = batch->next;
        if (index < batch->count)
            batch->next++;
        pthread_mutex_unlock (&batch->lock);
        if (index >= batch->count)
            return NULL;

        s_slot_t *slot = &batch->slots [index];
        mt_err_clear (&slot->err);
        mt_pipeline_process_file (batch->pipeline, bw->worker, batch->paths [index],
                                  &slot->photo, &slot->err);
        pthread_mutex_lock (&batch->lock);
        slot->done = true;
        pthread_cond_broadcast (&batch->changed);
        pthread_mutex_unlock (&batch->lock);
    }
}

int
mt_pipeline_run_files (mt_pipeline_t *self, const char *const *paths, size_t count,
                       mt_pipeline_fn *fn, void *arg, mt_err_t *err)
{
    s_batch_t batch = {
        .pipeline = self, .paths = paths, .count = count,
        .window = self->worker_count * S_BATCH_WINDOW_PER_WORKER
    };
    batch.slots = calloc (count ? count : 1, sizeof *batch.slots);
    pthread_t *threads = calloc (self->worker_count, sizeof *threads);
    s_batch_worker_t *args = calloc (self->worker_count, sizeof *args);
    if (!batch.slots || !threads || !args) {
        free (batch.slots), free (threads), free (args);
        return mt_err_set (err, MT_ENOMEM, "out of memory for a batch of %zu", count);
    }
    pthread_mutex_init (&batch.lock, NULL);
    pthread_cond_init (&batch.changed, NULL);

    size_t started = 0;
    int rc = MT_OK;
    for (; started < self->worker_count; started++) {
        args [started] = (s_batch_worker_t) { &batch, started };
        if (pthread_create (&threads [started], NULL, s_batch_worker, &args [started]) != 0) {
            rc = mt_err_set (err, MT_ENOMEM, "cannot start worker thread %zu", started);
            break;
        }
    }
    //  With at least one worker running the batch completes; hand results
    //  over in order as they arrive.
    for (size_t i = 0; started > 0 && i < count; i++) {
        pthread_mutex_lock (&batch.lock);
        while (!batch.slots [i].done)
            pthread_cond_wait (&batch.changed, &batch.lock);
        pthread_mutex_unlock (&batch.lock);
        fn (arg, i, batch.slots [i].photo, &batch.slots [i].err);
        pthread_mutex_lock (&batch.lock);
        batch.delivered = i + 1;
        pthread_cond_broadcast (&batch.changed);
        pthread_mutex_unlock (&batch.lock);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join (threads [i], NULL);
    pthread_cond_destroy (&batch.changed);
    pthread_mutex_destroy (&batch.lock);
    free (batch.slots), free (threads), free (args);
    return started > 0 ? MT_OK : rc;
}
