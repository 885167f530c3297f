//  results_crossmatch - every open case searched again against the other
//  side's gallery: found cases first, then missing ones (a family's report
//  may be among a found person's nearest without the reverse). The cases go
//  in batches: their faces in one search request, which each partition
//  answers as one matrix product (FAISS's BLAS path), and their faces'
//  MobileFaceNet descriptors in a second one, of the MobileFaceNet
//  galleries (the union of both answers is weighed), then each case
//  weighed against what was found as the matcher weighs a new case; and a
//  third search of their own side's gallery, for the same person
//  registered twice (issue 27). Where
//  it is lives in the case store (mt_casedb_crossmatch.c): a stopped
//  service resumes it. The matcher runs a step of batches only when no
//  live case waits, the next batch searched while it weighs one, until
//  something else waits (a nudge) or S_CHAIN_MS passed; it sizes batches
//  to search for about crossmatch-batch-ms and paces them to take at most
//  crossmatch-share of the partitions' time.

#include "results/results_call.h"
#include "results/results_matcher.h"
#include "results/results_pb.h"
#include "results/results_score.h"

#include "base/mt_clock.h"
#include "base/mt_log.h"
#include "wire/mt_msg.h"
#include "index/mt_index.h"
#include "index/mt_store.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_NAME "results"
//  Cases and query vectors of one batch.
#define S_CASES 256
//  Cases weighed in one transaction: a batch (the write lock is held that
//  long: ~3 ms a case at 100,000 cases, under a second). A pair's entry
//  in the index by the other side lands on a page of its own, and each
//  transaction writes each page it changed to the log once (and syncs it):
//  fewer, larger transactions write less (bench/RESULTS.md).
#define S_GROUP 256
//  A step chains batches for at most this long (ms): the removals queued
//  without a nudge and the rescoring wait for its end.
#define S_CHAIN_MS 5000

typedef struct {
    mt_case_t c;
    mt_face_row_t *faces;
    size_t n;
    size_t first, count;        //  its queries in the batch
    size_t first2, count2;      //  its queries in the batch's MobileFaceNet search
} s_member_t;

//  A batch of the cross-match: its cases, and its three searches, built on
//  the matcher's thread and sent on the cross-match's link to the broker by
//  a thread of their own (s_fly), so that the partitions search one batch
//  while the matcher weighs the last.
enum { S_OTHER, S_OWN, S_SECOND, S_SEARCHES };

typedef struct {
    s_member_t *members;
    size_t count;
    size_t room;                //  query vectors it took room for, at most a message's
    int64_t last;               //  the last case looked at
    //  While it flies, the searches' thread alone uses what follows up to
    //  thread (and the matcher's thread none of it).
    mt_client_t *broker;
    mt_msg_t *search [S_SEARCHES];
    size_t queries [S_SEARCHES];
    //  dlib's hits in the other side's gallery, in its own side's (the
    //  same person registered twice), MobileFaceNet's in the other side's
    mt_msg_t *reply [S_SEARCHES];
    double start_ms, search_ms;
    int rc;
    mt_err_t err;
    pthread_t thread;
    bool launched, flying;
} s_batch_t;

//  The batch's MobileFaceNet search: every member's faces that have that
//  descriptor, for the other side's MobileFaceNet gallery (none: no search).
static int
s_search_second (results_matcher_t *m, mt_case_kind kind, s_batch_t *batch, mt_err_t *err)
{
    size_t k = results_search_k2 (m->config), most = 0;
    for (size_t i = 0; i < batch->count; i++)
        for (size_t f = 0; f < batch->members [i].n; f++)
            most += batch->members [i].faces [f].has_embedding2;
    if (k == 0 || most == 0)
        return MT_OK;
    if (most > MT_MSG_MAX_QUERIES)
        most = MT_MSG_MAX_QUERIES;
    int ns = mt_ns_second (kind == MT_KIND_FOUND ? MT_NS_MISSING : MT_NS_FOUND);
    mt_msg_t *search = results_search_new (ns, (uint32_t) k, most);
    if (!search)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    float *vectors = search->vectors;
    size_t q = 0;
    for (size_t i = 0; i < batch->count; i++) {
        s_member_t *member = &batch->members [i];
        member->first2 = q;
        for (size_t f = 0; f < member->n && q < most; f++)
            if (member->faces [f].has_embedding2)
                memcpy (vectors + q++ * MT_DIM2, member->faces [f].embedding2,
                        MT_DIM2 * sizeof *vectors);
        member->count2 = q - member->first2;
    }
    batch->search [S_SECOND] = search;
    batch->queries [S_SECOND] = q;
    return MT_OK;
}

