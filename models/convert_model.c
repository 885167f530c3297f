//  homeward-convert-model - converts face-api.js's face recognition weights
//  into the serialized dlib network that mt_embedder loads.
//  Usage: homeward-convert-model MANIFEST.json WEIGHTS.bin OUT.dat

#include "face/mt_faceapi.h"

#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
    if (argc != 4 || strcmp (argv [1], "--help") == 0) {
        fprintf (argc == 2 ? stdout : stderr,
                 "usage: homeward-convert-model MANIFEST.json WEIGHTS.bin OUT.dat\n"
                 "Converts face-api.js's face_recognition_model weights into a\n"
                 "serialized dlib network (dlib_face_recognition_resnet_model_v1).\n");
        return argc == 2 ? 0 : 2;
    }
    mt_err_t err;
    if (mt_faceapi_convert (argv [1], argv [2], argv [3], &err) != MT_OK) {
        fprintf (stderr, "homeward-convert-model: %s\n", err.msg);
        return 1;
    }
    return 0;
}
