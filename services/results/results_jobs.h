//  results_jobs - the intake's job link, the results service's side: a
//  ROUTER on the `jobs` endpoint where intake workers say they are ready;
//  waiting photos are pushed to the workers at once (no worker asks again
//  and again), each holding two at most: the one it describes and the
//  next, queued on its link, so that it never waits for the service
//  between them. A photo's faces (or why it has none) come back as a
//  protobuf message (wire/mt_job.h) and are stored, and the case is
//  matched.
//
//  A worker that is gone gives its photos back at once: while a worker
//  holds a photo the service probes it every RESULTS_JOBS_PROBE_MS, and a
//  probe ZeroMQ cannot route (the worker's connection closed: its process
//  died, or its heartbeats stopped) hands its photos to the other
//  workers. Idle workers cost nothing but their "ready" now and then.
//  When the store cannot take an answer (the disk is full) the photo is
//  given back and no photo goes out for a while, longer after each failure.

#ifndef RESULTS_JOBS_H_INCLUDED
#define RESULTS_JOBS_H_INCLUDED

#include <stddef.h>

#include "results/results_call.h"

#define RESULTS_JOBS_PROBE_MS 200

//  Bind the `jobs` endpoint (config->jobs; CURVE on tcp:// as the API).
int results_jobs_new (results_state_t *self, mt_err_t *err);
void results_jobs_destroy (results_state_t *self);

//  The socket to poll for workers' messages.
void *results_jobs_socket (results_state_t *self);

//  A message from a worker is there: take it.
void results_jobs_recv (results_state_t *self);

//  Photos may wait (one was added, or marked to be described again): push
//  them to ready workers.
void results_jobs_waiting (results_state_t *self);

//  Probes, leases and the pause after failures; call when the time of
//  results_jobs_timeout has come (or earlier).
void results_jobs_tick (results_state_t *self);

//  Milliseconds until results_jobs_tick is due; -1: nothing is due.
long results_jobs_timeout (results_state_t *self);

//  Workers known, waiting for a photo or describing one.
void results_jobs_workers (results_state_t *self, size_t *idle_p, size_t *busy_p);

#endif
