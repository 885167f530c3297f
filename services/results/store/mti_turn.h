//  mti_turn - writers of one SQLite store in this process take their turns
//  in the order they asked. SQLite lets a writer that was refused the lock
//  sleep and try again (its busy wait, up to 10 s here); one that commits
//  and begins again at once mostly wins the next try. The results service's
//  matcher writes case after case that way, and the API's writes (a
//  reviewer's decision, a photo's faces) waited seconds, sometimes past
//  the busy wait ("database is locked"). PostgreSQL's writer lock queues
//  its waiters already (mt_sql_pg.c). Internal to libmatch.

#ifndef MTI_TURN_H_INCLUDED
#define MTI_TURN_H_INCLUDED

#include <stdbool.h>

typedef struct mti_turns mti_turns_t;

//  The turns of the store at path (one per file, kept while the process
//  lives); NULL when out of memory (writers then go untimed, as before).
mti_turns_t *mti_turns_of (const char *path);

//  Wait for this thread's turn; false (at once) when the thread holds the
//  turn already (through another handle of the same store): waiting would
//  never end, so it goes without one, as before.
bool mti_turn_take (mti_turns_t *self);

//  The turn passes to the next writer.
void mti_turn_give (mti_turns_t *self);

#endif
