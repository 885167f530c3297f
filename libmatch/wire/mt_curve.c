//  mt_curve - CURVE keys, the ZAP handler, and the tcp:// rule.

#include "wire/mt_curve.h"

#include "base/mt_log.h"
#include "wire/mt_zmq.h"
#include "base/mti_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define S_NAME "curve"
#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_MAX_LIST_BYTES (1 << 20)
#define S_MAX_DOMAINS 16

typedef char s_z85_t [MT_CURVE_Z85_CHARS + 1];

//  ---------------------------------------------------------------- key text

static bool
s_is_z85 (const char *text, size_t size)
{
    if (size != MT_CURVE_Z85_CHARS)
        return false;
    //  zmq_z85_decode stops at a NUL: a NUL inside must not pass for a
    //  shorter key (found by fuzzing).
    if (memchr (text, '\0', size))
        return false;
    s_z85_t copy;
    memcpy (copy, text, size);
    copy [size] = 0;
    uint8_t bytes [32];
    return zmq_z85_decode (bytes, copy) != NULL;
}

//  One line of a key file. Returns 0 for a blank or comment line, 1 for a
//  key (name and value set; a bare key is named public-key), -1 otherwise.
static int
s_key_line (const char *line, size_t size, char name [32], s_z85_t value)
{
    while (size > 0 && strchr (" \t\r", line [size - 1]))
        size--;
    while (size > 0 && strchr (" \t", *line))
        line++, size--;
    //  A bare key first: Z85 has '=' (and '#', though never first) in it.
    snprintf (name, 32, "public-key");
    if (s_is_z85 (line, size)) {
        memcpy (value, line, size);
        value [size] = 0;
        return 1;
    }
    if (size == 0 || *line == '#')
        return 0;
    const char *eq = memchr (line, '=', size);
    const char *v = line;
    size_t vsize = size;
    if (eq) {
        size_t nsize = (size_t) (eq - line);
        while (nsize > 0 && strchr (" \t", line [nsize - 1]))
            nsize--;
        if (nsize == 0 || nsize >= 32)
            return -1;
        memcpy (name, line, nsize);
        name [nsize] = 0;
        v = eq + 1;
        vsize = size - (size_t) (v - line);
        while (vsize > 0 && strchr (" \t", *v))
            v++, vsize--;
        if (vsize >= 2 && v [0] == '"' && v [vsize - 1] == '"')
            v++, vsize -= 2;
    }
    if (!s_is_z85 (v, vsize))
        return -1;
    memcpy (value, v, vsize);
    value [vsize] = 0;
    return 1;
}

int
mt_curve_parse_keys (const char *text, size_t size, char (**keys) [MT_CURVE_Z85_CHARS + 1],
                     size_t *count, mt_err_t *err)
{
    size_t line_no = 0;
    for (const char *line = text, *end = text + size; line < end; ) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        size_t len = nl ? (size_t) (nl - line) : (size_t) (end - line);
        line_no++;
        char name [32];
        s_z85_t value;
        int kind = s_key_line (line, len, name, value);
        if (kind < 0)
            return mt_err_set (err, MT_EINVAL, "line %zu is not a public key (40 Z85 characters, "
                               "or public-key = \"...\")", line_no);
        if (kind == 1 && strcmp (name, "public-key") == 0) {
            s_z85_t *bigger = realloc (*keys, (*count + 1) * sizeof *bigger);
            if (!bigger)
                return mt_err_set (err, MT_ENOMEM, "out of memory");
            *keys = bigger;
            memcpy ((*keys) [(*count)++], value, sizeof value);
        }
        line = nl ? nl + 1 : end;
    }
    return MT_OK;
}

