//  mti_vec - eight floats at a time for the networks' kernels (mt_conv,
//  mt_winograd): GCC's vector extension, AVX with -march=native on such a
//  CPU, two SSE operations otherwise. Loads and stores need no alignment.
//  Without AVX, GCC notes that passing such a vector by value has another
//  ABI than with it: these helpers are static and inlined, never called
//  across objects, so the note does not apply.

#ifndef MTI_VEC_H_INCLUDED
#define MTI_VEC_H_INCLUDED

#include <stdint.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wpsabi"
typedef float mti_v8 __attribute__ ((vector_size (32)));
typedef int32_t mti_m8 __attribute__ ((vector_size (32)));

static inline mti_v8
mti_v8_load (const float *p)
{
    mti_v8 v;
    memcpy (&v, p, sizeof v);
    return v;
}

static inline void
mti_v8_store (float *p, mti_v8 v)
{
    memcpy (p, &v, sizeof v);
}

#endif
