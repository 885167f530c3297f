//  homeward migrate-store - move the case store from SQLite to PostgreSQL
//  (or back), with the service stopped, verified by counts and the audit
//  chain.

#include "cli.h"
#include "base/mt_clock.h"

#include "results/store/mt_casedb.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void
s_progress (const char *table, int64_t rows, void *arg)
{
    (void) arg;
    fprintf (stderr, "migrate-store: %-18s %lld rows\n", table, (long long) rows);
}

//  The two stores hold the same records: every count equal, both audit
//  chains whole and ending in the same entry.
static int
s_verify (mt_casedb_t *from, mt_casedb_t *to, mt_casedb_counts_t *counts,
          mt_audit_check_t *check, mt_err_t *err)
{
    mt_casedb_counts_t other;
    int rc = mt_casedb_counts (from, counts, err);
    if (rc == MT_OK)
        rc = mt_casedb_counts (to, &other, err);
    if (rc == MT_OK && memcmp (counts, &other, sizeof other) != 0)
        return mt_err_set (err, MT_EIO, "the copy's counts differ (cases %lld/%lld, photos "
                           "%lld/%lld, faces %lld/%lld, audit %lld/%lld)",
                           (long long) counts->cases, (long long) other.cases,
                           (long long) counts->photos, (long long) other.photos,
                           (long long) counts->faces, (long long) other.faces,
                           (long long) counts->audit, (long long) other.audit);
    mt_audit_check_t source = { 0 };
    *check = (mt_audit_check_t) { 0 };
    if (rc == MT_OK)
        rc = mt_casedb_audit_verify (from, &source, err);
    if (rc == MT_OK)
        rc = mt_casedb_audit_verify (to, check, err);
    if (rc == MT_OK && source.broken_id)
        return mt_err_set (err, MT_EIO, "the source's audit chain breaks at entry %lld (%s): "
                           "nothing was wrong with the copy, but check the source first",
                           (long long) source.broken_id, source.reason);
    if (rc == MT_OK && (check->broken_id || check->head_id != source.head_id
                        || strcmp (check->head, source.head) != 0))
        return mt_err_set (err, MT_EIO, "the copy's audit chain does not end where the "
                           "source's does (entry %lld, %.16s... against %lld, %.16s...)",
                           (long long) check->head_id, check->head,
                           (long long) source.head_id, source.head);
    return rc;
}

//  The options of homeward migrate-store.
typedef struct {
    char from [1024], to [1024];
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    { "from", MT_CFG_STRING, offsetof (s_settings_t, from), 0,
      sizeof ((s_settings_t *) 0)->from, "the store to copy (its schema is brought up to date)" },
    { "to", MT_CFG_STRING, offsetof (s_settings_t, to), 0, sizeof ((s_settings_t *) 0)->to,
      "the new store (made if not there; must be empty)" },
    { .name = NULL }
};

int
cli_migrate_store (int argc, char **argv)
{
    s_settings_t settings = { .from = "" };
    if (cli_wants_help (argc, argv)) {
        printf ("usage: homeward migrate-store --from STORE --to NEWSTORE\n\n"
                "Copies every record of the case store STORE into NEWSTORE, a new and empty\n"
                "one, with the service stopped: from the embedded SQLite file to PostgreSQL\n"
                "when a province outgrows one machine, or back. Each is a SQLite file (e.g.\n"
                "var/homeward.db) or a PostgreSQL database, postgresql://USER@HOST/NAME (the\n"
                "password in ~/.pgpass). The copy is one transaction: if it fails, NEWSTORE\n"
                "stays empty. Ids are kept. Then it is checked: every table's count the same,\n"
                "and both audit chains whole and ending in the same entry. The photos stay\n"
                "where they are (--photos / VAR/photos).\n\n"
                "Then serve it: homeward serve --var VAR --db NEWSTORE\n"
                "(or homeward results --db NEWSTORE ... when the services run apart).\n\n"
                "Options:\n");
        mt_config_print_help (s_keys, &settings, stdout);
        return 0;
    }
    int count = 0;
    if (cli_load_settings ("migrate-store", s_keys, &settings, argc, argv, &count) != MT_OK)
        return 2;
    const char *from_target = settings.from, *to_target = settings.to;
    if (count != 0 || !*from_target || !*to_target) {
        cli_error ("migrate-store", "give --from STORE and --to NEWSTORE, nothing else (see "
                   "homeward migrate-store --help)");
        return 2;
    }
    if (strcmp (from_target, to_target) == 0) {
        cli_error ("migrate-store", "--from and --to name the same store");
        return 2;
    }
    char from_shown [512], to_shown [512];
    mt_casedb_target_shown (from_target, from_shown, sizeof from_shown);
    mt_casedb_target_shown (to_target, to_shown, sizeof to_shown);
    double start = mt_clock_s ();
    mt_casedb_t *from = NULL, *to = NULL;
    mt_err_t err;
    mt_casedb_counts_t counts = { 0 };
    mt_audit_check_t check = { 0 };
    int rc = mt_casedb_open (from_target, &from, &err);
    if (rc == MT_OK)
        rc = mt_casedb_open (to_target, &to, &err);
    if (rc == MT_OK)
        rc = mt_casedb_copy (from, to, s_progress, NULL, &err);
    if (rc == MT_OK)
        rc = s_verify (from, to, &counts, &check, &err);
    mt_casedb_close (&to);
    mt_casedb_close (&from);
    if (rc != MT_OK) {
        cli_error ("migrate-store", "%s", err.msg);
        return 1;
    }
    printf ("copied %s into %s in %.1f s: %lld cases, %lld photos, %lld faces, %lld "
            "candidates, %lld reviews, %lld audit entries; counts equal, the audit chain "
            "verified to the same head (entry %lld, %s)\n"
            "Serve it with: homeward serve --db '%s' (and the same --var)\n",
            from_shown, to_shown, mt_clock_s () - start, (long long) counts.cases,
            (long long) counts.photos, (long long) counts.faces, (long long) counts.candidates,
            (long long) counts.reviews, (long long) counts.audit, (long long) check.head_id,
            check.head, to_shown);
    return 0;
}
