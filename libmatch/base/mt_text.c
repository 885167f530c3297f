//  mt_text - messages in English and Chinese: the catalog looked up by the
//  English format, and the Chinese formatted with the same arguments.
//
//  The arguments are read once, by the English format's conversions (the
//  compiler checked them against the call); the Chinese format then names
//  them by position or in order, and each of its conversions is formatted
//  alone with the argument it names. So a Chinese format may reorder the
//  arguments (on any libc), a row whose conversions do not fit the English
//  ones gives no Chinese instead of reading the wrong type, and %#s can put
//  a word in its Chinese.

#include "base/mt_text.h"
#include "base/mti_text.h"
#include "base/mt_utf8.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------- formats

#define S_MAX_ARGS 24

//  What va_arg reads for a conversion.
typedef enum {
    S_INT, S_LONG, S_LLONG, S_INTMAX, S_SIZE, S_PTRDIFF, S_DOUBLE, S_LDOUBLE, S_STR, S_PTR
} s_class;

typedef struct {
    s_class cls;
    char kind;              //  'd' signed, 'u' unsigned, 'c', 's', 'p', 'f' floating
    union {
        long long i;
        intmax_t j;
        size_t z;
        ptrdiff_t t;
        long double ld;
        double d;
        const char *s;
        void *p;
    } v;
} s_arg_t;

//  One conversion of a format.
typedef struct {
    size_t size;            //  characters of the format it spans
    bool literal;           //  %%
    bool positional;        //  uses n$
    int value, width, prec; //  its arguments (from 0); -1: none (or given in the format)
    s_class cls;
    char kind;
    bool term;              //  %#s
    char spec [48];         //  the conversion alone for snprintf: no n$, '*' kept
} s_spec_t;

//  A conversion's kind and the class of its argument (spec), from its
//  letter and length modifier: false for what mt_text does not format.
static bool
s_conversion (char conv, const char *length, s_spec_t *spec)
{
    bool wide = length [0] == 'l' && !length [1];
    switch (conv) {
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
            spec->kind = conv == 'd' || conv == 'i' ? 'd' : 'u';
            spec->cls = !length [0] || length [0] == 'h' ? S_INT
                      : strcmp (length, "l") == 0 ? S_LONG
                      : strcmp (length, "ll") == 0 || length [0] == 'q' ? S_LLONG
                      : length [0] == 'j' ? S_INTMAX
                      : length [0] == 'z' || length [0] == 'Z' ? S_SIZE
                      : length [0] == 't' ? S_PTRDIFF : S_LDOUBLE;
            if (spec->cls == S_LDOUBLE)
                return false;           //  %Ld is no integer
            break;
        case 'c':
            if (length [0])
                return false;
            spec->kind = 'c', spec->cls = S_INT;
            break;
        case 's':
            if (wide || length [0])
                return false;
            spec->kind = 's', spec->cls = S_STR;
            break;
        case 'p':
            spec->kind = 'p', spec->cls = S_PTR;
            break;
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
            spec->kind = 'f';
            spec->cls = length [0] == 'L' ? S_LDOUBLE : S_DOUBLE;
            if (length [0] && length [0] != 'L' && !wide)
                return false;
            break;
        default:
            return false;               //  %n, %m, %C, %S and the unknown
    }
    return true;
}

