//  Self-test of mt_text (the catalog's Chinese, formatted with the English
//  arguments; Accept-Language) and of mt_error's two languages.

#include "mt_test.h"

#include "base/mt_error.h"
#include "base/mt_text.h"
#include "base/mti_text.h"

#include <inttypes.h>
#include <pthread.h>

//  Every row of the catalog: UTF-8, the English conversions, once.
static void
test_catalog (void)
{
    static char report [1 << 16];
    int problems = mt_text_check (report, sizeof report);
    if (problems)
        fprintf (stderr, "the catalog (libmatch/base/mt_text_catalog.c) has %d problem(s):\n%s",
                 problems, report);
    MT_CHECK_INT (problems, 0);
    MT_CHECK (mt_text_count () > 300);
    //  Every result code has its Chinese name.
    for (int rc = 0; rc < MT_RC_COUNT; rc++) {
        if (!mt_text_code_zh (mt_rc_name (rc)))
            fprintf (stderr, "code %s has no Chinese in mti_text_codes\n", mt_rc_name (rc));
        MT_CHECK (mt_text_code_zh (mt_rc_name (rc)) != NULL);
    }
    MT_CHECK (strcmp (mt_strerror_zh (MT_ENOTFOUND), "未找到") == 0);
    MT_CHECK (strcmp (mt_strerror_zh (-1), "未知错误") == 0);
}

//  The checker catches what would print the wrong thing.
static void
test_fits (void)
{
    char why [160];
    MT_CHECK (mti_text_fits ("%s is longer than %zu characters", "%#s超过 %zu 个字",
                             why, sizeof why));
    MT_CHECK (mti_text_fits ("%s '%s' is in the future", "%1$s %2$s 晚于今天", why, sizeof why));
    MT_CHECK (mti_text_fits ("cases %lld and %lld are %s", "%3$s：%2$lld 与 %1$lld", why,
                             sizeof why));
    MT_CHECK (mti_text_fits ("%.*s and %d%%", "%2$d%% 与 %1$.*3$s", why, sizeof why) == false);
    MT_CHECK (mti_text_fits ("%.*s and %d%%", "%.*s 与 %d%%", why, sizeof why));
    MT_CHECK (mti_text_fits ("copy %" PRIu64 " is gone", "副本 %" PRIu64 " 已不在", why,
                             sizeof why));
    //  Wrong type, too few, twice, mixed, unknown.
    MT_CHECK (!mti_text_fits ("%s has %zu bytes", "%s 有 %d 字节", why, sizeof why));
    MT_CHECK_CONTAINS (why, "size_t");
    MT_CHECK (!mti_text_fits ("%s has %zu bytes", "%s 太大", why, sizeof why));
    MT_CHECK_CONTAINS (why, "argument 2");
    MT_CHECK (!mti_text_fits ("%s", "%1$s %1$s", why, sizeof why));
    MT_CHECK (!mti_text_fits ("%s %d", "%2$d %s", why, sizeof why));
    MT_CHECK_CONTAINS (why, "mixed");
    MT_CHECK (!mti_text_fits ("%s", "%s %s", why, sizeof why));
    MT_CHECK (!mti_text_fits ("%d", "%n", why, sizeof why));
    MT_CHECK (!mti_text_fits ("%lld", "%ld", why, sizeof why));
    MT_CHECK (!mti_text_fits ("%u", "%d", why, sizeof why));
}

