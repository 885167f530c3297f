//  mt_zmq - the process's one ZeroMQ context.

#include "wire/mt_zmq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

static void *s_context;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

void *
mt_zmq_context (void)
{
    pthread_mutex_lock (&s_lock);
    if (!s_context) {
        s_context = zmq_ctx_new ();
        if (!s_context) {
            fprintf (stderr, "homeward: cannot start ZeroMQ: %s\n", zmq_strerror (zmq_errno ()));
            abort ();
        }
    }
    void *context = s_context;
    pthread_mutex_unlock (&s_lock);
    return context;
}

void
mt_zmq_context_term (void)
{
    pthread_mutex_lock (&s_lock);
    if (s_context)
        zmq_ctx_term (s_context);
    s_context = NULL;
    pthread_mutex_unlock (&s_lock);
}
