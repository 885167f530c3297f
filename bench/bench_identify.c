//  bench/identify - finding the family at scale, through the real service.
//
//  usage: bench-identify [--family-photos N] [--absent SHARE] [--seed N] [--people N]
//                        [--facts] [--workers W] [--partitions P] [--dir DIR]
//                        [--homeward PATH] [--pairs FILE] [--serve ARG]...
//                        [--ages FILE | --ages-in-names] [--fit] [--json] FOLDER
//
//  FOLDER holds one folder per person with their photos (e.g.
//  ../shared/faces/lfw-scale). `homeward serve` starts on an empty data
//  folder; every person becomes a missing-person report with their first
//  photo (--family-photos N: their first N, keeping one back), then every
//  person with a photo left becomes a found person with the next photo, all
//  through the service's API, as `homeward import` would. With --absent S a
//  share S of the found people's families file no report (their found cases
//  have no true family: the open-set case a real deployment has); --seed N
//  draws another share. LFW has no facts; with --facts each person gets
//  facts drawn at random (s_facts): the same on both sides, but for a
//  recording error of the sex in 5% of found people, and independent
//  between different people, as the facts of strangers are.
//
//  It prints the faces found, the time per photo, where the true family
//  ranks in each found person's candidates (top-1/5/20/50), the review
//  queue's workload (queue items per found person, in the order the queue
//  API serves them, to meet 50/80/90/95% of the true pairs), and a
//  reliability table of the scores (the share of true pairs per score bin).
//  --pairs FILE writes every queue item with its truth; --fit fits the
//  score's parameters (mt_rank.h) on the queue's pairs; --serve ARG passes
//  an argument to `homeward serve` (e.g. --serve --no-mirror).
//
//  Ages (a cross-age set): --ages FILE gives the person's age in each photo,
//  one "PERSON/FILE,AGE" line each (paths relative to FOLDER); with
//  --ages-in-names the age is read from FG-NET-style file names
//  ("001A02.JPG": person 001 at 2, "001A43a.JPG" at 43). A person whose
//  every photo has an age reports their youngest photos and is found in
//  their oldest: the report gives each photo's age and the birth year, the
//  found case the age staff would estimate (a ten-year range around it),
//  as the forms ask for them.

#include "common/api.h"
#include "bench_service.h"
#include "mt_test.h"
#include "base/mt_dir.h"
#include "results/store/mt_rank.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_PHOTOS 64
#define S_TOP 50

typedef struct {
    char name [256];
    char *photos [S_MAX_PHOTOS];
    size_t photo_count;
    size_t family_photos;           //  photos in the missing report
    bool absent;                    //  the family filed no report
    bool found;                     //  has a found case
    int64_t missing_case, found_case;
    int rank;                       //  of the true family; 0: not among the candidates
    int ages [S_MAX_PHOTOS];        //  the person's age in each photo, -1 unknown
    bool aged;                      //  every photo has an age
} s_person_t;

typedef struct {
    api_client_t *client;
    size_t photos, photos_with_face, faces, photo_errors;
    bool facts;                     //  --facts: each person's facts drawn (s_facts)
    unsigned seed;
} s_run_t;

//  Seconds on a monotonic clock.
static double
s_now (void)
{
    return mt_test_now_ms () / 1e3;
}

static json_t *
s_call (s_run_t *run, const char *method, json_t *params, const void *payload, size_t size)
{
    return bench_call (run->client, "bench-identify", method, params, payload, size);
}

