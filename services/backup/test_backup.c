//  Self-test of the backup's encryption at rest and folder: a file reads
//  back as written (across chunks), and a truncated, damaged, swapped,
//  foreign or wrongly keyed file is refused, never half read; a secret is
//  never overwritten; a folder refuses a secret it was not made with.

#include "mt_test.h"

#include "backup/backup_crypt.h"
#include "backup/backup_repo.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIG (3 * 1024 * 1024 + 17)      //  four chunks, the last a short one

static char s_dir [1024];
static backup_secret_t s_secret, s_other;

static void
s_path (char *path, size_t size, const char *name)
{
    snprintf (path, size, "%s/%s", s_dir, name);
}

static void
test_secret (void)
{
    char path [1100], other [1100];
    s_path (path, sizeof path, "secret");
    s_path (other, sizeof other, "other-secret");
    mt_err_t err;
    MT_CHECK_RC (backup_secret_new (path, &err), MT_OK, &err);
    MT_CHECK_RC (backup_secret_new (other, &err), MT_OK, &err);
    struct stat st;
    MT_CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    size_t size;
    char *before = mt_test_read (path, &size);
    //  A second --new-secret on the same file must not destroy the first.
    MT_CHECK_RC (backup_secret_new (path, &err), MT_EINVAL, &err);
    char *after = mt_test_read (path, NULL);
    MT_CHECK (before && after && strcmp (before, after) == 0);
    free (before);
    free (after);
    MT_CHECK_RC (backup_secret_load (path, &s_secret, &err), MT_OK, &err);
    MT_CHECK_RC (backup_secret_load (other, &s_other, &err), MT_OK, &err);
    MT_CHECK (memcmp (s_secret.key, s_other.key, sizeof s_secret.key) != 0);

    char bad [1100];
    s_path (bad, sizeof bad, "not-a-secret");
    MT_CHECK (mt_test_write (bad, "hello\n", 6) == 0);
    MT_CHECK_RC (backup_secret_load (bad, &s_other, &err), MT_EINVAL, &err);
    MT_CHECK_CONTAINS (err.msg, "not a backup secret");
    MT_CHECK_RC (backup_secret_load (other, &s_other, &err), MT_OK, &err);
}

//  Bytes that differ from chunk to chunk, so a reordered chunk would show.
static uint8_t *
s_pattern (size_t size)
{
    uint8_t *data = malloc (size);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; data && i < size; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data [i] = (uint8_t) x;
    }
    return data;
}

static void
test_round_trip (void)
{
    char path [1100];
    s_path (path, sizeof path, "big.hwe");
    uint8_t *data = s_pattern (BIG);
    mt_err_t err;
    MT_CHECK_RC (backup_file_write (path, &s_secret, "cases.db", data, BIG, true, &err), MT_OK, &err);
    uint8_t *back = NULL;
    size_t size = 0;
    MT_CHECK_RC (backup_file_read (path, &s_secret, "cases.db", BIG, &back, &size, &err),
                 MT_OK, &err);
    MT_CHECK_INT (size, BIG);
    MT_CHECK (back && memcmp (back, data, BIG) == 0);
    free (back);
    //  Over the caller's limit: refused, not truncated.
    MT_CHECK_RC (backup_file_read (path, &s_secret, "cases.db", BIG - 1, &back, &size, &err),
                 MT_ETOOBIG, &err);
    //  The file holds no plain text of what it encrypts.
    uint8_t *raw = (uint8_t *) mt_test_read (path, &size);
    MT_CHECK (raw && size > BIG);
    //  (the first chunk's bytes follow the 9-byte magic, the 24-byte
    //  header and its 4-byte length: plain text there would match ~all)
    size_t same = 0;
    for (size_t i = 0; raw && i < 1024 * 1024; i++)
        same += raw [9 + 24 + 4 + i] == data [i];
    MT_CHECK (same < 1024 * 1024 / 100);
    free (raw);

    char sha [65];
    uint64_t bytes;
    MT_CHECK_RC (backup_file_digest (path, &s_secret, "cases.db", sha, &bytes, &err), MT_OK,
                 &err);
    MT_CHECK_INT (bytes, BIG);
    MT_CHECK_INT (strlen (sha), 64);

    //  An empty file is a valid file too.
    char empty [1100];
    s_path (empty, sizeof empty, "empty.hwe");
    MT_CHECK_RC (backup_file_write (empty, &s_secret, "ledger", "", 0, false, &err), MT_OK, &err);
    MT_CHECK_RC (backup_file_read (empty, &s_secret, "ledger", 10, &back, &size, &err), MT_OK,
                 &err);
    MT_CHECK_INT (size, 0);
    free (back);
    free (data);
}

//  Write a changed copy of big.hwe as name and check it is refused.
static void
s_refused (const char *name, size_t keep, long flip, const backup_secret_t *secret,
           const char *label, int expected, const char *says)
{
    char from [1100], path [1100];
    s_path (from, sizeof from, "big.hwe");
    s_path (path, sizeof path, name);
    size_t size;
    uint8_t *raw = (uint8_t *) mt_test_read (from, &size);
    MT_CHECK (raw != NULL);
    if (!raw)
        return;
    if (keep < size)
        size = keep;
    if (flip >= 0 && (size_t) flip < size)
        raw [flip] ^= 0x01;
    MT_CHECK (mt_test_write (path, raw, size) == 0);
    free (raw);
    uint8_t *back = NULL;
    size_t got = 0;
    mt_err_t err;
    MT_CHECK_RC (backup_file_read (path, secret, label, BIG, &back, &got, &err), expected, &err);
    MT_CHECK (back == NULL);
    MT_CHECK_CONTAINS (err.msg, says);
    free (back);
    FILE *sink = fopen ("/dev/null", "wb");
    MT_CHECK_RC (backup_file_decrypt (path, secret, label, sink, NULL, &err), expected, &err);
    fclose (sink);
}

