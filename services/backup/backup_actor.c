//  backup_actor - serve's scheduled backups (see backup_actor.h).

#include "backup_actor.h"
#include "base/mt_clock.h"

#include "backup/backup_repo.h"
#include "backup/backup_take.h"
#include "common/api.h"
#include "wire/mt_actor.h"
#include "base/mt_log.h"

#include <stdio.h>
#include <time.h>
#include <zmq.h>

#define S_NAME "backup"

//  Whether serve is stopping (the actor's pipe has a message: the only one
//  it gets is the one that ends it, left unread for the loop below).
static bool
s_stopping (void *pipe)
{
    zmq_pollitem_t item = { pipe, 0, ZMQ_POLLIN, 0 };
    return zmq_poll (&item, 1, 0) > 0;
}

void
backup_actor (void *pipe, void *arg)
{
    backup_actor_config_t *config = arg;
    api_client_t *client = NULL;
    mt_err_t err;
    int rc = backup_repo_open (config->dir, &config->secret, true, &err);
    if (rc == MT_OK)
        rc = api_client_new (config->api, NULL, &client, &err);
    if (rc != MT_OK) {
        mt_actor_ready (pipe, rc, &err);
        return;
    }
    api_client_set_actor (client, "scheduled backup");
    mt_actor_ready (pipe, MT_OK, NULL);
    mt_log_info (S_NAME, "a backup into %s every %lld minutes, the first in %lld s", config->dir,
                 (long long) config->every_min, (long long) config->first_s);
    int64_t every_ms = config->every_min * 60000;
    int64_t next = mt_clock_ms () + config->first_s * 1000;
    for (;;) {
        int64_t wait = next - mt_clock_ms ();
        zmq_pollitem_t item = { pipe, 0, ZMQ_POLLIN, 0 };
        if (wait > 0 && zmq_poll (&item, 1, (long) wait) > 0) {
            if (mt_actor_is_term (pipe))
                break;
            continue;
        }
        if (mt_clock_ms () < next)
            continue;
        backup_take_opts_t opts = { .dir = config->dir, .secret = &config->secret,
                                    .users = config->users [0] ? config->users : NULL,
                                    .keep = (int) config->keep, .timeout_ms = 60000,
                                    .stop = s_stopping, .stop_arg = pipe };
        backup_report_t report;
        if (backup_take (client, &opts, &report, &err) == MT_OK) {
            char line [600];
            backup_report_line (&report, line, sizeof line);
            mt_log_info (S_NAME, "%s", line);
            next = mt_clock_ms () + every_ms;
        }
        else
        if (s_stopping (pipe))
            mt_log_warn (S_NAME, "backup into %s left unfinished: %s", config->dir, err.msg);
        else {
            mt_log_error (S_NAME, "backup into %s failed: %s (trying again)", config->dir,
                          err.msg);
            next = mt_clock_ms () + (every_ms < 600000 ? every_ms : 600000);
        }
    }
    api_client_destroy (&client);
}
