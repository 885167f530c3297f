//  mt_config - typed settings with bounds from file, environment and flags.

#include "base/mt_config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_LINE 4096

static const mt_config_key_t *
s_find (const mt_config_key_t *keys, const char *name, size_t len)
{
    for (const mt_config_key_t *k = keys; k->name; k++) {
        if (strlen (k->name) != len)
            continue;
        //  "image.max_pixels", "image-max-pixels" and "image_max_pixels" are
        //  the same key, so flags and files can use what reads naturally.
        size_t i = 0;
        for (; i < len; i++) {
            char a = k->name [i], b = name [i];
            if (a == b || (strchr ("._-", a) && strchr ("._-", b)))
                continue;
            break;
        }
        if (i == len)
            return k;
    }
    return NULL;
}

static int
s_parse_bool (const char *value, bool *out)
{
    static const char *yes [] = { "1", "true", "yes", "on" };
    static const char *no [] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp (value, yes [i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp (value, no [i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

//  Set k from value; a refusal names the setting as name (the key, or the
//  flag that gave it).
static int
s_apply (const mt_config_key_t *k, const char *name, void *settings, const char *value,
         mt_err_t *err)
{
    char *field = (char *) settings + k->offset;
    char *end = NULL;
    errno = 0;
    switch (k->type) {
        case MT_CFG_INT: {
            long long v = strtoll (value, &end, 10);
            if (!*value || *end || errno)
                return mt_err_set (err, MT_EINVAL, "%s: '%s' is not a whole number",
                                   name, value);
            if ((double) v < k->min || (double) v > k->max)
                return mt_err_set (err, MT_EINVAL, "%s: %lld is outside %.0f..%.0f",
                                   name, v, k->min, k->max);
            *(int64_t *) field = v;
            return MT_OK;
        }
        case MT_CFG_DOUBLE: {
            double v = strtod (value, &end);
            if (!*value || *end || errno || !isfinite (v))
                return mt_err_set (err, MT_EINVAL, "%s: '%s' is not a number", name, value);
            if (v < k->min || v > k->max)
                return mt_err_set (err, MT_EINVAL, "%s: %g is outside %g..%g",
                                   name, v, k->min, k->max);
            *(double *) field = v;
            return MT_OK;
        }
        case MT_CFG_BOOL:
            if (s_parse_bool (value, (bool *) field) != 0)
                return mt_err_set (err, MT_EINVAL, "%s: '%s' is not true or false",
                                   name, value);
            return MT_OK;
        case MT_CFG_STRING: {
            size_t size = (size_t) k->max;
            if (strlen (value) >= size)
                return mt_err_set (err, MT_EINVAL, "%s: value longer than %zu characters",
                                   name, size - 1);
            memcpy (field, value, strlen (value) + 1);
            return MT_OK;
        }
    }
    return mt_err_set (err, MT_EINTERNAL, "%s: bad key type", name);
}

int
mt_config_set (const mt_config_key_t *keys, void *settings, const char *name,
               const char *value, mt_err_t *err)
{
    const mt_config_key_t *k = s_find (keys, name, strlen (name));
    if (!k)
        return mt_err_set (err, MT_ENOTFOUND, "unknown setting '%s'", name);
    return s_apply (k, k->name, settings, value, err);
}

int
mt_config_load_file (const mt_config_key_t *keys, void *settings, const char *path,
                     mt_err_t *err)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return mt_err_set (err, MT_EIO, "cannot open config file '%s': %s", path,
                           strerror (errno));
    int rc = mt_config_load_stream (keys, settings, path, file, err);
    fclose (file);
    return rc;
}

int
mt_config_load_stream (const mt_config_key_t *keys, void *settings, const char *path,
                       FILE *file, mt_err_t *err)
{
    char line [S_MAX_LINE];
    int number = 0, rc = MT_OK;
    while (rc == MT_OK && fgets (line, sizeof line, file)) {
        number++;
        size_t len = strlen (line);
        if (len == sizeof line - 1 && line [len - 1] != '\n') {
            rc = mt_err_set (err, MT_EINVAL, "%s:%d: line longer than %d characters",
                             path, number, S_MAX_LINE - 2);
            break;
        }
        char *hash = strchr (line, '#');
        if (hash)
            *hash = '\0';
        char *key = line;
        while (isspace ((unsigned char) *key))
            key++;
        if (!*key)
            continue;
        char *value = key;
        while (*value && !isspace ((unsigned char) *value) && *value != '=')
            value++;
        size_t key_len = (size_t) (value - key);
        while (isspace ((unsigned char) *value) || *value == '=')
            value++;
        char *end = value + strlen (value);
        while (end > value && isspace ((unsigned char) end [-1]))
            *--end = '\0';
        const mt_config_key_t *k = s_find (keys, key, key_len);
        mt_err_t why;
        if (!k)
            rc = mt_err_set (err, MT_EINVAL, "%s:%d: unknown setting '%.*s'", path, number,
                             (int) key_len, key);
        else
        if (s_apply (k, k->name, settings, value, &why) != MT_OK)
            rc = mt_err_wrap (err, MT_EINVAL, &why, "%s:%d", path, number);
    }
    if (rc == MT_OK && ferror (file))
        rc = mt_err_set (err, MT_EIO, "cannot read config file '%s'", path);
    return rc;
}

int
mt_config_load_env (const mt_config_key_t *keys, void *settings, mt_err_t *err)
{
    for (const mt_config_key_t *k = keys; k->name; k++) {
        char var [128] = "HOMEWARD_";
        size_t at = strlen (var);
        for (const char *c = k->name; *c && at < sizeof var - 1; c++)
            var [at++] = strchr (".-", *c) ? '_' : (char) toupper ((unsigned char) *c);
        var [at] = '\0';
        const char *value = getenv (var);
        if (!value)
            continue;
        mt_err_t why;
        if (s_apply (k, k->name, settings, value, &why) != MT_OK)
            return mt_err_wrap (err, MT_EINVAL, &why, "environment %s", var);
    }
    return MT_OK;
}

int
mt_config_parse_args (const mt_config_key_t *keys, void *settings, int argc, char **argv,
                      int first, int *positional_p, mt_err_t *err)
{
    int positional = first;
    bool flags_done = false;
    for (int i = first; i < argc; i++) {
        char *arg = argv [i];
        if (flags_done || strncmp (arg, "--", 2) != 0 || arg [2] == '\0') {
            if (!flags_done && strcmp (arg, "--") == 0) {
                flags_done = true;
                continue;
            }
            argv [positional++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr (name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen (name);
        if (len == 6 && strncmp (name, "config", 6) == 0) {
            if (!eq)
                i++;        //  the file was applied by mt_config_load_all
            continue;
        }
        const mt_config_key_t *k = s_find (keys, name, len);
        const char *value = eq ? eq + 1 : NULL;
        if (!k && !eq && len > 3 && strncmp (name, "no-", 3) == 0) {
            k = s_find (keys, name + 3, len - 3);
            if (k && k->type == MT_CFG_BOOL) {
                *(bool *) ((char *) settings + k->offset) = false;
                continue;
            }
            k = NULL;
        }
        if (!k)
            return mt_err_set (err, MT_EINVAL, "unknown option --%.*s (see --help)",
                               (int) len, name);
        if (!value) {
            if (k->type == MT_CFG_BOOL)
                value = "true";
            else
            if (i + 1 < argc)
                value = argv [++i];
            else
                return mt_err_set (err, MT_EINVAL, "option --%s needs a value", k->name);
        }
        mt_err_t why;
        char flag [96];
        snprintf (flag, sizeof flag, "option --%s", k->name);
        if (s_apply (k, flag, settings, value, &why) != MT_OK)
            return mt_err_copy (err, MT_EINVAL, &why);
    }
    *positional_p = positional - first;
    return MT_OK;
}

int
mt_config_load_all (const mt_config_key_t *keys, void *settings, int argc, char **argv,
                    int first, int *positional_p, mt_err_t *err)
{
    for (int i = first; i < argc; i++) {
        if (strcmp (argv [i], "--") == 0)
            break;
        const char *path = NULL;
        if (strcmp (argv [i], "--config") == 0) {
            if (i + 1 >= argc)
                return mt_err_set (err, MT_EINVAL, "option --config needs a file");
            path = argv [i + 1];
        }
        else
        if (strncmp (argv [i], "--config=", 9) == 0)
            path = argv [i] + 9;
        if (path) {
            int rc = mt_config_load_file (keys, settings, path, err);
            if (rc != MT_OK)
                return rc;
        }
    }
    int rc = mt_config_load_env (keys, settings, err);
    if (rc == MT_OK)
        rc = mt_config_parse_args (keys, settings, argc, argv, first, positional_p, err);
    return rc;
}

void
mt_config_print_help (const mt_config_key_t *keys, const void *settings, FILE *out)
{
    for (const mt_config_key_t *k = keys; k->name; k++) {
        const char *field = (const char *) settings + k->offset;
        char flag [96];
        switch (k->type) {
            case MT_CFG_INT:
                snprintf (flag, sizeof flag, "--%s N", k->name);
                fprintf (out, "  %-28s %s (%.0f..%.0f; now %lld)\n", flag, k->help,
                         k->min, k->max, (long long) *(const int64_t *) field);
                break;
            case MT_CFG_DOUBLE:
                snprintf (flag, sizeof flag, "--%s X", k->name);
                fprintf (out, "  %-28s %s (%g..%g; now %g)\n", flag, k->help, k->min, k->max,
                         *(const double *) field);
                break;
            case MT_CFG_BOOL:
                snprintf (flag, sizeof flag, "--[no-]%s", k->name);
                fprintf (out, "  %-28s %s (now %s)\n", flag, k->help,
                         *(const bool *) field ? "on" : "off");
                break;
            case MT_CFG_STRING:
                snprintf (flag, sizeof flag, "--%s TEXT", k->name);
                fprintf (out, "  %-28s %s (now '%s')\n", flag, k->help, field);
                break;
        }
    }
    fprintf (out, "  %-28s read settings from FILE (`key value` lines) first\n"
                  "  Each setting can also come from HOMEWARD_<KEY> in the environment.\n",
             "--config FILE");
}
