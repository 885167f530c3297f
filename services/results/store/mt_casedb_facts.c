//  mt_casedb_facts - the case facts' statements and columns, made once from
//  the facts' table (mt_case_facts.h): what inserts, reads, corrects and
//  erases a case's facts.

#include "mti_casedb.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    char insert [2048], get [2048], facts [2048], update [2048], erase [1024], list [4096];
} s_sql;
static pthread_once_t s_sql_once = PTHREAD_ONCE_INIT;

//  Append text to what dst (size bytes) holds, cut short rather than past
//  its end (a statement cut short does not compile: the store says so).
static void
s_add (char *dst, size_t size, const char *text)
{
    size_t at = strlen (dst);
    snprintf (dst + at, size - at, "%s", text);
}

//  Append to dst (size bytes) each column of the facts whose flags hold
//  all of want, as "name" + after ("name_min" and "name_max" for a range),
//  separated by ", ".
static void
s_columns (char *dst, size_t size, unsigned want, const char *after)
{
    bool first = true;
    for (size_t i = 0; i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        if ((fact->flags & want) != want)
            continue;
        char column [256];
        const char *sep = first ? "" : ", ";
        if (fact->type == MT_FACT_RANGE)
            snprintf (column, sizeof column, "%s%s_min%s, %s_max%s", sep, fact->name, after,
                      fact->name, after);
        else
            snprintf (column, sizeof column, "%s%s%s", sep, fact->name, after);
        s_add (dst, size, column);
        first = false;
    }
}

//  What GET and LIST read of a case before its facts (mti_case_read);
//  FACTS the same without the counts of its photos and faces (two more
//  lookups, of no use to weighing, which reads fifty cases a case).
#define S_CASE_ID "SELECT c.id, c.kind, c.state, c.closed_reason, c.created_at,"
#define S_CASE_COUNTS " (SELECT COUNT (*) FROM photos p WHERE p.case_id = c.id)," \
    " (SELECT COUNT (*) FROM faces f WHERE f.case_id = c.id AND f.removed = 0),"
#define S_CASE_REST " c.closed_at, c.erased_at, c.erased_level, COALESCE (c.person_group, 0), "
#define S_CASE_HEAD S_CASE_ID S_CASE_COUNTS S_CASE_REST

static void
s_make_sql (void)
{
    int count = mti_case_column_count (0);
    snprintf (s_sql.insert, sizeof s_sql.insert, "INSERT INTO cases (kind, created_at, updated_at, ");
    s_columns (s_sql.insert, sizeof s_sql.insert, 0, "");
    s_add (s_sql.insert, sizeof s_sql.insert, ") VALUES (?, ?, ?");
    for (int i = 0; i < count; i++)
        s_add (s_sql.insert, sizeof s_sql.insert, ", ?");
    s_add (s_sql.insert, sizeof s_sql.insert, ") RETURNING id");

    snprintf (s_sql.get, sizeof s_sql.get, S_CASE_HEAD);
    s_columns (s_sql.get, sizeof s_sql.get, 0, "");
    s_add (s_sql.get, sizeof s_sql.get, " FROM cases c WHERE c.id = ?");

    snprintf (s_sql.facts, sizeof s_sql.facts, S_CASE_ID " 0, 0," S_CASE_REST);
    s_columns (s_sql.facts, sizeof s_sql.facts, 0, "");
    s_add (s_sql.facts, sizeof s_sql.facts, " FROM cases c WHERE c.id = ?");

    snprintf (s_sql.update, sizeof s_sql.update, "UPDATE cases SET updated_at = ?, ");
    s_columns (s_sql.update, sizeof s_sql.update, MT_FACT_CORRECT, " = ?");
    s_add (s_sql.update, sizeof s_sql.update, " WHERE id = ?");

    snprintf (s_sql.list, sizeof s_sql.list, S_CASE_HEAD);
    s_columns (s_sql.list, sizeof s_sql.list, 0, "");
    s_add (s_sql.list, sizeof s_sql.list, ", (SELECT COUNT (*) FROM candidates k"
           " WHERE (k.found_case = c.id OR k.missing_case = c.id) AND k.state != 'rejected')"
           " FROM cases c" MTI_CASES_WHERE " ORDER BY c.id DESC LIMIT ?7 OFFSET ?8");

    snprintf (s_sql.erase, sizeof s_sql.erase, "UPDATE cases SET ");
    s_columns (s_sql.erase, sizeof s_sql.erase, MT_FACT_ERASE, " = NULL");
    s_add (s_sql.erase, sizeof s_sql.erase, " WHERE id = ?1");
}

