//  cli_case_fields - a case's facts from flags (`--sex male --age 60-70`),
//  for `case add-*` and `case update`.

#include "cli.h"
#include "cli_case_fields.h"
#include "base/mt_utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Flags of `case add-*` and the case fields they set.
static const struct {
    const char *flag;
    const char *key;
    int kind;               //  0 both, 1 found only, 2 missing only
    bool number;
    const char *help;
} s_fields [] = {
    { "--sex", "sex", 0, false, "male, female or unknown" },
    { "--province", "province", 1, true, "GB/T 2260 code of the province where found (e.g. 44)" },
    { "--home-province", "province", 2, true, "GB/T 2260 code of the home province (户籍地)" },
    { "--city", "city", 0, false, "city or county" },
    { "--station", "station", 1, false, "the relief station" },
    { "--date-found", "date_found", 1, false, "YYYY-MM-DD" },
    { "--age", "age", 1, false, "estimated age now: N or MIN-MAX" },
    { "--last-seen", "date_last_seen", 2, false, "YYYY-MM-DD" },
    { "--birth-year", "birth_year", 2, false, "YYYY or YYYY-YYYY" },
    { "--person-name", "person_name", 2, false, "name of the missing person" },
    { "--family-name", "family_name", 2, false, "who reports" },
    { "--contact", "family_contact", 2, false, "how to reach the family" },
    { "--relation", "family_relation", 2, false, "relation to the missing person" },
    { "--features", "features", 0, false, "distinguishing features" },
    { "--notes", "notes", 0, false, "anything else" },
    { "--ref", "external_ref", 0, false, "your own reference for the case (unique)" },
    { "--consent", "consent_basis", 0, false, "the basis for holding the data: self, guardian "
      "(needed for minors), family (missing cases) or vital_interests (found adults who "
      "cannot consent)" },
    { "--consent-by", "consent_by", 0, false, "who consented (name, relation or office)" },
    { "--consent-date", "consent_date", 0, false, "YYYY-MM-DD (default today)" },
    { "--purpose", "purpose", 0, false, "why the data is held (default: family reunification)" },
};
#define S_FIELDS (sizeof s_fields / sizeof s_fields [0])

int
cli_case_fields (const char *command, int kind, int argc, char **argv, json_t *params)
{
    for (int i = 0; i < argc; i++) {
        size_t f = 0;
        while (f < S_FIELDS && strcmp (argv [i], s_fields [f].flag) != 0)
            f++;
        if (f == S_FIELDS || (s_fields [f].kind && s_fields [f].kind != kind)) {
            cli_error (command, "%s is not a field of a %s case (see --help)", argv [i],
                       kind == 1 ? "found" : "missing");
            return 2;
        }
        if (i + 1 >= argc) {
            cli_error (command, "%s needs a value", argv [i]);
            return 2;
        }
        const char *value = argv [++i];
        if (s_fields [f].number) {
            char *end;
            long v = strtol (value, &end, 10);
            if (*end || !*value) {
                cli_error (command, "%s must be a number, not '%s'", s_fields [f].flag, value);
                return 2;
            }
            json_object_set_new (params, s_fields [f].key, json_integer (v));
        }
        else
        if (!mt_utf8_valid (value, strlen (value))) {
            cli_error (command, "%s: the text is not UTF-8 (set the terminal to UTF-8)",
                       s_fields [f].flag);
            return 2;
        }
        else
            json_object_set_new (params, s_fields [f].key, json_string (value));
    }
    return 0;
}

void
cli_case_fields_help (FILE *out)
{
    for (size_t i = 0; i < S_FIELDS; i++)
        fprintf (out, "  %-17s %s%s\n", s_fields [i].flag, s_fields [i].help,
                 s_fields [i].kind == 1 ? " (found cases)"
                 : s_fields [i].kind == 2 ? " (missing cases)" : "");
}
