//  mt_error - result codes and error messages.

#include "base/mt_error.h"
#include "base/mt_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

const char *
mt_strerror_zh (int rc)
{
    const char *zh = mt_text_code_zh (mt_rc_name (rc));
    return zh ? zh : "未知错误";
}

//  Fill err with code and both messages (copied: they may be err's own).
static void
s_fill (mt_err_t *err, int code, const char *en, const char *zh)
{
    err->code = code;
    if (en != err->msg)
        snprintf (err->msg, sizeof err->msg, "%s", en);
    if (zh != err->msg_zh)
        snprintf (err->msg_zh, sizeof err->msg_zh, "%s", zh);
    mt_text_trim_utf8 (err->msg);
    mt_text_trim_utf8 (err->msg_zh);
}

//  a, sep and b into out (size bytes), cut to fit.
static void
s_join (char *out, size_t size, const char *a, const char *sep, const char *b)
{
    size_t at = 0;
    const char *parts [3] = { a, sep, b };
    for (int i = 0; i < 3; i++) {
        size_t n = strlen (parts [i]);
        if (n > size - 1 - at)
            n = size - 1 - at;
        memcpy (out + at, parts [i], n);
        at += n;
    }
    out [at] = '\0';
}

int
mt_err_set (mt_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        //  Formatted apart first: an argument may be err->msg itself.
        char en [MT_ERR_MSG_MAX], zh [MT_ERR_MSG_ZH_MAX];
        va_list args;
        va_start (args, fmt);
        if (!mt_text_vformat (en, sizeof en, zh, sizeof zh, fmt, args))
            mt_text_fallback_zh (mt_rc_name (code), en, zh, sizeof zh);
        va_end (args);
        s_fill (err, code, en, zh);
    }
    return code;
}

int
mt_err_copy (mt_err_t *err, int code, const mt_err_t *from)
{
    if (err && from) {
        char zh [MT_ERR_MSG_ZH_MAX];
        if (!from->msg_zh [0])
            mt_text_fallback_zh (mt_rc_name (code), from->msg, zh, sizeof zh);
        s_fill (err, code, from->msg, from->msg_zh [0] ? from->msg_zh : zh);
    }
    else
    if (err)
        s_fill (err, code, mt_strerror (code), mt_strerror_zh (code));
    return code;
}

int
mt_err_wrap (mt_err_t *err, int code, const mt_err_t *inner, const char *fmt, ...)
{
    if (err) {
        char en [MT_ERR_MSG_MAX], zh [MT_ERR_MSG_ZH_MAX];
        va_list args;
        va_start (args, fmt);
        bool framed = mt_text_vformat (en, sizeof en, zh, sizeof zh, fmt, args);
        va_end (args);
        const char *inner_en = inner ? inner->msg : mt_strerror (code);
        const char *inner_zh = inner && inner->msg_zh [0] ? inner->msg_zh
                             : inner ? inner->msg : mt_strerror_zh (code);
        char full_en [MT_ERR_MSG_MAX], full_zh [MT_ERR_MSG_ZH_MAX];
        s_join (full_en, sizeof full_en, en, ": ", inner_en);
        //  A frame the catalog lacks is given in English, the inner text in
        //  Chinese still.
        s_join (full_zh, sizeof full_zh, framed ? zh : en, "：", inner_zh);
        s_fill (err, code, full_en, full_zh);
    }
    return code;
}

void
mt_err_clear (mt_err_t *err)
{
    if (err) {
        err->code = MT_OK;
        err->msg [0] = '\0';
        err->msg_zh [0] = '\0';
    }
}
