//  mt_photo_json - the JSON form of a photo's faces, shared by the CLI and
//  the services so that every client sees the same fields.

#ifndef MT_PHOTO_JSON_H_INCLUDED
#define MT_PHOTO_JSON_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>

#include "base/mt_error.h"
#include "face/mt_pipeline.h"

#ifdef __cplusplus
extern "C" {
#endif

//  {"width","height","format","faces":[{"box":[x,y,w,h],"score","pose",
//   "quality":{"size_px","sharpness","yaw_deg","roll_deg","verdict","advice"},
//   "embedding":[128 numbers], "embedding2":[192 numbers]}]}; the embeddings
//  only when with_embedding, embedding2 when the face has one (MobileFaceNet).
//  limits are those the verdicts were made with (for the advice text).
//  Returns a new reference, or NULL when out of memory.
json_t *mt_photo_json (const mt_photo_t *photo, const mt_quality_limits_t *limits,
                       bool with_embedding);

//  {"code":"too_large","message":"..."} for an error.
json_t *mt_error_json (const mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
