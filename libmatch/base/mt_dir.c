//  mt_dir - folder listings in natural order.

#include "base/mt_dir.h"

#include <dirent.h>
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
