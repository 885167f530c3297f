//  results_call - what the results service's API methods share: the
//  service's state, one call (its parameters and its answer), and small
//  helpers (results_call.c). The methods live in a file for each kind
//  (below); results_actor.c routes calls to them.

#ifndef RESULTS_CALL_H_INCLUDED
#define RESULTS_CALL_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "common/api_pb.h"
#include "results/results_actor.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "results/store/mt_rank.h"

//  The memory of recent reads by people (results_access.c): one slot a
//  person and case, the last read's time.
#define RESULTS_SEEN_SLOTS 4096
typedef struct {
    uint64_t key;
    int64_t at_ms;
} results_seen_t;

typedef struct results_jobs results_jobs_t;     //  the intake's job link (results_jobs.h)

typedef struct {
    const results_config_t *config;
    mt_casedb_t *db;
    void *api, *nudge;              //  nudge: PAIR to the matcher thread
    mt_client_t *broker;            //  for the index's state in stats
    mt_rank_model_t model;          //  to score a found case's candidates again
    char backup_token [33];         //  the backup in progress (results_backup.c), or ""
    int64_t backup_seen_ms;         //  when it last called
    int64_t disk_full_ms;           //  when a call last failed for lack of space (0: never)
    mt_casedb_stats_t counts;       //  the store's counts as last read (stats)
    int64_t counts_ms, counts_took_ms;  //  when, and how long reading them took
    results_seen_t *seen;           //  RESULTS_SEEN_SLOTS of them
    results_jobs_t *jobs;
} results_state_t;

typedef struct {
    results_state_t *self;
    const char *actor;
    //  The role and station of the signed-in user the call is made for
    //  (through the gateway); "" for this machine's operator (the CLI) and
    //  the other services, who may do what an administrator may.
    const char *role, *station;
    //  The request (api.proto's ApiRequest), whose params of its method's
    //  type the method reads, and the bytes after it (a photo).
    const Homeward__V1__ApiRequest *request;
    const uint8_t *payload;
    size_t payload_size;
    //  out
    ProtobufCMessage *answer;       //  the method's result (owned)
    uint8_t *reply_payload;
    size_t reply_size;
    bool below_reserve;             //  refused by the disk's reserve, not by a full disk
    struct {                        //  a decision the workflow refused: where the pair is
        char state [16];            //  and the states it may move to, told in the error
        const char *allowed [8];
        size_t count;
    } refused;
} results_call_t;

//  Tell the matcher thread that work may wait.
void results_call_nudge (results_state_t *self);
//  A case changed (closed, reopened, its erasure queued): the answer, a
//  CaseChanged saying what (its field's name; with case_id unless 0), and
//  the matcher told.
int results_case_changed (results_call_t *call, int64_t case_id, const char *what,
                          mt_err_t *err);

//  Cases, photos, faces (results_cases.c).
int results_m_case_add (results_call_t *call, mt_err_t *err);
int results_m_case_get (results_call_t *call, mt_err_t *err);
int results_m_case_close (results_call_t *call, mt_err_t *err);
int results_m_photo_add (results_call_t *call, mt_err_t *err);
int results_m_photo_get (results_call_t *call, mt_err_t *err);
int results_m_face_chip (results_call_t *call, mt_err_t *err);
int results_m_case_list (results_call_t *call, mt_err_t *err);
int results_m_case_facts (results_call_t *call, mt_err_t *err);
int results_m_case_export (results_call_t *call, mt_err_t *err);
int results_m_case_erase (results_call_t *call, mt_err_t *err);
//  Candidates, the queue, the audit log (results_review.c).
int results_m_candidates (results_call_t *call, mt_err_t *err);
int results_m_queue (results_call_t *call, mt_err_t *err);
//  A candidate row as the caller may see it, from the point of view of
//  case_id (0: of its found case, as the queue shows it): api.proto's
//  Candidate (a new message; NULL when out of memory).
Homeward__V1__Candidate *results_candidate_pb (results_call_t *call,
                                               const mt_candidate_row_t *row, int64_t case_id);
//  The review workflow (results_workflow.c): decisions, the trail, an
//  administrator's reopening, the pair's side-by-side view.
int results_m_review (results_call_t *call, mt_err_t *err);
int results_m_reviews (results_call_t *call, mt_err_t *err);
int results_m_case_reopen (results_call_t *call, mt_err_t *err);
int results_m_pair_get (results_call_t *call, mt_err_t *err);
int results_m_audit (results_call_t *call, mt_err_t *err);
int results_m_audit_add (results_call_t *call, mt_err_t *err);
int results_m_audit_verify (results_call_t *call, mt_err_t *err);
//  Staff corrections (results_edit.c).
int results_m_face_get (results_call_t *call, mt_err_t *err);
int results_m_face_exclude (results_call_t *call, mt_err_t *err);
int results_m_photo_person (results_call_t *call, mt_err_t *err);
int results_m_photo_remove (results_call_t *call, mt_err_t *err);
int results_m_photo_taken (results_call_t *call, mt_err_t *err);
int results_m_case_update (results_call_t *call, mt_err_t *err);

//  Describing the gallery again (results_reembed.c).
int results_m_reembed_start (results_call_t *call, mt_err_t *err);
int results_m_reembed_status (results_call_t *call, mt_err_t *err);

//  Every open case searched again (results_crossmatch.c).
int results_m_crossmatch_start (results_call_t *call, mt_err_t *err);
int results_m_crossmatch_status (results_call_t *call, mt_err_t *err);
int results_m_crossmatch_stop (results_call_t *call, mt_err_t *err);

//  A backup taken while the service runs (results_backup.c).
int results_m_backup_begin (results_call_t *call, mt_err_t *err);
int results_m_backup_read (results_call_t *call, mt_err_t *err);
int results_m_backup_end (results_call_t *call, mt_err_t *err);
int results_m_backup_photo (results_call_t *call, mt_err_t *err);
//  Where the database's copy for a backup is made (beside the database).
void results_backup_path (const results_config_t *config, char *path, size_t size);

#endif
