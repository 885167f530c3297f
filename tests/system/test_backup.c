//  The restore drill, through `homeward serve` and the CLI: families and
//  found people matched and reviewed; a backup taken while cases and photos
//  keep arriving; a case erased; a second backup; the data folder
//  destroyed. Restored from the latest backup into a new folder, the
//  service has the same cases, photos, candidates, reviews and audit head,
//  and finds families again; restored from the older backup, every case
//  acknowledged before it is there and the erased case stays erased; two
//  records linked as one person stay linked. Also:
//  serve's scheduled backup, and the errors of restore.

#include "mt_test.h"
#include "mt_test_store.h"
#include "mt_test_serve.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_HOMEWARD MT_TEST_BIN "/homeward"
#define S_MAX_PEOPLE 20
#define S_MAX_LOAD 4000

static const char *const *s_people;
static size_t s_count;                      //  people with a family and a found case
static int64_t s_families [S_MAX_PEOPLE], s_found [S_MAX_PEOPLE];
static int s_rank [S_MAX_PEOPLE];           //  of the family among the found case's candidates
static char s_secret [700], s_backups [700], s_scheduled [700], s_users [700];

//  ------------------------------------------------------------------ helpers

static json_t *
s_case (int64_t id)
{
    return mt_serve_call ("case.get", json_pack ("{s:I}", "case_id", (json_int_t) id), NULL, 0,
                          MT_OK);
}

static int64_t
s_int (json_t *json, const char *key)
{
    return (int64_t) json_integer_value (json_object_get (json, key));
}

//  Run the CLI; its stdout in *out_p (caller frees); the exit status.
static int
s_cli (char **out_p, char *arg, ...)
{
    char *argv [32] = { S_HOMEWARD };
    int argc = 1;
    va_list args;
    va_start (args, arg);
    for (char *a = arg; a && argc < 31; a = va_arg (args, char *))
        argv [argc++] = a;
    va_end (args);
    argv [argc] = NULL;
    char *out = NULL, *err = NULL;
    int status = mt_test_run (argv, NULL, &out, &err);
    if (status != 0)
        fprintf (stderr, "homeward %s exited %d:\n%s%s\n", arg, status, out ? out : "",
                 err ? err : "");
    free (err);
    if (out_p)
        *out_p = out;
    else
        free (out);
    return status;
}

//  Stop the service (cleanly) and point the test's client at another data
//  folder; the next mt_serve_start serves it.
static void
s_switch_var (const char *var)
{
    if (mt_serve.pid > 0) {
        int status = mt_test_kill (mt_serve.pid, SIGTERM);
        MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
        mt_serve.pid = -1;
    }
    api_client_destroy (&mt_serve.client);
    snprintf (mt_serve.var, sizeof mt_serve.var, "%s", var);
    snprintf (mt_serve.api, sizeof mt_serve.api, "ipc://%s/api.sock", var);
    mt_err_t err;
    MT_CHECK_RC (api_client_new (mt_serve.api, NULL, &mt_serve.client, &err), MT_OK, &err);
    api_client_set_actor (mt_serve.client, "test");
}

//  On the PostgreSQL run, a restored data folder's store is moved into a
//  new PostgreSQL database (homeward migrate-store, as deploy/README.md
//  tells an operator to), and the SQLite file removed: what is served
//  next comes from PostgreSQL.
static void
s_store_restored (const char *var)
{
    if (!mt_test_store_is_pg ())
        return;
    char path [700];
    snprintf (path, sizeof path, "%s/homeward.db", var);
    mt_test_store_new (mt_serve.db, sizeof mt_serve.db, path);
    char *out = NULL;
    MT_CHECK_INT (s_cli (&out, "migrate-store", "--from", path, "--to", mt_serve.db, NULL), 0);
    MT_CHECK_CONTAINS (out, "audit chain verified");
    free (out);
    MT_CHECK (unlink (path) == 0);
}

