//  bench/age_evidence - what the face evidence says across an age gap: for
//  each band of ../shared/FACTS.md's "Faces across ages" (the younger photo's
//  age by the years between the photos), the evidence the ranking gives the
//  same person at the band's mean distance and two spreads beyond it, and a
//  stranger at the strangers' mean and 1st percentile, with the years known
//  (the evidence that knows the gap) and unknown (the line fitted on adults
//  a few years apart). dlib's descriptor alone and both descriptors fused.
//
//  usage: bench-age-evidence [--json]

#include "results/store/mt_rank.h"

#include <stdio.h>
#include <string.h>

//  FACTS.md: spreads of one person's distances and the strangers' figures.
#define S_SD_DLIB 0.08
#define S_SD_MFN 0.15
#define S_STRANGERS_DLIB 0.703
#define S_STRANGERS_MFN 1.300
#define S_STRANGERS_P1_DLIB 0.477
#define S_STRANGERS_P1_MFN 0.899

static const struct { const char *name; double young; } s_rows [] = {
    { "under 10", 5 }, { "10-17", 13.5 }, { "18+", 30 },
};
static const struct { const char *name; double gap; } s_cols [] = {
    { "0-4", 2 }, { "5-9", 7 }, { "10-19", 14.5 }, { "20+", 25 },
};

int
main (int argc, char *argv [])
{
    bool json = argc > 1 && strcmp (argv [1], "--json") == 0;
    if (argc > 1 && !json) {
        fprintf (stderr, "usage: bench-age-evidence [--json]\n");
        return 2;
    }
    mt_rank_model_t m = mt_rank_default_model ();
    if (json)
        printf ("[\n");
    else
        printf ("| younger photo | gap | descriptors | same person: mean / +2 sd, gap known "
                "| same, gap unknown | stranger: mean / 1st percentile, gap known "
                "| stranger, gap unknown |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    bool first = true;
    for (size_t r = 0; r < sizeof s_rows / sizeof *s_rows; r++)
        for (size_t c = 0; c < sizeof s_cols / sizeof *s_cols; c++)
            for (int fused = 0; fused <= 1; fused++) {
                double young = s_rows [r].young, gap = s_cols [c].gap, d, d2;
                mt_rank_age_means (young, gap, &d, &d2);
                double far = d + 2 * S_SD_DLIB, far2 = d2 + 2 * S_SD_MFN;
                if (!fused)
                    d2 = far2 = -1;
                double sd2 = fused ? S_STRANGERS_MFN : -1, sp2 = fused ? S_STRANGERS_P1_MFN : -1;
                double v [8] = {
                    mt_rank_face_evidence (&m, d, d2, young, gap),
                    mt_rank_face_evidence (&m, far, far2, young, gap),
                    mt_rank_face_evidence (&m, d, d2, -1, -1),
                    mt_rank_face_evidence (&m, far, far2, -1, -1),
                    mt_rank_face_evidence (&m, S_STRANGERS_DLIB, sd2, young, gap),
                    mt_rank_face_evidence (&m, S_STRANGERS_P1_DLIB, sp2, young, gap),
                    mt_rank_face_evidence (&m, S_STRANGERS_DLIB, sd2, -1, -1),
                    mt_rank_face_evidence (&m, S_STRANGERS_P1_DLIB, sp2, -1, -1),
                };
                const char *kind = fused ? "fused" : "dlib";
                if (json)
                    printf ("%s  {\"younger\": \"%s\", \"gap\": \"%s\", \"descriptors\": \"%s\", "
                            "\"same_mean\": %.2f, \"same_far\": %.2f, \"same_mean_unknown\": %.2f, "
                            "\"same_far_unknown\": %.2f, \"stranger_mean\": %.2f, "
                            "\"stranger_p1\": %.2f, \"stranger_mean_unknown\": %.2f, "
                            "\"stranger_p1_unknown\": %.2f}", first ? "" : ",\n",
                            s_rows [r].name, s_cols [c].name, kind, v [0], v [1], v [2], v [3],
                            v [4], v [5], v [6], v [7]);
                else
                    printf ("| %s | %s | %s | %+.1f / %+.1f | %+.1f / %+.1f | %+.1f / %+.1f "
                            "| %+.1f / %+.1f |\n", s_rows [r].name, s_cols [c].name, kind,
                            v [0], v [1], v [2], v [3], v [4], v [5], v [6], v [7]);
                first = false;
            }
    if (json)
        printf ("\n]\n");
    return 0;
}
