//  homeward shard - one shard replica as a process.

#include "shard_main.h"

#include "shard_actor.h"
#include "common/service_run.h"

int
shard_main (int argc, char **argv)
{
    shard_config_t config;
    shard_config_defaults (&config);
    int status = service_settings (
        "shard", "Holds one replica of one partition of the missing and found galleries,\n"
        "durably (log + snapshots in --data-dir), and serves it to the broker;\n"
        "stops cleanly on SIGINT or SIGTERM.",
        shard_config_keys, &config, argc, argv);
    if (status >= 0)
        return status;
    return service_run ("shard", shard_actor, &config);
}
