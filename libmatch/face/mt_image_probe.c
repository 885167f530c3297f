//  mt_image_probe - identify an image and read its size without decoding it,
//  through each format's own library (libjpeg, libpng, libwebp, libtiff).
//  BMP alone has no library on Debian; its two size fields sit at fixed
//  offsets of a fixed-layout header and are read here.

#include "face/mt_image.h"

#include <setjmp.h>
#include <stdio.h>      //  before jpeglib.h, which needs FILE
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <webp/decode.h>

//  More progressive scans than any encoder writes; files with thousands
//  are a known way to make decoders spin for minutes.
#define S_JPEG_MAX_SCANS 300

const char *
mt_format_name (mt_format format)
{
    switch (format) {
        case MT_FORMAT_JPEG: return "jpeg";
        case MT_FORMAT_PNG:  return "png";
        case MT_FORMAT_WEBP: return "webp";
        case MT_FORMAT_BMP:  return "bmp";
        case MT_FORMAT_TIFF: return "tiff";
        default:             return "unknown";
    }
}

mt_image_limits_t
mt_image_default_limits (void)
{
    mt_image_limits_t limits = {
        .max_bytes = MT_IMAGE_DEFAULT_MAX_BYTES,
        .max_pixels = MT_IMAGE_DEFAULT_MAX_PIXELS
    };
    return limits;
}

static mt_format
s_sniff (const uint8_t *b, size_t size)
{
    if (size >= 3 && b [0] == 0xFF && b [1] == 0xD8 && b [2] == 0xFF)
        return MT_FORMAT_JPEG;
    if (size >= 8 && memcmp (b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return MT_FORMAT_PNG;
    if (size >= 12 && memcmp (b, "RIFF", 4) == 0 && memcmp (b + 8, "WEBP", 4) == 0)
        return MT_FORMAT_WEBP;
    if (size >= 2 && b [0] == 'B' && b [1] == 'M')
        return MT_FORMAT_BMP;
    if (size >= 4 && (memcmp (b, "II*\0", 4) == 0 || memcmp (b, "MM\0*", 4) == 0))
        return MT_FORMAT_TIFF;
    return MT_FORMAT_UNKNOWN;
}

//  What the bytes look like when they are no image at all, for the message.
static const char *
s_describe_unknown (const uint8_t *b, size_t size)
{
    if (size >= 4 && memcmp (b, "GIF8", 4) == 0)
        return "a GIF (not supported: send a JPEG or PNG)";
    if (size >= 12 && memcmp (b + 4, "ftyp", 4) == 0)
        return "a HEIC/AVIF or video file (not supported: export it as JPEG)";
    if (size >= 4 && memcmp (b, "%PDF", 4) == 0)
        return "a PDF document";
    size_t text = 0, look = size < 512 ? size : 512;
    for (size_t i = 0; i < look; i++)
        text += (b [i] >= 0x20 && b [i] < 0x7F) || b [i] == '\n' || b [i] == '\r' || b [i] == '\t';
    if (text == look)
        return "text, not an image";
    return "not a JPEG, PNG, WebP, BMP or TIFF image";
}

//  ---------------------------------------------------------------- JPEG

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message [JMSG_LENGTH_MAX];
    int truncated;
} s_jpeg_err_t;

typedef struct {
    struct jpeg_progress_mgr pub;
    int too_many_scans;
} s_jpeg_progress_t;

static void
s_jpeg_error_exit (j_common_ptr cinfo)
{
    s_jpeg_err_t *self = (s_jpeg_err_t *) cinfo->err;
    (*cinfo->err->format_message) (cinfo, self->message);
    longjmp (self->jump, 1);
}

static void
s_jpeg_emit_message (j_common_ptr cinfo, int level)
{
    //  Only warnings matter (level -1); trace messages are dropped.
    if (level < 0) {
        s_jpeg_err_t *self = (s_jpeg_err_t *) cinfo->err;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF)
            self->truncated = 1;
        cinfo->err->num_warnings++;
    }
}

static void
s_jpeg_progress (j_common_ptr cinfo)
{
    j_decompress_ptr dinfo = (j_decompress_ptr) cinfo;
    s_jpeg_progress_t *self = (s_jpeg_progress_t *) cinfo->progress;
    if (dinfo->input_scan_number > S_JPEG_MAX_SCANS) {
        self->too_many_scans = 1;
        s_jpeg_err_t *jerr = (s_jpeg_err_t *) cinfo->err;
        snprintf (jerr->message, sizeof jerr->message, "more than %d progressive scans",
                  S_JPEG_MAX_SCANS);
        longjmp (jerr->jump, 1);
    }
}

