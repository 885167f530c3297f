//  bench_gallery - what the service benchmarks share: a synthetic gallery
//  written straight into a data folder (cases, photos, faces and the shard
//  stores, as the service would have written them), and `homeward serve`
//  started on a folder.

#ifndef BENCH_GALLERY_H_INCLUDED
#define BENCH_GALLERY_H_INCLUDED

#include <stddef.h>
#include <sys/types.h>

#include "common/api.h"


//  Write n missing cases of one photo and one face each into var (made if
//  missing), the faces random descriptors with real ones' norm, enrolled in
//  `partitions` shard stores. With photos_from (a folder of JPEG files,
//  searched recursively), each case's photo is one of those files made
//  unique (its number appended after the image's end) and stored in the
//  photo store; without, photos have no files (size 0). *photo_bytes_p (may
//  be NULL) is the photo bytes written. 0 on success.
int bench_gallery_write (const char *var, size_t n, int partitions, const char *photos_from,
                         size_t *photo_bytes_p);

//  The same with `found` found cases after the n missing ones (ids n+1 to
//  n+found, one face each, enrolled in the found gallery).
int bench_gallery_write_both (const char *var, size_t n, size_t found, int partitions,
                              const char *photos_from, size_t *photo_bytes_p);

//  The same with the faces given (n + found rows of MT_DIM: the missing
//  cases' then the found cases'), e.g. drawn like real ones (bench_faces.h)
//  instead of random; no photo files.
int bench_gallery_write_faces (const char *var, size_t n, size_t found, int partitions,
                               const float *faces);

//  Start `homeward serve --var var --api ipc://var/api.sock` with extra
//  arguments (NULL-terminated; may be NULL), output appended to log, and
//  wait (up to 300 s) until its API answers; *client_p is connected to it.
//  Returns its pid, or -1.
pid_t bench_serve_start (const char *var, const char *log, char *const extra [],
                         api_client_t **client_p);

//  Stop it (SIGTERM) and wait; its exit status.
int bench_serve_stop (pid_t pid);

#endif
