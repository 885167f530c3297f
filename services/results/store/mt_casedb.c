//  mt_casedb - the case store: its schema and migrations, open and close.
//  The rest, one file a part: mt_casedb_sql (statements and transactions),
//  _case (cases and their facts), _photo, _face (faces and the match
//  queue), _review (candidates and reviews), _audit, _privacy (erasure and
//  retention), _edit, _copy, _reembed, _crossmatch, _backup, _pg.

#include "results/store/mt_casedb.h"
#include "mti_casedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- schema

//  Migration N brings the schema from version N-1 to N. Append only. A new
//  PostgreSQL store starts at MTI_CASEDB_PG_BASE (mt_casedb_pg.c) and takes
//  the migrations after it, which must read the same on both (but 14's
//  triggers, s_versions_pg, and 17's counter, s_changes_pg).
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
     "  started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"),
    //  7: the review workflow and the day's work (issue 23). Each review
    //  records the state it left (the trail reads "from -> to"), the DNA
    //  sample or lab reference, and what kind of event it was (a review,
    //  or an administrator's reopening); the trail is read by case. A
    //  photo records whether its uploader is asked which face is the
    //  person ('ask' until its faces are known, 'waiting' while it has
    //  several and none is picked, then 'picked' or 'unsure'; NULL: the
    //  face nearest the middle counts most, as for imports); why a photo
    //  could not be read, in Chinese too. The answers
    //  to requests sent with an Idempotency-Key, per user, for 24 hours.
    ("ALTER TABLE reviews ADD COLUMN from_state TEXT;"
     "ALTER TABLE reviews ADD COLUMN dna_ref TEXT;"
     "ALTER TABLE reviews ADD COLUMN event TEXT;"
     "CREATE INDEX reviews_found ON reviews (found_case);"
     "CREATE INDEX reviews_missing ON reviews (missing_case);"
     "ALTER TABLE photos ADD COLUMN person TEXT;"
     "ALTER TABLE photos ADD COLUMN error_message_zh TEXT;"
     "CREATE TABLE idempotency ("
     "  actor TEXT NOT NULL, ikey TEXT NOT NULL, method TEXT NOT NULL,"
     "  request TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL,"
     "  PRIMARY KEY (actor, ikey));"),
    //  8: the person's age in each photo (issue: a photo's age), -1
    //  unknown, beside its year: a family's childhood photo at 6 is
    //  weighed against the found adult by the years between
    //  (mt_rank_age.c). BIGINT: SQLite's INTEGER, as mt_casedb_pg.c writes it.
    ("ALTER TABLE photos ADD COLUMN age_taken BIGINT NOT NULL DEFAULT -1;"),
    //  9: found cases whose families are to be scored again (issue 26): a
    //  cross-match weighs batch after batch of missing cases, each pairing
    //  with up to fifty found cases; their scores are computed in rounds
    //  (seconds apart on the first side, longer on the second: see
    //  results_crossmatch.c) and when a side ends, not after every batch,
    //  and the list survives a stop.
    ("CREATE TABLE rescore_due (found_case BIGINT PRIMARY KEY);"),
    //  10: a candidate pair's explanation kept as its values, packed
    //  (proto/homeward/v1/explanation.proto), said in words only when the
    //  pair is shown: writing each weighed pair's JSON text was a fifth of
    //  a cross-match's weighing (issue 26). Pairs weighed before keep their
    //  text in explanation; new ones leave it ''. BYTEA: PostgreSQL's
    //  bytes; SQLite keeps a blob as it is under any declared type.
    ("ALTER TABLE candidates ADD COLUMN explanation_pb BYTEA;"),
    //  11: the same person twice (issue 27): pairs of one side's cases
    //  (found and found, missing and missing) that may be one person,
    //  case_a < case_b, weighed like a family pair (explanation_pb) and
    //  decided by a person (pending, same, different). Cases decided the
    //  same are one linked group, person_group its smallest case's id
    //  (NULL: alone): the group searches and is searched as one person and
    //  the family queue shows one pair per group and family group.
    ("CREATE TABLE same_person ("
     "  case_a BIGINT NOT NULL, case_b BIGINT NOT NULL, evidence REAL NOT NULL,"
     "  distance REAL NOT NULL, explanation_pb BYTEA, state TEXT NOT NULL DEFAULT 'pending',"
     "  note TEXT, decided_by TEXT, decided_at TEXT, created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL, PRIMARY KEY (case_a, case_b));"
     "CREATE INDEX same_person_b ON same_person (case_b);"
     "CREATE INDEX same_person_state ON same_person (state, evidence);"
     "ALTER TABLE cases ADD COLUMN person_group BIGINT;"
     "CREATE INDEX cases_person_group ON cases (person_group);"),
    //  12: relatives to tell (issue 27): a decision on a found person and
    //  a report that its family must hear of (a DNA request, a match
    //  confirmed, a reunion, a DNA test that ruled the person out), for
    //  the report and every report linked with it; one row a report and
    //  found person, its latest decision, and who told the family, when
    //  and how (told_at NULL: still to tell).
    ("CREATE TABLE notices ("
     "  missing_case BIGINT NOT NULL, found_case BIGINT NOT NULL, decision TEXT NOT NULL,"
     "  decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, told_by TEXT, told_at TEXT,"
     "  note TEXT, PRIMARY KEY (missing_case, found_case));"
     "CREATE INDEX notices_found ON notices (found_case);"
     "CREATE INDEX notices_open ON notices (told_at, decided_at);"),
    //  13: a same-person pair's score (issue 27): its evidence less what
    //  its records' other pending pairs say (mt_rank_same_score), kept up
    //  to date as they change; a pending pair is suggested when its score
    //  reaches its side's floor. Pairs weighed before score their evidence
    //  until they or their records' pairs are weighed again.
    ("ALTER TABLE same_person ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0;"
     "UPDATE same_person SET score = evidence;"
     "CREATE INDEX same_person_score ON same_person (state, score);"),
    //  14: what weighing reads of a case changes its version (issue 26):
    //  its row, its faces, its photos. The results service keeps the cases
    //  it weighs against in memory (results_casemem.c) and checks each
    //  one's version, one indexed read, before it uses its copy. Bumped by
    //  triggers, so that no write path can forget it, the store stays
    //  the truth whoever writes it (another process, a command, a
    //  migration). PostgreSQL's own triggers: s_versions_pg.
    ("ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;"
     "CREATE TRIGGER cases_version AFTER UPDATE ON cases WHEN NEW.version = OLD.version"
     "  BEGIN UPDATE cases SET version = OLD.version + 1 WHERE id = NEW.id; END;"
     "CREATE TRIGGER faces_added AFTER INSERT ON faces"
     "  BEGIN UPDATE cases SET version = version + 1 WHERE id = NEW.case_id; END;"
     "CREATE TRIGGER faces_changed AFTER UPDATE ON faces"
     "  BEGIN UPDATE cases SET version = version + 1 WHERE id IN (OLD.case_id, NEW.case_id);"
     "  END;"
     "CREATE TRIGGER faces_deleted AFTER DELETE ON faces"
     "  BEGIN UPDATE cases SET version = version + 1 WHERE id = OLD.case_id; END;"
     "CREATE TRIGGER photos_changed AFTER UPDATE ON photos"
     "  BEGIN UPDATE cases SET version = version + 1 WHERE id IN (OLD.case_id, NEW.case_id);"
     "  END;"
     "CREATE TRIGGER photos_deleted AFTER DELETE ON photos"
     "  BEGIN UPDATE cases SET version = version + 1 WHERE id = OLD.case_id; END;"),
    //  15: candidate pairs indexed by state alone (issue 26). The index on
    //  (state, score) served the queue's filter by state and never its
    //  order (a state IN (...) is sorted after; EXPLAIN QUERY PLAN), while
    //  every pair's score, written after its found case's pairs are all
    //  in and again when they change, moved its entry to a place of its
    //  own in the index: one of the three entries a pair writes at random
    //  places, written twice more. An entry by state is written once, at
    //  the end of its state's range (bench/RESULTS.md: 285 -> 311 cases/s
    //  at 200,000 cases).
    ("DROP INDEX candidates_score;"
     "CREATE INDEX candidates_state ON candidates (state);"),
    //  16: cases whose same-person pairs are to be scored again (issue 26):
    //  a cross-match's weighing lists each case it weighs and the case's
    //  partners, and their pairs are scored in rounds, 256 cases at a time,
    //  each pair those need read once for them (mt_casedb_same_score.c),
    //  where scoring each case at once read its partners' partners' pairs,
    //  case after case. The list survives a stop.
    ("CREATE TABLE same_due (case_id BIGINT PRIMARY KEY);"),
    //  17: every change to a case (and so to its faces and photos, whose
    //  triggers bump its version) counted in one row (issue 26): a
    //  cross-match's weighing, holding the write lock, reads the count once
    //  and uses its copies of cases checked at that count without reading
    //  each one's version (results_casemem_trust). SQLite only: on
    //  PostgreSQL writers run side by side and one row that every change
    //  writes would make them wait for each other, or deadlock
    //  (s_changes_pg).
    ("CREATE TABLE case_changes (n BIGINT NOT NULL);"
     "INSERT INTO case_changes VALUES (0);"
     "CREATE TRIGGER cases_changed AFTER UPDATE ON cases"
     "  BEGIN UPDATE case_changes SET n = n + 1; END;"
     "CREATE TRIGGER cases_gone AFTER DELETE ON cases"
     "  BEGIN UPDATE case_changes SET n = n + 1; END;"),
    //  18: what scoring a found case's families reads of its pairs, in
    //  one index by found case (issue 26). The table stays in the order
    //  pairs are written (a cross-match's pairs of one batch on pages
    //  side by side); scoring read each of a found case's ~60-120 pairs
    //  from a page of its own, and as the store grew that read set an
    //  import's pace (0.2 ms a found case at 4,000 photos, 0.6 at 20,000,
    //  ~7,000 pages a report at a million). The entries take ~49 bytes:
    //  a found case's pairs on two or three pages, read in 0.15-0.19 ms
    //  instead of 0.57-0.69 at 20,000 photos (the import 23% quicker
    //  there; bench/RESULTS.md). Built as a store is upgraded: 2.4 s for
    //  1.2 million pairs, by estimate minutes for the tens of millions of
    //  a million cases. SQLite only: on
    //  PostgreSQL an index holding the score makes every score's update
    //  write all of the pair's index entries (no HOT update), and a
    //  table updated this often seldom allows an index-only read. A
    //  cross-match drops it while it runs (mt_casedb_weigh_index).
    ("CREATE INDEX " MTI_CASEDB_WEIGH_INDEX " ON " MTI_CASEDB_WEIGH_INDEX_ON ";")
};
#define S_VERSIONS 14
#define S_CHANGES 17
#define S_WEIGH 18

