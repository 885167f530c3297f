//  cli_args - the options that sub-commands take out of their arguments,
//  and their error lines.

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const char *
cli_take_option (const char *command, int *argc, char **argv, const char *name)
{
    for (int i = 1; i < *argc; i++)
        if (strcmp (argv [i], name) == 0) {
            if (i + 1 >= *argc) {
                cli_error (command, "%s needs a value", name);
                return "";
            }
            const char *value = argv [i + 1];
            memmove (argv + i, argv + i + 2, (size_t) (*argc - i - 2) * sizeof *argv);
            *argc -= 2;
            return value;
        }
    return NULL;
}

bool
cli_number (const char *command, const char *name, const char *text, long long min,
            long long max, long long *value)
{
    char *end = NULL;
    errno = 0;
    long long v = text && *text ? strtoll (text, &end, 10) : 0;
    if (!text || !*text || *end || errno == ERANGE || v < min || v > max) {
        cli_error (command, "%s must be a whole number from %lld to %lld, not '%s'", name, min,
                   max, text ? text : "");
        return false;
    }
    *value = v;
    return true;
}

bool
cli_take_flag (int *argc, char **argv, const char *name)
{
    for (int i = 1; i < *argc; i++)
        if (strcmp (argv [i], name) == 0) {
            memmove (argv + i, argv + i + 1, (size_t) (*argc - i - 1) * sizeof *argv);
            (*argc)--;
            return true;
        }
    return false;
}

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
