//  mt_install - where Homeward's read-only files are (see mt_install.h).

#include "base/mt_install.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
mt_install_path (const char *name, const char *built_in, char *out, size_t size)
{
    char exe [PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe [n] = '\0';
        char *slash = strrchr (exe, '/');
        if (slash) {
            *slash = '\0';
            char path [PATH_MAX + 64];
            snprintf (path, sizeof path, "%s/../share/homeward/%s", exe, name);
            struct stat st;
            if (stat (path, &st) == 0 && S_ISDIR (st.st_mode) && strlen (path) < size) {
                snprintf (out, size, "%s", path);
                return;
            }
        }
    }
    snprintf (out, size, "%s", built_in);
}

const char *
mt_version (void)
{
    return MT_VERSION;
}
