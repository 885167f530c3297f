//  bench_faces - real descriptors of a folder, cached; a Gaussian model of
//  them that draws more.

#include "bench_faces.h"

#include "base/mt_dir.h"
#include "face/mt_pipeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAGIC 0x48574643ull       //  "HWFC": dlib's descriptors
#define S_MAGIC_MFN 0x48574632ull   //  "HWF2": MobileFaceNet's

//  LAPACK's Cholesky factorisation (OpenBLAS carries LAPACK).
extern void spotrf_ (const char *uplo, const int *n, float *a, const int *lda, int *info);

typedef struct {
    bench_faces_t *faces;
    bench_faces_t *mfn;             //  MobileFaceNet's, the same faces (or NULL)
    const uint32_t *file_person;
    size_t failed;
} s_collect_t;

static void
s_on_photo (void *arg, size_t index, mt_photo_t *photo, const mt_err_t *err)
{
    (void) err;
    s_collect_t *collect = arg;
    const mt_photo_face_t *face = photo ? mt_photo_best_face (photo) : NULL;
    bench_faces_t *faces = collect->faces, *mfn = collect->mfn;
    if (face && (!mfn || face->has_embedding2)) {
        memcpy (faces->vectors + faces->count * BENCH_FACES_DIM, face->embedding,
                BENCH_FACES_DIM * sizeof (float));
        faces->person [faces->count++] = collect->file_person [index];
        if (mfn) {
            memcpy (mfn->vectors + mfn->count * BENCH_FACES_MFN_DIM, face->embedding2,
                    BENCH_FACES_MFN_DIM * sizeof (float));
            mfn->person [mfn->count++] = collect->file_person [index];
        }
    }
    else
        collect->failed++;
    mt_photo_destroy (&photo);
}

//  Every photo path under folder/person/, with its person's number.
static size_t
s_list_photos (const char *folder, char ***paths_p, uint32_t **person_p, size_t *people_p)
{
    char **people;
    size_t people_count = mt_dir_list (folder, &people), count = 0, cap = 0;
    char **paths = NULL;
    uint32_t *person = NULL;
    for (size_t p = 0; p < people_count; p++) {
        char dir [4096];
        snprintf (dir, sizeof dir, "%s/%s", folder, people [p]);
        char **photos;
        size_t photo_count = mt_dir_list (dir, &photos);
        for (size_t i = 0; i < photo_count; i++) {
            if (count == cap) {
                cap = cap ? cap * 2 : 1024;
                paths = realloc (paths, cap * sizeof *paths);
                person = realloc (person, cap * sizeof *person);
                if (!paths || !person)
                    abort ();
            }
            size_t size = strlen (dir) + strlen (photos [i]) + 2;
            paths [count] = malloc (size);
            snprintf (paths [count], size, "%s/%s", dir, photos [i]);
            person [count++] = (uint32_t) p;
        }
        mt_dir_free (photos, photo_count);
    }
    mt_dir_free (people, people_count);
    *paths_p = paths;
    *person_p = person;
    *people_p = people_count;
    return count;
}

//  dlib's descriptor of every photo's best face, and MobileFaceNet's too
//  when mfn is not NULL (a face MobileFaceNet could not describe is then
//  left out of both, so both sets hold the same faces).
static int
s_compute (const char *folder, bench_faces_t *faces, bench_faces_t *mfn)
{
    char **paths;
    uint32_t *file_person;
    size_t people, count = s_list_photos (folder, &paths, &file_person, &people);
    if (count == 0) {
        fprintf (stderr, "bench: no photos under %s\n", folder);
        return -1;
    }
    fprintf (stderr, "bench: describing %zu photos of %zu people in %s (once; cached)\n",
             count, people, folder);
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    config.workers = 2;
    config.mobilefacenet = mfn != NULL;
    mt_pipeline_t *pipeline;
    mt_err_t err;
    int rc = mt_pipeline_new (&config, &pipeline, &err);
    faces->vectors = malloc (count * BENCH_FACES_DIM * sizeof (float));
    faces->person = malloc (count * sizeof (uint32_t));
    faces->people = people;
    faces->dim = BENCH_FACES_DIM;
    if (mfn) {
        mfn->vectors = malloc (count * BENCH_FACES_MFN_DIM * sizeof (float));
        mfn->person = malloc (count * sizeof (uint32_t));
        mfn->people = people;
        mfn->dim = BENCH_FACES_MFN_DIM;
    }
    s_collect_t collect = { faces, mfn, file_person, 0 };
    if (rc == MT_OK && faces->vectors && faces->person
    &&  (!mfn || (mfn->vectors && mfn->person)))
        rc = mt_pipeline_run_files (pipeline, (const char *const *) paths, count, s_on_photo,
                                    &collect, &err);
    if (rc != MT_OK)
        fprintf (stderr, "bench: %s\n", err.msg);
    mt_pipeline_destroy (&pipeline);
    for (size_t i = 0; i < count; i++)
        free (paths [i]);
    free (paths), free (file_person);
    return rc == MT_OK ? 0 : -1;
}

