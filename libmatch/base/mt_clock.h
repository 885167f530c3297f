//  mt_clock - the monotonic clock: it never jumps with the wall clock, so
//  it is what timeouts, deadlines, paces and measurements read.

#ifndef MT_CLOCK_H_INCLUDED
#define MT_CLOCK_H_INCLUDED

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Milliseconds since an arbitrary start.
int64_t mt_clock_ms (void);

//  Seconds since the same start, to the nanosecond.
double mt_clock_s (void);

#ifdef __cplusplus
}
#endif

#endif
