//  homeward embed - find faces in photos and print their quality and
//  embeddings, one line per file.

#include "cli.h"
#include "face/mt_face_settings.h"

#include "base/mt_config.h"
#include "face/mt_image.h"
#include "face/mt_pipeline.h"
#include "intake/intake_worker.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    mt_face_settings_t face;
    bool json;
    char chips [1024];
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    MT_FACE_KEYS (s_settings_t, face),
    { "json", MT_CFG_BOOL, offsetof (s_settings_t, json), 0, 0,
      "one JSON object per line, with the embeddings" },
    { "chips", MT_CFG_STRING, offsetof (s_settings_t, chips), 0, 1024,
      "write each face's aligned 150x150 chip as a PNG into this folder" },
    { .name = NULL }
};

typedef struct {
    const s_settings_t *settings;
    mt_quality_limits_t quality;
    const char *const *files;
    size_t failed;
} s_run_t;

static void
s_write_chips (const s_run_t *run, size_t index, const mt_photo_t *photo)
{
    char *copy = strdup (run->files [index]);
    if (!copy)
        return;
    const char *base = basename (copy);
    for (size_t i = 0; i < photo->face_count; i++) {
        uint8_t *png;
        size_t size;
        mt_err_t err;
        if (mt_image_encode (photo->faces [i].chip, MT_CHIP_SIZE, MT_CHIP_SIZE,
                             MT_CHIP_SIZE * 3, MT_FORMAT_PNG, 0, &png, &size, &err) != MT_OK) {
            cli_error ("embed", "chip of %s: %s", run->files [index], err.msg);
            continue;
        }
        char path [2048];
        snprintf (path, sizeof path, "%s/%s.face%zu.png", run->settings->chips, base, i + 1);
        FILE *out = fopen (path, "wb");
        if (!out || fwrite (png, 1, size, out) != size)
            cli_error ("embed", "cannot write %s: %s", path, strerror (errno));
        if (out)
            fclose (out);
        free (png);
    }
    free (copy);
}

static void
s_print_text (const s_run_t *run, const char *file, const mt_photo_t *photo)
{
    printf ("%s: %zu face%s (%dx%d %s)\n", file, photo->face_count,
            photo->face_count == 1 ? "" : "s", photo->width, photo->height,
            mt_format_name (photo->format));
    for (size_t i = 0; i < photo->face_count; i++) {
        const mt_photo_face_t *f = &photo->faces [i];
        char advice [160];
        printf ("  face %zu: box %d,%d %dx%d  %s  sharpness %.0f  yaw %.0f  (%s)\n", i + 1,
                f->box.x, f->box.y, f->box.width, f->box.height,
                mt_verdict_name (f->quality.verdict), f->quality.sharpness,
                f->quality.yaw_deg,
                mt_quality_advice (&f->quality, &run->quality, advice, sizeof advice));
    }
}

//  A photo's line of --json: the file, and its faces as the intake sends
//  them to the results service (the job link's definition of a described
//  face, proto/homeward/v1/jobs.proto: box, quality, descriptors, score,
//  pose), each with the advice its verdict gives; or the file and why it
//  could not be read. NULL when out of memory.
static json_t *
s_photo_json (const s_run_t *run, const char *file, const mt_photo_t *photo,
              const mt_err_t *err)
{
    if (!photo)
        return json_pack ("{s:s, s:{s:s, s:s}}", "file", file, "error", "code",
                          mt_rc_name (err->code), "message", err->msg);
    mt_job_t *done = NULL;
    mt_err_t why;
    json_t *line = intake_job_done (photo, 0, &done, &why) == MT_OK
                 ? mt_job_json (done, false) : NULL;
    mt_job_destroy (&done);
    if (!line)
        return NULL;
    json_object_del (line, "photo_id");             //  none: not a stored photo
    json_t *faces = json_object_get (line, "faces");
    for (size_t i = 0; i < json_array_size (faces) && i < photo->face_count; i++) {
        char advice [160];
        json_object_set_new (json_array_get (faces, i), "advice", json_string (
            mt_quality_advice (&photo->faces [i].quality, &run->quality, advice,
                               sizeof advice)));
    }
    json_t *out = json_pack ("{s:s}", "file", file);
    json_object_update (out, line);
    json_decref (line);
    return out;
}

static void
s_on_photo (void *arg, size_t index, mt_photo_t *photo, const mt_err_t *err)
{
    s_run_t *run = arg;
    const char *file = run->files [index];
    if (!photo)
        run->failed++;
    if (run->settings->json) {
        json_t *line = s_photo_json (run, file, photo, err);
        char *text = line ? json_dumps (line, JSON_COMPACT | JSON_PRESERVE_ORDER
                                              | JSON_REAL_PRECISION (9)) : NULL;
        if (text)
            printf ("%s\n", text);
        else
            printf ("{\"file\":\"%s\",\"error\":{\"code\":\"out_of_memory\"}}\n", file);
        free (text);
        json_decref (line);
    }
    else
    if (photo)
        s_print_text (run, file, photo);
    else
        printf ("%s: error %s: %s\n", file, mt_rc_name (err->code), err->msg);
    if (photo && run->settings->chips [0])
        s_write_chips (run, index, photo);
    fflush (stdout);
    mt_photo_destroy (&photo);
}

int
cli_embed (int argc, char **argv)
{
    s_settings_t settings = { .json = false };
    mt_face_settings_defaults (&settings.face);
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward embed [OPTIONS] FILE...\n\n"
                "Finds the faces in each photo (JPEG, PNG, WebP, BMP, TIFF), aligns them\n"
                "and prints their quality and 128-d embeddings: one line per file, in\n"
                "the order given. A photo without a face is not an error (no faces).\n"
                "Exit status 0 when every file could be read, 1 otherwise.\n\n"
                "Options:\n");
        mt_config_print_help (s_keys, &settings, stdout);
        return 0;
    }
    int count = 0;
    if (cli_load_settings ("embed", s_keys, &settings, argc, argv, &count) != MT_OK)
        return 2;
    mt_err_t err;
    if (count == 0) {
        cli_error ("embed", "no files given (see --help)");
        return 2;
    }

    mt_pipeline_config_t config;
    mt_face_settings_to_config (&settings.face, &config);
    config.keep_chips = settings.chips [0] != '\0';
    if ((size_t) count < config.workers)
        config.workers = (size_t) count;
    mt_pipeline_t *pipeline;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        cli_error ("embed", "%s", err.msg);
        return 1;
    }
    s_run_t run = {
        .settings = &settings, .quality = config.quality,
        .files = (const char *const *) argv + 1
    };
    int rc = mt_pipeline_run_files (pipeline, run.files, (size_t) count, s_on_photo, &run, &err);
    mt_pipeline_destroy (&pipeline);
    if (rc != MT_OK) {
        cli_error ("embed", "%s", err.msg);
        return 1;
    }
    return run.failed ? 1 : 0;
}
