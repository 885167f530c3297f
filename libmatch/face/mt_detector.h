//  mt_detector - finds faces with dlib's HOG frontal face detector.
//  Not thread-safe: one detector per thread (it is cheap, no model file).

#ifndef MT_DETECTOR_H_INCLUDED
#define MT_DETECTOR_H_INCLUDED

#include <stddef.h>

#include "base/mt_error.h"
#include "face/mt_face.h"
#include "face/mt_image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_detector mt_detector_t;

//  Create a detector. Caller owns *self_p and must destroy it.
int mt_detector_new (mt_detector_t **self_p, mt_err_t *err);

//  Destroy a detector; NULL-safe; sets *self_p to NULL.
void mt_detector_destroy (mt_detector_t **self_p);

//  Find the faces in image (as it is: scaling is the caller's choice; the
//  detector finds faces from about 80 pixels up) whose confidence is at
//  least min_score: 0 is dlib's own threshold; a negative one also returns
//  weaker detections (more faces found, some of them not faces). Lowering
//  it never changes the detections at or above 0. On success *found_p is a
//  new array of *count_p detections, best first, that the caller must free();
//  NULL when none was found.
int mt_detector_find (mt_detector_t *self, const mt_image_t *image, double min_score,
                      mt_detection_t **found_p, size_t *count_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
