//  homeward index - enroll, search and remove faces through a running
//  broker, by hand.

#include "cli.h"
#include "face/mt_face_settings.h"

#include "wire/mt_client.h"
#include "base/mt_config.h"
#include "face/mt_pipeline.h"
#include "index/mt_store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    mt_face_settings_t face;
    char broker [256];
    int64_t timeout_ms;
    char ns [16];
    int64_t case_id;
    int64_t province;
    int64_t face_id;
    int64_t k;
    char provinces [256];
    bool json;
    mt_curve_config_t curve;
} s_settings_t;

static const mt_config_key_t s_keys [] = {
    MT_FACE_KEYS (s_settings_t, face),
    { "broker", MT_CFG_STRING, offsetof (s_settings_t, broker), 0, 256,
      "the broker's client endpoint" },
    { "timeout-ms", MT_CFG_INT, offsetof (s_settings_t, timeout_ms), 1, 600000,
      "how long to wait for the broker" },
    { "ns", MT_CFG_STRING, offsetof (s_settings_t, ns), 0, 16, "gallery: missing, found, missing-mfn or found-mfn" },
    { "case", MT_CFG_INT, offsetof (s_settings_t, case_id), 0, 9.2e18, "case id" },
    { "province", MT_CFG_INT, offsetof (s_settings_t, province), 0, 999,
      "province code of the case (GB/T 2260, e.g. 11)" },
    { "face-id", MT_CFG_INT, offsetof (s_settings_t, face_id), 0, 9.2e18,
      "enroll: id of the first photo's face (then +1 per photo); remove: the face" },
    { "k", MT_CFG_INT, offsetof (s_settings_t, k), 1, MT_MSG_MAX_K, "hits per query" },
    { "provinces", MT_CFG_STRING, offsetof (s_settings_t, provinces), 0, 256,
      "search only these provinces (comma-separated codes)" },
    { "json", MT_CFG_BOOL, offsetof (s_settings_t, json), 0, 0, "print JSON" },
    MT_CURVE_CLIENT_KEYS (s_settings_t, curve, "broker-key",
                          "the broker's public key (.pub file or Z85 text)"),
    { .name = NULL }
};

static void
s_usage (FILE *out, const s_settings_t *settings)
{
    fprintf (out,
        "usage: homeward index enroll --ns NS --case ID --face-id ID [--province P] PHOTO...\n"
        "       homeward index search --ns NS [--k N] [--provinces P,Q] PHOTO\n"
        "       homeward index remove (--case ID | --face-id ID)\n"
        "       homeward index stats\n"
        "       homeward index add-partition\n\n"
        "Talks to a running broker. enroll adds the main face of each photo to a\n"
        "gallery (missing or found); search prints the nearest faces of the other\n"
        "photos' main face; remove takes faces out of every replica; stats lists the\n"
        "replicas and their state, and how far faces have moved after a partition\n"
        "was added.\n\n"
        "add-partition adds partition P (P = the partitions there are now) while the\n"
        "service runs. Start its replicas next, each with an empty data folder:\n"
        "  homeward shard --partition P --partitions P+1 --data-dir DIR ...\n"
        "Once one serves, the broker keeps P+1 in its state file (its `state`\n"
        "setting; without one it refuses), places new cases among P+1 partitions and\n"
        "moves the faces that now belong to P there: copied first, then removed from\n"
        "where they were, so every search stays complete. Moving one to another machine\n"
        "needs no command: start a new replica there, let it copy, then stop the old.\n"
        "\nOptions:\n");
    mt_config_print_help (s_keys, settings, out);
}

//  Embed the main face of each photo by the descriptor of namespace ns
//  (dlib's, or MobileFaceNet's for the -mfn ones); returns how many, with
//  vectors.
static int
s_embed (const s_settings_t *settings, int ns, char **photos, int count, float *vectors)
{
    size_t dim = (size_t) mt_msg_dim (ns);
    mt_pipeline_config_t config;
    mt_face_settings_to_config (&settings->face, &config);
    config.workers = 1;
    mt_pipeline_t *pipeline;
    mt_err_t err;
    if (mt_pipeline_new (&config, &pipeline, &err) != MT_OK) {
        cli_error ("index", "%s", err.msg);
        return -1;
    }
    int done = 0;
    for (int i = 0; i < count; i++) {
        mt_photo_t *photo;
        if (mt_pipeline_process_file (pipeline, 0, photos [i], &photo, &err) != MT_OK) {
            cli_error ("index", "%s", err.msg);
            break;
        }
        const mt_photo_face_t *face = mt_photo_best_face (photo);
        if (!face) {
            cli_error ("index", "%s: no face found", photos [i]);
            mt_photo_destroy (&photo);
            break;
        }
        if (dim == MT_DIM2 && !face->has_embedding2) {
            cli_error ("index", "%s: no MobileFaceNet descriptor (is its model installed?)",
                       photos [i]);
            mt_photo_destroy (&photo);
            break;
        }
        memcpy (vectors + (size_t) i * dim, dim == MT_DIM2 ? face->embedding2 : face->embedding,
                dim * sizeof (float));
        mt_photo_destroy (&photo);
        done++;
    }
    mt_pipeline_destroy (&pipeline);
    return done == count ? done : -1;
}

