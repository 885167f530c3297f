//  End to end: `homeward serve` as a real process, real photos (LFW), the
//  API and the command line as a relief station and a police liaison use
//  them; then kill -9 in the middle of a bulk import.

#include "mt_test.h"
#include "mt_test_serve.h"

#include "common/api.h"
#include "common/api_pb.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_wire.h"
#include "wire/mt_zmq.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"

//  ---------------------------------------------------------------- tests

static const char *s_people [] = {
    "Aaron_Peirsol", "Amram_Mitzna", "Ana_Guevara", "Aron_Ralston", "Arsinee_Khanjian",
    "Barry_Alvarez", "Bill_Gates", "Bill_McBride", "Carson_Palmer", "Christine_Gregoire",
    "Clint_Eastwood", "Colin_Jackson", "David_Spade", "Dick_Clark", "Donatella_Versace",
    "Francis_George", "Gerry_Parsky", "Greg_Rusedski", "Gregg_Popovich", "Gustavo_Kuerten",
    "Li_Zhaoxing", "Paula_Radcliffe", "Kevin_Spacey", "Liza_Minnelli"
};
#define S_PEOPLE (sizeof s_people / sizeof s_people [0])
static int64_t s_missing [S_PEOPLE];

static void
test_family_ranks_first (void)
{
    //  One missing report per person, with photo 1.
    for (size_t i = 0; i < S_PEOPLE; i++) {
        char photo [128];
        snprintf (photo, sizeof photo, "lfw/%s/1.jpg", s_people [i]);
        const char *sex = strcmp (s_people [i], "Bill_Gates") == 0 ? "male" : "unknown";
        s_missing [i] = mt_serve_case ("missing", sex, 44, "family_name", s_people [i]);
        mt_serve_photo (s_missing [i], photo);
    }
    for (size_t i = 0; i < S_PEOPLE; i++)
        mt_serve_settle (s_missing [i]);
    //  Three people found with another photo: each one's family ranks first.
    const char *probes [] = { "Bill_Gates", "Li_Zhaoxing", "Paula_Radcliffe" };
    const size_t index [] = { 6, 20, 21 };
    for (int p = 0; p < 3; p++) {
        char photo [128];
        snprintf (photo, sizeof photo, "lfw/%s/2.jpg", probes [p]);
        int64_t found = mt_serve_case ("found", p == 0 ? "male" : "unknown", 44, NULL, NULL);
        mt_serve_photo (found, photo);
        mt_serve_settle (found);
        json_t *result = mt_serve_candidates (found, 20);
        json_t *item = NULL;
        int rank = mt_serve_rank_of (result, s_missing [index [p]], &item);
        fprintf (stderr, "%s: family ranks %d of %zu\n", probes [p], rank,
                 json_array_size (json_object_get (result, "candidates")));
        MT_CHECK_INT (rank, 1);
        if (item) {
            json_t *ex = json_object_get (item, "explanation");
            MT_CHECK (json_array_size (json_object_get (ex, "pairs")) >= 1);
            MT_CHECK (json_array_size (json_object_get (ex, "facts")) == 4);
            MT_CHECK (json_real_value (json_object_get (item, "score")) > 0.5);
            MT_CHECK (json_object_get (json_object_get (item, "case"), "family_name") != NULL);
        }
        json_decref (result);
    }
}

static int64_t s_found_wrong_sex;

