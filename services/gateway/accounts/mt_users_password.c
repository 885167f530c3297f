//  mt_users_password - which passwords an account may have: long enough,
//  not common, not a pattern, not the user's name. The same rules for a
//  new user, an admin's reset and one's own change.
//
//  The lists are common-passwords/*.txt (see its README: zxcvbn's list and
//  passwords common in China), looked up without regard to case, whole, with
//  up to 4 digits or symbols added at the end, or as the unit of a
//  repetition. A cracker tries exactly these first, whatever their length.

#include "gateway/accounts/mt_users.h"
#include "mti_users.h"

#include "base/mt_utf8.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

//  A password is compared in lower case; ASCII letters only (the lists are
//  ASCII).
#define S_LOWER_MAX (MT_USERS_PASSWORD_BYTES + 1)

//  ---------------------------------------------------------------- the lists

static const char **s_sorted;
static size_t s_sorted_count;
static pthread_once_t s_sorted_once = PTHREAD_ONCE_INIT;

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  The lists come most common first; sorted once for binary search.
static void
s_sort (void)
{
    s_sorted = malloc (mti_common_passwords_count * sizeof *s_sorted);
    if (!s_sorted)
        return;
    for (size_t i = 0; i < mti_common_passwords_count; i++)
        if (mti_common_passwords [i][0])
            s_sorted [s_sorted_count++] = mti_common_passwords [i];
    qsort (s_sorted, s_sorted_count, sizeof *s_sorted, s_compare);
}

bool
mti_password_is_common (const char *lower)
{
    pthread_once (&s_sorted_once, s_sort);
    if (!s_sorted) {
        //  Out of memory once: look through the list as it is.
        for (size_t i = 0; i < mti_common_passwords_count; i++)
            if (strcmp (mti_common_passwords [i], lower) == 0)
                return true;
        return false;
    }
    return bsearch (&lower, s_sorted, s_sorted_count, sizeof *s_sorted, s_compare) != NULL;
}

//  ---------------------------------------------------------------- the rules

const char *
mt_password_reason_name (mt_password_reason reason)
{
    switch (reason) {
        case MT_PASSWORD_OK:        return "ok";
        case MT_PASSWORD_TOO_SHORT: return "too_short";
        case MT_PASSWORD_TOO_LONG:  return "too_long";
        case MT_PASSWORD_NOT_TEXT:  return "not_text";
        case MT_PASSWORD_COMMON:    return "common";
        case MT_PASSWORD_PATTERN:   return "pattern";
        case MT_PASSWORD_HAS_NAME:  return "has_name";
        case MT_PASSWORD_SAME:      return "same";
    }
    return "unknown";
}

static void
s_lower (const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text [i] && i + 1 < size; i++)
        out [i] = text [i] >= 'A' && text [i] <= 'Z' ? (char) (text [i] - 'A' + 'a') : text [i];
    out [i] = '\0';
}

//  Runs along the keyboard and the alphabet, either way: a password that is
//  a piece of one is no secret.
static bool
s_is_sequence (const char *lower)
{
    static const char *const runs [] = {
        "01234567890123456789", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "`1234567890-=", "~!@#$%^&*()_+", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
        "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
        "qazwsxedcrfvtgbyhnujmikolp", "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0",
        "1a2b3c4d5e6f7g8h9i"
    };
    size_t n = strlen (lower);
    char reversed [S_LOWER_MAX];
    if (n >= sizeof reversed)
        return false;
    for (size_t i = 0; i < n; i++)
        reversed [i] = lower [n - 1 - i];
    reversed [n] = '\0';
    for (size_t r = 0; r < sizeof runs / sizeof runs [0]; r++)
        if (strstr (runs [r], lower) || strstr (runs [r], reversed))
            return true;
    return false;
}