//  The counts a restore must keep, as text to compare.
static char *
s_counts (void)
{
    static const char *keys [] = { "cases_found_open", "cases_missing_open", "cases_closed",
                                   "photos_done", "photos_failed", "faces",
                                   "candidates_pending", "audit_entries" };
    json_t *stats = mt_serve_call ("stats", json_object (), NULL, 0, MT_OK);
    json_t *counts = json_object ();
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++) {
        json_t *value = json_object_get (stats, keys [i]);
        MT_CHECK (json_is_integer (value));
        json_object_set (counts, keys [i], value);
    }
    json_decref (stats);
    char *text = json_dumps (counts, JSON_SORT_KEYS);
    json_decref (counts);
    return text;
}

static json_t *
s_audit (void)
{
    return mt_serve_call ("audit.verify", json_object (), NULL, 0, MT_OK);
}

//  The same-person pairs (issue 27) as "A-B:state" text, to compare.
static char *
s_same_text (void)
{
    json_t *list = mt_serve_call ("same.list", json_pack ("{s:s, s:i}", "state", "all",
                                                          "limit", 500), NULL, 0, MT_OK);
    size_t size = 32 * json_array_size (json_object_get (list, "pairs")) + 1, at = 0, i;
    char *text = calloc (1, size);
    json_t *pair;
    json_array_foreach (json_object_get (list, "pairs"), i, pair)
        at += (size_t) snprintf (text + at, size - at, "%lld-%lld:%s;",
                                 (long long) s_int (pair, "case_a"),
                                 (long long) s_int (pair, "case_b"),
                                 json_string_value (json_object_get (pair, "state")));
    json_decref (list);
    return text;
}

//  The relatives to tell, told or not, as "REPORT-FOUND:decision:told_by;".
static char *
s_notices_text (void)
{
    json_t *list = mt_serve_call ("notice.list", json_pack ("{s:s, s:i}", "state", "all",
                                                            "limit", 500), NULL, 0, MT_OK);
    size_t size = 256 * json_array_size (json_object_get (list, "notices")) + 1, at = 0, i;
    char *text = calloc (1, size);
    json_t *n;
    json_array_foreach (json_object_get (list, "notices"), i, n) {
        const char *by = json_string_value (json_object_get (n, "told_by"));
        if (at >= size)
            break;
        at += (size_t) snprintf (text + at, size - at, "%lld-%lld:%s:%.64s;",
                                 (long long) s_int (n, "missing_case"),
                                 (long long) s_int (n, "found_case"),
                                 json_string_value (json_object_get (n, "decision")),
                                 by ? by : "");
    }
    json_decref (list);
    return text;
}

//  ------------------------------------------------------------------ the load

//  Cases with a photo each, added from a thread of its own until told to
//  stop; each acknowledged case noted with the time its photo was.
typedef struct {
    volatile int stop;
    int64_t ids [S_MAX_LOAD];
    long long acked_ms [S_MAX_LOAD];
    size_t count;
    int failures;
} s_load_t;

static void *
s_load_run (void *arg)
{
    s_load_t *load = arg;
    api_client_t *client;
    mt_err_t err;
    if (api_client_new (mt_serve.api, NULL, &client, &err) != MT_OK) {
        load->failures++;
        return NULL;
    }
    api_client_set_actor (client, "load");
    while (!load->stop && load->count < S_MAX_LOAD) {
        size_t n = load->count;
        json_t *result = NULL;
        json_t *params = json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "kind", "missing",
                                    "sex", "unknown", "province", 12, "date_last_seen",
                                    "2019-03-01", "consent_basis", "family", "consent_by",
                                    "a load test", "family_name", "Load");
        int rc = api_call (client, "case.add", params, NULL, 0, 30000, &result, NULL, NULL, &err);
        json_decref (params);
        int64_t id = rc == MT_OK ? s_int (result, "case_id") : 0;
        json_decref (result);
        char path [300];
        snprintf (path, sizeof path, "lfw/%s/%d.jpg", s_people [s_count + n % (S_MAX_PEOPLE -
                  s_count + 1)], 1 + (int) (n / 7) % 2);
        size_t size;
        char *bytes = mt_test_read (mt_test_data (path), &size);
        params = json_pack ("{s:I}", "case_id", (json_int_t) id);
        if (rc == MT_OK && bytes)
            rc = api_call (client, "photo.add", params, bytes, size, 30000, &result, NULL, NULL,
                           &err);
        json_decref (params);
        free (bytes);
        if (rc != MT_OK) {
            fprintf (stderr, "load: %s\n", err.msg);
            load->failures++;
            break;
        }
        json_decref (result);
        load->ids [n] = id;
        load->acked_ms [n] = mt_test_now_ms ();
        load->count = n + 1;
        mt_test_sleep_ms (MT_TEST_LIGHT ? 100 : 20);
    }
    api_client_destroy (&client);
    return NULL;
}

