//  homeward - the command line: one binary, one sub-command per job.

#include "cli.h"

#include "broker/broker_main.h"
#include "gateway/gateway_actor.h"
#include "gateway/gateway_main.h"
#include "intake/intake_main.h"
#include "results/results_main.h"
#include "serve/serve_main.h"
#include "shard/shard_main.h"
#include "base/mt_install.h"
#include "face/mt_pipeline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *summary;
} s_command_t;

static const s_command_t s_commands [] = {
    { "serve",   serve_main,  "run all of Homeward in one process (data in ./var)" },
    { "case",    cli_case,    "add, show, close, export, erase found and missing cases" },
    { "photo",   cli_photo,   "add photos to a case; see, mark or remove them" },
    { "face",    cli_face,    "leave a face out of matching, or take it back" },
    { "candidates", cli_candidates, "the candidate families of a case, explained" },
    { "review",  cli_review,  "record a decision on a candidate pair" },
    { "same-person", cli_same_person, "two records of one person: suggestions, link, unlink" },
    { "notices", cli_notices, "relatives to tell of a decision, and that they were told" },
    { "import",  cli_import,  "bulk import of cases and photos (CSV or folder)" },
    { "reembed", cli_reembed, "describe the gallery again with the current second descriptor" },
    { "crossmatch", cli_crossmatch, "search every open case again against the other side" },
    { "backup",  cli_backup,  "encrypted backup of a running Homeward (incremental)" },
    { "restore", cli_restore, "rebuild a data folder from a backup" },
    { "migrate-store", cli_migrate_store, "move the case store from SQLite to PostgreSQL (or back)" },
    { "audit",   cli_audit,   "check the audit log's hash chain; list its entries" },
    { "user",    cli_user,    "create and list the users of the web app" },
    { "embed",   cli_embed,   "find faces in photos; print quality and 128-d embeddings" },
    { "compare", cli_compare, "distance between the main faces of two photos" },
    { "broker",  broker_main, "run the broker between clients and shard replicas" },
    { "shard",   shard_main,  "run one shard replica (one partition of both galleries)" },
    { "index",   cli_index,   "enroll, search, remove faces through a broker; stats" },
    { "results", results_main, "run the results service (cases, ranking) alone" },
    { "intake",  intake_main, "run face pipeline workers alone" },
    { "gateway", gateway_main, "run the HTTP API and web app alone" },
    { "keygen",  cli_keygen,  "make CURVE key pairs for the tcp:// links between services" },
};

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: homeward COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++)
        fprintf (out, "  %-13s %s\n", s_commands [i].name, s_commands [i].summary);
    fprintf (out, "\n'homeward COMMAND --help' describes a command and its options;\n"
                  "'homeward --version' the version and where its model and web files are.\n");
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        s_usage (stderr);
        return 2;
    }
    if (strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0
    ||  strcmp (argv [1], "help") == 0) {
        s_usage (stdout);
        return 0;
    }
    if (strcmp (argv [1], "--version") == 0 || strcmp (argv [1], "version") == 0) {
        //  With where its files are: an installed package shows its own.
        mt_pipeline_config_t pipeline;
        mt_pipeline_config_defaults (&pipeline);
        gateway_config_t gateway;
        gateway_config_defaults (&gateway);
        printf ("homeward %s\nmodels: %s\nlandmark model: %s\nweb app: %s\n", mt_version (),
                pipeline.model_dir, pipeline.landmark_model, gateway.web);
        return 0;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++)
        if (strcmp (argv [1], s_commands [i].name) == 0)
            return s_commands [i].run (argc - 1, argv + 1);
    fprintf (stderr, "homeward: unknown command '%s'\n\n", argv [1]);
    s_usage (stderr);
    return 2;
}
