//  bench_service - what the benchmarks that drive `homeward serve` through
//  its API share: a stable draw from a person's name, a call retried and
//  told, waiting until every photo is described and every case matched, and
//  the service's memory.

#ifndef BENCH_SERVICE_H_INCLUDED
#define BENCH_SERVICE_H_INCLUDED

#include "common/api.h"

#include <sys/types.h>

//  A process's memory from /proc/PID/status, in MB: field "VmHWM" (its
//  peak resident memory) or "VmRSS" (now); -1 unknown.
double bench_process_mb (pid_t pid, const char *field);

//  A stable pseudo-random number in 0..1 from a name and a seed (FNV-1a).
double bench_hash01 (const char *name, unsigned seed);

//  Call method (params taken, may be NULL) up to three times; its result
//  (new reference) or NULL, each failure told on stderr under tag.
json_t *bench_call (api_client_t *client, const char *tag, const char *method, json_t *params,
                    const void *payload, size_t size);

//  Wait until no photo waits to be described and no case to be matched,
//  telling the progress every 10 s (what: a word for the phase; total: the
//  photos sent, 0 not said; started: when the phase began, mt_test_now_ms).
void bench_settle (api_client_t *client, const char *tag, const char *what, long long started,
                   size_t total);

#endif
