//  Self-test of mt_curve: key files, authorized-key lists, and real CURVE
//  handshakes on tcp://127.0.0.1 through the ZAP handler: a listed key gets
//  in, a stranger and a wrong server key do not, a key added to the folder
//  gets in without a restart, and tcp:// without keys is refused unless
//  insecure is asked for.

#include "mt_test.h"

#include "wire/mt_curve.h"
#include "wire/mt_wire.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir [600];

static const char *
s_path (const char *name)
{
    static char paths [8][800];
    static int next;
    char *p = paths [next++ % 8];
    snprintf (p, 800, "%s/%s", s_dir, name);
    return p;
}

static void
test_key_files (void)
{
    mt_err_t err;
    MT_CHECK_RC (mt_curve_keygen (s_path ("server"), &err), MT_OK, &err);
    struct stat st;
    MT_CHECK (stat (s_path ("server.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
    MT_CHECK (stat (s_path ("server.pub"), &st) == 0);
    char pub [41], sec [41], pub2 [41];
    MT_CHECK_RC (mt_curve_read_pair (s_path ("server.key"), pub, sec, &err), MT_OK, &err);
    MT_CHECK_RC (mt_curve_read_public (s_path ("server.pub"), pub2, &err), MT_OK, &err);
    MT_CHECK (strcmp (pub, pub2) == 0);
    //  The public key is the secret key's: ZeroMQ derives the same.
    char derived [41];
    MT_CHECK (zmq_curve_public (derived, sec) == 0 && strcmp (derived, pub) == 0);
    //  Given directly as Z85 text.
    MT_CHECK_RC (mt_curve_read_public (pub, pub2, &err), MT_OK, &err);
    MT_CHECK (strcmp (pub, pub2) == 0);
    //  Never overwritten; a .pub is not a key pair; a missing file is named.
    MT_CHECK_RC (mt_curve_keygen (s_path ("server"), &err), MT_EINVAL, &err);
    MT_CHECK_RC (mt_curve_read_pair (s_path ("server.pub"), pub, sec, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "no secret-key line");
    MT_CHECK_RC (mt_curve_read_pair (s_path ("nope.key"), pub, sec, &err), MT_ENOTFOUND, &err);
    MT_CHECK_CONTAINS (err.msg, "nope.key");
    MT_CHECK_RC (mt_curve_read_public ("not a key", pub, &err), MT_ENOTFOUND, &err);
}

static void
test_parse_keys (void)
{
    char pub [41], sec [41];
    MT_CHECK (zmq_curve_keypair (pub, sec) == 0);
    //  A valid key with '=' and '#' in it, bare and quoted.
    const char *odd = "0#=000000000000000000000000000000000000=";
    char text [600];
    snprintf (text, sizeof text, "# staff laptops\n\n  public-key = \"%s\"  \n%s\r\n"
              "secret-key = \"%s\"\n%s\npublic-key=%s\n", pub, sec, sec, odd, odd);
    char (*keys) [41] = NULL;
    size_t count = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_curve_parse_keys (text, strlen (text), &keys, &count, &err), MT_OK, &err);
    //  secret-key lines are not public keys; a bare key is.
    MT_CHECK_INT (count, 4);
    MT_CHECK (count == 4 && strcmp (keys [0], pub) == 0 && strcmp (keys [1], sec) == 0
              && strcmp (keys [2], odd) == 0 && strcmp (keys [3], odd) == 0);
    free (keys);
    keys = NULL, count = 0;
    const char *bad = "# ok\npublic-key = \"short\"\n";
    MT_CHECK_RC (mt_curve_parse_keys (bad, strlen (bad), &keys, &count, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "line 2");
    free (keys);
}

//  Send "ping" from client to the ROUTER server; true if it arrives and the
//  answer comes back within timeout_ms.
static bool
s_ping (void *server, void *client, int timeout_ms)
{
    zmq_setsockopt (client, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt (server, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    if (zmq_send (client, "ping", 4, ZMQ_DONTWAIT) != 4)
        return false;
    char id [256], body [16];
    int idn = zmq_recv (server, id, sizeof id, 0);
    if (idn < 0 || zmq_recv (server, body, sizeof body, 0) != 4)
        return false;
    zmq_send (server, id, (size_t) idn, ZMQ_SNDMORE);
    zmq_send (server, "pong", 4, 0);
    return zmq_recv (client, body, sizeof body, 0) == 4 && memcmp (body, "pong", 4) == 0;
}

static void
test_handshakes (void)
{
    mt_err_t err;
    MT_CHECK_RC (mt_curve_keygen (s_path ("client"), &err), MT_OK, &err);
    MT_CHECK_RC (mt_curve_keygen (s_path ("stranger"), &err), MT_OK, &err);
    mkdir (s_path ("authorized"), 0700);
    char *pub = mt_test_read (s_path ("client.pub"), NULL);
    MT_CHECK (pub && mt_test_write (s_path ("authorized/client.pub"), pub, strlen (pub)) == 0);
    free (pub);

    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", mt_test_free_port ());
    mt_curve_config_t server_config = { .insecure = false };
    snprintf (server_config.key, sizeof server_config.key, "%s", s_path ("server.key"));
    snprintf (server_config.authorized, sizeof server_config.authorized, "%s",
              s_path ("authorized"));
    void *server = mt_wire_socket (ZMQ_ROUTER, &err);
    MT_CHECK_RC (mt_wire_bind (server, endpoint, &server_config, &err), MT_OK, &err);

    mt_curve_config_t client_config = { .insecure = false };
    snprintf (client_config.key, sizeof client_config.key, "%s", s_path ("client.key"));
    snprintf (client_config.server_key, sizeof client_config.server_key, "%s",
              s_path ("server.pub"));
    void *client = mt_wire_connect (ZMQ_DEALER, endpoint, &client_config, &err);
    MT_CHECK (client && s_ping (server, client, 3000));
    zmq_close (client);

    //  A stranger's key: the ZAP handler says no; nothing arrives.
    unsigned long refused = mt_curve_refused ();
    mt_curve_config_t stranger = client_config;
    snprintf (stranger.key, sizeof stranger.key, "%s", s_path ("stranger.key"));
    client = mt_wire_connect (ZMQ_DEALER, endpoint, &stranger, &err);
    MT_CHECK (client && !s_ping (server, client, 500));
    MT_CHECK (mt_curve_refused () > refused);
    zmq_close (client);

    //  Listed now: let in without restarting the server.
    pub = mt_test_read (s_path ("stranger.pub"), NULL);
    MT_CHECK (pub && mt_test_write (s_path ("authorized/stranger.pub"), pub, strlen (pub)) == 0);
    free (pub);
    client = mt_wire_connect (ZMQ_DEALER, endpoint, &stranger, &err);
    MT_CHECK (client && s_ping (server, client, 3000));
    zmq_close (client);

    //  The wrong server key: the handshake cannot succeed.
    mt_curve_config_t wrong = client_config;
    snprintf (wrong.server_key, sizeof wrong.server_key, "%s", s_path ("stranger.pub"));
    client = mt_wire_connect (ZMQ_DEALER, endpoint, &wrong, &err);
    MT_CHECK (client && !s_ping (server, client, 500));
    zmq_close (client);

    //  A plain client cannot talk to a CURVE server even with --insecure.
    mt_curve_config_t plain = { .insecure = true };
    client = mt_wire_connect (ZMQ_DEALER, endpoint, &plain, &err);
    MT_CHECK (client && !s_ping (server, client, 500));
    zmq_close (client);
    zmq_close (server);
}

static void
test_keys_required (void)
{
    mt_err_t err;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", mt_test_free_port ());
    void *server = mt_wire_socket (ZMQ_ROUTER, &err);
    MT_CHECK_RC (mt_wire_bind (server, endpoint, NULL, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "homeward keygen");
    mt_curve_config_t half = { .insecure = false };
    snprintf (half.key, sizeof half.key, "%s", s_path ("server.key"));
    MT_CHECK_RC (mt_wire_bind (server, endpoint, &half, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "no --authorized-keys");
    snprintf (half.authorized, sizeof half.authorized, "%s", s_path ("missing-folder"));
    MT_CHECK_RC (mt_wire_bind (server, endpoint, &half, &err), MT_ENOTFOUND, &err);
    MT_CHECK_CONTAINS (err.msg, "missing-folder");
    MT_CHECK (mt_wire_connect (ZMQ_DEALER, endpoint, NULL, &err) == NULL);
    MT_CHECK_CONTAINS (err.msg, "--insecure");

    //  Asked for explicitly: plain tcp:// works both ways.
    mt_curve_config_t insecure = { .insecure = true };
    MT_CHECK_RC (mt_wire_bind (server, endpoint, &insecure, &err), MT_OK, &err);
    void *client = mt_wire_connect (ZMQ_DEALER, endpoint, &insecure, &err);
    MT_CHECK (client && s_ping (server, client, 3000));
    zmq_close (client);
    zmq_close (server);

    //  inproc:// needs nothing.
    server = mt_wire_socket (ZMQ_ROUTER, &err);
    MT_CHECK_RC (mt_wire_bind (server, "inproc://test-curve", NULL, &err), MT_OK, &err);
    client = mt_wire_connect (ZMQ_DEALER, "inproc://test-curve", NULL, &err);
    MT_CHECK (client && s_ping (server, client, 3000));
    zmq_close (client);
    zmq_close (server);
}

int
main (void)
{
    snprintf (s_dir, sizeof s_dir, "%s", mt_test_tmpdir ());
    MT_RUN (test_key_files);
    MT_RUN (test_parse_keys);
    MT_RUN (test_handshakes);
    MT_RUN (test_keys_required);
    mt_zmq_shutdown ();
    return MT_TEST_MAIN_END ();
}