//  Migration 14 on PostgreSQL: its triggers call functions. A case's own
//  update bumps its version unless the update sets it; a face's or a
//  photo's change bumps its case's (both, if it moved).
static const char *s_versions_pg =
    "ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;"
    "CREATE FUNCTION case_version_next () RETURNS trigger LANGUAGE plpgsql AS $$"
    "  BEGIN IF NEW.version = OLD.version THEN NEW.version := OLD.version + 1; END IF;"
    "  RETURN NEW; END $$;"
    "CREATE TRIGGER cases_version BEFORE UPDATE ON cases"
    "  FOR EACH ROW EXECUTE FUNCTION case_version_next ();"
    "CREATE FUNCTION case_version_of_row () RETURNS trigger LANGUAGE plpgsql AS $$"
    "  BEGIN"
    "    IF TG_OP <> 'INSERT' THEN"
    "      UPDATE cases SET version = version + 1 WHERE id = OLD.case_id; END IF;"
    "    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id) THEN"
    "      UPDATE cases SET version = version + 1 WHERE id = NEW.case_id; END IF;"
    "    RETURN NULL;"
    "  END $$;"
    "CREATE TRIGGER faces_version AFTER INSERT OR UPDATE OR DELETE ON faces"
    "  FOR EACH ROW EXECUTE FUNCTION case_version_of_row ();"
    "CREATE TRIGGER photos_version AFTER UPDATE OR DELETE ON photos"
    "  FOR EACH ROW EXECUTE FUNCTION case_version_of_row ();";

