//  cli_correct - staff corrections from the command line: a case's facts,
//  a group photo's person, a photo removed, when a photo was taken, a face
//  left out of matching.

#ifndef CLI_CORRECT_H_INCLUDED
#define CLI_CORRECT_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>

#include "cli_api.h"

//  homeward case update CASE [FIELDS] (opts->argv [0] is "update", [1]
//  the case; fields the count flags and values of its facts).
int cli_case_update (const cli_api_opts_t *opts, int count, char **fields);
//  The options of homeward photo.
typedef struct {
    cli_api_opts_t api;
    char year [16];             //  add, taken: the year taken, "unknown", "" not given
    char age [16];              //  add, taken: the person's age in it, likewise
    char reason [1024];         //  remove
    bool unsure;                //  person
    bool wait;                  //  add: wait for the face pipeline
} cli_photo_t;

//  The options an action of homeward photo takes (NULL: no such action;
//  "" the help's, all of them).
const mt_config_key_t *cli_photo_keys (const char *action);
//  homeward photo show|person|remove|taken ... (photo->api.argv [0] is the
//  action).
int cli_photo_correct (const cli_photo_t *photo);
//  A photo's year or age from the command line (flag names it): a whole
//  number, or "unknown" for unknown. False after an error, on stderr.
bool cli_taken_value (const char *command, const char *flag, const char *text, int unknown,
                      int *value);

#endif
