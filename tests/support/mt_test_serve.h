//  mt_test_serve - one `homeward serve` as a real process for a system
//  test, and the API calls the tests make of it (cases, photos, waiting for
//  the matcher, candidates).

#ifndef MT_TEST_SERVE_H_INCLUDED
#define MT_TEST_SERVE_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/api.h"

typedef struct {
    char var [512];             //  its data folder (in the test's temporary folder)
    char db [1024];             //  its case store: VAR/homeward.db or on PostgreSQL
    char api [600];             //  ipc:// endpoint of its API
    char log [600];             //  its stdout and stderr
    int pid;                    //  -1 when not running
    int http_port;              //  of its web app and HTTP API
    api_client_t *client;       //  connected to api, actor "test"
} mt_test_serve_t;

//  The test program's service.
extern mt_test_serve_t mt_serve;

//  Fill in the paths and connect the client; 0 on success.
int mt_serve_init (void);
//  Start `homeward serve` (2 workers, 2 partitions, any extra arguments,
//  NULL-terminated) and wait until its API answers.
void mt_serve_start (const char *extra, ...);
//  Stop it with SIGTERM and check it stopped cleanly; print its log if the
//  test failed; disconnect.
void mt_serve_finish (void);

//  Call a method (params are consumed) and check its result code; the
//  result is a new reference (NULL on error).
json_t *mt_serve_call (const char *method, json_t *params, const void *payload, size_t size,
                       int expect);
//  A case with the facts tests use; extra_key/extra_value may add one.
int64_t mt_serve_case (const char *kind, const char *sex, int province, const char *extra_key,
                       const char *extra_value);
//  Add a photo under tests/data, or bytes, to a case; its photo id.
int64_t mt_serve_photo (int64_t case_id, const char *relative);
int64_t mt_serve_photo_bytes (int64_t case_id, const void *bytes, size_t size);
//  For each of count people of tests/data/lfw: a missing case (family_name
//  the person's name) with photo 1.jpg and a found case with photo 2.jpg;
//  their ids into families and found. Not waited for (mt_serve_settle).
void mt_serve_family_pairs (const char *const *people, size_t count, int64_t *families,
                            int64_t *found);
//  Wait until a case's photos are processed and the case is matched.
void mt_serve_settle (int64_t case_id);
//  A case's first `limit` candidates.
json_t *mt_serve_candidates (int64_t case_id, int limit);
//  Where a case ranks in candidates (1-based), 0 if absent; *item_p its item.
int mt_serve_rank_of (json_t *candidates, int64_t case_id, json_t **item_p);

#endif
