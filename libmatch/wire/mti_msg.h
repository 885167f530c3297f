//  mti_msg - what the codec's files share.

#ifndef MTI_MSG_H_INCLUDED
#define MTI_MSG_H_INCLUDED

#include "wire/mt_msg.h"

//  Whether a message keeps the limits (sizes, counts, finite vectors):
//  checked before encoding and after decoding.
int mti_msg_check (const mt_msg_t *m, mt_err_t *err);

//  Whether every row of the codec's table (mt_msg_fields.c) names a field
//  of its message (and every body one of the envelope's) with a C kind
//  that holds it: MT_EINTERNAL naming the first that does not
//  (mt_msg_codec.c; run by selftest_msg).
int mti_msg_fields_check (mt_err_t *err);

#endif