//  Send *msg_p (taken) to the broker and wait for the reply; on failure
//  say why.
static int
s_request (mt_client_t *client, const s_settings_t *s, mt_msg_t **msg_p, mt_msg_t **reply_p)
{
    mt_err_t err;
    int rc = mt_client_request (client, *msg_p, (int) s->timeout_ms, reply_p, &err);
    mt_msg_destroy (msg_p);
    if (rc != MT_OK)
        cli_error ("index", "%s", err.msg);
    return rc;
}

static int
s_enroll (mt_client_t *client, const s_settings_t *s, char **photos, int count)
{
    int ns = mt_ns_from_name (s->ns);
    if (!ns || s->case_id <= 0 || s->face_id <= 0 || count < 1) {
        cli_error ("index", "enroll needs --ns missing|found|missing-mfn|found-mfn, --case, "
                   "--face-id and photos");
        return 2;
    }
    mt_msg_t *msg = mt_msg_new (MT_MSG_ENROLL), *reply = NULL;
    msg->ns = ns;
    msg->face_count = (size_t) count;
    msg->faces = calloc ((size_t) count, sizeof *msg->faces);
    msg->vectors = malloc ((size_t) count * (size_t) mt_msg_dim (ns) * sizeof (float));
    if (!msg->faces || !msg->vectors || s_embed (s, ns, photos, count, msg->vectors) < 0) {
        mt_msg_destroy (&msg);
        return 1;
    }
    for (int i = 0; i < count; i++)
        msg->faces [i] = (mt_face_meta_t) { (uint64_t) (s->face_id + i), (uint64_t) s->case_id,
                                            (uint32_t) s->province };
    if (s_request (client, s, &msg, &reply) != MT_OK)
        return 1;
    printf ("enrolled %" PRIu64 " new face%s in %s (durable on %u replica%s)\n", reply->applied,
            reply->applied == 1 ? "" : "s", s->ns, reply->replicas,
            reply->replicas == 1 ? "" : "s");
    mt_msg_destroy (&reply);
    return 0;
}

static int
s_search (mt_client_t *client, const s_settings_t *s, char **photos, int count)
{
    int ns = mt_ns_from_name (s->ns);
    if (!ns || count != 1) {
        cli_error ("index", "search needs --ns missing|found|missing-mfn|found-mfn and one photo");
        return 2;
    }
    mt_msg_t *msg = mt_msg_new (MT_MSG_SEARCH), *reply = NULL;
    msg->ns = ns;
    msg->k = (uint32_t) s->k;
    msg->query_count = 1;
    msg->vectors = malloc ((size_t) mt_msg_dim (ns) * sizeof (float));
    msg->provinces = calloc (64, sizeof (uint32_t));
    if (!msg->vectors || !msg->provinces || s_embed (s, ns, photos, 1, msg->vectors) < 0) {
        mt_msg_destroy (&msg);
        return 1;
    }
    char list [256];
    snprintf (list, sizeof list, "%s", s->provinces);
    for (char *tok = strtok (list, ","); tok && msg->province_count < 64; tok = strtok (NULL, ","))
        msg->provinces [msg->province_count++] = (uint32_t) strtoul (tok, NULL, 10);
    if (s_request (client, s, &msg, &reply) != MT_OK)
        return 1;
    const mt_query_hits_t *hits = reply->query_count ? &reply->results [0] : NULL;
    if (s->json) {
        json_t *out = json_pack ("{s:[], s:b, s:[], s:[]}", "hits", "partial", reply->partial,
                                 "answered", "missing");
        for (size_t i = 0; hits && i < hits->count; i++)
            json_array_append_new (json_object_get (out, "hits"), json_pack (
                "{s:I, s:I, s:i, s:f}", "face_id", (json_int_t) hits->hits [i].face_id,
                "case_id", (json_int_t) hits->hits [i].case_id,
                "province", (int) hits->hits [i].province,
                "distance", (double) hits->hits [i].distance));
        for (size_t i = 0; i < reply->answered_count; i++)
            json_array_append_new (json_object_get (out, "answered"),
                                   json_integer (reply->answered [i]));
        for (size_t i = 0; i < reply->missing_count; i++)
            json_array_append_new (json_object_get (out, "missing"),
                                   json_integer (reply->missing [i]));
        char *text = json_dumps (out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (6));
        puts (text ? text : "{}");
        free (text);
        json_decref (out);
    }
    else {
        for (size_t i = 0; hits && i < hits->count; i++)
            printf ("%2zu. face %" PRIu64 "  case %" PRIu64 "  province %u  distance %.4f\n",
                    i + 1, hits->hits [i].face_id, hits->hits [i].case_id,
                    hits->hits [i].province, hits->hits [i].distance);
        if (reply->partial)
            printf ("PARTIAL: %zu of %u partitions did not answer in time\n",
                    reply->missing_count, reply->partitions);
    }
    mt_msg_destroy (&reply);
    return 0;
}

