//  homeward intake - face pipeline workers as a process.

#include "intake_main.h"

#include "intake_actor.h"
#include "common/service_run.h"

int
intake_main (int argc, char **argv)
{
    intake_config_t config;
    intake_config_defaults (&config);
    int status = service_settings (
        "intake", "Face pipeline workers: each says it is ready on the results service's job\n"
        "endpoint (--jobs), is pushed a photo, finds and embeds its faces and hands them\n"
        "back. --threads workers, one network each.",
        intake_config_keys, &config, argc, argv);
    return status >= 0 ? status : service_run ("intake", intake_actor, &config);
}
