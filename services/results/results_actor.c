//  results_actor - cases, photos, candidates, reviews; jobs for the intake
//  workers; matching through the broker.

#include "results_actor.h"
#include "base/mt_clock.h"
#include "base/mt_dir.h"

#include "common/api.h"
#include "common/api_pb.h"
#include "results/results_pb.h"
#include "results/case_fields.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_disk.h"
#include "results/results_jobs.h"
#include "results/results_checkpoint.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/results_same.h"
#include "results/results_notice.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "face/mt_image.h"
#include "face/mt_quality.h"
#include "base/mt_log.h"
#include "results/store/mt_rank.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "results"

const mt_config_key_t results_config_keys [] = {
    { "api", MT_CFG_STRING, offsetof (results_config_t, api), 0, 256,
      "endpoint of the API, bound (CLI, intake workers, gateway)" },
    { "api2", MT_CFG_STRING, offsetof (results_config_t, api2), 0, 256,
      "a second endpoint to bind, optional" },
    { "jobs", MT_CFG_STRING, offsetof (results_config_t, jobs), 0, 256,
      "endpoint bound for the intake workers: photos are pushed to them from here" },
    { "broker", MT_CFG_STRING, offsetof (results_config_t, broker), 0, 256,
      "the broker's client endpoint" },
    { "db", MT_CFG_STRING, offsetof (results_config_t, db), 0, 1024,
      "the case store: a SQLite file, or a PostgreSQL database (postgresql://...)" },
    { "photos", MT_CFG_STRING, offsetof (results_config_t, photos), 0, 1024,
      "folder of the photo store" },
    { "crossmatch-batch-ms", MT_CFG_INT, offsetof (results_config_t, crossmatch_batch_ms), 10,
      60000, "a cross-match's batch is sized to search for about this long: the most a live "
      "search may wait behind it" },
    { "keep", MT_CFG_INT, offsetof (results_config_t, keep), 1, 10000,
      "candidate families kept per case" },
    { "lease-s", MT_CFG_INT, offsetof (results_config_t, lease_s), 5, 86400,
      "seconds an intake worker has for a photo before it is handed out again" },
    { "max-photo-bytes", MT_CFG_INT, offsetof (results_config_t, max_photo_bytes), 1024,
      1 << 30, "largest photo file accepted" },
    RESULTS_MATCHING_KEYS (results_config_t, ),
    MT_CURVE_SERVER_KEYS (results_config_t, curve),
    { "broker-key", MT_CFG_STRING, offsetof (results_config_t, broker_key), 0, 1024,
      "the broker's public key (.pub file or Z85 text)" },
    { .name = NULL }
};

void
results_config_defaults (results_config_t *config)
{
    *config = (results_config_t) {
        .api = "tcp://127.0.0.1:5557", .api2 = "", .jobs = "tcp://127.0.0.1:5558",
        .broker = "tcp://127.0.0.1:5555",
        .db = "var/homeward.db", .photos = "var/photos",
        .search_k = 50, .search_k2 = 20, .keep = 100, .crossmatch_share = 0.5, .crossmatch_batch_ms = 500, .lease_s = 120,
        .max_photo_bytes = MT_IMAGE_DEFAULT_MAX_BYTES, .retention_days = 365,
        .disk_reserve_mb = 512,
        .descriptor = "fused", .candidate_floor = RESULTS_FLOOR_DEFAULT, .age_gap = true,
        .same_floor_found = RESULTS_SAME_FLOOR_FOUND,
        .same_floor_missing = RESULTS_SAME_FLOOR_MISSING, .case_memory_mb = 1024
    };
}

//  ---------------------------------------------------------------- API methods
//  (results_cases.c, results_review.c, results_jobs.c, results_edit.c, ...)