static int
s_remove (mt_client_t *client, const s_settings_t *s)
{
    if (s->case_id <= 0 && s->face_id <= 0) {
        cli_error ("index", "remove needs --case or --face-id");
        return 2;
    }
    mt_msg_t *msg = mt_msg_new (MT_MSG_REMOVE), *reply = NULL;
    msg->case_id = (uint64_t) s->case_id;
    if (s->face_id > 0) {
        msg->face_ids = malloc (sizeof (uint64_t));
        msg->face_ids [0] = (uint64_t) s->face_id;
        msg->id_count = 1;
    }
    if (s_request (client, s, &msg, &reply) != MT_OK)
        return 1;
    printf ("removed %" PRIu64 " face%s (on %u replica%s)\n", reply->applied,
            reply->applied == 1 ? "" : "s", reply->replicas, reply->replicas == 1 ? "" : "s");
    mt_msg_destroy (&reply);
    return 0;
}

//  Stats, or add a partition and then the stats.
static int
s_stats (mt_client_t *client, const s_settings_t *s, mt_msg_type type)
{
    mt_msg_t *msg = mt_msg_new (type), *reply = NULL;
    if (s_request (client, s, &msg, &reply) != MT_OK)
        return 1;
    if (type == MT_MSG_ADD_PARTITION)
        printf ("partition %u added: start its replicas now (homeward shard --partition %u "
                "--partitions %u, each with an empty data folder)\n", reply->partitions,
                reply->partitions, reply->partitions + 1);
    printf ("%u partitions, %" PRIu64 " malformed messages seen\n", reply->partitions,
            reply->malformed);
    if (reply->adding)
        printf ("partition %u is being added: it is used once a replica of it serves\n",
                reply->partitions);
    if (reply->rehoming)
        printf ("faces are moving to their partitions: %" PRIu64 " moved, %" PRIu64 " left "
                "in the gallery being moved now\n", reply->moved, reply->remaining);
    else
    if (reply->moved)
        printf ("every face is in its partition (%" PRIu64 " moved)\n", reply->moved);
    for (size_t i = 0; i < reply->replica_count; i++) {
        const mt_shard_status_t *r = &reply->replica_status [i];
        printf ("  replica %u.%u  %-8s write %-8" PRIu64 " missing %-8" PRIu64 " found %"
                PRIu64 "\n", r->partition, r->replica, r->state, r->seq, r->missing_count,
                r->found_count);
    }
    mt_msg_destroy (&reply);
    return 0;
}

int
cli_index (int argc, char **argv)
{
    s_settings_t settings = {
        .broker = "tcp://127.0.0.1:5555", .timeout_ms = 10000, .k = 10
    };
    mt_face_settings_defaults (&settings.face);
    if (cli_wants_help (argc, argv)) {
        s_usage (stdout, &settings);
        return 0;
    }
    int count = 0;
    if (cli_load_settings ("index", s_keys, &settings, argc, argv, &count) != MT_OK)
        return 2;
    mt_err_t err;
    if (count < 1) {
        s_usage (stderr, &settings);
        return 2;
    }
    const char *action = argv [1];
    mt_client_t *client;
    if (mt_client_new (settings.broker, &settings.curve, &client, &err) != MT_OK) {
        cli_error ("index", "%s", err.msg);
        return 1;
    }
    int status;
    if (strcmp (action, "enroll") == 0)
        status = s_enroll (client, &settings, argv + 2, count - 1);
    else
    if (strcmp (action, "search") == 0)
        status = s_search (client, &settings, argv + 2, count - 1);
    else
    if (strcmp (action, "remove") == 0)
        status = s_remove (client, &settings);
    else
    if (strcmp (action, "stats") == 0)
        status = s_stats (client, &settings, MT_MSG_STATS);
    else
    if (strcmp (action, "add-partition") == 0)
        status = s_stats (client, &settings, MT_MSG_ADD_PARTITION);
    else {
        cli_error ("index", "unknown action '%s' (enroll, search, remove, stats, "
                   "add-partition)", action);
        status = 2;
    }
    mt_client_destroy (&client);
    return status;
}
