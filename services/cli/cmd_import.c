//  homeward import - bulk import of cases and their photos from a CSV file
//  or a folder, with progress, resumable without duplicates (every case
//  carries its source reference; every photo is known by its sha256).

#include "cli.h"
#include "results/store/mt_case_facts.h"
#include "base/mt_clock.h"
#include "cli_api.h"

#include "base/mt_dir.h"
#include "base/mt_utf8.h"
#include "face/mt_image.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_MAX_COLUMNS 32
#define S_MAX_PHOTOS 64

typedef struct {
    api_client_t *client;
    const cli_api_opts_t *opts;
    char source [256];          //  prefix of external references
    size_t cases, cases_new, photos, photos_new, failed;
    size_t total;               //  cases expected (for the ETA), 0 unknown
    double started, last_shown;
    //  Homeward stopped answering, or its disk is full: nothing more is
    //  sent (a re-run resumes).
    bool stopped;
    bool no_space;
    char why [MT_ERR_MSG_MAX];
} s_import_t;

//  Whether a call's failure means Homeward is gone (no answer, cannot
//  connect) rather than that it refused this case or photo; if so the
//  import stops, instead of waiting out the timeout on every row left.
static bool
s_gone (s_import_t *imp, int rc, const mt_err_t *err)
{
    if (rc != MT_ETIMEDOUT && rc != MT_EUNAVAILABLE && rc != MT_ENOSPACE)
        return false;
    imp->stopped = true;
    imp->no_space = rc == MT_ENOSPACE;
    snprintf (imp->why, sizeof imp->why, "%s", err->msg);
    return true;
}

static void
s_progress (s_import_t *imp, bool last)
{
    double now = mt_clock_s ();
    if (!last && now - imp->last_shown < 1)
        return;
    imp->last_shown = now;
    double rate = imp->cases / (now - imp->started + 1e-9);
    char eta [64] = "";
    if (imp->total && rate > 0 && imp->cases < imp->total)
        snprintf (eta, sizeof eta, ", about %.0f s left", (imp->total - imp->cases) / rate);
    fprintf (stderr, "\rimport: %zu%s%.0zu cases (%zu new), %zu photos (%zu new), %zu failed, "
             "%.1f cases/s%s   %s", imp->cases, imp->total ? " of " : "", imp->total,
             imp->cases_new, imp->photos, imp->photos_new, imp->failed, rate, eta,
             last ? "\n" : "");
}

//  A ';'-separated list of whole numbers into out (max items), an empty
//  item (or none: text NULL) as unknown, every item past the list too.
static void
s_numbers (const char *text, int unknown, int *out, size_t max)
{
    for (size_t i = 0; i < max; i++)
        out [i] = unknown;
    for (size_t i = 0; text && *text && i < max; i++) {
        char *end;
        long value = strtol (text, &end, 10);
        if (end != text)
            out [i] = (int) value;
        text = strchr (text, ';');
        text = text ? text + 1 : NULL;
    }
}

//  Add one photo file to a case.
static void
s_photo (s_import_t *imp, long long case_id, const char *path, int year, int age)
{
    struct stat st;
    FILE *file = NULL;
    uint8_t *bytes = NULL;
    if (stat (path, &st) != 0 || !S_ISREG (st.st_mode)
    ||  (uint64_t) st.st_size > MT_IMAGE_DEFAULT_MAX_BYTES
    ||  !(file = fopen (path, "rb")) || !(bytes = malloc ((size_t) st.st_size + 1))
    ||  fread (bytes, 1, (size_t) st.st_size, file) != (size_t) st.st_size) {
        fprintf (stderr, "\nimport: %s: cannot read (missing, not a file, or over %u bytes)\n",
                 path, MT_IMAGE_DEFAULT_MAX_BYTES);
        imp->failed++;
        if (file)
            fclose (file);
        free (bytes);
        return;
    }
    fclose (file);
    //  Nobody is there to say which face of a group photo is the person:
    //  the face nearest the middle counts most (the candidates say so).
    json_t *params = json_pack ("{s:I, s:i, s:i}", "case_id", (json_int_t) case_id,
                                "year_taken", year, "age_taken", age);
    json_t *result = NULL;
    mt_err_t err;
    int rc = api_call (imp->client, "photo.add", params, bytes, (size_t) st.st_size,
                       (int) imp->opts->timeout_ms, &result, NULL, NULL, &err);
    if (rc == MT_OK) {
        imp->photos++;
        imp->photos_new += !json_is_true (json_object_get (result, "existed"));
    }
    else
    if (!s_gone (imp, rc, &err)) {
        fprintf (stderr, "\nimport: %s: %s\n", path, err.msg);
        imp->failed++;
    }
    json_decref (params);
    json_decref (result);
    free (bytes);
}

