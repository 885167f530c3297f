//  results_casemem - what weighing reads of a case, kept in memory while
//  the store's version of the case says it is still the store's.

#include "results/results_casemem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The facts a copy keeps: every one of MT_CASE_FACTS but text (names,
//  contacts, places by name, notes; weighing reads none of them), so that a
//  new fact of another type is kept without a word here. A text fact that
//  is to weigh must be added below, and to S_FIELDS.
#define S_KEPT(name, type, limit, none, kind, flags, flag, help, label) S_KEPT_##type (name, limit)
#define S_KEPT_TEXT(name, limit)
#define S_KEPT_DATE(name, limit) char name [(limit) + 1];
#define S_KEPT_INT(name, limit) int name;
#define S_KEPT_RANGE(name, limit) int name##_min, name##_max;
#define S_KEPT_SEX(name, limit) mt_sex name;

//  The same facts copied from one struct to the other (to, from).
#define S_COPY(name, type, limit, none, kind, flags, flag, help, label) S_COPY_##type (name)
#define S_COPY_TEXT(name)
#define S_COPY_DATE(name) snprintf (to->name, sizeof to->name, "%s", from->name);
#define S_COPY_INT(name) to->name = from->name;
#define S_COPY_RANGE(name) to->name##_min = from->name##_min, to->name##_max = from->name##_max;
#define S_COPY_SEX(name) to->name = from->name;

//  What else weighing reads of a case (results_weigh.c, results_same_weigh.c).
#define S_FIELDS \
    to->id = from->id; \
    to->person_group = from->person_group; \
    to->kind = from->kind; \
    snprintf (to->state, sizeof to->state, "%s", from->state);

//  One case's copy: what weighing reads of it, and its faces.
typedef struct {
    int64_t id, version, person_group;
    int64_t changes;                //  the store's count when it was last checked, trusted
                                    //  (results_casemem_trust); -1 none
    mt_case_kind kind;
    bool used;                      //  since the last sweep
    char state [sizeof ((mt_case_t *) 0)->state];
    MT_CASE_FACTS (S_KEPT)
    size_t count;
    mt_face_row_t faces [];
} s_copy_t;

typedef struct {
    int64_t id;                     //  0: empty
    s_copy_t *copy;
} s_slot_t;

struct results_casemem {
    size_t budget, bytes;
    s_slot_t *slots;
    size_t size, used;              //  slots, and those holding a copy
    size_t hand;                    //  where the next sweep starts
    int64_t changes;                //  the store's count of changes while trusted, else -1
    uint64_t hits, misses, checks;
};

#define S_FIRST_SLOTS 1024

results_casemem_t *
results_casemem_new (size_t budget)
{
    results_casemem_t *self = calloc (1, sizeof *self);
    if (self)
        self->budget = budget, self->changes = -1;
    return self;
}

void
results_casemem_destroy (results_casemem_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    results_casemem_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++)
        free (self->slots [i].copy);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

static size_t
s_home (const results_casemem_t *self, int64_t id)
{
    return (size_t) (((uint64_t) id * 0x9E3779B97F4A7C15u) >> 17) & (self->size - 1);
}

static size_t
s_copy_bytes (const s_copy_t *copy)
{
    return sizeof *copy + copy->count * sizeof copy->faces [0];
}

//  The slot of id, or the empty slot where it would go.
static size_t
s_slot (const results_casemem_t *self, int64_t id)
{
    size_t i = s_home (self, id);
    while (self->slots [i].id != 0 && self->slots [i].id != id)
        i = (i + 1) & (self->size - 1);
    return i;
}

//  Take the copy out of slot i; the copies after it that were placed past
//  their home move back, so that every copy stays reachable from its home.
static void
s_remove (results_casemem_t *self, size_t i)
{
    self->bytes -= s_copy_bytes (self->slots [i].copy);
    free (self->slots [i].copy);
    self->used--;
    size_t mask = self->size - 1;
    for (size_t j = (i + 1) & mask; self->slots [j].id != 0; j = (j + 1) & mask) {
        size_t home = s_home (self, self->slots [j].id);
        //  Slot j's copy may fill hole i unless its home lies in (i, j].
        bool stays = i <= j ? home > i && home <= j : home > i || home <= j;
        if (!stays) {
            self->slots [i] = self->slots [j];
            i = j;
        }
    }
    self->slots [i] = (s_slot_t) { 0 };
}

static bool
s_grow (results_casemem_t *self)
{
    size_t size = self->size ? self->size * 2 : S_FIRST_SLOTS;
    s_slot_t *slots = calloc (size, sizeof *slots);
    if (!slots)
        return false;
    s_slot_t *old = self->slots;
    size_t old_size = self->size;
    self->bytes += (size - old_size) * sizeof *slots;
    self->slots = slots;
    self->size = size;
    for (size_t i = 0; i < old_size; i++)
        if (old [i].id != 0)
            self->slots [s_slot (self, old [i].id)] = old [i];
    free (old);
    return true;
}

