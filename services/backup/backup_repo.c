//  backup_repo - the backup folder's layout (see backup_repo.h).

#include "backup_repo.h"

#include "base/mt_dir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
backup_repo_remove_tree (const char *path)
{
    DIR *dir = opendir (path);
    if (dir) {
        struct dirent *entry;
        while ((entry = readdir (dir))) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
                continue;
            char child [PATH_MAX];
            snprintf (child, sizeof child, "%s/%s", path, entry->d_name);
            struct stat st;
            if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
                backup_repo_remove_tree (child);
            else
                unlink (child);
        }
        closedir (dir);
    }
    rmdir (path);
}

int
backup_repo_open (const char *dir, const backup_secret_t *secret, bool create, mt_err_t *err)
{
    char marker [PATH_MAX], check [65], line [200];
    snprintf (marker, sizeof marker, "%s/HOMEWARD-BACKUP", dir);
    backup_secret_check (secret, check);
    FILE *file = fopen (marker, "re");
    if (!file && errno == ENOENT && create) {
        char **names = NULL;
        size_t count = mt_dir_list (dir, &names);
        mt_dir_free (names, count);
        if (count > 0)
            return mt_err_set (err, MT_EINVAL, "%s holds files but is not a Homeward backup "
                               "folder: give an empty or new folder", dir);
        int rc = mt_dir_make (dir, err);
        if (rc != MT_OK)
            return rc;
        char tmp [PATH_MAX + 8];
        snprintf (tmp, sizeof tmp, "%s.tmp", marker);
        file = fopen (tmp, "we");
        if (!file)
            return mt_err_set (err, MT_EIO, "cannot create %s: %s", tmp, strerror (errno));
        fprintf (file, "Homeward backup folder (homeward restore reads it; every file in it is "
                 "encrypted)\nformat %d\ncheck %s\n", BACKUP_FORMAT, check);
        bool ok = fflush (file) == 0 && fsync (fileno (file)) == 0;
        ok &= fclose (file) == 0;
        if (!ok || rename (tmp, marker) != 0)
            return mt_err_set (err, MT_EIO, "cannot write %s", marker);
        mt_dir_sync (dir, NULL);
        return MT_OK;
    }
    if (!file)
        return mt_err_set (err, errno == ENOENT ? MT_ENOTFOUND : MT_EIO,
                           "%s is not a Homeward backup folder (%s: %s)", dir, marker,
                           strerror (errno));
    int format = 0;
    char found [65] = "";
    while (fgets (line, sizeof line, file)) {
        if (sscanf (line, "format %d", &format) == 1)
            continue;
        sscanf (line, "check %64s", found);
    }
    fclose (file);
    if (format != BACKUP_FORMAT)
        return mt_err_set (err, MT_EFORMAT, "%s is a backup folder of format %d; this Homeward "
                           "reads format %d", dir, format, BACKUP_FORMAT);
    if (strcmp (found, check) != 0)
        return mt_err_set (err, MT_EINVAL, "%s was made with another secret: give the secret "
                           "file its backups were made with", dir);
    return MT_OK;
}

void
backup_repo_photo_path (const char *dir, const backup_secret_t *secret, const char *sha256,
                        char *path, size_t size)
{
    char name [65];
    backup_photo_name (secret, sha256, name);
    snprintf (path, size, "%s/photos/%.2s/%s.hwe", dir, name, name);
}

size_t
backup_repo_snapshots (const char *dir, char ***names_p)
{
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/snapshots", dir);
    //  Names are UTC times (YYYYMMDDTHHMMSS.mmmZ): the natural order is
    //  the order in time.
    return mt_dir_list (path, names_p);
}

int
backup_repo_read_json (const char *path, const backup_secret_t *secret, const char *label,
                       json_t **json_p, mt_err_t *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = backup_file_read (path, secret, label, BACKUP_MAX_MANIFEST, &data, &size, err);
    if (rc != MT_OK)
        return rc;
    json_error_t error;
    *json_p = json_loadb ((const char *) data, size, 0, &error);
    free (data);
    if (!*json_p)
        return mt_err_set (err, MT_EDECODE, "%s is damaged: %s", path, error.text);
    return MT_OK;
}

int
backup_repo_write_json (const char *path, const backup_secret_t *secret, const char *label,
                        json_t *json, mt_err_t *err)
{
    char *text = json_dumps (json, JSON_COMPACT);
    if (!text)
        return mt_err_set (err, MT_ENOMEM, "out of memory");
    int rc = backup_file_write (path, secret, label, text, strlen (text), true, err);
    free (text);
    return rc;
}
