//  mt_casedb - the case store: schema and migrations, cases, photos, faces,
//  the match queue (candidates and reviews: mt_casedb_review.c; audit:
//  mt_casedb_audit.c; erasure and retention: mt_casedb_privacy.c).

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


//  ---------------------------------------------------------------- schema

//  Migration N brings the schema from version N-1 to N. Append only. A new
//  PostgreSQL store starts at MTI_CASEDB_PG_BASE (mt_casedb_pg.c) and takes
//  the migrations after it, which must read the same on both.
static const char *s_migrations [] = {
    //  1: the first schema
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('found','missing')),"
    "  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','closed')),"
    "  closed_reason TEXT,"
    "  sex TEXT NOT NULL DEFAULT 'unknown' CHECK (sex IN ('male','female','unknown')),"
    "  province INTEGER NOT NULL DEFAULT 0,"
    "  city TEXT, station TEXT, date_found TEXT,"
    "  age_min INTEGER NOT NULL DEFAULT -1, age_max INTEGER NOT NULL DEFAULT -1,"
    "  date_last_seen TEXT,"
    "  birth_year_min INTEGER NOT NULL DEFAULT 0, birth_year_max INTEGER NOT NULL DEFAULT 0,"
    "  person_name TEXT, family_name TEXT, family_contact TEXT, family_relation TEXT,"
    "  features TEXT, notes TEXT,"
    "  external_ref TEXT UNIQUE,"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE photos ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  case_id INTEGER NOT NULL REFERENCES cases (id),"
    "  sha256 TEXT NOT NULL,"
    "  year_taken INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','failed')),"
    "  lease_until INTEGER NOT NULL DEFAULT 0,"
    "  error_code TEXT, error_message TEXT,"
    "  width INTEGER, height INTEGER, format TEXT,"
    "  created_at TEXT NOT NULL, processed_at TEXT,"
    "  UNIQUE (case_id, sha256));"
    "CREATE INDEX photos_pending ON photos (state, id);"
    "CREATE TABLE faces ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  photo_id INTEGER NOT NULL REFERENCES photos (id),"
    "  case_id INTEGER NOT NULL REFERENCES cases (id),"
    "  x INTEGER, y INTEGER, w INTEGER, h INTEGER,"
    "  size_px INTEGER, sharpness REAL, yaw REAL, roll REAL, verdict TEXT,"
    "  embedding BLOB NOT NULL, chip BLOB,"
    "  enrolled INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL);"
    "CREATE INDEX faces_case ON faces (case_id);"
    "CREATE INDEX faces_photo ON faces (photo_id);"
    "CREATE TABLE match_queue ("
    "  case_id INTEGER PRIMARY KEY REFERENCES cases (id), queued_at TEXT NOT NULL,"
    "  generation INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE removal_queue ("
    "  case_id INTEGER PRIMARY KEY REFERENCES cases (id), queued_at TEXT NOT NULL);"
    "CREATE TABLE candidates ("
    "  found_case INTEGER NOT NULL REFERENCES cases (id),"
    "  missing_case INTEGER NOT NULL REFERENCES cases (id),"
    "  score REAL NOT NULL, distance REAL NOT NULL, explanation TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN "
    "    ('pending','rejected','dna_requested','confirmed','reunited')),"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    "  PRIMARY KEY (found_case, missing_case));"
    "CREATE INDEX candidates_missing ON candidates (missing_case);"
    "CREATE TABLE reviews ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  found_case INTEGER NOT NULL, missing_case INTEGER NOT NULL,"
    "  state TEXT NOT NULL, note TEXT, actor TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, object TEXT, detail TEXT);",
    //  2: data protection. Purpose and consent on each case; when a case
    //  was closed and when its photos, faces and vectors were erased;
    //  erasure levels in the removal queue; the audit log hash-chained and
    //  append-only (entries of schema 1 are chained once, at open).
    "ALTER TABLE cases ADD COLUMN purpose TEXT;"
    "ALTER TABLE cases ADD COLUMN consent_basis TEXT;"
    "ALTER TABLE cases ADD COLUMN consent_by TEXT;"
    "ALTER TABLE cases ADD COLUMN consent_date TEXT;"
    "ALTER TABLE cases ADD COLUMN closed_at TEXT;"
    "ALTER TABLE cases ADD COLUMN erased_at TEXT;"
    "ALTER TABLE cases ADD COLUMN erased_level INTEGER NOT NULL DEFAULT 0;"
    "UPDATE cases SET closed_at = updated_at WHERE state = 'closed';"
    "ALTER TABLE removal_queue ADD COLUMN level INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE audit ADD COLUMN prev_hash TEXT;"
    "ALTER TABLE audit ADD COLUMN hash TEXT;"
    "CREATE UNIQUE INDEX audit_chain ON audit (prev_hash);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;",
    //  3: staff corrections and scores among the families searched. A face
    //  excluded from matching (not the person of a group photo, not a
    //  face); a photo removed (uploaded by mistake): its faces leave the
    //  index through the face removal queue and are then deleted; each
    //  candidate pair's evidence, the rivals' and the families searched,
    //  from which its score is computed again when its case's candidates
    //  change.
    "ALTER TABLE faces ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE photos ADD COLUMN removed_at TEXT;"
    "ALTER TABLE photos ADD COLUMN removed_reason TEXT;"
    "CREATE TABLE face_removal_queue ("
    "  face_id INTEGER PRIMARY KEY, erase INTEGER NOT NULL DEFAULT 0, queued_at TEXT NOT NULL);"
    "ALTER TABLE candidates ADD COLUMN evidence REAL;"
    "ALTER TABLE candidates ADD COLUMN rivals REAL;"
    "ALTER TABLE candidates ADD COLUMN families INTEGER;"
    "CREATE INDEX candidates_score ON candidates (state, score);"
    "CREATE INDEX photos_removed ON photos (removed_at) WHERE removed_at IS NOT NULL;",
    //  4: a second descriptor (MobileFaceNet) beside dlib's, each with the
    //  version that made it; photos queued to be described again when the
    //  second descriptor is new or changed (mt_casedb_reembed.c).
    "ALTER TABLE faces ADD COLUMN descriptor TEXT NOT NULL DEFAULT 'dlib-resnet-1';"
    "ALTER TABLE faces ADD COLUMN embedding2 BLOB;"
    "ALTER TABLE faces ADD COLUMN descriptor2 TEXT;"
    "ALTER TABLE photos ADD COLUMN reembed INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX photos_reembed ON photos (id) WHERE reembed = 1;",
    //  5: counts from indexes, not table scans: the open cases of each
    //  kind (the families searched, with every found case's scores: 25 ms
    //  a case at 100k on PostgreSQL) and the stats' counts of cases and
    //  faces (at a million faces, with their embeddings and chips, each
    //  stats call read the whole faces table twice: seconds, every 5 s).
    //  From here on each migration is written for both SQLite and
    //  PostgreSQL.
    ("CREATE INDEX cases_state_kind ON cases (state, kind);"
     "CREATE INDEX faces_removed_enrolled ON faces (removed, enrolled);"),
    //  6: the cross-match's progress (mt_casedb_crossmatch.c): one row,
    //  so that a stopped service resumes it where it was.
    ("CREATE TABLE crossmatch ("
     "  id INTEGER PRIMARY KEY CHECK (id = 1),"
     "  state TEXT NOT NULL, kind TEXT NOT NULL, after_case BIGINT NOT NULL,"
     "  cases_done BIGINT NOT NULL, faces_done BIGINT NOT NULL, cases_total BIGINT NOT NULL,"
     "  started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);")
};
#define S_MIGRATIONS ((int) (sizeof s_migrations / sizeof s_migrations [0]))

