//  cli_case_fields - a case's facts from the command line's flags.

#ifndef CLI_CASE_FIELDS_H_INCLUDED
#define CLI_CASE_FIELDS_H_INCLUDED

#include <jansson.h>
#include <stdio.h>

//  Case fields from `--sex male --age 60-70 ...` flags (argc/argv hold only
//  them) into params, for a found (kind 1) or missing (kind 2) case.
//  Returns 0, or 2 after printing an error.
int cli_case_fields (const char *command, int kind, int argc, char **argv, json_t *params);
//  Move the case-field flags (of either kind of case) and their values out
//  of argv [1..*argc) into fields (room for *argc entries), in order; the
//  other arguments stay, for the command's own options. Returns how many
//  arguments were moved.
int cli_case_fields_take (int *argc, char **argv, char **fields);
//  The flags, one a line, for a usage text.
void cli_case_fields_help (FILE *out);

#endif
