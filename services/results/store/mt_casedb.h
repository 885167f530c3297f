//  mt_casedb - the case store: found and missing cases with their facts,
//  photos (content-addressed by sha256), faces with their quality and
//  embeddings, candidate families, reviews and an audit log, in SQLite
//  (WAL, foreign keys, numbered schema migrations).
//
//  Nothing is deleted silently: closing a case is a recorded state change,
//  removal of faces from the index is a flag, and every change (and every
//  read of a case through the services) goes into the audit log with who
//  made it.
//
//  One handle per thread; SQLite arbitrates between handles and processes.

#ifndef MT_CASEDB_H_INCLUDED
#define MT_CASEDB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "face/mt_embedder.h"
#include "base/mt_error.h"
#include "base/mt_sex.h"
#include "base/mt_utf8.h"
#include "face/mt_mobilefacenet.h"
#include "results/store/mt_case_facts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_KIND_FOUND = 1,      //  a person in a relief station
    MT_KIND_MISSING = 2     //  a family's report
} mt_case_kind;

//  The most characters (not bytes: UTF-8) of a closing or removal reason
//  as kept here (the store keeps all); the facts' own are in mt_case_facts.h.
#define MT_CASE_REASON_CHARS 120

//  A case: what the store keeps of it, and its facts (mt_case_facts.h:
//  sex, province, city, station, date_found, age_min/age_max (found: the
//  estimated age now, -1 unknown), date_last_seen, birth_year_min/max
//  (missing: 0 unknown), person_name, family_name, family_contact,
//  family_relation, features, notes, external_ref (the id a bulk import
//  gave it, unique), and its data protection: purpose (why the data is
//  held, default "family reunification"), consent_basis (self, guardian
//  (a parent or legal guardian; for a found child the relief station as
//  temporary guardian), family (the reporting family, for a missing
//  person) or vital_interests (a found adult who cannot consent); a
//  minor's case needs a guardian's consent), consent_by (who gave it),
//  consent_date (default the day the case is added)).
//  province: GB/T 2260 code; found: where found; missing: home (户籍地).
typedef struct mt_case {
    int64_t id;
    mt_case_kind kind;
    char state [16];                //  "open" or "closed"
    char closed_reason [MT_UTF8_BYTES (MT_CASE_REASON_CHARS)];
    MT_CASE_FACTS (MTI_FACT_FIELD)
    char created_at [32];
    char closed_at [32];            //  empty while open
    char erased_at [32];            //  when its photos, faces and vectors were erased
    int erased_level;               //  0, MT_ERASE_MEDIA or MT_ERASE_ALL
    int photo_count, face_count;    //  filled by mt_casedb_case_get
    int candidate_count;            //  pairs not rejected: filled by mt_casedb_cases_list
    int64_t person_group;           //  its linked group (the same person's records: the
                                    //  group's smallest case id); 0 alone
} mt_case_t;

typedef struct {
    int64_t id;                     //  also the face's id in the index
    int64_t photo_id, case_id;
    int box [4];
    int size_px;
    double sharpness, yaw_deg;
    char verdict [16];
    int year_taken;                 //  of its photo, 0 unknown
    int age_taken;                  //  the person's age in its photo, -1 unknown
    int photo_width, photo_height;  //  of its photo, 0 unknown
    bool enrolled;
    bool excluded;                  //  left out of matching by staff
    bool removed;                   //  out of the index (its photo removed, its case closed)
    double roll_deg;
    char created_at [32];
    float embedding [MT_EMBEDDING_DIM];
    char descriptor [32];           //  which network made embedding
    bool has_embedding2;            //  embedding2 holds a current MobileFaceNet descriptor
    float embedding2 [MT_EMBEDDING2_DIM];
    char descriptor2 [32];          //  which made embedding2 ("" none; maybe an older one)
} mt_face_row_t;

typedef struct {
    int64_t id, case_id;
    char sha256 [65];
    int year_taken;
    int age_taken;                  //  the person's age in the photo, -1 unknown
    char state [16];                //  pending, done, failed
    char error [256];
    char error_zh [MT_ERR_MSG_ZH_MAX];  //  the same in Chinese, "" if none
    int face_count;
    bool removed;                   //  removed by staff (its faces leave the index)
    char removed_reason [MT_UTF8_BYTES (MT_CASE_REASON_CHARS)];
    bool reembed;                   //  done, and waits to be described again
    //  Which face is the person: "ask" (the uploader will be asked, once
    //  its faces are known), "waiting" (several faces, none picked: they
    //  stay out of matching), "picked", "unsure" (the uploader cannot
    //  tell), or "" (not asked, e.g. an import: the face nearest the
    //  middle counts most).
    char person [16];
} mt_photo_row_t;

typedef struct {
    int64_t found_case, missing_case;
    double score;                   //  0..1: how likely the family is the one (mt_rank.h)
    double distance;                //  of the descriptions that weigh most
    double evidence;                //  log-likelihood ratio of the pair (faces + facts)
    double rivals;                  //  log-sum of the found case's other candidates'
    int64_t families;               //  families searched when it was scored
    char state [16];                //  pending, rejected, dna_requested, confirmed, reunited
    //  Its explanation, packed (mt_rank_explanation_t as
    //  proto/homeward/v1/explanation.proto; results_explain.c reads it),
    //  owned; NULL for a pair weighed before schema 10, whose explanation
    //  is JSON text (explanation_text, owned; "" otherwise).
    uint8_t *explanation;
    size_t explanation_size;
    char *explanation_text;
    char updated_at [32];
} mt_candidate_row_t;

typedef struct mt_casedb mt_casedb_t;

//  Open (creating and migrating) the database at path. Caller owns *self_p.
int mt_casedb_open (const char *path, mt_casedb_t **self_p, mt_err_t *err);
void mt_casedb_close (mt_casedb_t **self_p);
//  Group writes into one transaction (one fsync): begin, then commit with
//  the outcome so far (MT_OK commits, anything else rolls back and is
//  returned). They nest: inside a transaction, begin makes a savepoint and
//  commit releases it (kept if the outer transaction commits) or rolls back
//  to it (only the inner part undone).
int mt_casedb_begin (mt_casedb_t *self, mt_err_t *err);
int mt_casedb_commit (mt_casedb_t *self, int rc, mt_err_t *err);

