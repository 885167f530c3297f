//  mti_clock - internal: a monotonic clock in milliseconds.

#ifndef MTI_CLOCK_H_INCLUDED
#define MTI_CLOCK_H_INCLUDED

#include <time.h>

static inline double
mti_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
