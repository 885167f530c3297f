//  mt_dir - folders: made with their parents, synced, and the names in one
//  in a stable order (for imports and benchmarks that walk labelled sets).

#ifndef MT_DIR_H_INCLUDED
#define MT_DIR_H_INCLUDED

#include <stddef.h>

#include "base/mt_error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The names in dir, hidden ones (starting with '.') left out, in natural
//  order (a leading number compares as a number: 2.jpg before 10.jpg, then
//  by name). Returns how many; *names_p is a new array of new strings
//  (free with mt_dir_free), NULL when the folder cannot be read or is empty.
size_t mt_dir_list (const char *dir, char ***names_p);

//  Free a list from mt_dir_list; NULL-safe.
void mt_dir_free (char **names, size_t count);

//  Create a folder and its parents (mode 0700); one that exists is fine.
int mt_dir_make (const char *path, mt_err_t *err);

//  fsync a folder, so that names made, renamed or removed in it survive a
//  crash. err may be NULL (callers that go on either way).
int mt_dir_sync (const char *dir, mt_err_t *err);

#ifdef __cplusplus
}
#endif

#endif