int
mti_db_fail (mt_casedb_t *self, int code, mt_err_t *err, const char *what)
{
    //  A full disk is told as such: callers back off and health says so.
    if (mti_sql_full (self->db))
        code = MT_ENOSPACE;
    return mt_err_set (err, code, "%s: %s", what, mti_sql_errmsg (self->db));
}

int
mti_db_exec (mt_casedb_t *self, const char *sql, mt_err_t *err)
{
    return mti_sql_exec (self->db, sql, err);
}

mti_sql_stmt_t *
mti_db_prepare (mt_casedb_t *self, const char *sql, mt_err_t *err)
{
    return mti_sql_prepare (self->db, sql, err);
}

void
mti_db_now (char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
mti_db_copy (char *dst, size_t size, const unsigned char *text)
{
    snprintf (dst, size, "%s", text ? (const char *) text : "");
}

void
mti_db_bind_text (mti_sql_stmt_t *stmt, int at, const char *text)
{
    if (text && *text)
        mti_sql_bind_text (stmt, at, text, -1);
    else
        mti_sql_bind_null (stmt, at);
}

//  One step of migration in one transaction. A new PostgreSQL store takes
//  the whole schema of its base version at once (mt_casedb_pg.c).
static int
s_migrate (mt_casedb_t *self, mt_err_t *err)
{
    bool pg = mti_sql_is_pg (self->db);
    int to = pg && self->version == 0 ? MTI_CASEDB_PG_BASE : self->version + 1;
    int rc = mti_db_exec (self, "BEGIN IMMEDIATE", err);
    //  Another process may have migrated while this one waited for the lock.
    mti_sql_stmt_t *stmt = rc == MT_OK
        ? mti_db_prepare (self, "SELECT COALESCE (MAX (version), 0) FROM schema_migrations", err)
        : NULL;
    int now_at = stmt && mti_sql_step (stmt) == MTI_SQL_ROW ? mti_sql_column_int (stmt, 0) : -1;
    mti_sql_finalize (stmt);
    if (rc == MT_OK && now_at != self->version) {
        mti_db_exec (self, "ROLLBACK", NULL);
        if (now_at < 0)
            return mti_db_fail (self, MT_EIO, err, "read the schema version");
        self->version = now_at;
        return MT_OK;
    }
    if (rc == MT_OK)
        rc = mti_db_exec (self, pg && self->version == 0 ? mti_casedb_pg_schema
                                                        : s_migrations [self->version], err);
    char now [32], sql [128];
    mti_db_now (now, sizeof now);
    for (int version = self->version + 1; rc == MT_OK && version <= to; version++) {
        snprintf (sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, '%s')",
                  version, now);
        rc = mti_db_exec (self, sql, err);
    }
    if (rc == MT_OK)
        rc = mti_db_exec (self, "COMMIT", err);
    else
        mti_db_exec (self, "ROLLBACK", NULL);
    if (rc == MT_OK)
        self->version = to;
    return rc;
}

