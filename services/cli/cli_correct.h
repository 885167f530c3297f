//  cli_correct - staff corrections from the command line: a case's facts,
//  a group photo's person, a photo removed, when a photo was taken, a face
//  left out of matching.

#ifndef CLI_CORRECT_H_INCLUDED
#define CLI_CORRECT_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>

#include "cli_api.h"

//  homeward case update CASE [FIELDS] (opts->argv [0] is "update").
int cli_case_update (const cli_api_opts_t *opts);
//  homeward photo show|person|remove|taken ... (opts->argv [0] is the
//  action).
int cli_photo_correct (const cli_api_opts_t *opts);
//  A photo's year or age from the command line (flag names it): a whole
//  number, or "unknown" for unknown. False after an error, on stderr.
bool cli_taken_value (const char *command, const char *flag, const char *text, int unknown,
                      int *value);

#endif
