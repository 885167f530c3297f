//  Runs a fuzz target over files and directories of inputs without
//  libFuzzer, so that every build replays the corpora and the crashes found
//  earlier as an ordinary test.

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int s_runs;

static int
s_replay (const char *path)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        fprintf (stderr, "replay: cannot stat %s\n", path);
        return 1;
    }
    if (S_ISDIR (st.st_mode)) {
        DIR *dir = opendir (path);
        if (!dir)
            return 1;
        struct dirent *entry;
        int rc = 0;
        while ((entry = readdir (dir)) != NULL) {
            if (entry->d_name [0] == '.')
                continue;
            char child [4096];
            snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
            rc |= s_replay (child);
        }
        closedir (dir);
        return rc;
    }
    FILE *file = fopen (path, "rb");
    if (!file)
        return 1;
    uint8_t *data = malloc ((size_t) st.st_size + 1);
    size_t size = data ? fread (data, 1, (size_t) st.st_size, file) : 0;
    fclose (file);
    LLVMFuzzerTestOneInput (data, size);
    free (data);
    s_runs++;
    return 0;
}

int
main (int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= s_replay (argv [i]);
    printf ("replayed %d inputs\n", s_runs);
    return rc || s_runs == 0;
}
