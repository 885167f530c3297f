//  homeward results - the results service as a process.

#include "results_main.h"

#include "results_actor.h"
#include "common/service_run.h"

int
results_main (int argc, char **argv)
{
    results_config_t config;
    results_config_defaults (&config);
    int status = service_settings (
        "results", "Holds the cases, photos, candidates, reviews and the audit log; serves\n"
        "the API; hands photos to intake workers; matches cases through the broker.",
        results_config_keys, &config, argc, argv);
    return status >= 0 ? status : service_run ("results", results_actor, &config);
}
