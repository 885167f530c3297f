//  Fuzz target: an authorized-keys list (the files a server admits client
//  keys from: `public-key = "..."` lines, bare Z85 keys, comments).

#include "wire/mt_curve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char (*keys) [MT_CURVE_Z85_CHARS + 1] = NULL;
    size_t count = 0;
    mt_err_t err;
    int rc = mt_curve_parse_keys ((const char *) data, size, &keys, &count, &err);
    if (rc != MT_OK && !err.msg [0])
        abort ();
    for (size_t i = 0; rc == MT_OK && i < count; i++)
        if (strlen (keys [i]) != MT_CURVE_Z85_CHARS)
            abort ();               //  only whole keys are admitted
    free (keys);
    return 0;
}
