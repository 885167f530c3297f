//  mt_config - typed settings with bounds, from four layers in order:
//  built-in defaults < config file (`key value` lines) < environment
//  (HOMEWARD_<KEY>, dots as underscores) < command-line flags (--key value,
//  --key=value, --flag / --no-flag for booleans). A bad value stops start-up
//  with where it came from and why.
//
//  A program describes its settings as a table of mt_config_key_t that point
//  (by offset) into its own settings struct.

#ifndef MT_CONFIG_H_INCLUDED
#define MT_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_CFG_INT,         //  int64_t, bounded by min..max
    MT_CFG_DOUBLE,      //  double, bounded by min..max
    MT_CFG_BOOL,        //  bool: true/false, yes/no, on/off, 1/0
    MT_CFG_STRING       //  char [size] inside the struct; max = buffer size
} mt_cfg_type;

typedef struct {
    const char *name;   //  e.g. "threads", "image.max_pixels"; NULL ends a table
    mt_cfg_type type;
    size_t offset;      //  offsetof (settings struct, field)
    double min, max;
    const char *help;
} mt_config_key_t;

//  Set one key from text. Returns MT_ENOTFOUND for an unknown key and
//  MT_EINVAL for a value of the wrong type or out of bounds.
int mt_config_set (const mt_config_key_t *keys, void *settings, const char *name,
                   const char *value, mt_err_t *err);

//  Apply a config file: one `key value` per line, # comments, blank lines.
//  Errors name the file and line.
int mt_config_load_file (const mt_config_key_t *keys, void *settings, const char *path,
                         mt_err_t *err);

//  The same from an open stream; path names it in messages.
int mt_config_load_stream (const mt_config_key_t *keys, void *settings, const char *path,
                           FILE *file, mt_err_t *err);

//  Apply HOMEWARD_<KEY> environment variables (KEY upper-cased, dots as
//  underscores) for every key of the table.
int mt_config_load_env (const mt_config_key_t *keys, void *settings, mt_err_t *err);

//  Apply --key value flags from argv [first..argc). Arguments that are not
//  flags are positional: they are moved, in order, to the front of the range
//  and their count is returned in *positional_p. "--" ends the flags.
//  --config FILE is skipped here (see mt_config_load_all).
int mt_config_parse_args (const mt_config_key_t *keys, void *settings, int argc,
                          char **argv, int first, int *positional_p, mt_err_t *err);

//  All layers: the file named by --config (if any), the environment, then
//  the flags. The settings must hold the defaults already.
int mt_config_load_all (const mt_config_key_t *keys, void *settings, int argc,
                        char **argv, int first, int *positional_p, mt_err_t *err);

//  Print one line per key: flag, type, bounds, help and current value.
void mt_config_print_help (const mt_config_key_t *keys, const void *settings, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
