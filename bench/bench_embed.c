//  bench/embed - throughput and per-stage latency of the face pipeline.
//
//  usage: bench-embed [--workers 1,2] [--repeat N] [--detect-min-face PX]
//                     [--no-mobilefacenet] [--detector hog|cnn|both] [--json]
//                     DIR|FILE...
//  For each worker count: photos/s and faces/s end to end (read, decode,
//  detect, landmarks, chip, descriptor), and the median milliseconds of each
//  stage (decode and detect per photo; landmarks, chip, descriptor per face).
//  Then the descriptor stage alone against dlib's own batch forward pass on
//  the same network and chips, and its faces/s per worker count. The first
//  line names the kernels OpenBLAS chose (OPENBLAS_CORETYPE can set them).

#include "face/mt_embedder.h"
#include "base/mt_clock.h"
#include "face/mt_pipeline.h"

#include <cblas.h>
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_MAX_FILES 100000

typedef struct {
    double *values;
    size_t count, size;
} s_series_t;

typedef struct {
    s_series_t decode, detect, landmarks, chip, descriptor, descriptor2;
    size_t photos, faces, failed;
    uint8_t *chips;             //  first faces' chips, for the reference run
    size_t chip_count, chip_max;
} s_stats_t;

static void
s_push (s_series_t *s, double value)
{
    if (s->count == s->size) {
        s->size = s->size ? s->size * 2 : 256;
        s->values = realloc (s->values, s->size * sizeof *s->values);
        if (!s->values) {
            fprintf (stderr, "out of memory\n");
            exit (1);
        }
    }
    s->values [s->count++] = value;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_median (s_series_t *s)
{
    if (s->count == 0)
        return 0;
    qsort (s->values, s->count, sizeof *s->values, s_cmp_double);
    return s->values [s->count / 2];
}

static void
s_on_photo (void *arg, size_t index, mt_photo_t *photo, const mt_err_t *err)
{
    (void) index;
    s_stats_t *stats = arg;
    if (!photo) {
        stats->failed++;
        fprintf (stderr, "bench-embed: %s\n", err->msg);
        return;
    }
    stats->photos++;
    stats->faces += photo->face_count;
    s_push (&stats->decode, photo->timing.decode_ms);
    s_push (&stats->detect, photo->timing.detect_ms);
    if (photo->face_count > 0) {
        double n = (double) photo->face_count;
        s_push (&stats->landmarks, photo->timing.landmarks_ms / n);
        s_push (&stats->chip, photo->timing.chip_ms / n);
        s_push (&stats->descriptor, photo->timing.descriptor_ms / n);
        s_push (&stats->descriptor2, photo->timing.descriptor2_ms / n);
    }
    for (size_t i = 0; i < photo->face_count && stats->chip_count < stats->chip_max; i++)
        if (photo->faces [i].chip)
            memcpy (stats->chips + MT_CHIP_BYTES * stats->chip_count++,
                    photo->faces [i].chip, MT_CHIP_BYTES);
    mt_photo_destroy (&photo);
}

typedef struct {
    const char *net_path;
    const uint8_t *chips;
    size_t chip_count, rounds;
    double seconds;
} s_desc_job_t;

static void *
s_desc_worker (void *arg)
{
    s_desc_job_t *job = arg;
    mt_embedder_t *net;
    mt_err_t err;
    if (mt_embedder_new (job->net_path, &net, &err) != MT_OK)
        return NULL;
    float out [MT_EMBEDDING_DIM];
    mt_embedder_compute (net, job->chips, out, &err);       //  warm up
    double start = mt_clock_s ();
    for (size_t r = 0; r < job->rounds; r++)
        for (size_t i = 0; i < job->chip_count; i++)
            mt_embedder_compute (net, job->chips + i * MT_CHIP_BYTES, out, &err);
    job->seconds = mt_clock_s () - start;
    mt_embedder_destroy (&net);
    return NULL;
}

//  The descriptor stage alone: our per-face call against dlib's own batch
//  forward pass (alternating, median of 5 rounds, one thread), then faces/s
//  with each worker count, every worker with its own network.
static void
s_descriptor_stage (const char *net_path, const uint8_t *chips, size_t count,
                    const char *workers_list, int json)
{
    mt_embedder_t *net;
    mt_err_t err;
    if (mt_embedder_new_reference (net_path, &net, &err) != MT_OK) {
        fprintf (stderr, "bench-embed: %s\n", err.msg);
        return;
    }
    s_series_t ours = { 0 }, dlibs = { 0 };
    float out [MT_EMBEDDING_DIM];
    mt_embedder_reference_forward (net, chips, count, NULL, &err);     //  warm up
    for (int round = 0; round < 5; round++) {
        double t0 = mt_clock_s ();
        for (size_t i = 0; i < count; i++)
            mt_embedder_compute (net, chips + i * MT_CHIP_BYTES, out, &err);
        double t1 = mt_clock_s ();
        mt_embedder_reference_forward (net, chips, count, NULL, &err);
        double t2 = mt_clock_s ();
        s_push (&ours, (t1 - t0) * 1e3 / count);
        s_push (&dlibs, (t2 - t1) * 1e3 / count);
    }
    mt_embedder_destroy (&net);
    double a = s_median (&ours), b = s_median (&dlibs);
    printf ("descriptor stage, one thread, %zu chips: ours %.2f ms/face, dlib's own batch "
            "forward %.2f ms/face (%+.1f%%)\n", count, a, b, (a / b - 1) * 100);
    if (json)
        printf ("{\"descriptor_ms\":%.3f,\"dlib_forward_ms\":%.3f}\n", a, b);
    free (ours.values), free (dlibs.values);

    char *spec = strdup (workers_list);
    for (char *tok = strtok (spec, ","); tok; tok = strtok (NULL, ",")) {
        size_t workers = (size_t) atoi (tok);
        if (workers < 1 || workers > 64)
            continue;
        pthread_t threads [64];
        s_desc_job_t jobs [64];
        double start = mt_clock_s ();
        for (size_t w = 0; w < workers; w++) {
            jobs [w] = (s_desc_job_t) { net_path, chips, count, 3, 0 };
            pthread_create (&threads [w], NULL, s_desc_worker, &jobs [w]);
        }
        for (size_t w = 0; w < workers; w++)
            pthread_join (threads [w], NULL);
        double faces = (double) workers * count * 3;
        double slowest = 0;
        for (size_t w = 0; w < workers; w++)
            slowest = jobs [w].seconds > slowest ? jobs [w].seconds : slowest;
        printf ("descriptor stage, %zu worker%s: %.1f faces/s (wall %.2f s incl. loading)\n",
                workers, workers == 1 ? "" : "s", faces / slowest, mt_clock_s () - start);
    }
    free (spec);
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Collect files: a directory contributes its regular files (recursively).
static void
s_collect (const char *path, char **files, size_t *count)
{
    struct stat st;
    if (stat (path, &st) != 0)
        return;
    if (S_ISREG (st.st_mode)) {
        if (*count < S_MAX_FILES)
            files [(*count)++] = strdup (path);
        return;
    }
    if (!S_ISDIR (st.st_mode))
        return;
    DIR *dir = opendir (path);
    if (!dir)
        return;
    struct dirent *entry;
    while ((entry = readdir (dir)) != NULL) {
        if (entry->d_name [0] == '.')
            continue;
        char child [4096];
        snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
        s_collect (child, files, count);
    }
    closedir (dir);
}

int
main (int argc, char **argv)
{
    const char *workers_list = "1,2";
    int repeat = 1;
    int json = 0;
    int min_face = 0;
    bool mobilefacenet = true;
    const char *detector = "hog";
    char **files = calloc (S_MAX_FILES, sizeof *files);
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--workers") == 0 && i + 1 < argc)
            workers_list = argv [++i];
        else
        if (strcmp (argv [i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi (argv [++i]);
        else
        if (strcmp (argv [i], "--detect-min-face") == 0 && i + 1 < argc)
            min_face = atoi (argv [++i]);
        else
        if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else
        if (strcmp (argv [i], "--no-mobilefacenet") == 0)
            mobilefacenet = false;
        else
        if (strcmp (argv [i], "--detector") == 0 && i + 1 < argc)
            detector = argv [++i];
        else
        if (strcmp (argv [i], "--help") == 0) {
            printf ("usage: bench-embed [--workers 1,2] [--repeat N] [--detect-min-face PX] "
                    "[--no-mobilefacenet] [--detector hog|cnn|both] [--json] DIR|FILE...\n");
            return 0;
        }
        else
            s_collect (argv [i], files, &count);
    }
    if (count == 0 || repeat < 1) {
        fprintf (stderr, "bench-embed: no photos given (see --help)\n");
        return 2;
    }
    qsort (files, count, sizeof *files, s_cmp_str);
    size_t total = count * (size_t) repeat;
    const char **list = calloc (total, sizeof *list);
    for (size_t i = 0; i < total; i++)
        list [i] = files [i % count];

    //  OpenBLAS picks its kernels by the CPU unless OPENBLAS_CORETYPE names
    //  them (AVX2's "Haswell" on a CPU with AVX-512 runs the products slower).
    printf ("# %zu photos x %d, detect-min-face %d, detector %s, OpenBLAS kernels %s\n", count,
            repeat, min_face > 0 ? min_face : 40, detector, openblas_get_corename ());
    char *spec = strdup (workers_list);
    uint8_t *chips = malloc (64 * MT_CHIP_BYTES);
    size_t chip_count = 0;
    char net_path [4096] = "";
    double single_photos_per_s = 0;
    for (char *tok = strtok (spec, ","); tok; tok = strtok (NULL, ",")) {
        mt_pipeline_config_t config;
        mt_pipeline_config_defaults (&config);
        config.workers = (size_t) atoi (tok);
        config.keep_chips = true;
        config.mobilefacenet = mobilefacenet;
        config.detector = detector;
        if (min_face > 0)
            config.detect_min_face = min_face;
        mt_pipeline_t *pipeline;
        mt_err_t err;
        if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
            fprintf (stderr, "bench-embed: %s\n", err.msg);
            return 1;
        }
        s_stats_t stats = { .chip_max = 64 };
        stats.chips = malloc (MT_CHIP_BYTES * stats.chip_max);
        double start = mt_clock_s ();
        mt_pipeline_run_files (pipeline, list, total, s_on_photo, &stats, &err);
        double wall = mt_clock_s () - start;
        double pps = stats.photos / wall, fps = stats.faces / wall;
        if (config.workers == 1)
            single_photos_per_s = pps;
        printf ("workers %zu: %zu photos, %zu faces, %zu failed in %.2f s: %.1f photos/s, "
                "%.1f faces/s%s\n", config.workers, stats.photos, stats.faces, stats.failed,
                wall, pps, fps, "");
        if (config.workers > 1 && single_photos_per_s > 0)
            printf ("  scaling from 1 worker: x%.2f\n", pps / single_photos_per_s);
        double descriptor = s_median (&stats.descriptor);
        printf ("  median ms: decode %.2f, detect %.2f (per photo); landmarks %.2f, chip %.2f, "
                "descriptor %.2f, MobileFaceNet %.2f (per face)\n", s_median (&stats.decode),
                s_median (&stats.detect), s_median (&stats.landmarks), s_median (&stats.chip),
                descriptor, s_median (&stats.descriptor2));

        if (json)
            printf ("{\"workers\":%zu,\"photos_per_s\":%.2f,\"faces_per_s\":%.2f,"
                    "\"descriptor_ms\":%.3f}\n", config.workers, pps, fps, descriptor);
        if (stats.chip_count > chip_count) {
            memcpy (chips, stats.chips, stats.chip_count * MT_CHIP_BYTES);
            chip_count = stats.chip_count;
            snprintf (net_path, sizeof net_path, "%s/%s", config.model_dir,
                      MT_RECOGNITION_MODEL_FILE);
        }
        free (stats.decode.values), free (stats.detect.values);
        free (stats.landmarks.values), free (stats.chip.values);
        free (stats.descriptor.values), free (stats.descriptor2.values), free (stats.chips);
        mt_pipeline_destroy (&pipeline);
    }
    free (spec);
    if (chip_count > 0)
        s_descriptor_stage (net_path, chips, chip_count, workers_list, json);
    free (chips);
    for (size_t i = 0; i < count; i++)
        free (files [i]);
    free (files);
    free (list);
    return 0;
}
