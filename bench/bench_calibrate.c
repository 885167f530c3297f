//  bench/calibrate - how face distance maps to "same person", measured on
//  labelled photos, and the calibration the ranking uses.
//
//  usage: bench-calibrate [--json] DATASET_DIR...
//  Each DATASET_DIR holds one folder per person. Every photo's labelled
//  face (the one nearest its centre) is embedded; every pair of faces becomes a same-person or a
//  different-person example. Reported per dataset and overall: pairs, AUC,
//  accuracy at dlib's 0.6, and the logistic fit P(same | d) = 1 / (1 +
//  exp (-(a + b d))) on class-balanced pairs (a 1:1 prior), with a
//  reliability table; then identification: with the first photo of each
//  person as the gallery, where the true person ranks for every other photo
//  (rank 1 and within the top 20, the list a station checks by hand).
//  With the second descriptor (MobileFaceNet, on by default) the same for
//  it alone (a + b2 d2) and for both fused (a + b d + b2 d2), the fits the
//  ranking uses (services/results/store/mt_rank.c).

#include "base/mt_dir.h"
#include "face/mt_embedder.h"
#include "face/mt_pipeline.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    int person;         //  global person number
    int dataset;
    int first;          //  the person's first photo (gallery)
    bool ok;            //  quality verdict ok
    float embedding [MT_EMBEDDING_DIM];
    bool has2;
    float embedding2 [MT_EMBEDDING2_DIM];
} s_face_t;

typedef struct {
    double d;
    double d2;          //  MobileFaceNet's distance, -1 when a face has none
    int same;
    int both_ok;
    int dataset;
} s_pair_t;

static s_face_t *s_faces;
static double s_fused [3];          //  the fused fit over all pairs (a, b, b2)
static size_t s_face_count, s_face_size;
static int s_people;

//  The face a labelled photo is about: the one nearest the photo's centre
//  (LFW labels the face centred in the frame; ORL and Yale photos have one).
//  Another choice, such as the largest face, pairs a bystander's face with
//  the person's label and makes "same person" look farther than it is.
static const mt_photo_face_t *
s_labelled_face (const mt_photo_t *photo)
{
    const mt_photo_face_t *best = NULL;
    double best_d = 0;
    for (size_t i = 0; i < photo->face_count; i++) {
        const mt_box_t *b = &photo->faces [i].box;
        double dx = b->x + b->width / 2.0 - photo->width / 2.0;
        double dy = b->y + b->height / 2.0 - photo->height / 2.0;
        double d = dx * dx + dy * dy;
        if (!best || d < best_d)
            best = &photo->faces [i], best_d = d;
    }
    return best;
}

static void
s_load (mt_pipeline_t *pipeline, const char *root, int dataset, size_t *no_face)
{
    char **people;
    size_t count = mt_dir_list (root, &people);
    for (size_t p = 0; p < count; p++) {
        char dir [4096];
        snprintf (dir, sizeof dir, "%s/%s", root, people [p]);
        struct stat st;
        if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
            continue;
        char **photos;
        size_t n = mt_dir_list (dir, &photos);
        int person = s_people++;
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            char path [8192];
            snprintf (path, sizeof path, "%s/%s", dir, photos [i]);
            mt_photo_t *photo;
            mt_err_t err;
            if (mt_pipeline_process_file (pipeline, 0, path, &photo, &err) == MT_OK) {
                const mt_photo_face_t *face = s_labelled_face (photo);
                if (face) {
                    if (s_face_count == s_face_size) {
                        s_face_size = s_face_size ? s_face_size * 2 : 256;
                        s_faces = realloc (s_faces, s_face_size * sizeof *s_faces);
                    }
                    s_face_t *f = &s_faces [s_face_count++];
                    f->person = person;
                    f->dataset = dataset;
                    f->first = first;
                    f->ok = face->quality.verdict == MT_VERDICT_OK;
                    memcpy (f->embedding, face->embedding, sizeof f->embedding);
                    f->has2 = face->has_embedding2;
                    memcpy (f->embedding2, face->embedding2, sizeof f->embedding2);
                    first = false;
                }
                else
                    (*no_face)++;
                mt_photo_destroy (&photo);
            }
            free (photos [i]);
        }
        free (photos);
        free (people [p]);
    }
    free (people);
}

