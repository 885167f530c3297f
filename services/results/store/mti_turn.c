//  mti_turn - writers of one SQLite store in this process take their turns
//  in the order they asked: a ticket each, served in order.

#include "mti_turn.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mti_turns {
    char path [PATH_MAX];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t next, serving;         //  the next ticket given; the ticket served now
    bool held;                      //  a writer holds the turn
    pthread_t holder;               //  who, while held
    mti_turns_t *after;             //  the next store's
};

static pthread_mutex_t s_all_lock = PTHREAD_MUTEX_INITIALIZER;
static mti_turns_t *s_all;

mti_turns_t *
mti_turns_of (const char *path)
{
    char real [PATH_MAX];
    if (!realpath (path, real) && strlen (path) < sizeof real)
        strcpy (real, path);
    pthread_mutex_lock (&s_all_lock);
    mti_turns_t *self = s_all;
    while (self && strcmp (self->path, real) != 0)
        self = self->after;
    if (!self && (self = calloc (1, sizeof *self))) {
        strcpy (self->path, real);
        pthread_mutex_init (&self->lock, NULL);
        pthread_cond_init (&self->changed, NULL);
        self->after = s_all;
        s_all = self;
    }
    pthread_mutex_unlock (&s_all_lock);
    return self;
}

bool
mti_turn_take (mti_turns_t *self)
{
    pthread_mutex_lock (&self->lock);
    if (self->held && pthread_equal (self->holder, pthread_self ())) {
        pthread_mutex_unlock (&self->lock);
        return false;
    }
    uint64_t ticket = self->next++;
    while (self->serving != ticket)
        pthread_cond_wait (&self->changed, &self->lock);
    self->held = true;
    self->holder = pthread_self ();
    pthread_mutex_unlock (&self->lock);
    return true;
}

void
mti_turn_give (mti_turns_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->held = false;
    self->serving++;
    pthread_cond_broadcast (&self->changed);
    pthread_mutex_unlock (&self->lock);
}