//  Parse the conversion at p (a '%'); next is the next argument in order.
//  Returns false for what mt_text does not format (%n, %m, wide text, a
//  spec too long).
static bool
s_parse (const char *p, int *next, s_spec_t *spec)
{
    memset (spec, 0, sizeof *spec);
    spec->value = spec->width = spec->prec = -1;
    const char *q = p + 1;
    if (*q == '%') {
        spec->literal = true;
        spec->size = 2;
        return true;
    }
    //  n$: the value's position.
    const char *d = q;
    int number = 0;
    while (isdigit ((unsigned char) *d))
        number = number * 10 + (*d++ - '0');
    if (d > q && *d == '$' && number > 0) {
        spec->positional = true;
        spec->value = number - 1;
        q = d + 1;
    }
    char out [48];
    size_t o = 0;
    out [o++] = '%';
    const char *flags = q;
    while (*q && strchr ("-+ #0'I", *q))
        q++;
    size_t flags_size = (size_t) (q - flags);
    //  Width and precision: digits, or '*' (with its n$ when positional).
    int *star_args [2] = { &spec->width, &spec->prec };
    char sized [2][16] = { "", "" };
    for (int part = 0; part < 2; part++) {
        if (part == 1) {
            if (*q != '.')
                break;
            q++;
        }
        if (*q == '*') {
            q++;
            d = q;
            number = 0;
            while (isdigit ((unsigned char) *d))
                number = number * 10 + (*d++ - '0');
            if (d > q && *d == '$' && number > 0) {
                if (!spec->positional)
                    return false;
                *star_args [part] = number - 1;
                q = d + 1;
            }
            else {
                if (spec->positional)
                    return false;
                *star_args [part] = (*next)++;
            }
            snprintf (sized [part], sizeof sized [part], "%s*", part ? "." : "");
        }
        else {
            d = q;
            while (isdigit ((unsigned char) *q))
                q++;
            if (q - d > 8)
                return false;
            snprintf (sized [part], sizeof sized [part], "%s%.*s", part ? "." : "",
                      (int) (q - d), d);
        }
    }
    char length [3] = "";
    if ((q [0] == 'h' && q [1] == 'h') || (q [0] == 'l' && q [1] == 'l')) {
        memcpy (length, q, 2);
        q += 2;
    }
    else
    if (*q && strchr ("hlLqjzZt", *q))
        length [0] = *q++;
    char conv = *q;
    if (!conv)
        return false;
    q++;
    if (!s_conversion (conv, length, spec))
        return false;
    if (!spec->positional)
        spec->value = (*next)++;
    for (const char *f = flags; f < flags + flags_size; f++) {
        if (*f == '#' && conv == 's')
            spec->term = true;
        else
        if (o < 8)
            out [o++] = *f;
    }
    int n = snprintf (out + o, sizeof out - o, "%s%s%s%c", sized [0], sized [1], length, conv);
    if (n < 0 || (size_t) n >= sizeof out - o)
        return false;
    memcpy (spec->spec, out, o + (size_t) n + 1);
    spec->size = (size_t) (q - p);
    return true;
}

//  The arguments fmt's conversions read, in order, into args. Returns how
//  many, or -1 when fmt is not one mt_text formats (or numbers them).
static int
s_arg_types (const char *fmt, s_arg_t *args)
{
    int count = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        s_spec_t spec;
        int next = count;
        if (!s_parse (p, &next, &spec) || spec.positional)
            return -1;
        p += spec.size - 1;
        if (spec.literal)
            continue;
        if (next > S_MAX_ARGS)
            return -1;
        if (spec.width >= 0)
            args [spec.width] = (s_arg_t) { .cls = S_INT, .kind = 'd' };
        if (spec.prec >= 0)
            args [spec.prec] = (s_arg_t) { .cls = S_INT, .kind = 'd' };
        args [spec.value] = (s_arg_t) { .cls = spec.cls, .kind = spec.kind };
        count = next;
    }
    return count;
}

static void
s_read_args (s_arg_t *args, int count, va_list ap)
{
    for (int i = 0; i < count; i++)
        switch (args [i].cls) {
            case S_INT:      args [i].v.i = va_arg (ap, int); break;
            case S_LONG:     args [i].v.i = va_arg (ap, long); break;
            case S_LLONG:    args [i].v.i = va_arg (ap, long long); break;
            case S_INTMAX:   args [i].v.j = va_arg (ap, intmax_t); break;
            case S_SIZE:     args [i].v.z = va_arg (ap, size_t); break;
            case S_PTRDIFF:  args [i].v.t = va_arg (ap, ptrdiff_t); break;
            case S_DOUBLE:   args [i].v.d = va_arg (ap, double); break;
            case S_LDOUBLE:  args [i].v.ld = va_arg (ap, long double); break;
            case S_STR:      args [i].v.s = va_arg (ap, const char *); break;
            case S_PTR:      args [i].v.p = va_arg (ap, void *); break;
        }
}

