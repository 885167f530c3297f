//  mt_case_facts - the one definition of a case's facts. Each row of
//  MT_CASE_FACTS says a fact's name (its SQL column, its JSON key and its
//  CSV column), its type and limit, which kind of case people give it for,
//  what may be done with it, and its CLI flag with the flag's help. From
//  the rows follow mt_case_t's fields (mt_casedb.h), the store's insert,
//  read, correction and erasure statements, a case read from its callers
//  (results/case_fields.c) and shown to them (results/case_view.c: what
//  another station's staff do not see), the CLI's case flags and the
//  import's CSV columns.
//
//  A new fact is one row here and the migration that adds its column
//  (mt_casedb.c; both SQLite and PostgreSQL read the same migration).
//  Its Chinese name, for the messages that name it, is a term of the text
//  catalog (libmatch/base/mt_text_catalog.c). test_casedb checks that
//  every row has its column and its term.

#ifndef MT_CASE_FACTS_H_INCLUDED
#define MT_CASE_FACTS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  What may be done with a fact (the flags column).
#define MT_FACT_CORRECT  1u     //  staff may correct it on an open case
#define MT_FACT_PERSONAL 2u     //  it identifies or reaches people: another station's staff
                                //  do not see it
#define MT_FACT_ERASE    4u     //  erasing a case entirely clears it
#define MT_FACT_LISTED   8u     //  shown in a list of cases

//  The kind of case people give the fact for (the CLI offers its flag
//  there only): 0 both.
#define MT_FACT_BOTH    0
#define MT_FACT_FOUND   1
#define MT_FACT_MISSING 2