//  The schema version after migrations.
int mt_casedb_schema_version (mt_casedb_t *self);

//  Names used in the database and the API for kinds, sexes, states.
const char *mt_case_kind_name (mt_case_kind kind);
int mt_case_kind_from_name (const char *name);       //  0 if unknown

//  Check a case's facts (dates real and in range, ages and years ordered,
//  province code plausible); MT_EINVAL with the field and reason.
int mt_case_validate (const mt_case_t *c, mt_err_t *err);

//  Add a case (validated). With an external_ref already present, nothing is
//  added and *existed_p says so (the existing id is returned). Audited.
int mt_casedb_case_add (mt_casedb_t *self, const mt_case_t *c, const char *actor,
                        int64_t *id_p, bool *existed_p, mt_err_t *err);
//  MT_ENOTFOUND for an unknown id.
int mt_casedb_case_get (mt_casedb_t *self, int64_t id, mt_case_t *c, mt_err_t *err);
//  The same without its counts (photo_count and face_count 0): what
//  weighing reads of the fifty cases it weighs a case against.
int mt_casedb_case_facts (mt_casedb_t *self, int64_t id, mt_case_t *c, mt_err_t *err);
//  Its version: changed by every change to the case, its faces or its
//  photos (the store's triggers, schema 14). A copy of what weighing reads
//  of it, made at this version, is still the store's. MT_ENOTFOUND for an
//  unknown id.
int mt_casedb_case_version (mt_casedb_t *self, int64_t id, int64_t *version_p,
                            mt_err_t *err);
//  How many changes to cases (and so to their faces and photos) the store
//  has counted (schema 17): while it stays the same, no case's version
//  moved. -1 on PostgreSQL, which keeps no count.
int mt_casedb_case_changes (mt_casedb_t *self, int64_t *count_p, mt_err_t *err);
//  Which cases a list holds; each member left NULL or 0 takes every case.
typedef struct {
    const char *station;            //  only this station's cases (staff see no others)
    int kind;                       //  MT_KIND_FOUND or MT_KIND_MISSING
    const char *state;              //  "open" or "closed"
    //  What a person types to find a case: its number ("12" or "#12"), or
    //  text within the person's name, the family's name, the reference
    //  (external_ref), the city or the station (ASCII letters in any case).
    const char *q;
} mt_case_filter_t;

//  Cases, newest first, of those filter lets through (NULL: all): at most
//  limit from offset on, in a new array (*cases_p, caller frees) with their
//  photo and candidate counts, and in *total_p (if not NULL) how many
//  there are in all, for paging. MT_EINVAL for a state that is neither
//  open nor closed.
int mt_casedb_cases_list (mt_casedb_t *self, const mt_case_filter_t *filter, size_t limit,
                          size_t offset, mt_case_t **cases_p, size_t *count_p,
                          int64_t *total_p, mt_err_t *err);
//  The case a face belongs to (MT_ENOTFOUND for an unknown face).
int mt_casedb_face_case (mt_casedb_t *self, int64_t face_id, int64_t *case_id_p,
                         mt_err_t *err);
//  Whether case_id is a candidate of a case of station, or suggested or
//  linked as the same person as one (so that the station's staff may see
//  its facts).
bool mt_casedb_candidate_of_station (mt_casedb_t *self, int64_t case_id, const char *station);

//  The consent bases a case may have (NULL-terminated), and whether a
//  case's person may be a minor (estimated age or birth year under 18).
extern const char *const mt_consent_bases [];
bool mt_case_may_be_minor (const mt_case_t *c);

//  Close a case (a recorded state change with a reason): it takes no more
//  photos, leaves candidate lists, and its faces are queued for removal from
//  the index. Audited.
int mt_casedb_case_close (mt_casedb_t *self, int64_t id, const char *reason,
                          const char *actor, mt_err_t *err);

//  Record a photo of a case by its content hash (the bytes are in the photo
//  store already). The same bytes for the same case again are recognised:
//  *existed_p is set and the first photo's id returned. New photos are
//  pending until the face pipeline has run on them.
int mt_casedb_photo_add (mt_casedb_t *self, int64_t case_id, const char *sha256,
                         size_t bytes, int year_taken, const char *actor,
                         int64_t *photo_id_p, bool *existed_p, mt_err_t *err);
//  The same with the person's age in the photo (age_taken, -1 unknown;
//  year_taken 0 unknown), both checked by mt_photo_taken_check.
int mt_casedb_photo_add_aged (mt_casedb_t *self, int64_t case_id, const char *sha256,
                              size_t bytes, int year_taken, int age_taken, const char *actor,
                              int64_t *photo_id_p, bool *existed_p, mt_err_t *err);
int mt_casedb_photo_get (mt_casedb_t *self, int64_t photo_id, mt_photo_row_t *row,
                         mt_err_t *err);

//  When a photo was taken, checked against its case (c): the year (0
//  unknown) 1900..this year, the age (-1 unknown) 0..MT_PHOTO_AGE_MAX; with
//  a birth year known, the year no more than MT_PHOTO_TAKEN_SLACK years
//  before it, and year minus age within MT_PHOTO_TAKEN_SLACK years of it.
//  MT_EINVAL, with a message that says what to check, otherwise MT_OK.
#define MT_PHOTO_AGE_MAX 120
#define MT_PHOTO_TAKEN_SLACK 2
int mt_photo_taken_check (const mt_case_t *c, int year_taken, int age_taken, mt_err_t *err);
//  Correct when a photo was taken (both values as they are to be; the
//  caller keeps what is not corrected): checked as above, the photo not
//  removed and its case open; audited ("photo.taken", before and after),
//  and the case is matched again.
int mt_casedb_photo_taken (mt_casedb_t *self, int64_t photo_id, int year_taken, int age_taken,
                           const char *actor, mt_err_t *err);
