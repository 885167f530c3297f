//  mt_embedder - the face recognition network: an aligned 150x150 face chip
//  in, a 128-d descriptor out.
//
//  The network is dlib's dlib_face_recognition_resnet_model_v1 (a ResNet-29
//  trained with a metric loss) with the weights published in face-api.js's
//  npm package, converted once at set-up (see models/README.md). Two chips of
//  the same person lie closer than about 0.6 in plain L2 distance. The
//  descriptors are NOT normalised: they are used exactly as dlib outputs
//  them, so dlib's published threshold keeps its meaning (their norms lie
//  around 1.4 on real faces).
//
//  The network runs on this project's kernels (mt_resnet, 30% faster than
//  dlib's own CPU pass, the same descriptors within 1e-6); dlib's own pass
//  stays as the reference (mt_embedder_reference_forward) where it is asked
//  for (mt_embedder_new_reference: tests and benchmarks); otherwise its
//  copy of the weights (~22 MB) is let go once ours are made.
//
//  An embedder is not thread-safe (it keeps its activations): use one per
//  thread.

#ifndef MT_EMBEDDER_H_INCLUDED
#define MT_EMBEDDER_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_CHIP_SIZE 150
#define MT_CHIP_BYTES (MT_CHIP_SIZE * MT_CHIP_SIZE * 3)
#define MT_EMBEDDING_DIM 128
//  dlib's threshold for "same person" on this network.
#define MT_SAME_PERSON_DISTANCE 0.6f

typedef struct mt_embedder mt_embedder_t;

//  Load a serialized network from net_path. Returns MT_EMODEL naming the path
//  when the file is missing, unreadable or not this network.
//  On success the caller owns *self_p and must destroy it.
int mt_embedder_new (const char *net_path, mt_embedder_t **self_p, mt_err_t *err);
//  The same, keeping dlib's own network for mt_embedder_reference_forward.
int mt_embedder_new_reference (const char *net_path, mt_embedder_t **self_p, mt_err_t *err);

//  Destroy an embedder; NULL-safe; sets *self_p to NULL.
void mt_embedder_destroy (mt_embedder_t **self_p);

//  Compute the descriptor of one aligned chip: chip_rgb holds
//  MT_CHIP_SIZE x MT_CHIP_SIZE pixels, 3 bytes each in R,G,B order, rows
//  contiguous. Writes MT_EMBEDDING_DIM floats to out.
int mt_embedder_compute (mt_embedder_t *self, const uint8_t *chip_rgb,
                         float *out, mt_err_t *err);
//  How many chips mt_embedder_compute_batch takes at once.
#define MT_EMBEDDER_BATCH 2
//  The descriptors of count (1..MT_EMBEDDER_BATCH) chips, one after the
//  other, in one pass (a face and its mirror image: the last layers'
//  weights are read once for both). Writes count x MT_EMBEDDING_DIM floats.
int mt_embedder_compute_batch (mt_embedder_t *self, const uint8_t *chips_rgb, size_t count,
                               float *out, mt_err_t *err);

//  dlib's own batch forward pass, exactly as dlib's dnn_face_recognition_ex.cpp
//  does (net (std::vector of chips)), over count chips of MT_CHIP_BYTES
//  each: the reference mt_embedder_compute's kernels are held to (tests)
//  and timed against (benchmarks). Writes count x MT_EMBEDDING_DIM floats
//  to out when out is not NULL. MT_EINVAL unless made by
//  mt_embedder_new_reference.
int mt_embedder_reference_forward (mt_embedder_t *self, const uint8_t *chips, size_t count,
                                   float *out, mt_err_t *err);
//  L2 distance between two descriptors.
float mt_embedding_distance (const float *a, const float *b);

//  One weight tensor handed to mt_embedder_build, in the order the network
//  consumes them (input side first). Borrowed by the callee.
typedef struct {
    const char *name;
    size_t rank;
    size_t shape [4];
    size_t count;           //  product of shape
    const float *values;
} mt_tensor_t;

//  Build the network from face-api.js style tensors (see mt_faceapi.h for
//  where they come from) and serialize it to out_path. Every tensor's shape
//  is checked against the layer it fills.
int mt_embedder_build (const mt_tensor_t *tensors, size_t count,
                       const char *out_path, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