//  The batch's search: every member's faces and templates in one request
//  (by dlib's descriptor; MobileFaceNet's: s_search_second), for the other
//  side's gallery, or with own for their own side's, for the same person
//  registered twice (the nearest RESULTS_SAME_K).
static int
s_search (results_matcher_t *m, mt_case_kind kind, bool own, s_batch_t *batch, size_t most,
          mt_err_t *err)
{
    bool found = (kind == MT_KIND_FOUND) != own;
    mt_msg_t *search = results_search_new (found ? MT_NS_MISSING : MT_NS_FOUND,
                                           own ? RESULTS_SAME_K
                                               : (uint32_t) m->config->search_k, most);
    if (!search)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    float *vectors = search->vectors;
    size_t q = 0;
    for (size_t i = 0; i < batch->count; i++) {
        s_member_t *member = &batch->members [i];
        member->first = q;
        for (size_t f = 0; f < member->n && q < most; f++, q++)
            memcpy (vectors + q * MT_DIM, member->faces [f].embedding, MT_DIM * sizeof *vectors);
        q += mt_rank_templates (&m->model, &member->c, member->faces, member->n,
                                vectors + q * MT_DIM, most - q);
        member->count = q - member->first;
    }
    batch->search [own ? S_OWN : S_OTHER] = search;
    batch->queries [own ? S_OWN : S_OTHER] = q;
    return MT_OK;
}

//  The searches' thread: each search in turn, the first failure ends them
//  (an answer with partitions missing fails: the batch is tried again).
static void *
s_fly (void *arg)
{
    s_batch_t *batch = arg;
    batch->rc = MT_OK;
    for (int s = 0; s < S_SEARCHES; s++) {
        mt_msg_t *search = batch->search [s];
        batch->search [s] = NULL;
        if (search && batch->rc == MT_OK)
            batch->rc = results_search_send (batch->broker, search, batch->queries [s], 120000,
                                             true, NULL, &batch->reply [s], &batch->err);
        else
            mt_msg_destroy (&search);
    }
    batch->search_ms = 1e3 * mt_clock_s () - batch->start_ms;
    return NULL;
}

//  Send the batch's searches: on a thread of their own, or here if none
//  can be started.
static void
s_launch (results_matcher_t *m, s_batch_t *batch)
{
    batch->broker = m->crossmatch_broker;
    batch->start_ms = 1e3 * mt_clock_s ();
    batch->launched = true;
    batch->flying = pthread_create (&batch->thread, NULL, s_fly, batch) == 0;
    if (!batch->flying)
        s_fly (batch);
}

//  Wait for the batch's searches' answers.
static int
s_land (s_batch_t *batch, mt_err_t *err)
{
    if (batch->flying)
        pthread_join (batch->thread, NULL);
    batch->flying = false;
    if (batch->rc != MT_OK && err)
        *err = batch->err;
    return batch->rc;
}

//  Let the batch go, its searches landed first; ready to be taken again.
static void
s_batch_free (s_batch_t *batch)
{
    s_land (batch, NULL);
    for (size_t i = 0; i < batch->count; i++)
        free (batch->members [i].faces);
    free (batch->members);
    for (int s = 0; s < S_SEARCHES; s++) {
        mt_msg_destroy (&batch->search [s]);
        mt_msg_destroy (&batch->reply [s]);
    }
    memset (batch, 0, sizeof *batch);
}

