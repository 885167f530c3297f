//  api_pb - the results service's methods that travel as protobuf
//  (proto/homeward/v1/api.proto): a method is one when ApiRequest's params
//  have a field of its name ("photo.add": photo_add), and its result is
//  ApiReply's field of the same name. What the client and the service
//  share about them: which they are, the envelopes packed and read back,
//  an error as the reply's ApiError.

#ifndef API_PB_H_INCLUDED
#define API_PB_H_INCLUDED

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"
#include "homeward/v1/api.pb-c.h"

//  The method's params field of ApiRequest, or NULL when the method is
//  called in JSON.
const ProtobufCFieldDescriptor *api_pb_params_field (const char *method);
//  Its result field of ApiReply (NULL as above).
const ProtobufCFieldDescriptor *api_pb_result_field (const char *method);

//  The message a oneof field of m holds (NULL when another is set).
ProtobufCMessage *api_pb_oneof (const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
//  Set m's oneof field f to value (borrowed: clear it before m is freed).
void api_pb_set_oneof (ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                       ProtobufCMessage *value);

//  A message packed (*bytes_p malloc'd).
int api_pb_pack (const ProtobufCMessage *m, uint8_t **bytes_p, size_t *size_p, mt_err_t *err);

//  Read an ApiRequest (*request_p: free with protobuf_c_message_free_unpacked),
//  MT_EPROTO when the bytes are not one or name no method of api.proto
//  whose params they carry.
int api_pb_request_read (const uint8_t *bytes, size_t size, Homeward__V1__ApiRequest **request_p,
                         mt_err_t *err);

//  The reply to request id: result (borrowed) under the method's field, or,
//  when code is not MT_OK, the error with its messages in English and
//  Chinese (err may be NULL: the code's text) and what more says (its
//  state and allowed; may be NULL). Packed into *bytes_p.
int api_pb_reply_pack (uint64_t id, const char *method, int code, const mt_err_t *err,
                       const Homeward__V1__ApiError *more, ProtobufCMessage *result,
                       uint8_t **bytes_p, size_t *size_p, mt_err_t *pack_err);

//  A case's facts from the JSON its callers give (case.add, case.update):
//  every key that names no field of CaseFields (kind, case_id) is a fact
//  by its name, its value as given (text, a whole number, or another kind
//  of value, which the service refuses by the fact's type; null: not
//  given). The facts are added to fields, which frees them.
int api_pb_case_facts_from_json (json_t *params, Homeward__V1__CaseFields *fields,
                                 mt_err_t *err);

#endif
