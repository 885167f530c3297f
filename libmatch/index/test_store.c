//  Self-test of mt_gallery and mt_store: search, filters, digests, the log,
//  snapshots, torn writes, and kill -9 in the middle of writing.

#include "mt_test.h"

#include "index/mt_gallery.h"
#include "index/mt_store.h"
#include "base/mt_dir.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIM 128

static void
s_faces (uint64_t first, size_t n, mt_face_meta_t *meta, float *vectors)
{
    for (size_t i = 0; i < n; i++) {
        meta [i].face_id = first + i;
        meta [i].case_id = 1000 + (first + i) / 3;      //  three faces per case
        meta [i].province = (uint32_t) (11 + (first + i) % 4);
        mt_test_vector (first + i, 1, DIM, vectors + i * DIM);
    }
}

static void
test_gallery (void)
{
    mt_gallery_t *g;
    mt_err_t err;
    MT_CHECK_RC (mt_gallery_new (NULL, DIM, &g, &err), MT_OK, &err);
    mt_face_meta_t meta [100];
    float vectors [100 * DIM];
    s_faces (1, 100, meta, vectors);
    size_t added;
    MT_CHECK_RC (mt_gallery_add (g, 100, meta, vectors, &added, &err), MT_OK, &err);
    MT_CHECK_INT (added, 100);
    uint64_t digest = mt_gallery_digest (g);
    MT_CHECK_RC (mt_gallery_add (g, 10, meta, vectors, &added, &err), MT_OK, &err);
    MT_CHECK_INT (added, 0);                    //  already there
    MT_CHECK_INT (mt_gallery_size (g), 100);
    MT_CHECK (mt_gallery_digest (g) == digest);

    //  Each stored vector finds itself first, at distance 0.
    mt_hit_t hits [3 * 5];
    size_t counts [3];
    float queries [3 * DIM];
    memcpy (queries, vectors + 7 * DIM, DIM * 4);
    memcpy (queries + DIM, vectors + 42 * DIM, DIM * 4);
    memcpy (queries + 2 * DIM, vectors + 99 * DIM, DIM * 4);
    MT_CHECK_RC (mt_gallery_search (g, 3, queries, 5, NULL, 0, hits, counts, &err), MT_OK, &err);
    MT_CHECK_INT (counts [0], 5);
    MT_CHECK_INT (hits [0].face_id, 8);
    MT_CHECK_INT (hits [5].face_id, 43);
    MT_CHECK_INT (hits [10].face_id, 100);
    MT_CHECK_NEAR (hits [0].distance, 0, 1e-3);
    MT_CHECK_INT (hits [0].case_id, 1000 + 8 / 3);
    MT_CHECK (hits [1].distance >= hits [0].distance);

    //  Province filter: only province 13, and exactly the nearest of them.
    uint32_t only = 13;
    MT_CHECK_RC (mt_gallery_search (g, 1, queries, 5, &only, 1, hits, counts, &err), MT_OK, &err);
    MT_CHECK_INT (counts [0], 5);
    for (size_t i = 0; i < counts [0]; i++)
        MT_CHECK_INT (hits [i].province, 13);
    //  Compare with brute force over province 13.
    float best = 1e9f;
    for (int i = 0; i < 100; i++)
        if (meta [i].province == 13) {
            float d = 0;
            for (int k = 0; k < DIM; k++)
                d += (vectors [i * DIM + k] - queries [k]) * (vectors [i * DIM + k] - queries [k]);
            best = sqrtf (d) < best ? sqrtf (d) : best;
        }
    MT_CHECK_NEAR (hits [0].distance, best, 1e-4);
    uint32_t none = 99;
    MT_CHECK_RC (mt_gallery_search (g, 1, queries, 5, &none, 1, hits, counts, &err), MT_OK, &err);
    MT_CHECK_INT (counts [0], 0);

    //  Removal by id and by case; the digest is order-free.
    uint64_t ids [2] = { 8, 8 };
    size_t removed;
    MT_CHECK_RC (mt_gallery_remove (g, 2, ids, 0, &removed, &err), MT_OK, &err);
    MT_CHECK_INT (removed, 1);
    MT_CHECK (!mt_gallery_contains (g, 8, NULL));
    MT_CHECK_RC (mt_gallery_remove (g, 0, NULL, 1000 + 42 / 3, &removed, &err), MT_OK, &err);
    MT_CHECK_INT (removed, 3);
    MT_CHECK_INT (mt_gallery_size (g), 96);
    MT_CHECK_RC (mt_gallery_search (g, 1, queries + DIM, 1, NULL, 0, hits, counts, &err), MT_OK,
                 &err);
    MT_CHECK (hits [0].face_id != 43);

    mt_gallery_t *h;
    MT_CHECK_RC (mt_gallery_new (NULL, DIM, &h, &err), MT_OK, &err);
    for (int i = 99; i >= 0; i--)       //  reverse order, same content
        if (i != 7 && (1000 + (i + 1) / 3) != 1000 + 42 / 3)
            mt_gallery_add (h, 1, &meta [i], vectors + i * DIM, NULL, &err);
    MT_CHECK_INT (mt_gallery_size (h), 96);
    MT_CHECK (mt_gallery_digest (h) == mt_gallery_digest (g));

    //  Write and read back.
    char path [512];
    snprintf (path, sizeof path, "%s/gallery.bin", mt_test_tmpdir ());
    FILE *file = fopen (path, "wb");
    MT_CHECK_RC (mt_gallery_write (g, file, &err), MT_OK, &err);
    fclose (file);
    mt_gallery_t *back;
    file = fopen (path, "rb");
    MT_CHECK_RC (mt_gallery_read (file, &back, &err), MT_OK, &err);
    fclose (file);
    if (back) {
        MT_CHECK_INT (mt_gallery_size (back), 96);
        MT_CHECK (mt_gallery_digest (back) == mt_gallery_digest (g));
    }
    mt_gallery_destroy (&back);
    mt_gallery_destroy (&h);
    mt_gallery_destroy (&g);
}