//  Ask the uploader of a pending photo which face is the person, should it
//  have several (mt_photo_row_t.person): until they say, its faces stay out
//  of matching.
int mt_casedb_photo_ask_person (mt_casedb_t *self, int64_t photo_id, mt_err_t *err);
//  The photos of a case (new array, caller frees).
int mt_casedb_photos_of_case (mt_casedb_t *self, int64_t case_id, mt_photo_row_t **rows_p,
                              size_t *count_p, mt_err_t *err);

//  Claim the oldest pending photo for lease_s seconds (a claim whose lease
//  ran out is handed out again). MT_ENOTFOUND when there is none.
int mt_casedb_photo_claim (mt_casedb_t *self, int lease_s, mt_photo_row_t *row,
                           mt_err_t *err);
//  Forget every lease (the results service starting: the photos a worker
//  held when it stopped are handed out again at once, not after the lease;
//  a worker that finishes one anyway is answered "done already").
int mt_casedb_leases_clear (mt_casedb_t *self, mt_err_t *err);
//  Give one photo's lease back (its worker is gone, or its answer could not
//  be stored): the next claim may hand it out at once.
int mt_casedb_photo_release (mt_casedb_t *self, int64_t photo_id, mt_err_t *err);

//  The pipeline ran on a photo: store its faces and queue its case for
//  matching, in one transaction. chips [i] is the JPEG of face i's aligned
//  chip (may be NULL).
typedef struct {
    int box [4];
    int size_px;
    double sharpness, yaw_deg, roll_deg;
    const char *verdict;
    const float *embedding;
    const float *embedding2;        //  MT_EMBEDDING2_DIM, or NULL
    const char *descriptor2;        //  its version (MT_MOBILEFACENET_VERSION)
    const uint8_t *chip_jpeg;
    size_t chip_size;
} mt_new_face_t;
int mt_casedb_photo_done (mt_casedb_t *self, int64_t photo_id, int width, int height,
                          const char *format, const mt_new_face_t *faces, size_t count,
                          mt_err_t *err);
//  The pipeline could not read a photo: it stays, marked failed with why.
int mt_casedb_photo_failed (mt_casedb_t *self, int64_t photo_id, const char *code,
                            const char *message, const char *message_zh, mt_err_t *err);

//  Faces of a case in matching: not removed, not excluded (new array,
//  caller frees).
int mt_casedb_faces_of_case (mt_casedb_t *self, int64_t case_id, mt_face_row_t **rows_p,
                             size_t *count_p, mt_err_t *err);
//  Faces of a photo, excluded ones too (new array, caller frees).
int mt_casedb_photo_faces (mt_casedb_t *self, int64_t photo_id, mt_face_row_t **rows_p,
                           size_t *count_p, mt_err_t *err);
//  A face's aligned chip JPEG (new buffer) or MT_ENOTFOUND.
int mt_casedb_face_chip (mt_casedb_t *self, int64_t face_id, uint8_t **jpeg_p, size_t *size_p,
                         mt_err_t *err);
int mt_casedb_faces_mark_enrolled (mt_casedb_t *self, const int64_t *ids, size_t count,
                                   mt_err_t *err);
int mt_casedb_faces_mark_removed (mt_casedb_t *self, int64_t case_id, mt_err_t *err);

//  The durable queue of cases to (re)match. next: MT_ENOTFOUND when empty;
//  it gives the entry's generation, and done removes the entry only if it
//  was not queued again meanwhile (new photos while matching). A linked
//  record's group is queued with it (they are matched as one person).
int mt_casedb_match_enqueue (mt_casedb_t *self, int64_t case_id, mt_err_t *err);
int mt_casedb_match_next (mt_casedb_t *self, int64_t *case_id_p, int64_t *generation_p,
                          mt_err_t *err);
int mt_casedb_match_done (mt_casedb_t *self, int64_t case_id, int64_t generation,
                          mt_err_t *err);
//  Whether a case still has photos to process or is waiting to be matched.
bool mt_casedb_match_pending (mt_casedb_t *self, int64_t case_id);

//  ---------------------------------------------------------------- data protection

//  How much of a case an erasure removes. Every level takes its faces out
//  of every shard replica's index and files.
typedef enum {
    MT_ERASE_INDEX = 0,     //  closed: out of the index, nothing else
    MT_ERASE_MEDIA = 1,     //  also its photos (files and rows), faces and embeddings
    MT_ERASE_ALL = 2        //  also the personal facts (names, contact, features, notes)
} mt_erase_level;

//  The durable queue of closed cases whose faces must leave the index
//  (and, at a level above MT_ERASE_INDEX, be erased). next gives the
//  oldest entry; done (after the index has removed the faces) marks the
//  faces removed and dequeues; for an erasure mt_casedb_erase does that.
int mt_casedb_removal_next (mt_casedb_t *self, int64_t *case_id_p, int *level_p,
                            mt_err_t *err);
int mt_casedb_removal_done (mt_casedb_t *self, int64_t case_id, mt_err_t *err);

//  Ask for a case's erasure (on request, e.g. consent withdrawn): the case
//  is closed if open, and queued at level (kept at the highest level asked
//  for). Audited with the reason.
int mt_casedb_erase_request (mt_casedb_t *self, int64_t id, int level, const char *reason,
                             const char *actor, mt_err_t *err);
//  Queue for MT_ERASE_MEDIA the closed cases closed more than days ago and
//  not erased yet; *queued_p says how many. Audited when any.
int mt_casedb_retention_due (mt_casedb_t *self, int days, int64_t *queued_p, mt_err_t *err);
//  The photos (sha256, 65 bytes each) of a case that no other case holds:
//  the files an erasure of the case removes from the photo store (new
//  array, caller frees).
int mt_casedb_erase_files (mt_casedb_t *self, int64_t case_id, char (**shas_p) [65],
                           size_t *count_p, mt_err_t *err);
