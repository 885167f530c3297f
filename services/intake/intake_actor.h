//  intake_actor - a pool of face pipeline workers: each is pushed a photo
//  by the results service over the job link (wire/mt_job.h), finds, aligns
//  and embeds the faces (its own detector and network), and hands the faces
//  back. Stateless: run more of them, on more machines, to go faster.

#ifndef INTAKE_ACTOR_H_INCLUDED
#define INTAKE_ACTOR_H_INCLUDED

#include "face/mt_face_settings.h"
#include "wire/mt_actor.h"
#include "base/mt_config.h"
#include "wire/mt_curve.h"

typedef struct {
    mt_face_settings_t face;       //  model paths, limits, threads (= workers)
    char jobs [256];                //  the results service's job endpoint
    int64_t heartbeat_ms;           //  an idle worker's "still here"
    mt_curve_config_t curve;        //  key, results-key, insecure
} intake_config_t;

extern const mt_config_key_t intake_config_keys [];

void intake_config_defaults (intake_config_t *config);

void intake_actor (void *pipe, void *arg);

#endif
