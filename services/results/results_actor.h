//  results_actor - the results service: owns the case database and the
//  photo store, answers the API (cases, photos, candidates, reviews, the
//  audit trail), pushes photos to intake workers and takes their faces
//  back (results_jobs.c), and matches cases: its matcher thread (results_matcher.c) enrolls
//  new faces through the broker, searches the other gallery with all of a
//  case's faces and ranks the candidate families (mt_rank).
//
//  Durability: a photo is acknowledged once its bytes are fsync'd in the
//  content-addressed photo store and its row is committed; pending photos
//  and the match queue live in the database, so a crash loses no work: on
//  restart the photos are processed and the cases matched.

#ifndef RESULTS_ACTOR_H_INCLUDED
#define RESULTS_ACTOR_H_INCLUDED

#include <stdint.h>

#include "wire/mt_actor.h"
#include "base/mt_config.h"
#include "wire/mt_curve.h"

typedef struct {
    char api [256];             //  bound: clients, intake workers, the gateway
    char api2 [256];            //  a second endpoint to bind (e.g. inproc), optional
    char jobs [256];            //  bound: the intake workers' job link (results_jobs.h)
    char broker [256];          //  the broker's client endpoint
    char db [1024];             //  the SQLite file
    char photos [1024];         //  the photo store's folder
    int64_t search_k;           //  neighbours per face when matching
    int64_t search_k2;          //  the same by MobileFaceNet (-1: search_k; 0: not searched;
                                //  default 20)
    int64_t keep;               //  candidates kept per case
    double crossmatch_share;    //  share of the partitions' time a cross-match may take
    int64_t crossmatch_batch_ms;    //  a cross-match's search aimed to take this long
    int64_t lease_s;            //  a worker's time to finish a photo job
    int64_t max_photo_bytes;
    int64_t retention_days;     //  closed cases' photos, faces and vectors erased after
    mt_curve_config_t curve;    //  the API's side: key, authorized-keys, insecure
    char broker_key [1024];     //  the broker's public key, for the link to it
    char descriptor [16];       //  fused, mobilefacenet or dlib (mt_rank_model_descriptor)
    int64_t disk_reserve_mb;    //  kept free: new photos are refused below it
    double candidate_floor;     //  pending pairs of less evidence never queue
    bool age_gap;               //  the face evidence knows the years between photos (mt_rank.h)
    double same_floor_found;    //  two found people suggested as one person from here
    double same_floor_missing;  //  two reports suggested as one missing person from here
    int64_t case_memory_mb;     //  what weighing reads of cases, kept in memory (0: none)
} results_config_t;

//  The candidate floor: a pending pair whose evidence (the log-likelihood
//  ratio of its faces and facts, mt_rank.h) is below it is not shown among
//  a case's candidates unless asked for ("show weaker candidates") and
//  never enters the review queue. The evidence, not the score: a score
//  falls when a rival family is as strong (twins, two reports of one
//  child) and as the gallery grows, evidence does not. Chosen with
//  bench-identify so that it removes no true pair there (bench/RESULTS.md).
#define RESULTS_FLOOR_DEFAULT (-12.0)
//  The same-person floors: two cases of one side (two found people, two
//  reports) whose score of being one person (mt_rank_same's evidence less
//  its rivals', mt_rank_same_score) is at or above their side's floor are
//  suggested for review (issue 27). Each side has its own: two reports of
//  one child agree on more (a birth year, a home province) than two
//  stations' age estimates of a wanderer do. Chosen with bench-same-person
//  on lfw-scale (bench/RESULTS.md).
#define RESULTS_SAME_FLOOR_FOUND (3.5)
#define RESULTS_SAME_FLOOR_MISSING (3.5)

#define RESULTS_FLOOR_HELP "evidence (log-likelihood ratio) below which a pending candidate " \
    "pair never enters the review queue and shows among a case's candidates only when " \
    "asked for (-1000: every pair)"

//  The keys of how cases are kept and matched, which `homeward results` and
//  `homeward serve` both take: type is the settings' struct and p the path
//  to its results_config_t's fields (empty for results_config_t itself,
//  `results.` for a member named results).
#define RESULTS_MATCHING_KEYS(type, p) \
    { "search-k", MT_CFG_INT, offsetof (type, p search_k), 1, MT_MSG_MAX_K, \
      "nearest faces looked at per face (by dlib's descriptor) when matching a case" }, \
    { "search-k2", MT_CFG_INT, offsetof (type, p search_k2), -1, MT_MSG_MAX_K, \
      "nearest faces looked at per face by MobileFaceNet's descriptor, in its own galleries " \
      "(-1: as search-k; 0: retrieve by dlib's alone; 20 by default: on lfw-scale it finds " \
      "what 50 finds with a queue 19% longer than dlib's alone instead of 59%, " \
      "bench/RESULTS.md)" }, \
    { "crossmatch-share", MT_CFG_DOUBLE, offsetof (type, p crossmatch_share), 0.01, 1, \
      "share of the partitions' time a cross-match (homeward crossmatch) may take (live " \
      "cases always go first)" }, \
    { "disk-reserve-mb", MT_CFG_INT, offsetof (type, p disk_reserve_mb), 0, 1 << 30, \
      "MB kept free on the data disk: below it new photos are refused (HTTP 507), so that " \
      "reviews, edits and erasures still fit" }, \
    { "retention-days", MT_CFG_INT, offsetof (type, p retention_days), 0, 36500, \
      "days after a case is closed until its photos, faces and vectors are erased " \
      "(0: at once)" }, \
    { "descriptor", MT_CFG_STRING, offsetof (type, p descriptor), 0, \
      sizeof ((type *) 0)->p descriptor, \
      "which descriptors weigh two faces: fused (dlib's and MobileFaceNet's), " \
      "mobilefacenet or dlib" }, \
    { "candidate-floor", MT_CFG_DOUBLE, offsetof (type, p candidate_floor), -1000, 1000, \
      RESULTS_FLOOR_HELP }, \
    { "same-person-floor-found", MT_CFG_DOUBLE, offsetof (type, p same_floor_found), -1000, \
      1000, "score (the evidence, a log-likelihood ratio, less what the records' other " \
      "look-alikes say) from which two found people are suggested as the same person, " \
      "for review" }, \
    { "same-person-floor-missing", MT_CFG_DOUBLE, offsetof (type, p same_floor_missing), \
      -1000, 1000, "score (as for found people) from which two missing-person reports are " \
      "suggested as reports of the same person, for review" }, \
    { "case-memory-mb", MT_CFG_INT, offsetof (type, p case_memory_mb), 0, 1 << 20, \
      "memory for what weighing reads of the cases it weighs against (their facts and " \
      "faces; each copy checked against the store's version of the case before use; " \
      "0: read from the store each time)" }, \
    { "age-gap", MT_CFG_BOOL, offsetof (type, p age_gap), 0, 0, \
      "weigh two faces knowing the years between their photos, where both ages are known " \
      "(--no-age-gap: as if every pair were of one age, for comparison)" }

extern const mt_config_key_t results_config_keys [];

void results_config_defaults (results_config_t *config);

void results_actor (void *pipe, void *arg);

#endif