static const char *
s_type_name (s_class cls, char kind)
{
    switch (cls) {
        case S_INT:      return kind == 'c' ? "a character (%c)" : kind == 'u'
                                ? "unsigned (%u, %x)" : "int (%d)";
        case S_LONG:     return kind == 'u' ? "unsigned long (%lu)" : "long (%ld)";
        case S_LLONG:    return kind == 'u' ? "unsigned long long (%llu)" : "long long (%lld)";
        case S_INTMAX:   return "intmax_t (%jd)";
        case S_SIZE:     return "size_t (%zu)";
        case S_PTRDIFF:  return "ptrdiff_t (%td)";
        case S_DOUBLE:   return "double (%g, %f)";
        case S_LDOUBLE:  return "long double (%Lg)";
        case S_STR:      return "text (%s)";
        case S_PTR:      return "a pointer (%p)";
    }
    return "?";
}

//  Check zh's conversions against the English arguments: the same class
//  and kind, all numbered or none, each argument used once (when all is
//  true; formatting only needs them to fit). Writes why into why.
static bool
s_fits (const char *zh, const s_arg_t *args, int count, bool all, char *why, size_t why_size)
{
    int used [S_MAX_ARGS] = { 0 };
    int next = 0, positional = -1;
    for (const char *p = zh; *p; p++) {
        if (*p != '%')
            continue;
        s_spec_t spec;
        if (!s_parse (p, &next, &spec)) {
            snprintf (why, why_size, "a conversion it cannot format at \"%.12s\"", p);
            return false;
        }
        p += spec.size - 1;
        if (spec.literal)
            continue;
        if (positional >= 0 && positional != spec.positional) {
            snprintf (why, why_size, "numbered (n$) and unnumbered conversions mixed");
            return false;
        }
        positional = spec.positional;
        int ids [3] = { spec.width, spec.prec, spec.value };
        for (int k = 0; k < 3; k++) {
            if (ids [k] < 0)
                continue;
            if (ids [k] >= count) {
                snprintf (why, why_size, "conversion %d of %d arguments", ids [k] + 1, count);
                return false;
            }
            s_class cls = k < 2 ? S_INT : spec.cls;
            char kind = k < 2 ? 'd' : spec.kind;
            if (args [ids [k]].cls != cls || args [ids [k]].kind != kind) {
                snprintf (why, why_size, "argument %d is %s in English but %s here",
                          ids [k] + 1, s_type_name (args [ids [k]].cls, args [ids [k]].kind),
                          s_type_name (cls, kind));
                return false;
            }
            used [ids [k]]++;
        }
    }
    for (int i = 0; all && i < count; i++)
        if (used [i] != 1) {
            snprintf (why, why_size, "argument %d is used %d times (once, please)", i + 1,
                      used [i]);
            return false;
        }
    return true;
}

//  Append text (size bytes) to out.
typedef struct {
    char *buf;
    size_t size, at;
} s_out_t;

static void
s_put (s_out_t *out, const char *text, size_t size)
{
    if (!out->size)
        return;
    size_t room = out->size - 1 - out->at;
    if (size > room)
        size = room;
    memcpy (out->buf + out->at, text, size);
    out->at += size;
    out->buf [out->at] = '\0';
}

static int
s_int_arg (const s_arg_t *args, int id)
{
    return id >= 0 ? (int) args [id].v.i : 0;
}

