//  mt_faceapi - face-api.js weight manifest reader and converter.

#include "face/mt_faceapi.h"

#include "face/mt_embedder.h"
#include "base/mti_file.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The real file is 6.4 MB; anything far larger is not this model.
#define S_MAX_BIN_BYTES (64u << 20)
#define S_MAX_TENSORS 1024
#define S_MAX_TENSOR_VALUES (16u << 20)

//  Fill one tensor's shape from its manifest entry; values come later.
static int
s_parse_entry (json_t *entry, mt_tensor_t *t, size_t *bytes, int *quantised,
               double *scale, double *min, mt_err_t *err)
{
    json_t *name = json_object_get (entry, "name");
    json_t *shape = json_object_get (entry, "shape");
    json_t *dtype = json_object_get (entry, "dtype");
    if (!json_is_string (name) || !json_is_array (shape) || !json_is_string (dtype)
    ||  strcmp (json_string_value (dtype), "float32") != 0)
        return mt_err_set (err, MT_EMODEL, "manifest entry without name, shape or float32 dtype");
    t->name = json_string_value (name);
    t->rank = json_array_size (shape);
    if (t->rank < 1 || t->rank > 4)
        return mt_err_set (err, MT_EMODEL, "tensor '%s' has rank %zu", t->name, t->rank);
    t->count = 1;
    for (size_t i = 0; i < t->rank; i++) {
        json_t *dim = json_array_get (shape, i);
        json_int_t value = json_is_integer (dim) ? json_integer_value (dim) : 0;
        if (value < 1 || (size_t) value > S_MAX_TENSOR_VALUES / t->count)
            return mt_err_set (err, MT_EMODEL, "tensor '%s' has a bad shape", t->name);
        t->shape [i] = (size_t) value;
        t->count *= (size_t) value;
    }
    json_t *quant = json_object_get (entry, "quantization");
    *quantised = quant != NULL;
    if (quant) {
        json_t *qtype = json_object_get (quant, "dtype");
        json_t *qscale = json_object_get (quant, "scale");
        json_t *qmin = json_object_get (quant, "min");
        if (!json_is_string (qtype) || strcmp (json_string_value (qtype), "uint8") != 0
        ||  !json_is_number (qscale) || !json_is_number (qmin))
            return mt_err_set (err, MT_EMODEL, "tensor '%s': only uint8 quantisation with "
                               "scale and min is understood", t->name);
        *scale = json_number_value (qscale);
        *min = json_number_value (qmin);
        *bytes = t->count;
    }
    else
        *bytes = t->count * 4;
    return MT_OK;
}

static int
s_dequantise (json_t *weights, const uint8_t *bin, size_t bin_size, mt_tensor_t *tensors,
              mt_err_t *err)
{
    size_t count = json_array_size (weights);
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        mt_tensor_t *t = &tensors [i];
        size_t bytes = 0;
        int quantised;
        double scale = 0, min = 0;
        int rc = s_parse_entry (json_array_get (weights, i), t, &bytes, &quantised,
                                &scale, &min, err);
        if (rc != MT_OK)
            return rc;
        if (bytes > bin_size - offset)
            return mt_err_set (err, MT_EMODEL, "weights file ends inside tensor '%s'", t->name);
        float *values = malloc (t->count * sizeof (float));
        if (!values)
            return mt_err_set (err, MT_ENOMEM, "out of memory for tensor '%s'", t->name);
        const uint8_t *src = bin + offset;
        for (size_t v = 0; v < t->count; v++) {
            if (quantised)
                values [v] = (float) (src [v] * scale + min);
            else {
                //  Raw float32, little-endian.
                uint32_t bits = (uint32_t) src [4 * v] | (uint32_t) src [4 * v + 1] << 8
                              | (uint32_t) src [4 * v + 2] << 16 | (uint32_t) src [4 * v + 3] << 24;
                memcpy (&values [v], &bits, sizeof bits);
            }
        }
        t->values = values;
        offset += bytes;
    }
    if (offset != bin_size)
        return mt_err_set (err, MT_EMODEL, "weights file has %zu bytes, the manifest "
                           "describes %zu", bin_size, offset);
    return MT_OK;
}

int
mt_faceapi_convert (const char *manifest_path, const char *bin_path, const char *out_path,
                    mt_err_t *err)
{
    json_error_t jerr;
    json_t *manifest = json_load_file (manifest_path, 0, &jerr);
    if (!manifest)
        return mt_err_set (err, MT_EMODEL, "%s:%d: %s", manifest_path, jerr.line, jerr.text);

    int rc = MT_OK;
    uint8_t *bin = NULL;
    size_t bin_size = 0;
    mt_tensor_t *tensors = NULL;
    json_t *group = json_array_get (manifest, 0);
    json_t *weights = json_object_get (group, "weights");
    size_t count = json_array_size (weights);
    if (json_array_size (manifest) != 1 || count == 0 || count > S_MAX_TENSORS) {
        rc = mt_err_set (err, MT_EMODEL, "%s: expected one group of weights", manifest_path);
        goto done;
    }
    mt_err_t file_err;
    rc = mti_file_read (bin_path, S_MAX_BIN_BYTES, &bin, &bin_size, &file_err);
    if (rc != MT_OK) {
        rc = mt_err_wrap (err, MT_EMODEL, &file_err, "weights file");
        goto done;
    }
    tensors = calloc (count, sizeof *tensors);
    if (!tensors) {
        rc = mt_err_set (err, MT_ENOMEM, "out of memory");
        goto done;
    }
    rc = s_dequantise (weights, bin, bin_size, tensors, err);
    if (rc == MT_OK)
        rc = mt_embedder_build (tensors, count, out_path, err);

done:
    if (tensors)
        for (size_t i = 0; i < count; i++)
            free ((void *) tensors [i].values);
    free (tensors);
    free (bin);
    json_decref (manifest);
    return rc;
}
