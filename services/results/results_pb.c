//  results_pb - building the answers of api.proto's methods.

#include "results_pb.h"

#include <stdlib.h>
#include <string.h>

void *
results_pb_new (const ProtobufCMessageDescriptor *d, bool *failed)
{
    ProtobufCMessage *m = malloc (d->sizeof_message);
    if (m)
        d->message_init (m);
    *failed |= m == NULL;
    return m;
}

char *
results_pb_text (const char *text, bool *failed)
{
    char *copy = strdup (text ? text : "");
    *failed |= copy == NULL;
    return copy;
}

char **
results_pb_texts (const char *const *texts, size_t count, bool *failed)
{
    if (count == 0)
        return NULL;
    char **list = calloc (count, sizeof *list);
    *failed |= list == NULL;
    for (size_t i = 0; list && i < count; i++)
        list [i] = results_pb_text (texts [i], failed);
    return list;
}

int
results_pb_answer (ProtobufCMessage **answer_p, ProtobufCMessage *m, bool failed, mt_err_t *err)
{
    if (failed || !m) {
        if (m)
            protobuf_c_message_free_unpacked (m, NULL);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    *answer_p = m;
    return MT_OK;
}
