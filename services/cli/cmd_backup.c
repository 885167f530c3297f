//  homeward backup / homeward restore - encrypted backups of a running
//  Homeward (services/backup), and a data folder rebuilt from one.

#include "cli.h"
#include "cli_api.h"

#include "backup/backup_repo.h"
#include "backup/backup_restore.h"
#include "backup/backup_take.h"
#include "base/mt_dir.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The options of homeward backup.
typedef struct {
    cli_api_opts_t api;
    char new_secret [1024], secret [1024], users [1024];
    int64_t keep;
    bool no_users;
} s_backup_t;

static const mt_config_key_t s_backup_keys [] = {
    CLI_API_KEYS (s_backup_t, api),
    { "new-secret", MT_CFG_STRING, offsetof (s_backup_t, new_secret), 0,
      sizeof ((s_backup_t *) 0)->new_secret, "make a new backup secret in FILE, and nothing else" },
    { "secret", MT_CFG_STRING, offsetof (s_backup_t, secret), 0,
      sizeof ((s_backup_t *) 0)->secret, "the backup secret's file" },
    { "users", MT_CFG_STRING, offsetof (s_backup_t, users), 0,
      sizeof ((s_backup_t *) 0)->users,
      "the users database to include (default var/users.db when it exists; the gateway "
      "machine's in a deployment of several machines)" },
    { "no-users", MT_CFG_BOOL, offsetof (s_backup_t, no_users), 0, 0, "leave the users out" },
    { "keep", MT_CFG_INT, offsetof (s_backup_t, keep), 0, 100000,
      "keep the newest N snapshots, removing older ones and the photos only they needed "
      "(0: keep all)" },
    CLI_KEYS_END
};

int
cli_backup (int argc, char **argv)
{
    s_backup_t settings = { .keep = 0 };
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward backup --new-secret FILE\n"
                "       homeward backup DIR --secret FILE [--users FILE | --no-users]\n"
                "                           [--keep N]\n\n"
                "Backs up a running Homeward into the folder DIR, encrypted with the secret in\n"
                "FILE (make it once with --new-secret, and keep it apart from the backups:\n"
                "without it they cannot be read). Each backup is one snapshot in DIR: the case\n"
                "database as of one moment (taken while the service goes on), the photos it\n"
                "needs (each photo is written once, so later backups only add new photos), the\n"
                "users of the web app and the erasure ledger; everything is checked after\n"
                "writing (checksums read back, integrity, counts, the audit chain).\n"
                "homeward restore rebuilds a data folder from it.\n\n");
        cli_api_help (s_backup_keys, &settings, &settings.api, stdout);
        return 0;
    }
    if (cli_api_load ("backup", s_backup_keys, &settings, &settings.api, argc, argv) != 0)
        return 2;
    cli_api_opts_t opts = settings.api;
    const char *made = settings.new_secret [0] ? settings.new_secret : NULL;
    const char *secret_path = settings.secret [0] ? settings.secret : NULL;
    const char *users = settings.users [0] ? settings.users : NULL;
    bool no_users = settings.no_users;
    long long keep = settings.keep;
    mt_err_t err;
    if (made && (opts.argc > 0 || secret_path)) {
        cli_error ("backup", "--new-secret makes a secret and does nothing else: give it alone");
        free (opts.argv);
        return 2;
    }
    if (made) {
        free (opts.argv);
        if (backup_secret_new (made, &err) != MT_OK) {
            cli_error ("backup", "%s", err.msg);
            return 1;
        }
        printf ("backup secret written to %s: keep a copy apart from the backups (without it "
                "they cannot be read)\n", made);
        return 0;
    }
    int status = 2;
    backup_secret_t secret;
    if (opts.argc != 1)
        cli_error ("backup", "give the backup folder (see homeward backup --help)");
    else
    if (!secret_path)
        cli_error ("backup", "give --secret FILE (made once with homeward backup --new-secret "
                   "FILE)");
    else
    if (backup_secret_load (secret_path, &secret, &err) != MT_OK) {
        cli_error ("backup", "%s", err.msg);
        status = 1;
    }
    else {
        if (!users && !no_users && access ("var/users.db", F_OK) == 0)
            users = "var/users.db";
        api_client_t *client = cli_api_connect ("backup", &opts);
        backup_take_opts_t take = { .dir = opts.argv [0], .secret = &secret,
                                    .users = no_users ? NULL : users, .keep = (int) keep,
                                    .timeout_ms = (int) opts.timeout_ms };
        backup_report_t report;
        status = 1;
        if (client && backup_take (client, &take, &report, &err) != MT_OK)
            cli_error ("backup", "%s (nothing of this backup is kept; earlier ones are whole)",
                       err.msg);
        else
        if (client) {
            char line [600];
            backup_report_line (&report, line, sizeof line);
            if (opts.json)
                printf ("{\"snapshot\": \"%s\", \"cases\": %lld, \"photos\": %lld, "
                        "\"photos_new\": %lld, \"bytes_new\": %llu, \"db_bytes\": %llu, "
                        "\"users\": %lld, \"erasures\": %lld, \"seconds\": %.3f}\n",
                        report.snapshot, (long long) report.counts.cases,
                        (long long) report.photos, (long long) report.photos_new,
                        (unsigned long long) report.bytes_new,
                        (unsigned long long) report.db_bytes, (long long) report.users,
                        (long long) report.erasures, report.seconds);
            else
                printf ("backed up to %s/snapshots/%s\n%s; %s\n", opts.argv [0],
                        report.snapshot, line, report.users >= 0 ? "users included"
                                                                 : "users not included");
            status = 0;
        }
        api_client_destroy (&client);
        sodium_memzero (&secret, sizeof secret);
    }
    free (opts.argv);
    return status;
}

