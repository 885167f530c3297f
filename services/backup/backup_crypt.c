//  backup_crypt - the backup's secret and its encrypted files
//  (libsodium's crypto_secretstream_xchacha20poly1305).

#include "backup_crypt.h"
#include "base/mt_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAGIC "HWBACKUP\x01"
#define S_MAGIC_BYTES 9
#define S_CHUNK (1u << 20)
#define S_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define S_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES

//  ---------------------------------------------------------------- secret

static void
s_derive (backup_secret_t *secret)
{
    //  The names' key is the stream key hashed with a context: one secret
    //  file, two keys that cannot be confused.
    crypto_generichash (secret->name_key, sizeof secret->name_key,
                        (const uint8_t *) "homeward backup photo names", 27,
                        secret->key, sizeof secret->key);
}

int
backup_secret_new (const char *path, mt_err_t *err)
{
    if (sodium_init () < 0)
        return mt_err_set (err, MT_EINTERNAL, "libsodium failed to start");
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return mt_err_set (err, errno == EEXIST ? MT_EINVAL : MT_EIO, errno == EEXIST
                           ? "%s exists: a secret is never overwritten (the backups made with "
                             "it could not be read again); choose another file"
                           : "cannot create %s: %s", path, strerror (errno));
    uint8_t key [32];
    randombytes_buf (key, sizeof key);
    char hex [65], text [200];
    sodium_bin2hex (hex, sizeof hex, key, sizeof key);
    int n = snprintf (text, sizeof text, "# Homeward backup secret: keep it apart from the "
                      "backups; without it they cannot be read\n%s\n", hex);
    bool ok = write (fd, text, (size_t) n) == n && fsync (fd) == 0;
    close (fd);
    sodium_memzero (key, sizeof key);
    sodium_memzero (hex, sizeof hex);
    sodium_memzero (text, sizeof text);
    if (!ok) {
        unlink (path);
        return mt_err_set (err, MT_EIO, "cannot write %s", path);
    }
    return MT_OK;
}

int
backup_secret_load (const char *path, backup_secret_t *secret, mt_err_t *err)
{
    if (sodium_init () < 0)
        return mt_err_set (err, MT_EINTERNAL, "libsodium failed to start");
    FILE *file = fopen (path, "re");
    if (!file)
        return mt_err_set (err, errno == ENOENT ? MT_ENOTFOUND : MT_EIO,
                           "cannot read the backup secret %s: %s (make one with homeward "
                           "backup --new-secret FILE)", path, strerror (errno));
    char line [256];
    bool found = false;
    while (!found && fgets (line, sizeof line, file)) {
        if (line [0] == '#')
            continue;
        line [strcspn (line, " \r\n")] = '\0';
        size_t bytes = 0;
        found = strlen (line) == 64
             && sodium_hex2bin (secret->key, sizeof secret->key, line, 64, NULL, &bytes, NULL)
                == 0 && bytes == sizeof secret->key;
    }
    fclose (file);
    sodium_memzero (line, sizeof line);
    if (!found)
        return mt_err_set (err, MT_EINVAL, "%s is not a backup secret (64 hex digits, made by "
                           "homeward backup --new-secret)", path);
    s_derive (secret);
    return MT_OK;
}

void
backup_secret_check (const backup_secret_t *secret, char *check)
{
    uint8_t hash [32];
    crypto_generichash (hash, sizeof hash, (const uint8_t *) "homeward backup check", 21,
                        secret->name_key, sizeof secret->name_key);
    sodium_bin2hex (check, 65, hash, sizeof hash);
}

void
backup_photo_name (const backup_secret_t *secret, const char *sha256, char *name)
{
    uint8_t hash [32];
    crypto_generichash (hash, sizeof hash, (const uint8_t *) sha256, strlen (sha256),
                        secret->name_key, sizeof secret->name_key);
    sodium_bin2hex (name, 65, hash, sizeof hash);
}

//  ---------------------------------------------------------------- writer

struct backup_writer {
    crypto_secretstream_xchacha20poly1305_state state;
    FILE *file;
    char path [PATH_MAX], tmp [PATH_MAX + 8], label [128];
    uint8_t *plain, *cipher;
    size_t used;
    size_t touched;             //  plain's bytes ever written, wiped at close
    uint64_t bytes;
    bool failed;
    bool deferred;              //  no fsyncs at close (backup_writer_defer_sync)
};