//  A person's facts, drawn from their name: sex, birth year, home province,
//  the day they were last seen; found 0-3 years later, in their home
//  province 60% of the time, their age estimated within a decade, and in
//  5% of found people their sex recorded wrong.
static void
s_facts (json_t *params, const char *name, bool found, unsigned seed)
{
    static const int provinces [] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36,
                                      37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62,
                                      63, 64, 65 };
    const size_t n_prov = sizeof provinces / sizeof provinces [0];
    bool male = bench_hash01 (name, seed + 101) < 0.5;
    int born = 1935 + (int) (bench_hash01 (name, seed + 102) * 70);
    int home = provinces [(size_t) (bench_hash01 (name, seed + 103) * n_prov) % n_prov];
    int seen_days = (int) (bench_hash01 (name, seed + 104) * 365 * 10);    //  2010-2019
    char date [48];
    if (!found) {
        snprintf (date, sizeof date, "%04d-%02d-%02d", 2010 + seen_days / 365,
                  1 + (seen_days % 365) / 31 % 12, 1 + seen_days % 28);
        json_object_set_new (params, "sex", json_string (male ? "male" : "female"));
        json_object_set_new (params, "birth_year", json_integer (born));
        json_object_set_new (params, "province", json_integer (home));
        json_object_set_new (params, "date_last_seen", json_string (date));
        return;
    }
    if (bench_hash01 (name, seed + 105) < 0.05)
        male = !male;
    int found_days = seen_days + (int) (bench_hash01 (name, seed + 106) * 365 * 3);
    snprintf (date, sizeof date, "%04d-%02d-%02d", 2010 + found_days / 365,
              1 + (found_days % 365) / 31 % 12, 1 + found_days % 28);
    int age = 2010 + found_days / 365 - born;
    int low = age - 2 - (int) (bench_hash01 (name, seed + 107) * 6);
    char ages [32];
    snprintf (ages, sizeof ages, "%d-%d", low < 1 ? 1 : low, (low < 1 ? 1 : low) + 10);
    int where = bench_hash01 (name, seed + 108) < 0.6 ? home
              : provinces [(size_t) (bench_hash01 (name, seed + 109) * n_prov) % n_prov];
    json_object_set_new (params, "sex", json_string (male ? "male" : "female"));
    json_object_set_new (params, "age", json_string (ages));
    json_object_set_new (params, "province", json_integer (where));
    json_object_set_new (params, "date_found", json_string (date));
}

//  The year a found person was found: the facts' date, else this year.
static int
s_found_year (const s_run_t *run, const char *name)
{
    int year = 0;
    if (run->facts) {
        json_t *facts = json_object ();
        s_facts (facts, name, true, run->seed);
        sscanf (json_string_value (json_object_get (facts, "date_found")), "%4d", &year);
        json_decref (facts);
    }
    if (!year) {
        time_t now = time (NULL);
        struct tm tm;
        gmtime_r (&now, &tm);
        year = tm.tm_year + 1900;
    }
    return year;
}

//  A person of known ages: the report's birth year and each photo's age,
//  the found case's estimated age (ten years wide, around the true one).
static void
s_ages (const s_run_t *run, const s_person_t *p, bool found, json_t *params)
{
    int age = p->ages [p->family_photos];
    if (found) {
        int low = age - 2 - (int) (bench_hash01 (p->name, run->seed + 107) * 6);
        low = low < 0 ? 0 : low;
        char range [32];
        snprintf (range, sizeof range, "%d-%d", low, low + 10);
        json_object_set_new (params, "age", json_string (range));
    }
    else
        json_object_set_new (params, "birth_year",
                             json_integer (s_found_year (run, p->name) - age));
}

static int64_t
s_add_case (s_run_t *run, const s_person_t *p, bool found, char **photos, size_t count)
{
    char ref [300];
    snprintf (ref, sizeof ref, "bench:%s:%s", found ? "found" : "missing", p->name);
    json_t *params = found
        ? json_pack ("{s:s, s:s, s:s}", "kind", "found", "consent_basis", "vital_interests",
                     "external_ref", ref)
        : json_pack ("{s:s, s:s, s:s, s:s}", "kind", "missing", "consent_basis", "family",
                     "consent_by", "the family", "external_ref", ref);
    if (run->facts)
        s_facts (params, p->name, found, run->seed);
    if (p->aged)
        s_ages (run, p, found, params);
    //  A minor found needs a guardian's consent.
    if (found && json_object_get (params, "age")
    &&  atoi (json_string_value (json_object_get (params, "age"))) < 18)
        json_object_set_new (params, "consent_basis", json_string ("guardian")),
        json_object_set_new (params, "consent_by", json_string ("the relief station"));
    if (!found && json_object_get (params, "birth_year")
    &&  2026 - json_integer_value (json_object_get (params, "birth_year")) < 18)
        json_object_set_new (params, "consent_basis", json_string ("guardian"));
    json_t *r = s_call (run, "case.add", params, NULL, 0);
    int64_t id = r ? (int64_t) json_integer_value (json_object_get (r, "case_id")) : 0;
    json_decref (r);
    for (size_t i = 0; id && i < count; i++) {
        FILE *file = fopen (photos [i], "rb");
        uint8_t *buf = malloc (16u << 20);
        size_t size = file && buf ? fread (buf, 1, 16u << 20, file) : 0;
        if (file)
            fclose (file);
        json_t *photo = json_pack ("{s:I}", "case_id", (json_int_t) id);
        if (p->aged && !found)
            json_object_set_new (photo, "age_taken", json_integer (p->ages [i]));
        json_decref (s_call (run, "photo.add", photo, buf, size));
        free (buf);
        run->photos++;
    }
    return id;
}