//  Erase a case at level in one transaction (its faces already out of the
//  index, its files already gone): delete its faces and photos rows
//  (overwritten in the file: secure_delete), at MT_ERASE_ALL blank its
//  personal facts and its review notes; record when; dequeue; audit.
//  Then checkpoint the WAL so that no old page copy remains in it.
int mt_casedb_erase (mt_casedb_t *self, int64_t case_id, int level, const char *actor,
                     mt_err_t *err);
//  All the faces held for a case, removed from the index or not, with
//  their quality and embeddings (new array, caller frees).
int mt_casedb_faces_held (mt_casedb_t *self, int64_t case_id, mt_face_row_t **rows_p,
                          size_t *count_p, mt_err_t *err);

//  ---------------------------------------------------------------- same person
//  Two cases of one side (found and found, missing and missing) that may be
//  one person (mt_casedb_same.c): weighed as a family pair is, decided by a
//  person. Cases decided the same are one linked group.

typedef struct {
    int64_t case_a, case_b;         //  case_a < case_b
    double evidence, distance;
    double score;                   //  the evidence less its rivals' (mt_rank_same_score)
    char state [16];                //  pending, same, different
    char note [MT_UTF8_BYTES (500)];
    char decided_by [128];
    char decided_at [32], updated_at [32];
    uint8_t *explanation;           //  packed (explanation.proto), owned; NULL none
    size_t explanation_size;
} mt_same_row_t;

//  Which pairs a list holds.
typedef struct {
    double floor_found;             //  pending pairs of found people scored below it are not
                                    //  listed
    double floor_missing;           //  nor pending pairs of reports scored below this
    const char *state;              //  NULL: every state
    const char *station;            //  pairs that hold one of its cases; NULL: any
    int64_t case_id;                //  pairs that hold it; 0: any
} mt_same_filter_t;

//  Store a pair's weighing (either order), keeping its decision.
int mt_casedb_same_put (mt_casedb_t *self, int64_t a, int64_t b, double evidence,
                        double distance, const void *explanation, size_t size, mt_err_t *err);
//  Score case_id's pending pairs and its partners' again
//  (mt_rank_same_score): after its pairs were weighed, a pair of it was
//  decided or it was erased.
int mt_casedb_same_rescore (mt_casedb_t *self, int64_t case_id, mt_err_t *err);
//  Cases whose same-person pairs a cross-match changed, to be scored in
//  rounds (the list survives a stop): add count ids (one listed already
//  stays once); score the pending pairs of the first up to max of them
//  and take them off the list, in a transaction (a savepoint inside the
//  caller's) when it holds any (*count_p how many, 0: it was empty). A
//  case listed is one weighed and each of its partners. Until scored, its
//  pending pairs are not suggested (mt_casedb_same_list).
int mt_casedb_same_due_add (mt_casedb_t *self, const int64_t *ids, size_t count, mt_err_t *err);
int mt_casedb_same_due_score (mt_casedb_t *self, size_t max, size_t *count_p, mt_err_t *err);
//  The cases paired with case_id (in state; NULL: any), in a new array.
int mt_casedb_same_partners (mt_casedb_t *self, int64_t case_id, const char *state,
                             int64_t **ids_p, size_t *count_p, mt_err_t *err);
//  The cases of case_id's linked group, itself among them (alone: itself),
//  smallest first, in a new array.
int mt_casedb_same_group (mt_casedb_t *self, int64_t case_id, int64_t **ids_p,
                          size_t *count_p, mt_err_t *err);
//  One pair (either order; free its explanation); MT_ENOTFOUND none.
int mt_casedb_same_get (mt_casedb_t *self, int64_t a, int64_t b, mt_same_row_t *row,
                        mt_err_t *err);
//  A page of pairs whose cases are both open, pending first and highest
//  scored first; *total_p (if not NULL) how many in all.
int mt_casedb_same_list (mt_casedb_t *self, const mt_same_filter_t *filter, size_t limit,
                         size_t offset, mt_same_row_t **rows_p, size_t *count_p,
                         int64_t *total_p, mt_err_t *err);
void mt_casedb_same_rows_free (mt_same_row_t *rows, size_t count);
//  Decide a pair "same" (linked) or "different". A pending pair takes
//  either; a decided one is changed only by an administrator (admin) with
//  a reason in note (MT_EFORBIDDEN, MT_EINVAL); the same decision again is
//  MT_ECONFLICT. The linked groups follow; audited.
int mt_casedb_same_decide (mt_casedb_t *self, int64_t a, int64_t b, const char *decision,
                           const char *note, bool admin, const char *actor, mt_err_t *err);
//  A case erased: its pairs go and its group is linked without it.
int mt_casedb_same_forget (mt_casedb_t *self, int64_t case_id, mt_err_t *err);

//  Relatives to tell (issue 27, mt_casedb_notice.c): a decision on a
//  found person and a report that the family must hear of, for the report
//  and each report linked with it (two relatives who reported one child
//  each hear of it). One row a report and found person: its latest
//  decision, and whether and how the family was told.
typedef struct {
    int64_t missing_case, found_case;
    char decision [16];             //  dna_requested, confirmed, reunited or rejected
    char decided_by [64], decided_at [32];
    char told_by [64], told_at [32];    //  "": still to tell
    char note [MT_UTF8_BYTES (500)];    //  how they were told
} mt_notice_row_t;

typedef struct {
    const char *station;            //  the reports of this station; NULL any
    int told;                       //  0 still to tell, 1 told, -1 either
    int64_t case_id;                //  a report's or a found case's; 0 any
} mt_notice_filter_t;

//  The family of report missing_case is to hear of decision on found_case
//  (a new decision on the two replaces an earlier one, told or not).
int mt_casedb_notice_add (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                          const char *decision, const char *actor, mt_err_t *err);
//  Reports linked into group (a person_group) after a decision: each
//  report of the group hears of what its group's pairs stand at (a DNA
//  request under way, a match confirmed; the stronger where both) unless
//  that is what it was told, or is to be told, of that found person (a
//  relative whose report is linked later is told too).
int mt_casedb_notice_spread (mt_casedb_t *self, int64_t group, const char *actor,
                             mt_err_t *err);
