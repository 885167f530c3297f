//  Self-test of how a cross-match batch fills (results_batch_takes): to the
//  size asked for, but never with fewer faces than FAISS needs to compare
//  them with a gallery in one matrix product, and never past what one
//  search message holds.

#include "mt_test.h"

#include "results/results_matcher.h"
#include "index/mt_index.h"

//  Cases of n faces taken one after another into a batch asked for most:
//  how many it takes (the first always).
static size_t
s_cases_taken (size_t n, size_t most, size_t *room_p)
{
    size_t room = n + 4, faces = n, cases = 1;
    while (cases < 100000 && results_batch_takes (room, faces, n, most))
        room += n + 4, faces += n, cases++;
    *room_p = room;
    return cases;
}

static void
test_fills_to_size (void)
{
    size_t room;
    //  Room for 100: twenty single-face cases of five each.
    MT_CHECK_INT (s_cases_taken (1, 100, &room), 20);
    MT_CHECK_INT (room, 100);
    MT_CHECK_INT (s_cases_taken (1, 1000, &room), 200);
    //  Cases of three faces and four templates: seven each.
    MT_CHECK_INT (s_cases_taken (3, 1000, &room), 142);
}

//  A batch asked for room for 16 (the matcher's smallest, after slow
//  searches) held three single-face cases: three queries in the
//  MobileFaceNet search, six to nine in dlib's, each compared with the
//  gallery a vector at a time.
static void
test_at_least_blas_faces (void)
{
    size_t room;
    MT_CHECK_INT (s_cases_taken (1, 16, &room), MT_INDEX_BLAS_LEAST);
    MT_CHECK_INT (s_cases_taken (1, 5, &room), MT_INDEX_BLAS_LEAST);
    //  Faces, not cases: seven cases of three faces make 21.
    MT_CHECK_INT (s_cases_taken (3, 16, &room), 7);
    //  A case of many faces alone already has them.
    MT_CHECK_INT (s_cases_taken (30, 16, &room), 1);
}

static void
test_never_past_a_message (void)
{
    size_t room;
    //  However much is asked for, one search message's queries at most.
    size_t cases = s_cases_taken (1, 100000, &room);
    MT_CHECK (room <= MT_MSG_MAX_QUERIES);
    MT_CHECK_INT (cases, MT_MSG_MAX_QUERIES / 5);
    //  Faces short of the matrix product do not push it past either.
    MT_CHECK (results_batch_takes (MT_MSG_MAX_QUERIES - 6, 5, 1, 16));
    MT_CHECK (!results_batch_takes (MT_MSG_MAX_QUERIES - 4, 5, 1, 16));
}

int
main (void)
{
    MT_RUN (test_fills_to_size);
    MT_RUN (test_at_least_blas_faces);
    MT_RUN (test_never_past_a_message);
    return MT_TEST_MAIN_END ();
}
