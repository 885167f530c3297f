//  Fuzz target: the job link's decoder, which reads every message an intake
//  worker sends the results service (and every photo pushed to a worker).
//  A decoded message is encoded again (the encoder must accept whatever the
//  decoder let through) and decoded once more, to the same faces.

#include "wire/mt_job.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    mt_job_t *job = NULL;
    mt_err_t err;
    if (mt_job_decode (data, size, &job, &err) != MT_OK)
        return 0;
    uint8_t *bytes = NULL;
    size_t out = 0;
    if (mt_job_encode (job, &bytes, &out, &err) != MT_OK)
        abort ();
    mt_job_t *again = NULL;
    if (mt_job_decode (bytes, out, &again, &err) != MT_OK || again->type != job->type
    ||  again->face_count != job->face_count)
        abort ();
    for (size_t i = 0; i < job->face_count; i++)
        if (memcmp (again->faces [i].embedding, job->faces [i].embedding,
                    sizeof job->faces [i].embedding) != 0
        ||  again->faces [i].chip_size != job->faces [i].chip_size)
            abort ();
    mt_job_destroy (&again);
    free (bytes);
    mt_job_destroy (&job);
    return 0;
}