static mt_store_t *
s_open (const char *dir, uint64_t snapshot_ops)
{
    mt_store_config_t config = { .dir = dir, .dim = DIM, .snapshot_ops = snapshot_ops,
                                 .sync = true };
    mt_store_t *store = NULL;
    mt_err_t err;
    MT_CHECK_RC (mt_store_open (&config, &store, &err), MT_OK, &err);
    return store;
}

static void
test_store_reopen (void)
{
    char dir [512];
    snprintf (dir, sizeof dir, "%s/store1", mt_test_tmpdir ());
    mt_store_t *store = s_open (dir, 7);
    if (!store)
        return;
    mt_face_meta_t meta [10];
    float vectors [10 * DIM];
    mt_err_t err;
    for (uint64_t batch = 0; batch < 20; batch++) {
        s_faces (1 + batch * 10, 10, meta, vectors);
        MT_CHECK_RC (mt_store_enroll (store, 0, batch % 2 ? MT_NS_FOUND : MT_NS_MISSING, 10,
                                      meta, vectors, NULL, &err), MT_OK, &err);
    }
    uint64_t ids [3] = { 5, 15, 77 };
    size_t removed;
    MT_CHECK_RC (mt_store_remove (store, 0, 3, ids, 1000 + 150 / 3, &removed, &err), MT_OK,
                 &err);
    MT_CHECK_INT (removed, 6);
    MT_CHECK_INT (mt_store_seq (store), 21);
    //  A write sequence must move forward.
    MT_CHECK_RC (mt_store_remove (store, 21, 1, ids, 0, NULL, &err), MT_EINVAL, &err);
    uint64_t digest = mt_store_digest (store);
    size_t missing = mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING));
    size_t found = mt_gallery_size (mt_store_gallery (store, MT_NS_FOUND));
    MT_CHECK_INT (missing + found, 194);
    mt_store_close (&store);

    //  Snapshot (every 7 writes) plus log replay give the same state.
    store = s_open (dir, 7);
    if (!store)
        return;
    MT_CHECK_INT (mt_store_seq (store), 21);
    MT_CHECK (mt_store_digest (store) == digest);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING)), missing);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_FOUND)), found);

    //  Export to a peer and import there.
    char copy [600], other [600];
    snprintf (copy, sizeof copy, "%s/export.snap", mt_test_tmpdir ());
    snprintf (other, sizeof other, "%s/store2", mt_test_tmpdir ());
    MT_CHECK_RC (mt_store_export (store, copy, &err), MT_OK, &err);
    mt_store_t *peer = s_open (other, 0);
    if (peer) {
        MT_CHECK_RC (mt_store_import (peer, copy, &err), MT_OK, &err);
        MT_CHECK (mt_store_digest (peer) == digest);
        MT_CHECK_INT (mt_store_seq (peer), 21);
        mt_store_close (&peer);
        peer = s_open (other, 0);
        MT_CHECK (peer && mt_store_digest (peer) == digest);
        mt_store_close (&peer);
    }
    mt_store_close (&store);
}

