//  mt_test_store - a test's case store on SQLite or PostgreSQL, and cases
//  to put in it.

#include "mt_test_store.h"

#include <jansson.h>

#include "mt_test.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool
mt_test_store_is_pg (void)
{
    const char *host = getenv ("HOMEWARD_TEST_PG_HOST");
    return host && *host;
}

void
mt_test_store_new (char *target, size_t size, const char *sqlite_path)
{
    if (!mt_test_store_is_pg ()) {
        snprintf (target, size, "%s", sqlite_path);
        return;
    }
    const char *host = getenv ("HOMEWARD_TEST_PG_HOST");
    const char *user = getenv ("HOMEWARD_TEST_PG_USER");
    static int s_count;
    char name [64];
    snprintf (name, sizeof name, "hw_%ld_%d", (long) getpid (), ++s_count);
    char admin [1024];
    snprintf (admin, sizeof admin, "postgresql:///postgres?host=%s&user=%s", host,
              user ? user : "");
    PGconn *conn = PQconnectdb (admin);
    char sql [128];
    snprintf (sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *result = PQstatus (conn) == CONNECTION_OK ? PQexec (conn, sql) : NULL;
    if (PQresultStatus (result) != PGRES_COMMAND_OK) {
        fprintf (stderr, "cannot create the test database %s: %s\n", name,
                 PQerrorMessage (conn));
        MT_CHECK (!"a PostgreSQL database for the test");
        exit (1);
    }
    PQclear (result);
    PQfinish (conn);
    snprintf (target, size, "postgresql:///%s?host=%s&user=%s", name, host, user ? user : "");
}

int
mt_test_store_exec (const char *target, const char *sql, char *why, size_t size)
{
    snprintf (why, size, "%s", "");
    int rc = 0;
    if (strncmp (target, "postgresql://", 13) == 0) {
        PGconn *conn = PQconnectdb (target);
        PGresult *result = PQstatus (conn) == CONNECTION_OK ? PQexec (conn, sql) : NULL;
        ExecStatusType status = PQresultStatus (result);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            snprintf (why, size, "%s", PQerrorMessage (conn));
            rc = -1;
        }
        PQclear (result);
        PQfinish (conn);
        return rc;
    }
    sqlite3 *raw = NULL;
    char *message = NULL;
    if (sqlite3_open (target, &raw) != SQLITE_OK
    ||  sqlite3_exec (raw, sql, NULL, NULL, &message) != SQLITE_OK) {
        snprintf (why, size, "%s", message ? message : sqlite3_errmsg (raw));
        rc = -1;
    }
    sqlite3_free (message);
    sqlite3_close (raw);
    return rc;
}

//  The store called name: a file in the temp folder, or a PostgreSQL
//  database made for it the first time (mt_test_store.h).
const char *
mt_test_store_named (const char *name)
{
    static struct { char name [64]; char target [1024]; } s_stores [16];
    size_t at = 0;
    while (at < 16 && s_stores [at].name [0] && strcmp (s_stores [at].name, name) != 0)
        at++;
    if (at == 16)
        return NULL;
    if (!s_stores [at].name [0]) {
        char path [512];
        snprintf (path, sizeof path, "%s/%s", mt_test_tmpdir (), name);
        snprintf (s_stores [at].name, sizeof s_stores [at].name, "%s", name);
        mt_test_store_new (s_stores [at].target, sizeof s_stores [at].target, path);
    }
    return s_stores [at].target;
}

mt_casedb_t *
mt_test_casedb_open (const char *name)
{
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (mt_test_store_named (name), &db, &err), MT_OK, &err);
    return db;
}

mt_case_t
mt_test_found_case (void)
{
    mt_case_t c = { .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
                    .date_found = "2020-05-01", .age_min = 60, .age_max = 70,
                    .birth_year_min = 0 };
    snprintf (c.station, sizeof c.station, "Guangzhou relief station");
    snprintf (c.consent_basis, sizeof c.consent_basis, "vital_interests");
    return c;
}

mt_case_t
mt_test_missing_case (void)
{
    mt_case_t c = { .kind = MT_KIND_MISSING, .sex = MT_SEX_MALE, .province = 44,
                    .date_last_seen = "2019-03-02", .age_min = -1, .age_max = -1,
                    .birth_year_min = 1950, .birth_year_max = 1950 };
    snprintf (c.family_name, sizeof c.family_name, "Li");
    snprintf (c.consent_basis, sizeof c.consent_basis, "family");
    snprintf (c.consent_by, sizeof c.consent_by, "Li Ming (son)");
    return c;
}

char *
mt_test_audit_text (mt_casedb_t *db, int64_t case_id, size_t limit, size_t offset)
{
    mt_audit_row_t *rows = NULL;
    size_t count = 0;
    mt_err_t err;
    if (mt_casedb_audit_list (db, case_id, limit, offset, &rows, &count, &err) != MT_OK)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < count; i++)
        json_array_append_new (list, json_pack ("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?}",
            "id", (json_int_t) rows [i].id, "at", rows [i].at, "actor", rows [i].actor,
            "action", rows [i].action, "object", rows [i].object, "detail", rows [i].detail,
            "hash", rows [i].hash [0] ? rows [i].hash : NULL));
    mt_audit_rows_free (rows, count);
    char *text = json_dumps (list, JSON_COMPACT);
    json_decref (list);
    return text;
}