static double
s_distance2 (const s_face_t *x, const s_face_t *y)
{
    if (!x->has2 || !y->has2)
        return -1;
    return mt_mobilefacenet_distance (x->embedding2, y->embedding2);
}

//  How far apart two faces are for identification (smaller is nearer): by
//  dlib's distance (kind 0), MobileFaceNet's (1), or minus the fused
//  evidence (2, shifted to stay positive); -1 when a face lacks one.
static double
s_cost (int kind, const s_face_t *x, const s_face_t *y)
{
    if (kind == 0)
        return mt_embedding_distance (x->embedding, y->embedding);
    double d2 = s_distance2 (x, y);
    if (d2 < 0 || kind == 1)
        return d2;
    return 1000 - (s_fused [1] * mt_embedding_distance (x->embedding, y->embedding)
                   + s_fused [2] * d2);
}

static int
s_cmp_pair (const void *a, const void *b)
{
    double x = ((const s_pair_t *) a)->d, y = ((const s_pair_t *) b)->d;
    return (x > y) - (x < y);
}

//  AUC of "smaller distance = same person" (pairs sorted by distance).
static double
s_auc (const s_pair_t *pairs, size_t n)
{
    double same = 0, diff = 0, area = 0;
    for (size_t i = 0; i < n; i++) {
        if (pairs [i].same)
            same++;
        else {
            area += same;       //  same pairs closer than this different one
            diff++;
        }
    }
    return same && diff ? area / (same * diff) : 0;
}

//  Class-balanced logistic regression on d by Newton's method.
static void
s_fit (const s_pair_t *pairs, size_t n, double *a_p, double *b_p)
{
    double ns = 0, nd = 0;
    for (size_t i = 0; i < n; i++)
        pairs [i].same ? ns++ : nd++;
    double ws = n / (2 * ns), wd = n / (2 * nd);
    double a = 0, b = 0;
    for (int iter = 0; iter < 50; iter++) {
        double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (size_t i = 0; i < n; i++) {
            double w = pairs [i].same ? ws : wd;
            double p = 1 / (1 + exp (-(a + b * pairs [i].d)));
            double r = p - pairs [i].same;
            g0 += w * r;
            g1 += w * r * pairs [i].d;
            double v = w * p * (1 - p);
            h00 += v;
            h01 += v * pairs [i].d;
            h11 += v * pairs [i].d * pairs [i].d;
        }
        double det = h00 * h11 - h01 * h01;
        if (fabs (det) < 1e-12)
            break;
        a -= (h11 * g0 - h01 * g1) / det;
        b -= (-h01 * g0 + h00 * g1) / det;
    }
    *a_p = a;
    *b_p = b;
}

//  Class-balanced logistic regression on (d, d2) by Newton's method:
//  coefficients a, b, b2 into c [3].
static void
s_fit2 (const s_pair_t *pairs, size_t n, double c [3])
{
    double ns = 0, nd = 0;
    for (size_t i = 0; i < n; i++)
        pairs [i].same ? ns++ : nd++;
    double ws = n / (2 * ns), wd = n / (2 * nd);
    c [0] = c [1] = c [2] = 0;
    for (int iter = 0; iter < 50; iter++) {
        double g [3] = { 0 }, h [3][4] = { { 0 } };
        for (size_t i = 0; i < n; i++) {
            double x [3] = { 1, pairs [i].d, pairs [i].d2 };
            double w = pairs [i].same ? ws : wd;
            double p = 1 / (1 + exp (-(c [0] + c [1] * x [1] + c [2] * x [2])));
            for (int r = 0; r < 3; r++) {
                g [r] += w * (p - pairs [i].same) * x [r];
                for (int k = 0; k < 3; k++)
                    h [r][k] += w * p * (1 - p) * x [r] * x [k];
            }
        }
        //  Solve h step = g (Gaussian elimination, 3x3) and step back.
        for (int r = 0; r < 3; r++)
            h [r][3] = g [r];
        for (int col = 0; col < 3; col++) {
            if (fabs (h [col][col]) < 1e-12)
                return;
            for (int r = 0; r < 3; r++)
                if (r != col) {
                    double f = h [r][col] / h [col][col];
                    for (int k = col; k < 4; k++)
                        h [r][k] -= f * h [col][k];
                }
        }
        for (int r = 0; r < 3; r++)
            c [r] -= h [r][3] / h [r][r];
    }
}

