//  mt_faceapi - reads face-api.js's published recognition weights (a JSON
//  manifest plus one binary file of quantised tensors) and converts them into
//  a serialized dlib network for mt_embedder.

#ifndef MT_FACEAPI_H_INCLUDED
#define MT_FACEAPI_H_INCLUDED

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Read manifest_path (face_recognition_model-weights_manifest.json) and
//  bin_path (face_recognition_model.bin), dequantise every tensor, build the
//  network and serialize it to out_path. Checks the manifest's structure, the
//  exact byte count of the weights and every tensor's shape.
int mt_faceapi_convert (const char *manifest_path, const char *bin_path,
                        const char *out_path, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
