//  Fuzz target: the wire message decoder, which reads every frame a client
//  or a shard sends. A decoded message is encoded again (the encoder must
//  accept whatever the decoder let through) and decoded once more.

#include "wire/mt_msg.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    mt_msg_t *msg = NULL;
    mt_err_t err;
    if (mt_msg_decode (data, size, &msg, &err) != MT_OK)
        return 0;
    uint8_t *bytes = NULL;
    size_t out = 0;
    if (mt_msg_encode (msg, &bytes, &out, &err) != MT_OK)
        abort ();
    mt_msg_t *again = NULL;
    if (mt_msg_decode (bytes, out, &again, &err) != MT_OK || again->type != msg->type)
        abort ();
    mt_msg_destroy (&again);
    free (bytes);
    mt_msg_destroy (&msg);
    return 0;
}