//  One conversion with its arguments, appended to out.
static void
s_put_spec (s_out_t *out, const s_spec_t *spec, const s_arg_t *args)
{
    char piece [512];
    int stars [2], n_stars = 0;
    if (spec->width >= 0)
        stars [n_stars++] = s_int_arg (args, spec->width);
    if (spec->prec >= 0)
        stars [n_stars++] = s_int_arg (args, spec->prec);
    const s_arg_t *a = &args [spec->value];
    const char *word = spec->term && a->v.s ? mt_text_term_zh (a->v.s) : NULL;
    int n = 0;
    //  The conversion is built by s_parse from a checked format.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#define S_PRINT(value) \
    n = n_stars == 2 ? snprintf (piece, sizeof piece, spec->spec, stars [0], stars [1], value) \
      : n_stars == 1 ? snprintf (piece, sizeof piece, spec->spec, stars [0], value) \
      : snprintf (piece, sizeof piece, spec->spec, value)
    switch (a->cls) {
        case S_INT:      S_PRINT ((int) a->v.i); break;
        case S_LONG:     S_PRINT ((long) a->v.i); break;
        case S_LLONG:    S_PRINT (a->v.i); break;
        case S_INTMAX:   S_PRINT (a->v.j); break;
        case S_SIZE:     S_PRINT (a->v.z); break;
        case S_PTRDIFF:  S_PRINT (a->v.t); break;
        case S_DOUBLE:   S_PRINT (a->v.d); break;
        case S_LDOUBLE:  S_PRINT (a->v.ld); break;
        case S_STR:      S_PRINT (word ? word : a->v.s ? a->v.s : "(null)"); break;
        case S_PTR:      S_PRINT (a->v.p); break;
    }
#undef S_PRINT
#pragma GCC diagnostic pop
    //  A piece longer than piece (a long text argument): cut on a whole character.
    if (n >= (int) sizeof piece)
        mt_text_trim_utf8 (piece);
    if (n > 0)
        s_put (out, piece, strlen (piece));
}

//  zh formatted with args into out.
static void
s_render (s_out_t *out, const char *zh, const s_arg_t *args)
{
    int next = 0;
    const char *p = zh;
    while (*p) {
        const char *pct = strchr (p, '%');
        if (!pct) {
            s_put (out, p, strlen (p));
            break;
        }
        s_put (out, p, (size_t) (pct - p));
        s_spec_t spec;
        if (!s_parse (pct, &next, &spec))
            break;                      //  checked before: not reached
        if (spec.literal)
            s_put (out, "%", 1);
        else
            s_put_spec (out, &spec, args);
        p = pct + spec.size;
    }
}

//  ---------------------------------------------------------------- the catalog

static int *s_index;            //  slots of catalog rows by English, -1 empty
static size_t s_slots;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static uint64_t
s_hash (const char *text)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *s = (const unsigned char *) text; *s; s++)
        h = (h ^ *s) * 1099511628211ull;
    return h;
}

static void
s_build (void)
{
    size_t slots = 64;
    while (slots < mti_text_catalog_count * 2)
        slots *= 2;
    int *index = malloc (slots * sizeof *index);
    if (!index)
        return;                         //  no Chinese, but no crash
    for (size_t i = 0; i < slots; i++)
        index [i] = -1;
    for (size_t r = 0; r < mti_text_catalog_count; r++) {
        size_t at = (size_t) s_hash (mti_text_catalog [r].en) & (slots - 1);
        while (index [at] >= 0 && strcmp (mti_text_catalog [index [at]].en,
                                           mti_text_catalog [r].en) != 0)
            at = (at + 1) & (slots - 1);
        if (index [at] < 0)
            index [at] = (int) r;       //  the first row of an English wins
    }
    s_slots = slots;
    s_index = index;
}

//  The catalog's row of en, or NULL.
static const mti_text_row_t *
s_row (const char *en)
{
    pthread_once (&s_once, s_build);
    if (!s_index || !en)
        return NULL;
    size_t at = (size_t) s_hash (en) & (s_slots - 1);
    while (s_index [at] >= 0) {
        if (strcmp (mti_text_catalog [s_index [at]].en, en) == 0)
            return &mti_text_catalog [s_index [at]];
        at = (at + 1) & (s_slots - 1);
    }
    return NULL;
}

