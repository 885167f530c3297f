//  mt_test_store - where a test keeps its case store: a SQLite file in its
//  temp folder, or, when tests/pg/run.sh has started a PostgreSQL server
//  (HOMEWARD_TEST_PG_HOST and HOMEWARD_TEST_PG_USER set), a new database
//  of its own on that server. The same tests then pass on both backends.

#ifndef MT_TEST_STORE_H_INCLUDED
#define MT_TEST_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  True when the tests run on PostgreSQL.
bool mt_test_store_is_pg (void);
//  A new, empty store's target into target: sqlite_path as it is, or the
//  URI of a PostgreSQL database created for it (named after sqlite_path's
//  file, the test's process and a count). Fails the test on error.
void mt_test_store_new (char *target, size_t size, const char *sqlite_path);

//  Run sql on the store at target outside Homeward (a test's tampering):
//  0, or -1 with the database's message in why.
int mt_test_store_exec (const char *target, const char *sql, char *why, size_t size);

#endif
