//  mt_dir - folders made and synced; listings in natural order.

#include "base/mt_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static int
s_natural (const void *a, const void *b)
{
    const char *x = *(char *const *) a, *y = *(char *const *) b;
    long nx = strtol (x, NULL, 10), ny = strtol (y, NULL, 10);
    if (nx != ny)
        return (nx > ny) - (nx < ny);
    return strcmp (x, y);
}

size_t
mt_dir_list (const char *dir, char ***names_p)
{
    DIR *d = opendir (dir);
    char **names = NULL;
    size_t n = 0, size = 0;
    struct dirent *e;
    while (d && (e = readdir (d)) != NULL) {
        if (e->d_name [0] == '.')
            continue;
        if (n == size) {
            size_t more = size ? size * 2 : 64;
            char **grown = realloc (names, more * sizeof *grown);
            if (!grown)
                break;
            names = grown, size = more;
        }
        if ((names [n] = strdup (e->d_name)) != NULL)
            n++;
    }
    if (d)
        closedir (d);
    if (n)
        qsort (names, n, sizeof *names, s_natural);
    *names_p = names;
    return n;
}

void
mt_dir_free (char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        free (names [i]);
    free (names);
}

int
mt_dir_make (const char *path, mt_err_t *err)
{
    char buf [PATH_MAX];
    snprintf (buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir (buf, 0700) != 0 && errno != EEXIST)
                return mt_err_set (err, MT_EIO, "cannot create %s: %s", buf, strerror (errno));
            *p = '/';
        }
    if (mkdir (buf, 0700) != 0 && errno != EEXIST)
        return mt_err_set (err, MT_EIO, "cannot create %s: %s", buf, strerror (errno));
    return MT_OK;
}

int
mt_dir_sync (const char *dir, mt_err_t *err)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync (fd) != 0) {
        int saved = errno;
        if (fd >= 0)
            close (fd);
        return mt_err_set (err, MT_EIO, "cannot fsync directory %s: %s", dir, strerror (saved));
    }
    close (fd);
    return MT_OK;
}