static const char *
s_table (const mti_text_row_t *rows, size_t count, const char *key)
{
    for (size_t i = 0; key && i < count; i++)
        if (strcmp (rows [i].en, key) == 0)
            return rows [i].zh;
    return NULL;
}

const char *
mt_text_zh (const char *en)
{
    const mti_text_row_t *row = s_row (en);
    if (!row)
        return NULL;
    //  Only a message without conversions is its own text.
    for (const char *p = row->en; (p = strchr (p, '%')); p += 2)
        if (p [1] != '%')
            return NULL;
    return row->zh;
}

const char *
mt_text_term_zh (const char *word)
{
    return s_table (mti_text_terms, mti_text_terms_count, word);
}

const char *
mt_text_code_zh (const char *code)
{
    return s_table (mti_text_codes, mti_text_codes_count, code);
}

void
mt_text_trim_utf8 (char *text)
{
    size_t size = strlen (text);
    if (!size)
        return;
    //  Back to the last lead byte; drop it if its character is incomplete.
    size_t lead = size - 1;
    while (lead > 0 && ((unsigned char) text [lead] & 0xC0) == 0x80 && size - lead < 4)
        lead--;
    unsigned char c = (unsigned char) text [lead];
    size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (size - lead < need)
        text [lead] = '\0';
}

char *
mt_text_fallback_zh (const char *code, const char *en, char *zh, size_t zh_size)
{
    if (!zh_size)
        return zh;
    const char *name = mt_text_code_zh (code);
    if (!name)
        name = "错误";
    snprintf (zh, zh_size, "%s%s%s", name, en && *en ? "：" : "", en ? en : "");
    mt_text_trim_utf8 (zh);
    return zh;
}

bool
mti_text_vrender (char *zh, size_t zh_size, const char *en_fmt, const char *zh_fmt,
                  va_list args)
{
    if (zh_size)
        zh [0] = '\0';
    s_arg_t list [S_MAX_ARGS];
    int count = s_arg_types (en_fmt, list);
    char why [160];
    if (count < 0 || !s_fits (zh_fmt, list, count, false, why, sizeof why))
        return false;
    s_read_args (list, count, args);
    s_out_t out = { zh, zh_size, 0 };
    s_render (&out, zh_fmt, list);
    if (zh_size)
        mt_text_trim_utf8 (zh);
    return true;
}

bool
mti_text_render (char *zh, size_t zh_size, const char *en_fmt, const char *zh_fmt, ...)
{
    va_list args;
    va_start (args, zh_fmt);
    bool done = mti_text_vrender (zh, zh_size, en_fmt, zh_fmt, args);
    va_end (args);
    return done;
}

bool
mti_text_fits (const char *en, const char *zh, char *why, size_t why_size)
{
    s_arg_t list [S_MAX_ARGS];
    int count = s_arg_types (en, list);
    if (count < 0) {
        snprintf (why, why_size, "the English has a conversion mt_text does not format");
        return false;
    }
    return s_fits (zh, list, count, true, why, why_size);
}

bool
mt_text_vformat (char *en, size_t en_size, char *zh, size_t zh_size, const char *fmt,
                 va_list args)
{
    if (zh_size)
        zh [0] = '\0';
    va_list copy;
    va_copy (copy, args);
    if (en_size) {
        vsnprintf (en, en_size, fmt, args);
        mt_text_trim_utf8 (en);
    }
    bool done = false;
    if (strcmp (fmt, "%s") == 0) {
        //  A message passed on as text: its own row, if it has one.
        const char *text = va_arg (copy, const char *);
        const char *translated = mt_text_zh (text);
        if (translated && zh_size) {
            snprintf (zh, zh_size, "%s", translated);
            mt_text_trim_utf8 (zh);
        }
        done = translated != NULL;
    }
    else {
        const mti_text_row_t *row = s_row (fmt);
        done = row && mti_text_vrender (zh, zh_size, fmt, row->zh, copy);
    }
    va_end (copy);
    return done;
}