//  Add a case (facts as JSON, consumed) and its photos, with the year each
//  was taken and the person's age in it (NULL: unknown).
static void
s_case (s_import_t *imp, const char *ref, json_t *facts, char **photos, const int *years,
        const int *ages, size_t count)
{
    char full [512];
    snprintf (full, sizeof full, "%s:%s", imp->source, ref);
    json_object_set_new (facts, "external_ref", json_string (full));
    json_t *result = NULL;
    mt_err_t err;
    int rc = imp->stopped ? MT_EUNAVAILABLE
           : api_call (imp->client, "case.add", facts, NULL, 0, (int) imp->opts->timeout_ms,
                       &result, NULL, NULL, &err);
    if (rc != MT_OK) {
        if (!imp->stopped && !s_gone (imp, rc, &err)) {
            fprintf (stderr, "\nimport: case %s: %s\n", ref, err.msg);
            imp->failed++;
        }
        json_decref (facts);
        return;
    }
    long long id = (long long) json_integer_value (json_object_get (result, "case_id"));
    imp->cases++;
    imp->cases_new += !json_is_true (json_object_get (result, "existed"));
    for (size_t i = 0; i < count && !imp->stopped; i++)
        s_photo (imp, id, photos [i], years ? years [i] : 0, ages ? ages [i] : -1);
    json_decref (result);
    json_decref (facts);
    s_progress (imp, false);
}

//  ---------------------------------------------------------------- CSV

typedef struct {
    s_import_t *imp;
    char dir [4096];            //  photo paths are relative to the CSV's folder
    char *header [S_MAX_COLUMNS];
    char *field [S_MAX_COLUMNS];
    size_t columns, at;
    size_t row;
    int error;
} s_csv_t;

static void
s_csv_field (void *data, size_t len, void *arg)
{
    s_csv_t *csv = arg;
    if (csv->at < S_MAX_COLUMNS) {
        char *text = malloc (len + 1);
        if (text) {
            memcpy (text, data, len);
            text [len] = '\0';
        }
        csv->field [csv->at] = text;
    }
    csv->at++;
}

static const char *
s_get (s_csv_t *csv, const char *column)
{
    for (size_t i = 0; i < csv->columns && i < csv->at; i++)
        if (csv->header [i] && strcmp (csv->header [i], column) == 0)
            return csv->field [i] && *csv->field [i] ? csv->field [i] : NULL;
    return NULL;
}

