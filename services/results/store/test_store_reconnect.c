//  Self-test of the case store across a PostgreSQL server's restart: the
//  connection is made again, reads and new transactions go on, nothing
//  written before is lost, and a transaction the restart cut is not kept
//  in part. Only on the PostgreSQL run (tests/pg/run.sh);
//  skipped (77) on SQLite, which has no server. It restarts the shared
//  server, so it runs alone (RUN_SERIAL).

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/store/mt_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_restart_server (void)
{
    char *argv [] = { MT_TEST_PG_SERVER, "restart", getenv ("HOMEWARD_TEST_PG_HOST"), NULL };
    char *out = NULL, *err = NULL;
    int status = mt_test_run (argv, NULL, &out, &err);
    if (status != 0)
        fprintf (stderr, "server.sh restart: %s%s\n", out ? out : "", err ? err : "");
    MT_CHECK_INT (status, 0);
    free (out), free (err);
}

static int64_t
s_add (mt_casedb_t *db, int expect)
{
    mt_case_t c = { .kind = MT_KIND_MISSING, .sex = MT_SEX_FEMALE, .province = 11,
                    .date_last_seen = "2019-03-01", .age_min = -1, .age_max = -1,
                    .birth_year_min = 1950, .birth_year_max = 1955 };
    snprintf (c.consent_basis, sizeof c.consent_basis, "family");
    snprintf (c.consent_by, sizeof c.consent_by, "daughter");
    int64_t id = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_case_add (db, &c, "staff", &id, NULL, &err), expect, &err);
    return id;
}

static void
test_restart (void)
{
    char path [512], target [1024];
    snprintf (path, sizeof path, "%s/reconnect.db", mt_test_tmpdir ());
    mt_test_store_new (target, sizeof target, path);
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (target, &db, &err), MT_OK, &err);
    if (!db)
        return;
    int64_t first = s_add (db, MT_OK);
    s_restart_server ();
    //  A read right after: sent again on a new connection.
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (db, first, &c, &err), MT_OK, &err);
    MT_CHECK_INT (c.id, first);
    s_restart_server ();
    //  A write right after: its transaction begins on a new connection.
    int64_t second = s_add (db, MT_OK);
    MT_CHECK (second > first);
    MT_CHECK_RC (mt_casedb_audit (db, "staff", "case.read", "case 1", NULL, &err), MT_OK, &err);
    //  Lost inside a transaction: the rest of it fails rather than run on
    //  its own, its commit fails, nothing of it is kept, and the next
    //  transaction works.
    MT_CHECK_RC (mt_casedb_begin (db, &err), MT_OK, &err);
    int64_t third = s_add (db, MT_OK);
    s_restart_server ();
    s_add (db, MT_EIO);
    MT_CHECK_RC (mt_casedb_commit (db, MT_OK, &err), MT_EIO, &err);
    MT_CHECK_CONTAINS (err.msg, "lost during a transaction");
    MT_CHECK_RC (mt_casedb_case_get (db, third, &c, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (mt_casedb_begin (db, &err), MT_OK, &err);
    int64_t fourth = s_add (db, MT_OK);
    MT_CHECK_RC (mt_casedb_commit (db, MT_OK, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_get (db, fourth, &c, &err), MT_OK, &err);
    mt_audit_check_t check = { 0 };
    MT_CHECK_RC (mt_casedb_audit_verify (db, &check, &err), MT_OK, &err);
    MT_CHECK_INT (check.broken_id, 0);
    MT_CHECK_INT (check.entries, 4);
    mt_casedb_close (&db);
}

int
main (void)
{
    if (!mt_test_store_is_pg ()) {
        fprintf (stderr, "skipped: no PostgreSQL server here (tests/pg/run.sh runs it)\n");
        return 77;
    }
    MT_RUN (test_restart);
    return MT_TEST_MAIN_END ();
}