//  One line of restore --list: the snapshot and what its manifest says
//  (read and decrypted, so a line also shows that the secret opens it).
static void
s_list_one (const char *dir, const char *name, const backup_secret_t *secret)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/snapshots/%s/manifest.hwe", dir, name);
    json_t *manifest = NULL;
    mt_err_t err;
    if (backup_repo_read_json (path, secret, "manifest", &manifest, &err) != MT_OK) {
        printf ("%s  unreadable: %s\n", name, err.msg);
        return;
    }
    json_t *counts = json_object_get (manifest, "counts");
    json_t *head = json_object_get (manifest, "audit_head");
    const char *hash = json_string_value (json_object_get (head, "hash"));
    printf ("%s  %lld cases, %lld photos, %lld faces, %lld reviews; audit head %lld %.12s; "
            "%s\n", name,
            (long long) json_integer_value (json_object_get (counts, "cases")),
            (long long) json_integer_value (json_object_get (counts, "photos")),
            (long long) json_integer_value (json_object_get (counts, "faces")),
            (long long) json_integer_value (json_object_get (counts, "reviews")),
            (long long) json_integer_value (json_object_get (head, "id")),
            hash ? hash : "",
            json_integer_value (json_object_get (manifest, "users")) >= 0 ? "with users"
                                                                           : "without users");
    json_decref (manifest);
}

//  The options of homeward restore.
typedef struct {
    char secret [1024], var [1024], snapshot [256];
    bool list;
} s_restore_t;

static const mt_config_key_t s_restore_keys [] = {
    { "secret", MT_CFG_STRING, offsetof (s_restore_t, secret), 0,
      sizeof ((s_restore_t *) 0)->secret, "the secret the backups were made with" },
    { "var", MT_CFG_STRING, offsetof (s_restore_t, var), 0, sizeof ((s_restore_t *) 0)->var,
      "the new data folder (it must hold no data)" },
    { "snapshot", MT_CFG_STRING, offsetof (s_restore_t, snapshot), 0,
      sizeof ((s_restore_t *) 0)->snapshot, "an older snapshot (default: the newest)" },
    { "list", MT_CFG_BOOL, offsetof (s_restore_t, list), 0, 0, "list the snapshots" },
    CLI_KEYS_END
};

int
cli_restore (int argc, char **argv)
{
    s_restore_t settings = { .list = false };
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward restore DIR --secret FILE --var NEWVAR [--snapshot NAME]\n"
                "       homeward restore DIR --secret FILE --list\n\n"
                "Rebuilds a data folder from the backup folder DIR (made by homeward backup),\n"
                "with the service stopped: the case database, checked against its snapshot's\n"
                "checksum, counts and audit chain; the erasures recorded since applied again;\n"
                "the photos, each checked by its sha256; the users. NEWVAR must hold no data.\n"
                "Then `homeward serve --var NEWVAR` serves it; the index is built again from\n"
                "the database as it starts.\n\nOptions:\n");
        mt_config_print_help (s_restore_keys, &settings, stdout);
        return 0;
    }
    int count = 0;
    if (cli_load_settings ("restore", s_restore_keys, &settings, argc, argv, &count) != MT_OK)
        return 2;
    const char *secret_path = settings.secret [0] ? settings.secret : NULL;
    const char *var = settings.var [0] ? settings.var : NULL;
    const char *snapshot = settings.snapshot [0] ? settings.snapshot : NULL;
    bool list = settings.list;
    if (count != 1) {
        cli_error ("restore", "give the backup folder (see homeward restore --help)");
        return 2;
    }
    if (!secret_path || (!var && !list)) {
        cli_error ("restore", "give --secret FILE and --var NEWVAR (see homeward restore "
                   "--help)");
        return 2;
    }
    backup_secret_t secret;
    mt_err_t err;
    int rc = backup_secret_load (secret_path, &secret, &err);
    if (rc == MT_OK && list) {
        rc = backup_repo_open (argv [1], &secret, false, &err);
        char **names = NULL;
        size_t snapshots = rc == MT_OK ? backup_repo_snapshots (argv [1], &names) : 0;
        for (size_t i = 0; i < snapshots; i++)
            s_list_one (argv [1], names [i], &secret);
        if (rc == MT_OK && snapshots == 0)
            printf ("no complete snapshot in %s\n", argv [1]);
        mt_dir_free (names, snapshots);
    }
    else
    if (rc == MT_OK) {
        backup_restore_opts_t opts = { .dir = argv [1], .secret = &secret, .var = var,
                                       .snapshot = snapshot };
        backup_restore_report_t report;
        rc = backup_restore (&opts, &report, &err);
        if (rc == MT_OK)
            printf ("restored snapshot %s into %s in %.1f s: %lld cases, %lld photos (%lld "
                    "files), %lld faces, %lld candidates, %lld reviews, %lld audit entries "
                    "(the snapshot's head: entry %lld, %s); %lld erasures applied again; %s\n"
                    "Start it with: homeward serve --var %s\n", report.snapshot, var,
                    report.seconds, (long long) report.counts.cases,
                    (long long) report.counts.photos, (long long) report.photos,
                    (long long) report.counts.faces, (long long) report.counts.candidates,
                    (long long) report.counts.reviews, (long long) report.counts.audit,
                    (long long) report.audit_head_id, report.audit_head,
                    (long long) report.erasures_applied,
                    report.users >= 0 ? "users restored" : "no users in this snapshot", var);
    }
    sodium_memzero (&secret, sizeof secret);
    if (rc != MT_OK) {
        cli_error ("restore", "%s", err.msg);
        return 1;
    }
    return 0;
}