int
mt_casedb_open (const char *path, mt_casedb_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    mt_casedb_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = mti_sql_open (path, &self->db, err);
    //  secure_delete: erased photos' faces and embeddings are overwritten
    //  in the file, not left in free pages.
    if (rc == MT_OK && !mti_sql_is_pg (self->db))
        rc = mti_db_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;", err);
    if (rc == MT_OK)
        rc = mti_db_exec (self, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)", err);
    mti_sql_stmt_t *stmt = rc == MT_OK
        ? mti_db_prepare (self, "SELECT COALESCE (MAX (version), 0) FROM schema_migrations", err)
        : NULL;
    if (stmt && mti_sql_step (stmt) == MTI_SQL_ROW)
        self->version = mti_sql_column_int (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc == MT_OK && self->version > S_MIGRATIONS)
    {
        char shown [512];
        mt_casedb_target_shown (path, shown, sizeof shown);
        rc = mt_err_set (err, MT_EINVAL, "database %s has schema %d, newer than this program's "
                         "%d: upgrade Homeward", shown, self->version, S_MIGRATIONS);
    }
    while (rc == MT_OK && self->version < S_MIGRATIONS)
        rc = s_migrate (self, err);
    if (rc == MT_OK)
        rc = mti_audit_seal (self, err);
    if (rc != MT_OK) {
        mt_casedb_close (&self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
mt_casedb_close (mt_casedb_t **self_p)
{
    if (self_p && *self_p) {
        mti_sql_close (&(*self_p)->db);
        free (*self_p);
        *self_p = NULL;
    }
}

int
mt_casedb_begin (mt_casedb_t *self, mt_err_t *err)
{
    return mti_db_exec (self, "BEGIN IMMEDIATE", err);
}

int
mt_casedb_commit (mt_casedb_t *self, int rc, mt_err_t *err)
{
    if (rc == MT_OK)
        return mti_db_exec (self, "COMMIT", err);
    mti_db_exec (self, "ROLLBACK", NULL);
    return rc;
}

int
mt_casedb_schema_version (mt_casedb_t *self)
{
    return self->version;
}

//  ---------------------------------------------------------------- names

const char *
mt_case_kind_name (mt_case_kind kind)
{
    return kind == MT_KIND_FOUND ? "found" : kind == MT_KIND_MISSING ? "missing" : "unknown";
}

int
mt_case_kind_from_name (const char *name)
{
    if (name && strcmp (name, "found") == 0)
        return MT_KIND_FOUND;
    if (name && strcmp (name, "missing") == 0)
        return MT_KIND_MISSING;
    return 0;
}

const char *
mt_sex_name (mt_sex sex)
{
    return sex == MT_SEX_MALE ? "male" : sex == MT_SEX_FEMALE ? "female" : "unknown";
}

int
mt_sex_from_name (const char *name)
{
    if (!name || strcmp (name, "unknown") == 0 || !*name)
        return MT_SEX_UNKNOWN;
    if (strcmp (name, "male") == 0)
        return MT_SEX_MALE;
    if (strcmp (name, "female") == 0)
        return MT_SEX_FEMALE;
    return -1;
}

//  ---------------------------------------------------------------- validation

//  Province-level codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macau).
static bool
s_province_ok (int code)
{
    static const int codes [] = { 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
                                  41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
                                  65, 71, 81, 82 };
    if (code == 0)
        return true;
    for (size_t i = 0; i < sizeof codes / sizeof codes [0]; i++)
        if (codes [i] == code)
            return true;
    return false;
}

int
mti_this_year (void)
{
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    return tm.tm_year + 1900;
}

//  YYYY-MM-DD, a real day, not in the future, from 1900.
static int
s_check_date (const char *field, const char *text, mt_err_t *err)
{
    if (!text || !*text)
        return MT_OK;
    int y, m, d;
    char extra;
    if (strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is not a date (YYYY-MM-DD)", field, text);
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
    time_t t = timegm (&tm);
    struct tm back;
    gmtime_r (&t, &back);
    if (y < 1900 || back.tm_year != y - 1900 || back.tm_mon != m - 1 || back.tm_mday != d)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is not a real day", field, text);
    if (t > time (NULL) + 86400)
        return mt_err_set (err, MT_EINVAL, "%s '%s' is in the future", field, text);
    return MT_OK;
}

const char *const mt_consent_bases [] = { "self", "guardian", "family", "vital_interests",
                                          NULL };

bool
mt_case_may_be_minor (const mt_case_t *c)
{
    if (c->kind == MT_KIND_FOUND)
        return c->age_min >= 0 && c->age_min < 18;
    return c->birth_year_max > 0 && mti_this_year () - c->birth_year_max < 18;
}

//  Faces of vulnerable people are held only with a recorded basis: who
//  consented, or that the person cannot and is helped in their vital
//  interests; a child only with a guardian's consent.
static int
s_check_consent (const mt_case_t *c, mt_err_t *err)
{
    const char *basis = c->consent_basis;
    bool known = false;
    for (int i = 0; mt_consent_bases [i] && !known; i++)
        known = strcmp (basis, mt_consent_bases [i]) == 0;
    if (!*basis)
        return mt_err_set (err, MT_EINVAL, "record the consent for this case: consent_basis "
                           "self, guardian, family or vital_interests, and consent_by (who)");
    if (!known)
        return mt_err_set (err, MT_EINVAL, "consent_basis '%s' is not one of self, guardian, "
                           "family, vital_interests", basis);
    if (mt_case_may_be_minor (c) && strcmp (basis, "guardian") != 0)
        return mt_err_set (err, MT_EINVAL, "the person may be a minor: a parent's or guardian's "
                           "consent is needed (consent_basis guardian; for a child in a relief "
                           "station, the station as temporary guardian)");
    if (c->kind == MT_KIND_MISSING && (strcmp (basis, "self") == 0
                                       || strcmp (basis, "vital_interests") == 0))
        return mt_err_set (err, MT_EINVAL, "a missing person's report is held with the consent "
                           "of the family or guardian who files it (consent_basis family or "
                           "guardian)");
    if (c->kind == MT_KIND_FOUND && strcmp (basis, "family") == 0)
        return mt_err_set (err, MT_EINVAL, "a found person's family is not known yet: "
                           "consent_basis self, guardian or vital_interests");
    if (strcmp (basis, "vital_interests") != 0 && !c->consent_by [0])
        return mt_err_set (err, MT_EINVAL, "consent_by: say who gave the consent");
    return s_check_date ("consent date", c->consent_date, err);
}

int
mt_case_validate (const mt_case_t *c, mt_err_t *err)
{
    if (c->kind != MT_KIND_FOUND && c->kind != MT_KIND_MISSING)
        return mt_err_set (err, MT_EINVAL, "kind must be found or missing");
    if (c->sex < MT_SEX_UNKNOWN || c->sex > MT_SEX_FEMALE)
        return mt_err_set (err, MT_EINVAL, "sex must be male, female or unknown");
    if (!s_province_ok (c->province))
        return mt_err_set (err, MT_EINVAL, "province %d is not a GB/T 2260 province code "
                           "(11 Beijing ... 65 Xinjiang, 71, 81, 82)", c->province);
    int rc = s_check_date ("date found", c->date_found, err);
    if (rc == MT_OK)
        rc = s_check_date ("date last seen", c->date_last_seen, err);
    if (rc != MT_OK)
        return rc;
    if ((c->age_min >= 0 || c->age_max >= 0)
    &&  (c->age_min < 0 || c->age_max < c->age_min || c->age_max > 120))
        return mt_err_set (err, MT_EINVAL, "estimated age %d-%d: give MIN-MAX within 0-120",
                           c->age_min, c->age_max);
    int year = mti_this_year ();
    if ((c->birth_year_min || c->birth_year_max)
    &&  (c->birth_year_min < 1900 || c->birth_year_max < c->birth_year_min
         || c->birth_year_max > year))
        return mt_err_set (err, MT_EINVAL, "birth year %d-%d: give a year or a range between "
                           "1900 and %d", c->birth_year_min, c->birth_year_max, year);
    if (c->kind == MT_KIND_FOUND && (c->date_last_seen [0] || c->birth_year_min))
        return mt_err_set (err, MT_EINVAL, "a found case has a date found and an estimated "
                           "age, not a last-seen date or birth year");
    if (c->kind == MT_KIND_MISSING && (c->date_found [0] || c->age_min >= 0))
        return mt_err_set (err, MT_EINVAL, "a missing case has a last-seen date and a birth "
                           "year, not a date found or an estimated age");
    return s_check_consent (c, err);
}

//  ---------------------------------------------------------------- cases

int
mti_case_bind_facts (mti_sql_stmt_t *stmt, int at, const mt_case_t *c)
{
    mti_sql_bind_text (stmt, at, mt_sex_name (c->sex), -1);
    mti_sql_bind_int (stmt, at + 1, c->province);
    mti_db_bind_text (stmt, at + 2, c->city);
    mti_db_bind_text (stmt, at + 3, c->station);
    mti_db_bind_text (stmt, at + 4, c->date_found);
    mti_sql_bind_int (stmt, at + 5, c->age_min);
    mti_sql_bind_int (stmt, at + 6, c->age_max);
    mti_db_bind_text (stmt, at + 7, c->date_last_seen);
    mti_sql_bind_int (stmt, at + 8, c->birth_year_min);
    mti_sql_bind_int (stmt, at + 9, c->birth_year_max);
    mti_db_bind_text (stmt, at + 10, c->person_name);
    mti_db_bind_text (stmt, at + 11, c->family_name);
    mti_db_bind_text (stmt, at + 12, c->family_contact);
    mti_db_bind_text (stmt, at + 13, c->family_relation);
    mti_db_bind_text (stmt, at + 14, c->features);
    mti_db_bind_text (stmt, at + 15, c->notes);
    return at + 16;
}

int
mt_casedb_case_add (mt_casedb_t *self, const mt_case_t *c, const char *actor, int64_t *id_p,
                    bool *existed_p, mt_err_t *err)
{
    *id_p = 0;
    if (existed_p)
        *existed_p = false;
    int rc = mt_case_validate (c, err);
    if (rc != MT_OK)
        return rc;
    if (c->external_ref [0]) {
        mti_sql_stmt_t *find = mti_db_prepare (self, "SELECT id FROM cases"
                                                     " WHERE external_ref = ?", err);
        if (!find)
            return MT_EINTERNAL;
        mti_sql_bind_text (find, 1, c->external_ref, -1);
        if (mti_sql_step (find) == MTI_SQL_ROW) {
            *id_p = mti_sql_column_int64 (find, 0);
            if (existed_p)
                *existed_p = true;
        }
        mti_sql_finalize (find);
        if (*id_p)
            return MT_OK;
    }
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "INSERT INTO cases (kind, sex, province, city, station, date_found, age_min, age_max,"
        " date_last_seen, birth_year_min, birth_year_max, person_name, family_name,"
        " family_contact, family_relation, features, notes, external_ref, created_at,"
        " updated_at, purpose, consent_basis, consent_by, consent_date)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_text (stmt, 1, mt_case_kind_name (c->kind), -1);
    mti_case_bind_facts (stmt, 2, c);
    mti_db_bind_text (stmt, 18, c->external_ref);
    mti_sql_bind_text (stmt, 19, now, -1);
    mti_sql_bind_text (stmt, 20, now, -1);
    mti_sql_bind_text (stmt, 21, c->purpose [0] ? c->purpose : "family reunification", -1);
    mti_db_bind_text (stmt, 22, c->consent_basis);
    mti_db_bind_text (stmt, 23, c->consent_by);
    char today [11];
    snprintf (today, sizeof today, "%.10s", now);
    mti_sql_bind_text (stmt, 24, c->consent_date [0] ? c->consent_date : today, -1);
    rc = mti_sql_step (stmt) == MTI_SQL_ROW ? MT_OK : mti_db_fail (self, MT_EIO, err, "add case");
    if (rc == MT_OK)
        *id_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc != MT_OK)
        return rc;
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) *id_p);
    return mt_casedb_audit (self, actor, "case.add", object, mt_case_kind_name (c->kind), err);
}

int
mt_casedb_case_get (mt_casedb_t *self, int64_t id, mt_case_t *c, mt_err_t *err)
{
    memset (c, 0, sizeof *c);
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT id, kind, state, closed_reason, sex, province, city, station, date_found,"
        " age_min, age_max, date_last_seen, birth_year_min, birth_year_max, person_name,"
        " family_name, family_contact, family_relation, features, notes, external_ref,"
        " created_at,"
        " (SELECT COUNT (*) FROM photos WHERE case_id = cases.id),"
        " (SELECT COUNT (*) FROM faces WHERE case_id = cases.id AND removed = 0),"
        " purpose, consent_basis, consent_by, consent_date, closed_at, erased_at, erased_level"
        " FROM cases WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) != MTI_SQL_ROW)
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no case %lld", (long long) id);
    else {
        c->id = mti_sql_column_int64 (stmt, 0);
        c->kind = mt_case_kind_from_name ((const char *) mti_sql_column_text (stmt, 1));
        mti_db_copy (c->state, sizeof c->state, mti_sql_column_text (stmt, 2));
        mti_db_copy (c->closed_reason, sizeof c->closed_reason, mti_sql_column_text (stmt, 3));
        int sex = mt_sex_from_name ((const char *) mti_sql_column_text (stmt, 4));
        c->sex = sex < 0 ? MT_SEX_UNKNOWN : (mt_sex) sex;
        c->province = mti_sql_column_int (stmt, 5);
        mti_db_copy (c->city, sizeof c->city, mti_sql_column_text (stmt, 6));
        mti_db_copy (c->station, sizeof c->station, mti_sql_column_text (stmt, 7));
        mti_db_copy (c->date_found, sizeof c->date_found, mti_sql_column_text (stmt, 8));
        c->age_min = mti_sql_column_int (stmt, 9);
        c->age_max = mti_sql_column_int (stmt, 10);
        mti_db_copy (c->date_last_seen, sizeof c->date_last_seen, mti_sql_column_text (stmt, 11));
        c->birth_year_min = mti_sql_column_int (stmt, 12);
        c->birth_year_max = mti_sql_column_int (stmt, 13);
        mti_db_copy (c->person_name, sizeof c->person_name, mti_sql_column_text (stmt, 14));
        mti_db_copy (c->family_name, sizeof c->family_name, mti_sql_column_text (stmt, 15));
        mti_db_copy (c->family_contact, sizeof c->family_contact, mti_sql_column_text (stmt, 16));
        mti_db_copy (c->family_relation, sizeof c->family_relation, mti_sql_column_text (stmt, 17));
        mti_db_copy (c->features, sizeof c->features, mti_sql_column_text (stmt, 18));
        mti_db_copy (c->notes, sizeof c->notes, mti_sql_column_text (stmt, 19));
        mti_db_copy (c->external_ref, sizeof c->external_ref, mti_sql_column_text (stmt, 20));
        mti_db_copy (c->created_at, sizeof c->created_at, mti_sql_column_text (stmt, 21));
        c->photo_count = mti_sql_column_int (stmt, 22);
        c->face_count = mti_sql_column_int (stmt, 23);
        mti_db_copy (c->purpose, sizeof c->purpose, mti_sql_column_text (stmt, 24));
        mti_db_copy (c->consent_basis, sizeof c->consent_basis, mti_sql_column_text (stmt, 25));
        mti_db_copy (c->consent_by, sizeof c->consent_by, mti_sql_column_text (stmt, 26));
        mti_db_copy (c->consent_date, sizeof c->consent_date, mti_sql_column_text (stmt, 27));
        mti_db_copy (c->closed_at, sizeof c->closed_at, mti_sql_column_text (stmt, 28));
        mti_db_copy (c->erased_at, sizeof c->erased_at, mti_sql_column_text (stmt, 29));
        c->erased_level = mti_sql_column_int (stmt, 30);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_cases_json (mt_casedb_t *self, const char *station, int kind, size_t limit,
                      size_t offset, char **json_p, mt_err_t *err)
{
    *json_p = NULL;
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT c.id, c.kind, c.state, c.sex, c.province, c.station, c.date_found,"
        " c.date_last_seen, c.family_name, c.created_at,"
        " (SELECT COUNT (*) FROM photos p WHERE p.case_id = c.id),"
        " (SELECT COUNT (*) FROM candidates k WHERE (k.found_case = c.id OR k.missing_case = c.id)"
        "  AND k.state != 'rejected')"
        " FROM cases c WHERE (?1 IS NULL OR c.station = ?1) AND (?2 = '' OR c.kind = ?2)"
        " ORDER BY c.id DESC LIMIT ?3 OFFSET ?4", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_db_bind_text (stmt, 1, station);
    mti_sql_bind_text (stmt, 2, kind ? mt_case_kind_name ((mt_case_kind) kind) : "", -1);
    mti_sql_bind_int64 (stmt, 3, (int64_t) limit);
    mti_sql_bind_int64 (stmt, 4, (int64_t) offset);
    json_t *list = json_array ();
    while (mti_sql_step (stmt) == MTI_SQL_ROW)
        json_array_append_new (list, json_pack (
            "{s:I, s:s, s:s, s:s, s:i, s:s?, s:s?, s:s?, s:s?, s:s, s:i, s:i}",
            "case_id", (json_int_t) mti_sql_column_int64 (stmt, 0),
            "kind", (const char *) mti_sql_column_text (stmt, 1),
            "state", (const char *) mti_sql_column_text (stmt, 2),
            "sex", (const char *) mti_sql_column_text (stmt, 3),
            "province", mti_sql_column_int (stmt, 4),
            "station", (const char *) mti_sql_column_text (stmt, 5),
            "date_found", (const char *) mti_sql_column_text (stmt, 6),
            "date_last_seen", (const char *) mti_sql_column_text (stmt, 7),
            "family_name", (const char *) mti_sql_column_text (stmt, 8),
            "created_at", (const char *) mti_sql_column_text (stmt, 9),
            "photos", mti_sql_column_int (stmt, 10),
            "candidates", mti_sql_column_int (stmt, 11)));
    mti_sql_finalize (stmt);
    *json_p = json_dumps (list, JSON_COMPACT);
    json_decref (list);
    return *json_p ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
}

int
mt_casedb_face_case (mt_casedb_t *self, int64_t face_id, int64_t *case_id_p, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT case_id FROM faces WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        *case_id_p = mti_sql_column_int64 (stmt, 0);
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no face %lld", (long long) face_id);
    mti_sql_finalize (stmt);
    return rc;
}

bool
mt_casedb_candidate_of_station (mt_casedb_t *self, int64_t case_id, const char *station)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "SELECT 1 FROM candidates k JOIN cases c ON c.id IN (k.found_case, k.missing_case)"
        " WHERE (k.found_case = ?1 OR k.missing_case = ?1) AND c.id != ?1 AND c.station = ?2"
        " AND k.state != 'rejected' LIMIT 1", NULL);
    bool yes = false;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_text (stmt, 2, station ? station : "", -1);
        yes = mti_sql_step (stmt) == MTI_SQL_ROW;
    }
    mti_sql_finalize (stmt);
    return yes;
}

