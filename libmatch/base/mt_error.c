//  mt_error - result codes and error messages.

#include "base/mt_error.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    const char *text;
} s_codes [MT_RC_COUNT] = {
    [MT_OK]        = { "ok",                 "success" },
    [MT_ENOMEM]    = { "out_of_memory",      "out of memory" },
    [MT_EINVAL]    = { "invalid_argument",   "invalid argument" },
    [MT_ENOTFOUND] = { "not_found",          "not found" },
    [MT_ETIMEDOUT] = { "timed_out",          "deadline passed" },
    [MT_EPROTO]    = { "malformed_message",  "malformed message" },
    [MT_ENOFACE]   = { "no_face",            "no face found" },
    [MT_EIO]       = { "io_error",           "read or write failed" },
    [MT_EEMPTY]    = { "empty",              "input is empty" },
    [MT_EFORMAT]   = { "unsupported_format", "unsupported format" },
    [MT_EDECODE]   = { "undecodable",        "corrupt or truncated data" },
    [MT_ETOOBIG]   = { "too_large",          "input over the size limit" },
    [MT_EMODEL]    = { "model_error",        "model file missing or corrupt" },
    [MT_EINTERNAL] = { "internal_error",     "internal error" },
    [MT_EUNAVAILABLE] = { "unavailable",     "service unavailable" },
    [MT_ENOSPACE]     = { "no_space",        "no space left on the data disk" },
    [MT_ECONFLICT]    = { "conflict",        "not allowed in the record's present state" },
    [MT_EFORBIDDEN]   = { "forbidden",       "not allowed for this user" },
};

const char *
mt_strerror (int rc)
{
    if (rc < 0 || rc >= MT_RC_COUNT)
        return "unknown error";
    return s_codes [rc].text;
}

const char *
mt_rc_name (int rc)
{
    if (rc < 0 || rc >= MT_RC_COUNT)
        return "unknown";
    return s_codes [rc].name;
}

int
mt_err_set (mt_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list args;
        va_start (args, fmt);
        vsnprintf (err->msg, sizeof err->msg, fmt, args);
        va_end (args);
    }
    return code;
}

void
mt_err_clear (mt_err_t *err)
{
    if (err) {
        err->code = MT_OK;
        err->msg [0] = '\0';
    }
}
