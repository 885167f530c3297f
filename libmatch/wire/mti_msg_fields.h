//  mti_msg_fields - which plain C member of mt_msg_t each field of the
//  protocol's messages is (mt_msg_fields.c): the table the codec
//  (mt_msg_codec.c) walks with protobuf-c's descriptors, so that a field
//  added to a message in proto/ is one row here. Only those two files see
//  the generated protobuf-c types.

#ifndef MTI_MSG_FIELDS_H_INCLUDED
#define MTI_MSG_FIELDS_H_INCLUDED

#include "wire/mt_msg.h"

#include <protobuf-c/protobuf-c.h>

//  What a protobuf field is on the C side.
typedef enum {
    MTI_FIELD_INT,          //  int (an enum's value)
    MTI_FIELD_U32,          //  uint32_t
    MTI_FIELD_U64,          //  uint64_t
    MTI_FIELD_BOOL,         //  bool
    MTI_FIELD_FLOAT,        //  float
    MTI_FIELD_CHARS,        //  char [size] (a string field; cut to fit on a whole character)
    MTI_FIELD_ARRAY,        //  a pointer to count numbers of size bytes, count a size_t
    MTI_FIELD_BYTES,        //  uint8_t * and its length, a size_t
    MTI_FIELD_MESSAGES      //  a pointer to count structs of size bytes, each with sub
} mti_field_kind;

typedef struct mti_field {
    const char *name;                   //  the protobuf field's name
    mti_field_kind kind;
    size_t at;                          //  the C member's offset in its struct
    size_t count_at;                    //  ARRAY, BYTES, MESSAGES: the count's offset
    size_t size;                        //  CHARS: the buffer's bytes; ARRAY, MESSAGES:
                                        //  one element's bytes
    const struct mti_field *sub;        //  MESSAGES: the element's fields
} mti_field_t;

//  One message type: its envelope field (the body's oneof), the fields the
//  table maps, and what takes code (vectors of a namespace's dimension,
//  an error's code): more_out after the table's fields are filled in the
//  outgoing body (points into m, allocates nothing), more_in after they
//  are read from an incoming one.
typedef struct {
    mt_msg_type type;
    const char *body;
    const mti_field_t *fields;
    void (*more_out) (const mt_msg_t *m, ProtobufCMessage *body);
    int (*more_in) (const ProtobufCMessage *body, mt_msg_t *m, mt_err_t *err);
} mti_msg_kind_t;

//  The message types, in mt_msg_type's order from MT_MSG_ENROLL.
extern const mti_msg_kind_t mti_msg_kinds [];
extern const size_t mti_msg_kinds_count;

#endif