static int
s_probe_jpeg (const uint8_t *bytes, size_t size, uint64_t max_pixels,
              uint32_t *width, uint32_t *height, mt_err_t *err)
{
    struct jpeg_decompress_struct cinfo;
    s_jpeg_err_t jerr;
    s_jpeg_progress_t progress;
    memset (&jerr, 0, sizeof jerr);
    memset (&progress, 0, sizeof progress);
    cinfo.err = jpeg_std_error (&jerr.pub);
    jerr.pub.error_exit = s_jpeg_error_exit;
    jerr.pub.emit_message = s_jpeg_emit_message;
    progress.pub.progress_monitor = s_jpeg_progress;
    //  Set by the code below before any longjmp can land here.
    volatile int rc = MT_OK;
    unsigned char *volatile row = NULL;

    jpeg_create_decompress (&cinfo);
    if (setjmp (jerr.jump)) {
        if (rc == MT_OK)
            rc = mt_err_set (err, MT_EDECODE, "corrupt JPEG: %s", jerr.message);
        goto done;
    }
    cinfo.progress = &progress.pub;
    jpeg_mem_src (&cinfo, bytes, (unsigned long) size);
    jpeg_read_header (&cinfo, TRUE);
    *width = cinfo.image_width;
    *height = cinfo.image_height;
    if ((uint64_t) cinfo.image_width * cinfo.image_height > max_pixels) {
        rc = mt_err_set (err, MT_ETOOBIG, "the JPEG is %ux%u pixels, over the limit of "
                         "%llu pixels", cinfo.image_width, cinfo.image_height,
                         (unsigned long long) max_pixels);
        goto done;
    }
    //  Walk all entropy-coded data as cheaply as libjpeg allows: 1/8 scale
    //  (no full IDCT), fast DCT, no fancy upsampling, grey where possible.
    cinfo.scale_num = 1;
    cinfo.scale_denom = 8;
    cinfo.dct_method = JDCT_IFAST;
    cinfo.do_fancy_upsampling = FALSE;
    cinfo.do_block_smoothing = FALSE;
    if (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_GRAYSCALE)
        cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress (&cinfo);
    row = malloc ((size_t) cinfo.output_width * cinfo.output_components + 1);
    if (!row) {
        rc = mt_err_set (err, MT_ENOMEM, "out of memory probing a JPEG");
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height && !jerr.truncated) {
        JSAMPROW rows [1] = { row };
        jpeg_read_scanlines (&cinfo, rows, 1);
    }
    if (!jerr.truncated)
        jpeg_finish_decompress (&cinfo);
    if (jerr.truncated)
        rc = mt_err_set (err, MT_EDECODE, "the JPEG is truncated: its %zu bytes end before "
                         "the image data does (an incomplete upload or copy?)", size);
done:
    free (row);
    jpeg_destroy_decompress (&cinfo);
    return rc;
}

//  ---------------------------------------------------------------- PNG

static int
s_probe_png (const uint8_t *bytes, size_t size, uint32_t *width, uint32_t *height,
             mt_err_t *err)
{
    png_image image;
    memset (&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory (&image, bytes, size)) {
        int rc = mt_err_set (err, MT_EDECODE, "corrupt PNG: %s", image.message);
        png_image_free (&image);
        return rc;
    }
    *width = image.width;
    *height = image.height;
    png_image_free (&image);
    return MT_OK;
}

//  ---------------------------------------------------------------- TIFF

typedef struct {
    const uint8_t *bytes;
    size_t size;
    size_t pos;
    char message [160];
} s_tiff_mem_t;

static tmsize_t
s_tiff_read (thandle_t h, void *buf, tmsize_t n)
{
    s_tiff_mem_t *m = (s_tiff_mem_t *) h;
    size_t left = m->pos < m->size ? m->size - m->pos : 0;
    size_t take = (size_t) n < left ? (size_t) n : left;
    memcpy (buf, m->bytes + m->pos, take);
    m->pos += take;
    return (tmsize_t) take;
}

static tmsize_t
s_tiff_write (thandle_t h, void *buf, tmsize_t n)
{
    (void) h, (void) buf, (void) n;
    return 0;
}

static toff_t
s_tiff_seek (thandle_t h, toff_t off, int whence)
{
    s_tiff_mem_t *m = (s_tiff_mem_t *) h;
    uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    uint64_t to = base + off;
    if (to > m->size)
        return (toff_t) -1;
    m->pos = (size_t) to;
    return to;
}

static int
s_tiff_close (thandle_t h)
{
    (void) h;
    return 0;
}

static toff_t
s_tiff_size (thandle_t h)
{
    return ((s_tiff_mem_t *) h)->size;
}

static int
s_tiff_error (TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void) tif, (void) module;
    s_tiff_mem_t *m = (s_tiff_mem_t *) user;
    if (!m->message [0])
        vsnprintf (m->message, sizeof m->message, fmt, ap);
    return 1;       //  handled: libtiff prints nothing
}