//  Types: TEXT (UTF-8, at most `limit` characters), DATE (YYYY-MM-DD), INT,
//  RANGE (two whole numbers, name_min and name_max, given as "N" or
//  "MIN-MAX"; `none` is the value that means unknown), SEX (male, female
//  or unknown).
//
//  X (name, type, limit, none, kind, flags, flag, help, label: in English;
//  in Chinese, the catalog's term for the name), in the order a
//  correction's changes are told (what matching weighs first) and the
//  CLI's help lists them.
#define MT_CASE_FACTS(X) \
    X (sex, SEX, 0, 0, MT_FACT_BOTH, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--sex", "male, female or unknown", \
       "Sex") \
    X (province, INT, 0, 0, MT_FACT_BOTH, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--province", "GB/T 2260 code of the province where found, or of a missing " \
       "person's home province (户籍地; also --home-province), e.g. 44", \
       "Province") \
    X (age, RANGE, 0, -1, MT_FACT_FOUND, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--age", "estimated age now: N or MIN-MAX", \
       "Estimated age") \
    X (birth_year, RANGE, 0, 0, MT_FACT_MISSING, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--birth-year", "YYYY or YYYY-YYYY", \
       "Year of birth") \
    X (date_found, DATE, 10, 0, MT_FACT_FOUND, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--date-found", "YYYY-MM-DD", \
       "Date found") \
    X (date_last_seen, DATE, 10, 0, MT_FACT_MISSING, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--last-seen", "YYYY-MM-DD", \
       "Last seen") \
    X (city, TEXT, 60, 0, MT_FACT_BOTH, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--city", "city or county", \
       "City or county") \
    X (station, TEXT, 120, 0, MT_FACT_FOUND, MT_FACT_CORRECT | MT_FACT_LISTED, \
       "--station", "the relief station", \
       "Relief station") \
    X (person_name, TEXT, 60, 0, MT_FACT_MISSING, \
       MT_FACT_CORRECT | MT_FACT_PERSONAL | MT_FACT_ERASE | MT_FACT_LISTED, \
       "--person-name", "name of the missing person", \
       "Name") \
    X (family_name, TEXT, 60, 0, MT_FACT_MISSING, \
       MT_FACT_CORRECT | MT_FACT_PERSONAL | MT_FACT_ERASE | MT_FACT_LISTED, \
       "--family-name", "who reports", \
       "Reporting family member") \
    X (family_contact, TEXT, 60, 0, MT_FACT_MISSING, \
       MT_FACT_CORRECT | MT_FACT_PERSONAL | MT_FACT_ERASE, \
       "--contact", "how to reach the family", \
       "Contact") \
    X (family_relation, TEXT, 30, 0, MT_FACT_MISSING, \
       MT_FACT_CORRECT | MT_FACT_PERSONAL | MT_FACT_ERASE, \
       "--relation", "relation to the missing person", \
       "Relation") \
    X (features, TEXT, 250, 0, MT_FACT_BOTH, MT_FACT_CORRECT | MT_FACT_ERASE, \
       "--features", "distinguishing features", \
       "Distinguishing features") \
    X (notes, TEXT, 500, 0, MT_FACT_BOTH, MT_FACT_CORRECT | MT_FACT_PERSONAL | MT_FACT_ERASE, \
       "--notes", "anything else", \
       "Notes") \
    X (external_ref, TEXT, 120, 0, MT_FACT_BOTH, \
       MT_FACT_PERSONAL | MT_FACT_ERASE | MT_FACT_LISTED, \
       "--ref", "your own reference for the case (unique)", \
       "Reference") \
    X (purpose, TEXT, 120, 0, MT_FACT_BOTH, MT_FACT_PERSONAL, \
       "--purpose", "why the data is held (default: family reunification)", \
       "Purpose") \
    X (consent_basis, TEXT, 15, 0, MT_FACT_BOTH, MT_FACT_PERSONAL, \
       "--consent", "the basis for holding the data: self, guardian (needed for minors), " \
       "family (missing cases) or vital_interests (found adults who cannot consent)", \
       "Basis for holding the data") \
    X (consent_by, TEXT, 60, 0, MT_FACT_BOTH, MT_FACT_PERSONAL | MT_FACT_ERASE, \
       "--consent-by", "who consented (name, relation or office)", \
       "Consent given by") \
    X (consent_date, DATE, 10, 0, MT_FACT_BOTH, MT_FACT_PERSONAL, \
       "--consent-date", "YYYY-MM-DD (default today)", \
       "Consent date")

//  mt_case_t's field (or fields) for a row.
#define MTI_FACT_FIELD_TEXT(name, limit) char name [(limit) * 4 + 1];
#define MTI_FACT_FIELD_DATE(name, limit) char name [(limit) + 1];
#define MTI_FACT_FIELD_INT(name, limit) int name;
#define MTI_FACT_FIELD_RANGE(name, limit) int name##_min, name##_max;
#define MTI_FACT_FIELD_SEX(name, limit) mt_sex name;
#define MTI_FACT_FIELD(name, type, limit, none, kind, flags, flag, help, label) \
    MTI_FACT_FIELD_##type (name, limit)

typedef enum {
    MT_FACT_TEXT,
    MT_FACT_DATE,
    MT_FACT_INT,
    MT_FACT_RANGE,
    MT_FACT_SEX
} mt_fact_type;

typedef struct {
    const char *name;
    mt_fact_type type;
    int limit;                  //  TEXT, DATE: the most characters
    int none;                   //  INT, RANGE: the value meaning unknown
    int kind;                   //  MT_FACT_BOTH, _FOUND or _MISSING
    unsigned flags;             //  MT_FACT_CORRECT, _PERSONAL, _ERASE
    const char *flag;           //  the CLI's flag
    const char *help;           //  the flag's help
    const char *label;          //  what a form calls it, in English
    size_t offset;              //  in mt_case_t; RANGE: of name_min
    size_t offset_max;          //  RANGE: of name_max
    size_t size;                //  TEXT, DATE: the buffer's bytes
} mt_case_fact_t;

//  The rows, in their order; count of them.
extern const mt_case_fact_t mt_case_facts [];
extern const size_t mt_case_facts_count;

//  The row named name (a RANGE also by name_min and name_max), or NULL.
const mt_case_fact_t *mt_case_fact_find (const char *name);

struct mt_case;

//  A TEXT or DATE fact's buffer in c (size: fact->size).
char *mt_case_fact_chars (const mt_case_fact_t *fact, struct mt_case *c);
const char *mt_case_fact_chars_of (const mt_case_fact_t *fact, const struct mt_case *c);
//  An INT's value, or a RANGE's lower (at 0) or upper (at 1) end.
int *mt_case_fact_int (const mt_case_fact_t *fact, struct mt_case *c, int at);
int mt_case_fact_int_of (const mt_case_fact_t *fact, const struct mt_case *c, int at);
//  Whether c records the fact (text not empty, a number not `none`).
bool mt_case_fact_known (const mt_case_fact_t *fact, const struct mt_case *c);
//  The fact as a person reads it in an audit line ("" when unknown):
//  text as it is, 44, 60-70.
void mt_case_fact_text (const mt_case_fact_t *fact, const struct mt_case *c, char *buf,
                        size_t size);

#ifdef __cplusplus
}
#endif

#endif