static int
s_read_cache (const char *folder, const char *cache, uint64_t magic, int dim,
              bench_faces_t *faces)
{
    FILE *file = fopen (cache, "rb");
    if (!file)
        return -1;
    uint64_t header [4];
    char source [4096] = "";
    int rc = -1;
    if (fread (header, sizeof header, 1, file) == 1 && header [0] == magic
    &&  header [3] < sizeof source && fread (source, header [3], 1, file) == 1
    &&  strcmp (source, folder) == 0) {
        faces->count = header [1];
        faces->people = header [2];
        faces->dim = dim;
        faces->vectors = malloc (faces->count * (size_t) dim * sizeof (float) + 1);
        faces->person = malloc (faces->count * sizeof (uint32_t) + 1);
        if (faces->vectors && faces->person
        &&  fread (faces->vectors, sizeof (float) * (size_t) dim, faces->count, file)
            == faces->count
        &&  fread (faces->person, sizeof (uint32_t), faces->count, file) == faces->count)
            rc = 0;
    }
    fclose (file);
    return rc;
}

static void
s_write_cache (const char *folder, const char *cache, uint64_t magic,
               const bench_faces_t *faces)
{
    FILE *file = fopen (cache, "wb");
    uint64_t header [4] = { magic, faces->count, faces->people, strlen (folder) + 1 };
    if (!file
    ||  fwrite (header, sizeof header, 1, file) != 1
    ||  fwrite (folder, header [3], 1, file) != 1
    ||  fwrite (faces->vectors, sizeof (float) * (size_t) faces->dim, faces->count, file)
        != faces->count
    ||  fwrite (faces->person, sizeof (uint32_t), faces->count, file) != faces->count)
        fprintf (stderr, "bench: cannot write the descriptor cache %s\n", cache);
    if (file)
        fclose (file);
}

int
bench_faces_load_descriptor (const char *folder, const char *cache, const char *descriptor,
                             bench_faces_t *faces)
{
    memset (faces, 0, sizeof *faces);
    bool want_mfn = strcmp (descriptor, "mobilefacenet") == 0;
    if (!want_mfn && strcmp (descriptor, "dlib") != 0) {
        fprintf (stderr, "bench: the descriptor is dlib or mobilefacenet, not %s\n", descriptor);
        return -1;
    }
    char mfn_cache [4096];
    snprintf (mfn_cache, sizeof mfn_cache, "%s-mobilefacenet", cache);
    if (s_read_cache (folder, want_mfn ? mfn_cache : cache, want_mfn ? S_MAGIC_MFN : S_MAGIC,
                      want_mfn ? BENCH_FACES_MFN_DIM : BENCH_FACES_DIM, faces) == 0)
        return 0;
    bench_faces_free (faces);
    bench_faces_t dlib, mfn;
    memset (&dlib, 0, sizeof dlib), memset (&mfn, 0, sizeof mfn);
    //  dlib's alone needs no MobileFaceNet model (as before).
    if (s_compute (folder, &dlib, want_mfn ? &mfn : NULL) != 0) {
        bench_faces_free (&dlib), bench_faces_free (&mfn);
        return -1;
    }
    s_write_cache (folder, cache, S_MAGIC, &dlib);
    if (want_mfn)
        s_write_cache (folder, mfn_cache, S_MAGIC_MFN, &mfn);
    *faces = want_mfn ? mfn : dlib;
    bench_faces_free (want_mfn ? &dlib : &mfn);
    return 0;
}

int
bench_faces_load (const char *folder, const char *cache, bench_faces_t *faces)
{
    return bench_faces_load_descriptor (folder, cache, "dlib", faces);
}

void
bench_faces_free (bench_faces_t *faces)
{
    free (faces->vectors), free (faces->person);
    memset (faces, 0, sizeof *faces);
}

