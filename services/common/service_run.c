//  service_run - a service actor as a process.

#include "service_run.h"

#include "base/mt_log.h"
#include "wire/mt_wire.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

void
service_block_signals (void)
{
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &set, NULL);
}

int
service_wait_signal (void)
{
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGTERM);
    int sig = 0;
    sigwait (&set, &sig);
    return sig;
}

int
service_run (const char *name, mt_actor_fn *fn, void *config)
{
    service_block_signals ();
    mt_actor_t *actor;
    mt_err_t err;
    if (mt_actor_new (fn, config, &actor, &err) != MT_OK) {
        mt_log_error (name, "cannot start: %s", err.msg);
        return 1;
    }
    int sig = service_wait_signal ();
    mt_log_info (name, "stopping (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    mt_actor_destroy (&actor);
    mt_zmq_shutdown ();
    return 0;
}

int
service_settings (const char *command, const char *summary, const mt_config_key_t *keys,
                  void *settings, int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp (argv [i], "--") != 0; i++)
        if (strcmp (argv [i], "--help") == 0 || strcmp (argv [i], "-h") == 0) {
            printf ("usage: homeward %s [OPTIONS]\n\n%s\n\nOptions:\n", command, summary);
            mt_config_print_help (keys, settings, stdout);
            return 0;
        }
    int positional = 0;
    mt_err_t err;
    if (mt_config_load_all (keys, settings, argc, argv, 1, &positional, &err) != MT_OK) {
        fprintf (stderr, "homeward %s: %s\n", command, err.msg);
        return 2;
    }
    if (positional > 0) {
        fprintf (stderr, "homeward %s: unexpected argument '%s' (see --help)\n", command,
                 argv [1]);
        return 2;
    }
    return -1;
}