int
mt_casedb_case_close (mt_casedb_t *self, int64_t id, const char *reason, const char *actor,
                      mt_err_t *err)
{
    mt_case_t c;
    int rc = mt_casedb_case_get (self, id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (!reason || !*reason)
        return mt_err_set (err, MT_EINVAL, "closing a case needs a reason");
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE cases SET state = 'closed', closed_reason = ?1,"
        " updated_at = ?2, closed_at = COALESCE (closed_at, ?2) WHERE id = ?3", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_text (stmt, 1, reason, -1);
    mti_sql_bind_text (stmt, 2, now, -1);
    mti_sql_bind_int64 (stmt, 3, id);
    rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK
                                             : mti_db_fail (self, MT_EIO, err, "close case");
    mti_sql_finalize (stmt);
    //  A closed case leaves the index: its faces are removed from every
    //  shard by the matcher (the rows stay, flagged removed).
    stmt = rc == MT_OK ? mti_db_prepare (self, "INSERT INTO removal_queue (case_id, queued_at)"
                                               " VALUES (?, ?) ON CONFLICT DO NOTHING", err)
                       : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, id);
        mti_sql_bind_text (stmt, 2, now, -1);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "queue removal");
        mti_sql_finalize (stmt);
    }
    char object [32];
    snprintf (object, sizeof object, "case %lld", (long long) id);
    if (rc == MT_OK)
        rc = mt_casedb_audit (self, actor, "case.close", object, reason, err);
    return rc;
}