//  A batch fills to `most`, but not before it has MT_INDEX_BLAS_LEAST faces:
//  each of its searches then carries that many queries or more (the
//  MobileFaceNet search one a face) and FAISS compares them with a gallery
//  in one matrix product. Under it, FAISS compares a query with a vector at
//  a time: at a million cases, ~250,000-face exact galleries searched by
//  batches of 3-4 cases held the cross-match to ~26 cases/s, 84% of the
//  service in FAISS's scalar distance.
bool
results_batch_takes (size_t room, size_t faces, size_t n, size_t most)
{
    //  Its faces and up to four templates must fit.
    size_t after = room + n + 4;
    return after <= MT_MSG_MAX_QUERIES && (after <= most || faces < MT_INDEX_BLAS_LEAST);
}

//  The next batch's cases (open, with faces) after case `after`, as many
//  as results_batch_takes; *last_p is the last case looked at (cases
//  without faces are passed over), *room_p the query vectors the batch
//  takes room for (its faces and up to four templates a case).
static int
s_take (results_matcher_t *m, mt_case_kind kind, int64_t after, size_t most,
        s_member_t *members, size_t *count_p, int64_t *last_p, size_t *room_p, mt_err_t *err)
{
    int64_t ids [S_CASES];
    size_t listed = 0, count = 0, queries = 0, faces = 0;
    *last_p = after;
    int rc = mt_casedb_open_cases_after (m->db, kind, after, ids, S_CASES, &listed, err);
    for (size_t i = 0; rc == MT_OK && i < listed; i++) {
        s_member_t *member = &members [count];
        memset (member, 0, sizeof *member);
        rc = results_casemem_get (m->casemem, m->db, ids [i], &member->c, &member->faces,
                                  &member->n, err);
        if (rc != MT_OK)
            break;
        if (count > 0 && !results_batch_takes (queries, faces, member->n, most)) {
            free (member->faces);
            break;
        }
        *last_p = ids [i];
        if (member->n == 0) {
            free (member->faces);
            continue;
        }
        queries += member->n + 4;
        faces += member->n;
        count++;
    }
    *count_p = count;
    *room_p = queries;
    return rc;
}

//  Record the batch's progress, unless the cross-match was stopped or begun
//  again meanwhile (the API thread): a stop stays a stop, a new start is
//  not overwritten (cm's state says either). In one transaction with the
//  read.
static int
s_record (results_matcher_t *m, mt_crossmatch_t *cm, mt_err_t *err)
{
    int rc = mt_casedb_begin (m->db, err);
    if (rc != MT_OK)
        return rc;
    mt_crossmatch_t now;
    rc = mt_casedb_crossmatch_get (m->db, &now, err);
    if (rc == MT_OK && now.started_at == cm->started_at) {
        if (strcmp (now.state, "running") != 0)
            snprintf (cm->state, sizeof cm->state, "%s", now.state);
        rc = mt_casedb_crossmatch_put (m->db, cm, err);
    }
    else
    if (rc == MT_OK)                //  begun again: this one goes no further
        snprintf (cm->state, sizeof cm->state, "superseded");
    return mt_casedb_commit (m->db, rc, err);
}

//  Found cases scored again at once (one transaction): at most this many.
//  While a cross-match runs, its first side's list is read again
//  S_RESCORE_MS after it was last emptied; its second side's after
//  S_RESCORE_WAITS times as long as scoring it last took (at least
//  S_RESCORE_MS), and all of it when the side ends. The first side
//  touches each found case once, its pairs just written; the second side
//  keeps touching them: at 100,000 drawn faces its missing cases changed
//  pairs of most found cases every ten seconds, and scoring them again
//  (each one's ~100 pairs read, long out of the page cache, and the
//  scores that moved written) took most of the matcher's time. Now each
//  is scored once a round however many missing cases changed it, and
//  once the rounds stop growing scoring takes about a fifth of the
//  side's time, besides the last round. The wait has no ceiling: at a
//  million found cases (a round of ~30 minutes at the bench's rate) a
//  pair the second side adds or changes may wait two hours for its
//  score; it is listed, with its evidence, meanwhile. The same-person
//  pairs of the cases weighed (and of their partners) are scored in the
//  same rounds, after the found cases (mt_casedb_same_due_score); a
//  pending one is not suggested until then.
#define S_RESCORE_CHUNK 256
#define S_RESCORE_MS 10000
#define S_RESCORE_WAITS 4