//  ------------------------------------------------------------------ the drill

static void
s_populate (void)
{
    mt_serve_family_pairs (s_people, s_count, s_families, s_found);
    for (size_t i = 0; i < s_count; i++)
        mt_serve_settle (s_families [i]), mt_serve_settle (s_found [i]);
    //  A liaison's reviews: the trail a restore must keep.
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s, s:s}", "case_id",
                 (json_int_t) s_found [0], "candidate", (json_int_t) s_families [0], "state",
                 "dna_requested", "note", "same scar"), NULL, 0, MT_OK));
    json_decref (mt_serve_call ("review", json_pack ("{s:I, s:I, s:s}", "case_id",
                 (json_int_t) s_found [1], "candidate", (json_int_t) s_families [2], "state",
                 "rejected"), NULL, 0, MT_OK));
}

//  Where each family ranks among its found case's candidates.
static void
s_ranks (int *ranks)
{
    for (size_t i = 0; i < s_count; i++) {
        json_t *list = mt_serve_candidates (s_found [i], 20);
        ranks [i] = mt_serve_rank_of (list, s_families [i], NULL);
        json_decref (list);
    }
}

static char *
s_snapshot_name (const char *out)
{
    const char *at = out ? strstr (out, "/snapshots/") : NULL;
    if (!at)
        return NULL;
    at += strlen ("/snapshots/");
    return strndup (at, strcspn (at, "\n"));
}

