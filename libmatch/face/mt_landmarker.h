//  mt_landmarker - 68 facial landmarks (dlib's shape predictor) and the
//  aligned face chip the recognition network expects.
//  A landmarker is read-only after loading and may be shared by threads.

#ifndef MT_LANDMARKER_H_INCLUDED
#define MT_LANDMARKER_H_INCLUDED

#include <stdint.h>

#include "base/mt_error.h"
#include "face/mt_face.h"
#include "face/mt_image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mt_landmarker mt_landmarker_t;

//  Load dlib's shape_predictor_68_face_landmarks.dat from path. Returns
//  MT_EMODEL naming the path when it is missing or corrupt.
//  Caller owns *self_p and must destroy it.
int mt_landmarker_new (const char *path, mt_landmarker_t **self_p, mt_err_t *err);

//  Destroy a landmarker; NULL-safe; sets *self_p to NULL.
void mt_landmarker_destroy (mt_landmarker_t **self_p);

//  Fit the 68 landmarks of the face in box. Thread-safe.
int mt_landmarker_fit (const mt_landmarker_t *self, const mt_image_t *image,
                       const mt_box_t *box, mt_point_t points [MT_LANDMARKS],
                       mt_err_t *err);

//  Cut the aligned MT_CHIP_SIZE x MT_CHIP_SIZE RGB chip of a face from its
//  landmarks (dlib's get_face_chip_details with padding 0.25).
int mt_landmarker_align (const mt_image_t *image, const mt_point_t points [MT_LANDMARKS],
                         uint8_t chip [MT_CHIP_BYTES], mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
