//  mt_partition - which partition a case's faces live in, shared by the
//  broker (where writes go) and the shards (which faces to hand over when
//  the partitions grow).
//
//  Jump consistent hashing (Lamping and Veach, "A Fast, Minimal Memory,
//  Consistent Hash Algorithm", 2014): when the count grows from P to P+1,
//  a case either stays where it was or moves to the new partition P, and
//  about 1/(P+1) of the cases move. With "hash mod P" nearly every case
//  would move.

#ifndef MT_PARTITION_H_INCLUDED
#define MT_PARTITION_H_INCLUDED

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The partition (0..partitions-1) of a case; partitions >= 1.
uint32_t mt_partition_of (uint64_t case_id, uint32_t partitions);

#ifdef __cplusplus
}
#endif

#endif