//  The common lists, whole or with up to 4 digits or symbols added at the
//  end ("dragon2024", "password1!").
static bool
s_is_common (const char *lower)
{
    if (mti_password_is_common (lower))
        return true;
    size_t n = strlen (lower);
    char stem [S_LOWER_MAX];
    if (n >= sizeof stem)
        return false;
    memcpy (stem, lower, n + 1);
    for (size_t cut = 1; cut <= 4 && cut < n; cut++) {
        char c = stem [n - cut];
        bool tail = (c >= '0' && c <= '9') || (c >= '!' && c <= '/') || (c >= ':' && c <= '@')
                 || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
        if (!tail)
            break;
        stem [n - cut] = '\0';
        if (n - cut >= 4 && mti_password_is_common (stem))
            return true;
    }
    return false;
}

//  The shortest unit the text repeats ("abcabcab": 3 bytes), or 0 if it
//  repeats none at least twice.
static size_t
s_period (const char *text)
{
    size_t n = strlen (text);
    for (size_t p = 1; p <= n / 2; p++) {
        size_t i = p;
        while (i < n && text [i] == text [i - p])
            i++;
        if (i == n)
            return p;
    }
    return 0;
}

int
mt_users_password_check (const char *name, const char *password, mt_password_reason *reason,
                         mt_err_t *err)
{
    mt_password_reason why = MT_PASSWORD_OK;
    int rc = MT_OK;
    size_t bytes = password ? strlen (password) : 0;
    bool control = false;
    for (size_t i = 0; i < bytes; i++)
        control |= (unsigned char) password [i] < 0x20 || password [i] == 0x7f;
    char lower [S_LOWER_MAX], lname [64];
    if (bytes > MT_USERS_PASSWORD_BYTES) {
        why = MT_PASSWORD_TOO_LONG;
        rc = mt_err_set (err, MT_EINVAL, "The password is longer than 1024 bytes: choose a "
                         "shorter one.");
    }
    else
    if (password && (!mt_utf8_valid (password, bytes) || control)) {
        why = MT_PASSWORD_NOT_TEXT;
        rc = mt_err_set (err, MT_EINVAL, "The password must be plain text, without control "
                         "characters.");
    }
    else
    if (!password || mt_utf8_chars (password) < MT_USERS_PASSWORD_CHARS) {
        why = MT_PASSWORD_TOO_SHORT;
        rc = mt_err_set (err, MT_EINVAL, "The password is too short: use at least 10 characters "
                         "(a few words you will remember make a good one).");
    }
    if (why == MT_PASSWORD_OK) {
        s_lower (password, lower, sizeof lower);
        s_lower (name ? name : "", lname, sizeof lname);
        size_t period = s_period (lower);
        char unit [S_LOWER_MAX];
        if (period) {
            memcpy (unit, lower, period);
            unit [period] = '\0';
        }
        //  A name of two letters ("li") is in too many good passwords to
        //  refuse them all; from three on ("wei", "zhang") it is not.
        if (strlen (lname) >= 3 && (strstr (lower, lname) || strstr (lname, lower))) {
            why = MT_PASSWORD_HAS_NAME;
            rc = mt_err_set (err, MT_EINVAL, "The password contains the user name: choose one "
                             "that does not.");
        }
        else
        if (s_is_sequence (lower) || (period && (mt_utf8_chars (unit) <= 4
                                                 || s_is_sequence (unit)))) {
            why = MT_PASSWORD_PATTERN;
            rc = mt_err_set (err, MT_EINVAL, "The password is a character or a few characters "
                             "repeated, or a plain sequence such as 1234567890 or qwertyuiop, "
                             "which are guessed first: choose another (a few words you will "
                             "remember make a good one).");
        }
        else
        if (s_is_common (lower) || (period && s_is_common (unit))) {
            why = MT_PASSWORD_COMMON;
            rc = mt_err_set (err, MT_EINVAL, "The password is one of the most common passwords, "
                             "which are guessed first: choose another (a few words you will "
                             "remember make a good one).");
        }
    }
    if (reason)
        *reason = why;
    return rc;
}
