//  cli_case_fields - a case's facts from flags (`--sex male --age 60-70`),
//  for `case add-*` and `case update`.

#include "cli.h"
#include "cli_case_fields.h"
#include "base/mt_utf8.h"
#include "results/store/mt_case_facts.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The flag that also names a fact: a missing person's province is their
//  home province.
static const struct {
    const char *alias, *flag;
    int kind;
} s_aliases [] = {
    { "--home-province", "--province", MT_FACT_MISSING },
};

//  The fact a flag sets for a kind of case, or NULL.
static const mt_case_fact_t *
s_fact_of_flag (const char *flag, int kind)
{
    for (size_t a = 0; a < sizeof s_aliases / sizeof s_aliases [0]; a++)
        if (strcmp (flag, s_aliases [a].alias) == 0 && s_aliases [a].kind == kind)
            flag = s_aliases [a].flag;
    for (size_t f = 0; f < mt_case_facts_count; f++)
        if (strcmp (flag, mt_case_facts [f].flag) == 0)
            return mt_case_facts [f].kind && mt_case_facts [f].kind != kind
                 ? NULL : &mt_case_facts [f];
    return NULL;
}

int
cli_case_fields_take (int *argc, char **argv, char **fields)
{
    int kept = 1, taken = 0;
    for (int i = 1; i < *argc; i++) {
        bool fact = s_fact_of_flag (argv [i], MT_FACT_FOUND)
                 || s_fact_of_flag (argv [i], MT_FACT_MISSING);
        if (!fact) {
            argv [kept++] = argv [i];
            continue;
        }
        fields [taken++] = argv [i];
        if (i + 1 < *argc)
            fields [taken++] = argv [++i];
    }
    *argc = kept;
    return taken;
}

int
cli_case_fields (const char *command, int kind, int argc, char **argv, json_t *params)
{
    for (int i = 0; i < argc; i++) {
        const mt_case_fact_t *fact = s_fact_of_flag (argv [i], kind);
        if (!fact) {
            cli_error (command, "%s is not a field of a %s case (see --help)", argv [i],
                       kind == 1 ? "found" : "missing");
            return 2;
        }
        if (i + 1 >= argc) {
            cli_error (command, "%s needs a value", argv [i]);
            return 2;
        }
        const char *value = argv [++i];
        if (fact->type == MT_FACT_INT) {
            char *end;
            long v = strtol (value, &end, 10);
            if (*end || !*value) {
                cli_error (command, "%s must be a number, not '%s'", argv [i - 1], value);
                return 2;
            }
            json_object_set_new (params, fact->name, json_integer (v));
        }
        else
        if (!mt_utf8_valid (value, strlen (value))) {
            cli_error (command, "%s: the text is not UTF-8 (set the terminal to UTF-8)",
                       argv [i - 1]);
            return 2;
        }
        else
            json_object_set_new (params, fact->name, json_string (value));
    }
    return 0;
}

void
cli_case_fields_help (FILE *out)
{
    for (size_t i = 0; i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        char help [512];
        snprintf (help, sizeof help, "%s%s", fact->help,
                  fact->kind == MT_FACT_FOUND ? " (found cases)"
                  : fact->kind == MT_FACT_MISSING ? " (missing cases)" : "");
        //  Its words on lines of at most 58 bytes beside the flag's column.
        fprintf (out, "  %-17s ", fact->flag);
        size_t line = 0;
        for (char *save = NULL, *word = strtok_r (help, " ", &save); word;
             word = strtok_r (NULL, " ", &save)) {
            if (line && line + 1 + strlen (word) > 58) {
                fprintf (out, "\n%20s", "");
                line = 0;
            }
            fprintf (out, "%s%s", line ? " " : "", word);
            line += (line ? 1 : 0) + strlen (word);
        }
        fputc ('\n', out);
    }
}
