//  photo_store - the content-addressed photo store: files named by their
//  sha256 under two-letter folders.

#include "results/store/photo_store.h"
#include "base/mt_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
s_path (const char *store, const char *sha, char *path, size_t size)
{
    snprintf (path, size, "%s/%.2s/%s", store, sha, sha);
}

//  Store bytes under their sha256 (hex into sha): written to a temporary
//  file, fsync'd (if durable), renamed, the folder fsync'd (if durable).
int
photo_store_put (const char *store, const uint8_t *bytes, size_t size, bool durable,
                 char *sha, mt_err_t *err)
{
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, bytes, size);
    sodium_bin2hex (sha, 65, hash, sizeof hash);
    char dir [PATH_MAX], path [PATH_MAX + 80], tmp [PATH_MAX + 100];
    snprintf (dir, sizeof dir, "%s/%.2s", store, sha);
    s_path (store, sha, path, sizeof path);
    struct stat st;
    if (stat (path, &st) == 0 && (size_t) st.st_size == size)
        return MT_OK;       //  the same bytes are there already
    int rc = mt_dir_make (dir, err);
    if (rc != MT_OK)
        return rc;
    snprintf (tmp, sizeof tmp, "%s.tmp%d", path, (int) getpid ());
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return mt_err_set (err, errno == ENOSPC ? MT_ENOSPACE : MT_EIO, "cannot create %s: %s",
                           tmp, strerror (errno));
    size_t done = 0;
    while (done < size) {
        ssize_t n = write (fd, bytes + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        done += (size_t) n;
    }
    bool ok = done == size && (!durable || fsync (fd) == 0);
    close (fd);
    if (!ok || rename (tmp, path) != 0) {
        int why = errno;
        unlink (tmp);
        return mt_err_set (err, why == ENOSPC || why == EDQUOT ? MT_ENOSPACE : MT_EIO,
                           "cannot store photo %s: %s", sha, strerror (why));
    }
    if (durable)
        mt_dir_sync (dir, NULL);
    return MT_OK;
}

int
photo_store_get (const char *store, const char *sha, uint8_t **bytes_p,
                 size_t *size_p, mt_err_t *err)
{
    char path [PATH_MAX + 80];
    s_path (store, sha, path, sizeof path);
    FILE *file = fopen (path, "rb");
    if (!file)
        return mt_err_set (err, MT_EIO, "photo %s is missing from the store: %s", sha,
                           strerror (errno));
    fseeko (file, 0, SEEK_END);
    off_t size = ftello (file);
    fseeko (file, 0, SEEK_SET);
    uint8_t *bytes = malloc (size > 0 ? (size_t) size : 1);
    size_t got = bytes ? fread (bytes, 1, (size_t) size, file) : 0;
    fclose (file);
    if (!bytes || got != (size_t) size) {
        free (bytes);
        return mt_err_set (err, MT_EIO, "cannot read photo %s", sha);
    }
    *bytes_p = bytes;
    *size_p = got;
    return MT_OK;
}

int
photo_store_remove (const char *store, const char *sha, mt_err_t *err)
{
    char dir [PATH_MAX], path [PATH_MAX + 80];
    snprintf (dir, sizeof dir, "%s/%.2s", store, sha);
    s_path (store, sha, path, sizeof path);
    if (unlink (path) != 0 && errno != ENOENT)
        return mt_err_set (err, MT_EIO, "cannot remove photo %s: %s", sha, strerror (errno));
    mt_dir_sync (dir, NULL);
    return MT_OK;
}

bool
photo_store_has (const char *store, const char *sha)
{
    char path [PATH_MAX + 80];
    s_path (store, sha, path, sizeof path);
    return access (path, F_OK) == 0;
}