//  Two reports unlinked: their families' untold notices that no pair of
//  their own group stands at any more go (a family no longer linked with
//  the person is not told of them).
int mt_casedb_notice_unspread (mt_casedb_t *self, int64_t case_a, int64_t case_b,
                               mt_err_t *err);
//  One (MT_ENOTFOUND none).
int mt_casedb_notice_get (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                          mt_notice_row_t *row, mt_err_t *err);
//  A page of those the filter lets through, still to tell first, oldest
//  decision first; *total_p (if not NULL) how many in all.
int mt_casedb_notices (mt_casedb_t *self, const mt_notice_filter_t *filter, size_t limit,
                       size_t offset, mt_notice_row_t **rows_p, size_t *count_p,
                       int64_t *total_p, mt_err_t *err);
//  The family was told (note: how; at most 500 characters): MT_ECONFLICT
//  when it was already, MT_ENOTFOUND when there is nothing to tell.
//  Audited.
int mt_casedb_notice_told (mt_casedb_t *self, int64_t missing_case, int64_t found_case,
                           const char *note, const char *actor, mt_err_t *err);

//  Store a candidate pair's evidence (mt_rank.h) and explanation (packed,
//  size bytes; the store keeps it as it is), keeping its review state; a
//  rejected pair is left as it is (it never comes back), and so is one
//  whose evidence, distance and explanation are the same already (its
//  updated_at says when they last changed). Its score is set with its
//  found case's other candidates'. *written_p (if not NULL): whether the
//  row was added or changed.
int mt_casedb_candidate_put (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                             double evidence, double distance, const void *explanation,
                             size_t size, bool *written_p, mt_err_t *err);
//  The families that compete for a found case (its pairs not rejected,
//  with open missing cases), their evidence and their stored scores (NaN:
//  never scored) (new arrays, caller frees).
int mt_casedb_candidate_evidence (mt_casedb_t *self, int64_t found_case, int64_t **missing_p,
                                  double **evidence_p, double **scores_p, size_t *count_p,
                                  mt_err_t *err);
//  Set the scores of a found case's pairs, with their rivals (log-sum of
//  the others' likelihood ratios) and the families searched.
int mt_casedb_candidate_scores_set (mt_casedb_t *self, int64_t found_case,
                                    const int64_t *missing, const double *scores,
                                    const double *rivals, size_t count, int64_t families,
                                    mt_err_t *err);
//  One candidate pair (free it with mt_casedb_candidate_free); MT_ENOTFOUND
//  if the cases were never paired.
int mt_casedb_candidate_get (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                             mt_candidate_row_t *row, mt_err_t *err);
//  The cases a case is paired with, rejected pairs aside (new array).
int mt_casedb_pair_cases (mt_casedb_t *self, int64_t case_id, int64_t **others_p,
                          size_t *count_p, mt_err_t *err);
//  A case's pair as its last weighing left it (mt_casedb_pairs.c).
typedef struct {
    int64_t other;                  //  the pair's other case
    bool rejected;
    bool as_value;                  //  explained by explanation alone (no JSON text)
    bool has_evidence;
    double evidence, distance;
    uint8_t *explanation;           //  packed, as mt_casedb_candidate_put stored it
    size_t explanation_size;
} mt_casedb_pair_t;
//  Every pair of a case, rejected ones too, by the other case's id (new
//  array; free it with mt_casedb_pairs_free): one read of the store where
//  weighing asked for each pair twice (rejected? and the upsert's own).
int mt_casedb_pairs_of (mt_casedb_t *self, int64_t case_id, mt_casedb_pair_t **pairs_p,
                        size_t *count_p, mt_err_t *err);
void mt_casedb_pairs_free (mt_casedb_pair_t *pairs, size_t count);
//  The pair with the other case other; NULL if there is none.
const mt_casedb_pair_t *mt_casedb_pair_find (const mt_casedb_pair_t *pairs, size_t count,
                                             int64_t other);
//  Whether mt_casedb_candidate_put of these figures would leave the pair
//  as it is (false whenever the store alone can tell).
bool mt_casedb_pair_unchanged (const mt_casedb_pair_t *pair, double evidence,
                               double distance, const void *explanation, size_t size);
//  SQLite: this connection no longer moves its write-ahead log into the
//  database at the commit that fills it to 1000 pages (that commit waited
//  ~0.3 s for it, once every few cases); mt_casedb_checkpoint does, when
//  the service has a moment. Nothing on PostgreSQL.
void mt_casedb_checkpoint_by_hand (mt_casedb_t *self);
//  Move the write-ahead log into the database when it held at least
//  min_pages at this connection's last commit (0: whatever it holds).
//  Does not wait for readers (what they still read is moved next time).
//  Once the log holds MT_CASEDB_WAL_RESTART_PAGES and no reader held the
//  move back, writers are held back (a second at most) until all of it is
//  moved, and the next commit starts the log over: under writes that
//  never pause it would grow without bound.
#define MT_CASEDB_WAL_RESTART_PAGES 4096
void mt_casedb_checkpoint (mt_casedb_t *self, int min_pages);

//  Open cases of a kind: the families (or found people) a search covers.
//  Counted each time below MT_CASEDB_COUNT_KEPT_FROM; from there on a count
//  is used again for MT_CASEDB_COUNT_KEPT_MS (counting 100,000 cases takes
//  ~10 ms, and a case's scores hardly move with a few cases more or less).
#define MT_CASEDB_COUNT_KEPT_FROM 10000
#define MT_CASEDB_COUNT_KEPT_MS 10000
int64_t mt_casedb_open_count (mt_casedb_t *self, mt_case_kind kind);
//  ---------------------------------------------------------------- describing again

//  Flag every photo with a face whose second descriptor is missing or not
//  of version to go through the pipeline again (after new photos); audited.
int mt_casedb_reembed_queue (mt_casedb_t *self, const char *version, const char *actor,
                             int64_t *queued_p, mt_err_t *err);