static int
s_probe_tiff (const uint8_t *bytes, size_t size, uint32_t *width, uint32_t *height,
              mt_err_t *err)
{
    s_tiff_mem_t mem = { .bytes = bytes, .size = size };
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
    if (!opts)
        return mt_err_set (err, MT_ENOMEM, "out of memory probing a TIFF");
    TIFFOpenOptionsSetErrorHandlerExtR (opts, s_tiff_error, &mem);
    TIFFOpenOptionsSetWarningHandlerExtR (opts, s_tiff_error, &mem);
    TIFF *tif = TIFFClientOpenExt ("image", "rm", (thandle_t) &mem, s_tiff_read, s_tiff_write,
                                   s_tiff_seek, s_tiff_close, s_tiff_size, NULL, NULL, opts);
    TIFFOpenOptionsFree (opts);
    uint32_t w = 0, h = 0;
    if (!tif || !TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &w)
    ||  !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &h) || w == 0 || h == 0) {
        if (tif)
            TIFFClose (tif);
        return mt_err_set (err, MT_EDECODE, "corrupt TIFF: %s",
                           mem.message [0] ? mem.message : "no image size in its header");
    }
    TIFFClose (tif);
    *width = w;
    *height = h;
    return MT_OK;
}

//  ---------------------------------------------------------------- BMP

static int32_t
s_le32 (const uint8_t *p)
{
    return (int32_t) ((uint32_t) p [0] | (uint32_t) p [1] << 8 | (uint32_t) p [2] << 16
                      | (uint32_t) p [3] << 24);
}

static int
s_probe_bmp (const uint8_t *bytes, size_t size, uint32_t *width, uint32_t *height,
             mt_err_t *err)
{
    //  14-byte file header, then the DIB header whose first field is its size.
    if (size < 26)
        return mt_err_set (err, MT_EDECODE, "corrupt BMP: only %zu bytes", size);
    int32_t dib = s_le32 (bytes + 14);
    int64_t w, h;
    if (dib == 12) {        //  BITMAPCOREHEADER: 16-bit unsigned sizes
        w = bytes [18] | bytes [19] << 8;
        h = bytes [20] | bytes [21] << 8;
    }
    else
    if (dib >= 40 && dib <= 124) {
        w = s_le32 (bytes + 18);
        h = s_le32 (bytes + 22);
        if (h < 0)          //  negative height means rows stored top-down
            h = -h;
    }
    else
        return mt_err_set (err, MT_EDECODE, "corrupt BMP: unknown header size %d", (int) dib);
    if (w <= 0 || h <= 0 || w > UINT32_MAX || h > UINT32_MAX)
        return mt_err_set (err, MT_EDECODE, "corrupt BMP: size %lldx%lld", (long long) w,
                           (long long) h);
    *width = (uint32_t) w;
    *height = (uint32_t) h;
    return MT_OK;
}

//  ---------------------------------------------------------------- all

int
mt_image_probe (const void *data, size_t size, const mt_image_limits_t *limits,
                mt_format *format_p, uint32_t *width_p, uint32_t *height_p, mt_err_t *err)
{
    const uint8_t *bytes = data;
    mt_image_limits_t lim = limits ? *limits : mt_image_default_limits ();
    uint32_t width = 0, height = 0;
    *format_p = MT_FORMAT_UNKNOWN;
    if (size == 0)
        return mt_err_set (err, MT_EEMPTY, "the image is empty (0 bytes)");
    if (size > lim.max_bytes)
        return mt_err_set (err, MT_ETOOBIG, "the image has %zu bytes, over the limit of %zu",
                           size, lim.max_bytes);

    mt_format format = s_sniff (bytes, size);
    int rc;
    switch (format) {
        case MT_FORMAT_JPEG:
            rc = s_probe_jpeg (bytes, size, lim.max_pixels, &width, &height, err);
            break;
        case MT_FORMAT_PNG:
            rc = s_probe_png (bytes, size, &width, &height, err);
            break;
        case MT_FORMAT_WEBP: {
            int w = 0, h = 0;
            if (WebPGetInfo (bytes, size, &w, &h) && w > 0 && h > 0) {
                width = (uint32_t) w;
                height = (uint32_t) h;
                rc = MT_OK;
            }
            else
                rc = mt_err_set (err, MT_EDECODE, "corrupt WebP: its header is not valid");
            break;
        }
        case MT_FORMAT_BMP:
            rc = s_probe_bmp (bytes, size, &width, &height, err);
            break;
        case MT_FORMAT_TIFF:
            rc = s_probe_tiff (bytes, size, &width, &height, err);
            break;
        default:
            return mt_err_set (err, MT_EFORMAT, "unsupported format: the data is %s",
                               s_describe_unknown (bytes, size));
    }
    *format_p = format;
    *width_p = width;
    *height_p = height;
    if (rc != MT_OK)
        return rc;
    if ((uint64_t) width * height > lim.max_pixels)
        return mt_err_set (err, MT_ETOOBIG, "the %s is %ux%u = %llu pixels, over the limit "
                           "of %llu pixels", mt_format_name (format), width, height,
                           (unsigned long long) width * height,
                           (unsigned long long) lim.max_pixels);
    return MT_OK;
}
