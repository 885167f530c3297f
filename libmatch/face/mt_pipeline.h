//  mt_pipeline - photo in, faces with quality and 128-d descriptors out:
//  decode -> detect -> landmarks -> aligned chip -> descriptor.
//
//  A pipeline owns N worker contexts (each with its own HOG detector and its
//  own recognition network, since neither is thread-safe) and one shared
//  landmark model. A caller's thread uses one worker index at a time;
//  mt_pipeline_run_files runs a batch over all workers.

#ifndef MT_PIPELINE_H_INCLUDED
#define MT_PIPELINE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "base/mt_error.h"
#include "face/mt_face.h"
#include "face/mt_image.h"
#include "face/mt_mobilefacenet.h"
#include "face/mt_quality.h"

#ifdef __cplusplus
extern "C" {
#endif

//  File name of the converted recognition network inside the model folder.
#define MT_RECOGNITION_MODEL_FILE "dlib_face_recognition_resnet_model_v1.dat"
//  Most unsure faces kept from one photo.
#define MT_PIPELINE_MAX_UNSURE 1

typedef struct {
    const char *model_dir;          //  holds MT_RECOGNITION_MODEL_FILE
    const char *landmark_model;     //  dlib's 68-point shape predictor
    size_t workers;                 //  worker contexts (threads of a batch)
    mt_image_limits_t limits;
    //  Detection scale. HOG finds faces from about 80 px, so a photo is
    //  scaled by 80 / detect_min_face to find faces that small, unless the
    //  scaled photo would exceed detect_max_pixels (time grows with pixels).
    //  When nothing is found it is tried once more at twice the scale,
    //  within retry_max_pixels.
    int detect_min_face;
    uint64_t detect_max_pixels;
    uint64_t retry_max_pixels;
    //  When neither pass finds a face at the detector's own threshold (0),
    //  its best weaker detection down to this confidence and at least
    //  detect_min_face wide is kept, flagged "unsure". 0 turns this off.
    //  Measured on lfw-scale: -0.4 finds the face in 11 of the 12 photos
    //  where none was found, and false faces in some photos with no face.
    double unsure_min_score;
    //  A quick first pass at a third of the scale or less (where such a face
    //  spans 1.15 detection windows): when it finds a face this many times
    //  the smallest the full pass finds, the photo is a portrait and the
    //  full pass (9x the work or more) is skipped. 0 or 3..100; 0 turns this
    //  off. A photo too small to hold such a face gets no quick look.
    double portrait_ratio;
    //  Average each face's descriptor with that of its mirror image (a
    //  second pass of the network, +15-20 ms a face). Measured on
    //  lfw-scale: the true family first for 92.1% instead of 89.1%.
    bool mirror;
    //  Also describe each face with MobileFaceNet (MT_MOBILEFACENET_FILE in
    //  model_dir; +13 ms a face, twice that with mirror). Measured on
    //  lfw-scale: see bench/RESULTS.md, "A second descriptor".
    bool mobilefacenet;
    //  Which detector finds the faces: "hog" (dlib's, as above), "cnn" (the
    //  RFB-320 network, MT_CNN_DETECTOR_FILE in model_dir, each of its boxes
    //  refined by a HOG pass on the enlarged crop, so that landmarks and
    //  chips are what the descriptors were calibrated on) or "both" (HOG's
    //  faces plus the CNN's that none of them overlaps). Measured: see
    //  bench/RESULTS.md, "A CNN face detector".
    const char *detector;
    mt_quality_limits_t quality;
    bool keep_chips;                //  keep each face's aligned chip in the result
} mt_pipeline_config_t;

typedef struct {
    mt_box_t box;
    double score;
    mt_pose pose;
    mt_point_t landmarks [MT_LANDMARKS];
    mt_quality_t quality;
    float embedding [MT_EMBEDDING_DIM];
    bool has_embedding2;            //  mobilefacenet: embedding2 holds its descriptor
    float embedding2 [MT_EMBEDDING2_DIM];
    uint8_t *chip;                  //  MT_CHIP_BYTES of RGB, or NULL (keep_chips)
} mt_photo_face_t;

//  Milliseconds per stage for one photo; the face stages are summed over
//  its faces.
typedef struct {
    double decode_ms, detect_ms, landmarks_ms, chip_ms, descriptor_ms, descriptor2_ms;
} mt_timing_t;

typedef struct {
    int width, height;              //  after EXIF orientation
    mt_format format;
    double detect_scale;            //  scale of the pass that found the faces
    size_t face_count;
    mt_photo_face_t *faces;         //  largest face first
    mt_timing_t timing;
} mt_photo_t;

//  Defaults: model_dir from HOMEWARD_MODEL_DIR or the build's, one worker,
//  default image and quality limits.
void mt_pipeline_config_defaults (mt_pipeline_config_t *config);

typedef struct mt_pipeline mt_pipeline_t;

//  Load the models and make config->workers worker contexts (about 0.8 s for
//  the landmark model plus 0.1 s a worker). The config's strings are copied.
//  Caller owns *self_p and must destroy it.
int mt_pipeline_new (const mt_pipeline_config_t *config, mt_pipeline_t **self_p,
                     mt_err_t *err);

//  Destroy a pipeline; NULL-safe; sets *self_p to NULL.
void mt_pipeline_destroy (mt_pipeline_t **self_p);

size_t mt_pipeline_workers (const mt_pipeline_t *self);

//  Run the whole pipeline on one encoded photo with worker context `worker`
//  (< workers; no two threads may use the same index at once). A photo with
//  no face is a success with face_count 0. On success the caller owns
//  *photo_p and must destroy it.
int mt_pipeline_process (mt_pipeline_t *self, size_t worker, const void *bytes,
                         size_t size, mt_photo_t **photo_p, mt_err_t *err);

//  The same for a file.
int mt_pipeline_process_file (mt_pipeline_t *self, size_t worker, const char *path,
                              mt_photo_t **photo_p, mt_err_t *err);

//  The same for a decoded image (borrowed).
int mt_pipeline_process_image (mt_pipeline_t *self, size_t worker,
                               const mt_image_t *image, mt_photo_t **photo_p,
                               mt_err_t *err);

//  Called once per file of a batch, in the order of the files, from the
//  thread that called mt_pipeline_run_files. photo is NULL when the file
//  failed, and err says why; the callee owns photo.
typedef void (mt_pipeline_fn) (void *arg, size_t index, mt_photo_t *photo,
                               const mt_err_t *err);

//  Process files on all workers. Returns MT_OK once every file has been
//  handed to fn (however each went), or an error if threads could not start.
int mt_pipeline_run_files (mt_pipeline_t *self, const char *const *paths, size_t count,
                           mt_pipeline_fn *fn, void *arg, mt_err_t *err);

//  Destroy a photo result; NULL-safe; sets *photo_p to NULL.
void mt_photo_destroy (mt_photo_t **photo_p);

//  The face to use when a photo must stand for one person: the largest face
//  whose verdict is ok, else the largest. NULL when there is none.
const mt_photo_face_t *mt_photo_best_face (const mt_photo_t *photo);

#ifdef __cplusplus
}
#endif

#endif
