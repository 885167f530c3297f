//  homeward gateway - the HTTP API and web app as a process.

#include "gateway_main.h"

#include "gateway_actor.h"
#include "common/service_run.h"

int
gateway_main (int argc, char **argv)
{
    gateway_config_t config;
    gateway_config_defaults (&config);
    int status = service_settings (
        "gateway", "Serves the web app and the HTTP API (/api/v1, /metrics) in front of the\n"
        "results service; signs users in (homeward user add creates them).",
        gateway_config_keys, &config, argc, argv);
    return status >= 0 ? status : service_run ("gateway", gateway_actor, &config);
}
