//  backup_crypt - the backup's encryption at rest: the operator's secret
//  (a file made once, kept away from the backups), and files written and
//  read as libsodium secretstreams (XChaCha20-Poly1305 in 1 MiB chunks,
//  the last one tagged final, so that a truncated, damaged, swapped or
//  foreign file is refused, never half read).
//
//  File: "HWBACKUP" and a format byte, the stream's 24-byte header, then
//  chunks of [4-byte big-endian length][ciphertext]. Each chunk is
//  authenticated with the file's label (e.g. "cases.db", "photo:<sha256>")
//  as additional data: a file put in another's place does not decrypt.

#ifndef BACKUP_CRYPT_H_INCLUDED
#define BACKUP_CRYPT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mt_error.h"

typedef struct {
    uint8_t key [32];           //  the secretstreams' key
    uint8_t name_key [32];      //  keys the photo files' names (derived from key)
} backup_secret_t;

//  Make a new secret in path (hex, mode 0600). Refuses an existing file:
//  a lost secret makes every backup made with it unreadable.
int backup_secret_new (const char *path, mt_err_t *err);
//  Read a secret made by backup_secret_new.
int backup_secret_load (const char *path, backup_secret_t *secret, mt_err_t *err);
//  A check value of the secret (hex, 65 bytes with the zero), kept in the
//  backup folder so that a wrong secret is told as such.
void backup_secret_check (const backup_secret_t *secret, char *check);
//  The file name of a photo in the backup: a keyed hash of its sha256, so
//  that the folder does not tell which photos it holds (hex, 65 bytes).
void backup_photo_name (const backup_secret_t *secret, const char *sha256, char *name);

typedef struct backup_writer backup_writer_t;

//  Start writing an encrypted file: the bytes go to path + ".tmp" until
//  close commits them. Caller destroys with backup_writer_close.
int backup_writer_open (const char *path, const backup_secret_t *secret, const char *label,
                        backup_writer_t **self_p, mt_err_t *err);
int backup_writer_write (backup_writer_t *self, const void *data, size_t size, mt_err_t *err);
//  Finish: with commit, the final chunk, fsync, rename over path and fsync
//  of its folder; without (or after a failed write), the temporary file is
//  removed. Frees self, NULL-safe; sets *self_p to NULL.
int backup_writer_close (backup_writer_t **self_p, bool commit, mt_err_t *err);
//  The bytes written to the file so far (ciphertext and framing).
uint64_t backup_writer_bytes (const backup_writer_t *self);

//  Let close skip the fsyncs of the file and its folder: the caller makes
//  many such files durable at once (sync ()) before relying on them.
void backup_writer_defer_sync (backup_writer_t *self);

//  Write a whole file (see backup_writer_open); durable false: as
//  backup_writer_defer_sync.
int backup_file_write (const char *path, const backup_secret_t *secret, const char *label,
                       const void *data, size_t size, bool durable, mt_err_t *err);
//  Encrypt the file from into path.
int backup_file_encrypt (const char *from, const char *path, const backup_secret_t *secret,
                         const char *label, mt_err_t *err);
//  Decrypt a whole file into memory (refused above limit bytes); caller
//  frees *data_p. The buffer has one spare zero byte after *size_p.
int backup_file_read (const char *path, const backup_secret_t *secret, const char *label,
                      size_t limit, uint8_t **data_p, size_t *size_p, mt_err_t *err);
//  Decrypt a file into out (e.g. a database being restored); *size_p (may
//  be NULL) the bytes written.
int backup_file_decrypt (const char *path, const backup_secret_t *secret, const char *label,
                         FILE *out, uint64_t *size_p, mt_err_t *err);

//  Decrypt a file only to learn its plain bytes' sha256 (hex, 65 bytes)
//  and size: a written file checked by reading it back.
int backup_file_digest (const char *path, const backup_secret_t *secret, const char *label,
                        char *sha256, uint64_t *size_p, mt_err_t *err);


#endif
