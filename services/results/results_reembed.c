//  results_reembed - the API of describing the gallery again with the
//  current second descriptor (mt_casedb_reembed.c does the work's
//  bookkeeping, the intake workers the describing): start it, see how far
//  it has come.

#include "results/results_call.h"

#include "face/mt_mobilefacenet.h"
#include "results/results_pb.h"

//  How far it has come, as api.proto's Reembed (the answer: MT_ENOMEM when
//  it cannot be made); queued < 0: not a start.
static int
s_status (results_call_t *call, const mt_reembed_status_t *s, int64_t queued, mt_err_t *err)
{
    bool failed = false;
    Homeward__V1__Reembed *r = results_pb_new (&homeward__v1__reembed__descriptor, &failed);
    if (r) {
        r->descriptor = results_pb_text (MT_MOBILEFACENET_VERSION, &failed);
        r->has_faces = r->has_described = r->has_photos_waiting = r->has_done = 1;
        r->faces = s->faces, r->described = s->described;
        r->photos_waiting = s->photos_waiting;
        r->done = s->faces ? (double) s->described / (double) s->faces : 1.0;
        if (queued >= 0)
            r->has_queued = 1, r->queued = queued;
    }
    return results_pb_answer (&call->answer, r ? &r->base : NULL, failed, err);
}

int
results_m_reembed_start (results_call_t *call, mt_err_t *err)
{
    int64_t queued = 0;
    mt_reembed_status_t status;
    int rc = mt_casedb_reembed_queue (call->self->db, MT_MOBILEFACENET_VERSION, call->actor,
                                      &queued, err);
    if (rc == MT_OK)
        rc = mt_casedb_reembed_status (call->self->db, MT_MOBILEFACENET_VERSION, &status, err);
    return rc == MT_OK ? s_status (call, &status, queued, err) : rc;
}

int
results_m_reembed_status (results_call_t *call, mt_err_t *err)
{
    mt_reembed_status_t status;
    int rc = mt_casedb_reembed_status (call->self->db, MT_MOBILEFACENET_VERSION, &status, err);
    return rc == MT_OK ? s_status (call, &status, -1, err) : rc;
}
