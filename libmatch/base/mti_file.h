//  mti_file - internal: read a whole regular file with a byte limit.

#ifndef MTI_FILE_H_INCLUDED
#define MTI_FILE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Read all of path into a new buffer. Refuses what is not a regular file
//  (MT_EIO: a directory, a device, a FIFO), files over limit bytes
//  (MT_ETOOBIG, without reading them), empty files (MT_EEMPTY), a missing file
//  (MT_ENOTFOUND) and an empty path (MT_EINVAL). On success the caller owns
//  *data_p (free() it); the buffer has one spare zero byte after *size_p.
int mti_file_read (const char *path, size_t limit, uint8_t **data_p, size_t *size_p,
                   mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