int
backup_writer_open (const char *path, const backup_secret_t *secret, const char *label,
                    backup_writer_t **self_p, mt_err_t *err)
{
    *self_p = NULL;
    backup_writer_t *self = calloc (1, sizeof *self);
    if (!self)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    snprintf (self->path, sizeof self->path, "%s", path);
    snprintf (self->tmp, sizeof self->tmp, "%s.tmp", path);
    snprintf (self->label, sizeof self->label, "%s", label);
    self->plain = malloc (S_CHUNK);
    self->cipher = malloc (S_CHUNK + S_ABYTES);
    uint8_t header [S_HEADER];
    int rc = self->plain && self->cipher ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK) {
        int fd = open (self->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        self->file = fd >= 0 ? fdopen (fd, "we") : NULL;
        if (!self->file) {
            if (fd >= 0)
                close (fd);
            rc = mt_err_set (err, MT_EIO, "cannot create %s: %s", self->tmp, strerror (errno));
        }
    }
    if (rc == MT_OK) {
        crypto_secretstream_xchacha20poly1305_init_push (&self->state, header, secret->key);
        if (fwrite (S_MAGIC, 1, S_MAGIC_BYTES, self->file) != S_MAGIC_BYTES
        ||  fwrite (header, 1, sizeof header, self->file) != sizeof header)
            rc = mt_err_set (err, MT_EIO, "cannot write %s: %s", self->tmp, strerror (errno));
        self->bytes = S_MAGIC_BYTES + sizeof header;
    }
    if (rc != MT_OK) {
        backup_writer_close (&self, false, NULL);
        return rc;
    }
    *self_p = self;
    return MT_OK;
}

static int
s_push (backup_writer_t *self, uint8_t tag, mt_err_t *err)
{
    unsigned long long length = 0;
    crypto_secretstream_xchacha20poly1305_push (&self->state, self->cipher, &length, self->plain,
                                                self->used, (const uint8_t *) self->label,
                                                strlen (self->label), tag);
    uint8_t prefix [4] = { (uint8_t) (length >> 24), (uint8_t) (length >> 16),
                           (uint8_t) (length >> 8), (uint8_t) length };
    if (fwrite (prefix, 1, 4, self->file) != 4
    ||  fwrite (self->cipher, 1, length, self->file) != length) {
        self->failed = true;
        return mt_err_set (err, MT_EIO, "cannot write %s: %s", self->tmp, strerror (errno));
    }
    self->bytes += 4 + length;
    self->used = 0;
    return MT_OK;
}

int
backup_writer_write (backup_writer_t *self, const void *data, size_t size, mt_err_t *err)
{
    const uint8_t *at = data;
    while (size > 0) {
        if (self->failed)
            return mt_err_set (err, MT_EIO, "cannot write %s", self->tmp);
        size_t take = S_CHUNK - self->used < size ? S_CHUNK - self->used : size;
        memcpy (self->plain + self->used, at, take);
        self->used += take, at += take, size -= take;
        if (self->used > self->touched)
            self->touched = self->used;
        if (self->used == S_CHUNK) {
            int rc = s_push (self, 0, err);
            if (rc != MT_OK)
                return rc;
        }
    }
    return MT_OK;
}

uint64_t
backup_writer_bytes (const backup_writer_t *self)
{
    return self->bytes;
}

int
backup_writer_close (backup_writer_t **self_p, bool commit, mt_err_t *err)
{
    backup_writer_t *self = *self_p;
    if (!self)
        return MT_OK;
    *self_p = NULL;
    int rc = MT_OK;
    if (commit && self->failed)
        rc = mt_err_set (err, MT_EIO, "cannot write %s", self->tmp);
    if (commit && rc == MT_OK)
        rc = s_push (self, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err);
    if (self->file) {
        if (commit && rc == MT_OK
        && (fflush (self->file) != 0 || (!self->deferred && fsync (fileno (self->file)) != 0)))
            rc = mt_err_set (err, MT_EIO, "cannot write %s: %s", self->tmp, strerror (errno));
        if (fclose (self->file) != 0 && commit && rc == MT_OK)
            rc = mt_err_set (err, MT_EIO, "cannot write %s: %s", self->tmp, strerror (errno));
        if (commit && rc == MT_OK && rename (self->tmp, self->path) != 0)
            rc = mt_err_set (err, MT_EIO, "cannot rename %s: %s", self->tmp, strerror (errno));
        if (!commit || rc != MT_OK)
            unlink (self->tmp);
        else
        if (!self->deferred) {
            char dir [PATH_MAX];
            snprintf (dir, sizeof dir, "%s", self->path);
            char *slash = strrchr (dir, '/');
            if (slash) {
                *slash = '\0';
                mt_dir_sync (*dir ? dir : "/", NULL);
            }
        }
    }
    sodium_memzero (&self->state, sizeof self->state);
    //  Only what was written: a small file's buffer is mostly untouched
    //  pages, and wiping them all cost more than the rest of the file.
    if (self->plain)
        sodium_memzero (self->plain, self->touched);
    free (self->plain);
    free (self->cipher);
    free (self);
    return rc;
}

