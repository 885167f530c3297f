//  mt_dir - the names in a folder, in a stable order (for imports and
//  benchmarks that walk labelled folder sets).

#ifndef MT_DIR_H_INCLUDED
#define MT_DIR_H_INCLUDED

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif

#endif
