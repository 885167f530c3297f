//  mt_log - one line per event on stderr: time, level, component, message.
//  The level is checked before anything is formatted.

#ifndef MT_LOG_H_INCLUDED
#define MT_LOG_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_LOG_ERROR = 0,
    MT_LOG_WARN,
    MT_LOG_INFO,
    MT_LOG_DEBUG
} mt_log_level;

//  Set the most detailed level written (default MT_LOG_INFO, or
//  HOMEWARD_LOG_LEVEL=error|warn|info|debug at the first log call).
void mt_log_set_level (mt_log_level level);
mt_log_level mt_log_get_level (void);
//  Parse "error", "warn", "info", "debug"; -1 if none.
int mt_log_level_from_name (const char *name);

void mt_log_write (mt_log_level level, const char *component, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#define mt_log_error(component, ...) mt_log_write (MT_LOG_ERROR, component, __VA_ARGS__)
#define mt_log_warn(component, ...) \
    do { if (mt_log_get_level () >= MT_LOG_WARN) \
        mt_log_write (MT_LOG_WARN, component, __VA_ARGS__); } while (0)
#define mt_log_info(component, ...) \
    do { if (mt_log_get_level () >= MT_LOG_INFO) \
        mt_log_write (MT_LOG_INFO, component, __VA_ARGS__); } while (0)
#define mt_log_debug(component, ...) \
    do { if (mt_log_get_level () >= MT_LOG_DEBUG) \
        mt_log_write (MT_LOG_DEBUG, component, __VA_ARGS__); } while (0)

#ifdef __cplusplus
}
#endif

#endif