//  --ages FILE: "PERSON/FILE,AGE" lines into ages (a JSON object by path).
static int
s_read_ages (const char *path, json_t *ages)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        fprintf (stderr, "bench-identify: cannot read %s: %s\n", path, strerror (errno));
        return -1;
    }
    char line [2048];
    int number = 0;
    while (fgets (line, sizeof line, file)) {
        number++;
        char *comma = strrchr (line, ',');
        if (line [0] == '#' || line [0] == '\n')
            continue;
        int age;
        if (!comma || sscanf (comma + 1, "%d", &age) != 1 || age < 0 || age > 120) {
            fprintf (stderr, "bench-identify: %s:%d: not PERSON/FILE,AGE\n", path, number);
            fclose (file);
            return -1;
        }
        *comma = 0;
        json_object_set_new (ages, line, json_integer (age));
    }
    fclose (file);
    return 0;
}

//  The person's age in one photo, -1 unknown: from the ages file, or from
//  an FG-NET-style name ("001A02.JPG", "001A43a.JPG").
static int
s_age_of (json_t *ages, bool in_names, const char *person, const char *file)
{
    char key [1024];
    snprintf (key, sizeof key, "%s/%s", person, file);
    json_t *age = json_object_get (ages, key);
    if (age)
        return (int) json_integer_value (age);
    const char *a = in_names ? strpbrk (file, "Aa") : NULL;
    int value;
    if (a && a > file && a [-1] >= '0' && a [-1] <= '9' && sscanf (a + 1, "%d", &value) == 1
    &&  value >= 0 && value <= 120)
        return value;
    return -1;
}

//  A person whose every photo has an age: photos from the youngest.
static void
s_order_by_age (s_person_t *p)
{
    p->aged = p->photo_count > 0;
    for (size_t i = 0; i < p->photo_count; i++)
        p->aged &= p->ages [i] >= 0;
    for (size_t i = 1; p->aged && i < p->photo_count; i++)
        for (size_t j = i; j > 0 && p->ages [j - 1] > p->ages [j]; j--) {
            char *photo = p->photos [j];
            int age = p->ages [j];
            p->photos [j] = p->photos [j - 1], p->ages [j] = p->ages [j - 1];
            p->photos [j - 1] = photo, p->ages [j - 1] = age;
        }
}

//  Wait until every photo is processed and every case matched.
static void
s_settle (s_run_t *run, const char *what, double started, size_t total)
{
    bench_settle (run->client, "bench-identify", what, (long long) (started * 1e3), total);
}

//  Faces found in the case's photos.
static void
s_count_faces (s_run_t *run, int64_t case_id)
{
    json_t *c = s_call (run, "case.get", json_pack ("{s:I}", "case_id", (json_int_t) case_id),
                        NULL, 0);
    json_t *list = json_object_get (c, "photo_list");
    for (size_t i = 0; i < json_array_size (list); i++) {
        json_t *p = json_array_get (list, i);
        json_int_t faces = json_integer_value (json_object_get (p, "faces"));
        run->faces += (size_t) faces;
        run->photos_with_face += faces > 0;
        run->photo_errors += strcmp (json_string_value (json_object_get (p, "state")), "failed")
                             == 0;
    }
    json_decref (c);
}

