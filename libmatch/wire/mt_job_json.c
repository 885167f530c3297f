//  mt_job_json - a job link message as JSON, written from the message's own
//  definition: protobuf-c's descriptors of proto/homeward/v1/jobs.proto
//  give each field's name, type and nesting, so that what `homeward embed
//  --json` prints is the described face the intake sends, field for field.

#include "wire/mt_job.h"
#include "wire/mt_pb_json.h"

#include "homeward/v1/jobs.pb-c.h"

#include <stdlib.h>

json_t *
mt_job_json (const mt_job_t *self, bool with_bytes)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    mt_err_t err;
    if (mt_job_encode (self, &bytes, &size, &err) != MT_OK)
        return NULL;
    Homeward__V1__JobEnvelope *env = homeward__v1__job_envelope__unpack (NULL, size, bytes);
    free (bytes);
    //  The body: the envelope's one field that is set, of its oneof.
    const ProtobufCMessage *body = NULL;
    for (unsigned i = 0; env && !body && i < env->base.descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &env->base.descriptor->fields [i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) ((const char *) env + f->quantifier_offset) == f->id)
            body = *(const ProtobufCMessage *const *) ((const char *) env + f->offset);
    }
    json_t *json = body ? mt_pb_json (body, with_bytes) : NULL;
    homeward__v1__job_envelope__free_unpacked (env, NULL);
    return json;
}
