//  backup_actor - serve's scheduled backups: one soon after start, then one
//  every `every_min` minutes, each a backup_take through the results
//  service's API, logged with its figures (a failure is logged and tried
//  again in ten minutes, or at the next turn if that comes first).

#ifndef BACKUP_ACTOR_H_INCLUDED
#define BACKUP_ACTOR_H_INCLUDED

#include <stdint.h>

#include "backup/backup_crypt.h"

typedef struct {
    char api [256];                 //  the results service's API
    char dir [1024];                //  the backup folder
    backup_secret_t secret;
    char users [1024];              //  users.db to include, or ""
    int64_t every_min;
    int64_t keep;
    int64_t first_s;                //  seconds after start of the first one
} backup_actor_config_t;

void backup_actor (void *pipe, void *arg);

#endif