//  An answer and nothing else: clients (the gateway) learn that the
//  service is up without making it count a database.
static int
m_ping (results_call_t *call, mt_err_t *err)
{
    bool failed = false;
    Homeward__V1__Pong *pong = results_pb_new (&homeward__v1__pong__descriptor, &failed);
    if (pong)
        pong->has_pong = pong->pong = 1;
    return results_pb_answer (&call->answer, pong ? &pong->base : NULL, failed, err);
}

//  The index's replicas as the broker sees them, into st (or why not).
static void
s_stats_index (results_call_t *call, Homeward__V1__ServiceStats *st, bool *failed)
{
    mt_msg_t *msg = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    mt_err_t why;
    if (msg && call->self->broker
    &&  mt_client_request (call->self->broker, msg, 1000, &reply, &why) == MT_OK) {
        st->has_partitions = 1, st->partitions = (int32_t) reply->partitions;
        st->replicas = reply->replica_count ? calloc (reply->replica_count,
                                                      sizeof *st->replicas) : NULL;
        *failed |= reply->replica_count && !st->replicas;
        for (size_t i = 0; st->replicas && i < reply->replica_count; i++) {
            Homeward__V1__ReplicaState *r = results_pb_new (
                &homeward__v1__replica_state__descriptor, failed);
            if (!(st->replicas [i] = r))
                break;
            st->n_replicas = i + 1;
            r->has_partition = r->has_replica = r->has_missing_faces = r->has_found_faces = 1;
            r->partition = (int32_t) reply->replica_status [i].partition;
            r->replica = (int32_t) reply->replica_status [i].replica;
            r->state = results_pb_text (reply->replica_status [i].state, failed);
            r->missing_faces = (int64_t) reply->replica_status [i].missing_count;
            r->found_faces = (int64_t) reply->replica_status [i].found_count;
        }
    }
    else
        st->index_error = results_pb_text (msg ? why.msg : "out of memory", failed);
    mt_msg_destroy (&msg);
    mt_msg_destroy (&reply);
}

//  The store's counts are read again for a stats call unless the caller
//  lets them be older (api.proto's StatsParams) and they took over
//  S_COUNTS_SLOW_MS to read: then once S_COUNTS_SPAN times that has passed
//  (1% of a core), or the caller's age, whichever is sooner.
#define S_COUNTS_SLOW_MS 20
#define S_COUNTS_SPAN 100

static bool
s_counts_fresh_enough (const results_call_t *call)
{
    const results_state_t *self = call->self;
    const Homeward__V1__StatsParams *params = call->request->stats;
    if (!params->has_counts_max_age_ms || self->counts_took_ms <= S_COUNTS_SLOW_MS)
        return false;
    int64_t span = S_COUNTS_SPAN * self->counts_took_ms;
    if (params->counts_max_age_ms < span)
        span = params->counts_max_age_ms;
    return mt_clock_ms () - self->counts_ms < span;
}