//  The sex recorded wrongly: the family still appears, lower, with the
//  conflict shown; on the command line too.
static void
test_wrong_sex_still_appears (void)
{
    int64_t right = mt_serve_case ("found", "male", 44, NULL, NULL);
    mt_serve_photo (right, "lfw/Bill_Gates/3.jpg");
    s_found_wrong_sex = mt_serve_case ("found", "female", 44, NULL, NULL);
    mt_serve_photo (s_found_wrong_sex, "lfw/Bill_Gates/3.jpg");
    mt_serve_settle (right);
    mt_serve_settle (s_found_wrong_sex);
    json_t *a = mt_serve_candidates (right, 20), *b = mt_serve_candidates (s_found_wrong_sex, 20);
    json_t *ia = NULL, *ib = NULL;
    int ra = mt_serve_rank_of (a, s_missing [6], &ia), rb = mt_serve_rank_of (b, s_missing [6], &ib);
    MT_CHECK_INT (ra, 1);
    MT_CHECK (rb >= 1);                     //  still there
    if (ia && ib) {
        double sa = json_real_value (json_object_get (ia, "score"));
        double sb = json_real_value (json_object_get (ib, "score"));
        fprintf (stderr, "Bill_Gates: score %.3f with the right sex, %.3f with the wrong one "
                 "(rank %d)\n", sa, sb, rb);
        MT_CHECK (sb < sa);
        char *text = json_dumps (json_object_get (ib, "explanation"), 0);
        MT_CHECK_CONTAINS (text, "sex_mismatch");
        free (text);
    }
    json_decref (a);
    json_decref (b);
    char id [32], *out, *err;
    snprintf (id, sizeof id, "%lld", (long long) s_found_wrong_sex);
    char *argv [] = { S_HOMEWARD, "candidates", id, "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (argv, NULL, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "sex      CONFLICT  found person recorded female, missing person male");
    MT_CHECK_CONTAINS (out, "family: Bill_Gates");
    free (out), free (err);
}

//  A rejected pair never comes back, even after new photos.
static void
test_rejected_never_returns (void)
{
    int64_t found = mt_serve_case ("found", "unknown", 44, NULL, NULL);
    mt_serve_photo (found, "lfw/Li_Zhaoxing/3.jpg");
    mt_serve_settle (found);
    json_t *r = mt_serve_candidates (found, 20);
    MT_CHECK (mt_serve_rank_of (r, s_missing [20], NULL) >= 1);
    json_decref (r);
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s, s:s}", "case_id",
                         (json_int_t) found, "candidate", (json_int_t) s_missing [20],
                         "state", "rejected", "note", "not him"), NULL, 0, MT_OK));
    r = mt_serve_candidates (found, 20);
    MT_CHECK_INT (mt_serve_rank_of (r, s_missing [20], NULL), 0);
    json_decref (r);
    mt_serve_photo (found, "lfw/Li_Zhaoxing/4.jpg");
    mt_serve_settle (found);
    r = mt_serve_candidates (found, 20);
    MT_CHECK_INT (mt_serve_rank_of (r, s_missing [20], NULL), 0);
    json_decref (r);
    json_t *trail = mt_serve_call ("reviews", json_pack ("{s:I}", "case_id", (json_int_t) found), NULL,
                            0, MT_OK);
    char *text = json_dumps (trail, 0);
    MT_CHECK_CONTAINS (text, "\"state\": \"rejected\"");
    MT_CHECK_CONTAINS (text, "not him");
    free (text);
    json_decref (trail);
}