void
backup_writer_defer_sync (backup_writer_t *self)
{
    self->deferred = true;
}

int
backup_file_write (const char *path, const backup_secret_t *secret, const char *label,
                   const void *data, size_t size, bool durable, mt_err_t *err)
{
    backup_writer_t *writer;
    int rc = backup_writer_open (path, secret, label, &writer, err);
    if (rc == MT_OK && !durable)
        backup_writer_defer_sync (writer);
    if (rc == MT_OK)
        rc = backup_writer_write (writer, data, size, err);
    int closed = backup_writer_close (&writer, rc == MT_OK, err);
    return rc == MT_OK ? closed : rc;
}

int
backup_file_encrypt (const char *from, const char *path, const backup_secret_t *secret,
                     const char *label, mt_err_t *err)
{
    FILE *file = fopen (from, "rbe");
    if (!file)
        return mt_err_set (err, MT_EIO, "cannot read %s: %s", from, strerror (errno));
    backup_writer_t *writer;
    int rc = backup_writer_open (path, secret, label, &writer, err);
    uint8_t *buf = rc == MT_OK ? malloc (S_CHUNK) : NULL;
    if (rc == MT_OK && !buf)
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
    size_t got;
    while (rc == MT_OK && (got = fread (buf, 1, S_CHUNK, file)) > 0)
        rc = backup_writer_write (writer, buf, got, err);
    if (rc == MT_OK && ferror (file))
        rc = mt_err_set (err, MT_EIO, "cannot read %s", from);
    fclose (file);
    free (buf);
    int closed = backup_writer_close (&writer, rc == MT_OK, err);
    return rc == MT_OK ? closed : rc;
}

//  ---------------------------------------------------------------- reader

//  Where the decrypted chunks go.
typedef int (s_sink_fn) (void *arg, const uint8_t *data, size_t size, mt_err_t *err);

static int
s_decrypt (const char *path, const backup_secret_t *secret, const char *label, s_sink_fn *sink,
           void *arg, mt_err_t *err)
{
    FILE *file = fopen (path, "rbe");
    if (!file)
        return mt_err_set (err, errno == ENOENT ? MT_ENOTFOUND : MT_EIO, "cannot read %s: %s",
                           path, strerror (errno));
    uint8_t magic [S_MAGIC_BYTES], header [S_HEADER];
    crypto_secretstream_xchacha20poly1305_state state;
    uint8_t *cipher = malloc (S_CHUNK + S_ABYTES), *plain = malloc (S_CHUNK);
    int rc = cipher && plain ? MT_OK : mt_err_set (err, MT_ENOMEM, "out of memory");
    if (rc == MT_OK
    && (fread (magic, 1, sizeof magic, file) != sizeof magic
        || memcmp (magic, S_MAGIC, S_MAGIC_BYTES) != 0))
        rc = mt_err_set (err, MT_EFORMAT, "%s is not a Homeward backup file", path);
    if (rc == MT_OK && fread (header, 1, sizeof header, file) != sizeof header)
        rc = mt_err_set (err, MT_EDECODE, "%s is truncated (its header is damaged)", path);
    if (rc == MT_OK
    &&  crypto_secretstream_xchacha20poly1305_init_pull (&state, header, secret->key) != 0)
        rc = mt_err_set (err, MT_EDECODE, "%s: damaged header", path);
    bool final = false;
    size_t touched = 0;         //  plain's bytes ever written, wiped at the end
    while (rc == MT_OK && !final) {
        uint8_t prefix [4];
        size_t got = fread (prefix, 1, 4, file);
        if (got != 4) {
            rc = mt_err_set (err, MT_EDECODE, "%s is truncated (its end is missing)", path);
            break;
        }
        size_t length = (size_t) prefix [0] << 24 | (size_t) prefix [1] << 16
                      | (size_t) prefix [2] << 8 | prefix [3];
        if (length < S_ABYTES || length > S_CHUNK + S_ABYTES) {
            rc = mt_err_set (err, MT_EDECODE, "%s is damaged (a chunk of %zu bytes)", path,
                             length);
            break;
        }
        if (fread (cipher, 1, length, file) != length) {
            rc = mt_err_set (err, MT_EDECODE, "%s is truncated (its end is missing)", path);
            break;
        }
        unsigned long long plain_length = 0;
        uint8_t tag = 0;
        if (length - S_ABYTES > touched)
            touched = length - S_ABYTES;
        if (crypto_secretstream_xchacha20poly1305_pull (&state, plain, &plain_length, &tag,
                                                        cipher, length,
                                                        (const uint8_t *) label,
                                                        strlen (label)) != 0) {
            rc = mt_err_set (err, MT_EDECODE, "%s cannot be decrypted: damaged, not made with "
                             "this secret, or not the %s it is named as", path, label);
            break;
        }
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        rc = sink (arg, plain, (size_t) plain_length, err);
    }
    if (rc == MT_OK && fgetc (file) != EOF)
        rc = mt_err_set (err, MT_EDECODE, "%s is damaged (bytes after its end)", path);
    fclose (file);
    sodium_memzero (&state, sizeof state);
    if (plain)
        sodium_memzero (plain, touched);
    free (plain);
    free (cipher);
    return rc;
}