//  The Chinese is formatted with the English arguments, reordered.
static void
test_render (void)
{
    char zh [128];
    MT_CHECK (mti_text_render (zh, sizeof zh, "cases %lld and %lld are both %s cases",
                               "案件 %1$lld 和 %2$lld 都是%3$s", 12LL, 34LL, "found"));
    MT_CHECK (strcmp (zh, "案件 12 和 34 都是found") == 0);
    MT_CHECK (mti_text_render (zh, sizeof zh, "%s '%s' is in the future", "%2$s：%1$#s晚于今天",
                               "date found", "2999-01-01"));
    MT_CHECK (strcmp (zh, "2999-01-01：发现日期晚于今天") == 0);
    MT_CHECK (mti_text_render (zh, sizeof zh, "%s is longer than %zu characters",
                               "%#s超过 %zu 个字", "notes", (size_t) 500));
    MT_CHECK (strcmp (zh, "备注超过 500 个字") == 0);
    //  A word the terms table lacks stays as it is.
    MT_CHECK (mti_text_render (zh, sizeof zh, "%s is longer than %zu characters",
                               "%#s超过 %zu 个字", "whatever", (size_t) 5));
    MT_CHECK (strcmp (zh, "whatever超过 5 个字") == 0);
    //  Width, precision, stars, floating point, 100%.
    MT_CHECK (mti_text_render (zh, sizeof zh, "%5.2f of %.*s at %d%%", "%3$d%%：%1$5.2f，%2$.*4$s",
                               3.14159, 3, "abcdef", 42) == false);
    MT_CHECK (mti_text_render (zh, sizeof zh, "%5.2f of %.*s at %d%%", "%5.2f，%.*s，%d%%",
                               3.14159, 3, "abcdef", 42));
    MT_CHECK (strcmp (zh, " 3.14，abc，42%") == 0);
    MT_CHECK (mti_text_render (zh, sizeof zh, "%.*s then %g", "%3$g 然后 %1$.*2$s", 3, "abcdef",
                               0.5) == false);
    MT_CHECK (mti_text_render (zh, sizeof zh, "copy %" PRIu64 " of %zu", "%2$zu 中的第 %1$" PRIu64
                               " 份", (uint64_t) 1ull << 40, (size_t) 7));
    MT_CHECK (strcmp (zh, "7 中的第 1099511627776 份") == 0);
    //  A Chinese that does not take the arguments gives nothing (no wrong read).
    MT_CHECK (!mti_text_render (zh, sizeof zh, "%s has %zu", "%d", "x", (size_t) 1));
    MT_CHECK (zh [0] == '\0');
    //  Cut to fit: on a whole character.
    char small [8];
    MT_CHECK (mti_text_render (small, sizeof small, "%s", "%s：好", "ab"));
    MT_CHECK (strcmp (small, "ab：") == 0);       //  5 bytes; 好 would need 3 more
    char tiny [5];
    MT_CHECK (mti_text_render (tiny, sizeof tiny, "%s", "中文%s", "x"));
    MT_CHECK (strcmp (tiny, "中") == 0);
}

static void
test_trim (void)
{
    char text [16];
    snprintf (text, sizeof text, "%s", "ab\xe4\xb8");      //  中 without its last byte
    mt_text_trim_utf8 (text);
    MT_CHECK (strcmp (text, "ab") == 0);
    snprintf (text, sizeof text, "%s", "ab中");
    mt_text_trim_utf8 (text);
    MT_CHECK (strcmp (text, "ab中") == 0);
    snprintf (text, sizeof text, "%s", "\xf0\x9f\x98");     //  an emoji cut short
    mt_text_trim_utf8 (text);
    MT_CHECK (strcmp (text, "") == 0);
    text [0] = '\0';
    mt_text_trim_utf8 (text);
    MT_CHECK (text [0] == '\0');
}

