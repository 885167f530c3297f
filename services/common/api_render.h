//  api_render - the JSON of the results service's answers on protobuf
//  (proto/homeward/v1/api.proto), as the API documents it: each message
//  field for field (wire/mt_pb_json), but a case's facts each under its
//  own name and a candidate pair with its score's meaning and its
//  explanation in words (api_explain). The one writer of that JSON: the
//  gateway's HTTP answers and the CLI's --json are made by it (through
//  api_call), and the results service's own JSON answers use it for the
//  cases and pairs they hold until they move to protobuf too.

#ifndef API_RENDER_H_INCLUDED
#define API_RENDER_H_INCLUDED

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

//  The message as JSON (new reference; NULL when out of memory).
json_t *api_render (const ProtobufCMessage *message);

#endif
