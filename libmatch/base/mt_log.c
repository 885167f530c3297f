//  mt_log - leveled one-line logging to stderr.

#include "base/mt_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int s_level = -1;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static const char *s_names [] = { "error", "warn", "info", "debug" };

int
mt_log_level_from_name (const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp (name, s_names [i]) == 0)
            return i;
    return -1;
}

static void
s_init (void)
{
    int level = mt_log_level_from_name (getenv ("HOMEWARD_LOG_LEVEL"));
    if (s_level < 0)
        s_level = level >= 0 ? level : MT_LOG_INFO;
}

void
mt_log_set_level (mt_log_level level)
{
    pthread_once (&s_once, s_init);
    __atomic_store_n (&s_level, (int) level, __ATOMIC_RELAXED);
}

mt_log_level
mt_log_get_level (void)
{
    pthread_once (&s_once, s_init);
    return (mt_log_level) __atomic_load_n (&s_level, __ATOMIC_RELAXED);
}

void
mt_log_write (mt_log_level level, const char *component, const char *fmt, ...)
{
    if ((int) level > (int) mt_log_get_level ())
        return;
    char line [1024];
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    int at = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, ts.tv_nsec / 1000000, s_names [level], component);
    va_list args;
    va_start (args, fmt);
    if (at > 0 && at < (int) sizeof line)
        vsnprintf (line + at, sizeof line - (size_t) at, fmt, args);
    va_end (args);
    //  One write per line so that lines from threads do not interleave.
    fprintf (stderr, "%s\n", line);
}
