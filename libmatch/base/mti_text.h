//  mti_text - the catalog's tables (mt_text_catalog.c), read by mt_text.

#ifndef MTI_TEXT_H_INCLUDED
#define MTI_TEXT_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *en;         //  the English format (or word, or code name)
    const char *zh;         //  its Chinese
} mti_text_row_t;

//  Every message: { English format, Chinese format }.
extern const mti_text_row_t mti_text_catalog [];
extern const size_t mti_text_catalog_count;
//  Words put into messages by %#s (field names): { word, Chinese }.
extern const mti_text_row_t mti_text_terms [];
extern const size_t mti_text_terms_count;
//  Error codes: { code name, Chinese name }.
extern const mti_text_row_t mti_text_codes [];
extern const size_t mti_text_codes_count;

//  zh_fmt formatted with arguments of the types en_fmt's conversions read
//  (as mt_text_vformat does with a catalog row). False, with zh "", when
//  zh_fmt does not take them.
bool mti_text_vrender (char *zh, size_t zh_size, const char *en_fmt, const char *zh_fmt,
                       va_list args);
bool mti_text_render (char *zh, size_t zh_size, const char *en_fmt, const char *zh_fmt, ...);
//  Whether zh takes en's conversions (the same types, all numbered or
//  none, each argument once); why says what does not fit.
bool mti_text_fits (const char *en, const char *zh, char *why, size_t why_size);

#endif
