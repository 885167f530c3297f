//  mt_utf8 - counting and checking UTF-8 text.

#include "base/mt_utf8.h"

#include <stdint.h>

bool
mt_utf8_valid (const char *text, size_t size)
{
    const uint8_t *s = (const uint8_t *) text;
    size_t i = 0;
    while (i < size) {
        uint8_t c = s [i];
        size_t more;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            more = 1, cp = c & 0x1F;
        else
        if (c >= 0xE0 && c <= 0xEF)
            more = 2, cp = c & 0x0F;
        else
        if (c >= 0xF0 && c <= 0xF4)
            more = 3, cp = c & 0x07;
        else
            return false;
        if (size - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s [i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s [i + k] & 0x3F);
        }
        //  Overlong forms, surrogates, beyond Unicode.
        if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000)
        ||  (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += more + 1;
    }
    return true;
}

size_t
mt_utf8_chars (const char *text)
{
    size_t n = 0;
    for (const uint8_t *s = (const uint8_t *) text; s && *s; s++)
        n += (*s & 0xC0) != 0x80;
    return n;
}
