//  bench/soak - `homeward serve` under a steady load for a long time: does
//  its memory stay flat, and its latency within its p99?
//
//  usage: bench-soak [--minutes 30] [--interval-ms 1500] [--workers 2] [--dir DIR]
//
//  Station staff file a case with a real photo (LFW, cycling through the
//  people of tests/data and their photos) every interval, alternating
//  missing reports and found persons; each found case's candidates are read once matched;
//  a police liaison reads the review queue and asks for DNA on the best
//  pair; the case list and /metrics are read too. Every minute the serve
//  process's resident memory, open files and database size are sampled,
//  with the minute's request latencies. Printed: a row per minute, then the
//  summary (memory growth after the first 5 minutes, p50/p99 per 5-minute
//  window against the whole run's p99) and one JSON line.

#include "mt_test.h"
#include "mt_test_http.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_HOMEWARD MT_BENCH_BIN "/homeward"
#define S_PASSWORD "soak test password"
#define S_MAX_MINUTES 600

//  The LFW people of tests/data (mt_test_lfw_people), set first in main.
static const char *const *s_people;
static int s_people_count;
#define S_PEOPLE s_people_count

typedef struct {
    double *ms;
    size_t count, size;
    long errors;
} s_window_t;

static s_window_t s_minutes [S_MAX_MINUTES];
static int s_port;
static char s_tokens [2][80];