double
bench_faces_uniform (bench_faces_model_t *model)
{
    //  xorshift64*
    model->rng ^= model->rng >> 12, model->rng ^= model->rng << 25;
    model->rng ^= model->rng >> 27;
    return (double) ((model->rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static double
s_gauss (bench_faces_model_t *model)
{
    double u = bench_faces_uniform (model) + 1e-12, v = bench_faces_uniform (model);
    return sqrt (-2 * log (u)) * cos (2 * 3.14159265358979323846 * v);
}

//  Covariance of count rows around mean (D x D, full).
static double *
s_cov (const double *rows, size_t count, const double *mean, int D)
{
    double *cov = calloc (D * D, sizeof *cov);
    for (size_t r = 0; cov && r < count; r++)
        for (int i = 0; i < D; i++)
            for (int j = 0; j <= i; j++)
                cov [i * D + j] += (rows [r * D + i] - mean [i]) * (rows [r * D + j] - mean [j]);
    for (int i = 0; cov && i < D; i++)
        for (int j = 0; j <= i; j++)
            cov [j * D + i] = cov [i * D + j] /= (double) (count > 1 ? count - 1 : 1);
    return cov;
}

//  The lower Cholesky factor of cov - less x minus (row-major, as LAPACK's
//  column-major upper factor). 0 on success, -1 when not positive definite.
static int
s_factor (const double *cov, const double *minus, double less, float *factor, int D)
{
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
            factor [i * D + j] = (float) (cov [i * D + j] - (minus ? less * minus [i * D + j] : 0)
                                          + (i == j ? 1e-6 : 0));
    int n = D, info = 0;
    char uplo = 'U';
    spotrf_ (&uplo, &n, factor, &n, &info);
    for (int i = 0; i < D; i++)
        for (int j = i + 1; j < D; j++)
            factor [i * D + j] = 0;
    return info == 0 ? 0 : -1;
}

int
bench_faces_fit (const bench_faces_t *faces, uint64_t seed, bench_faces_model_t *model)
{
    const int D = faces->dim;
    memset (model, 0, sizeof *model);
    model->dim = D;
    model->rng = seed | 1;
    size_t people = faces->people;
    double *centre = calloc (people * D, sizeof *centre);
    double *within = malloc (faces->count * D * sizeof *within);
    size_t *photos = calloc (people, sizeof *photos);
    double mean [BENCH_FACES_MAX_DIM] = { 0 }, zero [BENCH_FACES_MAX_DIM] = { 0 };
    int rc = centre && within && photos ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < faces->count; i++) {
        photos [faces->person [i]]++;
        for (int d = 0; d < D; d++)
            centre [faces->person [i] * D + d] += faces->vectors [i * D + d];
    }
    //  People with a face, packed in order: slot [p] is person p's place.
    size_t used = 0, residuals = 0;
    size_t *slot = calloc (people ? people : 1, sizeof *slot);
    rc = rc == 0 && slot ? 0 : -1;
    for (size_t p = 0; rc == 0 && p < people; p++) {
        if (!photos [p])
            continue;
        slot [p] = used;
        for (int d = 0; d < D; d++) {
            centre [used * D + d] = centre [p * D + d] / (double) photos [p];
            mean [d] += centre [used * D + d];
        }
        used++;
    }
    for (int d = 0; d < D; d++)
        model->mean [d] = (float) (mean [d] /= (double) (used ? used : 1));
    //  The spread within a person, from people with two photos or more.
    for (size_t i = 0; rc == 0 && i < faces->count; i++) {
        size_t p = faces->person [i], at = slot [p];
        if (photos [p] < 2)
            continue;
        //  Scaled so that the residuals' spread is the photos' own (a mean
        //  of m photos is closer to each than a photo's true centre).
        double scale = sqrt ((double) photos [p] / (double) (photos [p] - 1));
        for (int d = 0; d < D; d++)
            within [residuals * D + d] = (faces->vectors [i * D + d] - centre [at * D + d]) * scale;
        residuals++;
    }
    //  A person's mean photo still carries the spread within a person
    //  (over m photos, 1/m of it): taken out of the spread between people.
    double share = 0;
    for (size_t p = 0; p < people; p++)
        share += photos [p] ? 1.0 / (double) photos [p] : 0;
    share /= (double) (used ? used : 1);
    double *between = rc == 0 ? s_cov (centre, used, mean, D) : NULL;
    double *spread = rc == 0 ? s_cov (within, residuals, zero, D) : NULL;
    rc = between && spread ? 0 : -1;
    if (rc == 0 && s_factor (between, spread, share, model->between, D) != 0)
        rc = s_factor (between, NULL, 0, model->between, D);
    if (rc == 0)
        rc = s_factor (spread, NULL, 0, model->within, D);
    free (between), free (spread);
    free (centre), free (within), free (photos), free (slot);
    return rc;
}

static void
s_draw (bench_faces_model_t *model, const float *factor, const float *base, float *out)
{
    const int D = model->dim;
    double z [BENCH_FACES_MAX_DIM];
    for (int d = 0; d < D; d++)
        z [d] = s_gauss (model);
    for (int i = 0; i < D; i++) {
        double value = base [i];
        for (int j = 0; j <= i; j++)
            value += factor [i * D + j] * z [j];
        out [i] = (float) value;
    }
}

void
bench_faces_draw_person (bench_faces_model_t *model, float *centre)
{
    s_draw (model, model->between, model->mean, centre);
}

void
bench_faces_draw_photo (bench_faces_model_t *model, const float *centre, float *photo)
{
    s_draw (model, model->within, centre, photo);
}
