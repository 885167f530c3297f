//  mt_job - the intake workers' link to the results service
//  (proto/homeward/v1/jobs.proto) as plain C: its messages, their encoder,
//  a validating decoder, and sending and receiving them (mt_wire's frames).
//  The protobuf-c types stay inside mt_job.c.
//
//  A described face travels as numbers and bytes, never as text: each
//  descriptor's floats as they came out of the network, the aligned chip
//  as JPEG.

#ifndef MT_JOB_H_INCLUDED
#define MT_JOB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#include <jansson.h>
#include "wire/mt_msg.h"
#include "wire/mt_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Sizes the decoder refuses beyond.
#define MT_JOB_MAX_FACES 1000
#define MT_JOB_MAX_CHIP_BYTES (1u << 20)

//  The descriptors' names on the wire.
#define MT_JOB_DLIB "dlib"
#define MT_JOB_DLIB_VERSION "dlib-resnet-1"     //  the store's name for its descriptor
#define MT_JOB_MOBILEFACENET "mobilefacenet"

typedef enum {
    MT_JOB_NONE = 0,
    MT_JOB_READY,               //  worker -> results: idle (worker)
    MT_JOB_JOB,                 //  results -> worker: photo_id, case_id, photo
    MT_JOB_DONE,                //  worker -> results: photo_id, width, height, format, faces
    MT_JOB_FAILED,              //  worker -> results: photo_id, code, message, message_zh
    MT_JOB_PROBE                //  results -> worker: nothing (is the worker there?)
} mt_job_type;

typedef struct {
    int box [4];                //  x, y, width, height
    int size_px;
    float sharpness, yaw_deg, roll_deg;
    char verdict [32];
    float score;                        //  the detector's confidence
    char pose [24];
    float embedding [MT_DIM];           //  dlib's
    bool has_embedding2;
    float embedding2 [MT_DIM2];         //  MobileFaceNet's (unit length)
    char descriptor2 [65];              //  its version
    uint8_t *chip;                      //  JPEG, owned; NULL when none
    size_t chip_size;
} mt_job_face_t;

typedef struct {
    mt_job_type type;
    char worker [128];
    uint64_t photo_id, case_id;
    uint8_t *photo;                     //  owned
    size_t photo_size;
    uint32_t width, height;
    char format [16];
    size_t face_count;
    mt_job_face_t *faces;               //  owned
    char code [32];
    char message [256];
    char message_zh [512];
} mt_job_t;

//  A new zeroed message; NULL when out of memory.
mt_job_t *mt_job_new (mt_job_type type);
//  With room for count faces (zeroed); NULL when out of memory.
mt_job_t *mt_job_new_done (uint64_t photo_id, size_t count);
//  Destroy a message and what it owns; NULL-safe; sets *self_p to NULL.
void mt_job_destroy (mt_job_t **self_p);

const char *mt_job_type_name (mt_job_type type);

//  Encode into a new buffer the caller frees.
int mt_job_encode (const mt_job_t *self, uint8_t **bytes_p, size_t *size_p, mt_err_t *err);

//  Decode and check bytes from outside: MT_EPROTO with a reason for
//  anything malformed (bad protobuf, wrong version, no body, a descriptor
//  of the wrong length or not finite, a MobileFaceNet vector not of unit
//  length, more than MT_JOB_MAX_FACES faces, an oversized chip or text).
int mt_job_decode (const uint8_t *bytes, size_t size, mt_job_t **self_p, mt_err_t *err);

//  mt_wire_send / mt_wire_recv for these messages.
int mt_job_send (void *socket, const mt_route_t *route, const mt_job_t *job, int flags,
                 mt_err_t *err);
int mt_job_recv (void *socket, mt_route_t *route, mt_job_t **job_p, mt_err_t *err);

//  A message as JSON (new reference; NULL when out of memory), its fields
//  named and nested as proto/homeward/v1/jobs.proto declares them (every
//  field given, numbers as numbers; bytes as base64 when with_bytes, else
//  left out): what `homeward embed --json` prints of a photo's faces.
json_t *mt_job_json (const mt_job_t *self, bool with_bytes);

#ifdef __cplusplus
}
#endif

#endif
