//  mt_face - plain data describing faces found in a photo.

#ifndef MT_FACE_H_INCLUDED
#define MT_FACE_H_INCLUDED

#include <stdint.h>

#include "face/mt_embedder.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_LANDMARKS 68

typedef struct {
    int x, y, width, height;        //  pixels of the decoded (oriented) photo
} mt_box_t;

typedef struct {
    float x, y;
} mt_point_t;

//  Which of the HOG detector's five sub-detectors fired.
typedef enum {
    MT_POSE_FRONT = 0,
    MT_POSE_LEFT,               //  turned to the image's left
    MT_POSE_RIGHT,              //  turned to the image's right
    MT_POSE_FRONT_ROLL_LEFT,    //  frontal, head tilted
    MT_POSE_FRONT_ROLL_RIGHT
} mt_pose;

typedef struct {
    mt_box_t box;
    double score;               //  detector confidence (> 0; higher is surer)
    mt_pose pose;
} mt_detection_t;

#ifdef __cplusplus
}
#endif

#endif
