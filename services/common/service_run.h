//  service_run - runs one service actor as the whole process: starts it,
//  waits for SIGINT or SIGTERM, stops it cleanly.

#ifndef SERVICE_RUN_H_INCLUDED
#define SERVICE_RUN_H_INCLUDED

#include "wire/mt_actor.h"
#include "base/mt_config.h"

//  Block SIGINT and SIGTERM in the calling thread (and so in every thread
//  it starts later). Call before starting any thread.
void service_block_signals (void);

//  Wait for SIGINT or SIGTERM (blocked beforehand); returns the signal.
int service_wait_signal (void);

//  Start fn (config) as an actor and keep it until a signal; returns the
//  process exit status (0 after a clean stop, 1 if it could not start).
int service_run (const char *name, mt_actor_fn *fn, void *config);

//  Parse a service's settings (defaults already in settings) from argv;
//  prints help for --help. Returns -1 to go on, or an exit status.
int service_settings (const char *command, const char *summary,
                      const mt_config_key_t *keys, void *settings, int argc, char **argv);

#endif