static void
test_drill (void)
{
    s_populate ();
    s_ranks (s_rank);
    int found_first = 0;
    for (size_t i = 0; i < s_count; i++)
        found_first += s_rank [i] == 1;
    MT_CHECK (found_first >= (int) s_count - 1);

    //  Serve's own scheduled backup came soon after start: the backup
    //  service's line, which it writes once the snapshot is complete (the
    //  results service's "results: backup: snapshot" comes before it, while
    //  the snapshot is still being written: waiting for that one made this
    //  test fail now and then).
    long long until = mt_test_now_ms () + 120000;
    char snapshots [800];
    snprintf (snapshots, sizeof snapshots, "%s/snapshots", s_scheduled);
    bool scheduled = false;
    while (!scheduled && mt_test_now_ms () < until) {
        char *log = mt_test_read (mt_serve.log, NULL);
        scheduled = log && strstr (log, "info  backup: snapshot ");
        free (log);
        if (!scheduled)
            mt_test_sleep_ms (200);
    }
    MT_CHECK (scheduled);
    char *list = NULL;
    MT_CHECK_INT (s_cli (&list, "restore", s_scheduled, "--secret", s_secret, "--list", NULL), 0);
    MT_CHECK_CONTAINS (list, "cases");
    MT_CHECK_CONTAINS (list, "with users");
    free (list);

    //  The first backup, while cases and photos keep coming.
    s_load_t *load = calloc (1, sizeof *load);
    pthread_t thread;
    MT_CHECK (pthread_create (&thread, NULL, s_load_run, load) == 0);
    while (load->count < 20 && !load->failures)
        mt_test_sleep_ms (20);
    long long started = mt_test_now_ms ();
    char *out = NULL;
    MT_CHECK_INT (s_cli (&out, "backup", s_backups, "--secret", s_secret, "--users", s_users,
                         "--api", mt_serve.api, NULL), 0);
    char *first = s_snapshot_name (out);
    MT_CHECK (first != NULL);
    free (out);
    mt_test_sleep_ms (500);
    load->stop = 1;
    pthread_join (thread, NULL);
    MT_CHECK_INT (load->failures, 0);
    size_t before = 0;
    //  Acknowledged in the same millisecond the backup began counts as before
    //  (the backup is asked for after the 20th acknowledgement is seen).
    while (before < load->count && load->acked_ms [before] <= started)
        before++;
    fprintf (stderr, "load: %zu cases acknowledged, %zu of them before the first backup "
             "began\n", load->count, before);
    MT_CHECK (before >= 20 && load->count > before);

    //  A family withdraws consent: the case is erased.
    int64_t erased = s_families [s_count - 1];
    json_decref (mt_serve_call ("case.erase", json_pack ("{s:I, s:s, s:s}", "case_id",
                 (json_int_t) erased, "level", "all", "reason", "consent withdrawn"), NULL, 0,
                 MT_OK));
    until = mt_test_now_ms () + 30000;
    bool gone = false;
    while (!gone && mt_test_now_ms () < until) {
        json_t *c = s_case (erased);
        gone = json_object_get (c, "erased") != NULL;
        json_decref (c);
        if (!gone)
            mt_test_sleep_ms (200);
    }
    MT_CHECK (gone);
    for (size_t i = 0; i < load->count; i++)
        mt_serve_settle (load->ids [i]);
    int ranks [S_MAX_PEOPLE];
    s_ranks (ranks);
    json_t *reviews = mt_serve_call ("reviews", json_pack ("{s:I}", "case_id",
                                     (json_int_t) s_found [0]), NULL, 0, MT_OK);
    char *reviews_text = json_dumps (reviews, JSON_SORT_KEYS);
    json_decref (reviews);

    //  Two records of one person linked (the load registers the same
    //  people again and again): the link is in the backup.
    json_t *same = mt_serve_call ("same.list", json_object (), NULL, 0, MT_OK);
    json_t *suggested = json_array_get (json_object_get (same, "pairs"), 0);
    MT_CHECK (suggested != NULL);
    int64_t link_a = s_int (suggested, "case_a"), link_b = s_int (suggested, "case_b");
    json_decref (same);
    json_decref (mt_serve_call ("same.decide", json_pack ("{s:I, s:I, s:s}", "case_a",
                 (json_int_t) link_a, "case_b", (json_int_t) link_b, "decision", "same"), NULL,
                 0, MT_OK));
    char *same_text = s_same_text ();
    MT_CHECK_CONTAINS (same_text, ":same;");
    //  A family to tell of the DNA request, and one told: both in the backup.
    char object [64];
    snprintf (object, sizeof object, "%lld-%lld:dna_requested:", (long long) s_families [0],
              (long long) s_found [0]);
    json_decref (mt_serve_call ("notice.told", json_pack ("{s:I, s:I, s:s}", "missing_case",
                 (json_int_t) s_families [0], "found_case", (json_int_t) s_found [0], "note",
                 "phoned"), NULL, 0, MT_OK));
    char *notices_text = s_notices_text ();
    MT_CHECK_CONTAINS (notices_text, object);
    //  (and at the console: the family told, how, and what they were told)
    MT_CHECK_INT (s_cli (&out, "notices", "list", "--state", "all", "--api", mt_serve.api, NULL),
                  0);
    MT_CHECK_CONTAINS (out, "told by test at ");
    MT_CHECK_CONTAINS (out, ": phoned");
    MT_CHECK_CONTAINS (out, "tell them: A found person (case ");
    free (out);
    out = NULL;

    //  The second backup, nothing moving; its audit head is the service's.
    MT_CHECK_INT (s_cli (&out, "backup", s_backups, "--secret", s_secret, "--users", s_users,
                         "--api", mt_serve.api, NULL), 0);
    MT_CHECK_CONTAINS (out, "1 erasures in the ledger");
    free (out);
    char *stats_text = s_counts ();
    json_t *audit = s_audit ();
    MT_CHECK (json_is_true (json_object_get (audit, "intact")));
    int64_t head_id = s_int (audit, "head_id");
    char head [80];
    snprintf (head, sizeof head, "%s", json_string_value (json_object_get (audit, "head")));
    json_decref (audit);

    //  The machine is lost.
    char old_var [600];
    snprintf (old_var, sizeof old_var, "%s", mt_serve.var);
    char restored [600], older [600];
    snprintf (restored, sizeof restored, "%s/restored", mt_test_tmpdir ());
    snprintf (older, sizeof older, "%s/older", mt_test_tmpdir ());
    s_switch_var (restored);
    char *rm [] = { "/bin/rm", "-rf", old_var, NULL };
    MT_CHECK_INT (mt_test_run (rm, NULL, NULL, NULL), 0);

    //  The latest backup: everything as it was.
    MT_CHECK_INT (s_cli (&out, "restore", s_backups, "--secret", s_secret, "--var", restored,
                         NULL), 0);
    MT_CHECK_CONTAINS (out, "users restored");
    free (out);
    s_store_restored (restored);
    mt_serve_start (NULL);
    audit = s_audit ();
    MT_CHECK (json_is_true (json_object_get (audit, "intact")));
    MT_CHECK_INT (s_int (audit, "head_id"), head_id);
    MT_CHECK (strcmp (json_string_value (json_object_get (audit, "head")), head) == 0);
    json_decref (audit);
    char *text = s_counts ();
    MT_CHECK (text && stats_text && strcmp (text, stats_text) == 0);
    if (text && stats_text && strcmp (text, stats_text) != 0)
        fprintf (stderr, "counts before %s, after %s\n", stats_text, text);
    free (text);
    reviews = mt_serve_call ("reviews", json_pack ("{s:I}", "case_id", (json_int_t) s_found [0]),
                             NULL, 0, MT_OK);
    text = json_dumps (reviews, JSON_SORT_KEYS);
    MT_CHECK (text && reviews_text && strcmp (text, reviews_text) == 0);
    MT_CHECK_CONTAINS (text, "same scar");
    free (text);
    json_decref (reviews);
    //  The link and every suggestion kept.
    text = s_same_text ();
    MT_CHECK (text && same_text && strcmp (text, same_text) == 0);
    free (text);
    text = s_notices_text ();
    MT_CHECK (text && notices_text && strcmp (text, notices_text) == 0);
    free (text);
    json_t *linked = s_case (link_a);
    MT_CHECK_INT (json_integer_value (json_array_get (json_object_get (linked, "linked"), 0)),
                  link_b);
    json_decref (linked);
    int after [S_MAX_PEOPLE];
    s_ranks (after);
    for (size_t i = 0; i < s_count; i++)
        MT_CHECK_INT (after [i], ranks [i]);
    for (size_t i = 0; i < load->count; i++) {
        json_t *c = s_case (load->ids [i]);
        MT_CHECK_INT (s_int (c, "photos"), 1);
        json_decref (c);
    }
    char users [700];
    snprintf (users, sizeof users, "%s/users.db", restored);
    MT_CHECK (access (users, F_OK) == 0);
    //  The index holds the faces again: a new found person finds a family.
    int64_t again = mt_serve_case ("found", "unknown", 11, NULL, NULL);
    char path [300];
    snprintf (path, sizeof path, "lfw/%s/3.jpg", s_people [0]);
    mt_serve_photo (again, path);
    mt_serve_settle (again);
    json_t *candidates = mt_serve_candidates (again, 20);
    MT_CHECK_INT (mt_serve_rank_of (candidates, s_families [0], NULL), 1);
    json_decref (candidates);

    //  The older backup: every case acknowledged before it began, and the
    //  erasure made after it applied again.
    MT_CHECK (s_cli (NULL, "restore", s_backups, "--secret", s_secret, "--var", restored,
                     NULL) != 0);       //  never over a data folder
    s_switch_var (older);
    MT_CHECK_INT (s_cli (&out, "restore", s_backups, "--secret", s_secret, "--var", older,
                         "--snapshot", first ? first : "none", NULL), 0);
    MT_CHECK_CONTAINS (out, "1 erasures applied again");
    free (out);
    s_store_restored (older);
    mt_serve_start (NULL);
    for (size_t i = 0; i < before; i++) {
        json_t *c = s_case (load->ids [i]);
        MT_CHECK_INT (s_int (c, "photos"), 1);
        json_decref (c);
    }
    for (size_t i = 0; i + 1 < s_count; i++) {
        json_t *c = s_case (s_families [i]);
        MT_CHECK (json_object_get (c, "erased") == NULL);
        MT_CHECK_INT (s_int (c, "photos"), 1);
        json_decref (c);
    }
    json_t *c = s_case (erased);
    MT_CHECK (json_object_get (c, "erased") != NULL);
    MT_CHECK_INT (s_int (c, "photos"), 0);
    MT_CHECK (json_object_get (c, "family_name") == NULL);
    json_decref (c);
    char where [1024];
    MT_CHECK (!mt_test_tree_holds (older, s_people [s_count - 1], strlen (s_people [s_count - 1]),
                                   where, sizeof where));
    candidates = mt_serve_candidates (s_found [s_count - 1], 20);
    MT_CHECK_INT (mt_serve_rank_of (candidates, erased, NULL), 0);
    json_decref (candidates);
    audit = s_audit ();
    MT_CHECK (json_is_true (json_object_get (audit, "intact")));
    json_decref (audit);
    free (first);
    free (stats_text);
    free (reviews_text);
    free (same_text);
    free (notices_text);
    free (load);
}