typedef struct {
    int64_t faces;                  //  faces held (not removed)
    int64_t described;              //  of them, with a second descriptor of the version
    int64_t photos_waiting;         //  photos flagged, not yet described again
} mt_reembed_status_t;
int mt_casedb_reembed_status (mt_casedb_t *self, const char *version,
                              mt_reembed_status_t *status, mt_err_t *err);

//  ---------------------------------------------------------------- corrections

//  Leave a face out of matching (excluded: not the person of a group
//  photo, or not a face) or take it back in; audited with the reason, and
//  the case is matched again.
int mt_casedb_face_exclude (mt_casedb_t *self, int64_t face_id, bool excluded,
                            const char *reason, const char *actor, mt_err_t *err);
//  Mark a group photo's face as the case's person: the photo's other faces
//  are left out of matching. Audited; the case is matched again.
int mt_casedb_photo_person (mt_casedb_t *self, int64_t photo_id, int64_t face_id,
                            const char *actor, mt_err_t *err);
//  The uploader cannot tell which face of a group photo is the person: its
//  faces go into matching, the one nearest the middle counting most.
//  Audited; the case is matched again.
int mt_casedb_photo_person_unsure (mt_casedb_t *self, int64_t photo_id, const char *actor,
                                   mt_err_t *err);
//  Remove a photo uploaded by mistake (reason required): its faces leave
//  matching at once, the index through the face removal queue, and are then
//  erased. The photo's record stays, marked removed. Audited.
int mt_casedb_photo_remove (mt_casedb_t *self, int64_t photo_id, const char *reason,
                            const char *actor, mt_err_t *err);
//  Correct an open case's facts (c holds all of them, with c->id; kind,
//  reference and consent stay): validated, audited with changes (a text
//  saying what changed), and the case is matched again.
int mt_casedb_case_update (mt_casedb_t *self, const mt_case_t *c, const char *changes,
                           const char *actor, mt_err_t *err);
//  Faces to take out of the index (up to max ids, oldest first;
//  MT_ENOTFOUND when none), and once done: those of removed photos are
//  erased, excluded ones wait unenrolled to be included again.
int mt_casedb_face_removal_next (mt_casedb_t *self, int64_t *ids, size_t max,
                                 size_t *count_p, mt_err_t *err);
int mt_casedb_face_removal_done (mt_casedb_t *self, const int64_t *ids, size_t count,
                                 mt_err_t *err);
//  The photo store files (sha256) of removed photos whose faces are erased
//  and whose bytes no other photo holds (new array, caller frees).
int mt_casedb_removed_photo_files (mt_casedb_t *self, char (**shas_p) [65], size_t *count_p,
                                   mt_err_t *err);

//  A case's candidates, best first, rejected ones left out (new array; free
//  each explanation and the array with mt_casedb_candidates_free). Pending
//  pairs whose evidence (a log-likelihood ratio, mt_rank.h) is below floor
//  are left out too unless weaker is true; *weaker_p (may be NULL) says
//  how many pairs are below it.
int mt_casedb_candidates (mt_casedb_t *self, int64_t case_id, double floor, bool weaker,
                          size_t limit, size_t offset, mt_candidate_row_t **rows_p,
                          size_t *count_p, int64_t *weaker_p, mt_err_t *err);
void mt_casedb_candidates_free (mt_candidate_row_t *rows, size_t count);
//  Free what one row owns (its explanation); the row itself is the
//  caller's.
void mt_casedb_candidate_free (mt_candidate_row_t *row);

//  The review queue: candidate pairs still to decide (pending or DNA
//  requested) between open cases, best score first, across all provinces;
//  optionally only pairs whose found case lies in province. Pending pairs
//  whose evidence is below floor never queue; *below_p (may be NULL) says
//  how many.
int mt_casedb_queue (mt_casedb_t *self, int province, double floor, size_t limit,
                     size_t offset, mt_candidate_row_t **rows_p, size_t *count_p,
                     int64_t *below_p, mt_err_t *err);
//  How many pairs that queue holds in all (for paging), of province or all.
int mt_casedb_queue_count (mt_casedb_t *self, int province, double floor, int64_t *total_p,
                           mt_err_t *err);

//  ---------------------------------------------------------------- the review workflow
//  (mt_casedb_workflow.c). Only a DNA test confirms a match:
//      pending -> dna_requested -> confirmed (DNA matched) -> reunited
//      pending -> rejected; dna_requested -> rejected (DNA did not match)
//      rejected -> pending (a liaison's undo)
//  confirmed, reunited and the undo need a note. reunited is final: it
//  closes both cases, and a closed case's pairs take no review until an
//  administrator reopens it. While a found person's pair is dna_requested
//  or confirmed, none of their other pairs may become confirmed.

#define MT_REVIEW_NOTE_CHARS 500
#define MT_REVIEW_REF_CHARS 200

//  The states a pair may move to from state from (NULL-terminated, up to
//  max - 1 of them); returns how many. None from an unknown state.
size_t mt_review_next (const char *from, const char **to, size_t max);
//  Whether moving from -> to needs a note.
bool mt_review_needs_note (const char *from, const char *to);

typedef struct {
    const char *state;              //  the pair's new state
    const char *note;               //  why (up to MT_REVIEW_NOTE_CHARS characters)
    const char *dna_ref;            //  the DNA sample's or lab report's reference, free text
} mt_review_t;

//  Record a review decision on a pair of cases (either order): checked
//  against the workflow, kept in the trail with the state it left, audited;
//  "reunited" closes both cases. MT_EINVAL for an unknown state, a missing
//  or too long note; MT_ENOTFOUND if the pair was never a candidate;
//  MT_ECONFLICT (with why) for a move the workflow does not allow from the
//  pair's state, a closed case, or a confirmation while another pair of
//  the found person is dna_requested or confirmed.
int mt_casedb_review (mt_casedb_t *self, int64_t case_a, int64_t case_b,
                      const mt_review_t *review, const char *actor, mt_err_t *err);