//  Garbage after the last whole record (a write cut by a crash) is cut off;
//  every whole record stays.
static void
test_torn_log (void)
{
    char dir [512], log [600];
    snprintf (dir, sizeof dir, "%s/store3", mt_test_tmpdir ());
    snprintf (log, sizeof log, "%s/oplog", dir);
    mt_store_t *store = s_open (dir, 0);
    if (!store)
        return;
    mt_face_meta_t meta [4];
    float vectors [4 * DIM];
    mt_err_t err;
    s_faces (1, 4, meta, vectors);
    MT_CHECK_RC (mt_store_enroll (store, 0, MT_NS_MISSING, 4, meta, vectors, NULL, &err), MT_OK,
                 &err);
    uint64_t digest = mt_store_digest (store);
    mt_store_close (&store);
    FILE *file = fopen (log, "ab");
    uint32_t len = 5000, crc = 1;
    fwrite (&len, 4, 1, file);
    fwrite (&crc, 4, 1, file);
    fwrite ("partial", 7, 1, file);
    fclose (file);
    store = s_open (dir, 0);
    if (!store)
        return;
    MT_CHECK (mt_store_digest (store) == digest);
    s_faces (5, 4, meta, vectors);
    MT_CHECK_RC (mt_store_enroll (store, 0, MT_NS_MISSING, 4, meta, vectors, NULL, &err), MT_OK,
                 &err);
    digest = mt_store_digest (store);
    mt_store_close (&store);
    store = s_open (dir, 0);
    MT_CHECK (store && mt_store_digest (store) == digest);
    MT_CHECK (store && mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING)) == 8);
    mt_store_close (&store);
}

//  A child enrolls faces one write at a time and reports each acknowledged
//  face id; it is killed with SIGKILL at some moment (twice, in different
//  places, once during snapshots). Every reported id must be there after.
static void
test_kill_during_writes (void)
{
    for (int round = 0; round < 3; round++) {
        char dir [512];
        snprintf (dir, sizeof dir, "%s/crash%d", mt_test_tmpdir (), round);
        int fds [2];
        MT_CHECK (pipe (fds) == 0);
        pid_t pid = fork ();
        if (pid == 0) {
            close (fds [0]);
            mt_store_config_t config = { .dir = dir, .dim = DIM, .snapshot_ops = round ? 5 : 0,
                                         .sync = true };
            mt_store_t *store;
            mt_err_t err;
            if (mt_store_open (&config, &store, &err) != MT_OK)
                _exit (3);
            mt_face_meta_t meta [3];
            float vectors [3 * DIM];
            for (uint64_t i = 1;; i += 3) {
                s_faces (i, 3, meta, vectors);
                if (mt_store_enroll (store, 0, MT_NS_FOUND, 3, meta, vectors, NULL, &err)
                    != MT_OK)
                    _exit (4);
                uint64_t acked = i + 2;
                if (write (fds [1], &acked, sizeof acked) != sizeof acked)
                    _exit (5);
            }
        }
        close (fds [1]);
        uint64_t acked = 0, value;
        int reads = 0, stop_after = 40 + round * 37;
        while (reads < stop_after && read (fds [0], &value, sizeof value) == sizeof value) {
            acked = value;
            reads++;
        }
        kill (pid, SIGKILL);
        //  Acks already in the pipe count too: the child sent them.
        while (read (fds [0], &value, sizeof value) == sizeof value)
            acked = value;
        close (fds [0]);
        int status;
        waitpid (pid, &status, 0);
        MT_CHECK (WIFSIGNALED (status));
        mt_store_t *store = s_open (dir, 0);
        if (!store)
            continue;
        const mt_gallery_t *found = mt_store_gallery (store, MT_NS_FOUND);
        size_t lost = 0;
        for (uint64_t id = 1; id <= acked; id++)
            lost += !mt_gallery_contains (found, id, NULL);
        fprintf (stderr, "round %d: %llu faces acknowledged before kill -9, %zu stored, "
                 "%zu lost\n", round, (unsigned long long) acked, mt_gallery_size (found), lost);
        MT_CHECK_INT (lost, 0);
        MT_CHECK (acked > 0);
        mt_store_close (&store);
    }
}

