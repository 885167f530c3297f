//  Fuzz target: a case's facts as the API receives them (JSON text from the
//  CLI, an import or the gateway), read by the client into api.proto's
//  CaseFields as it sends them, then checked by the results service; and
//  the same as corrections to a recorded case. Whatever comes out is UTF-8:
//  the case's texts and view, what changed, and a refusal's message in
//  both languages.

#include "common/api_pb.h"
#include "common/api_render.h"
#include "results/case_fields.h"
#include "results/case_view.h"
#include "base/mt_utf8.h"
#include "wire/mt_pb_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
s_utf8 (const char *text)
{
    if (!mt_utf8_valid (text, strlen (text)))
        abort ();
}

static void
s_refusal (const mt_err_t *err)
{
    s_utf8 (err->msg);
    s_utf8 (err->msg_zh);
    if (!err->msg_zh [0])
        abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *params = json_loadb ((const char *) data, size, JSON_REJECT_DUPLICATES, &jerr);
    ProtobufCMessage *typed = NULL;
    mt_err_t err;
    //  As the client reads it (a refusal there is the caller's message too).
    if (params && json_is_object (params)
    &&  (mt_pb_from_json (params, &homeward__v1__case_fields__descriptor, &typed, &err) != MT_OK
         || api_pb_case_facts_from_json (params, (Homeward__V1__CaseFields *) typed, &err)
            != MT_OK))
        s_refusal (&err);
    else
    if (params && json_is_object (params)) {
        const Homeward__V1__CaseFields *fields = (const Homeward__V1__CaseFields *) typed;
        mt_case_t c;
        if (results_case_from_fields (fields, &c, &err) == MT_OK) {
            //  As a client shows it.
            Homeward__V1__CaseView *view = results_case_view (&c, true);
            json_t *back = view ? api_render (&view->base) : NULL;
            if (view)
                protobuf_c_message_free_unpacked (&view->base, NULL);
            if (!back)
                abort ();
            s_utf8 (c.notes);
            s_utf8 (c.station);
            json_decref (back);
        }
        else
            s_refusal (&err);
        //  Corrections to a found and to a missing case.
        static const mt_case_t recorded [2] = {
            { .id = 1, .kind = MT_KIND_FOUND, .sex = MT_SEX_MALE, .province = 44,
              .date_found = "2020-05-01", .age_min = 60, .age_max = 70,
              .consent_basis = "vital_interests" },
            { .id = 2, .kind = MT_KIND_MISSING, .province = 11, .age_min = -1, .age_max = -1,
              .birth_year_min = 1950, .birth_year_max = 1952, .consent_basis = "family",
              .consent_by = "the son" }
        };
        for (int k = 0; k < 2; k++) {
            char changes [1024];
            c = recorded [k];
            if (results_case_update_from_fields (fields, &c, changes, sizeof changes, &err)
                == MT_OK) {
                if (c.kind != recorded [k].kind || !changes [0])
                    abort ();
                s_utf8 (changes);
            }
            else
                s_refusal (&err);
        }
    }
    if (typed)
        protobuf_c_message_free_unpacked (typed, NULL);
    json_decref (params);
    return 0;
}