//  Keys named public-key / secret-key of a key file.
static int
s_read_named (const char *path, s_z85_t public_key, s_z85_t secret_key, mt_err_t *err)
{
    uint8_t *data;
    size_t size;
    int rc = mti_file_read (path, 64 * 1024, &data, &size, err);
    if (rc != MT_OK)
        return mt_err_wrap (err, rc, err, "key file %s", path);
    public_key [0] = 0;
    if (secret_key)
        secret_key [0] = 0;
    size_t line_no = 0;
    for (const char *line = (char *) data, *end = line + size; line < end && rc == MT_OK; ) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        size_t len = nl ? (size_t) (nl - line) : (size_t) (end - line);
        line_no++;
        char name [32];
        s_z85_t value;
        int kind = s_key_line (line, len, name, value);
        if (kind < 0)
            rc = mt_err_set (err, MT_EINVAL, "key file %s, line %zu: not a key", path, line_no);
        else
        if (kind == 1 && strcmp (name, "public-key") == 0)
            memcpy (public_key, value, sizeof value);
        else
        if (kind == 1 && strcmp (name, "secret-key") == 0 && secret_key)
            memcpy (secret_key, value, sizeof value);
        line = nl ? nl + 1 : end;
    }
    sodium_memzero (data, size);
    free (data);
    if (rc == MT_OK && !public_key [0])
        rc = mt_err_set (err, MT_EINVAL, "key file %s has no public-key line", path);
    if (rc == MT_OK && secret_key && !secret_key [0])
        rc = mt_err_set (err, MT_EINVAL, "key file %s has no secret-key line (give the .key "
                         "file that homeward keygen wrote, not the .pub)", path);
    return rc;
}

int
mt_curve_read_pair (const char *path, char public_key [MT_CURVE_Z85_CHARS + 1],
                    char secret_key [MT_CURVE_Z85_CHARS + 1], mt_err_t *err)
{
    int rc = s_read_named (path, public_key, secret_key, err);
    struct stat st;
    if (rc == MT_OK && stat (path, &st) == 0 && (st.st_mode & 077))
        mt_log_warn (S_NAME, "key file %s can be read by other accounts (chmod 600 it)", path);
    return rc;
}

int
mt_curve_read_public (const char *path_or_z85, char public_key [MT_CURVE_Z85_CHARS + 1],
                      mt_err_t *err)
{
    if (s_is_z85 (path_or_z85, strlen (path_or_z85)) && access (path_or_z85, F_OK) != 0) {
        snprintf (public_key, MT_CURVE_Z85_CHARS + 1, "%s", path_or_z85);
        return MT_OK;
    }
    return s_read_named (path_or_z85, public_key, NULL, err);
}

static int
s_write_file (const char *path, mode_t mode, bool exclusive, const char *text, mt_err_t *err)
{
    int fd = open (path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), mode);
    if (fd < 0)
        return mt_err_set (err, errno == EEXIST ? MT_EINVAL : MT_EIO, "%s: %s%s", path,
                           strerror (errno), errno == EEXIST ? " (remove it first to replace "
                           "the key; every peer must then get the new .pub)" : "");
    size_t size = strlen (text);
    bool ok = write (fd, text, size) == (ssize_t) size && fsync (fd) == 0;
    ok = close (fd) == 0 && ok;
    return ok ? MT_OK : mt_err_set (err, MT_EIO, "cannot write %s: %s", path, strerror (errno));
}

int
mt_curve_keygen (const char *base, mt_err_t *err)
{
    s_z85_t public_key, secret_key;
    if (zmq_curve_keypair (public_key, secret_key) != 0)
        return mt_err_set (err, MT_EINTERNAL, "ZeroMQ cannot make CURVE keys: %s",
                           zmq_strerror (zmq_errno ()));
    const char *name = strrchr (base, '/') ? strrchr (base, '/') + 1 : base;
    char path [1100], text [512];
    snprintf (path, sizeof path, "%s.key", base);
    snprintf (text, sizeof text, "# Homeward CURVE key pair of %s. Keep it secret: it proves who "
              "this process is.\npublic-key = \"%s\"\nsecret-key = \"%s\"\n", name, public_key,
              secret_key);
    int rc = s_write_file (path, 0600, true, text, err);
    sodium_memzero (secret_key, sizeof secret_key);
    sodium_memzero (text, sizeof text);
    if (rc == MT_OK) {
        snprintf (path, sizeof path, "%s.pub", base);
        snprintf (text, sizeof text, "# Homeward CURVE public key of %s. Give it to the peers "
                  "that must trust it.\npublic-key = \"%s\"\n", name, public_key);
        rc = s_write_file (path, 0644, false, text, err);
    }
    return rc;
}

