//  mt_cnn_detector - finds faces with a small CNN (Ultra-Light-Fast-Generic-
//  Face-Detector, RFB-320, as ONNX) run by OpenCV's DNN module.
//  Not thread-safe: one detector per thread (about 1.2 MB of weights).

#ifndef MT_CNN_DETECTOR_H_INCLUDED
#define MT_CNN_DETECTOR_H_INCLUDED

#include <stddef.h>

#include "base/mt_error.h"
#include "face/mt_face.h"
#include "face/mt_image.h"

#ifdef __cplusplus
extern "C" {
#endif

//  File name of the network inside the model folder (models/fetch-models.sh).
#define MT_CNN_DETECTOR_FILE "fr_detect.onnx"
//  The network's own threshold on a face's probability.
#define MT_CNN_DETECTOR_THRESHOLD 0.7

typedef struct mt_cnn_detector mt_cnn_detector_t;

//  Load the network from path and check it with one pass: a missing,
//  unreadable or corrupt file, or a network whose outputs are not RFB-320's
//  (4,420 priors, scores and boxes), is MT_EMODEL with the reason in err.
//  Caller owns *self_p and must destroy it.
int mt_cnn_detector_new (const char *path, mt_cnn_detector_t **self_p, mt_err_t *err);

//  Destroy a detector; NULL-safe; sets *self_p to NULL.
void mt_cnn_detector_destroy (mt_cnn_detector_t **self_p);

//  Find the faces in image (fitted whole into the network's 320x240 input,
//  so faces from about 1/30 of the photo's width up) whose probability is at
//  least min_prob (0..1; MT_CNN_DETECTOR_THRESHOLD is the network's own).
//  Boxes are in the image's pixels, in the form of mt_detector's: score is
//  the probability minus MT_CNN_DETECTOR_THRESHOLD (>= 0: sure), pose is
//  MT_POSE_FRONT. On success *found_p is a new array of *count_p detections,
//  best first, after non-maximum suppression, that the caller must free();
//  NULL when none was found.
int mt_cnn_detector_find (mt_cnn_detector_t *self, const mt_image_t *image, double min_prob,
                          mt_detection_t **found_p, size_t *count_p, mt_err_t *err);

//  The number of priors (anchors) RFB-320 defines for a width x height
//  input: min sizes {10,16,24}, {32,48}, {64,96}, {128,192,256} on feature
//  maps of strides 8, 16, 32, 64. 4,420 for 320x240.
size_t mt_cnn_detector_priors (int width, int height);

#ifdef __cplusplus
}
#endif

#endif
