//  results_pb - what the methods of api.proto share to build their answers
//  (messages freed whole with protobuf_c_message_free_unpacked, so every
//  part is malloc'd): a message made, a text or a list of texts copied.
//  Each sets *failed when out of memory, so that a method checks once.

#ifndef RESULTS_PB_H_INCLUDED
#define RESULTS_PB_H_INCLUDED

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/mt_error.h"

//  A new message of type d, initialised; NULL when out of memory.
void *results_pb_new (const ProtobufCMessageDescriptor *d, bool *failed);
//  A copy of text.
char *results_pb_text (const char *text, bool *failed);
//  A copy of count texts (NULL when count is 0).
char **results_pb_texts (const char *const *texts, size_t count, bool *failed);
//  The method's answer: m into *answer_p, or, when failed, m freed and
//  MT_ENOMEM.
int results_pb_answer (ProtobufCMessage **answer_p, ProtobufCMessage *m, bool failed,
                       mt_err_t *err);

#endif
