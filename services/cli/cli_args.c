//  cli_args - a sub-command's settings from its arguments (mt_config's
//  tables: every command reads its options this way), its case number
//  operands and its error lines.

#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
cli_wants_help (int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp (argv [i], "--") != 0; i++)
        if (strcmp (argv [i], "--help") == 0 || strcmp (argv [i], "-h") == 0)
            return true;
    return false;
}

int
cli_load_settings (const char *command, const mt_config_key_t *keys, void *settings, int argc,
                   char **argv, int *count)
{
    mt_err_t err;
    int rc = mt_config_load_all (keys, settings, argc, argv, 1, count, &err);
    if (rc != MT_OK)
        cli_error (command, "%s", err.msg);
    return rc;
}

void
cli_error (const char *command, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    fprintf (stderr, "homeward %s: ", command);
    vfprintf (stderr, fmt, args);
    fputc ('\n', stderr);
    va_end (args);
}

int64_t
cli_case_number (const char *text)
{
    char *end = NULL;
    long long id = text ? strtoll (text [0] == '#' ? text + 1 : text, &end, 10) : 0;
    return end && *end == '\0' && id > 0 ? (int64_t) id : 0;
}
