//  mt_partition - jump consistent hashing of case ids.

#include "index/mt_partition.h"

uint32_t
mt_partition_of (uint64_t case_id, uint32_t partitions)
{
    //  Case ids are small consecutive numbers: mix them first (splitmix64's
    //  finaliser) so that the jumps see well-spread keys.
    uint64_t key = case_id + 0x9e3779b97f4a7c15ull;
    key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9ull;
    key = (key ^ (key >> 27)) * 0x94d049bb133111ebull;
    key ^= key >> 31;
    int64_t bucket = -1, next = 0;
    while (next < (int64_t) partitions) {
        bucket = next;
        key = key * 2862933555777941757ull + 1;
        next = (int64_t) ((double) (bucket + 1)
                          * ((double) (1ll << 31) / (double) ((key >> 33) + 1)));
    }
    return (uint32_t) bucket;
}