//  The second descriptor alone and fused with dlib's, on the pairs where
//  both faces have it.
static void
s_report2 (const char *label, const s_pair_t *pairs, size_t n, int json)
{
    s_pair_t *with = malloc ((n ? n : 1) * sizeof *with);
    size_t m = 0;
    for (size_t i = 0; with && i < n; i++)
        if (pairs [i].d2 >= 0) {
            with [m] = pairs [i];
            with [m++].d = pairs [i].d2;
        }
    if (m == 0) {
        free (with);
        return;
    }
    double a, b;
    s_fit (with, m, &a, &b);
    qsort (with, m, sizeof *with, s_cmp_pair);
    double auc = s_auc (with, m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pairs [i].d2 >= 0)
            with [k++] = pairs [i];
    double *c = s_fused;
    s_fit2 (with, m, c);
    printf ("%s, MobileFaceNet: %zu pairs, AUC %.4f, fit a %.3f b2 %.3f; fused with dlib's: "
            "a %.3f b %.3f b2 %.3f\n", label, m, auc, a, b, c [0], c [1], c [2]);
    if (json)
        printf ("{\"set\":\"%s\",\"mobilefacenet\":{\"pairs\":%zu,\"auc\":%.5f,\"a\":%.4f,"
                "\"b2\":%.4f},\"fused\":{\"a\":%.4f,\"b\":%.4f,\"b2\":%.4f}}\n", label, m, auc,
                a, b, c [0], c [1], c [2]);
    free (with);
}

static void
s_report (const char *label, s_pair_t *pairs, size_t n, int json)
{
    if (n == 0)
        return;
    qsort (pairs, n, sizeof *pairs, s_cmp_pair);
    size_t same = 0, right = 0;
    for (size_t i = 0; i < n; i++) {
        same += pairs [i].same;
        right += (pairs [i].d < MT_SAME_PERSON_DISTANCE) == (pairs [i].same != 0);
    }
    double a, b;
    s_fit (pairs, n, &a, &b);
    printf ("%s: %zu pairs (%zu same), AUC %.4f, accuracy at 0.6 %.4f (balanced: see fit), "
            "fit a %.3f b %.3f (P = 0.5 at d %.3f)\n", label, n, same, s_auc (pairs, n),
            (double) right / n, a, b, -a / b);
    //  Reliability: balanced observed frequency per predicted bin.
    double ns = (double) same, nd = (double) (n - same);
    printf ("  predicted   pairs  observed same (balanced)\n");
    for (int bin = 0; bin < 10; bin++) {
        double lo = bin / 10.0, hi = (bin + 1) / 10.0, ws = 0, wd = 0;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            double p = 1 / (1 + exp (-(a + b * pairs [i].d)));
            if (p >= lo && (p < hi || (bin == 9 && p <= 1))) {
                count++;
                if (pairs [i].same)
                    ws += 1 / ns;
                else
                    wd += 1 / nd;
            }
        }
        if (count)
            printf ("  %.1f-%.1f  %7zu  %.3f\n", lo, hi, count, ws / (ws + wd));
    }
    if (json)
        printf ("{\"set\":\"%s\",\"pairs\":%zu,\"same\":%zu,\"auc\":%.5f,\"a\":%.4f,\"b\":%.4f}\n",
                label, n, same, s_auc (pairs, n), a, b);
}

