//  photo_store - the content-addressed photo store of the results service:
//  each photo a file named by the sha256 of its bytes, under a folder of
//  its first two hex digits. Writes are durable (temporary file, fsync,
//  rename, folder fsync); the same bytes are stored once.

#ifndef PHOTO_STORE_H_INCLUDED
#define PHOTO_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mt_error.h"

//  Store bytes; their sha256 in hex goes into sha (65 bytes). durable: the
//  file and its folder fsync'd before returning (the service, which
//  acknowledges what it stored); without, the caller makes everything
//  durable at once later (a restore, with one sync () at its end).
int photo_store_put (const char *store, const uint8_t *bytes, size_t size, bool durable,
                     char *sha, mt_err_t *err);
//  The bytes of a photo (new buffer, caller frees).
int photo_store_get (const char *store, const char *sha, uint8_t **bytes_p, size_t *size_p,
                     mt_err_t *err);
//  Remove a photo's file (gone already is fine), durably.
int photo_store_remove (const char *store, const char *sha, mt_err_t *err);
bool photo_store_has (const char *store, const char *sha);

#endif