//  The list is empty: when, and how long scoring it took.
static void
s_rescore_emptied (results_matcher_t *m)
{
    m->rescored_ms = 1e3 * mt_clock_s ();
    m->rescore_took_ms = m->rescore_spent_ms;
    m->rescore_spent_ms = 0;
}

//  Score again the next found cases of the store's list of them, then the
//  next cases of the same-person list, once wait_ms have passed since
//  both were last emptied (0: now): a found case touched by many batches
//  of missing cases is scored once for all of them, not after each (at
//  national scale, a batch of missing cases touches up to fifty found
//  cases each).
static int
s_rescore_due (results_matcher_t *m, double wait_ms, size_t *count_p, mt_err_t *err)
{
    *count_p = 0;
    double at = 1e3 * mt_clock_s ();
    if (at < m->rescored_ms + wait_ms)
        return MT_OK;
    int64_t ids [S_RESCORE_CHUNK];
    size_t count = 0, same = 0;
    int rc = mt_casedb_rescore_due_next (m->db, ids, S_RESCORE_CHUNK, &count, err);
    if (rc == MT_OK && count && (rc = mt_casedb_begin (m->db, err)) == MT_OK) {
        int64_t families = mt_casedb_open_count (m->db, MT_KIND_MISSING);
        for (size_t i = 0; rc == MT_OK && i < count; i++)
            rc = results_rescore_found (m->db, &m->model, ids [i], families, err);
        if (rc == MT_OK)
            rc = mt_casedb_rescore_due_done (m->db, ids, count, err);
        rc = mt_casedb_commit (m->db, rc, err);
    }
    //  The found cases' list emptied: the same-person pairs' next (in a
    //  transaction of their own, none when the list is empty).
    if (rc == MT_OK && count < S_RESCORE_CHUNK)
        rc = mt_casedb_same_due_score (m->db, S_RESCORE_CHUNK - count, &same, err);
    m->rescore_spent_ms += 1e3 * mt_clock_s () - at;
    if (rc == MT_OK && count + same < S_RESCORE_CHUNK)
        s_rescore_emptied (m);
    *count_p = count + same;
    return rc;
}

//  A side is done once the found cases it touched, and the same-person
//  pairs of the cases it weighed, are scored again: then the other side, or
//  the end. (The second side scores again only the
//  found cases whose pairs it changed: the first side's are scored by then.)
static int
s_side_done (results_matcher_t *m, mt_crossmatch_t *cm, mt_err_t *err)
{
    size_t rescored = 0;
    int rc = s_rescore_due (m, 0, &rescored, err);
    if (rc != MT_OK || rescored)
        return rc;
    if (cm->kind == MT_KIND_FOUND) {
        cm->kind = MT_KIND_MISSING;
        cm->after_case = 0;
    }
    else {
        snprintf (cm->state, sizeof cm->state, "done");
        results_casemem_stats_t mem = results_casemem_stats (m->casemem);
        mt_log_info (S_NAME, "cross-match done: %lld cases, %lld faces searched again; "
                     "cases in memory %zu (%.1f MB), read from memory %llu times (their "
                     "versions read %llu times), from the store %llu",
                     (long long) cm->cases_done, (long long) cm->faces_done,
                     mem.cases, (double) mem.bytes / 1048576.0, (unsigned long long) mem.hits,
                     (unsigned long long) mem.checks, (unsigned long long) mem.misses);
    }
    return s_record (m, cm, err);
}