int
main (int argc, char **argv)
{
    int json = 0, sets = 0;
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    mt_pipeline_t *pipeline;
    mt_err_t err;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        fprintf (stderr, "%s\n", err.msg);
        return 1;
    }
    const char *names [16];
    size_t no_face = 0;
    for (int i = 1; i < argc && sets < 16; i++) {
        if (strcmp (argv [i], "--json") == 0) {
            json = 1;
            continue;
        }
        names [sets] = argv [i];
        s_load (pipeline, argv [i], sets, &no_face);
        sets++;
    }
    mt_pipeline_destroy (&pipeline);
    printf ("# %zu faces of %d people from %d datasets; %zu photos without a face\n",
            s_face_count, s_people, sets, no_face);

    size_t total = s_face_count * (s_face_count - 1) / 2;
    s_pair_t *all = malloc (total * sizeof *all), *ok = malloc (total * sizeof *ok);
    size_t n_all = 0, n_ok = 0;
    for (size_t i = 0; i < s_face_count; i++)
        for (size_t j = i + 1; j < s_face_count; j++) {
            s_pair_t pair = {
                mt_embedding_distance (s_faces [i].embedding, s_faces [j].embedding),
                s_distance2 (&s_faces [i], &s_faces [j]),
                s_faces [i].person == s_faces [j].person, s_faces [i].ok && s_faces [j].ok,
                s_faces [i].dataset == s_faces [j].dataset ? s_faces [i].dataset : -1
            };
            all [n_all++] = pair;
            if (pair.both_ok)
                ok [n_ok++] = pair;
        }
    for (int set = 0; set < sets; set++) {
        s_pair_t *mine = malloc (n_all * sizeof *mine);
        size_t n = 0;
        for (size_t i = 0; i < n_all; i++)
            if (all [i].dataset == set)
                mine [n++] = all [i];
        s_report (names [set], mine, n, json);
        free (mine);
    }
    s_report ("all", all, n_all, json);
    s_report ("both faces ok", ok, n_ok, json);
    s_report2 ("all", all, n_all, json);

    //  Identification: gallery = first photo per person; by dlib's
    //  distance, by MobileFaceNet's, and by the fused evidence.
    static const char *const kinds [] = { "dlib", "mobilefacenet", "fused" };
    for (int kind = 0; kind < 3; kind++) {
        size_t probes = 0, rank1 = 0, top20 = 0;
        for (size_t i = 0; i < s_face_count; i++) {
            if (s_faces [i].first || (kind > 0 && !s_faces [i].has2))
                continue;
            double own = -1;
            for (size_t j = 0; j < s_face_count; j++)
                if (s_faces [j].first && s_faces [j].person == s_faces [i].person)
                    own = s_cost (kind, &s_faces [i], &s_faces [j]);
            if (own < 0)
                continue;
            size_t better = 0;
            for (size_t j = 0; j < s_face_count; j++)
                if (s_faces [j].first && s_faces [j].person != s_faces [i].person
                &&  s_cost (kind, &s_faces [i], &s_faces [j]) < own)
                    better++;
            probes++;
            rank1 += better == 0;
            top20 += better < 20;
        }
        if (probes == 0)
            continue;
        printf ("identification by %s against a gallery of %d people: %zu probes, rank 1 %.4f, "
                "top 20 %.4f\n", kinds [kind], s_people, probes, (double) rank1 / probes,
                (double) top20 / probes);
        if (json)
            printf ("{\"identification\":{\"by\":\"%s\",\"gallery\":%d,\"probes\":%zu,"
                    "\"rank1\":%.5f,\"top20\":%.5f}}\n", kinds [kind], s_people, probes,
                    (double) rank1 / probes, (double) top20 / probes);
    }
    free (all), free (ok), free (s_faces);
    return 0;
}
