//  mti_casedb - what the files of the case store share: the handle and
//  small statement helpers. Internal to libmatch.

#ifndef MTI_CASEDB_H_INCLUDED
#define MTI_CASEDB_H_INCLUDED

#include "results/store/mt_casedb.h"

#include "mti_sql.h"
#include "mti_turn.h"

struct mt_casedb {
    mti_sql_t *db;
    int version;
    int depth;                      //  transactions open (mt_casedb_begin): 0 none
    mti_turns_t *turns;             //  SQLite: the store's writers' turns (mti_turn.h)
    bool has_turn;                  //  this handle's transaction holds one
    //  mt_casedb_open_count's last counts (by kind) and when they were made
    int64_t open_count [2];
    int64_t open_counted_ms [2];
    int wal_pages;                  //  the log's pages at this connection's last commit
};

//  The schema of a new PostgreSQL store, at version MTI_CASEDB_PG_BASE
//  (mt_casedb_pg.c).
extern const char *mti_casedb_pg_schema;
#define MTI_CASEDB_PG_BASE 4

//  The index that scoring reads a found case's pairs by (migration 18,
//  mt_casedb_weigh_index): its name and what it holds.
#define MTI_CASEDB_WEIGH_INDEX "candidates_weigh"
#define MTI_CASEDB_WEIGH_INDEX_ON \
    "candidates (found_case, missing_case, state, evidence, score, families)"

//  Set err from SQLite's last message, prefixed by what; returns code.
int mti_db_fail (mt_casedb_t *self, int code, mt_err_t *err, const char *what);
int mti_db_exec (mt_casedb_t *self, const char *sql, mt_err_t *err);
//  NULL (err set) when the statement does not compile.
mti_sql_stmt_t *mti_db_prepare (mt_casedb_t *self, const char *sql, mt_err_t *err);
//  The time now as ISO 8601 UTC text (at least 21 bytes).
void mti_db_now (char *buf, size_t size);
void mti_db_copy (char *dst, size_t size, const unsigned char *text);
//  Empty text is bound as NULL.
void mti_db_bind_text (mti_sql_stmt_t *stmt, int at, const char *text);
//  Room for row number count in the growing array *rows_p (a pointer to
//  the caller's array pointer) of row_size-byte rows, *size allocated:
//  doubled, from first, when full. MT_ENOMEM (err set) leaves it as it was.
int mti_db_room (void *rows_p, size_t count, size_t *size, size_t row_size, size_t first,
                 mt_err_t *err);
//  The two integer columns of a query's first row; MT_ENOTFOUND with the
//  message none when it has no row.
//  The one number a query gives (a COUNT; ?1 bound to text unless it is
//  NULL), -1 when it cannot be read.
int64_t mti_db_number (mt_casedb_t *self, const char *sql, const char *text);
int mti_db_first (mt_casedb_t *self, const char *sql, int64_t *a, int64_t *b, const char *none,
                  mt_err_t *err);
//  Every row's first column (a photo's sha256) of a bound statement into
//  a new array (*shas_p, caller frees); finalizes stmt.
int mti_db_shas (mti_sql_stmt_t *stmt, char (**shas_p) [65], size_t *count_p, mt_err_t *err);
//  Up to max ids (the rows' first column) of a bound statement into ids,
//  *count_p of them; finalizes stmt. A failed step is MT_EIO naming what.
int mti_db_ids (mt_casedb_t *self, mti_sql_stmt_t *stmt, int64_t *ids, size_t max,
                size_t *count_p, const char *what, mt_err_t *err);
//  A statement (its ?1 an id) run for each of count ids; a failed step
//  is MT_EIO naming what.
int mti_db_each_id (mt_casedb_t *self, const char *sql, const int64_t *ids, size_t count,
                    const char *what, mt_err_t *err);
int mti_this_year (void);
//  Text a person writes (a note, a reason; may be NULL): well-formed UTF-8
//  of at most max_chars characters, else MT_EINVAL naming it (what: a word
//  of the catalog's terms, e.g. "reason").
int mti_text_ok (const char *text, const char *what, size_t max_chars, mt_err_t *err);
//  The cases a filter lets through (cases as c): ?1 station (NULL: any),
//  ?2 kind and ?3 state ('' any), ?4 the search text ('' none), ?5 the
//  case number it names (0 none), ?6 its LIKE pattern. Shared by the list
//  and its count. (PostgreSQL needs ?1's type before IS NULL: the CAST.)
#define MTI_CASES_WHERE \
    " WHERE (CAST (?1 AS TEXT) IS NULL OR c.station = ?1) AND (?2 = '' OR c.kind = ?2)" \
    " AND (?3 = '' OR c.state = ?3) AND (?4 = '' OR c.id = ?5" \
    "  OR LOWER (c.person_name) LIKE ?6 ESCAPE '\\' OR LOWER (c.family_name) LIKE ?6 ESCAPE '\\'" \
    "  OR LOWER (c.external_ref) LIKE ?6 ESCAPE '\\' OR LOWER (c.city) LIKE ?6 ESCAPE '\\'" \
    "  OR LOWER (c.station) LIKE ?6 ESCAPE '\\')"

//  The statements of a case's facts, made from the facts' table
//  (mt_casedb_facts.c): INSERT (kind, created_at, updated_at, then every
//  fact; RETURNING id), GET (a case as mti_case_read reads it; ? the id),
//  UPDATE (updated_at, then the facts staff may correct, then the id),
//  ERASE (the facts erasure clears; ?1 the id), LIST (cases as GET reads
//  them, then their candidates not rejected, of those MTI_CASES_WHERE lets
//  through, newest first; ?7 how many, ?8 from where).
typedef enum {
    MTI_CASE_INSERT,
    MTI_CASE_GET,
    MTI_CASE_FACTS,                 //  GET without its counts (0)
    MTI_CASE_UPDATE,
    MTI_CASE_ERASE,
    MTI_CASE_LIST
} mti_case_statement;
const char *mti_case_sql (mti_case_statement which);
//  How many columns the facts whose flags hold all of want have (a
//  range's two; want 0: every fact).
int mti_case_column_count (unsigned want);
//  Bind the facts whose flags hold all of want (0: every fact), in the
//  table's order, from parameter at; returns the next parameter.
int mti_case_bind_facts (mti_sql_stmt_t *stmt, int at, const mt_case_t *c, unsigned want);
//  A case's row of GET or LIST (what the store keeps of it, its counts,
//  its facts) into c; returns the next column (LIST: its candidates).
int mti_case_read (mti_sql_stmt_t *stmt, mt_case_t *c);

//  A photo flagged for describing again went through the pipeline: give
//  its stored faces their new second descriptors (mt_casedb_reembed.c).
int mti_casedb_reembed_done (mt_casedb_t *self, const mt_photo_row_t *photo,
                             const mt_new_face_t *faces, size_t count, mt_err_t *err);

//  Chain audit entries written before the chain existed (schema 1).
int mti_audit_seal (mt_casedb_t *self, mt_err_t *err);

#endif