//  The batch after case `after` of the side kind, for room for about `most`
//  query vectors, its searches built (none if it has no case with faces:
//  batch->last says how far it looked).
static int
s_batch_take (results_matcher_t *m, mt_case_kind kind, int64_t after, size_t most,
              s_batch_t *batch, mt_err_t *err)
{
    memset (batch, 0, sizeof *batch);
    batch->members = calloc (S_CASES, sizeof *batch->members);
    if (!batch->members)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    size_t room = 0;
    int rc = s_take (m, kind, after, most, batch->members, &batch->count, &batch->last, &room,
                     err);
    //  Filled to MT_INDEX_BLAS_LEAST faces; a first case of more faces than
    //  a message holds is searched by as many as it holds, as before.
    if (room > most)
        most = room < MT_MSG_MAX_QUERIES ? room : MT_MSG_MAX_QUERIES;
    batch->room = room < most ? room : most;
    if (rc == MT_OK && batch->count > 0)
        rc = s_search (m, kind, false, batch, most, err);
    if (rc == MT_OK && batch->count > 0)
        rc = s_search (m, kind, true, batch, most, err);
    if (rc == MT_OK && batch->count > 0)
        rc = s_search_second (m, kind, batch, err);
    return rc;
}

//  Whether something besides the cross-match waits for the matcher: a
//  nudge (a live case, a removal) or the stop.
static bool
s_others_wait (results_matcher_t *m)
{
    zmq_pollitem_t item = { m->pipe, 0, ZMQ_POLLIN, 0 };
    return zmq_poll (&item, 1, 0) > 0;
}

//  A step's batches one after another: the next one's searches in flight
//  while the matcher weighs the one before.
typedef struct {
    results_pace_t *pace;
    double began;               //  the step's start (ms)
    s_batch_t *next;
    bool tried;                 //  the next batch taken, or given up
} s_chain_t;

//  Take and send the next batch after `batch`, once its time has come
//  (the pace) and while nothing else waits and the step has run less than
//  S_CHAIN_MS. Between the weighing's transactions; a store that fails
//  here fails the next step, which takes the batch again.
static void
s_chain_on (results_matcher_t *m, mt_case_kind kind, const s_batch_t *batch, s_chain_t *chain)
{
    double now = 1e3 * mt_clock_s ();
    if (chain->tried || now < chain->pace->after_ms || now - chain->began >= S_CHAIN_MS
    ||  s_others_wait (m))
        return;
    chain->tried = true;
    mt_err_t why;
    int rc = s_batch_take (m, kind, batch->last, chain->pace->size, chain->next, &why);
    if (rc != MT_OK)
        mt_log_warn (S_NAME, "cross-match: the next batch: %s (taken again later)", why.msg);
    if (rc == MT_OK && chain->next->last != batch->last)
        s_launch (m, chain->next);
    else
        s_batch_free (chain->next);     //  the side's end, or the store's failure
}

//  The pace after a batch's searches: the next sized to search for about
//  crossmatch-batch-ms and not sent before the partitions have had their
//  share of time. Sized in the units of the size asked for: a case takes
//  room for its faces and four templates and sends fewer (one face, one or
//  two templates), so sizing by the vectors sent made each batch search a
//  third of batch-ms. By the room the batch took: s_take fills a batch
//  past the size asked for to MT_INDEX_BLAS_LEAST faces, so that FAISS
//  compares its queries with a gallery in one matrix product, not a vector
//  at a time.
static void
s_pace (const results_config_t *config, results_pace_t *pace, const s_batch_t *batch)
{
    if (!batch->reply [S_OTHER] || batch->room == 0 || batch->search_ms <= 0)
        return;
    double size = (double) batch->room * (double) config->crossmatch_batch_ms
                / batch->search_ms;
    double grown = 2.0 * (double) pace->size;
    if (size > grown)
        size = grown;
    if (size > MT_MSG_MAX_QUERIES)
        size = MT_MSG_MAX_QUERIES;
    pace->size = (size_t) (size < 16 ? 16 : size);
    pace->after_ms = batch->start_ms + batch->search_ms / config->crossmatch_share;
}

