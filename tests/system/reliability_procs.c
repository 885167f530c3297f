//  reliability_procs - the suite's processes: keys, users, each process
//  started from deploy/multiprocess's configuration.

#include "reliability.h"

const char *rel_proc_names [P_COUNT] = {
    "broker", "shard-0-0", "shard-0-1", "shard-1-0", "shard-1-1", "results", "intake",
    "gateway"
};

rel_state_t S;

static void
s_key (char *out, size_t size, const char *name, const char *ext)
{
    snprintf (out, size, "%s/%s.%s", S.keys, name, ext);
}

//  Append the words of rest to argv at *n.
static void
s_args (char **argv, int *n, char *const *rest, size_t count)
{
    for (size_t i = 0; i < count; i++)
        argv [(*n)++] = rest [i];
    argv [*n] = NULL;
}

void
rel_start (int which)
{
    //  Every buffer the arguments point into lives until the spawn.
    char key [400], peer [400], dir [400], auth [400], conf [400], port [16];
    char partition [8], replica [8], photos [400], users [400];
    const char *name = rel_proc_names [which];
    s_key (key, sizeof key, name, "key");
    char *argv [32] = { S_HOMEWARD };
    int n = 1;
    if (which == P_BROKER) {
        snprintf (conf, sizeof conf, "%s/broker.conf", S_CONF);
        snprintf (auth, sizeof auth, "%s/broker-clients", S.keys);
        snprintf (dir, sizeof dir, "%s/broker.state", S.dir);
        char *rest [] = { "broker", "--config", conf, "--front", S.front, "--back", S.back,
                          "--state", dir, "--key", key, "--authorized-keys", auth };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which >= P_SHARD_00 && which <= P_SHARD_11) {
        int p = (which - P_SHARD_00) / 2, r = (which - P_SHARD_00) % 2;
        snprintf (partition, sizeof partition, "%d", p);
        snprintf (replica, sizeof replica, "%d", r);
        snprintf (conf, sizeof conf, "%s/shard.conf", S_CONF);
        snprintf (dir, sizeof dir, "%s/shards/%d-%d", S.dir, p, r);
        s_key (peer, sizeof peer, "broker", "pub");
        char *rest [] = { "shard", "--config", conf, "--broker", S.back, "--partition",
                          partition, "--replica", replica, "--data-dir", dir, "--key", key,
                          "--broker-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which == P_RESULTS) {
        snprintf (conf, sizeof conf, "%s/results.conf", S_CONF);
        snprintf (photos, sizeof photos, "%s/photos", S.dir);
        snprintf (auth, sizeof auth, "%s/results-clients", S.keys);
        s_key (peer, sizeof peer, "broker", "pub");
        char *rest [] = { "results", "--config", conf, "--api", S.api, "--jobs", S.jobs,
                          "--broker", S.front,
                          "--db", S.db, "--photos", photos, "--key", key, "--authorized-keys",
                          auth, "--broker-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else
    if (which == P_INTAKE) {
        snprintf (conf, sizeof conf, "%s/intake.conf", S_CONF);
        s_key (peer, sizeof peer, "results", "pub");
        char *rest [] = { "intake", "--config", conf, "--jobs", S.jobs, "--key", key,
                          "--results-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    else {
        snprintf (users, sizeof users, "%s/users.db", S.dir);
        snprintf (port, sizeof port, "%d", S.http);
        s_key (peer, sizeof peer, "results", "pub");
        char *rest [] = { "gateway", "--port", port, "--results", S.api, "--users", users,
                          "--key", key, "--results-key", peer };
        s_args (argv, &n, rest, sizeof rest / sizeof rest [0]);
    }
    S.pid [which] = mt_test_spawn (argv, S.log);
}

//  Key pairs by `homeward keygen`; each server's folder of client keys.
void
rel_make_keys (void)
{
    snprintf (S.keys, sizeof S.keys, "%s/keys", S.dir);
    char broker_clients [400], results_clients [400];
    snprintf (broker_clients, sizeof broker_clients, "%s/broker-clients", S.keys);
    snprintf (results_clients, sizeof results_clients, "%s/results-clients", S.keys);
    mkdir (S.keys, 0700);
    mkdir (broker_clients, 0700);
    mkdir (results_clients, 0700);
    for (int i = 0; i <= P_COUNT; i++) {
        const char *name = i < P_COUNT ? rel_proc_names [i] : "test";
        char base [400], *out, *err;
        snprintf (base, sizeof base, "%s/%s", S.keys, name);
        char *argv [] = { S_HOMEWARD, "keygen", base, NULL };
        MT_CHECK_INT (mt_test_run (argv, NULL, &out, &err), 0);
        free (out), free (err);
        bool of_broker = i != P_BROKER && i != P_INTAKE && i != P_GATEWAY;
        bool of_results = i == P_INTAKE || i == P_GATEWAY || i == P_COUNT;
        char from [420], to [480];
        snprintf (from, sizeof from, "%s.pub", base);
        char *pub = mt_test_read (from, NULL);
        for (int side = 0; pub && side < 2; side++)
            if (side == 0 ? of_broker : of_results) {
                snprintf (to, sizeof to, "%s/%s.pub", side == 0 ? broker_clients
                                                                 : results_clients, name);
                MT_CHECK (mt_test_write (to, pub, strlen (pub)) == 0);
            }
        free (pub);
    }
    s_key (S.client.key, sizeof S.client.key, "test", "key");
    s_key (S.client.server_key, sizeof S.client.server_key, "broker", "pub");
}

void
rel_make_users (void)
{
    char users [400];
    snprintf (users, sizeof users, "%s/users.db", S.dir);
    char *env [] = { "HOMEWARD_PASSWORD=" S_PASSWORD, NULL };
    char *staff [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "staff", "--role",
                       "station_staff", "--station", "Test station", "--province", "11", NULL };
    char *police [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "police",
                        "--role", "police_liaison", "--province", "11", NULL };
    char *admin [] = { S_HOMEWARD, "user", "add", "--users", users, "--name", "admin", "--role",
                       "admin", NULL };
    char **all [] = { staff, police, admin };
    for (int i = 0; i < 3; i++) {
        char *out, *err;
        MT_CHECK_INT (mt_test_run (all [i], env, &out, &err), 0);
        free (out), free (err);
    }
}