#define DIM2 MT_STORE_DIM2

//  The second descriptor's galleries: their own dimension, the same face
//  ids; a removal takes a face out of every gallery; the log, a snapshot
//  and a copy to a peer keep them.
static void
test_store_second_descriptor (void)
{
    char dir [512];
    snprintf (dir, sizeof dir, "%s/store-mfn", mt_test_tmpdir ());
    mt_store_t *store = s_open (dir, 0);
    if (!store)
        return;
    MT_CHECK_INT (mt_store_dim (store, MT_NS_MISSING), DIM);
    MT_CHECK_INT (mt_store_dim (store, MT_NS_FOUND_MFN), DIM2);
    MT_CHECK_INT (mt_gallery_dim (mt_store_gallery (store, MT_NS_MISSING_MFN)), DIM2);
    MT_CHECK (mt_store_gallery (store, (mt_ns) 5) == NULL);
    MT_CHECK_INT (mt_ns_from_name ("found-mfn"), MT_NS_FOUND_MFN);
    MT_CHECK_INT (mt_ns_second (MT_NS_MISSING), MT_NS_MISSING_MFN);
    mt_face_meta_t meta [9];
    float vectors [9 * DIM], vectors2 [9 * DIM2];
    mt_err_t err;
    s_faces (1, 9, meta, vectors);
    for (size_t i = 0; i < 9; i++)
        mt_test_vector (500 + i, 1, DIM2, vectors2 + i * DIM2);
    MT_CHECK_RC (mt_store_enroll (store, 0, MT_NS_MISSING, 9, meta, vectors, NULL, &err), MT_OK,
                 &err);
    uint64_t digest_dlib = mt_store_digest (store);
    MT_CHECK_RC (mt_store_enroll (store, 0, MT_NS_MISSING_MFN, 9, meta, vectors2, NULL, &err),
                 MT_OK, &err);
    MT_CHECK (mt_store_digest (store) != digest_dlib);

    //  The 192-d gallery answers a 192-d query with the face it holds.
    mt_hit_t hits [3];
    size_t counts [1];
    MT_CHECK_RC (mt_gallery_search (mt_store_gallery (store, MT_NS_MISSING_MFN), 1,
                                    vectors2 + 4 * DIM2, 3, NULL, 0, hits, counts, &err),
                 MT_OK, &err);
    MT_CHECK (counts [0] == 3 && hits [0].face_id == 5 && hits [0].case_id == meta [4].case_id);

    //  Face 2 and case 1002 (faces 6-8) leave both galleries.
    uint64_t id = 2;
    size_t removed = 0;
    MT_CHECK_RC (mt_store_remove (store, 0, 1, &id, 1002, &removed, &err), MT_OK, &err);
    MT_CHECK_INT (removed, 8);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING)), 5);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING_MFN)), 5);
    MT_CHECK (!mt_gallery_contains (mt_store_gallery (store, MT_NS_MISSING_MFN), 2, NULL));
    uint64_t digest = mt_store_digest (store);
    mt_store_close (&store);

    //  The log replayed, then a snapshot, then a copy at a peer.
    store = s_open (dir, 0);
    if (!store)
        return;
    MT_CHECK (mt_store_digest (store) == digest);
    MT_CHECK_RC (mt_store_snapshot (store, &err), MT_OK, &err);
    mt_store_close (&store);
    store = s_open (dir, 0);
    if (!store)
        return;
    MT_CHECK (mt_store_digest (store) == digest);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING_MFN)), 5);
    char copy [600], other [600];
    snprintf (copy, sizeof copy, "%s/export-mfn.snap", mt_test_tmpdir ());
    snprintf (other, sizeof other, "%s/store-mfn-peer", mt_test_tmpdir ());
    MT_CHECK_RC (mt_store_export (store, copy, &err), MT_OK, &err);
    mt_store_t *peer = s_open (other, 0);
    if (peer) {
        MT_CHECK_RC (mt_store_import (peer, copy, &err), MT_OK, &err);
        MT_CHECK (mt_store_digest (peer) == digest);
        MT_CHECK_INT (mt_gallery_size (mt_store_gallery (peer, MT_NS_MISSING_MFN)), 5);
        mt_store_close (&peer);
    }
    mt_store_close (&store);

    //  A store configured with another second dimension refuses the files.
    mt_store_config_t config = { .dir = dir, .dim = DIM, .dim2 = 64, .sync = true };
    MT_CHECK_RC (mt_store_open (&config, &store, &err), MT_EINVAL, &err);
    MT_CHECK (store == NULL);
}

