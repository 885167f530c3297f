//  mt_face_settings - face pipeline settings for the CLI and services.

#include "face/mt_face_settings.h"

#include <stdio.h>

void
mt_face_settings_defaults (mt_face_settings_t *s)
{
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    snprintf (s->model_dir, sizeof s->model_dir, "%s", config.model_dir);
    snprintf (s->landmark_model, sizeof s->landmark_model, "%s", config.landmark_model);
    s->threads = (int64_t) config.workers;
    s->max_pixels = (int64_t) config.limits.max_pixels;
    s->max_bytes = (int64_t) config.limits.max_bytes;
    s->min_face = config.quality.min_face_px;
    s->max_yaw = config.quality.max_yaw_deg;
    s->min_sharpness = config.quality.min_sharpness;
    s->detect_min_face = config.detect_min_face;
    s->detect_max_pixels = (int64_t) config.detect_max_pixels;
    s->retry_max_pixels = (int64_t) config.retry_max_pixels;
    s->unsure_min_score = config.unsure_min_score;
    s->portrait_ratio = config.portrait_ratio;
    s->mirror = config.mirror;
    s->mobilefacenet = config.mobilefacenet;
    snprintf (s->detector, sizeof s->detector, "%s", config.detector);
}

void
mt_face_settings_to_config (const mt_face_settings_t *s, mt_pipeline_config_t *config)
{
    mt_pipeline_config_defaults (config);
    config->model_dir = s->model_dir;
    config->landmark_model = s->landmark_model;
    config->workers = (size_t) s->threads;
    config->limits.max_pixels = (uint64_t) s->max_pixels;
    config->limits.max_bytes = (size_t) s->max_bytes;
    config->quality.min_face_px = (int) s->min_face;
    config->quality.max_yaw_deg = s->max_yaw;
    config->quality.min_sharpness = s->min_sharpness;
    config->detect_min_face = (int) s->detect_min_face;
    config->detect_max_pixels = (uint64_t) s->detect_max_pixels;
    config->retry_max_pixels = (uint64_t) s->retry_max_pixels;
    config->unsure_min_score = s->unsure_min_score;
    config->portrait_ratio = s->portrait_ratio;
    config->mirror = s->mirror;
    config->mobilefacenet = s->mobilefacenet;
    config->detector = s->detector;
}