//  Reunited closes both cases and takes their faces out of the index.
static void
test_reunited (void)
{
    int64_t found = s_found_wrong_sex, missing = s_missing [6];
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s}", "case_id", (json_int_t) found,
                         "candidate", (json_int_t) missing, "state", "dna_requested"), NULL, 0,
                         MT_OK));
    //  Only a DNA test confirms; a reunion follows a confirmation.
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s}", "case_id", (json_int_t) found,
                         "candidate", (json_int_t) missing, "state", "reunited"), NULL, 0,
                         MT_ECONFLICT));
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s, s:s}", "case_id",
                         (json_int_t) found, "candidate", (json_int_t) missing, "state",
                         "confirmed", "note", "DNA match"), NULL, 0, MT_OK));
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s, s:s}", "case_id",
                         (json_int_t) found, "candidate", (json_int_t) missing, "state",
                         "reunited", "note", "family informed"), NULL, 0, MT_OK));
    int64_t ids [2] = { found, missing };
    for (int i = 0; i < 2; i++) {
        long long until = mt_test_now_ms () + 30000;
        json_t *c = NULL;
        while (mt_test_now_ms () < until) {
            json_decref (c);
            c = mt_serve_call ("case.get", json_pack ("{s:I}", "case_id", (json_int_t) ids [i]), NULL,
                        0, MT_OK);
            if (json_integer_value (json_object_get (c, "faces")) == 0)
                break;
            mt_test_sleep_ms (100);
        }
        MT_CHECK (strcmp (json_string_value (json_object_get (c, "state")), "closed") == 0);
        MT_CHECK_INT (json_integer_value (json_object_get (c, "faces")), 0);
        json_decref (c);
    }
    //  Another photo of Bill Gates no longer finds the closed family.
    int64_t probe = mt_serve_case ("found", "male", 44, NULL, NULL);
    mt_serve_photo (probe, "lfw/Bill_Gates/4.jpg");
    mt_serve_settle (probe);
    json_t *r = mt_serve_candidates (probe, 20);
    MT_CHECK_INT (mt_serve_rank_of (r, missing, NULL), 0);
    json_decref (r);
}

