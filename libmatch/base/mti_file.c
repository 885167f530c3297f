//  mti_file - read a whole regular file with a byte limit.

#include "mti_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
mti_file_read (const char *path, size_t limit, uint8_t **data_p, size_t *size_p, mt_err_t *err)
{
    *data_p = NULL;
    *size_p = 0;
    if (!path || !*path)
        return mt_err_set (err, MT_EINVAL, "the file name is empty");

    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int code = errno == ENOENT ? MT_ENOTFOUND : MT_EIO;
        return mt_err_set (err, code, "cannot open '%s': %s", path, strerror (errno));
    }
    int rc = MT_OK;
    uint8_t *data = NULL;
    struct stat st;
    if (fstat (fd, &st) != 0)
        rc = mt_err_set (err, MT_EIO, "cannot stat '%s': %s", path, strerror (errno));
    else
    if (S_ISDIR (st.st_mode))
        rc = mt_err_set (err, MT_EIO, "'%s' is a directory, not a file", path);
    else
    if (!S_ISREG (st.st_mode))
        rc = mt_err_set (err, MT_EIO, "'%s' is not a regular file", path);
    else
    if (st.st_size == 0)
        rc = mt_err_set (err, MT_EEMPTY, "'%s' is empty (0 bytes)", path);
    else
    if ((uint64_t) st.st_size > limit)
        rc = mt_err_set (err, MT_ETOOBIG, "'%s' has %lld bytes, over the limit of %zu",
                         path, (long long) st.st_size, limit);
    if (rc != MT_OK) {
        close (fd);
        return rc;
    }

    size_t size = (size_t) st.st_size;
    data = malloc (size + 1);
    if (!data) {
        close (fd);
        return mt_err_set (err, MT_ENOMEM, "out of memory reading '%s' (%zu bytes)", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read (fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = mt_err_set (err, MT_EIO, "cannot read '%s': %s", path, strerror (errno));
            break;
        }
        if (n == 0)
            break;      //  the file shrank while we read it: keep what is there
        got += (size_t) n;
    }
    close (fd);
    if (rc == MT_OK && got == 0)
        rc = mt_err_set (err, MT_EEMPTY, "'%s' is empty (0 bytes)", path);
    if (rc != MT_OK) {
        free (data);
        return rc;
    }
    data [got] = 0;
    *data_p = data;
    *size_p = got;
    return MT_OK;
}