//  What an operator gets wrong is told, and nothing is touched.
static void
test_restore_errors (void)
{
    char wrong [700], var [700];
    snprintf (wrong, sizeof wrong, "%s/wrong-secret", mt_test_tmpdir ());
    snprintf (var, sizeof var, "%s/never", mt_test_tmpdir ());
    MT_CHECK_INT (s_cli (NULL, "backup", "--new-secret", wrong, NULL), 0);
    MT_CHECK (s_cli (NULL, "backup", "--new-secret", wrong, NULL) != 0);   //  never overwritten
    MT_CHECK (s_cli (NULL, "restore", s_backups, "--secret", wrong, "--var", var, NULL) != 0);
    MT_CHECK (access (var, F_OK) != 0);
    MT_CHECK (s_cli (NULL, "restore", s_backups, "--secret", s_secret, "--var", var, "--snapshot",
                     "19990101T000000.000Z", NULL) != 0);
    MT_CHECK (access (var, F_OK) != 0);
}

int
main (void)
{
    size_t people = mt_test_lfw_people (&s_people);
    s_count = MT_TEST_LIGHT ? 8 : 14;
    if (people < S_MAX_PEOPLE || mt_serve_init () != 0)
        return 1;
    snprintf (s_secret, sizeof s_secret, "%s/backup-secret", mt_test_tmpdir ());
    snprintf (s_backups, sizeof s_backups, "%s/backups", mt_test_tmpdir ());
    snprintf (s_scheduled, sizeof s_scheduled, "%s/scheduled", mt_test_tmpdir ());
    snprintf (s_users, sizeof s_users, "%s/users.db", mt_serve.var);
    MT_CHECK_INT (s_cli (NULL, "backup", "--new-secret", s_secret, NULL), 0);
    mt_serve_start ("--backup-dir", s_scheduled, "--backup-secret", s_secret, "--backup-every",
                    "600", NULL);
    MT_RUN (test_drill);
    MT_RUN (test_restore_errors);
    mt_serve_finish ();
    return MT_TEST_MAIN_END ();
}
