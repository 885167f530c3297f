//  homeward broker - the broker as a process.

#include "broker_main.h"

#include "broker_actor.h"
#include "common/service_run.h"

int
broker_main (int argc, char **argv)
{
    broker_config_t config;
    broker_config_defaults (&config);
    int status = service_settings (
        "broker", "Routes enrolls, removals and searches between clients and the shard\n"
        "replicas of every partition; stops cleanly on SIGINT or SIGTERM.",
        broker_config_keys, &config, argc, argv);
    if (status >= 0)
        return status;
    return service_run ("broker", broker_actor, &config);
}
