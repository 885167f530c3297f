//  mt_quality - face size, sharpness and pose, and a verdict.

#include "face/mt_quality.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

//  Landmark indices of the 68-point (iBUG 300-W) layout.
#define S_JAW_LEFT 0
#define S_JAW_RIGHT 16
#define S_NOSE_TIP 30
#define S_EYE_LEFT_OUTER 36
#define S_EYE_RIGHT_OUTER 45

//  For a head seen as a cylinder, the nose tip stands out from the face by
//  about 0.3 of its half-width, so the offset of the nose between the two
//  sides of the jaw, as a fraction of the face's width, is about
//  1.3 x sin(yaw).
#define S_NOSE_DEPTH 1.3

static const double s_pi = 3.14159265358979323846;

mt_quality_limits_t
mt_quality_default_limits (void)
{
    mt_quality_limits_t limits = {
        .min_face_px = 80,
        .max_yaw_deg = 35,
        .min_sharpness = 20
    };
    return limits;
}

const char *
mt_verdict_name (mt_verdict verdict)
{
    switch (verdict) {
        case MT_VERDICT_OK:        return "ok";
        case MT_VERDICT_TOO_SMALL: return "too_small";
        case MT_VERDICT_PROFILE:   return "profile";
        case MT_VERDICT_BLURRY:    return "blurry";
        case MT_VERDICT_UNSURE:    return "unsure";
    }
    return "unknown";
}

const char *
mt_pose_name (mt_pose pose)
{
    switch (pose) {
        case MT_POSE_FRONT:            return "front";
        case MT_POSE_LEFT:             return "left";
        case MT_POSE_RIGHT:            return "right";
        case MT_POSE_FRONT_ROLL_LEFT:  return "front_tilted_left";
        case MT_POSE_FRONT_ROLL_RIGHT: return "front_tilted_right";
    }
    return "unknown";
}

int
mt_verdict_from_name (const char *name)
{
    for (int v = MT_VERDICT_OK; v <= MT_VERDICT_UNSURE; v++)
        if (name && strcmp (name, mt_verdict_name ((mt_verdict) v)) == 0)
            return v;
    return -1;
}

void
mt_quality_assess (const mt_box_t *box, const mt_point_t points [MT_LANDMARKS],
                   double sharpness, const mt_quality_limits_t *limits, mt_quality_t *out)
{
    mt_quality_limits_t lim = limits ? *limits : mt_quality_default_limits ();
    out->size_px = box->width < box->height ? box->width : box->height;
    out->sharpness = sharpness;

    //  Measure along the eye line so that a tilted head does not read as turned.
    double ex = points [S_EYE_RIGHT_OUTER].x - points [S_EYE_LEFT_OUTER].x;
    double ey = points [S_EYE_RIGHT_OUTER].y - points [S_EYE_LEFT_OUTER].y;
    double eye_len = sqrt (ex * ex + ey * ey);
    out->roll_deg = atan2 (ey, ex) * 180 / s_pi;
    out->yaw_deg = 0;
    if (eye_len > 0) {
        double ux = ex / eye_len, uy = ey / eye_len;
        double left = (points [S_NOSE_TIP].x - points [S_JAW_LEFT].x) * ux
                    + (points [S_NOSE_TIP].y - points [S_JAW_LEFT].y) * uy;
        double right = (points [S_JAW_RIGHT].x - points [S_NOSE_TIP].x) * ux
                     + (points [S_JAW_RIGHT].y - points [S_NOSE_TIP].y) * uy;
        double width = left + right;
        if (width > 0) {
            double s = (left - right) / width / S_NOSE_DEPTH;
            s = s > 1 ? 1 : s < -1 ? -1 : s;
            out->yaw_deg = asin (s) * 180 / s_pi;
        }
    }

    if (out->size_px < lim.min_face_px)
        out->verdict = MT_VERDICT_TOO_SMALL;
    else
    if (fabs (out->yaw_deg) > lim.max_yaw_deg)
        out->verdict = MT_VERDICT_PROFILE;
    else
    if (sharpness < lim.min_sharpness)
        out->verdict = MT_VERDICT_BLURRY;
    else
        out->verdict = MT_VERDICT_OK;
}

char *
mt_quality_advice_for (const mt_quality_t *q, const mt_quality_limits_t *limits,
                       mt_photo_source source, const char **code_p, char *buf, size_t size)
{
    mt_quality_limits_t lim = limits ? *limits : mt_quality_default_limits ();
    bool person = source == MT_SOURCE_PERSON;
    const char *code = "usable";
    switch (q->verdict) {
        case MT_VERDICT_TOO_SMALL:
            code = person ? "retake_closer" : "larger_scan";
            snprintf (buf, size, person
                ? "face is %d px wide, at least %d px are needed: retake closer or send a "
                  "larger photo"
                : "face is %d px wide, at least %d px are needed: scan the print at a higher "
                  "resolution (600 dpi or more), or add another photo from the same age",
                q->size_px,
                lim.min_face_px);
            break;
        case MT_VERDICT_PROFILE:
            code = person ? "retake_facing" : "add_frontal_photo";
            snprintf (buf, size, person
                ? "face is turned about %.0f degrees: retake facing the camera"
                : "face is turned about %.0f degrees: add a photo where the face looks at the "
                  "camera, if the family has one", fabs (q->yaw_deg));
            break;
        case MT_VERDICT_BLURRY:
            code = person ? "retake_sharper" : "sharper_scan";
            snprintf (buf, size, person
                ? "face is blurred (sharpness %.0f, at least %.0f needed): retake holding the "
                  "camera still, in better light"
                : "face is blurred (sharpness %.0f, at least %.0f needed): scan the print "
                  "again, sharper, or add another photo from the same age", q->sharpness,
                lim.min_sharpness);
            break;
        case MT_VERDICT_UNSURE:
            code = "check_face";
            snprintf (buf, size, "the detector is not sure this is a face: check the box, "
                      "and exclude it from matching if it is not the person");
            break;
        default:
            snprintf (buf, size, "usable for matching");
    }
    if (code_p)
        *code_p = code;
    return buf;
}

char *
mt_quality_advice (const mt_quality_t *q, const mt_quality_limits_t *limits, char *buf,
                   size_t size)
{
    return mt_quality_advice_for (q, limits, MT_SOURCE_PERSON, NULL, buf, size);
}
