//  Retrieval by both descriptors, through `homeward serve`: with the
//  search limited to the single nearest face (--search-k 1), a found
//  person whose family's photo dlib's descriptor puts second among 150
//  other families (tests/data/lfw-distractors) is not retrieved by dlib's
//  gallery alone (--search-k2 0), and is retrieved once the MobileFaceNet
//  gallery is searched as well (where that photo is the nearest). The
//  pairs were found with `homeward embed --json` over tests/data (dlib
//  rank 2, MobileFaceNet rank 1, each in a gallery of the distractors and
//  the family's one photo).

#include "mt_test.h"
#include "mt_test_serve.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const struct {
    const char *family, *found;
} s_pairs [] = {
    { "lfw/Bill_Gates/2.jpg", "lfw/Bill_Gates/6.jpg" },
    { "lfw/Jeff_Van_Gundy/1.jpg", "lfw/Jeff_Van_Gundy/3.jpg" },
};
#define S_PAIRS (sizeof s_pairs / sizeof s_pairs [0])

static int64_t s_families [S_PAIRS], s_found [S_PAIRS];

//  Where each found person's family ranks among its candidates (0: absent).
static void
s_ranks (int *ranks)
{
    for (size_t i = 0; i < S_PAIRS; i++) {
        json_t *list = mt_serve_candidates (s_found [i], 100);
        ranks [i] = mt_serve_rank_of (list, s_families [i], NULL);
        json_decref (list);
    }
}

static void
s_restart (const char *k2)
{
    int status = mt_test_kill (mt_serve.pid, SIGTERM);
    MT_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    mt_serve.pid = -1;
    mt_serve_start ("--search-k", "1", "--search-k2", k2, NULL);
}

static void
test_found_only_by_mobilefacenet (void)
{
    //  The families first (each matched before any found person exists, so
    //  that no pair comes from the families' own searches).
    DIR *d = opendir (mt_test_data ("lfw-distractors"));
    struct dirent *e;
    int64_t last = 0;
    while (d && (e = readdir (d)) != NULL) {
        if (e->d_name [0] == '.')
            continue;
        char path [512];
        snprintf (path, sizeof path, "lfw-distractors/%s", e->d_name);
        last = mt_serve_case ("missing", "unknown", 11, "family_name", e->d_name);
        mt_serve_photo (last, path);
    }
    if (d)
        closedir (d);
    for (size_t i = 0; i < S_PAIRS; i++) {
        s_families [i] = mt_serve_case ("missing", "unknown", 11, "family_name", s_pairs [i].family);
        mt_serve_photo (s_families [i], s_pairs [i].family);
    }
    mt_serve_settle (last);
    for (size_t i = 0; i < S_PAIRS; i++)
        mt_serve_settle (s_families [i]);

    //  By dlib's gallery alone: a stranger is each one's nearest face.
    for (size_t i = 0; i < S_PAIRS; i++) {
        s_found [i] = mt_serve_case ("found", "unknown", 11, NULL, NULL);
        mt_serve_photo (s_found [i], s_pairs [i].found);
    }
    for (size_t i = 0; i < S_PAIRS; i++)
        mt_serve_settle (s_found [i]);
    int ranks [S_PAIRS];
    s_ranks (ranks);
    for (size_t i = 0; i < S_PAIRS; i++) {
        fprintf (stderr, "%s: family rank %d by dlib's gallery alone (k 1)\n",
                 s_pairs [i].found, ranks [i]);
        MT_CHECK_INT (ranks [i], 0);
    }

    //  MobileFaceNet's gallery searched as well (its vectors were enrolled
    //  all along): matched again (a correction queues it), each family is
    //  among the candidates.
    s_restart ("1");
    for (size_t i = 0; i < S_PAIRS; i++)
        json_decref (mt_serve_call ("case.update", json_pack ("{s:I, s:s}", "case_id",
                                    (json_int_t) s_found [i], "notes", "matched again"),
                                    NULL, 0, MT_OK));
    for (size_t i = 0; i < S_PAIRS; i++)
        mt_serve_settle (s_found [i]);
    s_ranks (ranks);
    for (size_t i = 0; i < S_PAIRS; i++) {
        fprintf (stderr, "%s: family rank %d with MobileFaceNet's gallery too (k 1 each)\n",
                 s_pairs [i].found, ranks [i]);
        MT_CHECK (ranks [i] >= 1);
    }
}

int
main (void)
{
    if (mt_serve_init () != 0)
        return 1;
    mt_serve_start ("--search-k", "1", "--search-k2", "0", NULL);
    MT_RUN (test_found_only_by_mobilefacenet);
    mt_serve_finish ();
    return MT_TEST_MAIN_END ();
}
