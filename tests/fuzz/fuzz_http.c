//  Fuzz target: raw HTTP requests to the gateway (request line, headers,
//  cookies, query strings, JSON bodies, multipart uploads), served by the
//  real gateway over a real socket, in front of a real results service
//  (SQLite in a temporary folder) and a broker with one shard.
//
//  Inputs may say @ADMIN@, @STAFF@ or @POLICE@ where a bearer token goes:
//  the harness puts live session tokens there, so that the fuzzer reaches
//  the routes behind sign-in. A 500 answer is a finding: every bad input
//  must get a 4xx with its reason.

#include "broker/broker_actor.h"
#include "gateway/gateway_actor.h"
#include "results/results_actor.h"
#include "shard/shard_actor.h"
#include "wire/mt_actor.h"
#include "base/mt_log.h"
#include "gateway/accounts/mt_users.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct {
    broker_config_t broker;
    shard_config_t shard;
    results_config_t results;
    gateway_config_t gateway;
    mt_actor_t *actors [4];
    const char *names [3];
    char tokens [3][MT_TOKEN_CHARS + 1];
    int port;
} S;

static void
s_users (const char *path)
{
    mt_users_t *users;
    mt_err_t err;
    if (mt_users_open (path, &users, &err) != MT_OK)
        abort ();
    const mt_user_t people [3] = {
        { .name = "admin", .role = MT_ROLE_ADMIN },
        { .name = "staff", .role = MT_ROLE_STATION_STAFF, .station = "Fuzz station",
          .province = 44 },
        { .name = "police", .role = MT_ROLE_POLICE_LIAISON, .province = 44 },
    };
    for (int i = 0; i < 3; i++) {
        char csrf [MT_TOKEN_CHARS + 1];
        if (mt_users_add (users, &people [i], "fuzzing password", &err) != MT_OK
        ||  mt_users_session_new (users, people [i].name, 30 * 86400, S.tokens [i], csrf,
                                  &err) != MT_OK)
            abort ();
    }
    mt_users_close (&users);
}

static void
s_start (void)
{
    char dir [] = "/tmp/homeward-fuzz-http-XXXXXX";
    if (!mkdtemp (dir))
        abort ();
    mt_log_set_level (MT_LOG_ERROR);
    broker_config_defaults (&S.broker);
    snprintf (S.broker.front, sizeof S.broker.front, "inproc://fuzz-index");
    snprintf (S.broker.back, sizeof S.broker.back, "inproc://fuzz-shards");
    S.broker.partitions = 1;
    S.broker.replicas = 1;
    S.broker.grace_ms = 0;
    shard_config_defaults (&S.shard);
    snprintf (S.shard.broker, sizeof S.shard.broker, "%s", S.broker.back);
    snprintf (S.shard.data_dir, sizeof S.shard.data_dir, "%s/shard", dir);
    S.shard.sync = false;
    results_config_defaults (&S.results);
    snprintf (S.results.api, sizeof S.results.api, "inproc://fuzz-api");
    snprintf (S.results.jobs, sizeof S.results.jobs, "inproc://fuzz-jobs");
    snprintf (S.results.broker, sizeof S.results.broker, "%s", S.broker.front);
    snprintf (S.results.db, sizeof S.results.db, "%s/homeward.db", dir);
    snprintf (S.results.photos, sizeof S.results.photos, "%s/photos", dir);
    gateway_config_defaults (&S.gateway);
    S.gateway.port = 0;                 //  any free port: the actor says which
    snprintf (S.gateway.results, sizeof S.gateway.results, "inproc://fuzz-api");
    snprintf (S.gateway.users, sizeof S.gateway.users, "%s/users.db", dir);
    s_users (S.gateway.users);
    mt_err_t err;
    if (mt_actor_new (broker_actor, &S.broker, &S.actors [0], &err) != MT_OK
    ||  mt_actor_new (shard_actor, &S.shard, &S.actors [1], &err) != MT_OK
    ||  mt_actor_new (results_actor, &S.results, &S.actors [2], &err) != MT_OK
    ||  mt_actor_new (gateway_actor, &S.gateway, &S.actors [3], &err) != MT_OK) {
        fprintf (stderr, "fuzz_http: cannot start: %s\n", err.msg);
        abort ();
    }
    S.port = (int) S.gateway.bound_port;
}

//  The input with its token placeholders filled in (new buffer).
static char *
s_fill (const uint8_t *data, size_t size, size_t *out_size)
{
    static const char *marks [3] = { "@ADMIN@", "@STAFF@", "@POLICE@" };
    char *out = malloc (size * (MT_TOKEN_CHARS + 1) / 7 + size + 1);
    size_t at = 0;
    for (size_t i = 0; i < size;) {
        int hit = -1;
        for (int m = 0; m < 3 && hit < 0; m++) {
            size_t len = strlen (marks [m]);
            if (size - i >= len && memcmp (data + i, marks [m], len) == 0)
                hit = m;
        }
        if (hit >= 0) {
            memcpy (out + at, S.tokens [hit], MT_TOKEN_CHARS);
            at += MT_TOKEN_CHARS;
            i += strlen (marks [hit]);
        }
        else
            out [at++] = (char) data [i++];
    }
    *out_size = at;
    return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!S.port)
        s_start ();
    size_t length;
    char *request = s_fill (data, size, &length);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) S.port),
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    struct timeval timeout = { .tv_sec = 2 };
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    for (int tries = 0; connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0; tries++) {
        if (tries == 200)
            abort ();               //  the gateway is gone
        usleep (10000);
    }
    for (size_t sent = 0; sent < length;) {
        ssize_t n = send (fd, request + sent, length - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;                  //  the gateway may close early on a bad request
        sent += (size_t) n;
    }
    shutdown (fd, SHUT_WR);
    //  A whole request is answered within milliseconds; an incomplete one (most
    //  mutations) waits for more until the gateway's timeout: do not wait
    //  for that. Crashes are caught in this process whether or not an
    //  answer is read; only the 500 check needs it.
    //  Only the status line is looked at: read until it is in (the
    //  connection may stay open for a next request).
    char answer [4096];
    size_t got = 0;
    while (got < sizeof answer - 1 && !memchr (answer, '\n', got)) {
        struct pollfd item = { fd, POLLIN, 0 };
        if (poll (&item, 1, got ? 2000 : 50) <= 0)
            break;
        ssize_t n = recv (fd, answer + got, sizeof answer - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    answer [got] = '\0';
    close (fd);
    free (request);
    if (getenv ("FUZZ_HTTP_SHOW"))          //  to see what a corpus reaches
        fprintf (stderr, "%.*s\n", (int) strcspn (answer, "\r\n"), answer);
    if (got >= 12 && memcmp (answer, "HTTP/1.", 7) == 0 && memcmp (answer + 9, "500", 3) == 0) {
        fprintf (stderr, "fuzz_http: the gateway answered 500:\n%.1000s\n", answer);
        abort ();
    }
    return 0;
}