//  A group's transaction ends: its copies of cases are checked again.
static int
s_group_end (results_matcher_t *m, int rc, mt_err_t *err)
{
    results_casemem_distrust (m->casemem);
    return mt_casedb_commit (m->db, rc, err);
}

//  A batch's cases weighed against what its searches found, S_GROUP (all
//  of a batch) at a time in one transaction: their reads of candidate
//  cases and their pairs' writes share its locks and its commit (each
//  case's writes are a savepoint inside it). Between the transactions the
//  next batch may be sent (s_chain_on). The found cases it touched are listed to be scored
//  again later, each once however many batches touch it meanwhile
//  (s_rescore_due); so are the cases whose same-person pairs it changed,
//  listed with the pairs in their transaction (results_same_weigh_hits).
static int
s_weigh_batch (results_matcher_t *m, mt_crossmatch_t *cm, s_batch_t *batch, s_chain_t *chain,
               mt_err_t *err)
{
    results_set_t later = { 0 };
    bool grouped = false;
    int rc = MT_OK;
    for (size_t i = 0; rc == MT_OK && i < batch->count; i++) {
        if (i % S_GROUP == 0) {
            if (grouped)
                rc = s_group_end (m, rc, err);
            if (rc == MT_OK)
                s_chain_on (m, cm->kind, batch, chain);
            grouped = rc == MT_OK && mt_casedb_begin (m->db, err) == MT_OK;
            if (rc == MT_OK && !grouped)
                rc = err->code;
            if (rc != MT_OK)
                break;
            //  Holding the write lock, weighing writes pairs alone: the
            //  copies of cases checked at the store's count of changes
            //  stay its own till the commit.
            results_casemem_trust (m->casemem, m->db);
        }
        s_member_t *member = &batch->members [i];
        int64_t *others = NULL;
        size_t other_count = 0, other_size = 0, weighed = 0;
        rc = results_hits_add (batch->reply [S_OTHER], member->first, member->count, &others,
                               &other_count, &other_size, err);
        if (rc == MT_OK)
            rc = results_hits_add (batch->reply [S_SECOND], member->first2, member->count2,
                                   &others, &other_count, &other_size, err);
        if (rc == MT_OK)
            rc = results_weigh (m, &member->c, member->faces, member->n, &others,
                                &other_count, &other_size, &weighed, &later, err);
        //  Its own side: the same person registered twice.
        other_count = 0;
        if (rc == MT_OK)
            rc = results_hits_add (batch->reply [S_OWN], member->first, member->count, &others,
                                   &other_count, &other_size, err);
        if (rc == MT_OK)
            rc = results_same_weigh_hits (m, &member->c, member->faces, member->n, &others,
                                          &other_count, &other_size, true, err);
        free (others);
        if (rc == MT_OK)
            cm->cases_done++, cm->faces_done += (int64_t) member->n;
    }
    if (grouped)
        rc = s_group_end (m, rc, err);
    if (rc == MT_OK)
        s_chain_on (m, cm->kind, batch, chain);
    grouped = rc == MT_OK && later.count && mt_casedb_begin (m->db, err) == MT_OK;
    if (rc == MT_OK && later.count && !grouped)
        rc = err->code;
    if (rc == MT_OK && later.count)
        rc = mt_casedb_rescore_due_add (m->db, later.ids, later.count, err);
    if (grouped)
        rc = mt_casedb_commit (m->db, rc, err);
    free (later.ids);
    return rc;
}

//  A build or drop of the index that failed (a full disk) is tried again
//  after this long, unless the other is wanted meanwhile: each try holds
//  the store's writers as long as a build.
#define S_WEIGH_INDEX_RETRY_MS 600000