//  Migration 17 on PostgreSQL: no counter (mt_casedb_case_changes says
//  none), the version alone is read.
static const char *s_changes_pg = "SELECT 1";

//  Migration 18 on PostgreSQL: no index (its comment says why).
static const char *s_weigh_pg = "SELECT 1";
#define S_MIGRATIONS ((int) (sizeof s_migrations / sizeof s_migrations [0]))


//  One step of migration in one transaction. A new PostgreSQL store takes
//  the whole schema of its base version at once (mt_casedb_pg.c).
static int
s_migrate (mt_casedb_t *self, mt_err_t *err)
{
    bool pg = mti_sql_is_pg (self->db);
    int to = pg && self->version == 0 ? MTI_CASEDB_PG_BASE : self->version + 1;
    int rc = mt_casedb_begin (self, err);
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
    const char *sql = s_migrations [self->version];
    if (pg && self->version == 0)
        sql = mti_casedb_pg_schema;
    else
    if (pg && self->version + 1 == S_VERSIONS)
        sql = s_versions_pg;
    else
    if (pg && self->version + 1 == S_CHANGES)
        sql = s_changes_pg;
    else
    if (pg && self->version + 1 == S_WEIGH)
        sql = s_weigh_pg;
    if (rc == MT_OK)
        rc = mti_db_exec (self, sql, err);
    char now [32], insert [128];
    mti_db_now (now, sizeof now);
    for (int version = self->version + 1; rc == MT_OK && version <= to; version++) {
        snprintf (insert, sizeof insert, "INSERT INTO schema_migrations VALUES (%d, '%s')",
                  version, now);
        rc = mti_db_exec (self, insert, err);
    }
    rc = mt_casedb_commit (self, rc, err);
    if (rc == MT_OK)
        self->version = to;
    return rc;
}