//  The service's counts (api.proto's stats): the health page and the
//  metrics read them.
static int
m_stats (results_call_t *call, mt_err_t *err)
{
    results_state_t *self = call->self;
    if (!s_counts_fresh_enough (call)) {
        int64_t now = mt_clock_ms ();
        int rc = mt_casedb_stats (self->db, &self->counts, err);
        if (rc != MT_OK)
            return rc;
        self->counts_ms = now;
        self->counts_took_ms = mt_clock_ms () - now;
    }
    mt_casedb_stats_t counts = self->counts;
    bool failed = false;
    Homeward__V1__ServiceStats *st = results_pb_new (&homeward__v1__service_stats__descriptor, &failed);
    if (!st)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
#define S_ONE(name, sql) + 1
    st->counts = calloc (0 MT_CASEDB_STATS (S_ONE), sizeof *st->counts);
#undef S_ONE
    failed |= !st->counts;
#define S_STAT(stat, sql) \
    if (st->counts && counts.stat >= 0) { \
        Homeward__V1__Count *c = results_pb_new (&homeward__v1__count__descriptor, &failed); \
        if ((st->counts [st->n_counts] = c)) { \
            st->n_counts++; \
            c->name = results_pb_text (#stat, &failed); \
            c->has_value = 1, c->value = (int64_t) counts.stat; \
        } \
    }
    MT_CASEDB_STATS (S_STAT)
#undef S_STAT
    st->has_schema = 1, st->schema = counts.schema;
    s_stats_index (call, st, &failed);
    //  The disk: health says "disk_low" / "disk_full", metrics export these.
    results_disk_t disk;
    results_disk_check (call->self->config->db, call->self->config->photos,
                        call->self->config->disk_reserve_mb, call->self->disk_full_ms, &disk);
    st->has_disk_free_bytes = st->has_disk_reserve_bytes = st->has_disk_low = 1;
    st->has_disk_full = 1;
    st->disk_free_bytes = disk.free_bytes, st->disk_reserve_bytes = disk.reserve_bytes;
    st->disk_low = disk.low, st->disk_full = disk.full;
    //  The intake workers on the job link.
    size_t idle, busy;
    results_jobs_workers (call->self, &idle, &busy);
    st->has_intake_workers_ready = st->has_intake_workers_busy = 1;
    st->intake_workers_ready = (int64_t) idle, st->intake_workers_busy = (int64_t) busy;
    return results_pb_answer (&call->answer, &st->base, failed, err);
}


static const struct {
    const char *name;
    int (*fn) (results_call_t *, mt_err_t *);
} s_methods [] = {
    { "case.add", results_m_case_add }, { "case.get", results_m_case_get }, { "case.close", results_m_case_close },
    { "photo.add", results_m_photo_add }, { "photo.get", results_m_photo_get }, { "face.chip", results_m_face_chip },
    { "candidates", results_m_candidates }, { "review", results_m_review }, { "reviews", results_m_reviews },
    { "stats", m_stats }, { "ping", m_ping }, { "queue", results_m_queue }, { "audit.list", results_m_audit },
    { "case.list", results_m_case_list }, { "case.facts", results_m_case_facts },
    { "audit.add", results_m_audit_add },
    { "case.export", results_m_case_export }, { "case.erase", results_m_case_erase },
    { "audit.verify", results_m_audit_verify },
    { "face.get", results_m_face_get }, { "face.exclude", results_m_face_exclude },
    { "photo.person", results_m_photo_person }, { "photo.remove", results_m_photo_remove },
    { "case.update", results_m_case_update }, { "photo.taken", results_m_photo_taken },
    { "reembed.start", results_m_reembed_start }, { "reembed.status", results_m_reembed_status },
    { "crossmatch.start", results_m_crossmatch_start },
    { "crossmatch.status", results_m_crossmatch_status },
    { "crossmatch.stop", results_m_crossmatch_stop },
    { "backup.begin", results_m_backup_begin }, { "backup.read", results_m_backup_read },
    { "backup.end", results_m_backup_end }, { "backup.photo", results_m_backup_photo },
    { "case.reopen", results_m_case_reopen }, { "pair.get", results_m_pair_get },
    { "same.list", results_m_same_list }, { "same.get", results_m_same_get },
    { "same.decide", results_m_same_decide },
    { "notice.list", results_m_notice_list }, { "notice.told", results_m_notice_told },
};

//  The methods that change records, which a client may send with an
//  idempotency_key: the same key again (a double click, a retry after a
//  lost answer) gets the first answer, and the work is done once.
static const char *const s_changing [] = {
    "case.add", "case.close", "case.reopen", "case.update", "case.erase", "photo.add",
    "photo.person", "photo.remove", "photo.taken", "face.exclude", "review", "same.decide",
    "notice.told", NULL
};

//  A request's digest: its method, its parameters packed (the key is the
//  envelope's), its bytes.
static void
s_request_digest (const results_call_t *call, char hex [65])
{
    const char *method = call->request->method;
    ProtobufCMessage *params = api_pb_oneof (&call->request->base, api_pb_params_field (method));
    uint8_t *packed = NULL;
    size_t size = 0;
    api_pb_pack (params, &packed, &size, NULL);
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    crypto_hash_sha256_update (&state, (const unsigned char *) method, strlen (method) + 1);
    crypto_hash_sha256_update (&state, (const unsigned char *) "pb", 3);
    if (packed)
        crypto_hash_sha256_update (&state, packed, size);
    if (call->payload)
        crypto_hash_sha256_update (&state, call->payload, call->payload_size);
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, digest);
    sodium_bin2hex (hex, 65, digest, sizeof digest);
    free (packed);
}