static void
s_csv_row (int end, void *arg)
{
    (void) end;
    s_csv_t *csv = arg;
    csv->row++;
    if (csv->row == 1) {
        for (size_t i = 0; i < csv->at && i < S_MAX_COLUMNS; i++)
            csv->header [i] = csv->field [i];
        csv->columns = csv->at < S_MAX_COLUMNS ? csv->at : S_MAX_COLUMNS;
        csv->at = 0;
        return;
    }
    const char *ref = s_get (csv, "ref");
    //  A file saved in another encoding (GBK, as spreadsheets in China
    //  often save it) would lose its Chinese: refused, row by row, said.
    const char *garbled = NULL;
    for (size_t i = 0; i < csv->columns && i < csv->at && !garbled; i++)
        if (csv->field [i] && !mt_utf8_valid (csv->field [i], strlen (csv->field [i])))
            garbled = csv->header [i] ? csv->header [i] : "?";
    if (csv->imp->stopped)
        ;                       //  the rest waits for a re-run
    else
    if (garbled) {
        fprintf (stderr, "\nimport: row %zu: column %s is not UTF-8 text (save the file as "
                 "UTF-8 and import it again): skipped\n", csv->row, garbled);
        csv->imp->failed++;
    }
    else
    if (!ref) {
        fprintf (stderr, "\nimport: row %zu has no ref: skipped\n", csv->row);
        csv->imp->failed++;
    }
    else {
        //  A column for each fact, by the fact's name (the reference is
        //  `ref`). A number that is not one goes as it is: the service says
        //  what is wrong with it, for the row's line of the report.
        json_t *facts = json_object ();
        if (s_get (csv, "kind"))
            json_object_set_new (facts, "kind", json_string (s_get (csv, "kind")));
        for (size_t f = 0; f < mt_case_facts_count; f++) {
            const char *name = mt_case_facts [f].name, *text = s_get (csv, name);
            char *end = NULL;
            long number = text ? strtol (text, &end, 10) : 0;
            if (!text || strcmp (name, "external_ref") == 0)
                continue;
            json_object_set_new (facts, name, mt_case_facts [f].type == MT_FACT_INT
                                 && *text && !*end ? json_integer (number) : json_string (text));
        }
        char *photos [S_MAX_PHOTOS];
        int years [S_MAX_PHOTOS], ages [S_MAX_PHOTOS];
        size_t count = 0;
        char list [8192];
        snprintf (list, sizeof list, "%s", s_get (csv, "photos") ? s_get (csv, "photos") : "");
        //  Parallel to the photos: "1962;;1990" (an empty item keeps its
        //  place, unknown).
        s_numbers (s_get (csv, "photo_years"), 0, years, S_MAX_PHOTOS);
        s_numbers (s_get (csv, "photo_ages"), -1, ages, S_MAX_PHOTOS);
        char *save = NULL;
        for (char *tok = strtok_r (list, ";", &save); tok && count < S_MAX_PHOTOS;
             tok = strtok_r (NULL, ";", &save)) {
            char path [8192];
            snprintf (path, sizeof path, tok [0] == '/' ? "%.0s%s" : "%s/%s", csv->dir, tok);
            photos [count] = strdup (path);
            count++;
        }
        s_case (csv->imp, ref, facts, photos, years, ages, count);
        for (size_t i = 0; i < count; i++)
            free (photos [i]);
    }
    for (size_t i = 0; i < csv->at && i < S_MAX_COLUMNS; i++)
        free (csv->field [i]);
    csv->at = 0;
}

static int
s_import_csv (s_import_t *imp, const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        cli_error ("import", "cannot open %s: %s", path, strerror (errno));
        return 1;
    }
    //  Count the rows first, for the ETA.
    int c, lines = 0;
    while ((c = fgetc (file)) != EOF)
        lines += c == '\n';
    rewind (file);
    imp->total = lines > 0 ? (size_t) lines - 1 : 0;
    s_csv_t csv = { .imp = imp };
    char copy [4096];
    snprintf (copy, sizeof copy, "%s", path);
    snprintf (csv.dir, sizeof csv.dir, "%s", dirname (copy));
    struct csv_parser parser;
    csv_init (&parser, CSV_APPEND_NULL);
    char buf [65536];
    size_t n;
    int status = 0;
    while (!imp->stopped && (n = fread (buf, 1, sizeof buf, file)) > 0)
        if (csv_parse (&parser, buf, n, s_csv_field, s_csv_row, &csv) != n) {
            cli_error ("import", "%s: %s", path, csv_strerror (csv_error (&parser)));
            status = 1;
            break;
        }
    csv_fini (&parser, s_csv_field, s_csv_row, &csv);
    csv_free (&parser);
    for (size_t i = 0; i < csv.columns; i++)
        free (csv.header [i]);
    fclose (file);
    return status;
}

//  ---------------------------------------------------------------- folder

//  One subfolder per case; its image files are the case's photos; an
//  optional case.json in it holds the facts.
static int
s_import_dir (s_import_t *imp, const char *root, const char *kind)
{
    char **cases;
    size_t count = mt_dir_list (root, &cases);
    imp->total = count;
    for (size_t i = 0; i < count; i++) {
        char dir [4096];
        snprintf (dir, sizeof dir, "%s/%s", root, cases [i]);
        struct stat st;
        if (imp->stopped || stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
            free (cases [i]);
            continue;
        }
        char facts_path [4200];
        snprintf (facts_path, sizeof facts_path, "%s/case.json", dir);
        json_error_t jerr;
        json_t *facts = json_load_file (facts_path, 0, &jerr);
        if (!facts)
            facts = json_object ();
        if (!json_object_get (facts, "kind"))
            json_object_set_new (facts, "kind", json_string (kind));
        char **files;
        size_t n = mt_dir_list (dir, &files);
        char *photos [S_MAX_PHOTOS];
        size_t m = 0;
        for (size_t f = 0; f < n; f++) {
            if (strcmp (files [f], "case.json") != 0 && m < S_MAX_PHOTOS) {
                char path [8300];
                snprintf (path, sizeof path, "%s/%s", dir, files [f]);
                photos [m++] = strdup (path);
            }
            free (files [f]);
        }
        free (files);
        s_case (imp, cases [i], facts, photos, NULL, NULL, m);
        for (size_t f = 0; f < m; f++)
            free (photos [f]);
        free (cases [i]);
    }
    free (cases);
    return 0;
}

