//  results_reembed - the API of describing the gallery again with the
//  current second descriptor (mt_casedb_reembed.c does the work's
//  bookkeeping, the intake workers the describing): start it, see how far
//  it has come.

#include "results/results_call.h"

#include "face/mt_mobilefacenet.h"

static json_t *
s_status_json (const mt_reembed_status_t *s)
{
    return json_pack ("{s:s, s:I, s:I, s:I, s:f}", "descriptor", MT_MOBILEFACENET_VERSION,
                      "faces", (json_int_t) s->faces, "described", (json_int_t) s->described,
                      "photos_waiting", (json_int_t) s->photos_waiting,
                      "done", s->faces ? (double) s->described / (double) s->faces : 1.0);
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
    if (rc == MT_OK) {
        call->result = s_status_json (&status);
        json_object_set_new (call->result, "queued", json_integer (queued));
    }
    return rc;
}

int
results_m_reembed_status (results_call_t *call, mt_err_t *err)
{
    mt_reembed_status_t status;
    int rc = mt_casedb_reembed_status (call->self->db, MT_MOBILEFACENET_VERSION, &status, err);
    if (rc == MT_OK)
        call->result = s_status_json (&status);
    return rc;
}
