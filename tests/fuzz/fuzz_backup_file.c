//  Fuzz target: an encrypted backup file (backup_crypt.h) as restore reads
//  it: the framing (magic, stream header, chunk lengths) and the
//  authenticated chunks, under a fixed test key (the corpus was made with
//  it). Whatever the bytes, the file is read whole or refused with a
//  message, and reading into memory and decrypting into a file agree.

#include "backup/backup_crypt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_LIMIT (4u << 20)

static char s_path [64];

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_path [0]) {
        snprintf (s_path, sizeof s_path, "/tmp/fuzz-backup-XXXXXX");
        int fd = mkstemp (s_path);
        if (fd < 0)
            abort ();
        close (fd);
    }
    FILE *file = fopen (s_path, "wb");
    if (!file || fwrite (data, 1, size, file) != size || fclose (file) != 0)
        abort ();
    backup_secret_t secret;
    for (int i = 0; i < 32; i++)
        secret.key [i] = (uint8_t) (i * 7 + 1), secret.name_key [i] = (uint8_t) i;
    uint8_t *plain = NULL;
    size_t got = 0;
    mt_err_t err = { 0 };
    int rc = backup_file_read (s_path, &secret, "fuzz", S_LIMIT, &plain, &got, &err);
    if (rc != MT_OK && (!err.msg [0] || plain))
        abort ();
    if (rc == MT_OK && (!plain || got > S_LIMIT || plain [got] != 0))
        abort ();
    FILE *sink = fopen ("/dev/null", "wb");
    uint64_t written = 0;
    mt_err_t err2 = { 0 };
    int rc2 = backup_file_decrypt (s_path, &secret, "fuzz", sink, &written, &err2);
    fclose (sink);
    if (rc2 != rc || (rc == MT_OK && written != got))
        abort ();
    free (plain);
    return 0;
}