//  ---------------------------------------------------------------- photos

int
mt_casedb_photo_add (mt_casedb_t *self, int64_t case_id, const char *sha256, size_t bytes,
                     int year_taken, const char *actor, int64_t *photo_id_p, bool *existed_p,
                     mt_err_t *err)
{
    *photo_id_p = 0;
    if (existed_p)
        *existed_p = false;
    mt_case_t c;
    int rc = mt_casedb_case_get (self, case_id, &c, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (c.state, "open") != 0)
        return mt_err_set (err, MT_EINVAL, "case %lld is closed (%s): it takes no photos",
                           (long long) case_id, c.closed_reason);
    if (year_taken && (year_taken < 1900 || year_taken > mti_this_year ()))
        return mt_err_set (err, MT_EINVAL, "year taken %d is not between 1900 and %d",
                           year_taken, mti_this_year ());
    if (!sha256 || strlen (sha256) != 64)
        return mt_err_set (err, MT_EINVAL, "a photo needs its sha256");
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT id, removed_at FROM photos"
                                           " WHERE case_id = ? AND sha256 = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, sha256, -1);
    bool was_removed = false;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        *photo_id_p = mti_sql_column_int64 (stmt, 0);
        was_removed = mti_sql_column_type (stmt, 1) != MTI_SQL_NULL;
        if (existed_p)
            *existed_p = !was_removed;
    }
    mti_sql_finalize (stmt);
    if (*photo_id_p && !was_removed)
        return MT_OK;
    if (*photo_id_p) {
        //  Removed earlier and sent again: it comes back, to be processed anew.
        stmt = mti_db_prepare (self, "UPDATE photos SET removed_at = NULL, removed_reason = NULL,"
                               " state = 'pending', lease_until = 0, year_taken = ? WHERE id = ?",
                               err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int (stmt, 1, year_taken);
        mti_sql_bind_int64 (stmt, 2, *photo_id_p);
        rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
        mti_sql_finalize (stmt);
        char object [64];
        snprintf (object, sizeof object, "case %lld photo %lld", (long long) case_id,
                  (long long) *photo_id_p);
        return rc == MT_OK ? mt_casedb_audit (self, actor, "photo.add", object, sha256, err) : rc;
    }
    stmt = mti_db_prepare (self, "INSERT INTO photos (case_id, sha256, year_taken, bytes,"
                                 " created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, sha256, -1);
    mti_sql_bind_int (stmt, 3, year_taken);
    mti_sql_bind_int64 (stmt, 4, (int64_t) bytes);
    mti_sql_bind_text (stmt, 5, now, -1);
    rc = mti_sql_step (stmt) == MTI_SQL_ROW ? MT_OK : mti_db_fail (self, MT_EIO, err, "add photo");
    if (rc == MT_OK)
        *photo_id_p = mti_sql_column_int64 (stmt, 0);
    mti_sql_finalize (stmt);
    if (rc != MT_OK)
        return rc;
    char object [64];
    snprintf (object, sizeof object, "case %lld photo %lld", (long long) case_id,
              (long long) *photo_id_p);
    return mt_casedb_audit (self, actor, "photo.add", object, sha256, err);
}

static void
s_photo_row (mti_sql_stmt_t *stmt, mt_photo_row_t *row)
{
    memset (row, 0, sizeof *row);
    row->id = mti_sql_column_int64 (stmt, 0);
    row->case_id = mti_sql_column_int64 (stmt, 1);
    mti_db_copy (row->sha256, sizeof row->sha256, mti_sql_column_text (stmt, 2));
    row->year_taken = mti_sql_column_int (stmt, 3);
    mti_db_copy (row->state, sizeof row->state, mti_sql_column_text (stmt, 4));
    mti_db_copy (row->error, sizeof row->error, mti_sql_column_text (stmt, 5));
    row->face_count = mti_sql_column_int (stmt, 6);
    row->removed = mti_sql_column_type (stmt, 7) != MTI_SQL_NULL;
    mti_db_copy (row->removed_reason, sizeof row->removed_reason, mti_sql_column_text (stmt, 8));
    row->reembed = mti_sql_column_int (stmt, 9) != 0;
}

#define S_PHOTO_COLUMNS "id, case_id, sha256, year_taken, state, error_message," \
    " (SELECT COUNT (*) FROM faces WHERE photo_id = photos.id AND removed = 0)," \
    " removed_at, removed_reason, reembed"

int
mt_casedb_photo_get (mt_casedb_t *self, int64_t photo_id, mt_photo_row_t *row, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_PHOTO_COLUMNS
                                                 " FROM photos WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, photo_id);
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW)
        s_photo_row (stmt, row);
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "there is no photo %lld", (long long) photo_id);
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_photos_of_case (mt_casedb_t *self, int64_t case_id, mt_photo_row_t **rows_p,
                          size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT " S_PHOTO_COLUMNS " FROM photos"
                                          " WHERE case_id = ? ORDER BY id", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    size_t size = 0;
    int rc = MT_OK;
    while (mti_sql_step (stmt) == MTI_SQL_ROW) {
        if (*count_p == size) {
            size = size ? size * 2 : 8;
            mt_photo_row_t *rows = realloc (*rows_p, size * sizeof *rows);
            if (!rows) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            *rows_p = rows;
        }
        s_photo_row (stmt, &(*rows_p) [(*count_p)++]);
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_photo_claim (mt_casedb_t *self, int lease_s, mt_photo_row_t *row, mt_err_t *err)
{
    //  New photos first; then one to describe again, if any (each query
    //  runs on its own index: state || '' keeps SQLite off photos_pending
    //  for the second, where it walked every done photo, 0.2 s a claim at
    //  a million, and the intake's polling kept the service from answering).
    static const char *const sql [2] = {
        "UPDATE photos SET lease_until = ? WHERE id = (SELECT id FROM photos"
        " WHERE state = 'pending' AND removed_at IS NULL AND lease_until < ? ORDER BY id LIMIT 1)"
        " RETURNING " S_PHOTO_COLUMNS,
        "UPDATE photos SET lease_until = ? WHERE id = (SELECT id FROM photos"
        " WHERE reembed = 1 AND state || '' = 'done' AND removed_at IS NULL AND lease_until < ?"
        " ORDER BY id LIMIT 1) RETURNING " S_PHOTO_COLUMNS
    };
    int64_t now = (int64_t) time (NULL);
    mti_sql_stmt_t *stmt = NULL;
    int step = MTI_SQL_DONE;
    for (int i = 0; i < 2 && step == MTI_SQL_DONE; i++) {
        mti_sql_finalize (stmt);
        stmt = mti_db_prepare (self, sql [i], err);
        if (!stmt)
            return MT_EINTERNAL;
        mti_sql_bind_int64 (stmt, 1, now + lease_s);
        mti_sql_bind_int64 (stmt, 2, now);
        step = mti_sql_step (stmt);
    }
    int rc = MT_OK;
    if (step == MTI_SQL_ROW)
        s_photo_row (stmt, row);
    else
    if (step == MTI_SQL_DONE)
        rc = mt_err_set (err, MT_ENOTFOUND, "no photo waits");
    else
        rc = mti_db_fail (self, MT_EIO, err, "claim photo");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_leases_clear (mt_casedb_t *self, mt_err_t *err)
{
    return mti_db_exec (self, "UPDATE photos SET lease_until = 0 WHERE lease_until > 0", err);
}

int
mt_casedb_photo_done (mt_casedb_t *self, int64_t photo_id, int width, int height,
                      const char *format, const mt_new_face_t *faces, size_t count,
                      mt_err_t *err)
{
    mt_photo_row_t photo;
    int rc = mt_casedb_photo_get (self, photo_id, &photo, err);
    if (rc != MT_OK)
        return rc;
    if (strcmp (photo.state, "done") == 0 && photo.reembed && !photo.removed)
        return mti_casedb_reembed_done (self, &photo, faces, count, err);
    if (strcmp (photo.state, "pending") != 0)
        return MT_OK;       //  done already (a worker's lease ran out and both finished)
    if (photo.removed)
        count = 0;          //  removed while its faces were being found: keep none
    rc = mti_db_exec (self, "BEGIN IMMEDIATE", err);
    if (rc != MT_OK)
        return rc;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_stmt_t *face = mti_db_prepare (self,
        "INSERT INTO faces (photo_id, case_id, x, y, w, h, size_px, sharpness, yaw, roll,"
        " verdict, embedding, chip, created_at, embedding2, descriptor2)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
    for (size_t i = 0; face && rc == MT_OK && i < count; i++) {
        const mt_new_face_t *f = &faces [i];
        mti_sql_reset (face);
        mti_sql_bind_int64 (face, 1, photo_id);
        mti_sql_bind_int64 (face, 2, photo.case_id);
        for (int b = 0; b < 4; b++)
            mti_sql_bind_int (face, 3 + b, f->box [b]);
        mti_sql_bind_int (face, 7, f->size_px);
        mti_sql_bind_double (face, 8, f->sharpness);
        mti_sql_bind_double (face, 9, f->yaw_deg);
        mti_sql_bind_double (face, 10, f->roll_deg);
        mti_sql_bind_text (face, 11, f->verdict, -1);
        mti_sql_bind_blob (face, 12, f->embedding, MT_EMBEDDING_DIM * sizeof (float));
        if (f->chip_jpeg)
            mti_sql_bind_blob (face, 13, f->chip_jpeg, (int) f->chip_size);
        else
            mti_sql_bind_null (face, 13);
        mti_sql_bind_text (face, 14, now, -1);
        if (f->embedding2 && f->descriptor2) {
            mti_sql_bind_blob (face, 15, f->embedding2, MT_EMBEDDING2_DIM * sizeof (float));
            mti_sql_bind_text (face, 16, f->descriptor2, -1);
        }
        else
            mti_sql_bind_null (face, 15), mti_sql_bind_null (face, 16);
        if (mti_sql_step (face) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "add face");
    }
    if (!face)
        rc = MT_EINTERNAL;
    mti_sql_finalize (face);
    mti_sql_stmt_t *stmt = rc == MT_OK ? mti_db_prepare (self,
        "UPDATE photos SET state = 'done', width = ?, height = ?, format = ?, processed_at = ?,"
        " lease_until = 0 WHERE id = ?", err) : NULL;
    if (stmt) {
        mti_sql_bind_int (stmt, 1, width);
        mti_sql_bind_int (stmt, 2, height);
        mti_sql_bind_text (stmt, 3, format, -1);
        mti_sql_bind_text (stmt, 4, now, -1);
        mti_sql_bind_int64 (stmt, 5, photo_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "finish photo");
        mti_sql_finalize (stmt);
    }
    if (rc == MT_OK && count > 0)
        rc = mt_casedb_match_enqueue (self, photo.case_id, err);
    if (rc == MT_OK)
        rc = mti_db_exec (self, "COMMIT", err);
    else
        mti_db_exec (self, "ROLLBACK", NULL);
    return rc;
}

int
mt_casedb_photo_failed (mt_casedb_t *self, int64_t photo_id, const char *code,
                        const char *message, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self,
        "UPDATE photos SET state = 'failed', error_code = ?, error_message = ?, processed_at = ?"
        " WHERE id = ? AND state = 'pending'", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_text (stmt, 1, code, -1);
    mti_sql_bind_text (stmt, 2, message, -1);
    mti_sql_bind_text (stmt, 3, now, -1);
    mti_sql_bind_int64 (stmt, 4, photo_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "photo");
    mti_sql_finalize (stmt);
    //  A photo that was to be described again keeps its faces as they are.
    stmt = rc == MT_OK ? mti_db_prepare (self, "UPDATE photos SET reembed = 0 WHERE id = ?"
                                         " AND state = 'done'", err) : NULL;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, photo_id);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "photo");
        mti_sql_finalize (stmt);
    }
    return rc;
}

//  ---------------------------------------------------------------- faces

//  Face rows from a statement with one id to bind.
static int
s_faces_query (mt_casedb_t *self, const char *sql, int64_t id, mt_face_row_t **rows_p,
               size_t *count_p, mt_err_t *err)
{
    *rows_p = NULL;
    *count_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, sql, err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, id);
    size_t size = 0;
    int rc = MT_OK;
    while (mti_sql_step (stmt) == MTI_SQL_ROW) {
        if (*count_p == size) {
            size = size ? size * 2 : 8;
            mt_face_row_t *rows = realloc (*rows_p, size * sizeof *rows);
            if (!rows) {
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            *rows_p = rows;
        }
        mt_face_row_t *r = &(*rows_p) [(*count_p)++];
        memset (r, 0, sizeof *r);
        r->id = mti_sql_column_int64 (stmt, 0);
        r->photo_id = mti_sql_column_int64 (stmt, 1);
        r->case_id = mti_sql_column_int64 (stmt, 2);
        for (int b = 0; b < 4; b++)
            r->box [b] = mti_sql_column_int (stmt, 3 + b);
        r->size_px = mti_sql_column_int (stmt, 7);
        r->sharpness = mti_sql_column_double (stmt, 8);
        r->yaw_deg = mti_sql_column_double (stmt, 9);
        mti_db_copy (r->verdict, sizeof r->verdict, mti_sql_column_text (stmt, 10));
        r->year_taken = mti_sql_column_int (stmt, 11);
        r->enrolled = mti_sql_column_int (stmt, 12) != 0;
        if (mti_sql_column_bytes (stmt, 13) == (int) sizeof r->embedding)
            memcpy (r->embedding, mti_sql_column_blob (stmt, 13), sizeof r->embedding);
        r->photo_width = mti_sql_column_int (stmt, 14);
        r->photo_height = mti_sql_column_int (stmt, 15);
        r->excluded = mti_sql_column_int (stmt, 16) != 0;
        const char *version = (const char *) mti_sql_column_text (stmt, 18);
        if (mti_sql_column_bytes (stmt, 17) == (int) sizeof r->embedding2
        &&  version && strcmp (version, MT_MOBILEFACENET_VERSION) == 0) {
            memcpy (r->embedding2, mti_sql_column_blob (stmt, 17), sizeof r->embedding2);
            r->has_embedding2 = true;
        }
    }
    mti_sql_finalize (stmt);
    return rc;
}

#define S_FACE_COLUMNS \
    "SELECT f.id, f.photo_id, f.case_id, f.x, f.y, f.w, f.h, f.size_px, f.sharpness, f.yaw," \
    " f.verdict, p.year_taken, f.enrolled, f.embedding, p.width, p.height, f.excluded," \
    " f.embedding2, f.descriptor2" \
    " FROM faces f JOIN photos p ON p.id = f.photo_id"

int
mt_casedb_faces_of_case (mt_casedb_t *self, int64_t case_id, mt_face_row_t **rows_p,
                         size_t *count_p, mt_err_t *err)
{
    return s_faces_query (self, S_FACE_COLUMNS " WHERE f.case_id = ? AND f.removed = 0"
                          " AND f.excluded = 0 ORDER BY f.id", case_id, rows_p, count_p, err);
}

int
mt_casedb_photo_faces (mt_casedb_t *self, int64_t photo_id, mt_face_row_t **rows_p,
                       size_t *count_p, mt_err_t *err)
{
    return s_faces_query (self, S_FACE_COLUMNS " WHERE f.photo_id = ? AND f.removed = 0"
                          " ORDER BY f.id", photo_id, rows_p, count_p, err);
}

int
mt_casedb_face_chip (mt_casedb_t *self, int64_t face_id, uint8_t **jpeg_p, size_t *size_p,
                     mt_err_t *err)
{
    *jpeg_p = NULL;
    *size_p = 0;
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT chip FROM faces WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, face_id);
    int rc = mt_err_set (err, MT_ENOTFOUND, "face %lld has no chip", (long long) face_id);
    if (mti_sql_step (stmt) == MTI_SQL_ROW && mti_sql_column_bytes (stmt, 0) > 0) {
        size_t size = (size_t) mti_sql_column_bytes (stmt, 0);
        *jpeg_p = malloc (size);
        if (*jpeg_p) {
            memcpy (*jpeg_p, mti_sql_column_blob (stmt, 0), size);
            *size_p = size;
            rc = MT_OK;
        }
    }
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_faces_mark_enrolled (mt_casedb_t *self, const int64_t *ids, size_t count,
                               mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE faces SET enrolled = 1 WHERE id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = mti_db_exec (self, "BEGIN IMMEDIATE", err);
    for (size_t i = 0; rc == MT_OK && i < count; i++) {
        mti_sql_reset (stmt);
        mti_sql_bind_int64 (stmt, 1, ids [i]);
        if (mti_sql_step (stmt) != MTI_SQL_DONE)
            rc = mti_db_fail (self, MT_EIO, err, "mark enrolled");
    }
    mti_sql_finalize (stmt);
    if (rc == MT_OK)
        rc = mti_db_exec (self, "COMMIT", err);
    else
        mti_db_exec (self, "ROLLBACK", NULL);
    return rc;
}

int
mt_casedb_faces_mark_removed (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "UPDATE faces SET removed = 1"
                                                 " WHERE case_id = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "faces");
    mti_sql_finalize (stmt);
    return rc;
}

//  ---------------------------------------------------------------- match queue

int
mt_casedb_match_enqueue (mt_casedb_t *self, int64_t case_id, mt_err_t *err)
{
    //  Queued again while being matched: the generation moves on, so that the
    //  matcher's "done" for the older state does not drop the newer one.
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "INSERT INTO match_queue (case_id, queued_at)"
                                          " VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE"
                                          " SET generation = match_queue.generation + 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    char now [32];
    mti_db_now (now, sizeof now);
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_text (stmt, 2, now, -1);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "queue");
    mti_sql_finalize (stmt);
    return rc;
}

