//  mt_test - helpers of the tests: data paths, temporary files, processes.

#define _XOPEN_SOURCE 700       //  nftw

#include "mt_test.h"

#include "base/mt_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int mt_test_failures = 0;

const char *
mt_test_data (const char *relative)
{
    static char paths [16][4096];
    static int next = 0;
    char *path = paths [next++ % 16];
    snprintf (path, sizeof paths [0], "%s/%s", MT_TEST_DATA, relative);
    return path;
}

static char s_tmpdir [256];

static int
s_remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove (path);
}

static void
s_remove_tmpdir (void)
{
    if (s_tmpdir [0])
        nftw (s_tmpdir, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
mt_test_tmpdir (void)
{
    if (!s_tmpdir [0]) {
        snprintf (s_tmpdir, sizeof s_tmpdir, "/tmp/homeward-test-XXXXXX");
        if (!mkdtemp (s_tmpdir)) {
            perror ("mkdtemp");
            exit (2);
        }
        atexit (s_remove_tmpdir);
    }
    return s_tmpdir;
}

char *
mt_test_read (const char *path, size_t *size_p)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    size_t size = 0, cap = 4096;
    char *data = malloc (cap);
    size_t n;
    while (data && (n = fread (data + size, 1, cap - size - 1, file)) > 0) {
        size += n;
        if (cap - size - 1 == 0) {
            char *bigger = realloc (data, cap * 2);
            if (!bigger) {
                free (data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    fclose (file);
    if (data) {
        data [size] = '\0';
        if (size_p)
            *size_p = size;
    }
    return data;
}

int
mt_test_write (const char *path, const void *data, size_t size)
{
    FILE *file = fopen (path, "wb");
    if (!file)
        return -1;
    size_t written = fwrite (data, 1, size, file);
    return fclose (file) == 0 && written == size ? 0 : -1;
}

int
mt_test_run (char *const argv [], char *const env_extra [], char **out_p, char **err_p)
{
    static int serial = 0;
    if (out_p)
        *out_p = NULL;          //  also when the program cannot be started
    if (err_p)
        *err_p = NULL;
    char out_path [512], err_path [512];
    snprintf (out_path, sizeof out_path, "%s/run%d.out", mt_test_tmpdir (), serial);
    snprintf (err_path, sizeof err_path, "%s/run%d.err", mt_test_tmpdir (), serial++);

    //  The child's environment: ours plus the extra entries.
    size_t ours = 0, extra = 0;
    while (environ [ours])
        ours++;
    while (env_extra && env_extra [extra])
        extra++;
    char **env = calloc (ours + extra + 1, sizeof *env);
    memcpy (env, environ, ours * sizeof *env);
    for (size_t i = 0; i < extra; i++)
        env [ours + i] = env_extra [i];

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen (&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn (&pid, argv [0], &actions, NULL, argv, env);
    posix_spawn_file_actions_destroy (&actions);
    free (env);
    if (rc != 0) {
        fprintf (stderr, "cannot run %s: %s\n", argv [0], strerror (rc));
        return -1;
    }
    int status;
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (out_p)
        *out_p = mt_test_read (out_path, NULL);
    if (err_p)
        *err_p = mt_test_read (err_path, NULL);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

int
mt_test_spawn (char *const argv [], const char *log_path)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2 (&actions, 1, 2);
    pid_t pid;
    int rc = posix_spawn (&pid, argv [0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    if (rc != 0) {
        fprintf (stderr, "cannot start %s: %s\n", argv [0], strerror (rc));
        return -1;
    }
    return (int) pid;
}

int
mt_test_kill (int pid, int sig)
{
    int status = 0;
    if (pid <= 0)
        return -1;
    kill ((pid_t) pid, sig);
    while (waitpid ((pid_t) pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

int
mt_test_free_port (void)
{
    //  Ask the kernel for an unused port, then let it go.
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0,
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0
    ||  getsockname (fd, (struct sockaddr *) &addr, &len) != 0) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    close (fd);
    return ntohs (addr.sin_port);
}

long long
mt_test_now_ms (void)
{
    return mt_clock_ms ();
}

void
mt_test_sleep_ms (long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
        ;
}

//  ---------------------------------------------------------------- file contents

static struct {
    const void *bytes;
    size_t size;
    char *where;
    size_t where_size;
    bool found;
} s_scan;

static int
s_scan_file (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void) ftw;
    if (type != FTW_F || !S_ISREG (st->st_mode))
        return 0;
    size_t length;
    char *data = mt_test_read (path, &length);
    bool found = false;
    for (size_t i = 0; data && !found && length >= s_scan.size && i <= length - s_scan.size; i++)
        found = memcmp (data + i, s_scan.bytes, s_scan.size) == 0;
    free (data);
    if (found && s_scan.where)
        snprintf (s_scan.where, s_scan.where_size, "%s", path);
    s_scan.found |= found;
    return found ? 1 : 0;
}

bool
mt_test_tree_holds (const char *dir, const void *bytes, size_t size, char *where,
                    size_t where_size)
{
    s_scan.bytes = bytes;
    s_scan.size = size;
    s_scan.where = where;
    s_scan.where_size = where_size;
    s_scan.found = false;
    if (where && where_size)
        where [0] = '\0';
    nftw (dir, s_scan_file, 16, FTW_PHYS);
    return s_scan.found;
}

static int
s_person_dir (const struct dirent *entry)
{
    return entry->d_name [0] != '.';
}

size_t
mt_test_lfw_people (const char *const **names_p)
{
    static char **names;
    static size_t count;
    if (!names) {
        struct dirent **entries;
        int n = scandir (mt_test_data ("lfw"), &entries, s_person_dir, alphasort);
        names = calloc (n > 0 ? (size_t) n : 1, sizeof *names);
        for (int i = 0; i < n; i++) {
            if (names)
                names [count++] = strdup (entries [i]->d_name);
            free (entries [i]);
        }
        if (n > 0)
            free (entries);
    }
    *names_p = (const char *const *) names;
    return count;
}

double
mt_test_uniform (uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *state = x;
    return (double) ((x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

double
mt_test_gauss (uint64_t *state)
{
    double u = mt_test_uniform (state) + 1e-12, v = mt_test_uniform (state);
    return sqrt (-2 * log (u)) * cos (2 * 3.14159265358979323846 * v);
}

void
mt_test_vector (uint64_t id, uint64_t salt, int dim, float *v)
{
    uint64_t x = id * 0x9e3779b97f4a7c15ull + salt;
    double norm = 0;
    for (int d = 0; d < dim; d++) {
        v [d] = (float) (mt_test_uniform (&x) - 0.5);
        norm += v [d] * v [d];
    }
    for (int d = 0; d < dim; d++)
        v [d] = (float) (v [d] / sqrt (norm));
}