static void
test_refused (void)
{
    const size_t whole = (size_t) -1;
    //  Cut at a chunk boundary (the first chunk whole): its end is missing.
    s_refused ("cut-boundary.hwe", 9 + 24 + 4 + 1024 * 1024 + 17, -1, &s_secret, "cases.db",
               MT_EDECODE, "truncated");
    s_refused ("cut-middle.hwe", 2 * 1024 * 1024, -1, &s_secret, "cases.db", MT_EDECODE,
               "truncated");
    s_refused ("cut-header.hwe", 20, -1, &s_secret, "cases.db", MT_EDECODE, "damaged");
    s_refused ("flipped.hwe", whole, 500000, &s_secret, "cases.db", MT_EDECODE,
               "cannot be decrypted");
    s_refused ("wrong-secret.hwe", whole, -1, &s_other, "cases.db", MT_EDECODE,
               "cannot be decrypted");
    //  A photo's file put in place of the database does not decrypt.
    s_refused ("swapped.hwe", whole, -1, &s_secret, "users.db", MT_EDECODE,
               "cannot be decrypted");
    s_refused ("magic.hwe", whole, 2, &s_secret, "cases.db", MT_EFORMAT,
               "not a Homeward backup file");

    //  Bytes after the final chunk.
    char from [1100], path [1100];
    s_path (from, sizeof from, "big.hwe");
    s_path (path, sizeof path, "tail.hwe");
    size_t size;
    char *raw = mt_test_read (from, &size);
    char *longer = raw ? realloc (raw, size + 8) : NULL;
    MT_CHECK (longer != NULL);
    if (longer) {
        memset (longer + size, 0, 8);
        MT_CHECK (mt_test_write (path, longer, size + 8) == 0);
        uint8_t *back = NULL;
        size_t got;
        mt_err_t err;
        MT_CHECK_RC (backup_file_read (path, &s_secret, "cases.db", BIG, &back, &got, &err),
                     MT_EDECODE, &err);
        MT_CHECK_CONTAINS (err.msg, "bytes after its end");
        free (longer);
    }
    else
        free (raw);
}

//  A writer closed without commit leaves nothing behind.
static void
test_abandoned_write (void)
{
    char path [1100], tmp [1200];
    s_path (path, sizeof path, "abandoned.hwe");
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    backup_writer_t *writer;
    mt_err_t err;
    MT_CHECK_RC (backup_writer_open (path, &s_secret, "manifest", &writer, &err), MT_OK, &err);
    MT_CHECK_RC (backup_writer_write (writer, "{}", 2, &err), MT_OK, &err);
    MT_CHECK_RC (backup_writer_close (&writer, false, &err), MT_OK, &err);
    MT_CHECK (writer == NULL);
    MT_CHECK (access (path, F_OK) != 0);
    MT_CHECK (access (tmp, F_OK) != 0);
}

static void
test_repo (void)
{
    char repo [1100];
    s_path (repo, sizeof repo, "repo");
    mt_err_t err;
    MT_CHECK_RC (backup_repo_open (repo, &s_secret, false, &err), MT_ENOTFOUND, &err);
    MT_CHECK_RC (backup_repo_open (repo, &s_secret, true, &err), MT_OK, &err);
    MT_CHECK_RC (backup_repo_open (repo, &s_secret, false, &err), MT_OK, &err);
    //  Another secret on the same folder is told as such, before anything
    //  is written or read.
    int rc = backup_repo_open (repo, &s_other, true, &err);
    MT_CHECK (rc != MT_OK);
    MT_CHECK_CONTAINS (err.msg, "secret");
    //  A folder that holds other things is not taken over.
    char other [1100], file [1200];
    s_path (other, sizeof other, "not-a-backup");
    MT_CHECK (mkdir (other, 0700) == 0);
    snprintf (file, sizeof file, "%s/notes.txt", other);
    MT_CHECK (mt_test_write (file, "mine", 4) == 0);
    MT_CHECK (backup_repo_open (other, &s_secret, true, &err) != MT_OK);

    //  Photo file names are keyed: the same photo, another secret, another name.
    const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    char a [65], b [65];
    backup_photo_name (&s_secret, sha, a);
    backup_photo_name (&s_other, sha, b);
    MT_CHECK (strcmp (a, b) != 0);
    MT_CHECK (strstr (a, sha) == NULL);
}

int
main (void)
{
    snprintf (s_dir, sizeof s_dir, "%s", mt_test_tmpdir ());
    MT_RUN (test_secret);
    MT_RUN (test_round_trip);
    MT_RUN (test_refused);
    MT_RUN (test_abandoned_write);
    MT_RUN (test_repo);
    return MT_TEST_MAIN_END ();
}
