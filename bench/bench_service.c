//  bench_service - see bench_service.h.

#include "bench_service.h"
#include "mt_test.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double
bench_process_mb (pid_t pid, const char *field)
{
    char path [64], line [256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    double kb = -1;
    size_t len = strlen (field);
    while (f && fgets (line, sizeof line, f))
        if (strncmp (line, field, len) == 0 && line [len] == ':'
        &&  sscanf (line + len + 1, "%lf kB", &kb) == 1)
            break;
    if (f)
        fclose (f);
    return kb < 0 ? -1 : kb / 1024;
}

double
bench_hash01 (const char *name, unsigned seed)
{
    uint64_t h = 1469598103934665603ull ^ ((uint64_t) seed * 0x9e3779b97f4a7c15ull);
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t) *p) * 1099511628211ull;
    return (double) (h >> 11) / 9007199254740992.0;
}

json_t *
bench_call (api_client_t *client, const char *tag, const char *method, json_t *params,
            const void *payload, size_t size)
{
    json_t *result = NULL;
    mt_err_t err;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (api_call (client, method, params, payload, size, 60000, &result, NULL, NULL, &err)
            == MT_OK)
            break;
        fprintf (stderr, "%s: %s: %s\n", tag, method, err.msg);
        result = NULL;
    }
    json_decref (params);
    return result;
}

void
bench_settle (api_client_t *client, const char *tag, const char *what, long long started,
              size_t total)
{
    long long shown = 0;
    for (;;) {
        json_t *stats = bench_call (client, tag, "stats", NULL, NULL, 0);
        json_int_t pending = json_integer_value (json_object_get (stats, "photos_pending"));
        json_int_t queued = json_integer_value (json_object_get (stats, "match_queue"));
        json_decref (stats);
        if (stats && pending == 0 && queued == 0)
            return;
        long long now = mt_test_now_ms ();
        if (now - shown > 10000) {
            shown = now;
            char of [32] = "";
            if (total)
                snprintf (of, sizeof of, " of %zu", total);
            fprintf (stderr, "%s: %s: %lld%s photos to process, %lld cases to match (%.0f s)\n",
                     tag, what, (long long) pending, of, (long long) queued,
                     (double) (now - started) / 1e3);
        }
        struct timespec pause = { 0, 200 * 1000000 };
        nanosleep (&pause, NULL);
    }
}
