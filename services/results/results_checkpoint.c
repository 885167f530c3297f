//  results_checkpoint - the case store's write-ahead log moved into the
//  database in the background (results_checkpoint.h).

#include "results/results_checkpoint.h"

#include "results/store/mt_casedb.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct results_checkpoint {
    mt_casedb_t *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static void *
s_run (void *arg)
{
    results_checkpoint_t *self = arg;
    pthread_mutex_lock (&self->lock);
    while (!self->stop) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_nsec += RESULTS_CHECKPOINT_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait (&self->wake, &self->lock, &until);
        pthread_mutex_unlock (&self->lock);
        mt_casedb_checkpoint (self->db, 0);
        pthread_mutex_lock (&self->lock);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

int
results_checkpoint_start (const char *db, results_checkpoint_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    if (mt_casedb_target_is_pg (db))
        return MT_OK;
    results_checkpoint_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = mt_casedb_open (db, &self->db, err);
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (rc == MT_OK && pthread_create (&self->thread, NULL, s_run, self) != 0)
        rc = mt_err_set (err, MT_ENOMEM, "cannot start the checkpoint thread");
    if (rc != MT_OK) {
        mt_casedb_close (&self->db);
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
        free (self);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

void
results_checkpoint_stop (results_checkpoint_t **self_p)
{
    results_checkpoint_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stop = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    mt_casedb_checkpoint (self->db, 0);
    mt_casedb_close (&self->db);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}
