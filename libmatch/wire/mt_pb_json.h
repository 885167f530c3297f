//  mt_pb_json - a protobuf message as JSON and back, written from the
//  message's own definition: protobuf-c's descriptors give each field's
//  name (the JSON key), type and nesting. The results service's API
//  (proto/homeward/v1/api.proto) and the job link's described faces
//  (`homeward embed --json`) are printed so, and the API's parameters are
//  read so from the JSON its callers give.

#ifndef MT_PB_JSON_H_INCLUDED
#define MT_PB_JSON_H_INCLUDED

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The message's fields as a JSON object (new reference; NULL when out of
//  memory), in their declared order: a proto3 field always (its zero too,
//  so that a reader finds each key), a proto2 optional one when given, a
//  oneof's the one set, bytes as base64 only with_bytes.
json_t *mt_pb_json (const ProtobufCMessage *message, bool with_bytes);

//  Who writes a kind of message otherwise: returns its JSON (new
//  reference), or NULL to have it written field for field.
typedef json_t *(*mt_pb_json_hook_t) (const ProtobufCMessage *message, void *arg);
//  The same, each message (this one and those within) offered to hook first.
json_t *mt_pb_json_hooked (const ProtobufCMessage *message, bool with_bytes,
                           mt_pb_json_hook_t hook, void *arg);
//  This message field for field, those within offered to hook (NULL: none):
//  what a hook calls to write a message as usual and then change it.
json_t *mt_pb_json_fields (const ProtobufCMessage *message, bool with_bytes,
                           mt_pb_json_hook_t hook, void *arg);

//  A message of type d from a JSON object (NULL: an empty message) into
//  *message_p (free it with protobuf_c_message_free_unpacked): each key
//  that names a field gives it (other keys are not read), checked against
//  the field's type; null is a field not given, and sets the bool field
//  KEY_null where the message has one (a value made unknown). MT_EINVAL names the key: "age
//  must be a whole number", "... true or false", "... text".
int mt_pb_from_json (json_t *object, const ProtobufCMessageDescriptor *d,
                     ProtobufCMessage **message_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