//  The state of a pair (16 bytes); MT_ENOTFOUND if it was never a candidate.
int mt_casedb_pair_state (mt_casedb_t *self, int64_t found_case, int64_t missing_case,
                          char state [16], mt_err_t *err);

//  Reopen a closed case (an administrator's decision, with a reason):
//  open again, its faces back in matching. A case closed by a reunion
//  reopens with the other case of the reunion, and their pair goes back
//  to confirmed. MT_ECONFLICT for an open case, or one whose photos and
//  faces are erased or being erased. Audited, and in the pair's trail.
int mt_casedb_case_reopen (mt_casedb_t *self, int64_t id, const char *reason,
                           const char *actor, mt_err_t *err);

//  The case a case was reunited with (its pair reunited), when and by whom;
//  MT_ENOTFOUND if it was not.
typedef struct {
    int64_t other_case;
    char at [32];
    char actor [64];
} mt_reunion_t;
int mt_casedb_reunion (mt_casedb_t *self, int64_t case_id, mt_reunion_t *reunion,
                       mt_err_t *err);

//  One entry of the review trail.
typedef struct {
    int64_t id, found_case, missing_case;
    char state [16];                //  the state the pair moved to
    char from_state [16];           //  the state it left ("" before schema 7)
    char event [16];                //  "review" or "reopen"
    char note [MT_UTF8_BYTES (MT_REVIEW_NOTE_CHARS)];
    char dna_ref [MT_UTF8_BYTES (MT_REVIEW_REF_CHARS)];
    char actor [64];
    char at [32];
} mt_review_row_t;

//  The review trail of a pair or, with case_b 0, of a case, oldest first
//  (new array, caller frees).
int mt_casedb_trail (mt_casedb_t *self, int64_t case_a, int64_t case_b,
                     mt_review_row_t **rows_p, size_t *count_p, mt_err_t *err);

//  ---------------------------------------------------------------- idempotency
//  The first answer to a request sent with an Idempotency-Key, kept per
//  user for a day (mt_casedb_idem.c).
typedef struct {
    char method [32];
    char request [65];              //  the request's digest (hex)
    char *result;                   //  the answer, JSON text (owned)
} mt_idem_t;
//  MT_ENOTFOUND when no answer is kept for (actor, key); else free
//  idem->result.
int mt_casedb_idem_get (mt_casedb_t *self, const char *actor, const char *key, mt_idem_t *idem,
                        mt_err_t *err);
int mt_casedb_idem_put (mt_casedb_t *self, const char *actor, const char *key,
                        const char *method, const char *request, const char *result,
                        mt_err_t *err);

//  Append to the audit log (hash-chained to the entry before; the log
//  refuses changes and deletions).
int mt_casedb_audit (mt_casedb_t *self, const char *actor, const char *action,
                     const char *object, const char *detail, mt_err_t *err);
//  One entry of the audit log.
typedef struct {
    int64_t id;
    char at [32];
    char *actor;                    //  owned
    char action [64];
    char *object;                   //  owned; NULL when none
    char *detail;                   //  owned; NULL when none
    char hash [65];                 //  "" for an entry not chained yet
} mt_audit_row_t;
//  The audit log, newest first, at most limit entries from offset on, in a
//  new array (*rows_p, free it with mt_audit_rows_free); with a case_id,
//  only the entries about that case (its photos, its pairs).
int mt_casedb_audit_list (mt_casedb_t *self, int64_t case_id, size_t limit, size_t offset,
                          mt_audit_row_t **rows_p, size_t *count_p, mt_err_t *err);
void mt_audit_rows_free (mt_audit_row_t *rows, size_t count);

//  Check the audit log's chain from its first entry. Give anchor_id and
//  anchor_hash (an entry's hash kept outside, e.g. printed by an earlier
//  check) to also catch a log rewritten whole; 0 for none. broken_id is
//  0 when the chain holds, else the first entry that does not, with why.
typedef struct {
    int64_t anchor_id;
    char anchor_hash [65];
    //  out
    int64_t entries, head_id;
    char head [65];                 //  hash of the last good entry
    int64_t broken_id;
    char reason [160];
} mt_audit_check_t;
int mt_casedb_audit_verify (mt_casedb_t *self, mt_audit_check_t *check, mt_err_t *err);

//  Counts for monitoring: cases by kind and state, photos by state, faces,
//  queues; each named as the service's stats name it (-1: not counted).
#define MT_CASEDB_STATS(X) \
    X (cases_found_open, "SELECT COUNT (*) FROM cases WHERE kind = 'found' AND state = 'open'") \
    X (cases_missing_open, \
       "SELECT COUNT (*) FROM cases WHERE kind = 'missing' AND state = 'open'") \
    X (cases_closed, "SELECT COUNT (*) FROM cases WHERE state = 'closed'") \
    X (photos_pending, \
       "SELECT COUNT (*) FROM photos WHERE state = 'pending' AND removed_at IS NULL") \
    X (photos_done, "SELECT COUNT (*) FROM photos WHERE state = 'done'") \
    X (photos_failed, "SELECT COUNT (*) FROM photos WHERE state = 'failed'") \
    X (faces, "SELECT COUNT (*) FROM faces WHERE removed = 0") \
    X (faces_not_enrolled, "SELECT COUNT (*) FROM faces WHERE removed = 0 AND enrolled = 0") \
    X (match_queue, "SELECT COUNT (*) FROM match_queue") \
    X (removal_queue, "SELECT COUNT (*) FROM removal_queue") \
    X (face_removal_queue, "SELECT COUNT (*) FROM face_removal_queue") \
    X (candidates_pending, "SELECT COUNT (*) FROM candidates WHERE state = 'pending'") \
    X (audit_entries, "SELECT COUNT (*) FROM audit")