//  mt_err_set, mt_err_copy and mt_err_wrap fill both languages.
static void
test_errors (void)
{
    mt_err_t err, inner;
    //  A message of the catalog.
    mt_err_set (&err, MT_ENOTFOUND, "there is no case %lld", 42LL);
    MT_CHECK (strcmp (err.msg, "there is no case 42") == 0);
    MT_CHECK_CONTAINS (err.msg_zh, "42");
    MT_CHECK (strcmp (err.msg_zh, err.msg) != 0);
    //  One it lacks: the code's Chinese, then the English.
    mt_err_set (&err, MT_ENOTFOUND, "not in the catalog: %d", 7);
    MT_CHECK (strcmp (err.msg_zh, "未找到：not in the catalog: 7") == 0);
    //  A text passed on as "%s" is looked up itself.
    mt_err_set (&err, MT_EINVAL, "%s", "sign in first");
    MT_CHECK (strcmp (err.msg, "sign in first") == 0);
    MT_CHECK (strcmp (err.msg_zh, mt_text_zh ("sign in first")) == 0);
    //  An argument that is err's own message.
    mt_err_set (&err, MT_EIO, "cannot read '%s': %s", "a.jpg", "No such file");
    mt_err_set (&err, MT_EIO, "cannot open users %s: %s", "users.db", err.msg);
    MT_CHECK (strcmp (err.msg, "cannot open users users.db: cannot read 'a.jpg': "
                               "No such file") == 0);
    MT_CHECK_CONTAINS (err.msg_zh, "users.db");
    MT_CHECK_CONTAINS (err.msg_zh, "cannot read 'a.jpg'");
    //  Copy and wrap keep the inner Chinese.
    mt_err_set (&inner, MT_EINVAL, "unknown setting '%s'", "colour");
    mt_err_copy (&err, MT_EUNAVAILABLE, &inner);
    MT_CHECK_INT (err.code, MT_EUNAVAILABLE);
    MT_CHECK (strcmp (err.msg, inner.msg) == 0 && strcmp (err.msg_zh, inner.msg_zh) == 0);
    mt_err_wrap (&err, MT_EINVAL, &inner, "%s:%d", "hw.conf", 3);
    MT_CHECK (strcmp (err.msg, "hw.conf:3: unknown setting 'colour'") == 0);
    MT_CHECK_CONTAINS (err.msg_zh, "hw.conf");
    MT_CHECK_CONTAINS (err.msg_zh, inner.msg_zh);
    //  Wrapped in itself.
    mt_err_wrap (&inner, MT_EINVAL, &inner, "environment %s", "HOMEWARD_X");
    MT_CHECK (strcmp (inner.msg, "environment HOMEWARD_X: unknown setting 'colour'") == 0);
    mt_err_clear (&err);
    MT_CHECK (err.code == MT_OK && !err.msg [0] && !err.msg_zh [0]);
    //  NULL is fine.
    MT_CHECK_INT (mt_err_set (NULL, MT_EIO, "x %d", 1), MT_EIO);
    MT_CHECK_INT (mt_err_copy (NULL, MT_EIO, &inner), MT_EIO);
    //  A long argument: both cut on a whole character, still UTF-8.
    char big [1200];
    size_t at = 0;
    while (at + 3 < sizeof big) {
        memcpy (big + at, "中", 3);
        at += 3;
    }
    big [at] = '\0';
    mt_err_set (&err, MT_EINVAL, "%s is longer than %zu characters", big, (size_t) 5);
    MT_CHECK (strlen (err.msg) < MT_ERR_MSG_MAX && strlen (err.msg) % 3 == 0);
    MT_CHECK (strlen (err.msg_zh) < MT_ERR_MSG_ZH_MAX && strlen (err.msg_zh) % 3 == 0);
}

static void
test_languages (void)
{
    MT_CHECK (mt_text_wants_zh ("zh-CN"));
    MT_CHECK (mt_text_wants_zh ("zh"));
    MT_CHECK (mt_text_wants_zh ("zh-Hans-CN,zh;q=0.9,en;q=0.8"));
    MT_CHECK (mt_text_wants_zh ("ZH-cn"));
    MT_CHECK (mt_text_wants_zh ("en;q=0.5, zh-CN"));
    MT_CHECK (mt_text_wants_zh (" en-US ; q=0.3 ,zh;q=0.7"));
    MT_CHECK (!mt_text_wants_zh (NULL));
    MT_CHECK (!mt_text_wants_zh (""));
    MT_CHECK (!mt_text_wants_zh ("en"));
    MT_CHECK (!mt_text_wants_zh ("en-US,en;q=0.9,zh-CN;q=0.8"));
    MT_CHECK (!mt_text_wants_zh ("zh-CN;q=0"));
    MT_CHECK (!mt_text_wants_zh ("*"));
    MT_CHECK (!mt_text_wants_zh ("zhx"));
    MT_CHECK (!mt_text_wants_zh ("en, zh-CN"));      //  equal q: the first
}

//  Many threads look up at once (the index is built once).
static void *
s_lookup (void *arg)
{
    (void) arg;
    for (int i = 0; i < 2000; i++) {
        mt_err_t err;
        mt_err_set (&err, MT_ENOTFOUND, "there is no case %lld", (long long) i);
        if (strcmp (err.msg_zh, "未找到：there is no case 0") == 0)
            return (void *) 1;
    }
    return NULL;
}

static void
test_threads (void)
{
    pthread_t threads [8];
    for (int i = 0; i < 8; i++)
        pthread_create (&threads [i], NULL, s_lookup, NULL);
    for (int i = 0; i < 8; i++) {
        void *out;
        pthread_join (threads [i], &out);
        MT_CHECK (out == NULL);
    }
}

int
main (void)
{
    MT_RUN (test_catalog);
    MT_RUN (test_fits);
    MT_RUN (test_render);
    MT_RUN (test_trim);
    MT_RUN (test_errors);
    MT_RUN (test_languages);
    MT_RUN (test_threads);
    return MT_TEST_MAIN_END ();
}