static int
s_wal_hook (void *arg, sqlite3 *db, const char *name, int pages)
{
    (void) db, (void) name;
    ((mt_casedb_t *) arg)->wal_pages = pages;
    return SQLITE_OK;
}

void
mt_casedb_checkpoint_by_hand (mt_casedb_t *self)
{
    sqlite3 *lite = mti_sql_is_pg (self->db) ? NULL : mti_sql_sqlite (self->db);
    if (lite)
        sqlite3_wal_hook (lite, s_wal_hook, self);
}

#define S_RESTART_WAIT_MS 1000

void
mt_casedb_checkpoint (mt_casedb_t *self, int min_pages)
{
    sqlite3 *lite = mti_sql_is_pg (self->db) ? NULL : mti_sql_sqlite (self->db);
    if (!lite || self->wal_pages < min_pages)
        return;
    int log = 0, moved = 0;
    if (sqlite3_wal_checkpoint_v2 (lite, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &moved)
        != SQLITE_OK)
        return;
    self->wal_pages = log > moved ? log - moved : 0;
    //  The log starts over only at a writer's first write after a
    //  checkpoint that moved all of it. Under writes that never pause (a
    //  cross-match commits a batch after a batch) a passive checkpoint
    //  never catches up with its end, and the log grew without bound:
    //  12 GB in four minutes of cross-match at 50,000 cases, the kernel's
    //  extending of the file a third of the matcher's time. Once it is this
    //  long, and no reader held the passive one back (a long one, such as a
    //  backup's, would hold writers back as long), a restart checkpoint
    //  takes its turn among the writers (one that commits and begins again
    //  at once would win every try of SQLite's busy wait), moves what is
    //  left once readers are done, and the next commit writes the log from
    //  its start. It waits a second at most for readers: then writers go
    //  on, and it is tried again next time.
    if (log >= MT_CASEDB_WAL_RESTART_PAGES && moved == log) {
        bool turn = self->turns && mti_turn_take (self->turns);
        sqlite3_busy_timeout (lite, S_RESTART_WAIT_MS);
        if (sqlite3_wal_checkpoint_v2 (lite, NULL, SQLITE_CHECKPOINT_RESTART, &log, &moved)
            == SQLITE_OK)
            self->wal_pages = 0;
        sqlite3_busy_timeout (lite, MTI_SQL_BUSY_MS);
        if (turn)
            mti_turn_give (self->turns);
    }
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
    //  in the file, not left in free pages. A page cache of up to 64 MB
    //  (SQLite's default is 2 MB): weighing a case reads up to fifty other
    //  cases with their faces, which otherwise come from the kernel a page
    //  at a time (pread was the matcher's largest cost in a cross-match).
    if (rc == MT_OK && !mti_sql_is_pg (self->db))
        self->turns = mti_turns_of (path);
    if (rc == MT_OK && !mti_sql_is_pg (self->db))
        rc = mti_db_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"
                          "PRAGMA cache_size = -65536;", err);
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
        if ((*self_p)->has_turn)                //  closed inside a transaction
            mti_turn_give ((*self_p)->turns);
        free (*self_p);
        *self_p = NULL;
    }
}

int
mt_casedb_schema_version (mt_casedb_t *self)
{
    return self->version;
}
