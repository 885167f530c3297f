//  mt_text - messages a person reads, in English and in Chinese.
//
//  Every message is written in English in the code (mt_err_set (err,
//  MT_EINVAL, "%s is longer than %zu characters", ...)); its Chinese is a
//  row of the catalog (mt_text_catalog.c), looked up by the English format
//  itself: { "%s is longer than %zu characters", "%#s超过 %zu 个字" }. The
//  Chinese is formatted with the same arguments; a Chinese format takes the
//  English one's conversions (the same types; flags, width and precision
//  may differ), either in the same order or numbered (%2$s ... %1$d, for
//  Chinese word order), each argument used once. One more conversion the
//  Chinese may use: %#s, a word of the terms table (a field name such as
//  "notes" -> 备注), put in its Chinese when the table has it and as it is
//  otherwise. An argument that is itself a message (a library's text, a
//  file name) goes into the Chinese as it is.
//
//  The catalog also names every error code in Chinese (mt_rc's, and the
//  gateway's own such as "csrf"); a message the catalog lacks is told in
//  Chinese as "<the code's Chinese>：<the English>".
//
//  tests/i18n/catalog_test.mjs fails when a message given to mt_err_set,
//  mt_err_wrap, mt_msg_error, gateway_error* or api_error is not in the
//  catalog; the self-test (libmatch/base/test_text.c) checks each row's
//  conversions.

#ifndef MT_TEXT_H_INCLUDED
#define MT_TEXT_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Format fmt with args: the English into en (en_size bytes), and the
//  catalog's Chinese of fmt into zh (zh_size bytes). Returns true when the
//  catalog has fmt (and its Chinese takes these arguments); otherwise zh is
//  "" and false is returned. A format of exactly "%s" is the text of its
//  argument, whose Chinese is the catalog's row for that text (a message
//  without conversions) when there is one. Text cut to fit ends on a whole
//  UTF-8 character. en or zh may be NULL (with size 0).
bool mt_text_vformat (char *en, size_t en_size, char *zh, size_t zh_size, const char *fmt,
                      va_list args);
bool mt_text_format (char *en, size_t en_size, char *zh, size_t zh_size, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

//  The Chinese of a message without conversions (as the catalog has it,
//  e.g. "sign in first" -> "请先登录"), or NULL when the catalog lacks it.
//  The returned text is static.
const char *mt_text_zh (const char *en);

//  The Chinese of a word of the terms table (a field's name, e.g. "notes"
//  -> "备注"), or NULL. Static.
const char *mt_text_term_zh (const char *word);

//  The Chinese name of an error code's name (mt_rc_name's, e.g.
//  "not_found" -> "未找到", or the gateway's own, e.g. "csrf"), or NULL.
//  Static.
const char *mt_text_code_zh (const char *code);

//  A message's Chinese when the catalog has none: "<code's Chinese>：<en>"
//  (only the code's Chinese when en is empty) into zh, cut on a whole
//  character. Returns zh.
char *mt_text_fallback_zh (const char *code, const char *en, char *zh, size_t zh_size);

//  Whether a client asking with this Accept-Language header (may be NULL)
//  is answered in Chinese: its most wanted language (by q, then order) is
//  zh or a zh-* tag. Anything else, or no header, is English.
bool mt_text_wants_zh (const char *accept_language);

//  Cut text (NUL-terminated) so that it ends on a whole UTF-8 character:
//  a multibyte character whose bytes were cut off by a size limit is
//  removed.
void mt_text_trim_utf8 (char *text);

//  Check the catalog: for each row, that its Chinese is UTF-8 and takes
//  the English conversions; no English twice; every term and code has its
//  Chinese. Writes one line per problem to report (may be NULL) and
//  returns how many there were.
int mt_text_check (char *report, size_t size);

//  The catalog's rows (for the self-test): count, and row i's formats.
size_t mt_text_count (void);
void mt_text_row (size_t i, const char **en, const char **zh);

#ifdef __cplusplus
}
#endif

#endif
