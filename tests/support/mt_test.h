//  mt_test - the tiny assertion kit of Homeward's tests. A failed check
//  prints the file, line, expression and, for result codes, both codes'
//  names and the error message; the test goes on and exits 1 at the end.

#ifndef MT_TEST_H_INCLUDED
#define MT_TEST_H_INCLUDED

#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mt_error.h"

extern int mt_test_failures;

#define MT_CHECK(expr) do { \
    if (!(expr)) { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
        mt_test_failures++; \
    } \
} while (0)

//  A failure with its own message (printf arguments).
#define MT_FAIL(...) do { \
    fprintf (stderr, "%s:%d: ", __FILE__, __LINE__); \
    fprintf (stderr, __VA_ARGS__); \
    fputc ('\n', stderr); \
    mt_test_failures++; \
} while (0)

#define MT_CHECK_INT(actual, expected) do { \
    long long a_ = (long long) (actual), e_ = (long long) (expected); \
    if (a_ != e_) { \
        fprintf (stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, \
                 #actual, a_, e_); \
        mt_test_failures++; \
    } \
} while (0)

#define MT_CHECK_NEAR(actual, expected, tolerance) do { \
    double a_ = (double) (actual), e_ = (double) (expected); \
    if (!(fabs (a_ - e_) <= (tolerance))) { \
        fprintf (stderr, "%s:%d: %s is %g, expected %g +- %g\n", __FILE__, __LINE__, \
                 #actual, a_, e_, (double) (tolerance)); \
        mt_test_failures++; \
    } \
} while (0)

//  rc is a result code, err an mt_err_t (or NULL) filled by the call.
#define MT_CHECK_RC(rc, expected, err) do { \
    int r_ = (rc), x_ = (expected); \
    const mt_err_t *m_ = (err); \
    if (r_ != x_) { \
        fprintf (stderr, "%s:%d: %s gave %s, expected %s (%s)\n", __FILE__, __LINE__, \
                 #rc, mt_rc_name (r_), mt_rc_name (x_), m_ ? m_->msg : ""); \
        mt_test_failures++; \
    } \
} while (0)

#define MT_CHECK_CONTAINS(text, part) do { \
    const char *t_ = (text), *p_ = (part); \
    if (!t_ || !strstr (t_, p_)) { \
        fprintf (stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, \
                 t_ ? t_ : "(null)", p_); \
        mt_test_failures++; \
    } \
} while (0)

//  Run one test case function, naming it on stderr.
#define MT_RUN(fn) do { \
    int before_ = mt_test_failures; \
    fn (); \
    fprintf (stderr, "%s %s\n", mt_test_failures == before_ ? "ok  " : "FAIL", #fn); \
} while (0)

//  Define the failure counter and end main with this.
#define MT_TEST_MAIN_END() (mt_test_failures ? 1 : 0)

//  1 in a sanitizer build, whose tests carry lighter loads (the code runs
//  several times slower), else 0.
#ifdef MT_SANITIZED
#   define MT_TEST_LIGHT 1
#else
#   define MT_TEST_LIGHT 0
#endif

//  Path of a file under tests/data.
const char *mt_test_data (const char *relative);

//  The people of tests/data/lfw (folder names, sorted), each with photos
//  1.jpg and 2.jpg at least; the list lives as long as the program.
size_t mt_test_lfw_people (const char *const **names_p);

//  Deterministic random numbers (xorshift64*) from *state, which any
//  nonzero seed starts: uniform in [0, 1), and standard normal.
double mt_test_uniform (uint64_t *state);
double mt_test_gauss (uint64_t *state);
//  A deterministic unit vector of dim floats for id; salt picks another
//  family of vectors.
void mt_test_vector (uint64_t id, uint64_t salt, int dim, float *v);

//  A fresh empty temporary directory, removed with its files at exit.
const char *mt_test_tmpdir (void);

//  Read a whole file into a new NUL-terminated buffer; NULL on failure.
char *mt_test_read (const char *path, size_t *size_p);

//  Write bytes to a file; 0 on success.
int mt_test_write (const char *path, const void *data, size_t size);

//  Run argv [0] (a path) with argv and extra environment entries ("K=V",
//  NULL-terminated list, may be NULL); capture stdout and stderr into new
//  buffers. Returns the exit status, or -1 if it could not run or died.
int mt_test_run (char *const argv [], char *const env_extra [], char **out_p, char **err_p);

//  Start argv [0] with argv in the background, stdout and stderr appended to
//  log_path. Returns its pid, or -1.
int mt_test_spawn (char *const argv [], const char *log_path);

//  Send sig to pid and reap it (SIGKILL: kill -9). Returns its wait status.
int mt_test_kill (int pid, int sig);

//  A TCP port on 127.0.0.1 that nothing listens on now.
int mt_test_free_port (void);

//  Milliseconds on a monotonic clock.
long long mt_test_now_ms (void);

//  Sleep ms milliseconds.
void mt_test_sleep_ms (long ms);

//  Whether any file under dir (recursively) holds these bytes; the first
//  such file's path goes into where (may be NULL).
bool mt_test_tree_holds (const char *dir, const void *bytes, size_t size, char *where,
                         size_t where_size);

#endif