typedef struct {
    double score;
    bool truth;
    double evidence, rivals, families;  //  the score's inputs (for --fit)
} s_item_t;

//  Fit the score's b0, b1, b2 (Newton's method on the log-likelihood of
//  the queue's truths) for each g of a grid, and keep the best: the score is
//  1 / (1 + exp (-(b0 + b1 l - b2 log (exp (g) N + exp (rivals))))) (mt_rank.h).
static void
s_fit (const s_item_t *items, size_t n, double fit [5])
{
    double best = INFINITY;
    for (double g = -10; g <= 4.001; g += 0.5) {
        double b [3] = { 0, 1, 1 }, nll = 0;
        for (int iter = 0; iter < 60; iter++) {
            double grad [3] = { 0 }, h [3][3] = { { 0 } };
            nll = 0;
            for (size_t i = 0; i < n; i++) {
                double x [3] = { 1, items [i].evidence,
                                 -mt_rank_logaddexp (g + log (items [i].families), items [i].rivals) };
                double z = b [0] * x [0] + b [1] * x [1] + b [2] * x [2];
                double p = 1 / (1 + exp (-z));
                nll += items [i].truth ? -log (p + 1e-300) : -log (1 - p + 1e-300);
                for (int r = 0; r < 3; r++) {
                    grad [r] += (items [i].truth - p) * x [r];
                    for (int c = 0; c < 3; c++)
                        h [r][c] += p * (1 - p) * x [r] * x [c];
                }
            }
            for (int r = 0; r < 3; r++)
                h [r][r] += 1e-6;
            //  Solve h d = grad (3x3, Cramer's rule).
            double det = h [0][0] * (h [1][1] * h [2][2] - h [1][2] * h [2][1])
                       - h [0][1] * (h [1][0] * h [2][2] - h [1][2] * h [2][0])
                       + h [0][2] * (h [1][0] * h [2][1] - h [1][1] * h [2][0]);
            if (fabs (det) < 1e-300)
                break;
            double d [3];
            for (int k = 0; k < 3; k++) {
                double m [3][3];
                memcpy (m, h, sizeof m);
                for (int r = 0; r < 3; r++)
                    m [r][k] = grad [r];
                d [k] = (m [0][0] * (m [1][1] * m [2][2] - m [1][2] * m [2][1])
                       - m [0][1] * (m [1][0] * m [2][2] - m [1][2] * m [2][0])
                       + m [0][2] * (m [1][0] * m [2][1] - m [1][1] * m [2][0])) / det;
            }
            for (int k = 0; k < 3; k++)
                b [k] += d [k];
            if (fabs (d [0]) + fabs (d [1]) + fabs (d [2]) < 1e-9)
                break;
        }
        if (nll < best) {
            best = nll;
            fit [0] = b [0], fit [1] = b [1], fit [2] = b [2], fit [3] = g, fit [4] = nll;
        }
    }
}

