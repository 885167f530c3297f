//  bench_faces - real face descriptors for the index benchmarks, and more
//  drawn like them.
//
//  The descriptors of a folder of people's folders (e.g.
//  ../shared/faces/lfw-scale: one face per photo, the photo's best) are
//  computed once with the real pipeline and cached in a file. A Gaussian
//  model fitted on them draws as many more as a benchmark needs: an
//  identity's centre from the spread between people, each photo of it from
//  the spread between one person's photos, both with their full
//  covariance. Synthetic faces so come in families, as cases' photos do;
//  uniform random vectors would be the worst case for an approximate index
//  and tell nothing about faces.

#ifndef BENCH_FACES_H_INCLUDED
#define BENCH_FACES_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  dlib's descriptor (the default); MobileFaceNet's; the larger.
#define BENCH_FACES_DIM 128
#define BENCH_FACES_MFN_DIM 192
#define BENCH_FACES_MAX_DIM 192

typedef struct {
    size_t count;               //  faces
    size_t people;              //  identities
    int dim;                    //  BENCH_FACES_DIM or BENCH_FACES_MFN_DIM
    float *vectors;             //  count x dim
    uint32_t *person;           //  count: identity of each face, 0..people-1
} bench_faces_t;

//  Descriptors of the photos under folder (one folder per person), from
//  cache (a file path) when it was made from the same folder, else computed
//  (minutes for thousands of photos) and written there. 0 on success.
int bench_faces_load (const char *folder, const char *cache, bench_faces_t *faces);

//  The same with a descriptor: "dlib" (bench_faces_load's) or
//  "mobilefacenet" (192-d, the pipeline's second descriptor; its cache is
//  cache with "-mobilefacenet" appended). Computing MobileFaceNet's
//  computes dlib's too and writes both caches; dlib's alone needs no
//  MobileFaceNet model.
int bench_faces_load_descriptor (const char *folder, const char *cache, const char *descriptor,
                                 bench_faces_t *faces);
void bench_faces_free (bench_faces_t *faces);

typedef struct {
    int dim;                    //  the faces' (rows of dim in the arrays below)
    float mean [BENCH_FACES_MAX_DIM];
    float between [BENCH_FACES_MAX_DIM * BENCH_FACES_MAX_DIM];  //  Cholesky factors (lower)
    float within [BENCH_FACES_MAX_DIM * BENCH_FACES_MAX_DIM];
    uint64_t rng;
} bench_faces_model_t;

//  Fit the model on faces (people with two or more photos give the spread
//  within a person). 0 on success.
int bench_faces_fit (const bench_faces_t *faces, uint64_t seed, bench_faces_model_t *model);

//  A new identity's centre; a photo of an identity with this centre.
void bench_faces_draw_person (bench_faces_model_t *model, float *centre);
void bench_faces_draw_photo (bench_faces_model_t *model, const float *centre, float *photo);

//  A uniform number in [0, 1) from the model's generator.
double bench_faces_uniform (bench_faces_model_t *model);

#endif