static void
s_record (s_window_t *w, double ms, bool ok)
{
    if (w->count == w->size) {
        w->size = w->size ? w->size * 2 : 256;
        w->ms = realloc (w->ms, w->size * sizeof *w->ms);
    }
    w->ms [w->count++] = ms;
    w->errors += !ok;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  Percentile q of the latencies of windows [from, to).
static double
s_percentile (int from, int to, double q)
{
    size_t n = 0;
    for (int m = from; m < to; m++)
        n += s_minutes [m].count;
    if (n == 0)
        return 0;
    double *all = malloc (n * sizeof *all);
    size_t at = 0;
    for (int m = from; m < to; m++) {
        memcpy (all + at, s_minutes [m].ms, s_minutes [m].count * sizeof *all);
        at += s_minutes [m].count;
    }
    qsort (all, n, sizeof *all, s_cmp);
    double v = all [(size_t) (q * (double) (n - 1))];
    free (all);
    return v;
}

//  Resident memory of a process, in MB (VmRSS).
static double
s_rss_mb (int pid)
{
    char path [64], line [256];
    snprintf (path, sizeof path, "/proc/%d/status", pid);
    FILE *file = fopen (path, "r");
    double kb = -1;
    while (file && fgets (line, sizeof line, file))
        if (strncmp (line, "VmRSS:", 6) == 0)
            kb = atof (line + 6);
    if (file)
        fclose (file);
    return kb / 1024;
}

static int
s_open_files (int pid)
{
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/fd", pid);
    DIR *dir = opendir (path);
    int n = 0;
    while (dir && readdir (dir))
        n++;
    if (dir)
        closedir (dir);
    return n - 2;
}

static double
s_file_mb (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? (double) st.st_size / 1048576.0 : 0;
}

//  A timed request; counted in the current minute's window.
static int
s_json (s_window_t *w, const char *method, const char *path, int who, json_t *body,
        json_t **reply)
{
    long long start = mt_test_now_ms ();
    int status = mt_test_http_json (s_port, method, path, who >= 0 ? s_tokens [who] : NULL,
                                    body, 60000, reply);
    bool ok = status >= 200 && status < 300;
    s_record (w, (double) (mt_test_now_ms () - start), ok);
    if (!ok && w->errors <= 3) {
        char *text = reply && *reply ? json_dumps (*reply, JSON_COMPACT) : NULL;
        fprintf (stderr, "bench-soak: %s %s: %d %s\n", method, path, status, text ? text : "");
        free (text);
    }
    json_decref (body);
    return status;
}

static int
s_upload (s_window_t *w, int64_t case_id, const char *file)
{
    char path [64];
    snprintf (path, sizeof path, "/api/v1/cases/%lld/photos", (long long) case_id);
    long long start = mt_test_now_ms ();
    int status = mt_test_http_upload (s_port, path, s_tokens [0], file, 60000, NULL);
    s_record (w, (double) (mt_test_now_ms () - start), status == 201);
    if (status != 201)
        fprintf (stderr, "bench-soak: upload to case %lld: %d\n", (long long) case_id, status);
    return status;
}

int
main (int argc, char **argv)
{
    s_people_count = (int) mt_test_lfw_people (&s_people);
    int minutes = 30, interval_ms = 1500, workers = 2;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp (argv [i], "--minutes") == 0)
            minutes = atoi (argv [i + 1]);
        else
        if (strcmp (argv [i], "--interval-ms") == 0)
            interval_ms = atoi (argv [i + 1]);
        else
        if (strcmp (argv [i], "--workers") == 0)
            workers = atoi (argv [i + 1]);
        else
        if (strcmp (argv [i], "--dir") == 0)
            dir = argv [i + 1];
    if (minutes < 2 || minutes > S_MAX_MINUTES || interval_ms < 50 || workers < 1) {
        fprintf (stderr, "usage: bench-soak [--minutes 30 (2..600)] [--interval-ms 1500] "
                         "[--workers 2] [--dir DIR]\n");
        return 2;
    }
    char var [600], users [700], db [700], log [700], port [16], threads [16];
    snprintf (var, sizeof var, "%s/var", dir ? dir : mt_test_tmpdir ());
    snprintf (users, sizeof users, "%s/users.db", var);
    snprintf (db, sizeof db, "%s/homeward.db", var);
    snprintf (log, sizeof log, "%s/../serve.log", var);
    mkdir (var, 0700);
    s_port = mt_test_free_port ();
    snprintf (port, sizeof port, "%d", s_port);
    snprintf (threads, sizeof threads, "%d", workers);
    char *env [] = { "HOMEWARD_PASSWORD=" S_PASSWORD, NULL };
    char *staff [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "staff", "--role",
                       "station_staff", "--station", "Soak station", "--province", "11", NULL };
    char *police [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "police",
                        "--role", "police_liaison", "--province", "11", NULL };
    char *out, *err;
    if (mt_test_run (staff, env, &out, &err) != 0 || mt_test_run (police, env, &out, &err) != 0) {
        fprintf (stderr, "bench-soak: cannot add users: %s\n", err);
        return 1;
    }
    char *serve [] = { S_HOMEWARD, "serve", "--var", var, "--workers", threads, "--http-port",
                       port, NULL };
    int pid = mt_test_spawn (serve, log);
    long long until = mt_test_now_ms () + 120000;
    mt_http_reply_t ready = { 0 };
    while (ready.status != 200 && mt_test_now_ms () < until) {
        free (ready.body);
        mt_test_sleep_ms (200);
        mt_test_http (s_port, "GET", "/api/v1/health", NULL, NULL, 0, 2000, &ready);
    }
    free (ready.body);
    const char *names [2] = { "staff", "police" };
    for (int i = 0; i < 2; i++) {
        json_t *reply = NULL;
        mt_test_http_json (s_port, "POST", "/api/v1/session", NULL,
                           json_pack ("{s:s, s:s, s:b}", "name", names [i], "password",
                                      S_PASSWORD, "bearer", 1), 30000, &reply);
        const char *token = json_string_value (json_object_get (reply, "token"));
        snprintf (s_tokens [i], sizeof s_tokens [i], "%s", token ? token : "");
        json_decref (reply);
    }
    if (!s_tokens [0][0] || !s_tokens [1][0]) {
        fprintf (stderr, "bench-soak: serve did not start (see %s)\n", log);
        mt_test_kill (pid, SIGKILL);
        return 1;
    }

    printf ("minute  rss_MB  open_files  db_MB  cases  requests  errors  p50_ms  p99_ms\n");
    long long start = mt_test_now_ms ();
    long long next_sample = start + 60000, next_case = start;
    int minute = 0, cases = 0;
    double rss [S_MAX_MINUTES];
    int64_t pending_found [64];
    int reviewed_at = -1;
    int pending = 0;
    while (minute < minutes) {
        s_window_t *w = &s_minutes [minute];
        long long now = mt_test_now_ms ();
        if (now >= next_case) {
            next_case += interval_ms;
            int person = cases % S_PEOPLE, photo = 1 + (cases / S_PEOPLE) % 6;
            bool found = cases % 2 == 1;
            char ref [32], relative [128];
            snprintf (ref, sizeof ref, "soak-%d", cases);
            json_t *body = found
                ? json_pack ("{s:s, s:i, s:s, s:s, s:s}", "kind", "found", "province", 11,
                             "date_found", "2021-06-01", "consent_basis", "vital_interests",
                             "external_ref", ref)
                : json_pack ("{s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "kind", "missing",
                             "province", 11, "date_last_seen", "2020-01-02", "family_name",
                             s_people [person], "consent_basis", "family", "consent_by",
                             "family", "external_ref", ref);
            json_t *made = NULL;
            if (s_json (w, "POST", "/api/v1/cases", 0, body, &made) == 201) {
                int64_t id = (int64_t) json_integer_value (json_object_get (made, "case_id"));
                //  Some people have only 2 photos: the next one that is there.
                for (int k = found ? 1 + photo % 6 : photo;; k = k % 6 + 1) {
                    snprintf (relative, sizeof relative, "lfw/%s/%d.jpg", s_people [person], k);
                    if (access (mt_test_data (relative), R_OK) == 0)
                        break;
                }
                s_upload (w, id, mt_test_data (relative));
                if (found && pending < 64)
                    pending_found [pending++] = id;
            }
            json_decref (made);
            cases++;
        }
        //  Read the candidates of found cases once they are matched.
        for (int i = 0; i < pending;) {
            char path [80];
            snprintf (path, sizeof path, "/api/v1/cases/%lld", (long long) pending_found [i]);
            json_t *c = NULL;
            s_json (w, "GET", path, 0, NULL, &c);
            bool matched = c && !json_is_true (json_object_get (c, "matching"));
            json_decref (c);
            if (!matched) {
                i++;
                continue;
            }
            snprintf (path, sizeof path, "/api/v1/cases/%lld/candidates?limit=20",
                      (long long) pending_found [i]);
            json_t *list = NULL;
            s_json (w, "GET", path, 0, NULL, &list);
            json_decref (list);
            pending_found [i] = pending_found [--pending];
        }
        if (cases % 10 == 0 && cases != reviewed_at) {
            reviewed_at = cases;
            json_t *queue = NULL;
            s_json (w, "GET", "/api/v1/queue?limit=20", 1, NULL, &queue);
            json_t *first = json_array_get (json_object_get (queue, "pairs"), 0);
            const char *state = json_string_value (json_object_get (first, "state"));
            if (state && strcmp (state, "pending") == 0)
                s_json (w, "POST", "/api/v1/reviews", 1, json_pack ("{s:O, s:O, s:s, s:s}",
                        "case_id", json_object_get (first, "found_case"), "candidate",
                        json_object_get (first, "missing_case"), "state", "dna_requested",
                        "note", "soak"), NULL);
            json_decref (queue);
            json_t *list = NULL;
            s_json (w, "GET", "/api/v1/cases?limit=50", 0, NULL, &list);
            json_decref (list);
        }
        now = mt_test_now_ms ();
        if (now >= next_sample) {
            next_sample += 60000;
            rss [minute] = s_rss_mb (pid);
            printf ("%6d  %6.1f  %10d  %5.1f  %5d  %8zu  %6ld  %6.0f  %6.0f\n", minute + 1,
                    rss [minute], s_open_files (pid), s_file_mb (db), cases, w->count,
                    w->errors, s_percentile (minute, minute + 1, 0.5),
                    s_percentile (minute, minute + 1, 0.99));
            fflush (stdout);
            minute++;
            continue;
        }
        long long wait = next_case < next_sample ? next_case - now : next_sample - now;
        mt_test_sleep_ms (wait > 200 ? 200 : wait > 0 ? wait : 1);
    }
    int status = mt_test_kill (pid, SIGTERM);
    bool clean = WIFEXITED (status) && WEXITSTATUS (status) == 0;

    //  Memory after warm-up (minute 5) against the end; latency per 5 minutes.
    int warm = minutes >= 10 ? 4 : 0;
    double p99_all = s_percentile (0, minutes, 0.99);
    double growth = rss [minutes - 1] - rss [warm];
    double per_hour = growth / (double) (minutes - 1 - warm) * 60.0;
    long requests = 0, errors = 0;
    for (int m = 0; m < minutes; m++)
        requests += (long) s_minutes [m].count, errors += s_minutes [m].errors;
    printf ("\nwindow    p50_ms  p99_ms\n");
    int over = 0;
    for (int from = 0; from < minutes; from += 5) {
        int to = from + 5 < minutes ? from + 5 : minutes;
        double p99 = s_percentile (from, to, 0.99);
        over += from > 0 && p99 > 1.5 * s_percentile (0, 5, 0.99);
        printf ("%3d-%-3d  %7.0f  %6.0f\n", from + 1, to, s_percentile (from, to, 0.5), p99);
    }
    printf ("\nsoak: %d minutes, %d cases, %ld requests, %ld errors; rss %.1f MB after warm-up, "
            "%.1f MB at the end (%+.1f MB, %+.1f MB/hour); p99 %.0f ms over the run; "
            "%d later 5-minute windows over 1.5x the first's p99; clean stop: %s\n",
            minutes, cases, requests, errors, rss [warm], rss [minutes - 1], growth, per_hour,
            p99_all, over, clean ? "yes" : "no");
    printf ("{\"minutes\":%d,\"cases\":%d,\"requests\":%ld,\"errors\":%ld,\"rss_mb_5\":%.1f,"
            "\"rss_mb_end\":%.1f,\"rss_mb_per_hour\":%.1f,\"p50_ms\":%.0f,\"p99_ms\":%.0f,"
            "\"clean_stop\":%s}\n", minutes, cases, requests, errors, rss [warm],
            rss [minutes - 1], per_hour, s_percentile (0, minutes, 0.5), p99_all,
            clean ? "true" : "false");
    return errors == 0 && clean ? 0 : 1;
}
