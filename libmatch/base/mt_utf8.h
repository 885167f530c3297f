//  mt_utf8 - text as people count it: characters of UTF-8, not bytes.
//  Limits a person reads ("notes: at most 500 characters") are checked in
//  characters; buffers hold up to 4 bytes a character.

#ifndef MT_UTF8_H_INCLUDED
#define MT_UTF8_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Bytes a buffer needs for chars characters and the NUL.
#define MT_UTF8_BYTES(chars) ((chars) * 4 + 1)

//  Whether the size bytes at text are well-formed UTF-8 (no overlong forms,
//  no surrogates, nothing above U+10FFFF).
bool mt_utf8_valid (const char *text, size_t size);

//  Characters (code points) of the NUL-terminated UTF-8 text; bytes that
//  start no character (continuation bytes) are not counted.
size_t mt_utf8_chars (const char *text);

#ifdef __cplusplus
}
#endif

#endif