typedef struct {
    uint8_t *data;
    size_t size, cap, limit;
    const char *path;
} s_buffer_t;

static int
s_to_buffer (void *arg, const uint8_t *data, size_t size, mt_err_t *err)
{
    s_buffer_t *b = arg;
    if (b->size + size > b->limit)
        return mt_err_set (err, MT_ETOOBIG, "%s holds more than %zu bytes", b->path, b->limit);
    if (b->size + size + 1 > b->cap) {
        size_t cap = (b->size + size + 1) * 2;
        uint8_t *grown = realloc (b->data, cap);
        if (!grown)
            return mt_err_set (err, MT_ENOMEM, "out of memory");
        b->data = grown, b->cap = cap;
    }
    memcpy (b->data + b->size, data, size);
    b->size += size;
    b->data [b->size] = 0;
    return MT_OK;
}

int
backup_file_read (const char *path, const backup_secret_t *secret, const char *label,
                  size_t limit, uint8_t **data_p, size_t *size_p, mt_err_t *err)
{
    s_buffer_t b = { .limit = limit, .path = path };
    int rc = s_decrypt (path, secret, label, s_to_buffer, &b, err);
    if (rc == MT_OK && !b.data)
        rc = s_to_buffer (&b, (const uint8_t *) "", 0, err);
    if (rc != MT_OK) {
        free (b.data);
        return rc;
    }
    *data_p = b.data;
    *size_p = b.size;
    return MT_OK;
}

typedef struct {
    FILE *out;
    uint64_t size;
} s_stream_t;

static int
s_to_file (void *arg, const uint8_t *data, size_t size, mt_err_t *err)
{
    s_stream_t *s = arg;
    if (fwrite (data, 1, size, s->out) != size)
        return mt_err_set (err, MT_EIO, "cannot write: %s", strerror (errno));
    s->size += size;
    return MT_OK;
}

int
backup_file_decrypt (const char *path, const backup_secret_t *secret, const char *label,
                     FILE *out, uint64_t *size_p, mt_err_t *err)
{
    s_stream_t s = { out, 0 };
    int rc = s_decrypt (path, secret, label, s_to_file, &s, err);
    if (size_p)
        *size_p = s.size;
    return rc;
}

typedef struct {
    crypto_hash_sha256_state state;
    uint64_t size;
} s_digest_t;

static int
s_to_digest (void *arg, const uint8_t *data, size_t size, mt_err_t *err)
{
    (void) err;
    s_digest_t *d = arg;
    crypto_hash_sha256_update (&d->state, data, size);
    d->size += size;
    return MT_OK;
}

int
backup_file_digest (const char *path, const backup_secret_t *secret, const char *label,
                    char *sha256, uint64_t *size_p, mt_err_t *err)
{
    s_digest_t d = { .size = 0 };
    crypto_hash_sha256_init (&d.state);
    int rc = s_decrypt (path, secret, label, s_to_digest, &d, err);
    uint8_t hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&d.state, hash);
    sodium_bin2hex (sha256, 65, hash, sizeof hash);
    if (size_p)
        *size_p = d.size;
    return rc;
}
