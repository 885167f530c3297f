//  Self-test of the results service's copies of cases in memory
//  (results_casemem): after every kind of change to a case, its faces or
//  its photos (facts corrected, a face excluded, a photo's year corrected,
//  the person of a group photo picked, a photo removed, a new photo, a
//  linked group, closed and reopened, erased, a restored store's faces
//  enrolled again, and SQL written by hand as another process might) what
//  the copies give agrees with the store, trusted at the store's count of
//  changes as a cross-match is, and a copy is used again while nothing
//  changed. Runs on PostgreSQL too (tests/pg/run.sh).

#include "mt_test.h"
#include "mt_test_store.h"

#include "results/results_casemem.h"
#include "results/store/mt_casedb.h"

#include <stdlib.h>
#include <string.h>

static mt_casedb_t *s_db;
static char s_target [1024];
static results_casemem_t *s_mem;
static int64_t s_found, s_other, s_missing, s_photo, s_faces [2];

//  Case id as the copies give it and as the store does, field by field
//  of what weighing reads; then again (nothing changed: from memory).
//  from_store: the first get must read the store (the case changed).
//  Trusted, in a write transaction, as a cross-match's weighing is: the
//  copies checked in the last call were checked at the store's count of
//  changes then, so a change that did not move it is not seen.
static void
s_agree (int64_t id, bool from_store, const char *after)
{
    mt_case_t a, b;
    mt_face_row_t *fa = NULL, *fb = NULL;
    size_t na = 0, nb = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_begin (s_db, &err), MT_OK, &err);
    results_casemem_trust (s_mem, s_db);
    results_casemem_stats_t before = results_casemem_stats (s_mem);
    MT_CHECK_RC (results_casemem_get (s_mem, s_db, id, &a, &fa, &na, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_facts (s_db, id, &b, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_faces_of_case (s_db, id, &fb, &nb, &err), MT_OK, &err);
    bool same = a.id == b.id && a.kind == b.kind && strcmp (a.state, b.state) == 0
             && a.sex == b.sex && a.province == b.province && a.age_min == b.age_min
             && a.age_max == b.age_max && a.birth_year_min == b.birth_year_min
             && a.birth_year_max == b.birth_year_max && a.person_group == b.person_group
             && strcmp (a.date_found, b.date_found) == 0
             && strcmp (a.date_last_seen, b.date_last_seen) == 0 && na == nb;
    for (size_t i = 0; same && i < na; i++) {
        const mt_face_row_t *x = &fa [i], *y = &fb [i];
        same = x->id == y->id && x->photo_id == y->photo_id && x->case_id == y->case_id
            && memcmp (x->box, y->box, sizeof x->box) == 0
            && strcmp (x->verdict, y->verdict) == 0 && x->year_taken == y->year_taken
            && x->age_taken == y->age_taken && x->photo_width == y->photo_width
            && x->photo_height == y->photo_height && x->excluded == y->excluded
            && x->has_embedding2 == y->has_embedding2
            && memcmp (x->embedding, y->embedding, sizeof x->embedding) == 0
            && (!x->has_embedding2
                || memcmp (x->embedding2, y->embedding2, sizeof x->embedding2) == 0);
    }
    if (!same)
        MT_FAIL ("case %lld differs from the store after %s", (long long) id, after);
    results_casemem_stats_t mid = results_casemem_stats (s_mem);
    if (mid.misses != before.misses + (from_store ? 1 : 0))
        MT_FAIL ("case %lld %s the store after %s", (long long) id,
                 from_store ? "was not read from" : "was read again from", after);
    free (fa);
    free (fb);
    MT_CHECK_RC (results_casemem_get (s_mem, s_db, id, &a, &fa, &na, &err), MT_OK, &err);
    results_casemem_stats_t again = results_casemem_stats (s_mem);
    MT_CHECK (na == nb && again.hits == mid.hits + 1);
    //  Nothing changed since the count was read: no version read (but on
    //  PostgreSQL, which keeps no count).
    MT_CHECK_INT (again.checks, mid.checks + (mt_test_store_is_pg () ? 1 : 0));
    free (fa);
    results_casemem_distrust (s_mem);
    MT_CHECK_RC (mt_casedb_commit (s_db, MT_OK, &err), MT_OK, &err);
    //  Untrusted, the version is read.
    MT_CHECK_RC (results_casemem_get (s_mem, s_db, id, &a, &fa, &na, &err), MT_OK, &err);
    MT_CHECK_INT (results_casemem_stats (s_mem).checks, again.checks + 1);
    free (fa);
}

//  A photo of count faces for case_id, described (its faces' first
//  values from seed on), its faces enrolled; the photo's id.
static int64_t
s_photo_of (int64_t case_id, const char *sha, int count, float seed, int64_t *faces_p)
{
    mt_err_t err;
    int64_t photo = 0;
    MT_CHECK_RC (mt_casedb_photo_add (s_db, case_id, sha, 100, 0, "staff", &photo, NULL, &err),
                 MT_OK, &err);
    mt_photo_row_t row;
    MT_CHECK_RC (mt_casedb_photo_claim (s_db, 60, &row, &err), MT_OK, &err);
    static float e [2][MT_EMBEDDING_DIM], e2 [2][MT_EMBEDDING2_DIM];
    mt_new_face_t faces [2];
    for (int i = 0; i < count && i < 2; i++) {
        e [i][0] = seed + (float) i, e2 [i][1] = seed - (float) i;
        faces [i] = (mt_new_face_t) { .box = { 10 + 100 * i, 20, 90, 90 }, .size_px = 90,
                                      .sharpness = 50, .verdict = "ok", .embedding = e [i],
                                      .embedding2 = e2 [i], .descriptor2 = "mfn-test" };
    }
    MT_CHECK_RC (mt_casedb_photo_done (s_db, photo, 640, 480, "jpeg", faces, (size_t) count,
                                       &err), MT_OK, &err);
    mt_face_row_t *rows = NULL;
    size_t n = 0;
    MT_CHECK_RC (mt_casedb_photo_faces (s_db, photo, &rows, &n, &err), MT_OK, &err);
    for (size_t i = 0; i < n; i++) {
        MT_CHECK_RC (mt_casedb_faces_mark_enrolled (s_db, &rows [i].id, 1, &err), MT_OK, &err);
        if (faces_p && i < 2)
            faces_p [i] = rows [i].id;
    }
    free (rows);
    return photo;
}

static void
s_setup (void)
{
    char path [512];
    snprintf (path, sizeof path, "%s/casemem.db", mt_test_tmpdir ());
    mt_test_store_new (s_target, sizeof s_target, path);
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_open (s_target, &s_db, &err), MT_OK, &err);
    s_mem = results_casemem_new (1 << 20);
    MT_CHECK (s_mem != NULL);
    if (!s_db || !s_mem)
        return;
    mt_case_t f = mt_test_found_case (), g = mt_test_found_case (),
              m = mt_test_missing_case ();
    snprintf (g.external_ref, sizeof g.external_ref, "casemem-other");
    MT_CHECK_RC (mt_casedb_case_add (s_db, &f, "staff", &s_found, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (s_db, &g, "staff", &s_other, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_case_add (s_db, &m, "staff", &s_missing, NULL, &err), MT_OK, &err);
    s_photo = s_photo_of (s_found, "ab00000000000000000000000000000000000000000000000000000000000001",
                          2, 0.5f, s_faces);
    s_photo_of (s_other, "ab00000000000000000000000000000000000000000000000000000000000002", 1,
                0.25f, NULL);
    s_photo_of (s_missing, "ab00000000000000000000000000000000000000000000000000000000000003",
                1, 0.75f, NULL);
}

static void
test_first_read (void)
{
    s_agree (s_found, true, "the first read");
    s_agree (s_other, true, "the first read");
    s_agree (s_missing, true, "the first read");
    //  An unknown case is refused, and not kept.
    mt_case_t c;
    mt_face_row_t *faces = NULL;
    size_t n = 0;
    mt_err_t err;
    MT_CHECK_RC (results_casemem_get (s_mem, s_db, 999999, &c, &faces, &n, &err), MT_ENOTFOUND,
                 &err);
    MT_CHECK (faces == NULL && n == 0);
}

static void
test_changes (void)
{
    mt_err_t err;
    //  Facts corrected.
    mt_case_t c;
    MT_CHECK_RC (mt_casedb_case_get (s_db, s_found, &c, &err), MT_OK, &err);
    c.age_min = 50, c.age_max = 55, c.province = 51;
    MT_CHECK_RC (mt_casedb_case_update (s_db, &c, "age, province", "staff", &err), MT_OK, &err);
    s_agree (s_found, true, "its facts corrected");
    s_agree (s_missing, false, "another case's facts corrected");
    //  A face excluded, and taken back.
    MT_CHECK_RC (mt_casedb_face_exclude (s_db, s_faces [1], true, "a poster", "staff", &err),
                 MT_OK, &err);
    s_agree (s_found, true, "a face excluded");
    MT_CHECK_RC (mt_casedb_face_exclude (s_db, s_faces [1], false, NULL, "staff", &err), MT_OK,
                 &err);
    s_agree (s_found, true, "a face taken back");
    //  Its photo's year and age corrected.
    MT_CHECK_RC (mt_casedb_photo_taken (s_db, s_photo, 2019, 48, "staff", &err), MT_OK, &err);
    s_agree (s_found, true, "a photo's year corrected");
    //  The person of the group photo picked: the other face leaves.
    MT_CHECK_RC (mt_casedb_photo_person (s_db, s_photo, s_faces [0], "staff", &err), MT_OK,
                 &err);
    s_agree (s_found, true, "the person of a photo picked");
    //  A new photo, then the first one removed.
    s_photo_of (s_found, "ab00000000000000000000000000000000000000000000000000000000000004", 1,
                0.125f, NULL);
    s_agree (s_found, true, "a new photo described");
    MT_CHECK_RC (mt_casedb_photo_remove (s_db, s_photo, "wrong person", "staff", &err), MT_OK,
                 &err);
    s_agree (s_found, true, "a photo removed");
    //  Linked as one person (both records' group), then unlinked.
    MT_CHECK_RC (mt_casedb_same_put (s_db, s_found, s_other, 9, 0.3, NULL, 0, &err), MT_OK,
                 &err);
    MT_CHECK_RC (mt_casedb_same_decide (s_db, s_found, s_other, "same", NULL, false, "police",
                                        &err), MT_OK, &err);
    s_agree (s_found, true, "linked");
    s_agree (s_other, true, "linked");
    MT_CHECK_RC (mt_casedb_same_decide (s_db, s_found, s_other, "different", "no", true, "admin",
                                        &err), MT_OK, &err);
    s_agree (s_found, true, "unlinked");
    s_agree (s_other, true, "unlinked");
    //  Closed, and reopened.
    MT_CHECK_RC (mt_casedb_case_close (s_db, s_missing, "found by police", "staff", &err), MT_OK,
                 &err);
    s_agree (s_missing, true, "closed");
    MT_CHECK_RC (mt_casedb_case_reopen (s_db, s_missing, "closed by mistake", "admin", &err),
                 MT_OK, &err);
    s_agree (s_missing, true, "reopened");
}

//  Written by hand, as another process or a command would: the store's
//  triggers change the version whoever writes.
static void
test_written_by_hand (void)
{
    char sql [256], why [256];
    snprintf (sql, sizeof sql, "UPDATE photos SET year_taken = 1990 WHERE case_id = %lld",
              (long long) s_other);
    MT_CHECK_INT (mt_test_store_exec (s_target, sql, why, sizeof why), 0);
    s_agree (s_other, true, "a photo's year written by hand");
    snprintf (sql, sizeof sql, "UPDATE faces SET excluded = 1 WHERE case_id = %lld",
              (long long) s_other);
    MT_CHECK_INT (mt_test_store_exec (s_target, sql, why, sizeof why), 0);
    s_agree (s_other, true, "a face excluded by hand");
    snprintf (sql, sizeof sql, "UPDATE cases SET sex = 'female' WHERE id = %lld",
              (long long) s_other);
    MT_CHECK_INT (mt_test_store_exec (s_target, sql, why, sizeof why), 0);
    s_agree (s_other, true, "a fact written by hand");
    //  A case deleted by hand is gone, trusted or not.
    mt_case_t lone = mt_test_missing_case ();
    snprintf (lone.external_ref, sizeof lone.external_ref, "casemem-lone");
    int64_t id = 0;
    mt_err_t err;
    MT_CHECK_RC (mt_casedb_case_add (s_db, &lone, "staff", &id, NULL, &err), MT_OK, &err);
    s_agree (id, true, "the first read");
    snprintf (sql, sizeof sql, "DELETE FROM cases WHERE id = %lld", (long long) id);
    MT_CHECK_INT (mt_test_store_exec (s_target, sql, why, sizeof why), 0);
    mt_case_t c;
    mt_face_row_t *faces = NULL;
    size_t n = 0;
    MT_CHECK_RC (mt_casedb_begin (s_db, &err), MT_OK, &err);
    results_casemem_trust (s_mem, s_db);
    MT_CHECK_RC (results_casemem_get (s_mem, s_db, id, &c, &faces, &n, &err), MT_ENOTFOUND, &err);
    results_casemem_distrust (s_mem);
    MT_CHECK_RC (mt_casedb_commit (s_db, MT_OK, &err), MT_OK, &err);
    free (faces);
}

static void
test_erased_and_restored (void)
{
    mt_err_t err;
    //  A restored store's faces are enrolled again (each one changes).
    MT_CHECK_RC (mt_casedb_restored (s_db, &err), MT_OK, &err);
    s_agree (s_found, true, "the store restored");
    s_agree (s_other, true, "the store restored");
    s_agree (s_missing, true, "the store restored");
    //  Erased entirely: its faces and photos go, its facts blanked.
    MT_CHECK_RC (mt_casedb_case_close (s_db, s_found, "reunited", "staff", &err), MT_OK, &err);
    MT_CHECK_RC (mt_casedb_erase (s_db, s_found, MT_ERASE_ALL, "admin", &err), MT_OK, &err);
    s_agree (s_found, true, "erased");
    s_agree (s_missing, false, "another case erased");
}

//  Past its budget the copies least used go, and what is left agrees.
static void
test_budget (void)
{
    results_casemem_t *small = results_casemem_new (1);
    MT_CHECK (small != NULL);
    mt_case_t c;
    mt_face_row_t *faces = NULL;
    size_t n = 0;
    mt_err_t err;
    for (int round = 0; small && round < 3; round++) {
        MT_CHECK_RC (results_casemem_get (small, s_db, s_missing, &c, &faces, &n, &err), MT_OK,
                     &err);
        MT_CHECK (n == 1 && c.id == s_missing);
        free (faces);
    }
    results_casemem_stats_t stats = { 0 };
    if (small)
        stats = results_casemem_stats (small);
    MT_CHECK (stats.cases == 0 && stats.misses == 3);
    results_casemem_destroy (&small);
    stats = results_casemem_stats (s_mem);
    MT_CHECK (stats.cases >= 3 && stats.bytes > 3 * sizeof (mt_face_row_t));
}

int
main (void)
{
    s_setup ();
    if (s_db && s_mem) {
        MT_RUN (test_first_read);
        MT_RUN (test_changes);
        MT_RUN (test_written_by_hand);
        MT_RUN (test_erased_and_restored);
        MT_RUN (test_budget);
    }
    results_casemem_destroy (&s_mem);
    mt_casedb_close (&s_db);
    return MT_TEST_MAIN_END ();
}
