//  mt_curve - ZeroMQ CURVE on the tcp:// links between services: key pairs
//  (`homeward keygen`), the server side with a ZAP handler that admits only
//  listed client keys, the client side, and the rule that a tcp:// endpoint
//  without keys refuses to start unless insecure is asked for explicitly.
//  inproc:// and ipc:// endpoints (one process; one machine with file
//  permissions) are left as they are.
//
//  Key files, as `homeward keygen NAME` writes them:
//    NAME.key  (mode 0600)   public-key = "<40 Z85 chars>"
//                            secret-key = "<40 Z85 chars>"
//    NAME.pub                public-key = "<40 Z85 chars>"
//  An authorized-keys file lists client public keys: `public-key = "..."`
//  lines or bare Z85 keys, one per line, # comments; several .pub files
//  concatenated make one. A folder instead of a file: every *.pub in it.
//  The list is read again when the file or folder changes, so a new
//  machine is admitted without a restart.

#ifndef MT_CURVE_H_INCLUDED
#define MT_CURVE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "base/mt_config.h"
#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_CURVE_Z85_CHARS 40

//  The security of one link end. Plain data; empty strings mean "not set".
typedef struct {
    char key [1024];            //  this process's key pair file
    char authorized [1024];     //  server: file or folder of client public keys
    char server_key [1024];     //  client: the server's .pub file or its Z85 key
    bool insecure;              //  allow tcp:// without CURVE (logged as a warning)
} mt_curve_config_t;

//  Config table entries for a settings struct `type` whose member `m` is an
//  mt_curve_config_t: the server's ("key", "authorized-keys", "insecure")
//  and the client's ("key", server_name (e.g. "broker-key"), "insecure").
#define MT_CURVE_COMMON_KEYS(type, m) \
    { "key", MT_CFG_STRING, offsetof (type, m.key), 0, sizeof ((type *) 0)->m.key, \
      "this process's CURVE key pair file (homeward keygen makes it)" }, \
    { "insecure", MT_CFG_BOOL, offsetof (type, m.insecure), 0, 0, \
      "allow tcp:// links without CURVE encryption (trusted networks only)" }
#define MT_CURVE_SERVER_KEYS(type, m) \
    MT_CURVE_COMMON_KEYS (type, m), \
    { "authorized-keys", MT_CFG_STRING, offsetof (type, m.authorized), 0, \
      sizeof ((type *) 0)->m.authorized, \
      "file or folder of the client public keys (.pub) allowed to connect" }
#define MT_CURVE_CLIENT_KEYS(type, m, server_name, server_help) \
    MT_CURVE_COMMON_KEYS (type, m), \
    { server_name, MT_CFG_STRING, offsetof (type, m.server_key), 0, \
      sizeof ((type *) 0)->m.server_key, server_help }

//  Make a key pair: base.key (public and secret, mode 0600) and base.pub.
//  Refuses to overwrite an existing base.key (MT_EINVAL).
int mt_curve_keygen (const char *base, mt_err_t *err);

//  Read a key pair file into two 41-byte Z85 strings.
int mt_curve_read_pair (const char *path, char public_key [MT_CURVE_Z85_CHARS + 1],
                        char secret_key [MT_CURVE_Z85_CHARS + 1], mt_err_t *err);

//  A public key from a .pub (or .key) file, or given directly as Z85.
int mt_curve_read_public (const char *path_or_z85, char public_key [MT_CURVE_Z85_CHARS + 1],
                          mt_err_t *err);

//  Parse the public keys of an authorized-keys text (size bytes, need not
//  end in NUL): appends each as 41-byte Z85 strings to *keys (realloc'd;
//  caller frees), *count updated. MT_EINVAL names the bad line. Exposed
//  for the fuzz target; mt_curve_server reads files with it.
int mt_curve_parse_keys (const char *text, size_t size, char (**keys) [MT_CURVE_Z85_CHARS + 1],
                         size_t *count, mt_err_t *err);

//  Before zmq_bind on a server socket: for tcp:// endpoints, turn CURVE on
//  with the config's key pair and admit only its authorized keys (the
//  process's ZAP handler starts on first use). Without key or authorized
//  keys: MT_EINVAL that says how to fix it, unless config->insecure.
int mt_curve_server (void *socket, const char *endpoint, const mt_curve_config_t *config,
                     mt_err_t *err);

//  Before zmq_connect on a client socket: for tcp:// endpoints, CURVE with
//  the config's key pair and the server's public key. Same rule as above.
//  config may be NULL (no keys: only non-tcp endpoints work).
int mt_curve_client (void *socket, const char *endpoint, const mt_curve_config_t *config,
                     mt_err_t *err);

//  Connections the ZAP handler refused since start (for tests and metrics).
unsigned long mt_curve_refused (void);

//  Internal: join the ZAP handler thread once the context was terminated.
void mti_curve_reap (void);

#ifdef __cplusplus
}
#endif

#endif
