//  Fuzz target: a case's facts as the API receives them (JSON text from the
//  CLI, an import or the gateway), parsed and validated.

#include "results/case_json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *params = json_loadb ((const char *) data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (params && json_is_object (params)) {
        mt_case_t c;
        mt_err_t err;
        if (results_case_from_json (params, &c, &err) == MT_OK) {
            json_t *back = results_case_json (&c);
            if (!back)
                abort ();
            json_decref (back);
        }
    }
    json_decref (params);
    return 0;
}
