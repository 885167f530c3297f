//  mt_test_store - where a test keeps its case store: a SQLite file in its
//  temp folder, or, when tests/pg/run.sh has started a PostgreSQL server
//  (HOMEWARD_TEST_PG_HOST and HOMEWARD_TEST_PG_USER set), a new database
//  of its own on that server. The same tests then pass on both backends.

#ifndef MT_TEST_STORE_H_INCLUDED
#define MT_TEST_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "results/store/mt_casedb.h"

//  True when the tests run on PostgreSQL.
bool mt_test_store_is_pg (void);
//  A new, empty store's target into target: sqlite_path as it is, or the
//  URI of a PostgreSQL database created for it (named after sqlite_path's
//  file, the test's process and a count). Fails the test on error.
void mt_test_store_new (char *target, size_t size, const char *sqlite_path);

//  Run sql on the store at target outside Homeward (a test's tampering):
//  0, or -1 with the database's message in why.
int mt_test_store_exec (const char *target, const char *sql, char *why, size_t size);

//  The store called name (one per name and process, made on first use):
//  its target, for mt_casedb_open. NULL past 16 names.
const char *mt_test_store_named (const char *name);
//  The store called name, opened (fails the test on error).
mt_casedb_t *mt_test_casedb_open (const char *name);
//  A found person's case and a missing person's report (a son's, for his
//  father), valid as they are.
mt_case_t mt_test_found_case (void);
mt_case_t mt_test_missing_case (void);

//  The audit log as the API gives it (mt_casedb_audit_list's entries as a
//  JSON array text, new string; NULL when it cannot be read), for checks
//  on what it says.
char *mt_test_audit_text (mt_casedb_t *db, int64_t case_id, size_t limit, size_t offset);

#endif
