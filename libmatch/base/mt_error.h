//  mt_error - result codes and error messages of libmatch.
//
//  Every function that can fail returns an mt_rc and, where the reason is
//  worth telling a person (I/O, parsing, a C++ library), takes a last
//  argument mt_err_t *err that it fills with the code and a message, in
//  English and in Chinese (the catalog's translation of the English
//  format: base/mt_text.h). err may be NULL when the caller does not want
//  the message.

#ifndef MT_ERROR_H_INCLUDED
#define MT_ERROR_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MT_OK = 0,
    MT_ENOMEM,          //  out of memory
    MT_EINVAL,          //  invalid argument or configuration value
    MT_ENOTFOUND,       //  no such file, case, face or key
    MT_ETIMEDOUT,       //  deadline passed
    MT_EPROTO,          //  malformed message
    MT_ENOFACE,         //  no face where one was needed
    MT_EIO,             //  read or write failed
    MT_EEMPTY,          //  input has no bytes
    MT_EFORMAT,         //  unsupported file format
    MT_EDECODE,         //  corrupt or truncated data in a supported format
    MT_ETOOBIG,         //  input over a configured size limit
    MT_EMODEL,          //  model file missing, unreadable or corrupt
    MT_EINTERNAL,       //  a bug or an unexpected library failure
    MT_EUNAVAILABLE,    //  a needed service or partition is not running
    MT_ENOSPACE,        //  the data disk is full (or below its reserve)
    MT_ECONFLICT,       //  not allowed from the record's present state
    MT_EFORBIDDEN,      //  not allowed for the caller's role or station
    MT_RC_COUNT
} mt_rc;

#define MT_ERR_MSG_MAX 256
//  The Chinese: about 120 characters of 3 bytes, with their arguments.
#define MT_ERR_MSG_ZH_MAX 512

typedef struct {
    int code;
    char msg[MT_ERR_MSG_MAX];           //  English
    char msg_zh[MT_ERR_MSG_ZH_MAX];     //  Chinese (simplified, zh-CN)
} mt_err_t;

//  Human text for a result code, e.g. "out of memory". Never NULL.
const char *mt_strerror (int rc);

//  Stable machine name for a result code, e.g. "too_large"; used in JSON
//  output and on the wire. Never NULL.
const char *mt_rc_name (int rc);

//  The code's name in Chinese, e.g. "未找到". Never NULL.
const char *mt_strerror_zh (int rc);

//  Fill err (if not NULL) with code and a printf-style message; returns code
//  so that callers can write  return mt_err_set (err, MT_EIO, "...", ...);
//  msg is fmt formatted; msg_zh the catalog's Chinese of fmt formatted with
//  the same arguments, or "<the code in Chinese>：<msg>" when the catalog
//  lacks fmt. An argument may be err's own msg (it is read before err is
//  written).
int mt_err_set (mt_err_t *err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Fill err (if not NULL) with another error's messages (from, which may be
//  err itself; NULL: the code's own text) under code; returns code. For
//  passing on what a callee said.
int mt_err_copy (mt_err_t *err, int code, const mt_err_t *from);

//  Fill err (if not NULL) with a message framing another error's: fmt
//  formatted, then ": " and inner's message, in each language (the Chinese
//  frame is the catalog's, then "：" and inner's Chinese). inner may be err
//  itself. Returns code.
//      mt_err_wrap (err, MT_EINVAL, &why, "%s:%d", path, line)
//      -> "settings.conf:3: unknown setting 'x'" / "settings.conf:3：未知的设置项 'x'"
int mt_err_wrap (mt_err_t *err, int code, const mt_err_t *inner, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Reset err to MT_OK with empty messages. NULL-safe.
void mt_err_clear (mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
