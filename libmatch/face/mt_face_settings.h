//  mt_face_settings - the face pipeline's settings as the CLI and the
//  services take them (flags, HOMEWARD_* environment, config file).

#ifndef MT_FACE_SETTINGS_H_INCLUDED
#define MT_FACE_SETTINGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_config.h"
#include "face/mt_cnn_detector.h"
#include "face/mt_pipeline.h"

typedef struct {
    char model_dir [1024];
    char landmark_model [1024];
    int64_t threads;
    int64_t max_pixels;
    int64_t max_bytes;
    int64_t min_face;
    double max_yaw;
    double min_sharpness;
    int64_t detect_min_face;
    int64_t detect_max_pixels;
    int64_t retry_max_pixels;
    double unsure_min_score;
    double portrait_ratio;
    bool mirror;
    bool mobilefacenet;
    char detector [8];
} mt_face_settings_t;

//  Table entries for a settings struct `type` whose member `m` is a
//  mt_face_settings_t; end the table with { .name = NULL }.
#define MT_FACE_KEYS(type, m) \
    { "model-dir", MT_CFG_STRING, offsetof (type, m.model_dir), 0, \
      sizeof ((type *) 0)->m.model_dir, \
      "folder with " MT_RECOGNITION_MODEL_FILE }, \
    { "landmark-model", MT_CFG_STRING, offsetof (type, m.landmark_model), 0, \
      sizeof ((type *) 0)->m.landmark_model, "dlib's 68-point landmark model" }, \
    { "threads", MT_CFG_INT, offsetof (type, m.threads), 1, 64, \
      "worker threads, each with its own network" }, \
    { "max-pixels", MT_CFG_INT, offsetof (type, m.max_pixels), 1, 1e9, \
      "refuse images with more pixels (checked before decoding)" }, \
    { "max-bytes", MT_CFG_INT, offsetof (type, m.max_bytes), 1, 1e9, \
      "refuse files with more bytes" }, \
    { "min-face", MT_CFG_INT, offsetof (type, m.min_face), 1, 10000, \
      "faces smaller than this many pixels are flagged too_small" }, \
    { "max-yaw", MT_CFG_DOUBLE, offsetof (type, m.max_yaw), 0, 90, \
      "faces turned further (degrees) are flagged profile" }, \
    { "min-sharpness", MT_CFG_DOUBLE, offsetof (type, m.min_sharpness), 0, 1e6, \
      "chips less sharp (Laplacian variance) are flagged blurry" }, \
    { "detect-min-face", MT_CFG_INT, offsetof (type, m.detect_min_face), 10, 10000, \
      "find faces down to this size (photos are enlarged for it)" }, \
    { "detect-max-pixels", MT_CFG_INT, offsetof (type, m.detect_max_pixels), 10000, 1e9, \
      "most pixels the detector scans in a photo (time grows with it)" }, \
    { "retry-max-pixels", MT_CFG_INT, offsetof (type, m.retry_max_pixels), 10000, 1e9, \
      "no face found: retry at double scale within this many pixels" }, \
    { "unsure-min-score", MT_CFG_DOUBLE, offsetof (type, m.unsure_min_score), -2, 0, \
      "no sure face found: keep weaker detections down to this confidence, flagged " \
      "unsure (0: none)" }, \
    { "portrait-ratio", MT_CFG_DOUBLE, offsetof (type, m.portrait_ratio), 0, 100, \
      "a face this many times the smallest findable, found in a quick first look, " \
      "makes the photo a portrait: small background faces are not searched (0: always)" }, \
    { "mirror", MT_CFG_BOOL, offsetof (type, m.mirror), 0, 1, \
      "average each descriptor with its mirror image's (2x the network's time)" }, \
    { "mobilefacenet", MT_CFG_BOOL, offsetof (type, m.mobilefacenet), 0, 1, \
      "also describe each face with MobileFaceNet (" MT_MOBILEFACENET_FILE "), the second " \
      "descriptor the ranking fuses with dlib's" }, \
    { "detector", MT_CFG_STRING, offsetof (type, m.detector), 0, \
      sizeof ((type *) 0)->m.detector, \
      "which detector finds faces: hog (dlib's), cnn (" MT_CNN_DETECTOR_FILE ", each box " \
      "refined by HOG) or both" }

//  Fill settings with the pipeline's defaults.
void mt_face_settings_defaults (mt_face_settings_t *settings);

//  The pipeline configuration the settings describe. Strings are borrowed
//  from settings.
void mt_face_settings_to_config (const mt_face_settings_t *settings,
                                  mt_pipeline_config_t *config);

#endif
