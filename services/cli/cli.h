//  cli - the homeward command's sub-commands. Each takes the arguments after
//  its name (argv [0] is the command's name) and returns the exit status.

#ifndef CLI_H_INCLUDED
#define CLI_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "base/mt_config.h"

int cli_embed (int argc, char **argv);
int cli_compare (int argc, char **argv);
int cli_index (int argc, char **argv);
int cli_case (int argc, char **argv);
int cli_photo (int argc, char **argv);
int cli_face (int argc, char **argv);
int cli_reembed (int argc, char **argv);
int cli_crossmatch (int argc, char **argv);
int cli_backup (int argc, char **argv);
int cli_restore (int argc, char **argv);
int cli_candidates (int argc, char **argv);
int cli_review (int argc, char **argv);
int cli_import (int argc, char **argv);
int cli_user (int argc, char **argv);
int cli_keygen (int argc, char **argv);
int cli_audit (int argc, char **argv);
int cli_same_person (int argc, char **argv);
int cli_notices (int argc, char **argv);

int cli_migrate_store (int argc, char **argv);

//  True when the arguments (before a "--") ask for --help or -h.
bool cli_wants_help (int argc, char **argv);
//  A command's settings from its flags, HOMEWARD_* environment and config
//  file (mt_config_load_all; *count: the operands left). On failure says
//  why.
int cli_load_settings (const char *command, const mt_config_key_t *keys, void *settings,
                       int argc, char **argv, int *count);

//  A case number operand ("12" or "#12"); 0 when it is not one.
int64_t cli_case_number (const char *text);

//  Print a one-line error "homeward CMD: message" to stderr.
void cli_error (const char *command, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif
