//  Self-test of the wire codec: every message type survives a round trip,
//  and the decoder refuses what breaks the protocol.

#include "mt_test.h"

#include "wire/mt_msg.h"
#include "mti_msg.h"

#include <stdlib.h>
#include <string.h>

static mt_msg_t *
s_roundtrip (const mt_msg_t *msg)
{
    uint8_t *bytes;
    size_t size;
    mt_err_t err;
    mt_msg_t *back = NULL;
    MT_CHECK_RC (mt_msg_encode (msg, &bytes, &size, &err), MT_OK, &err);
    if (bytes) {
        MT_CHECK_RC (mt_msg_decode (bytes, size, &back, &err), MT_OK, &err);
        free (bytes);
    }
    if (back) {
        MT_CHECK_INT (back->type, msg->type);
        MT_CHECK_INT (back->request_id, msg->request_id);
        MT_CHECK_INT (back->seq, msg->seq);
    }
    return back;
}

static void
test_roundtrips (void)
{
    mt_msg_t *m = mt_msg_new (MT_MSG_ENROLL), *b;
    m->request_id = 77;
    m->seq = 12;
    m->ns = 1;
    m->face_count = 2;
    m->faces = calloc (2, sizeof *m->faces);
    m->vectors = calloc (2 * MT_DIM, sizeof (float));
    m->faces [0] = (mt_face_meta_t) { 5, 50, 11 };
    m->faces [1] = (mt_face_meta_t) { 6, 50, 11 };
    m->vectors [MT_DIM + 3] = 0.25f;
    b = s_roundtrip (m);
    if (b) {
        MT_CHECK_INT (b->face_count, 2);
        MT_CHECK_INT (b->faces [1].face_id, 6);
        MT_CHECK_INT (b->faces [1].case_id, 50);
        MT_CHECK_INT (b->faces [1].province, 11);
        MT_CHECK_NEAR (b->vectors [MT_DIM + 3], 0.25, 0);
    }
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    //  The second descriptor's namespaces carry 192 values a face, and say so.
    MT_CHECK_INT (mt_msg_dim (1), MT_DIM);
    MT_CHECK_INT (mt_msg_dim (4), MT_DIM2);
    MT_CHECK_INT (mt_msg_dim (5), 0);
    m = mt_msg_new (MT_MSG_ENROLL);
    m->ns = 3;
    m->face_count = 2;
    m->faces = calloc (2, sizeof *m->faces);
    m->vectors = calloc (2 * MT_DIM2, sizeof (float));
    m->faces [0] = (mt_face_meta_t) { 5, 50, 11 };
    m->faces [1] = (mt_face_meta_t) { 6, 50, 11 };
    m->vectors [MT_DIM2 + 191] = 0.5f;
    b = s_roundtrip (m);
    if (b) {
        MT_CHECK_INT (b->ns, 3);
        MT_CHECK_INT (b->face_count, 2);
        MT_CHECK_NEAR (b->vectors [MT_DIM2 + 191], 0.5, 0);
    }
    mt_msg_destroy (&b);
    //  The same faces as a search of the found-mfn gallery.
    mt_msg_destroy (&m);
    m = mt_msg_new (MT_MSG_SEARCH);
    m->ns = 4;
    m->k = 7;
    m->query_count = 2;
    m->vectors = calloc (2 * MT_DIM2, sizeof (float));
    m->vectors [MT_DIM2] = 1.5f;
    b = s_roundtrip (m);
    if (b) {
        MT_CHECK_INT (b->query_count, 2);
        MT_CHECK_NEAR (b->vectors [MT_DIM2], 1.5, 0);
    }
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_SEARCH);
    m->ns = 2;
    m->k = 20;
    m->query_count = 3;
    m->vectors = calloc (3 * MT_DIM, sizeof (float));
    m->provinces = calloc (2, sizeof (uint32_t));
    m->provinces [0] = 11;
    m->provinces [1] = 44;
    m->province_count = 2;
    m->deadline_ms = 900;
    b = s_roundtrip (m);
    if (b) {
        MT_CHECK_INT (b->query_count, 3);
        MT_CHECK_INT (b->k, 20);
        MT_CHECK_INT (b->province_count, 2);
        MT_CHECK_INT (b->provinces [1], 44);
        MT_CHECK_INT (b->deadline_ms, 900);
    }
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_SEARCH_REPLY);
    m->query_count = 2;
    m->results = calloc (2, sizeof *m->results);
    m->results [1].count = 1;
    m->results [1].hits = calloc (1, sizeof (mt_hit_t));
    m->results [1].hits [0] = (mt_hit_t) { 9, 90, 0.5f, 31 };
    m->answered = calloc (1, sizeof (uint32_t));
    m->answered_count = 1;
    m->missing = calloc (1, sizeof (uint32_t));
    m->missing [0] = 1;
    m->missing_count = 1;
    m->partial = true;
    m->partitions = 2;
    b = s_roundtrip (m);
    if (b) {
        MT_CHECK_INT (b->results [0].count, 0);
        MT_CHECK_INT (b->results [1].hits [0].case_id, 90);
        MT_CHECK_NEAR (b->results [1].hits [0].distance, 0.5, 0);
        MT_CHECK (b->partial);
        MT_CHECK_INT (b->missing [0], 1);
    }
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_REMOVE);
    m->case_id = 50;
    b = s_roundtrip (m);
    MT_CHECK (b && b->case_id == 50 && b->id_count == 0);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_STATUS);
    m->status = (mt_shard_status_t) { .partition = 3, .replica = 1, .partitions = 4, .seq = 99,
                                      .digest = 0xfeedfacecafebeefull, .hello = true };
    b = s_roundtrip (m);
    MT_CHECK (b && b->status.digest == 0xfeedfacecafebeefull && b->status.hello
              && b->status.partitions == 4);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_SYNC_CHUNK);
    m->sync_id = 4;
    m->offset = 1 << 20;
    m->data = malloc (3);
    memcpy (m->data, "abc", 3);
    m->data_size = 3;
    m->last = true;
    b = s_roundtrip (m);
    MT_CHECK (b && b->data_size == 3 && memcmp (b->data, "abc", 3) == 0 && b->last);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_REHOME);
    m->ns = 2;
    m->partition = 1;
    m->partitions = 3;
    m->most = 500;
    b = s_roundtrip (m);
    MT_CHECK (b && b->ns == 2 && b->partition == 1 && b->partitions == 3 && b->most == 500);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    //  A shard with nothing to hand over answers with no faces.
    m = mt_msg_new (MT_MSG_REHOME_REPLY);
    m->ns = 1;
    m->total = 0;
    b = s_roundtrip (m);
    MT_CHECK (b && b->ns == 1 && b->face_count == 0 && b->total == 0);
    mt_msg_destroy (&b);
    m->face_count = 1;
    m->faces = calloc (1, sizeof *m->faces);
    m->vectors = calloc (MT_DIM, sizeof (float));
    m->faces [0] = (mt_face_meta_t) { 8, 80, 44 };
    m->vectors [5] = -0.5f;
    m->total = 1234;
    b = s_roundtrip (m);
    MT_CHECK (b && b->face_count == 1 && b->faces [0].case_id == 80 && b->total == 1234
              && b->vectors [5] == -0.5f);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_ADD_PARTITION);
    b = s_roundtrip (m);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_new (MT_MSG_STATS_REPLY);
    m->partitions = 3;
    m->adding = true;
    m->rehoming = true;
    m->moved = 5000;
    m->remaining = 17;
    b = s_roundtrip (m);
    MT_CHECK (b && b->partitions == 3 && b->adding && b->rehoming && b->moved == 5000
              && b->remaining == 17);
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);

    m = mt_msg_error (5, MT_EUNAVAILABLE, "partition %d is down", 1);
    b = s_roundtrip (m);
    MT_CHECK (b && b->error_code == MT_EUNAVAILABLE);
    MT_CHECK_CONTAINS (b ? b->text : NULL, "partition 1 is down");
    mt_msg_destroy (&b);
    mt_msg_destroy (&m);
}