int
mti_case_column_count (unsigned want)
{
    int count = 0;
    for (size_t i = 0; i < mt_case_facts_count; i++)
        if ((mt_case_facts [i].flags & want) == want)
            count += mt_case_facts [i].type == MT_FACT_RANGE ? 2 : 1;
    return count;
}

const char *
mti_case_sql (mti_case_statement which)
{
    pthread_once (&s_sql_once, s_make_sql);
    switch (which) {
        case MTI_CASE_INSERT: return s_sql.insert;
        case MTI_CASE_GET: return s_sql.get;
        case MTI_CASE_FACTS: return s_sql.facts;
        case MTI_CASE_UPDATE: return s_sql.update;
        case MTI_CASE_LIST: return s_sql.list;
        default: return s_sql.erase;
    }
}

int
mti_case_bind_facts (mti_sql_stmt_t *stmt, int at, const mt_case_t *c, unsigned want)
{
    for (size_t i = 0; i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        if ((fact->flags & want) != want)
            continue;
        switch (fact->type) {
            case MT_FACT_SEX:
                mti_sql_bind_text (stmt, at++, mt_sex_name ((mt_sex) mt_case_fact_int_of (fact,
                                   c, 0)), -1);
                break;
            case MT_FACT_INT:
                mti_sql_bind_int (stmt, at++, mt_case_fact_int_of (fact, c, 0));
                break;
            case MT_FACT_RANGE:
                mti_sql_bind_int (stmt, at++, mt_case_fact_int_of (fact, c, 0));
                mti_sql_bind_int (stmt, at++, mt_case_fact_int_of (fact, c, 1));
                break;
            default:
                mti_db_bind_text (stmt, at++, mt_case_fact_chars_of (fact, c));
                break;
        }
    }
    return at;
}

//  A number column: a column a migration added reads NULL on older rows,
//  which is the fact's "unknown".
static int
s_column_int (mti_sql_stmt_t *stmt, int col, int none)
{
    return mti_sql_column_type (stmt, col) == MTI_SQL_NULL ? none : mti_sql_column_int (stmt, col);
}

static int
s_read_facts (mti_sql_stmt_t *stmt, int col, mt_case_t *c)
{
    for (size_t i = 0; i < mt_case_facts_count; i++) {
        const mt_case_fact_t *fact = &mt_case_facts [i];
        switch (fact->type) {
            case MT_FACT_SEX: {
                int sex = mt_sex_from_name ((const char *) mti_sql_column_text (stmt, col++));
                *(mt_sex *) ((char *) c + fact->offset) = sex < 0 ? MT_SEX_UNKNOWN : (mt_sex) sex;
                break;
            }
            case MT_FACT_INT:
                *mt_case_fact_int (fact, c, 0) = s_column_int (stmt, col++, fact->none);
                break;
            case MT_FACT_RANGE:
                *mt_case_fact_int (fact, c, 0) = s_column_int (stmt, col++, fact->none);
                *mt_case_fact_int (fact, c, 1) = s_column_int (stmt, col++, fact->none);
                break;
            default:
                mti_db_copy (mt_case_fact_chars (fact, c), fact->size,
                             mti_sql_column_text (stmt, col++));
                break;
        }
    }
    return col;
}

int
mti_case_read (mti_sql_stmt_t *stmt, mt_case_t *c)
{
    c->id = mti_sql_column_int64 (stmt, 0);
    c->kind = mt_case_kind_from_name ((const char *) mti_sql_column_text (stmt, 1));
    mti_db_copy (c->state, sizeof c->state, mti_sql_column_text (stmt, 2));
    mti_db_copy (c->closed_reason, sizeof c->closed_reason, mti_sql_column_text (stmt, 3));
    mti_db_copy (c->created_at, sizeof c->created_at, mti_sql_column_text (stmt, 4));
    c->photo_count = mti_sql_column_int (stmt, 5);
    c->face_count = mti_sql_column_int (stmt, 6);
    mti_db_copy (c->closed_at, sizeof c->closed_at, mti_sql_column_text (stmt, 7));
    mti_db_copy (c->erased_at, sizeof c->erased_at, mti_sql_column_text (stmt, 8));
    c->erased_level = mti_sql_column_int (stmt, 9);
    c->person_group = mti_sql_column_int64 (stmt, 10);
    return s_read_facts (stmt, 11, c);
}
