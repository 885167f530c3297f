//  mti_msg - what the codec's files share.

#ifndef MTI_MSG_H_INCLUDED
#define MTI_MSG_H_INCLUDED

#include "wire/mt_msg.h"

//  Whether a message keeps the limits (sizes, counts, finite vectors):
//  checked before encoding and after decoding.
int mti_msg_check (const mt_msg_t *m, mt_err_t *err);

#endif