static void
test_refusals (void)
{
    mt_msg_t *m = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_msg_decode ((const uint8_t *) "\xff\xff\xff", 3, &m, &err), MT_EPROTO, &err);
    MT_CHECK_RC (mt_msg_decode ((const uint8_t *) "", 0, &m, &err), MT_EPROTO, &err);
    MT_CHECK (m == NULL);

    //  The encoder refuses the same as the decoder: k 0, no faces, NaN, bad ns.
    mt_msg_t *s = mt_msg_new (MT_MSG_SEARCH);
    s->ns = 2;
    s->k = 0;
    s->query_count = 1;
    s->vectors = calloc (MT_DIM, sizeof (float));
    uint8_t *bytes;
    size_t size;
    MT_CHECK_RC (mt_msg_encode (s, &bytes, &size, &err), MT_EPROTO, &err);
    s->k = 5;
    s->vectors [7] = NAN;
    MT_CHECK_RC (mt_msg_encode (s, &bytes, &size, &err), MT_EPROTO, &err);
    s->vectors [7] = 0;
    s->ns = 5;
    MT_CHECK_RC (mt_msg_encode (s, &bytes, &size, &err), MT_EPROTO, &err);
    mt_msg_destroy (&s);

    mt_msg_t *e = mt_msg_new (MT_MSG_ENROLL);
    e->ns = 1;
    MT_CHECK_RC (mt_msg_encode (e, &bytes, &size, &err), MT_EPROTO, &err);
    mt_msg_destroy (&e);

    //  A listing for a partition that does not exist, or of no faces.
    mt_msg_t *r = mt_msg_new (MT_MSG_REHOME);
    r->ns = 1;
    r->partition = 3;
    r->partitions = 3;
    r->most = 10;
    MT_CHECK_RC (mt_msg_encode (r, &bytes, &size, &err), MT_EPROTO, &err);
    r->partition = 2;
    r->most = 0;
    MT_CHECK_RC (mt_msg_encode (r, &bytes, &size, &err), MT_EPROTO, &err);
    mt_msg_destroy (&r);

    //  Hand-made envelopes: version 2; a search whose vector is 5 floats.
    const uint8_t v2 [] = { 0x08, 0x02, 0xa2, 0x01, 0x00 };
    MT_CHECK_RC (mt_msg_decode (v2, sizeof v2, &m, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "version 2");
    const uint8_t short_vector [] = {
        0x08, 0x01,                 //  version 1
        0x62, 0x1d,                 //  field 12 (search), 29 bytes
        0x08, 0x02, 0x10, 0x05, 0x18, 0x80, 0x01,     //  ns 2, k 5, dim 128
        0x22, 0x14,                 //  vectors, packed, 20 bytes = 5 floats
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    };
    MT_CHECK_RC (mt_msg_decode (short_vector, sizeof short_vector, &m, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "whole number of vectors");
    //  A search of a MobileFaceNet gallery with dlib's dimension.
    const uint8_t wrong_dim [] = {
        0x08, 0x01,                 //  version 1
        0x62, 0x07,                 //  field 12 (search), 7 bytes
        0x08, 0x04, 0x10, 0x05, 0x18, 0x80, 0x01,     //  ns 4, k 5, dim 128
    };
    MT_CHECK_RC (mt_msg_decode (wrong_dim, sizeof wrong_dim, &m, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "not the 192");
    //  An enroll into missing-mfn whose face has 128 values.
    uint8_t enroll_short [13 + 512];
    size_t at = 0;
    const uint8_t head [] = { 0x08, 0x01, 0x52, 0x88, 0x04, 0x08, 0x03, 0x12, 0x83, 0x04,
                              0x22, 0x80, 0x04 };
    //  version 1; field 10 (enroll) 520 bytes: ns 3, face 515 bytes: vector packed 512
    memcpy (enroll_short, head, sizeof head);
    at = sizeof head;
    memset (enroll_short + at, 0, 512);
    at += 512;
    MT_CHECK_RC (mt_msg_decode (enroll_short, at, &m, &err), MT_EPROTO, &err);
    MT_CHECK_CONTAINS (err.msg, "not 192");
}

//  The codec's table against the protocol's descriptors: every field it
//  names is there and of a kind its C member holds.
static void
test_table (void)
{
    mt_err_t err;
    MT_CHECK_RC (mti_msg_fields_check (&err), MT_OK, &err);
}

int
main (void)
{
    MT_RUN (test_table);
    MT_RUN (test_roundtrips);
    MT_RUN (test_refusals);
    return MT_TEST_MAIN_END ();
}
