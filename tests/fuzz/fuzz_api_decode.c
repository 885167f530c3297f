//  Fuzz target: what the results service's API reads of protobuf
//  (common/api_pb.h), what its clients read of JSON by a message's
//  definition (wire/mt_pb_json) and what they write of a reply
//  (common/api_render: cases' facts, a pair's packed explanation in
//  words). The input is tried as an ApiRequest, as an ApiReply, and as a
//  JSON object of each method's parameters; whatever is read
//  is written as JSON, and a request read is packed again and read back to
//  the same method.

#include "common/api_pb.h"
#include "common/api_render.h"
#include "wire/mt_pb_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    mt_err_t err;
    Homeward__V1__ApiRequest *request = NULL;
    //  What was read packs again; read back, it names the same method.
    //  (protobuf-c keeps an unknown field of number 0, read from an
    //  overlong tag at any depth, and cannot read it back once packed: such
    //  a request need not read back.)
    if (api_pb_request_read (data, size, &request, &err) == MT_OK) {
        json_decref (mt_pb_json (&request->base, true));
        uint8_t *bytes = NULL;
        size_t packed = 0;
        Homeward__V1__ApiRequest *again = NULL;
        if (api_pb_pack (&request->base, &bytes, &packed, &err) != MT_OK)
            abort ();
        if (api_pb_request_read (bytes, packed, &again, &err) == MT_OK
        &&  strcmp (again->method, request->method) != 0)
            abort ();
        if (again)
            protobuf_c_message_free_unpacked (&again->base, NULL);
        free (bytes);
    }
    if (request)
        protobuf_c_message_free_unpacked (&request->base, NULL);
    Homeward__V1__ApiReply *reply = homeward__v1__api_reply__unpack (NULL, size, data);
    if (reply) {
        json_decref (api_render (&reply->base));
        protobuf_c_message_free_unpacked (&reply->base, NULL);
    }
    json_error_t jerr;
    json_t *json = json_loadb ((const char *) data, size, 0, &jerr);
    //  Every method's parameters: the fields of ApiRequest's oneof.
    const ProtobufCMessageDescriptor *d = &homeward__v1__api_request__descriptor;
    for (unsigned i = 0; json && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        ProtobufCMessage *params = NULL;
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        ||  mt_pb_from_json (json, f->descriptor, &params, &err) != MT_OK)
            continue;
        json_t *back = mt_pb_json (params, true);
        if (!back)
            abort ();
        json_decref (back);
        protobuf_c_message_free_unpacked (params, NULL);
    }
    json_decref (json);
    return 0;
}