//  A snapshot of format 1 (written before the second descriptor had
//  galleries: seq, missing, found) still opens, with empty 192-d
//  galleries beside its own and the digest it had; the next snapshot is
//  written in format 2 and opens too.
static void
test_old_snapshot (void)
{
    char dir [512], path [600];
    snprintf (dir, sizeof dir, "%s/store-v1", mt_test_tmpdir ());
    snprintf (path, sizeof path, "%s/snapshot", dir);
    mt_err_t err;
    MT_CHECK_RC (mt_dir_make (dir, &err), MT_OK, &err);
    mt_gallery_t *missing = NULL, *found = NULL;
    MT_CHECK_RC (mt_gallery_new (NULL, DIM, &missing, &err), MT_OK, &err);
    MT_CHECK_RC (mt_gallery_new (NULL, DIM, &found, &err), MT_OK, &err);
    if (!missing || !found)
        return;
    mt_face_meta_t meta [12];
    float vectors [12 * DIM];
    s_faces (1, 12, meta, vectors);
    MT_CHECK_RC (mt_gallery_add (missing, 5, meta, vectors, NULL, &err), MT_OK, &err);
    MT_CHECK_RC (mt_gallery_add (found, 7, meta + 5, vectors + 5 * DIM, NULL, &err), MT_OK, &err);
    uint64_t digest = mt_gallery_digest (missing) + 3 * mt_gallery_digest (found);
    uint64_t seq = 41;
    FILE *file = fopen (path, "wb");
    MT_CHECK (file != NULL);
    if (!file)
        return;
    fwrite ("HWSNAP01", 8, 1, file);
    fwrite (&seq, 8, 1, file);
    MT_CHECK_RC (mt_gallery_write (missing, file, &err), MT_OK, &err);
    MT_CHECK_RC (mt_gallery_write (found, file, &err), MT_OK, &err);
    fwrite ("HWSNAPOK", 8, 1, file);
    fclose (file);
    mt_gallery_destroy (&missing);
    mt_gallery_destroy (&found);

    mt_store_t *store = s_open (dir, 0);
    if (!store)
        return;
    MT_CHECK_INT (mt_store_seq (store), 41);
    MT_CHECK (mt_store_digest (store) == digest);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_MISSING)), 5);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_FOUND)), 7);
    MT_CHECK_INT (mt_gallery_size (mt_store_gallery (store, MT_NS_FOUND_MFN)), 0);
    MT_CHECK_INT (mt_gallery_dim (mt_store_gallery (store, MT_NS_FOUND_MFN)), DIM2);
    float vectors2 [7 * DIM2];
    for (size_t i = 0; i < 7; i++)
        mt_test_vector (900 + i, 1, DIM2, vectors2 + i * DIM2);
    MT_CHECK_RC (mt_store_enroll (store, 0, MT_NS_FOUND_MFN, 7, meta + 5, vectors2, NULL, &err),
                 MT_OK, &err);
    MT_CHECK_INT (mt_store_seq (store), 42);
    digest = mt_store_digest (store);
    MT_CHECK_RC (mt_store_snapshot (store, &err), MT_OK, &err);
    mt_store_close (&store);
    file = fopen (path, "rb");
    char magic [9] = { 0 };
    MT_CHECK (file && fread (magic, 8, 1, file) == 1 && strcmp (magic, "HWSNAP02") == 0);
    if (file)
        fclose (file);
    store = s_open (dir, 0);
    MT_CHECK (store && mt_store_digest (store) == digest);
    MT_CHECK (store && mt_gallery_size (mt_store_gallery (store, MT_NS_FOUND_MFN)) == 7);
    mt_store_close (&store);
}

int
main (void)
{
    MT_RUN (test_gallery);
    MT_RUN (test_store_reopen);
    MT_RUN (test_torn_log);
    MT_RUN (test_store_second_descriptor);
    MT_RUN (test_old_snapshot);
    MT_RUN (test_kill_during_writes);
    return MT_TEST_MAIN_END ();
}
