//  mt_test_store - a test's case store on SQLite or PostgreSQL.

#include "mt_test_store.h"

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
