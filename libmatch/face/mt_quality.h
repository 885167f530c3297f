//  mt_quality - how usable a detected face is for matching: its size, its
//  sharpness, its pose, and a verdict with the reason a person can act on.
//
//  Small faces matter most: below about 80 pixels dlib's descriptors stop
//  separating people reliably (see shared FACTS.md: boxes of 36-43 px gave
//  many different-person pairs under 0.6). Such faces are still returned and
//  embedded, but flagged.

#ifndef MT_QUALITY_H_INCLUDED
#define MT_QUALITY_H_INCLUDED

#include "face/mt_face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_VERDICT_OK = 0,
    MT_VERDICT_TOO_SMALL,
    MT_VERDICT_PROFILE,
    MT_VERDICT_BLURRY,
    MT_VERDICT_UNSURE           //  found only below the detector's threshold:
                                //  may not be a face (set by the pipeline)
} mt_verdict;

//  Where a photo comes from, for the advice: a person who can be
//  photographed again (a found person) or an existing photo that can only
//  be scanned or copied better (a family's photo).
typedef enum {
    MT_SOURCE_PERSON = 0,
    MT_SOURCE_ARCHIVE
} mt_photo_source;

typedef struct {
    int min_face_px;            //  smaller boxes are too_small (default 80)
    double max_yaw_deg;         //  more turned faces are profile (default 35)
    double min_sharpness;       //  chips below are blurry (default in mt_quality.c)
} mt_quality_limits_t;

typedef struct {
    int size_px;                //  the smaller side of the detection box
    double sharpness;           //  variance of the Laplacian of the aligned chip
    double yaw_deg;             //  estimated from landmarks; 0 = frontal,
                                //  > 0 = nose towards the image's right
    double roll_deg;            //  tilt of the eye line; > 0 = clockwise
    mt_verdict verdict;         //  the first failed check, in the order
                                //  too_small, profile, blurry
} mt_quality_t;

//  The default limits.
mt_quality_limits_t mt_quality_default_limits (void);

//  Judge a face from its box, landmarks and chip sharpness.
void mt_quality_assess (const mt_box_t *box, const mt_point_t points [MT_LANDMARKS],
                        double sharpness, const mt_quality_limits_t *limits,
                        mt_quality_t *out);

//  "ok", "too_small", "profile", "blurry", "unsure".
const char *mt_verdict_name (mt_verdict verdict);
//  The HOG sub-detector's pose by name: front, left, right,
//  front_tilted_left, front_tilted_right.
const char *mt_pose_name (mt_pose pose);
//  The verdict of a name; -1 if unknown.
int mt_verdict_from_name (const char *name);

//  A sentence for the person who took the photo, e.g. "face is 42 px wide,
//  at least 80 px are needed: retake closer or send a larger photo".
//  Writes into buf (size bytes) and returns buf.
char *mt_quality_advice (const mt_quality_t *quality, const mt_quality_limits_t *limits,
                         char *buf, size_t size);

//  The same for a photo's source: "retake closer" for a person who can be
//  photographed again, "scan the print at a higher resolution, or add
//  another photo from the same age" for a family's old photo (a child's
//  face of 60 px in a scanned print is normal: described, never refused).
//  Also gives a stable code for the advice (e.g. "retake_closer",
//  "larger_scan"), for clients that say it in another language.
char *mt_quality_advice_for (const mt_quality_t *quality, const mt_quality_limits_t *limits,
                             mt_photo_source source, const char **code_p, char *buf,
                             size_t size);

#ifdef __cplusplus
}
#endif

#endif