int
mt_casedb_match_next (mt_casedb_t *self, int64_t *case_id_p, int64_t *generation_p,
                      mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT case_id, generation FROM match_queue"
                                          " ORDER BY queued_at, case_id LIMIT 1", err);
    if (!stmt)
        return MT_EINTERNAL;
    int rc = MT_OK;
    if (mti_sql_step (stmt) == MTI_SQL_ROW) {
        *case_id_p = mti_sql_column_int64 (stmt, 0);
        *generation_p = mti_sql_column_int64 (stmt, 1);
    }
    else
        rc = mt_err_set (err, MT_ENOTFOUND, "nothing to match");
    mti_sql_finalize (stmt);
    return rc;
}

bool
mt_casedb_match_pending (mt_casedb_t *self, int64_t case_id)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "SELECT 1 FROM match_queue WHERE case_id = ?"
                                          " UNION ALL SELECT 1 FROM photos WHERE case_id = ?"
                                          " AND state = 'pending'", NULL);
    bool pending = false;
    if (stmt) {
        mti_sql_bind_int64 (stmt, 1, case_id);
        mti_sql_bind_int64 (stmt, 2, case_id);
        pending = mti_sql_step (stmt) == MTI_SQL_ROW;
    }
    mti_sql_finalize (stmt);
    return pending;
}

int
mt_casedb_match_done (mt_casedb_t *self, int64_t case_id, int64_t generation, mt_err_t *err)
{
    mti_sql_stmt_t *stmt = mti_db_prepare (self, "DELETE FROM match_queue WHERE case_id = ?"
                                          " AND generation = ?", err);
    if (!stmt)
        return MT_EINTERNAL;
    mti_sql_bind_int64 (stmt, 1, case_id);
    mti_sql_bind_int64 (stmt, 2, generation);
    int rc = mti_sql_step (stmt) == MTI_SQL_DONE ? MT_OK : mti_db_fail (self, MT_EIO, err, "queue");
    mti_sql_finalize (stmt);
    return rc;
}
