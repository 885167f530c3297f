//  homeward user - create and list the people who may sign in to the web
//  app and the HTTP API.

#include "cli.h"

#include "gateway/accounts/mt_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

//  Read a password without echo from the terminal.
static int
s_prompt (const char *prompt, char *out, size_t size)
{
    FILE *tty = fopen ("/dev/tty", "r+");
    if (!tty)
        return -1;
    struct termios old, quiet;
    tcgetattr (fileno (tty), &old);
    quiet = old;
    quiet.c_lflag &= (tcflag_t) ~ECHO;
    fprintf (tty, "%s", prompt);
    fflush (tty);
    tcsetattr (fileno (tty), TCSAFLUSH, &quiet);
    char *got = fgets (out, (int) size, tty);
    tcsetattr (fileno (tty), TCSAFLUSH, &old);
    fprintf (tty, "\n");
    fclose (tty);
    if (!got)
        return -1;
    out [strcspn (out, "\r\n")] = '\0';
    return 0;
}

int
cli_user (int argc, char **argv)
{
    const char *users = getenv ("HOMEWARD_USERS");
    const char *name = NULL, *role = NULL, *station = "", *password = getenv ("HOMEWARD_PASSWORD");
    int province = 0;
    bool help = argc < 2;
    for (int i = 2; i < argc; i++) {
        const char *a = argv [i];
        const char *v = i + 1 < argc ? argv [i + 1] : NULL;
        if (strcmp (a, "--help") == 0)
            help = true;
        else if (strcmp (a, "--users") == 0 && v)
            users = argv [++i];
        else if (strcmp (a, "--name") == 0 && v)
            name = argv [++i];
        else if (strcmp (a, "--role") == 0 && v)
            role = argv [++i];
        else if (strcmp (a, "--station") == 0 && v)
            station = argv [++i];
        else if (strcmp (a, "--province") == 0 && v)
            province = atoi (argv [++i]);
        else if (strcmp (a, "--password") == 0 && v)
            password = argv [++i];
        else {
            cli_error ("user", "unknown or incomplete option '%s' (see --help)", a);
            return 2;
        }
    }
    if (help || (strcmp (argv [1], "add") != 0 && strcmp (argv [1], "list") != 0)) {
        fprintf (help ? stdout : stderr,
            "usage: homeward user add --name NAME --role ROLE [--station S] [--province P]\n"
            "       homeward user list\n\n"
            "Roles: station_staff (needs --station: they see their station's cases),\n"
            "police_liaison (reviews candidate pairs across provinces), admin (users,\n"
            "audit log). The password is asked for (or HOMEWARD_PASSWORD, or --password);\n"
            "at least 10 characters. Users live in --users FILE (default var/users.db, or\n"
            "HOMEWARD_USERS), next to the data of `homeward serve`.\n");
        return help ? 0 : 2;
    }
    mt_users_t *db;
    mt_err_t err;
    if (mt_users_open (users ? users : "var/users.db", &db, &err) != MT_OK) {
        cli_error ("user", "%s", err.msg);
        return 1;
    }
    int status = 0;
    if (strcmp (argv [1], "list") == 0) {
        mt_user_t *list;
        size_t count;
        if (mt_users_list (db, &list, &count, &err) == MT_OK) {
            for (size_t i = 0; i < count; i++)
                printf ("%-20s %-15s %s\n", list [i].name, mt_role_name (list [i].role),
                        list [i].station);
            free (list);
        }
    }
    else {
        mt_user_t user = { .role = (mt_role) mt_role_from_name (role), .province = province };
        snprintf (user.name, sizeof user.name, "%s", name ? name : "");
        snprintf (user.station, sizeof user.station, "%s", station);
        char typed [256];
        if (!password) {
            char again [256];
            if (s_prompt ("password: ", typed, sizeof typed) != 0
            ||  s_prompt ("again: ", again, sizeof again) != 0) {
                cli_error ("user", "give a password (no terminal to ask on: use HOMEWARD_PASSWORD)");
                mt_users_close (&db);
                return 2;
            }
            if (strcmp (typed, again) != 0) {
                cli_error ("user", "the two passwords differ");
                mt_users_close (&db);
                return 2;
            }
            password = typed;
        }
        if (!user.role) {
            cli_error ("user", "--role must be station_staff, police_liaison or admin");
            status = 2;
        }
        else
        if (mt_users_add (db, &user, password, &err) != MT_OK) {
            cli_error ("user", "%s", err.msg);
            status = 1;
        }
        else
            printf ("user %s (%s) created\n", user.name, mt_role_name (user.role));
    }
    mt_users_close (&db);
    return status;
}
