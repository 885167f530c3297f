//  The broker and shards as actors in one process on inproc:// endpoints
//  (the all-in-one mode's wiring): enroll, search, remove, stats.

#include "mt_test.h"

#include "broker/broker_actor.h"
#include "shard/shard_actor.h"
#include "wire/mt_client.h"
#include "wire/mt_wire.h"

#include <stdlib.h>

static void
s_vector (uint64_t face, float *v)
{
    for (int d = 0; d < MT_DIM; d++)
        v [d] = (float) sin ((double) (face * 131 + (uint64_t) d * 7));
}

static void
test_inproc_cluster (void)
{
    broker_config_t broker;
    broker_config_defaults (&broker);
    snprintf (broker.front, sizeof broker.front, "inproc://test-front");
    snprintf (broker.back, sizeof broker.back, "inproc://test-back");
    broker.partitions = 2;
    broker.grace_ms = 0;
    mt_actor_t *actors [3] = { NULL };
    mt_err_t err;
    MT_CHECK_RC (mt_actor_new (broker_actor, &broker, &actors [0], &err), MT_OK, &err);
    shard_config_t shards [2];
    for (int p = 0; p < 2; p++) {
        shard_config_defaults (&shards [p]);
        snprintf (shards [p].broker, sizeof shards [p].broker, "inproc://test-back");
        snprintf (shards [p].data_dir, sizeof shards [p].data_dir, "%s/inproc-%d",
                  mt_test_tmpdir (), p);
        shards [p].partition = p;
        shards [p].partitions = 2;
        MT_CHECK_RC (mt_actor_new (shard_actor, &shards [p], &actors [1 + p], &err), MT_OK, &err);
    }
    //  A shard for a partition that does not exist does not start.
    shard_config_t bad = shards [0];
    bad.partition = 5;
    mt_actor_t *none = NULL;
    MT_CHECK_RC (mt_actor_new (shard_actor, &bad, &none, &err), MT_EINVAL, &err);
    MT_CHECK (none == NULL);

    mt_client_t *client;
    MT_CHECK_RC (mt_client_new ("inproc://test-front", NULL, &client, &err), MT_OK, &err);
    MT_CHECK_RC (mt_client_wait_ready (client, 5000, &err), MT_OK, &err);

    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    msg->ns = 1;
    msg->face_count = 40;
    msg->faces = calloc (40, sizeof *msg->faces);
    msg->vectors = calloc (40 * MT_DIM, sizeof (float));
    for (uint64_t i = 0; i < 40; i++) {
        msg->faces [i] = (mt_face_meta_t) { 100 + i, 10 + i / 4, 11 };
        s_vector (100 + i, msg->vectors + i * MT_DIM);
    }
    MT_CHECK_RC (mt_client_request (client, msg, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->applied == 40 && reply->replicas == 1);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&msg);

    msg = mt_msg_new (MT_MSG_SEARCH);
    msg->ns = 1;
    msg->k = 3;
    msg->query_count = 1;
    msg->vectors = calloc (MT_DIM, sizeof (float));
    s_vector (117, msg->vectors);
    MT_CHECK_RC (mt_client_request (client, msg, 5000, &reply, &err), MT_OK, &err);
    if (reply) {
        MT_CHECK (!reply->partial);
        MT_CHECK_INT (reply->answered_count, 2);
        MT_CHECK_INT (reply->results [0].hits [0].face_id, 117);
        MT_CHECK_INT (reply->results [0].hits [0].case_id, 10 + 17 / 4);
    }
    mt_msg_destroy (&reply);
    //  The other gallery is empty.
    msg->ns = 2;
    MT_CHECK_RC (mt_client_request (client, msg, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->results [0].count == 0);
    mt_msg_destroy (&reply);

    //  Remove the case of face 117: its four faces go.
    mt_msg_t *remove = mt_msg_new (MT_MSG_REMOVE);
    remove->case_id = 10 + 17 / 4;
    MT_CHECK_RC (mt_client_request (client, remove, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->applied == 4);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&remove);
    msg->ns = 1;
    MT_CHECK_RC (mt_client_request (client, msg, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->results [0].hits [0].face_id != 117);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&msg);

    //  Clients may not send what only shards send.
    mt_msg_t *status = mt_msg_new (MT_MSG_STATUS);
    MT_CHECK_RC (mt_client_request (client, status, 5000, &reply, &err), MT_EPROTO, &err);
    mt_msg_destroy (&status);

    //  Without a state file a broker cannot keep an added partition.
    mt_msg_t *add = mt_msg_new (MT_MSG_ADD_PARTITION);
    MT_CHECK_RC (mt_client_request (client, add, 5000, &reply, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "keeps no state file");
    mt_msg_destroy (&add);

    mt_client_destroy (&client);
    for (int i = 2; i >= 0; i--)
        mt_actor_destroy (&actors [i]);
}

//  The state file: its count wins over a smaller configured one; a file
//  that is not one stops the broker with a reason.
static void
test_state_file (void)
{
    broker_config_t broker;
    broker_config_defaults (&broker);
    snprintf (broker.front, sizeof broker.front, "inproc://state-front");
    snprintf (broker.back, sizeof broker.back, "inproc://state-back");
    snprintf (broker.state, sizeof broker.state, "%s/broker.state", mt_test_tmpdir ());
    broker.partitions = 2;
    broker.grace_ms = 0;
    MT_CHECK (mt_test_write (broker.state, "partitions 3\n", 13) == 0);
    mt_actor_t *actor = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_actor_new (broker_actor, &broker, &actor, &err), MT_OK, &err);
    mt_client_t *client;
    MT_CHECK_RC (mt_client_new ("inproc://state-front", NULL, &client, &err), MT_OK, &err);
    mt_msg_t *stats = mt_msg_new (MT_MSG_STATS), *reply = NULL;
    MT_CHECK_RC (mt_client_request (client, stats, 5000, &reply, &err), MT_OK, &err);
    MT_CHECK (reply && reply->partitions == 3);
    mt_msg_destroy (&reply);
    mt_msg_destroy (&stats);
    mt_client_destroy (&client);
    mt_actor_destroy (&actor);
    uint32_t kept = 0;
    MT_CHECK_RC (broker_state_read (broker.state, &kept, &err), MT_OK, &err);
    MT_CHECK_INT (kept, 3);

    MT_CHECK (mt_test_write (broker.state, "three\n", 6) == 0);
    MT_CHECK_RC (mt_actor_new (broker_actor, &broker, &actor, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "is not a broker state file");
    MT_CHECK (actor == NULL);
}

int
main (void)
{
    MT_RUN (test_inproc_cluster);
    MT_RUN (test_state_file);
    mt_zmq_shutdown ();
    return MT_TEST_MAIN_END ();
}