//  All public keys of an authorized-keys file or folder (*.pub).
static int
s_read_authorized (const char *path, s_z85_t **keys, size_t *count, mt_err_t *err)
{
    *keys = NULL;
    *count = 0;
    struct stat st;
    if (stat (path, &st) != 0)
        return mt_err_set (err, MT_ENOTFOUND, "authorized keys %s: %s", path, strerror (errno));
    char **files = NULL;
    size_t nfiles = 0;
    int rc = MT_OK;
    if (S_ISDIR (st.st_mode)) {
        DIR *dir = opendir (path);
        struct dirent *entry;
        while (dir && rc == MT_OK && (entry = readdir (dir))) {
            size_t len = strlen (entry->d_name);
            if (len < 5 || strcmp (entry->d_name + len - 4, ".pub") != 0)
                continue;
            char **bigger = realloc (files, (nfiles + 1) * sizeof *bigger);
            char *file = malloc (strlen (path) + len + 2);
            if (!bigger || !file) {
                free (bigger ? NULL : file);
                files = bigger ? bigger : files;
                rc = mt_err_set (err, MT_ENOMEM, "out of memory");
                break;
            }
            files = bigger;
            sprintf (file, "%s/%s", path, entry->d_name);
            files [nfiles++] = file;
        }
        if (dir)
            closedir (dir);
        else
            rc = mt_err_set (err, MT_EIO, "authorized keys %s: %s", path, strerror (errno));
    }
    else {
        files = malloc (sizeof *files);
        if (files && (files [0] = strdup (path)))
            nfiles = 1;
        else
            rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nfiles; i++) {
        uint8_t *data = NULL;
        size_t size = 0;
        if (rc == MT_OK) {
            rc = mti_file_read (files [i], S_MAX_LIST_BYTES, &data, &size, err);
            if (rc == MT_EEMPTY)
                rc = MT_OK;         //  an empty list admits nobody; not an error
            else
            if (rc != MT_OK)
                mt_err_wrap (err, rc, err, "authorized keys %s", files [i]);
        }
        if (rc == MT_OK && data && (rc = mt_curve_parse_keys ((char *) data, size, keys, count,
                                                               err)) != MT_OK) {
            char message [MT_ERR_MSG_MAX];
            snprintf (message, sizeof message, "%s", err ? err->msg : "");
            mt_err_set (err, rc, "authorized keys %s: %s", files [i], message);
        }
        free (data);
        free (files [i]);
    }
    free (files);
    if (rc != MT_OK) {
        free (*keys);
        *keys = NULL;
        *count = 0;
    }
    return rc;
}

//  ---------------------------------------------------------------- ZAP handler

//  One ZAP domain per authorized-keys path. The list is read again on every
//  handshake: handshakes are rare (one per connection), and a key added or
//  removed takes effect at once.
static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    bool running;
    char paths [S_MAX_DOMAINS][1024];
    size_t domains;
    unsigned long refused;
} s_zap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool
s_admitted (const char *domain, const uint8_t *key, const char *address)
{
    unsigned index;
    char path [1024] = "";
    pthread_mutex_lock (&s_zap.lock);
    if (sscanf (domain, "homeward-%u", &index) == 1 && index < s_zap.domains)
        snprintf (path, sizeof path, "%s", s_zap.paths [index]);
    pthread_mutex_unlock (&s_zap.lock);
    s_z85_t z85;
    zmq_z85_encode (z85, key, 32);
    s_z85_t *keys = NULL;
    size_t count = 0;
    mt_err_t err;
    bool found = false;
    if (!path [0])
        mt_log_error (S_NAME, "a handshake for unknown domain '%s'", domain);
    else
    if (s_read_authorized (path, &keys, &count, &err) != MT_OK)
        mt_log_error (S_NAME, "refusing %s: %s", address, err.msg);
    for (size_t i = 0; i < count && !found; i++)
        found = strcmp (keys [i], z85) == 0;
    free (keys);
    if (!found && path [0])
        mt_log_warn (S_NAME, "refused a connection from %s: its key %s is not in %s", address,
                     z85, path);
    return found;
}

