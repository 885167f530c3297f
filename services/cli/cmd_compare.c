//  homeward compare - the distance between the main faces of two photos.

#include "cli.h"
#include "face/mt_face_settings.h"

#include "base/mt_config.h"
#include "face/mt_pipeline.h"

#include <jansson.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    mt_face_settings_t face;
    bool json;
    double threshold;
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    MT_FACE_KEYS (s_settings_t, face),
    { "json", MT_CFG_BOOL, offsetof (s_settings_t, json), 0, 0, "print one JSON object" },
    { "threshold", MT_CFG_DOUBLE, offsetof (s_settings_t, threshold), 0, 2,
      "distance below which two faces are called the same person" },
    { .name = NULL }
};

int
cli_compare (int argc, char **argv)
{
    s_settings_t settings = { .threshold = MT_SAME_PERSON_DISTANCE };
    mt_face_settings_defaults (&settings.face);
    settings.face.threads = 1;
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward compare [OPTIONS] PHOTO_A PHOTO_B\n\n"
                "Compares the main face of each photo (the largest usable one) and\n"
                "prints their distance and the verdict at the model's threshold.\n"
                "This is a screening aid: only a DNA test confirms a match.\n"
                "Exit status 0 when both photos had a face, 1 otherwise.\n\n"
                "Options:\n");
        mt_config_print_help (s_keys, &settings, stdout);
        return 0;
    }
    int count = 0;
    if (cli_load_settings ("compare", s_keys, &settings, argc, argv, &count) != MT_OK)
        return 2;
    mt_err_t err;
    if (count != 2) {
        cli_error ("compare", "give exactly two photos (see --help)");
        return 2;
    }
    mt_pipeline_config_t config;
    mt_face_settings_to_config (&settings.face, &config);
    config.workers = 1;
    mt_pipeline_t *pipeline;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        cli_error ("compare", "%s", err.msg);
        return 1;
    }
    mt_photo_t *photos [2] = { NULL, NULL };
    const mt_photo_face_t *faces [2] = { NULL, NULL };
    int status = 0;
    for (int i = 0; i < 2; i++) {
        if (mt_pipeline_process_file (pipeline, 0, argv [1 + i], &photos [i], &err) != MT_OK) {
            cli_error ("compare", "%s", err.msg);
            status = 1;
        }
        else
        if (!(faces [i] = mt_photo_best_face (photos [i]))) {
            cli_error ("compare", "%s: no face found", argv [1 + i]);
            status = 1;
        }
    }
    if (status == 0) {
        float distance = mt_embedding_distance (faces [0]->embedding, faces [1]->embedding);
        bool same = distance < settings.threshold;
        bool trusted = faces [0]->quality.verdict == MT_VERDICT_OK
                    && faces [1]->quality.verdict == MT_VERDICT_OK;
        bool second = faces [0]->has_embedding2 && faces [1]->has_embedding2;
        double distance2 = second ? mt_mobilefacenet_distance (faces [0]->embedding2,
                                                               faces [1]->embedding2) : -1;
        if (settings.json) {
            json_t *out = json_pack ("{s:f, s:f, s:b, s:b, s:[s,s]}", "distance",
                                     (double) distance, "threshold", settings.threshold,
                                     "same_person", same, "both_faces_ok", trusted,
                                     "verdicts", mt_verdict_name (faces [0]->quality.verdict),
                                     mt_verdict_name (faces [1]->quality.verdict));
            if (second)
                json_object_set_new (out, "distance2", json_real (distance2));
            char *text = json_dumps (out, JSON_COMPACT | JSON_PRESERVE_ORDER
                                          | JSON_REAL_PRECISION (6));
            puts (text ? text : "{}");
            free (text);
            json_decref (out);
        }
        else {
            printf ("distance %.4f (threshold %.2f): %s\n", distance, settings.threshold,
                    same ? "likely the same person" : "likely different people");
            if (second)
                printf ("MobileFaceNet distance %.4f (below 1.1 the same person is the "
                        "likelier)\n", distance2);
            for (int i = 0; i < 2; i++)
                if (faces [i]->quality.verdict != MT_VERDICT_OK) {
                    char advice [160];
                    printf ("warning: %s: %s; the distance is less reliable\n", argv [1 + i],
                            mt_quality_advice (&faces [i]->quality, &config.quality, advice,
                                               sizeof advice));
                }
        }
    }
    mt_photo_destroy (&photos [0]);
    mt_photo_destroy (&photos [1]);
    mt_pipeline_destroy (&pipeline);
    return status;
}
