//  results_call - helpers every API method may use.

#include "results_actor.h"

#include "common/api.h"
#include "results/case_fields.h"
#include "results/store/photo_store.h"
#include "results/results_call.h"
#include "results/results_pb.h"
#include "results/results_disk.h"
#include "results/results_score.h"
#include "results/results_matcher.h"
#include "results/results_privacy.h"
#include "results/store/mt_casedb.h"
#include "wire/mt_client.h"
#include "face/mt_image.h"
#include "face/mt_quality.h"
#include "base/mt_log.h"
#include "results/store/mt_rank.h"
#include "index/mt_store.h"
#include "wire/mt_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "results"

void
results_call_nudge (results_state_t *self)
{
    zmq_send (self->nudge, "N", 1, ZMQ_DONTWAIT);
}

int
results_case_changed (results_call_t *call, int64_t case_id, const char *what, mt_err_t *err)
{
    bool failed = false;
    Homeward__V1__CaseChanged *done = results_pb_new (&homeward__v1__case_changed__descriptor,
                                                      &failed);
    if (done) {
        if (case_id)
            done->has_case_id = 1, done->case_id = case_id;
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (
            done->base.descriptor, what);
        if (f && f->type == PROTOBUF_C_TYPE_BOOL) {
            *(protobuf_c_boolean *) ((char *) done + f->offset) = 1;
            *(protobuf_c_boolean *) ((char *) done + f->quantifier_offset) = 1;
        }
    }
    int rc = results_pb_answer (&call->answer, done ? &done->base : NULL, failed, err);
    if (rc == MT_OK)
        results_call_nudge (call->self);
    return rc;
}