//  The index scoring reads pairs by: dropped while a cross-match runs,
//  there whenever none does (built again when one ends or is stopped, and
//  at the first look after the service starts: a kill between a
//  cross-match's end and the build). It only makes scoring faster: one
//  that cannot be built or dropped is a warning, and the work goes on.
static void
s_weigh_index (results_matcher_t *m, bool running)
{
    results_weigh_index_t want = running ? RESULTS_WEIGH_INDEX_OUT : RESULTS_WEIGH_INDEX_THERE;
    double began = mt_clock_s ();
    if (m->weigh_index == want
    ||  (m->weigh_index_failed == want && 1e3 * began < m->weigh_index_retry_ms))
        return;
    bool changed = false;
    mt_err_t err;
    if (mt_casedb_weigh_index (m->db, !running, &changed, &err) != MT_OK) {
        mt_log_warn (S_NAME, "the index of pairs by found case not %s (scoring reads the "
                     "pairs without it; tried again in %d minutes): %s",
                     running ? "dropped" : "built", S_WEIGH_INDEX_RETRY_MS / 60000, err.msg);
        m->weigh_index_failed = want;
        m->weigh_index_retry_ms = 1e3 * mt_clock_s () + S_WEIGH_INDEX_RETRY_MS;
        return;
    }
    m->weigh_index = want;
    if (changed)
        mt_log_info (S_NAME, "the index of pairs by found case %s in %.1f s%s",
                     running ? "dropped" : "built", mt_clock_s () - began,
                     running ? ": left out while the cross-match runs" : "");
}

