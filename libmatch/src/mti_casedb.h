//  mti_casedb - what the files of the case store share: the handle and
//  small SQLite helpers. Internal to libmatch.

#ifndef MTI_CASEDB_H_INCLUDED
#define MTI_CASEDB_H_INCLUDED

#include "match/mt_casedb.h"

#include <sqlite3.h>

struct mt_casedb {
    sqlite3 *db;
    int version;
};

//  Set err from SQLite's last message, prefixed by what; returns code.
int mti_db_fail (mt_casedb_t *self, int code, mt_err_t *err, const char *what);
int mti_db_exec (mt_casedb_t *self, const char *sql, mt_err_t *err);
//  NULL (err set) when the statement does not compile.
sqlite3_stmt *mti_db_prepare (mt_casedb_t *self, const char *sql, mt_err_t *err);
//  The time now as ISO 8601 UTC text (at least 21 bytes).
void mti_db_now (char *buf, size_t size);
void mti_db_copy (char *dst, size_t size, const unsigned char *text);
//  Empty text is bound as NULL.
void mti_db_bind_text (sqlite3_stmt *stmt, int at, const char *text);
int mti_this_year (void);
//  Bind a case's facts, sex to notes in the columns' order of the cases
//  table (16 values), from parameter at; returns the next parameter.
int mti_case_bind_facts (sqlite3_stmt *stmt, int at, const mt_case_t *c);

//  A photo flagged for describing again went through the pipeline: give
//  its stored faces their new second descriptors (mt_casedb_reembed.c).
int mti_casedb_reembed_done (mt_casedb_t *self, const mt_photo_row_t *photo,
                             const mt_new_face_t *faces, size_t count, mt_err_t *err);

//  Chain audit entries written before the chain existed (schema 1).
int mti_audit_seal (mt_casedb_t *self, mt_err_t *err);

#endif