//  Erasure on request reaches everything: the photo file, the database
//  files (rows overwritten, WAL emptied) and every shard's snapshot and
//  log; the case number and the trail stay. Export first, through the CLI.
static void
test_erase_everywhere (void)
{
    int64_t id = mt_serve_case ("missing", "female", 11, "notes", "a scar over the left eyebrow");
    mt_serve_photo (id, "lfw/Ana_Guevara/3.jpg");
    mt_serve_settle (id);
    char out_path [700], idtext [32], *out, *err;
    snprintf (out_path, sizeof out_path, "%s/export-%lld.json", mt_test_tmpdir (), (long long) id);
    snprintf (idtext, sizeof idtext, "%lld", (long long) id);
    char *export [] = { S_HOMEWARD, "case", "export", idtext, "--out", out_path, "--api", mt_serve.api,
                        NULL };
    MT_CHECK_INT (mt_test_run (export, NULL, &out, &err), 0);
    free (out), free (err);
    MT_CHECK_INT (mt_test_run (export, NULL, &out, &err), 1);     //  never overwritten
    MT_CHECK_CONTAINS (err, "exists");
    free (out), free (err);
    struct stat st;
    MT_CHECK (stat (out_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    json_error_t jerr;
    json_t *exported = json_load_file (out_path, 0, &jerr);
    MT_CHECK (exported != NULL);
    json_t *face = json_array_get (json_object_get (exported, "faces"), 0);
    json_t *values = json_object_get (face, "embedding");
    MT_CHECK_INT (json_array_size (values), MT_EMBEDDING_DIM);
    float embedding [MT_EMBEDDING_DIM] = { 0 };
    for (size_t i = 0; i < MT_EMBEDDING_DIM && i < json_array_size (values); i++)
        embedding [i] = (float) json_number_value (json_array_get (values, i));
    const char *sha = json_string_value (json_object_get (
        json_array_get (json_object_get (exported, "photos"), 0), "sha256"));
    char photo_path [900];
    snprintf (photo_path, sizeof photo_path, "%s/photos/%.2s/%s", mt_serve.var, sha ? sha : "xx",
              sha ? sha : "");
    MT_CHECK (access (photo_path, F_OK) == 0);
    char *facts = json_dumps (json_object_get (exported, "case"), 0);
    MT_CHECK_CONTAINS (facts, "left eyebrow");
    free (facts);
    //  The face is in the files now (the scan can find it).
    char where [1024];
    MT_CHECK (mt_test_tree_holds (mt_serve.var, embedding, sizeof embedding, where, sizeof where));

    char *erase [] = { S_HOMEWARD, "case", "erase", idtext, "--reason", "consent withdrawn by "
                       "the family", "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (erase, NULL, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "queued for erasure");
    free (out), free (err);
    long long until = mt_test_now_ms () + 30000;
    json_t *c = NULL;
    bool gone = false;
    while (!gone && mt_test_now_ms () < until) {
        json_decref (c);
        c = mt_serve_call ("case.get", json_pack ("{s:I}", "case_id", (json_int_t) id), NULL, 0, MT_OK);
        gone = json_object_get (c, "erased")
            && !mt_test_tree_holds (mt_serve.var, embedding, sizeof embedding, where, sizeof where);
        if (!gone)
            mt_test_sleep_ms (200);
    }
    if (!gone)
        fprintf (stderr, "the face is still in %s\n", where);
    MT_CHECK (gone);
    MT_CHECK (strcmp (json_string_value (json_object_get (c, "state")), "closed") == 0);
    MT_CHECK (json_object_get (c, "notes") == NULL);
    MT_CHECK_INT (json_integer_value (json_object_get (c, "photos")), 0);
    json_decref (c);
    MT_CHECK (access (photo_path, F_OK) != 0);
    MT_CHECK (!mt_test_tree_holds (mt_serve.var, "left eyebrow", 12, where, sizeof where));
    //  The trail is whole and says what happened.
    char *verify [] = { S_HOMEWARD, "audit", "verify", "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (verify, NULL, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "the audit log is whole");
    free (out), free (err);
    char *list [] = { S_HOMEWARD, "audit", "list", "--case", idtext, "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (list, NULL, &out, &err), 0);
    MT_CHECK_CONTAINS (out, "case.erase.request");
    MT_CHECK_CONTAINS (out, "case.export");
    free (out), free (err);
    json_decref (exported);
}

//  One raw request on the API's socket, its reply's body (malloc'd).
static uint8_t *
s_raw_call (const void *body, size_t size, size_t *reply_size)
{
    void *raw = zmq_socket (mt_zmq_context (), ZMQ_DEALER);
    int timeout = 10000, linger = 0;
    zmq_setsockopt (raw, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (raw, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (raw, mt_serve.api);
    zmq_send (raw, "", 0, ZMQ_SNDMORE);
    zmq_send (raw, body, size, 0);
    api_message_t reply;
    mt_err_t err;
    uint8_t *out = NULL;
    *reply_size = 0;
    if (api_recv (raw, &reply, &err) == MT_OK) {
        out = reply.body, *reply_size = reply.body_size;
        reply.body = NULL;
        api_message_free (&reply);
    }
    zmq_close (raw);
    return out;
}

//  The error of a reply's bytes (NULL when they are no error reply).
static Homeward__V1__ApiReply *
s_error_of (const uint8_t *bytes, size_t size)
{
    Homeward__V1__ApiReply *reply = homeward__v1__api_reply__unpack (NULL, size, bytes);
    if (reply && reply->result_case != HOMEWARD__V1__API_REPLY__RESULT_ERROR) {
        protobuf_c_message_free_unpacked (&reply->base, NULL);
        reply = NULL;
    }
    return reply;
}

//  What the API's socket answers to messages no client sends: a request in
//  JSON (the API's old form), an ApiRequest of no method, bytes that are no
//  message. Each gets an error reply in both languages; the service goes on.
static void
test_raw_bodies (void)
{
    size_t size;
    const char *json = "{\"id\": 5, \"method\": \"photo.add\", \"params\": {\"case_id\": 1}}";
    uint8_t *said = s_raw_call (json, strlen (json), &size);
    Homeward__V1__ApiReply *refused = s_error_of (said, size);
    MT_CHECK (refused && strcmp (refused->error->code, "malformed_message") == 0);
    if (refused) {
        MT_CHECK_CONTAINS (refused->error->message, "not an API request");
        protobuf_c_message_free_unpacked (&refused->base, NULL);
    }
    free (said);
    Homeward__V1__ApiRequest request = HOMEWARD__V1__API_REQUEST__INIT;
    request.has_id = 1, request.id = 6, request.method = "case.add";
    uint8_t body [64];
    size_t body_size = homeward__v1__api_request__pack (&request, body);
    uint8_t *bytes = s_raw_call (body, body_size, &size);
    Homeward__V1__ApiReply *reply = homeward__v1__api_reply__unpack (NULL, size, bytes);
    MT_CHECK (reply && reply->id == 6 && reply->result_case == HOMEWARD__V1__API_REPLY__RESULT_ERROR);
    if (reply) {
        MT_CHECK_CONTAINS (reply->error->message, "names no method of api.proto");
        MT_CHECK (reply->error->message_zh && *reply->error->message_zh);
        protobuf_c_message_free_unpacked (&reply->base, NULL);
    }
    free (bytes);
    bytes = s_raw_call ("\x08\xff\xff", 3, &size);
    reply = homeward__v1__api_reply__unpack (NULL, size, bytes);
    MT_CHECK (reply && reply->result_case == HOMEWARD__V1__API_REPLY__RESULT_ERROR
              && strcmp (reply->error->code, "malformed_message") == 0);
    if (reply)
        protobuf_c_message_free_unpacked (&reply->base, NULL);
    free (bytes);
    json_decref (mt_serve_call ("stats", NULL, NULL, 0, MT_OK));
    //  Counts the caller lets be old are no older than it says, however
    //  long reading them took: a case added 5 ms after a read counts.
    json_t *before = mt_serve_call ("stats", json_pack ("{s:i}", "counts_max_age_ms", 1),
                                    NULL, 0, MT_OK);
    mt_serve_case ("found", "female", 11, NULL, NULL);
    usleep (5000);
    json_t *after = mt_serve_call ("stats", json_pack ("{s:i}", "counts_max_age_ms", 1),
                                   NULL, 0, MT_OK);
    MT_CHECK_INT (json_integer_value (json_object_get (after, "cases_found_open")),
                  json_integer_value (json_object_get (before, "cases_found_open")) + 1);
    json_decref (before), json_decref (after);
}

static void
test_clear_errors (void)
{
    json_decref (mt_serve_call ("candidates", json_pack ("{s:i}", "case_id", 999999), NULL, 0,
                         MT_ENOTFOUND));
    json_decref (mt_serve_call ("case.add", json_pack ("{s:s, s:s}", "kind", "found", "date_found",
                         "2021-02-30"), NULL, 0, MT_EINVAL));
    json_decref (mt_serve_call ("case.add", json_pack ("{s:s, s:s}", "kind", "found", "sex", "yes"),
                         NULL, 0, MT_EINVAL));
    json_decref (mt_serve_call ("case.add", json_pack ("{s:s, s:s}", "kind", "found", "colour", "red"),
                         NULL, 0, MT_EINVAL));
    json_decref (mt_serve_call ("photo.add", json_pack ("{s:I}", "case_id", (json_int_t) s_missing [0]),
                         "not an image at all", 19, MT_EFORMAT));
    json_decref (mt_serve_call ("frobnicate", NULL, NULL, 0, MT_ENOTFOUND));
    //  A method of api.proto: its parameters checked by their definition.
    json_decref (mt_serve_call ("photo.add", json_pack ("{s:I, s:s}", "case_id",
                         (json_int_t) s_missing [0], "year_taken", "1962"), "x", 1, MT_EINVAL));
    json_decref (mt_serve_call ("photo.add", json_pack ("{s:I, s:i}", "case_id",
                         (json_int_t) s_missing [0], "ask_person", 1), "x", 1, MT_EINVAL));
    json_decref (mt_serve_call ("photo.add", json_pack ("{s:I, s:I}", "case_id",
                         (json_int_t) s_missing [0], "age_taken", (json_int_t) 1 << 40), "x", 1,
                         MT_EINVAL));
    test_raw_bodies ();
    char *out, *err;
    char *bad [] = { S_HOMEWARD, "case", "add-found", "--date-found", "yesterday", "--api",
                     mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (bad, NULL, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "date found 'yesterday' is not a date (YYYY-MM-DD)");
    free (out), free (err);
    char *unknown [] = { S_HOMEWARD, "case", "show", "999999", "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (unknown, NULL, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "there is no case 999999");
    free (out), free (err);
    char *field [] = { S_HOMEWARD, "case", "add-missing", "--station", "x", "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (field, NULL, &out, &err), 2);
    MT_CHECK_CONTAINS (err, "--station is not a field of a missing case");
    free (out), free (err);
    char *state [] = { S_HOMEWARD, "review", "1", "2", "--state", "maybe", "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (state, NULL, &out, &err), 1);
    MT_CHECK_CONTAINS (err, "review state 'maybe' is not one of");
    free (out), free (err);
}

//  kill -9 `homeward serve` while `homeward import` runs; restart; every
//  photo acknowledged before the kill is there once and searchable.
static void
test_kill_during_import (void)
{
    //  A CSV of missing reports, one for each LFW person of tests/data, one
    //  photo each.
    char csv [700];
    snprintf (csv, sizeof csv, "%s/reports.csv", mt_test_tmpdir ());
    FILE *file = fopen (csv, "w");
    fprintf (file, "ref,kind,sex,province,date_last_seen,family_name,consent_basis,consent_by,"
                   "photos\n");
    char dir [600];
    snprintf (dir, sizeof dir, "%s", mt_test_data ("lfw"));
    const char *const *everyone;
    size_t count = mt_test_lfw_people (&everyone);
    for (size_t i = 0; i < count; i++)
        fprintf (file, "r%zu,missing,unknown,11,2020-01-%02zu,\"%s, family\",family,the family,"
                       "%s/%s/2.jpg\n", i,
                 1 + i % 28, everyone [i], dir, everyone [i]);
    fclose (file);

    char import_log [700];
    snprintf (import_log, sizeof import_log, "%s/import.log", mt_test_tmpdir ());
    char *argv [] = { S_HOMEWARD, "import", csv, "--api", mt_serve.api, "--timeout-ms", "3000", NULL };
    //  Kill the service once a few of the cases are in (counted from the
    //  cases the earlier tests made), long before the import can end even
    //  on a loaded machine.
    char db_path [1024];
    snprintf (db_path, sizeof db_path, "%s", mt_serve.db);
    int64_t before = 0, earlier = -1;
    long long until = mt_test_now_ms () + 60000;
    int importer = -1;
    while (mt_test_now_ms () < until) {
        mt_err_t err;
        mt_casedb_t *db = NULL;
        if (mt_casedb_open (db_path, &db, &err) == MT_OK) {
            mt_case_t c;
            for (int64_t id = before + 1; mt_casedb_case_get (db, id, &c, NULL) == MT_OK; id++)
                before = id;
            mt_casedb_close (&db);
        }
        if (earlier < 0) {
            earlier = before;
            importer = mt_test_spawn (argv, import_log);
        }
        if (before >= earlier + 8)
            break;
        mt_test_sleep_ms (5);
    }
    int status = mt_test_kill (mt_serve.pid, SIGKILL);
    MT_CHECK (WIFSIGNALED (status));
    mt_serve.pid = -1;
    long long killed_at = mt_test_now_ms ();
    waitpid (importer, &status, 0);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) != 0);     //  it noticed
    //  ...at its first call without an answer (3 s), not one timeout per
    //  case left, and said that a re-run resumes.
    long long took = mt_test_now_ms () - killed_at;
    if (took > 15000)
        fprintf (stderr, "the import took %lld ms to stop\n", took);
    MT_CHECK (took < 15000);
    char *said = mt_test_read (import_log, NULL);
    MT_CHECK_CONTAINS (said ? said : "", "stopped answering");
    MT_CHECK_CONTAINS (said ? said : "", "run the same command again");
    free (said);

    //  What the database acknowledged before the kill.
    mt_casedb_t *db = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (db_path, &db, &err), MT_OK, &err);
    int64_t photos_before [256];
    char shas [256][65];
    size_t acked = 0;
    for (int64_t id = 1; db && acked < 256; id++) {
        mt_photo_row_t row;
        if (mt_casedb_photo_get (db, id, &row, NULL) != MT_OK)
            break;
        photos_before [acked] = row.id;
        memcpy (shas [acked++], row.sha256, 65);
    }
    mt_casedb_close (&db);
    fprintf (stderr, "killed after %zu photos were acknowledged\n", acked);

    //  Restart; the same import again completes and adds only what is missing.
    mt_serve_start (NULL);
    char *out, *errtext;
    char *again [] = { S_HOMEWARD, "import", csv, "--api", mt_serve.api, NULL };
    MT_CHECK_INT (mt_test_run (again, NULL, &out, &errtext), 0);
    char all [64];
    snprintf (all, sizeof all, "%zu of %zu cases", count, count);
    MT_CHECK_CONTAINS (errtext, all);
    free (out), free (errtext);
    //  Wait for the pipeline and the matcher; then check every photo.
    MT_CHECK_RC (mt_casedb_open (db_path, &db, &err), MT_OK, &err);
    until = mt_test_now_ms () + 180000;
    size_t pending = 1;
    while (pending && mt_test_now_ms () < until) {
        pending = 0;
        for (int64_t id = 1;; id++) {
            mt_case_t c;
            if (mt_casedb_case_get (db, id, &c, NULL) != MT_OK)
                break;
            pending += mt_casedb_match_pending (db, id);
        }
        if (pending)
            mt_test_sleep_ms (200);
    }
    MT_CHECK_INT (pending, 0);
    for (size_t i = 0; i < acked; i++) {
        mt_photo_row_t row;
        MT_CHECK_RC (mt_casedb_photo_get (db, photos_before [i], &row, &err), MT_OK, &err);
        MT_CHECK (strcmp (row.sha256, shas [i]) == 0);
        MT_CHECK (strcmp (row.state, "done") == 0);
        //  Once per case: no other photo of the case has the same bytes.
        mt_photo_row_t *rows;
        size_t n;
        mt_casedb_photos_of_case (db, row.case_id, &rows, &n, &err);
        size_t same = 0;
        for (size_t j = 0; j < n; j++)
            same += strcmp (rows [j].sha256, row.sha256) == 0;
        MT_CHECK_INT (same, 1);
        free (rows);
        //  Searchable: its faces are in the index.
        mt_face_row_t *faces;
        mt_casedb_faces_of_case (db, row.case_id, &faces, &n, &err);
        for (size_t j = 0; j < n; j++)
            MT_CHECK (faces [j].enrolled);
        free (faces);
    }
    mt_casedb_close (&db);
    //  And found: another photo of an imported person finds the family.
    int64_t found = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    mt_serve_photo (found, "lfw/Shimon_Peres/3.jpg");
    mt_serve_settle (found);
    json_t *r = mt_serve_candidates (found, 20);
    json_t *first = json_array_get (json_object_get (r, "candidates"), 0);
    const char *family = json_string_value (json_object_get (json_object_get (first, "case"),
                                                            "family_name"));
    MT_CHECK_CONTAINS (family, "Shimon_Peres");
    json_decref (r);
}

int
main (void)
{
    //  The CLI reaches serve over its unix socket (no keys needed there).
    if (mt_serve_init () != 0)
        return 1;
    mt_serve_start (NULL);
    MT_RUN (test_family_ranks_first);
    MT_RUN (test_wrong_sex_still_appears);
    MT_RUN (test_rejected_never_returns);
    MT_RUN (test_reunited);
    MT_RUN (test_erase_everywhere);
    MT_RUN (test_clear_errors);
    MT_RUN (test_kill_during_import);
    mt_serve_finish ();
    return MT_TEST_MAIN_END ();
}