static void *
s_zap_thread (void *arg)
{
    void *socket = arg;
    for (;;) {
        zmq_msg_t frames [8];
        int count = 0;
        bool more = true, term = false;
        while (more) {
            zmq_msg_t frame;
            zmq_msg_init (&frame);
            if (zmq_msg_recv (&frame, socket, 0) < 0) {
                zmq_msg_close (&frame);
                term = zmq_errno () == ETERM;
                break;
            }
            more = zmq_msg_more (&frame);
            if (count < 8)
                frames [count++] = frame;
            else
                zmq_msg_close (&frame);
        }
        if (term || more) {
            for (int i = 0; i < count; i++)
                zmq_msg_close (&frames [i]);
            if (term)
                break;
            continue;
        }
        //  version, request id, domain, address, identity, mechanism, credentials
        char domain [256] = "", address [128] = "";
        bool ok = count == 7 && zmq_msg_size (&frames [0]) == 3
               && memcmp (zmq_msg_data (&frames [0]), "1.0", 3) == 0
               && zmq_msg_size (&frames [5]) == 5
               && memcmp (zmq_msg_data (&frames [5]), "CURVE", 5) == 0
               && zmq_msg_size (&frames [6]) == 32
               && zmq_msg_size (&frames [2]) < sizeof domain
               && zmq_msg_size (&frames [3]) < sizeof address;
        if (ok) {
            memcpy (domain, zmq_msg_data (&frames [2]), zmq_msg_size (&frames [2]));
            memcpy (address, zmq_msg_data (&frames [3]), zmq_msg_size (&frames [3]));
            ok = s_admitted (domain, zmq_msg_data (&frames [6]), address);
        }
        if (!ok) {
            pthread_mutex_lock (&s_zap.lock);
            s_zap.refused++;
            pthread_mutex_unlock (&s_zap.lock);
        }
        zmq_send (socket, "1.0", 3, ZMQ_SNDMORE);
        if (count >= 2)
            zmq_send (socket, zmq_msg_data (&frames [1]), zmq_msg_size (&frames [1]), ZMQ_SNDMORE);
        else
            zmq_send (socket, "", 0, ZMQ_SNDMORE);
        zmq_send (socket, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (socket, ok ? "OK" : "key not authorized", ok ? 2 : 18, ZMQ_SNDMORE);
        zmq_send (socket, "", 0, ZMQ_SNDMORE);
        zmq_send (socket, "", 0, 0);
        for (int i = 0; i < count; i++)
            zmq_msg_close (&frames [i]);
    }
    zmq_close (socket);
    return NULL;
}

//  The ZAP domain for path, starting the handler on first use.
static int
s_zap_domain (const char *path, char *domain, size_t size, mt_err_t *err)
{
    int rc = MT_OK;
    pthread_mutex_lock (&s_zap.lock);
    if (!s_zap.running) {
        void *socket = zmq_socket (mt_zmq_context (), ZMQ_REP);
        int linger = 0;
        if (socket)
            zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
        if (!socket || zmq_bind (socket, S_ZAP_ENDPOINT) != 0
        ||  pthread_create (&s_zap.thread, NULL, s_zap_thread, socket) != 0) {
            rc = mt_err_set (err, MT_EINTERNAL, "cannot start the ZAP handler: %s",
                             zmq_strerror (zmq_errno ()));
            if (socket)
                zmq_close (socket);
        }
        else
            s_zap.running = true;
    }
    size_t index = 0;
    while (rc == MT_OK && index < s_zap.domains && strcmp (s_zap.paths [index], path) != 0)
        index++;
    if (rc == MT_OK && index == s_zap.domains) {
        if (index == S_MAX_DOMAINS)
            rc = mt_err_set (err, MT_EINVAL, "more than %d authorized-keys lists", S_MAX_DOMAINS);
        else
            snprintf (s_zap.paths [s_zap.domains++], sizeof s_zap.paths [0], "%s", path);
    }
    pthread_mutex_unlock (&s_zap.lock);
    snprintf (domain, size, "homeward-%zu", index);
    return rc;
}

void
mti_curve_reap (void)
{
    pthread_mutex_lock (&s_zap.lock);
    bool running = s_zap.running;
    s_zap.running = false;
    s_zap.domains = 0;
    pthread_mutex_unlock (&s_zap.lock);
    if (running)
        pthread_join (s_zap.thread, NULL);
}

unsigned long
mt_curve_refused (void)
{
    pthread_mutex_lock (&s_zap.lock);
    unsigned long refused = s_zap.refused;
    pthread_mutex_unlock (&s_zap.lock);
    return refused;
}

//  ---------------------------------------------------------------- sockets

static bool
s_is_tcp (const char *endpoint)
{
    return strncmp (endpoint, "tcp://", 6) == 0;
}

//  Insecure tcp:// is allowed only when asked for; say so in the log.
static int
s_plain (const char *endpoint, const mt_curve_config_t *config, const char *missing,
         mt_err_t *err)
{
    if (config && config->insecure) {
        mt_log_warn (S_NAME, "%s is NOT encrypted or authenticated (--insecure)", endpoint);
        return MT_OK;
    }
    return mt_err_set (err, MT_EINVAL, "%s is a tcp:// endpoint but %s: make keys with "
                       "`homeward keygen` (see deploy/README.md), or pass --insecure on a "
                       "trusted network", endpoint, missing);
}

int
mt_curve_server (void *socket, const char *endpoint, const mt_curve_config_t *config,
                 mt_err_t *err)
{
    if (!s_is_tcp (endpoint))
        return MT_OK;
    if (!config || !config->key [0] || !config->authorized [0])
        return s_plain (endpoint, config, config && config->key [0]
                        ? "no --authorized-keys is given" : "no --key is given", err);
    s_z85_t public_key, secret_key;
    int rc = mt_curve_read_pair (config->key, public_key, secret_key, err);
    s_z85_t *keys = NULL;
    size_t count = 0;
    //  Check the list now, so that a typo stops start-up rather than every client.
    if (rc == MT_OK)
        rc = s_read_authorized (config->authorized, &keys, &count, err);
    free (keys);
    if (rc == MT_OK && count == 0)
        mt_log_warn (S_NAME, "%s lists no keys yet: nobody can connect to %s",
                     config->authorized, endpoint);
    char domain [32];
    if (rc == MT_OK)
        rc = s_zap_domain (config->authorized, domain, sizeof domain, err);
    int on = 1;
    if (rc == MT_OK
    && (zmq_setsockopt (socket, ZMQ_ZAP_DOMAIN, domain, strlen (domain)) != 0
    ||  zmq_setsockopt (socket, ZMQ_CURVE_SERVER, &on, sizeof on) != 0
    ||  zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, secret_key, MT_CURVE_Z85_CHARS + 1) != 0))
        rc = mt_err_set (err, MT_EINTERNAL, "cannot turn CURVE on for %s: %s", endpoint,
                         zmq_strerror (zmq_errno ()));
    sodium_memzero (secret_key, sizeof secret_key);
    return rc;
}

int
mt_curve_client (void *socket, const char *endpoint, const mt_curve_config_t *config,
                 mt_err_t *err)
{
    if (!s_is_tcp (endpoint))
        return MT_OK;
    if (!config || !config->key [0] || !config->server_key [0])
        return s_plain (endpoint, config, config && config->key [0]
                        ? "the server's public key is not given" : "no --key is given", err);
    s_z85_t public_key, secret_key, server_key;
    int rc = mt_curve_read_pair (config->key, public_key, secret_key, err);
    if (rc == MT_OK)
        rc = mt_curve_read_public (config->server_key, server_key, err);
    if (rc == MT_OK
    && (zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, server_key, MT_CURVE_Z85_CHARS + 1) != 0
    ||  zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, public_key, MT_CURVE_Z85_CHARS + 1) != 0
    ||  zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, secret_key, MT_CURVE_Z85_CHARS + 1) != 0))
        rc = mt_err_set (err, MT_EINTERNAL, "cannot turn CURVE on for %s: %s", endpoint,
                         zmq_strerror (zmq_errno ()));
    sodium_memzero (secret_key, sizeof secret_key);
    return rc;
}
