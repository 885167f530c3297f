//  bench_index - approximate indexes against exact search, in-process, on
//  real face descriptors padded with more drawn like them (bench_faces.h).
//  Run as `bench-search --index KIND ...` (usage in bench_index.c).

#ifndef BENCH_INDEX_H_INCLUDED
#define BENCH_INDEX_H_INCLUDED

//  The whole benchmark; argv as bench-search's. Exit status.
int bench_index_main (int argc, char **argv);

#endif
