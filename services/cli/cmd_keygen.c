//  homeward keygen - CURVE key pairs for the tcp:// links between services.

#include "cli.h"

#include "wire/mt_curve.h"

#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: homeward keygen NAME...\n\n"
        "Makes a CURVE key pair per NAME (a path without extension, e.g. keys/shard-0-1):\n"
        "NAME.key holds the public and secret key (mode 0600; give it to that process\n"
        "with --key and keep it on its machine), NAME.pub the public key (give it to\n"
        "the peers: a client's .pub goes into the server's --authorized-keys folder,\n"
        "a server's .pub is the clients' --broker-key / --results-key).\n"
        "An existing NAME.key is never overwritten.\n");
}

int
cli_keygen (int argc, char **argv)
{
    if (argc < 2) {
        s_usage (stderr);
        return 2;
    }
    if (cli_wants_help (argc, argv)) {
        s_usage (stdout);
        return 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        mt_err_t err;
        if (mt_curve_keygen (argv [i], &err) != MT_OK) {
            cli_error ("keygen", "%s", err.msg);
            status = 1;
        }
        else
            printf ("%s.key %s.pub\n", argv [i], argv [i]);
    }
    return status;
}