int
main (int argc, char **argv)
{
    size_t family_photos = 1, max_people = 0;
    unsigned seed = 0;
    double absent = 0;
    int workers = 2, partitions = 2, json = 0, fitting = 0;
    bool facts = false;
    char dir [1024] = "", homeward [1100] = "", pairs_path [1024] = "", ages_path [1024] = "";
    bool ages_in_names = false;
    const char *folder = NULL;
    char *serve_args [8];
    int serve_extra = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--family-photos") == 0 && i + 1 < argc)
            family_photos = (size_t) atoi (argv [++i]);
        else if (strcmp (argv [i], "--absent") == 0 && i + 1 < argc)
            absent = atof (argv [++i]);
        else if (strcmp (argv [i], "--seed") == 0 && i + 1 < argc)
            seed = (unsigned) atoi (argv [++i]);
        else if (strcmp (argv [i], "--people") == 0 && i + 1 < argc)
            max_people = (size_t) atoi (argv [++i]);
        else if (strcmp (argv [i], "--workers") == 0 && i + 1 < argc)
            workers = atoi (argv [++i]);
        else if (strcmp (argv [i], "--partitions") == 0 && i + 1 < argc)
            partitions = atoi (argv [++i]);
        else if (strcmp (argv [i], "--dir") == 0 && i + 1 < argc)
            snprintf (dir, sizeof dir, "%s", argv [++i]);
        else if (strcmp (argv [i], "--homeward") == 0 && i + 1 < argc)
            snprintf (homeward, sizeof homeward, "%s", argv [++i]);
        else if (strcmp (argv [i], "--pairs") == 0 && i + 1 < argc)
            snprintf (pairs_path, sizeof pairs_path, "%s", argv [++i]);
        else if (strcmp (argv [i], "--json") == 0)
            json = 1;
        else if (strcmp (argv [i], "--ages") == 0 && i + 1 < argc)
            snprintf (ages_path, sizeof ages_path, "%s", argv [++i]);
        else if (strcmp (argv [i], "--ages-in-names") == 0)
            ages_in_names = true;
        else if (strcmp (argv [i], "--facts") == 0)
            facts = true;
        else if (strcmp (argv [i], "--fit") == 0)
            fitting = 1;
        else if (strcmp (argv [i], "--serve") == 0 && i + 1 < argc && serve_extra < 8)
            serve_args [serve_extra++] = argv [++i];
        else if (argv [i][0] != '-' && !folder)
            folder = argv [i];
        else {
            printf ("usage: bench-identify [--family-photos N] [--absent SHARE] [--seed N] "
                    "[--people N] [--facts] "
                    "[--workers W] [--partitions P] [--dir DIR] [--homeward PATH] "
                    "[--pairs FILE] [--serve ARG]... [--ages FILE | --ages-in-names] [--fit] "
                    "[--json] FOLDER\n");
            return strcmp (argv [i], "--help") == 0 ? 0 : 2;
        }
    }
    if (!folder || family_photos < 1 || family_photos > S_MAX_PHOTOS - 1 || absent < 0
    ||  absent >= 1) {
        fprintf (stderr, "bench-identify: give a FOLDER of people's folders (--family-photos "
                 "1..%d, --absent 0..1)\n", S_MAX_PHOTOS - 1);
        return 2;
    }
    if (!homeward [0])
        snprintf (homeward, sizeof homeward, "%s/homeward", MT_BENCH_BIN);
    if (!dir [0]) {
        snprintf (dir, sizeof dir, "/tmp/bench-identify-XXXXXX");
        if (!mkdtemp (dir))
            return 1;
    }
    else
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "bench-identify: cannot make %s: %s\n", dir, strerror (errno));
        return 1;
    }

    //  The people and their photos (and ages).
    json_t *ages = json_object ();
    if (ages_path [0] && s_read_ages (ages_path, ages) != 0)
        return 2;
    size_t aged_people = 0;
    char **names;
    size_t count = mt_dir_list (folder, &names);
    s_person_t *people = calloc (count ? count : 1, sizeof *people);
    size_t n = 0, found_people = 0, present = 0;
    for (size_t i = 0; i < count; i++) {
        char path [2048];
        snprintf (path, sizeof path, "%s/%s", folder, names [i]);
        char **files;
        size_t photos = mt_dir_list (path, &files);
        if (photos > 0 && (!max_people || n < max_people)) {
            s_person_t *p = &people [n++];
            snprintf (p->name, sizeof p->name, "%s", names [i]);
            for (size_t f = 0; f < photos && f < S_MAX_PHOTOS; f++) {
                char full [4096];
                snprintf (full, sizeof full, "%s/%s", path, files [f]);
                p->ages [p->photo_count] = s_age_of (ages, ages_in_names, names [i], files [f]);
                p->photos [p->photo_count++] = strdup (full);
            }
            s_order_by_age (p);
            p->family_photos = p->photo_count > 1 ? p->photo_count - 1 : 1;
            if (p->family_photos > family_photos)
                p->family_photos = family_photos;
            p->found = p->photo_count > p->family_photos;
            //  Found in the oldest photo, reported with the youngest.
            if (p->aged && p->found) {
                char *oldest = p->photos [p->photo_count - 1];
                int age = p->ages [p->photo_count - 1];
                p->photos [p->photo_count - 1] = p->photos [p->family_photos];
                p->ages [p->photo_count - 1] = p->ages [p->family_photos];
                p->photos [p->family_photos] = oldest, p->ages [p->family_photos] = age;
            }
            aged_people += p->aged && p->found;
            p->absent = p->found && bench_hash01 (p->name, seed) < absent;
            found_people += p->found;
            present += p->found && !p->absent;
        }
        for (size_t f = 0; f < photos; f++)
            free (files [f]);
        free (files);
        free (names [i]);
    }
    free (names);
    if (found_people == 0) {
        fprintf (stderr, "bench-identify: no person in %s has two photos\n", folder);
        return 2;
    }

    //  The service, on an empty data folder.
    char var [1100], api [1200], log [1200], w [16], parts [16], port [16];
    snprintf (var, sizeof var, "%s/var", dir);
    snprintf (api, sizeof api, "ipc://%s/api.sock", var);
    snprintf (log, sizeof log, "%s/serve.log", dir);
    snprintf (w, sizeof w, "%d", workers);
    snprintf (parts, sizeof parts, "%d", partitions);
    snprintf (port, sizeof port, "%d", 20000 + (int) (getpid () % 20000));
    char *sargv [24] = { homeward, "serve", "--var", var, "--api", api, "--workers", w,
                         "--partitions", parts, "--http-port", port };
    for (int i = 0; i < serve_extra; i++)
        sargv [12 + i] = serve_args [i];
    pid_t serve = mt_test_spawn (sargv, log);
    if (serve < 0) {
        fprintf (stderr, "bench-identify: cannot start %s\n", homeward);
        return 1;
    }
    s_run_t run = { .facts = facts, .seed = seed };
    mt_err_t err;
    api_client_new (api, NULL, &run.client, &err);
    json_t *r = NULL;
    double t0 = s_now ();
    while (api_call (run.client, "stats", NULL, NULL, 0, 1000, &r, NULL, NULL, &err) != MT_OK) {
        if (s_now () - t0 > 300 || waitpid (serve, NULL, WNOHANG) == serve) {
            fprintf (stderr, "bench-identify: the service did not start (see %s)\n", log);
            return 1;
        }
        struct timespec pause = { 0, 100 * 1000000 };
        nanosleep (&pause, NULL);
    }
    json_decref (r);

    //  The families' reports, then the found people.
    double started = s_now ();
    size_t missing_cases = 0;
    for (size_t i = 0; i < n; i++)
        if (!people [i].absent) {
            people [i].missing_case = s_add_case (&run, &people [i], false, people [i].photos,
                                                  people [i].family_photos);
            missing_cases++;
        }
    size_t missing_photos = run.photos;
    s_settle (&run, "missing reports", started, missing_photos);
    double missing_s = s_now () - started;
    started = s_now ();
    for (size_t i = 0; i < n; i++)
        if (people [i].found)
            people [i].found_case = s_add_case (&run, &people [i], true,
                                                &people [i].photos [people [i].family_photos], 1);
    s_settle (&run, "found people", started, run.photos - missing_photos);
    double found_s = s_now () - started;
    double per_photo_ms = (missing_s + found_s) * 1e3 / (double) run.photos;
    for (size_t i = 0; i < n; i++) {
        if (people [i].missing_case)
            s_count_faces (&run, people [i].missing_case);
        if (people [i].found_case)
            s_count_faces (&run, people [i].found_case);
    }

    //  Where the true family ranks among each found person's candidates.
    size_t top [4] = { 0 }, limits [4] = { 1, 5, 20, 50 };
    for (size_t i = 0; i < n; i++) {
        s_person_t *p = &people [i];
        if (!p->found || p->absent || !p->found_case)
            continue;
        json_t *c = s_call (&run, "candidates", json_pack ("{s:I, s:i}", "case_id",
                            (json_int_t) p->found_case, "limit", S_TOP), NULL, 0);
        json_t *list = json_object_get (c, "candidates");
        for (size_t k = 0; k < json_array_size (list) && !p->rank; k++)
            if (json_integer_value (json_object_get (json_array_get (list, k), "case_id"))
                == p->missing_case)
                p->rank = (int) k + 1;
        json_decref (c);
        for (int t = 0; t < 4; t++)
            top [t] += p->rank && (size_t) p->rank <= limits [t];
        if (!p->rank || p->rank > 20)
            fprintf (stderr, "bench-identify: %s: the true family is %s\n", p->name,
                     p->rank ? "below the top 20" : "not among the candidates");
    }

    //  The review queue, in the order it is served.
    size_t size = 1024, items = 0;
    s_item_t *queue = malloc (size * sizeof *queue);
    FILE *pairs = pairs_path [0] ? fopen (pairs_path, "w") : NULL;
    if (pairs)
        fprintf (pairs, "found_case,missing_case,score,truth,explanation\n");
    int64_t *truth_of = NULL;       //  found case id -> true missing case id
    int64_t max_found = 0;
    for (size_t i = 0; i < n; i++)
        max_found = people [i].found_case > max_found ? people [i].found_case : max_found;
    truth_of = calloc ((size_t) max_found + 1, sizeof *truth_of);
    for (size_t i = 0; i < n; i++)
        if (people [i].found_case)
            truth_of [people [i].found_case] = people [i].missing_case;
    for (size_t offset = 0;; offset += 500) {
        json_t *q = s_call (&run, "queue", json_pack ("{s:i, s:i}", "limit", 500, "offset",
                            (int) offset), NULL, 0);
        json_t *list = json_object_get (q, "pairs");
        size_t got = json_array_size (list);
        for (size_t k = 0; k < got; k++) {
            json_t *item = json_array_get (list, k);
            int64_t f = (int64_t) json_integer_value (json_object_get (item, "found_case"));
            int64_t m = (int64_t) json_integer_value (json_object_get (item, "missing_case"));
            if (items == size)
                queue = realloc (queue, (size *= 2) * sizeof *queue);
            queue [items].score = json_number_value (json_object_get (item, "score"));
            json_t *rivals = json_object_get (item, "rivals");
            queue [items].evidence = json_number_value (json_object_get (item, "evidence"));
            queue [items].rivals = rivals ? json_number_value (rivals) : -INFINITY;
            queue [items].families = (double) json_integer_value (json_object_get (item,
                                                                                   "families"));
            if (queue [items].families < 1)
                queue [items].families = 1;
            queue [items].truth = f > 0 && f <= max_found && truth_of [f] == m && m;
            if (pairs) {
                char *ex = json_dumps (json_object_get (item, "explanation"), JSON_COMPACT);
                fprintf (pairs, "%lld,%lld,%.6f,%d,\"", (long long) f, (long long) m,
                         queue [items].score, queue [items].truth);
                for (const char *c = ex ? ex : ""; *c; c++)
                    fputs (*c == '"' ? "\"\"" : (char []) { *c, 0 }, pairs);
                fputs ("\"\n", pairs);
                free (ex);
            }
            items++;
        }
        json_decref (q);
        if (got < 500)
            break;
    }
    if (pairs)
        fclose (pairs);
    double shares [4] = { 0.5, 0.8, 0.9, 0.95 }, workload [4];
    for (int s = 0; s < 4; s++) {
        size_t need = (size_t) ceil (shares [s] * (double) present), met = 0, k = 0;
        for (; k < items && met < need; k++)
            met += queue [k].truth;
        workload [s] = met >= need ? (double) k / (double) present : INFINITY;
    }
    size_t in_queue = 0;
    for (size_t k = 0; k < items; k++)
        in_queue += queue [k].truth;

    //  Reliability: the share of true pairs among the queue's pairs, by score.
    enum { BINS = 10 };
    size_t bin_n [BINS] = { 0 }, bin_true [BINS] = { 0 };
    double bin_sum [BINS] = { 0 };
    for (size_t k = 0; k < items; k++) {
        int b = (int) (queue [k].score * BINS);
        b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
        bin_n [b]++, bin_true [b] += queue [k].truth, bin_sum [b] += queue [k].score;
    }

    double pct [4];
    for (int t = 0; t < 4; t++)
        pct [t] = 100.0 * (double) top [t] / (double) present;
    printf ("# %s: %zu people; %zu missing reports (%zu photos), %zu found people "
            "(%zu of them with a report)\n", folder, n, missing_cases, missing_photos,
            found_people, present);
    printf ("photos: %zu, with a face %zu, faces %zu, failed %zu; %.1f ms per photo "
            "(%d workers, through the service)\n", run.photos, run.photos_with_face, run.faces,
            run.photo_errors, per_photo_ms, workers);
    printf ("true family first for %.2f%%, top 5 %.2f%%, top 20 %.2f%%, top 50 %.2f%% "
            "(of %zu found people with a report)\n", pct [0], pct [1], pct [2], pct [3],
            present);
    printf ("review queue: %zu pairs, %zu true; queue items per found person to meet "
            "50%% %.2f, 80%% %.2f, 90%% %.2f, 95%% %.2f of the true pairs\n", items, in_queue,
            workload [0], workload [1], workload [2], workload [3]);
    printf ("reliability (score bin: pairs, share true, mean score):\n");
    for (int b = 0; b < BINS; b++)
        if (bin_n [b])
            printf ("  %.1f-%.1f: %7zu  %.3f  %.3f\n", (double) b / BINS, (double) (b + 1) / BINS,
                    bin_n [b], (double) bin_true [b] / (double) bin_n [b],
                    bin_sum [b] / (double) bin_n [b]);
    double fit [5] = { 0 };
    if (fitting) {
        s_fit (queue, items, fit);
        printf ("fitted score: b0 %.3f, b1 %.3f, b2 %.3f, g %.1f (negative log-likelihood "
                "%.1f over %zu pairs)\n", fit [0], fit [1], fit [2], fit [3], fit [4], items);
    }
    if (json) {
        json_t *out = json_pack ("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, "
                                 "s:f, s:I, s:I}",
            "folder", folder, "people", (json_int_t) n, "missing_cases",
            (json_int_t) missing_cases, "found_people", (json_int_t) found_people,
            "with_report", (json_int_t) present, "photos", (json_int_t) run.photos,
            "photos_with_face", (json_int_t) run.photos_with_face,
            "faces", (json_int_t) run.faces, "ms_per_photo", per_photo_ms,
            "top1", pct [0], "top5", pct [1], "top20", pct [2], "top50", pct [3],
            "queue_pairs", (json_int_t) items, "queue_true", (json_int_t) in_queue);
        json_t *wl = json_object ();
        for (int s = 0; s < 4; s++) {
            char key [8];
            snprintf (key, sizeof key, "%d", (int) (shares [s] * 100 + 0.5));
            json_object_set_new (wl, key, isfinite (workload [s]) ? json_real (workload [s])
                                                                  : json_null ());
        }
        json_object_set_new (out, "queue_per_found_person", wl);
        json_t *rel = json_array ();
        for (int b = 0; b < BINS; b++)
            if (bin_n [b])
                json_array_append_new (rel, json_pack ("{s:f, s:f, s:I, s:f, s:f}", "from",
                    (double) b / BINS, "to", (double) (b + 1) / BINS, "pairs",
                    (json_int_t) bin_n [b], "share_true",
                    (double) bin_true [b] / (double) bin_n [b], "mean_score",
                    bin_sum [b] / (double) bin_n [b]));
        json_object_set_new (out, "reliability", rel);
        json_object_set_new (out, "family_photos", json_integer ((json_int_t) family_photos));
        if (fitting)
            json_object_set_new (out, "fit", json_pack ("{s:f, s:f, s:f, s:f}", "b0", fit [0],
                                                        "b1", fit [1], "b2", fit [2], "g",
                                                        fit [3]));
        json_object_set_new (out, "absent", json_real (absent));
        json_object_set_new (out, "facts", json_boolean (facts));
        json_object_set_new (out, "people_with_ages", json_integer ((json_int_t) aged_people));
        char *text = json_dumps (out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf ("%s\n", text);
        free (text);
        json_decref (out);
    }
    api_client_destroy (&run.client);
    kill (serve, SIGTERM);
    waitpid (serve, NULL, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < people [i].photo_count; f++)
            free (people [i].photos [f]);
    free (people), free (queue), free (truth_of);
    json_decref (ages);
    mt_zmq_shutdown ();
    return 0;
}
