//  results_disk - the results service's disk: how much is free where the
//  case database and the photo store live, the reserve kept free for the
//  cases already there (new photos are refused below it, with
//  MT_ENOSPACE, so that reviews, case edits and erasures still fit), and
//  whether the disk is full: a write has failed for lack of space lately,
//  or there is no room left to write at all.

#ifndef RESULTS_DISK_H_INCLUDED
#define RESULTS_DISK_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "base/mt_error.h"

typedef struct {
    int64_t free_bytes;             //  the least of the two folders' file systems
    int64_t reserve_bytes;
    bool low;                       //  below the reserve: new photos refused
    bool full;                      //  writes fail for lack of space (the last one in the
                                    //  last minute failed so, and it is still low), or
                                    //  less than a megabyte is free
} results_disk_t;

//  The state of the folders of db (a file) and photos, with reserve_mb
//  kept free; last_full_ms: when a write last failed for lack of space
//  (monotonic ms, 0: never).
void results_disk_check (const char *db, const char *photos, int64_t reserve_mb,
                         int64_t last_full_ms, results_disk_t *disk);

//  MT_ENOSPACE, with a message a person can act on, when disk is low.
int results_disk_refuse_photos (const results_disk_t *disk, mt_err_t *err);


#endif