//  The options of homeward import.
typedef struct {
    cli_api_opts_t api;
    char kind [16];
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    CLI_API_KEYS (s_settings_t, api),
    { "kind", MT_CFG_STRING, offsetof (s_settings_t, kind), 0,
      sizeof ((s_settings_t *) 0)->kind, "found or missing: the kind of a folder's cases" },
    CLI_KEYS_END
};

int
cli_import (int argc, char **argv)
{
    s_settings_t settings = { .kind = "" };
    if (argc < 2 || cli_wants_help (argc, argv)) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf (out,
            "usage: homeward import FILE.csv | DIR [--kind found|missing]\n\n"
            "Imports cases and their photos. A CSV has a header row; its columns: ref\n"
            "(required, unique in the file), kind, the facts:\n");
        size_t line = 0;
        for (size_t f = 0; f < mt_case_facts_count; f++) {
            const char *name = mt_case_facts [f].name;
            if (strcmp (name, "external_ref") == 0)
                continue;
            fprintf (out, "%s%s", !line ? "  " : line + strlen (name) > 70 ? ",\n  " : ", ",
                     name);
            line = line && line + strlen (name) <= 70 ? line + strlen (name) + 2
                                                      : strlen (name) + 2;
        }
        fprintf (out, ",\n"
            "photos (paths separated by ';', relative to the CSV), photo_years\n"
            "and photo_ages (the year each photo was taken and the person's age in it, in\n"
            "the photos' order, ';'-separated; an empty item is unknown: \"1962;;1990\").\n"
            "Every case needs its consent_basis (see homeward case --help). A DIR holds\n"
            "one folder per case (its name is the ref) with the photos and, optionally, a\n"
            "case.json of facts; --kind gives the kind for folders that do not say.\n"
            "Progress goes to stderr. When Homeward stops answering (--timeout-ms), the\n"
            "import stops and says so; running the same import again adds only what is\n"
            "missing.\n\n");
        cli_api_help (s_keys, &settings, &settings.api, out);
        return argc < 2 ? 2 : 0;
    }
    if (cli_api_load ("import", s_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    cli_api_opts_t opts = settings.api;
    const char *kind = settings.kind [0] ? settings.kind : NULL;
    const char *source = opts.argc == 1 ? opts.argv [0] : NULL;
    struct stat st;
    if (opts.argc > 1) {
        cli_error ("import", "give one CSV file or one folder, not %d", opts.argc);
        free (opts.argv);
        return 2;
    }
    if (!source || stat (source, &st) != 0) {
        cli_error ("import", "%s: %s", source ? source : "nothing to import",
                   source ? strerror (errno) : "give a CSV file or a folder");
        free (opts.argv);
        return 2;
    }
    if (S_ISDIR (st.st_mode) && (!kind || (strcmp (kind, "found") != 0
                                           && strcmp (kind, "missing") != 0))) {
        cli_error ("import", "a folder import needs --kind found or --kind missing");
        free (opts.argv);
        return 2;
    }
    s_import_t imp = { .opts = &opts, .started = mt_clock_s () };
    char copy [4096];
    snprintf (copy, sizeof copy, "%s", source);
    snprintf (imp.source, sizeof imp.source, "import:%s", basename (copy));
    imp.client = cli_api_connect ("import", &opts);
    int status = 1;
    if (imp.client)
        status = S_ISDIR (st.st_mode) ? s_import_dir (&imp, source, kind)
                                      : s_import_csv (&imp, source);
    s_progress (&imp, true);
    if (imp.stopped)
        fprintf (stderr, "import: stopped: %s\n"
                 "import: %s after %zu cases. Nothing sent before is lost:\n"
                 "import: run the same command again once %s; it resumes where it stopped\n"
                 "import: (cases and photos already in are recognised and skipped).\n",
                 imp.why, imp.no_space ? "Homeward's data disk is full"
                                       : "Homeward stopped answering", imp.cases,
                 imp.no_space ? "space is freed" : "it is back");
    api_client_destroy (&imp.client);
    free (opts.argv);
    return status || imp.failed || imp.stopped ? 1 : 0;
}