#define MTI_STATS_FIELD(name, sql) int64_t name;
typedef struct {
    MT_CASEDB_STATS (MTI_STATS_FIELD)
    int schema;                     //  the store's schema version
} mt_casedb_stats_t;
int mt_casedb_stats (mt_casedb_t *self, mt_casedb_stats_t *stats, mt_err_t *err);
//  Count of audit entries (for tests and stats).
int64_t mt_casedb_audit_count (mt_casedb_t *self);

//  ---------------------------------------------------------------- backup and restore

//  Copy the database as of now into path (a new self-contained SQLite
//  file, replaced if there), while the service runs: SQLite's online
//  backup, or from PostgreSQL a table-by-table copy in one snapshot.
int mt_casedb_snapshot (mt_casedb_t *self, const char *path, mt_err_t *err);
//  The records a backup is checked by.
typedef struct {
    int64_t cases, photos, faces, candidates, reviews, audit, erased;
} mt_casedb_counts_t;
int mt_casedb_counts (mt_casedb_t *self, mt_casedb_counts_t *counts, mt_err_t *err);
//  SQLite's integrity check; MT_EDECODE with its first complaint. On
//  PostgreSQL, which checks its own pages, only that the store answers.
int mt_casedb_integrity (mt_casedb_t *self, mt_err_t *err);
//  Copy every record of from into to, an empty store of the same schema
//  version (the SQLite <-> PostgreSQL move: homeward migrate-store, and a
//  PostgreSQL store's snapshot). from is read in one snapshot; to is
//  written in one transaction, so a failed copy leaves it empty. Ids are
//  kept, and each id counter continues past where from's stands.
//  progress, when given, is called after each table.
typedef void (mt_casedb_copy_fn) (const char *table, int64_t rows, void *arg);
int mt_casedb_copy (mt_casedb_t *from, mt_casedb_t *to, mt_casedb_copy_fn *progress, void *arg,
                    mt_err_t *err);
//  True when target names a PostgreSQL database (postgresql:// or
//  postgres://) rather than a SQLite file.
bool mt_casedb_target_is_pg (const char *target);
//  target as it may be shown or logged: a password in a URI as ***.
void mt_casedb_target_shown (const char *target, char *out, size_t size);

//  The erased cases (the erasure ledger a restore applies again).
typedef struct {
    int64_t case_id;
    int level;                      //  mt_erase_level
    char at [32];
} mt_erasure_t;
//  New array, caller frees.
int mt_casedb_erasures (mt_casedb_t *self, mt_erasure_t **list_p, size_t *count_p,
                        mt_err_t *err);
//  The photo files the store's photos (not removed) need, with the cases
//  that hold them: each (sha256, case) once, by sha256 (new array, caller
//  frees).
typedef struct {
    char sha256 [65];
    int64_t case_id;
} mt_photo_file_t;
int mt_casedb_photo_files (mt_casedb_t *self, mt_photo_file_t **files_p, size_t *count_p,
                           mt_err_t *err);
//  A restored store: its indexes start empty, so every face is to be
//  enrolled again, and no worker holds a photo.
int mt_casedb_restored (mt_casedb_t *self, mt_err_t *err);
//  Up to max open cases after case id `after` with faces to enrol (in
//  matching, not enrolled), in id order.
int mt_casedb_unenrolled_cases (mt_casedb_t *self, int64_t after, int64_t *ids, size_t max,
                                size_t *count_p, mt_err_t *err);

//  ---------------------------------------------------------------- cross-match
//  Every open case searched again against the other side's gallery, in
//  batches, after a model or settings change or when a province joins
//  (mt_casedb_crossmatch.c keeps where it is; the results service does it).

typedef struct {
    char state [16];            //  "idle", "running", "done", "stopped"
    mt_case_kind kind;          //  the side whose cases are being searched now
    int64_t after_case;         //  that side's open cases up to this id are done
    int64_t cases_done, faces_done;
    int64_t cases_total;        //  open cases of both sides when it started
    int64_t started_at, updated_at;     //  seconds since the epoch
} mt_crossmatch_t;

//  Where the cross-match is; state "idle" when none was ever started.
int mt_casedb_crossmatch_get (mt_casedb_t *self, mt_crossmatch_t *cm, mt_err_t *err);

//  Start one from the beginning (found cases first, then missing ones).
int mt_casedb_crossmatch_start (mt_casedb_t *self, mt_crossmatch_t *cm, mt_err_t *err);

//  Record progress, or a new state (stopped, done).
int mt_casedb_crossmatch_put (mt_casedb_t *self, const mt_crossmatch_t *cm, mt_err_t *err);

//  Found cases whose families are to be scored again (the list survives a
//  stop): add count ids (one already listed stays once); the first up to
//  max of them (*count_p, 0: none); take count ids off the list.
int mt_casedb_rescore_due_add (mt_casedb_t *self, const int64_t *ids, size_t count,
                               mt_err_t *err);
int mt_casedb_rescore_due_next (mt_casedb_t *self, int64_t *ids, size_t max, size_t *count_p,
                                mt_err_t *err);
int mt_casedb_rescore_due_done (mt_casedb_t *self, const int64_t *ids, size_t count,
                                mt_err_t *err);

//  The index that scoring reads a found case's pairs by (migration 18):
//  built (`on`; nothing when it is there) or dropped (nothing when it is
//  not), in a transaction of its own (MT_EINVAL inside one). While a
//  cross-match runs it is dropped: each pair written then also wrote its
//  entry at a random place of the index, and the cross-match took 28%
//  longer for it in a pair of runs (bench/RESULTS.md). Building it reads every pair, the
//  store's other writers waiting: 6.3 s for the 5 million pairs of
//  100,000 cases. *changed_p (may be NULL) says whether this call built
//  or dropped it. Nothing on PostgreSQL, which has no such index.
int mt_casedb_weigh_index (mt_casedb_t *self, bool on, bool *changed_p, mt_err_t *err);

//  Up to max open cases of kind with ids after `after`, in id order.
int mt_casedb_open_cases_after (mt_casedb_t *self, mt_case_kind kind, int64_t after,
                                int64_t *ids, size_t max, size_t *count_p, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