//  Past the budget, copies not used since the hand last passed them go
//  (each used one is passed over once, marked unused), until an eighth of
//  the budget is free.
static void
s_sweep (results_casemem_t *self)
{
    size_t goal = self->budget - self->budget / 8;
    for (size_t steps = 0; self->bytes > goal && self->used && steps < 2 * self->size;
         steps++) {
        size_t i = self->hand;
        if (self->slots [i].id != 0 && !self->slots [i].copy->used) {
            s_remove (self, i);     //  another copy may have moved into slot i
            continue;
        }
        if (self->slots [i].id != 0)
            self->slots [i].copy->used = false;
        self->hand = (i + 1) & (self->size - 1);
    }
}

static void
s_facts_of (s_copy_t *to, const mt_case_t *from, int64_t version)
{
    S_FIELDS
    MT_CASE_FACTS (S_COPY)
    to->version = version;
}

static void
s_case_of (const s_copy_t *from, mt_case_t *to)
{
    memset (to, 0, sizeof *to);
    S_FIELDS
    MT_CASE_FACTS (S_COPY)
}

//  Keep a copy of case c at version (its faces: count), in place of any
//  older one. Out of memory, or larger than the budget: not kept.
static void
s_keep (results_casemem_t *self, const mt_case_t *c, int64_t version,
        const mt_face_row_t *faces, size_t count)
{
    s_copy_t *copy = malloc (sizeof *copy + count * sizeof *faces);
    if (!copy)
        return;
    s_facts_of (copy, c, version);
    copy->changes = self->changes;
    copy->used = true;
    copy->count = count;
    if (count)
        memcpy (copy->faces, faces, count * sizeof *faces);
    if ((self->used + 1) * 2 > self->size && !s_grow (self)) {
        free (copy);
        return;
    }
    size_t i = s_slot (self, c->id);
    if (self->slots [i].id != 0) {
        self->bytes -= s_copy_bytes (self->slots [i].copy);
        free (self->slots [i].copy);
    }
    else
        self->used++;
    self->slots [i] = (s_slot_t) { .id = c->id, .copy = copy };
    self->bytes += s_copy_bytes (copy);
    if (self->bytes > self->budget)
        s_sweep (self);
}

int
results_casemem_get (results_casemem_t *self, mt_casedb_t *db, int64_t id, mt_case_t *c,
                     mt_face_row_t **faces_p, size_t *count_p, mt_err_t *err)
{
    *faces_p = NULL;
    *count_p = 0;
    size_t i = self->size ? s_slot (self, id) : 0;
    s_copy_t *copy = self->size && self->slots [i].id == id ? self->slots [i].copy : NULL;
    //  Checked at the count of changes the store gives now: no case has
    //  changed since. Else the version first: what is read after it is at
    //  least as new, so a copy is never taken for newer than it is.
    int64_t version = 0;
    int rc = MT_OK;
    if (!copy || self->changes < 0 || copy->changes != self->changes) {
        self->checks++;
        rc = mt_casedb_case_version (db, id, &version, err);
        if (rc != MT_OK)
            return rc;
    }
    else
        version = copy->version;
    if (copy && copy->version == version) {
        self->hits++;
        if (self->changes >= 0)
            copy->changes = self->changes;
        copy->used = true;
        s_case_of (copy, c);
        if (copy->count) {
            *faces_p = malloc (copy->count * sizeof **faces_p);
            if (!*faces_p)
                return mt_err_set (err, MT_ENOMEM, "out of memory");
            memcpy (*faces_p, copy->faces, copy->count * sizeof **faces_p);
        }
        *count_p = copy->count;
        return MT_OK;
    }
    self->misses++;
    rc = mt_casedb_case_facts (db, id, c, err);
    if (rc == MT_OK)
        rc = mt_casedb_faces_of_case (db, id, faces_p, count_p, err);
    if (rc != MT_OK) {
        free (*faces_p);
        *faces_p = NULL;
        *count_p = 0;
        return rc;
    }
    //  What a copy would give, whether or not one is kept: weighing sees
    //  the same case either way.
    s_copy_t facts;
    s_facts_of (&facts, c, version);
    s_case_of (&facts, c);
    if (self->budget)
        s_keep (self, c, version, *faces_p, *count_p);
    return MT_OK;
}

void
results_casemem_trust (results_casemem_t *self, mt_casedb_t *db)
{
    mt_err_t err;
    if (mt_casedb_case_changes (db, &self->changes, &err) != MT_OK)
        self->changes = -1;         //  unread: each copy's version is read, as untrusted
}

void
results_casemem_distrust (results_casemem_t *self)
{
    self->changes = -1;
}

results_casemem_stats_t
results_casemem_stats (const results_casemem_t *self)
{
    return (results_casemem_stats_t) { .cases = self->used, .bytes = self->bytes,
                                       .hits = self->hits, .misses = self->misses,
                                       .checks = self->checks };
}
