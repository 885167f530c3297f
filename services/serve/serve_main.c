//  homeward serve - broker, shards, results and intake workers in one
//  process, joined by inproc:// sockets; data in one folder (./var). The
//  same actors run as separate processes with `homeward broker`, `shard`,
//  `results` and `intake` (deploy/multiprocess/).

#include "serve_main.h"

#include "backup/backup_actor.h"
#include "broker/broker_actor.h"
#include "common/service_run.h"
#include "gateway/gateway_actor.h"
#include "intake/intake_actor.h"
#include "wire/mt_client.h"
#include "base/mt_log.h"
#include "gateway/accounts/mt_users.h"
#include "wire/mt_wire.h"
#include "wire/mt_msg.h"
#include "results/results_actor.h"
#include "shard/shard_actor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_NAME "serve"
#define S_MAX_PARTITIONS 16
#define S_BACKUP_FIRST_S 10

typedef struct {
    char var [1024];
    char db [1024];
    char api [256];
    char http_address [64];
    int64_t http_port;
    int64_t partitions;
    int64_t workers;
    char tls_cert [1024], tls_key [1024];
    bool plain_http;
    mt_face_settings_t face;
    mt_curve_config_t curve;    //  for a tcp:// --api
    char backup_dir [1024];
    char backup_secret [1024];
    int64_t backup_every;
    int64_t backup_keep;
    results_config_t results;   //  how cases are kept and matched (RESULTS_MATCHING_KEYS)
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    { "var", MT_CFG_STRING, offsetof (s_settings_t, var), 0, 1024,
      "folder of all data: cases, photos, shards" },
    { "db", MT_CFG_STRING, offsetof (s_settings_t, db), 0, 1024,
      "the case store: a SQLite file (default VAR/homeward.db) or a PostgreSQL database, "
      "postgresql://USER@HOST/NAME (its password in ~/.pgpass, not in the URI)" },
    { "api", MT_CFG_STRING, offsetof (s_settings_t, api), 0, 256,
      "where the CLI reaches the service (default ipc://VAR/api.sock: this machine's "
      "account only; a tcp:// endpoint needs --key and --authorized-keys)" },
    { "http-address", MT_CFG_STRING, offsetof (s_settings_t, http_address), 0, 64,
      "address of the web app (127.0.0.1: this machine; 0.0.0.0: the network)" },
    { "http-port", MT_CFG_INT, offsetof (s_settings_t, http_port), 0, 65535,
      "port of the web app (0: any free port, the one taken is logged)" },
    { "partitions", MT_CFG_INT, offsetof (s_settings_t, partitions), 1, S_MAX_PARTITIONS,
      "index partitions (each a shard in this process)" },
    { "workers", MT_CFG_INT, offsetof (s_settings_t, workers), 1, 64,
      "face pipeline workers (threads, each with its own network)" },
    { "tls-cert", MT_CFG_STRING, offsetof (s_settings_t, tls_cert), 0, 1024,
      "PEM certificate to serve the web app over HTTPS (needed off this machine)" },
    { "tls-key", MT_CFG_STRING, offsetof (s_settings_t, tls_key), 0, 1024,
      "PEM private key of tls-cert" },
    { "plain-http", MT_CFG_BOOL, offsetof (s_settings_t, plain_http), 0, 0,
      "serve plain HTTP on a network address (only behind a TLS reverse proxy)" },
    { "backup-dir", MT_CFG_STRING, offsetof (s_settings_t, backup_dir), 0, 1024,
      "folder to back up into while running (see homeward backup --help); needs "
      "--backup-secret" },
    { "backup-secret", MT_CFG_STRING, offsetof (s_settings_t, backup_secret), 0, 1024,
      "the backup secret (made once with homeward backup --new-secret FILE)" },
    { "backup-every", MT_CFG_INT, offsetof (s_settings_t, backup_every), 1, 525600,
      "minutes between scheduled backups (the first comes soon after start)" },
    { "backup-keep", MT_CFG_INT, offsetof (s_settings_t, backup_keep), 0, 100000,
      "snapshots kept in --backup-dir, older ones pruned (0: all)" },
    RESULTS_MATCHING_KEYS (s_settings_t, results.),
    MT_FACE_KEYS (s_settings_t, face),
    MT_CURVE_SERVER_KEYS (s_settings_t, curve),
    { .name = NULL }
};

