//  Fuzz target: a config file (`key value` lines), applied to the setting
//  tables of the gateway, the results service and a shard replica (every
//  kind of setting: text, whole numbers with bounds, booleans, keys).

#include "gateway/gateway_actor.h"
#include "results/results_actor.h"
#include "shard/shard_actor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    gateway_config_t gateway;
    results_config_t results;
    shard_config_t shard;
    gateway_config_defaults (&gateway);
    results_config_defaults (&results);
    shard_config_defaults (&shard);
    struct { const mt_config_key_t *keys; void *settings; } tables [] = {
        { gateway_config_keys, &gateway }, { results_config_keys, &results },
        { shard_config_keys, &shard }
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables [0]; i++) {
        FILE *file = fmemopen ((void *) data, size, "r");
        if (!file)
            abort ();
        mt_err_t err;
        if (mt_config_load_stream (tables [i].keys, tables [i].settings, "fuzz.conf", file,
                                   &err) != MT_OK && !err.msg [0])
            abort ();               //  every refusal says why
        fclose (file);
    }
    //  Text settings stay terminated within their buffers.
    if (strnlen (gateway.address, sizeof gateway.address) == sizeof gateway.address
    ||  strnlen (results.db, sizeof results.db) == sizeof results.db
    ||  strnlen (shard.data_dir, sizeof shard.data_dir) == sizeof shard.data_dir)
        abort ();
    return 0;
}