bool
mt_text_format (char *en, size_t en_size, char *zh, size_t zh_size, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    bool done = mt_text_vformat (en, en_size, zh, zh_size, fmt, args);
    va_end (args);
    return done;
}

//  ---------------------------------------------------------------- languages

bool
mt_text_wants_zh (const char *header)
{
    bool zh = false;
    double best = 0;
    const char *p = header;
    while (p && *p) {
        const char *end = strchr (p, ',');
        if (!end)
            end = p + strlen (p);
        while (p < end && isspace ((unsigned char) *p))
            p++;
        const char *tag = p;
        while (p < end && *p != ';' && !isspace ((unsigned char) *p))
            p++;
        size_t tag_size = (size_t) (p - tag);
        double q = 1;
        const char *param = memchr (p, ';', (size_t) (end - p));
        while (param && param < end) {
            param++;
            while (param < end && isspace ((unsigned char) *param))
                param++;
            if (end - param > 2 && (param [0] == 'q' || param [0] == 'Q') && param [1] == '=')
                q = strtod (param + 2, NULL);
            param = memchr (param, ';', (size_t) (end - param));
        }
        if (tag_size && q > best) {
            best = q;
            zh = (tag_size == 2 || (tag_size > 2 && tag [2] == '-'))
              && tolower ((unsigned char) tag [0]) == 'z'
              && tolower ((unsigned char) tag [1]) == 'h';
        }
        p = *end ? end + 1 : end;
    }
    return zh;
}

//  ---------------------------------------------------------------- checks

size_t
mt_text_count (void)
{
    return mti_text_catalog_count;
}

void
mt_text_row (size_t i, const char **en, const char **zh)
{
    *en = i < mti_text_catalog_count ? mti_text_catalog [i].en : NULL;
    *zh = i < mti_text_catalog_count ? mti_text_catalog [i].zh : NULL;
}

int
mt_text_check (char *report, size_t size)
{
    s_out_t out = { report, report ? size : 0, 0 };
    if (out.size)
        report [0] = '\0';
    int problems = 0;
    char line [1024];
#define S_PROBLEM(...) do { \
        snprintf (line, sizeof line, __VA_ARGS__); \
        s_put (&out, line, strlen (line)); \
        s_put (&out, "\n", 1); \
        problems++; \
    } while (0)
    for (size_t r = 0; r < mti_text_catalog_count; r++) {
        const mti_text_row_t *row = &mti_text_catalog [r];
        char why [160];
        if (!row->zh [0])
            S_PROBLEM ("\"%s\": no Chinese yet", row->en);
        else
        if (!mt_utf8_valid (row->zh, strlen (row->zh)))
            S_PROBLEM ("\"%s\": its Chinese is not UTF-8", row->en);
        else
        if (!mti_text_fits (row->en, row->zh, why, sizeof why))
            S_PROBLEM ("\"%s\" -> \"%s\": %s", row->en, row->zh, why);
        else
        if (strcmp (row->en, "%s") == 0)
            S_PROBLEM ("\"%%s\" is not a message: a text passed on as \"%%s\" is looked up "
                       "itself");
        else
        if (s_row (row->en) != row)
            S_PROBLEM ("\"%s\" is in the catalog twice", row->en);
    }
    for (size_t t = 0; t < mti_text_terms_count; t++)
        if (!mti_text_terms [t].zh [0] || !mt_utf8_valid (mti_text_terms [t].zh, strlen (mti_text_terms [t].zh)))
            S_PROBLEM ("term \"%s\": no Chinese", mti_text_terms [t].en);
    for (size_t c = 0; c < mti_text_codes_count; c++)
        if (!mti_text_codes [c].zh [0] || !mt_utf8_valid (mti_text_codes [c].zh, strlen (mti_text_codes [c].zh)))
            S_PROBLEM ("code \"%s\": no Chinese", mti_text_codes [c].en);
#undef S_PROBLEM
    return problems;
}
