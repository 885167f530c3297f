//  mt_photo_json - the JSON form of a photo's faces.

#include "face/mt_photo_json.h"

static const char *
s_pose_name (mt_pose pose)
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

//  Round for display; the embedding keeps full precision.
static double
s_round (double value, double step)
{
    return (double) (long long) (value / step + (value < 0 ? -0.5 : 0.5)) * step;
}

static json_t *
s_face_json (const mt_photo_face_t *face, const mt_quality_limits_t *limits,
             bool with_embedding)
{
    char advice [160];
    const mt_quality_t *q = &face->quality;
    json_t *quality = json_pack (
        "{s:i, s:f, s:f, s:f, s:s, s:s}",
        "size_px", q->size_px,
        "sharpness", s_round (q->sharpness, 0.1),
        "yaw_deg", s_round (q->yaw_deg, 0.1),
        "roll_deg", s_round (q->roll_deg, 0.1),
        "verdict", mt_verdict_name (q->verdict),
        "advice", mt_quality_advice (q, limits, advice, sizeof advice));
    json_t *json = json_pack (
        "{s:[i,i,i,i], s:f, s:s, s:o*}",
        "box", face->box.x, face->box.y, face->box.width, face->box.height,
        "score", s_round (face->score, 0.001),
        "pose", s_pose_name (face->pose),
        "quality", quality);
    if (json && with_embedding) {
        json_t *embedding = json_array ();
        for (int i = 0; embedding && i < MT_EMBEDDING_DIM; i++)
            json_array_append_new (embedding, json_real (face->embedding [i]));
        if (!embedding || json_object_set_new (json, "embedding", embedding) != 0) {
            json_decref (json);
            return NULL;
        }
    }
    if (json && with_embedding && face->has_embedding2) {
        json_t *embedding = json_array ();
        for (int i = 0; embedding && i < MT_EMBEDDING2_DIM; i++)
            json_array_append_new (embedding, json_real (face->embedding2 [i]));
        if (!embedding || json_object_set_new (json, "embedding2", embedding) != 0) {
            json_decref (json);
            return NULL;
        }
    }
    return json;
}

json_t *
mt_photo_json (const mt_photo_t *photo, const mt_quality_limits_t *limits, bool with_embedding)
{
    json_t *faces = json_array ();
    for (size_t i = 0; faces && i < photo->face_count; i++) {
        json_t *face = s_face_json (&photo->faces [i], limits, with_embedding);
        if (!face || json_array_append_new (faces, face) != 0) {
            json_decref (faces);
            return NULL;
        }
    }
    return json_pack ("{s:i, s:i, s:s, s:o*}", "width", photo->width, "height", photo->height,
                      "format", mt_format_name (photo->format), "faces", faces);
}

json_t *
mt_error_json (const mt_err_t *err)
{
    return json_pack ("{s:s, s:s}", "code", mt_rc_name (err->code), "message", err->msg);
}