//  The answer kept for a key, as text: "pb:" and the base64 of the packed
//  result (malloc'd; NULL when out of memory). (Answers kept in JSON before
//  the API moved to protobuf are not read: their digests differ.)
static char *
s_answer_text (const results_call_t *call)
{
    uint8_t *packed = NULL;
    size_t size = 0;
    if (!call->answer || api_pb_pack (call->answer, &packed, &size, NULL) != MT_OK)
        return NULL;
    size_t room = sodium_base64_encoded_len (size, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc (3 + room);
    if (text) {
        memcpy (text, "pb:", 3);
        sodium_bin2base64 (text + 3, room, packed, size, sodium_base64_VARIANT_ORIGINAL);
    }
    free (packed);
    return text;
}

//  The kept answer back into the call.
static int
s_answer_read (results_call_t *call, const char *text, mt_err_t *err)
{
    const ProtobufCFieldDescriptor *f = api_pb_result_field (call->request->method);
    size_t length = strlen (text), size = 0;
    uint8_t *packed = malloc (length + 1);
    if (packed && strncmp (text, "pb:", 3) == 0
    &&  sodium_base642bin (packed, length, text + 3, length - 3, NULL, &size, NULL,
                           sodium_base64_VARIANT_ORIGINAL) == 0)
        call->answer = protobuf_c_message_unpack (f->descriptor, NULL, size, packed);
    free (packed);
    if (!call->answer)
        return mt_err_set (err, MT_EINTERNAL, "the kept answer is not one of %s", f->name);
    return MT_OK;
}

//  Call fn once per key: the work and the kept answer in one transaction,
//  so that a crash leaves neither or both. What a refused or failed call
//  wrote (a refusal in the audit log) is kept; only its answer is not.
static int
s_call_once (results_call_t *call, const char *method, const char *key,
             int (*fn) (results_call_t *, mt_err_t *), mt_err_t *err)
{
    if (!*key || strlen (key) > 200)
        return mt_err_set (err, MT_EINVAL, "an Idempotency-Key has 1 to 200 characters");
    char digest [65], held [201];
    snprintf (held, sizeof held, "%s", key);
    key = held;             //  the parameter goes before the method runs
    s_request_digest (call, digest);
    mt_casedb_t *db = call->self->db;
    int rc = mt_casedb_begin (db, err);
    if (rc != MT_OK)
        return rc;
    mt_idem_t first;
    rc = mt_casedb_idem_get (db, call->actor, key, &first, err);
    if (rc == MT_OK) {
        if (strcmp (first.method, method) != 0 || strcmp (first.request, digest) != 0)
            rc = mt_err_set (err, MT_ECONFLICT, "this Idempotency-Key was used for another "
                             "request: send a new key with each new request");
        else
            rc = s_answer_read (call, first.result, err);
        free (first.result);
        return mt_casedb_commit (db, rc, err);
    }
    if (rc != MT_ENOTFOUND)
        return mt_casedb_commit (db, rc, err);
    rc = fn (call, err);
    if (rc != MT_OK) {
        mt_casedb_commit (db, MT_OK, NULL);
        return rc;
    }
    char *text = s_answer_text (call);
    rc = text ? mt_casedb_idem_put (db, call->actor, key, method, digest, text, err)
              : mt_err_set (err, MT_ENOMEM, "out of memory");
    free (text);
    rc = mt_casedb_commit (db, rc, err);
    if (rc != MT_OK) {
        if (call->answer)
            protobuf_c_message_free_unpacked (call->answer, NULL);
        call->answer = NULL;
    }
    //  The matcher told again, now that the work is committed.
    results_call_nudge (call->self);
    return rc;
}

//  Run the call's method (once per idempotency key, for those that change
//  records), and what follows a call.
static int
s_run (results_state_t *self, results_call_t *call, const char *method, const char *key,
       mt_err_t *err)
{
    int rc = mt_err_set (err, MT_ENOTFOUND, "unknown method '%s'", method ? method : "");
    bool changing = false;
    for (size_t i = 0; method && s_changing [i]; i++)
        changing |= strcmp (method, s_changing [i]) == 0;
    for (size_t i = 0; method && i < sizeof s_methods / sizeof s_methods [0]; i++)
        if (strcmp (method, s_methods [i].name) == 0) {
            mt_err_clear (err);
            rc = key && changing ? s_call_once (call, method, key, s_methods [i].fn, err)
                                 : s_methods [i].fn (call, err);
            break;
        }
    //  Full while writes fail for lack of space; over once one that writes
    //  (a photo, a case, a processed photo) goes through again.
    if (rc == MT_ENOSPACE && !call->below_reserve)
        self->disk_full_ms = mt_clock_ms ();
    else
    if (rc == MT_OK && method && (strcmp (method, "photo.add") == 0
                               || strcmp (method, "case.add") == 0))
        self->disk_full_ms = 0;
    //  A photo added, or to be described again: pushed to a ready worker now.
    if (rc == MT_OK && (changing || (method && strcmp (method, "reembed.start") == 0)))
        results_jobs_waiting (self);
    return rc;
}

//  A request (api.proto's ApiRequest) and its answer.
static void
s_serve_pb (results_state_t *self, api_message_t *msg)
{
    mt_err_t err;
    Homeward__V1__ApiRequest *request = NULL;
    int rc = api_pb_request_read (msg->body, msg->body_size, &request, &err);
    results_call_t call = { .self = self, .actor = "unknown", .role = "", .station = "",
                            .payload = msg->payload, .payload_size = msg->payload_size };
    if (rc == MT_OK) {
        call.request = request;
        call.actor = request->actor && *request->actor ? request->actor : "unknown";
        call.role = request->role ? request->role : "";
        call.station = request->station ? request->station : "";
        rc = s_run (self, &call, request->method, request->idempotency_key, &err);
    }
    //  What the method adds to its error (a refused decision: the states
    //  allowed).
    Homeward__V1__ApiError more = HOMEWARD__V1__API_ERROR__INIT;
    if (call.refused.state [0]) {
        more.state = call.refused.state;
        more.allowed = (char **) call.refused.allowed;
        more.n_allowed = call.refused.count;
    }
    uint8_t *body = NULL;
    size_t size = 0;
    mt_err_t send_err;
    if (api_pb_reply_pack (request && request->has_id ? request->id : 0,
                           request ? request->method : NULL, rc, &err, &more, call.answer,
                           &body, &size, &send_err) != MT_OK
    ||  api_send_body (self->api, &msg->route, body, size, rc == MT_OK ? call.reply_payload
                       : NULL, call.reply_size, &send_err) != MT_OK)
        mt_log_warn (S_NAME, "cannot answer: %s", send_err.msg);
    free (body);
    if (call.answer)
        protobuf_c_message_free_unpacked (call.answer, NULL);
    if (request)
        protobuf_c_message_free_unpacked (&request->base, NULL);
    free (call.reply_payload);
}

static void
s_serve_api (results_state_t *self)
{
    api_message_t msg;
    mt_err_t err;
    int rc = api_recv (self->api, &msg, &err);
    if (rc == MT_OK)
        s_serve_pb (self, &msg);
    else
    if (rc == MT_EPROTO && msg.route.count > 0) {
        //  Frames that are no request: told so, when they can be answered.
        uint8_t *body = NULL;
        size_t size = 0;
        if (api_pb_reply_pack (0, NULL, rc, &err, NULL, NULL, &body, &size, &err) == MT_OK)
            api_send_body (self->api, &msg.route, body, size, NULL, 0, &err);
        free (body);
    }
    api_message_free (&msg);
}

//  ---------------------------------------------------------------- actor

//  The case store's folder (a SQLite file's) and the photo store's.
static int
s_make_folders (const results_config_t *config, mt_err_t *err)
{
    char dir [1100];
    snprintf (dir, sizeof dir, "%s", config->db);
    char *slash = strrchr (dir, '/');
    int rc = MT_OK;
    if (slash && !mt_casedb_target_is_pg (config->db)) {
        *slash = '\0';
        if (*dir)
            rc = mt_dir_make (dir, err);
    }
    return rc == MT_OK ? mt_dir_make (config->photos, err) : rc;
}

//  The API's socket, bound, and the pipe to the matcher thread.
static int
s_sockets (results_state_t *self, results_matcher_t *matcher, const char *endpoint,
           mt_err_t *err)
{
    const results_config_t *config = self->config;
    self->api = mt_wire_socket (ZMQ_ROUTER, err);
    self->nudge = mt_wire_socket (ZMQ_PAIR, err);
    matcher->pipe = mt_wire_socket (ZMQ_PAIR, err);
    if (!self->api || !self->nudge || !matcher->pipe)
        return MT_EIO;
    if (zmq_bind (self->nudge, endpoint) != 0 || zmq_connect (matcher->pipe, endpoint) != 0)
        return mt_err_set (err, MT_EIO, "cannot connect the matcher");
    //  CURVE options stay on the socket for later binds: bind the endpoints
    //  that do not take it (inproc://, ipc://) first.
    const char *first = config->api, *second = config->api2;
    if (strncmp (first, "tcp://", 6) == 0) {
        first = config->api2;
        second = config->api;
    }
    int rc = MT_OK;
    if (first [0])
        rc = mt_wire_bind (self->api, first, &config->curve, err);
    if (rc == MT_OK && second [0])
        rc = mt_wire_bind (self->api, second, &config->curve, err);
    return rc;
}

void
results_actor (void *pipe, void *arg)
{
    results_state_t self = { .config = arg, .model = mt_rank_default_model (),
                             .seen = calloc (RESULTS_SEEN_SLOTS, sizeof (results_seen_t)) };
    const results_config_t *config = self.config;
    results_matcher_t matcher = { .config = config, .model = self.model };
    //  The link to the broker: this process's key, the broker's public key.
    mt_curve_config_t broker_link = config->curve;
    snprintf (broker_link.server_key, sizeof broker_link.server_key, "%s", config->broker_key);
    mt_err_t err;
    int rc = sodium_init () < 0 ? mt_err_set (&err, MT_EINTERNAL, "libsodium failed") : MT_OK;
    if (rc == MT_OK && !self.seen)
        rc = mt_err_set (&err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK)
        rc = mt_rank_model_descriptor (&self.model, config->descriptor, &err);
    self.model.age_gap = config->age_gap;
    matcher.model = self.model;
    if (rc == MT_OK)
        rc = s_make_folders (config, &err);
    //  A backup's copy left by a stop in the middle of it.
    char backup_copy [1200];
    results_backup_path (config, backup_copy, sizeof backup_copy);
    unlink (backup_copy);
    if (rc == MT_OK)
        rc = mt_casedb_open (config->db, &self.db, &err);
    if (rc == MT_OK)
        rc = mt_casedb_leases_clear (self.db, &err);
    if (rc == MT_OK)
        rc = mt_casedb_open (config->db, &matcher.db, &err);
    matcher.casemem = rc == MT_OK
        ? results_casemem_new ((size_t) config->case_memory_mb << 20) : NULL;
    if (rc == MT_OK && !matcher.casemem)
        rc = mt_err_set (&err, MT_ENOMEM, "out of memory");
    //  The write-ahead log moved into the database in the background, not
    //  at a commit a case waits on.
    results_checkpoint_t *checkpoint = NULL;
    if (rc == MT_OK)
        rc = results_checkpoint_start (config->db, &checkpoint, &err);
    if (rc == MT_OK) {
        mt_casedb_checkpoint_by_hand (self.db);
        mt_casedb_checkpoint_by_hand (matcher.db);
    }
    if (rc == MT_OK)
        rc = mt_client_new (config->broker, &broker_link, &matcher.broker, &err);
    if (rc == MT_OK)
        rc = mt_client_new (config->broker, &broker_link, &matcher.crossmatch_broker, &err);
    if (rc == MT_OK)
        rc = mt_client_new (config->broker, &broker_link, &self.broker, &err);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://results-matcher-%p", (void *) &self);
    if (rc == MT_OK)
        rc = s_sockets (&self, &matcher, endpoint, &err);
    if (rc == MT_OK)
        rc = results_jobs_new (&self, &err);
    pthread_t thread;
    if (rc == MT_OK && pthread_create (&thread, NULL, results_matcher_run, &matcher) != 0)
        rc = mt_err_set (&err, MT_ENOMEM, "cannot start the matcher");
    if (rc != MT_OK) {
        if (self.api)
            zmq_close (self.api);
        if (self.nudge)
            zmq_close (self.nudge);
        if (matcher.pipe)
            zmq_close (matcher.pipe);
        results_jobs_destroy (&self);
        results_checkpoint_stop (&checkpoint);
        mt_client_destroy (&matcher.broker);
        mt_client_destroy (&matcher.crossmatch_broker);
        mt_client_destroy (&self.broker);
        mt_casedb_close (&matcher.db);
        results_casemem_destroy (&matcher.casemem);
        mt_casedb_close (&self.db);
        free (self.seen);
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    char shown [1100];
    mt_casedb_target_shown (config->db, shown, sizeof shown);
    mt_log_info (S_NAME, "API on %s%s%s; intake workers on %s; cases in %s, photos in %s; "
                 "broker %s", config->api, config->api2 [0] ? " and " : "", config->api2,
                 config->jobs, shown, config->photos, config->broker);
    mt_actor_ready (pipe, MT_OK, NULL);
    for (;;) {
        zmq_pollitem_t items [3] = { { pipe, 0, ZMQ_POLLIN, 0 }, { self.api, 0, ZMQ_POLLIN, 0 },
                                     { results_jobs_socket (&self), 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 3, results_jobs_timeout (&self)) < 0 && zmq_errno () != EINTR)
            break;
        if ((items [0].revents & ZMQ_POLLIN) && mt_actor_is_term (pipe))
            break;
        if (items [1].revents & ZMQ_POLLIN)
            s_serve_api (&self);
        if (items [2].revents & ZMQ_POLLIN)
            results_jobs_recv (&self);
        results_jobs_tick (&self);
    }
    zmq_send (self.nudge, "$", 1, 0);
    pthread_join (thread, NULL);
    zmq_close (self.api);
    zmq_close (self.nudge);
    zmq_close (matcher.pipe);
    results_jobs_destroy (&self);
    mt_client_destroy (&matcher.broker);
    mt_client_destroy (&matcher.crossmatch_broker);
    mt_client_destroy (&self.broker);
    mt_casedb_close (&matcher.db);
    results_casemem_destroy (&matcher.casemem);
    mt_casedb_close (&self.db);
    results_checkpoint_stop (&checkpoint);
    unlink (backup_copy);
    free (self.seen);
    mt_log_info (S_NAME, "stopped");
}