//  With no users yet, make "admin" with a random password, written to
//  VAR/admin-password.txt (readable by this account only) and named in out.
static int
s_first_admin (const char *path, const char *var, char *out, size_t size, mt_err_t *err)
{
    mt_users_t *users;
    int rc = mt_users_open (path, &users, err);
    if (rc != MT_OK || mt_users_count (users) > 0) {
        mt_users_close (&users);
        return rc;
    }
    unsigned char bytes [12];
    randombytes_buf (bytes, sizeof bytes);
    char password [32];
    sodium_bin2base64 (password, sizeof password, bytes, sizeof bytes,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    mt_user_t admin = { .name = "admin", .role = MT_ROLE_ADMIN };
    rc = mt_users_add (users, &admin, password, err);
    mt_users_close (&users);
    char file [1100];
    snprintf (file, sizeof file, "%s/admin-password.txt", var);
    int fd = rc == MT_OK ? open (file, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    if (fd >= 0) {
        dprintf (fd, "%s\n", password);
        close (fd);
    }
    if (rc == MT_OK)
        snprintf (out, size, "user admin, password %s", password);
    return rc;
}

//  Partitions are only ever added: as many as the broker's state keeps
//  when that is more than asked for. 1 (said why) when it cannot be read.
static int
s_partitions (s_settings_t *settings, broker_config_t *broker)
{
    //  Partitions are only ever added: a smaller count would hide faces.
    //  (The folder first, so that the broker can write the count down.)
    if (mkdir (settings->var, 0700) != 0 && errno != EEXIST)
        mt_log_warn (S_NAME, "cannot make %s: %s", settings->var, strerror (errno));
    snprintf (broker->state, sizeof broker->state, "%s/broker.state", settings->var);
    uint32_t kept = 0;
    mt_err_t state_err;
    if (broker_state_read (broker->state, &kept, &state_err) != MT_OK) {
        mt_log_error (S_NAME, "%s", state_err.msg);
        return 1;
    }
    if (kept > (uint32_t) settings->partitions) {
        if (kept > S_MAX_PARTITIONS) {
            mt_log_error (S_NAME, "%s keeps %u partitions; serve runs at most %d", broker->state,
                          kept, S_MAX_PARTITIONS);
            return 1;
        }
        mt_log_info (S_NAME, "%u partitions, as %s keeps (not %d: partitions are only ever "
                     "added)", kept, broker->state, (int) settings->partitions);
        settings->partitions = kept;
    }
    return 0;
}

//  The results service's settings of serve's.
static void
s_results_config (const s_settings_t *settings, const char *front, results_config_t *results)
{
    *results = settings->results;
    snprintf (results->api, sizeof results->api, "%s", settings->api);
    results->curve = settings->curve;
    snprintf (results->api2, sizeof results->api2, "inproc://homeward-api");
    snprintf (results->jobs, sizeof results->jobs, "inproc://homeward-jobs");
    snprintf (results->broker, sizeof results->broker, "%s", front);
    if (settings->db [0])
        snprintf (results->db, sizeof results->db, "%s", settings->db);
    else
        snprintf (results->db, sizeof results->db, "%s/homeward.db", settings->var);
    snprintf (results->photos, sizeof results->photos, "%s/photos", settings->var);
}

static void
s_print_ready (const s_settings_t *settings, int64_t port, const char *first_admin)
{
    printf ("\nHomeward is ready. Open %s://%s:%d/ in a browser.\n",
            settings->tls_cert [0] ? "https" : "http",
            strcmp (settings->http_address, "0.0.0.0") == 0 ? "127.0.0.1"
                                                            : settings->http_address,
            (int) port);
    if (first_admin [0])
        printf ("Sign in as admin with the password in %s/admin-password.txt (%s),\n"
                "then add station staff and police liaisons under Users.\n",
                settings->var, first_admin);
    else
        printf ("Sign in with your user name (`homeward user add --help` makes users).\n");
    printf ("Ctrl-C stops Homeward.\n\n");
}

//  The daily backup's settings (--backup-dir): 1 after saying why when its
//  secret is missing or unreadable.
static int
s_backup_config (const s_settings_t *settings, const char *users, backup_actor_config_t *backup)
{
    if (!settings->backup_secret [0]) {
        mt_log_error (S_NAME, "--backup-dir needs --backup-secret FILE (make one with "
                              "homeward backup --new-secret FILE, kept apart from the backups)");
        return 1;
    }
    mt_err_t err;
    if (backup_secret_load (settings->backup_secret, &backup->secret, &err) != MT_OK) {
        mt_log_error (S_NAME, "cannot start: %s", err.msg);
        return 1;
    }
    snprintf (backup->api, sizeof backup->api, "inproc://homeward-api");
    snprintf (backup->dir, sizeof backup->dir, "%s", settings->backup_dir);
    snprintf (backup->users, sizeof backup->users, "%s", users);
    backup->every_min = settings->backup_every;
    backup->keep = settings->backup_keep;
    backup->first_s = S_BACKUP_FIRST_S;
    return 0;
}

int
serve_main (int argc, char **argv)
{
    s_settings_t settings = { .var = "var", .api = "",
                              .http_address = "127.0.0.1", .http_port = 8080, .partitions = 2,
                              .backup_every = 1440, .backup_keep = 0 };
    results_config_defaults (&settings.results);
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    settings.workers = cpus > 0 ? cpus : 1;
    mt_face_settings_defaults (&settings.face);
    int status = service_settings (
        "serve", "Runs all of Homeward in one process: the face pipeline workers, the index\n"
        "(a broker and its shards), and the results service with the case database.\n"
        "Everything is kept under --var. Stop it with Ctrl-C (or SIGTERM): it shuts down\n"
        "cleanly and resumes unfinished work on the next start.",
        s_keys, &settings, argc, argv);
    if (status >= 0)
        return status;

    if (!settings.api [0])
        snprintf (settings.api, sizeof settings.api, "ipc://%s/api.sock", settings.var);
    service_block_signals ();
    broker_config_t broker;
    broker_config_defaults (&broker);
    snprintf (broker.front, sizeof broker.front, "inproc://homeward-index");
    snprintf (broker.back, sizeof broker.back, "inproc://homeward-shards");
    if (s_partitions (&settings, &broker) != 0)
        return 1;
    broker.partitions = settings.partitions;
    broker.replicas = 1;
    broker.grace_ms = 0;
    shard_config_t shards [S_MAX_PARTITIONS];
    for (int p = 0; p < settings.partitions; p++) {
        shard_config_defaults (&shards [p]);
        snprintf (shards [p].broker, sizeof shards [p].broker, "%s", broker.back);
        snprintf (shards [p].data_dir, sizeof shards [p].data_dir, "%s/shards/%d",
                  settings.var, p);
        shards [p].partition = p;
        shards [p].partitions = settings.partitions;
        shards [p].blas_threads = 1;
    }
    results_config_t results;
    s_results_config (&settings, broker.front, &results);
    intake_config_t intake;
    intake_config_defaults (&intake);
    intake.face = settings.face;
    intake.face.threads = settings.workers;
    snprintf (intake.jobs, sizeof intake.jobs, "inproc://homeward-jobs");

    gateway_config_t gateway;
    gateway_config_defaults (&gateway);
    snprintf (gateway.address, sizeof gateway.address, "%s", settings.http_address);
    gateway.port = settings.http_port;
    snprintf (gateway.tls_cert, sizeof gateway.tls_cert, "%s", settings.tls_cert);
    snprintf (gateway.tls_key, sizeof gateway.tls_key, "%s", settings.tls_key);
    gateway.plain_http = settings.plain_http;
    snprintf (gateway.results, sizeof gateway.results, "inproc://homeward-api");
    snprintf (gateway.users, sizeof gateway.users, "%s/users.db", settings.var);
    char first_admin [200] = "";

    static backup_actor_config_t backup;    //  holds the secret: wiped at the end
    memset (&backup, 0, sizeof backup);
    mt_err_t err;
    if (settings.backup_dir [0] && s_backup_config (&settings, gateway.users, &backup) != 0)
        return 1;

    //  Start in dependency order; stop in reverse.
    mt_actor_t *actors [S_MAX_PARTITIONS + 5] = { NULL };
    size_t count = 0;
    int rc = mt_actor_new (broker_actor, &broker, &actors [count], &err);
    count += rc == MT_OK;
    for (int p = 0; rc == MT_OK && p < settings.partitions; p++) {
        rc = mt_actor_new (shard_actor, &shards [p], &actors [count], &err);
        count += rc == MT_OK;
    }
    mt_client_t *probe = NULL;
    if (rc == MT_OK && mt_client_new (broker.front, NULL, &probe, &err) == MT_OK)
        rc = mt_client_wait_ready (probe, 30000, &err);
    mt_client_destroy (&probe);
    if (rc == MT_OK) {
        rc = mt_actor_new (results_actor, &results, &actors [count], &err);
        count += rc == MT_OK;
    }
    if (rc == MT_OK) {
        rc = mt_actor_new (intake_actor, &intake, &actors [count], &err);
        count += rc == MT_OK;
    }
    if (rc == MT_OK)
        rc = s_first_admin (gateway.users, settings.var, first_admin, sizeof first_admin, &err);
    if (rc == MT_OK) {
        rc = mt_actor_new (gateway_actor, &gateway, &actors [count], &err);
        count += rc == MT_OK;
    }
    if (rc == MT_OK && backup.dir [0]) {
        rc = mt_actor_new (backup_actor, &backup, &actors [count], &err);
        count += rc == MT_OK;
    }
    if (rc == MT_OK) {
        mt_log_info (S_NAME, "Homeward is running: data in %s, %d partitions, %d face workers",
                     settings.var, (int) settings.partitions, (int) settings.workers);
        s_print_ready (&settings, gateway.bound_port, first_admin);
        fflush (stdout);
        int sig = service_wait_signal ();
        mt_log_info (S_NAME, "stopping (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    else
        mt_log_error (S_NAME, "cannot start: %s", err.msg);
    while (count > 0)
        mt_actor_destroy (&actors [--count]);
    sodium_memzero (&backup, sizeof backup);
    mt_zmq_shutdown ();
    return rc == MT_OK ? 0 : 1;
}
