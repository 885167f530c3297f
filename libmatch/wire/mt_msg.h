//  mt_msg - the messages of Homeward's wire protocol (proto/homeward/v1)
//  as plain C, with their encoder and a validating decoder. The protobuf-c
//  types stay inside the codec.
//
//  One message type per value of mt_msg_type; the fields a type does not use
//  stay zero. Every array belongs to the message and goes with
//  mt_msg_destroy.

#ifndef MT_MSG_H_INCLUDED
#define MT_MSG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "index/mt_gallery.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_PROTO_VERSION 1
#define MT_DIM 128
//  The second descriptor's (MobileFaceNet) namespaces' dimension.
#define MT_DIM2 192
//  Sizes the decoder refuses beyond (a frame is also capped by ZeroMQ).
#define MT_MSG_MAX_BYTES (64u << 20)
#define MT_MSG_MAX_K 1000
#define MT_MSG_MAX_QUERIES 4096

typedef enum {
    MT_MSG_NONE = 0,
    MT_MSG_ENROLL,
    MT_MSG_REMOVE,
    MT_MSG_SEARCH,
    MT_MSG_SEARCH_REPLY,
    MT_MSG_ACK,
    MT_MSG_STATUS,
    MT_MSG_SYNC_BEGIN,
    MT_MSG_SYNC_CHUNK,
    MT_MSG_SYNC_NEXT,
    MT_MSG_SYNC_DONE,
    MT_MSG_STATS,
    MT_MSG_STATS_REPLY,
    MT_MSG_ERROR,
    MT_MSG_PING,
    MT_MSG_ADD_PARTITION,
    MT_MSG_REHOME,
    MT_MSG_REHOME_REPLY
} mt_msg_type;

typedef struct {
    size_t count;
    mt_hit_t *hits;
} mt_query_hits_t;

typedef struct {
    uint32_t partition, replica, partitions;
    uint64_t seq, digest, missing_count, found_count;
    bool hello, syncing;
    char state [16];            //  in a StatsReply: joining, syncing, serving, stale
} mt_shard_status_t;

typedef struct {
    mt_msg_type type;
    uint64_t request_id;
    uint64_t seq;               //  broker -> shard: partition sequence of a write

    //  MT_MSG_ENROLL (ns, faces), MT_MSG_SEARCH (ns), MT_MSG_REHOME_REPLY (ns,
    //  faces, total: faces still to move), MT_MSG_REMOVE (ns: 0 every
    //  namespace, else that one only)
    int ns;
    size_t face_count;
    mt_face_meta_t *faces;
    float *vectors;             //  face_count or query_count x mt_msg_dim (ns)

    //  MT_MSG_REMOVE
    size_t id_count;
    uint64_t *face_ids;
    uint64_t case_id;

    //  MT_MSG_SEARCH
    uint32_t k;
    size_t query_count;
    size_t province_count;
    uint32_t *provinces;
    uint32_t deadline_ms;

    //  MT_MSG_SEARCH_REPLY (query_count results)
    mt_query_hits_t *results;
    size_t answered_count, missing_count;
    uint32_t *answered, *missing;
    bool partial;
    uint32_t partitions;

    //  MT_MSG_REHOME (ns, partitions, partition, most)
    uint32_t partition, most;

    //  MT_MSG_ACK
    uint64_t applied;
    uint32_t replicas;
    uint64_t digest;

    //  MT_MSG_STATUS
    mt_shard_status_t status;

    //  MT_MSG_SYNC_*
    uint64_t sync_id, offset, total;
    uint8_t *data;
    size_t data_size;
    bool last, ok;
    bool receive;               //  MT_MSG_SYNC_BEGIN: this replica is the one to fill

    //  MT_MSG_STATS_REPLY
    size_t replica_count;
    mt_shard_status_t *replica_status;
    uint64_t malformed;
    bool adding, rehoming;
    uint64_t moved, remaining;

    //  MT_MSG_ERROR (code: mt_rc; text and its Chinese), MT_MSG_SYNC_DONE (text)
    int error_code;
    char text [256];
    char text_zh [512];
} mt_msg_t;

//  A new zeroed message of a type. NULL when out of memory.
mt_msg_t *mt_msg_new (mt_msg_type type);

//  Destroy a message and its arrays; NULL-safe; sets *self_p to NULL.
void mt_msg_destroy (mt_msg_t **self_p);

//  A new MT_MSG_ERROR message for request_id with code and printf text (in
//  English, and in Chinese as mt_err_set makes it: base/mt_text.h).
mt_msg_t *mt_msg_error (uint64_t request_id, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
//  The same with an error's messages (err may be NULL: the code's text).
mt_msg_t *mt_msg_error_of (uint64_t request_id, int code, const mt_err_t *err);
//  An MT_MSG_ERROR's code and texts into err (may be NULL); returns the code.
int mt_msg_to_err (const mt_msg_t *self, mt_err_t *err);

//  The vector dimension of a namespace (index/mt_store.h's mt_ns): MT_DIM
//  for dlib's, MT_DIM2 for MobileFaceNet's; 0 for an unknown namespace.
int mt_msg_dim (int ns);

//  Name of a type ("enroll", ...).
const char *mt_msg_type_name (mt_msg_type type);

//  Encode to a new buffer the caller frees. MT_EINVAL if the message breaks
//  the protocol's rules (the same ones the decoder checks).
int mt_msg_encode (const mt_msg_t *self, uint8_t **bytes_p, size_t *size_p, mt_err_t *err);

//  Decode and check bytes from outside: MT_EPROTO with a reason for
//  anything malformed (bad protobuf, wrong version, no body, vector sizes,
//  bounds). Caller owns *self_p.
int mt_msg_decode (const uint8_t *bytes, size_t size, mt_msg_t **self_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