int
results_crossmatch_step (results_matcher_t *m, results_pace_t *pace, mt_err_t *err)
{
    if (pace->size < 5)
        pace->size = 5;
    if (pace->size > MT_MSG_MAX_QUERIES)
        pace->size = MT_MSG_MAX_QUERIES;
    mt_crossmatch_t cm;
    int rc = mt_casedb_crossmatch_get (m->db, &cm, err);
    bool running = rc == MT_OK && strcmp (cm.state, "running") == 0;
    if (rc == MT_OK)
        s_weigh_index (m, running);
    size_t rescored = 0;
    if (rc == MT_OK)
        rc = s_rescore_due (m, !running ? 0
                               : cm.kind == MT_KIND_FOUND ? S_RESCORE_MS
                               : fmax (S_RESCORE_MS, S_RESCORE_WAITS * m->rescore_took_ms),
                            &rescored, err);
    if (rc == MT_OK && rescored)
        return MT_OK;               //  one piece of work a call
    if (rc != MT_OK || !running)
        return rc == MT_OK ? MT_ENOTFOUND : rc;
    s_batch_t *batch = calloc (1, sizeof *batch), *next = calloc (1, sizeof *next);
    if (!batch || !next) {
        free (batch);
        free (next);
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    s_chain_t chain = { .pace = pace, .began = 1e3 * mt_clock_s (), .next = next };
    rc = s_batch_take (m, cm.kind, cm.after_case, pace->size, batch, err);
    bool side_done = rc == MT_OK && batch->last == cm.after_case;
    if (rc == MT_OK && !side_done) {
        s_launch (m, batch);
        rc = s_land (batch, err);
    }
    while (rc == MT_OK && !side_done) {
        s_pace (m->config, pace, batch);
        rc = s_weigh_batch (m, &cm, batch, &chain, err);
        //  A batch weighed in part is weighed again whole: weighing is
        //  repeatable.
        if (rc == MT_OK) {
            cm.after_case = batch->last;
            rc = s_record (m, &cm, err);
        }
        //  The next batch, sent meanwhile, is weighed even if something
        //  else waits now (its search is not thrown away; s_chain_on sends
        //  none after it then); unweighed if the cross-match stopped or was
        //  begun again (it is taken again).
        if (rc != MT_OK || !next->launched || strcmp (cm.state, "running") != 0)
            break;
        rc = s_land (next, err);
        s_batch_free (batch);
        s_batch_t *weighed = batch;
        batch = next;
        next = chain.next = weighed;
        chain.tried = false;
    }
    //  A next batch dropped still took the partitions' time: paced by it.
    if (next->launched && s_land (next, NULL) == MT_OK)
        s_pace (m->config, pace, next);
    s_batch_free (batch);
    s_batch_free (next);
    free (batch);
    free (next);
    return side_done ? s_side_done (m, &cm, err) : rc;
}

//  ---------------------------------------------------------------- API

//  Where the cross-match is, as api.proto's Crossmatch: the answer.
static int
s_status (results_call_t *call, const mt_crossmatch_t *cm, mt_err_t *err)
{
    bool failed = false;
    Homeward__V1__Crossmatch *r = results_pb_new (&homeward__v1__crossmatch__descriptor, &failed);
    if (r) {
        r->state = results_pb_text (cm->state, &failed);
        r->side = results_pb_text (mt_case_kind_name (cm->kind), &failed);
        r->has_cases_done = r->has_faces_done = r->has_cases_total = 1;
        r->has_started_at = r->has_updated_at = r->has_done = 1;
        r->cases_done = cm->cases_done, r->faces_done = cm->faces_done;
        r->cases_total = cm->cases_total;
        r->started_at = cm->started_at, r->updated_at = cm->updated_at;
        r->done = strcmp (cm->state, "done") == 0 ? 1.0
                : cm->cases_total ? (double) cm->cases_done / (double) cm->cases_total : 0.0;
    }
    return results_pb_answer (&call->answer, r ? &r->base : NULL, failed, err);
}

int
results_m_crossmatch_start (results_call_t *call, mt_err_t *err)
{
    mt_crossmatch_t cm;
    int rc = mt_casedb_crossmatch_get (call->self->db, &cm, err);
    const Homeward__V1__CrossmatchParams *params = call->request->crossmatch_start;
    bool resume = rc == MT_OK && strcmp (cm.state, "stopped") == 0
               && params->has_resume && params->resume;
    if (rc == MT_OK && strcmp (cm.state, "running") == 0)
        rc = mt_err_set (err, MT_EINVAL, "a cross-match is already running (%lld of %lld "
                         "cases): see crossmatch status, or stop it first",
                         (long long) cm.cases_done, (long long) cm.cases_total);
    else if (rc == MT_OK && resume) {
        snprintf (cm.state, sizeof cm.state, "running");
        rc = mt_casedb_crossmatch_put (call->self->db, &cm, err);
    }
    else if (rc == MT_OK)
        rc = mt_casedb_crossmatch_start (call->self->db, &cm, err);
    if (rc == MT_OK) {
        mt_log_info (S_NAME, "cross-match %s by %s: %lld open cases", resume ? "resumed"
                     : "started", call->actor, (long long) cm.cases_total);
        rc = s_status (call, &cm, err);
        results_call_nudge (call->self);
    }
    return rc;
}

int
results_m_crossmatch_status (results_call_t *call, mt_err_t *err)
{
    mt_crossmatch_t cm;
    int rc = mt_casedb_crossmatch_get (call->self->db, &cm, err);
    return rc == MT_OK ? s_status (call, &cm, err) : rc;
}

int
results_m_crossmatch_stop (results_call_t *call, mt_err_t *err)
{
    mt_crossmatch_t cm;
    int rc = mt_casedb_crossmatch_get (call->self->db, &cm, err);
    if (rc == MT_OK && strcmp (cm.state, "running") == 0) {
        snprintf (cm.state, sizeof cm.state, "stopped");
        rc = mt_casedb_crossmatch_put (call->self->db, &cm, err);
        if (rc == MT_OK)
            mt_log_info (S_NAME, "cross-match stopped by %s after %lld of %lld cases",
                         call->actor, (long long) cm.cases_done, (long long) cm.cases_total);
    }
    return rc == MT_OK ? s_status (call, &cm, err) : rc;
}
