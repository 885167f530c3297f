//  homeward user - the people who may sign in to the web app and the HTTP
//  API: add, list, disable, enable, delete, reset a password, unlock, and
//  one's own password. It opens the users database directly (it works
//  while nothing runs, e.g. to unlock the admin), and writes each change
//  into the audit log through the running service when it answers.

#include "cli.h"
#include "cli_api.h"

#include "gateway/accounts/mt_users.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define S_CMD "user"
#define S_AUDIT_TIMEOUT_MS 5000

static const char s_common_help [] =
    "Each change goes into the audit log through the running service (--api: by default\n"
    "its socket beside --users, e.g. ipc://var/api.sock); a change made while nothing\n"
    "runs is made, but is not in the audit log (a note says so).\n\n";

static const struct {
    const char *name, *usage, *help;
} s_commands [] = {
    { "add", "add --name NAME --role ROLE [--station S] [--province P] [--must-change]",
      "Add a user. Roles: station_staff (needs --station: they see their station's cases),\n"
      "police_liaison (reviews candidate pairs across provinces), admin (users, audit log).\n"
      "--province: their province (GB/T 2260 code). --must-change: they must change the\n"
      "password at their first sign-in (give it when you choose it for them).\n"
      "Names: 2-63 letters, digits, '.', '_', '-'; a deleted user's name is never given\n"
      "again. The password is asked for twice (or HOMEWARD_PASSWORD, or --password): at\n"
      "least 10 characters, not a common password, not containing the user name.\n" },
    { "list", "list [--json]",
      "List the users: role, station, and state (active, disabled, locked until a time,\n"
      "must change the password).\n" },
    { "disable", "disable --name NAME",
      "Disable a user: they cannot sign in, and their sessions end at once. The last\n"
      "active admin cannot be disabled.\n" },
    { "enable", "enable --name NAME", "Enable a disabled user again.\n" },
    { "delete", "delete --name NAME --yes",
      "Delete a user: their sessions end, and the name is retired (never given to anyone\n"
      "again, so the audit log keeps meaning one person). Cannot be undone: give --yes.\n"
      "The last active admin cannot be deleted.\n" },
    { "reset-password", "reset-password --name NAME",
      "Set a new password for a user who lost theirs (asked for twice, or\n"
      "HOMEWARD_PASSWORD, or --password): their sessions end, any lock ends, and they\n"
      "must change it at their next sign-in.\n" },
    { "unlock", "unlock --name NAME",
      "Unlock a user locked after 5 failed sign-ins (the lock would end by itself after\n"
      "15 minutes), e.g. `homeward user unlock --name admin`.\n" },
    { "passwd", "passwd --name NAME",
      "Change your own password: the current one, then the new one twice (or\n"
      "HOMEWARD_OLD_PASSWORD and HOMEWARD_PASSWORD, or --old-password and --password).\n"
      "Your other sessions end.\n" }
};
#define S_COMMANDS (sizeof s_commands / sizeof s_commands [0])

//  A user command's options, as given.
typedef struct {
    cli_api_opts_t api;
    char users [1024], name [64], role [32], station [MT_UTF8_BYTES (MT_USER_STATION_CHARS)];
    char password [MT_USERS_PASSWORD_BYTES + 2], old [MT_USERS_PASSWORD_BYTES + 2];
    int64_t province;
    bool must_change, yes;
} s_settings_t;

#define S_KEY(key, field, help) \
    { key, MT_CFG_STRING, offsetof (s_settings_t, field), 0, \
      sizeof ((s_settings_t *) 0)->field, help }
#define S_USERS_KEYS \
    CLI_API_KEYS (s_settings_t, api), \
    S_KEY ("users", users, "the users database (default var/users.db), next to the data of " \
           "`homeward serve`")
#define S_NAME_KEY S_KEY ("name", name, "the user's name")
#define S_PASSWORD_KEY S_KEY ("password", password, "the new password (default: asked twice)")

static const mt_config_key_t s_add_keys [] = {
    S_USERS_KEYS, S_NAME_KEY, S_PASSWORD_KEY,
    S_KEY ("role", role, "station_staff, police_liaison or admin"),
    S_KEY ("station", station, "a station_staff's relief station"),
    { "province", MT_CFG_INT, offsetof (s_settings_t, province), 0, 99,
      "their province (GB/T 2260 code; 0: none)" },
    { "must-change", MT_CFG_BOOL, offsetof (s_settings_t, must_change), 0, 0,
      "they must change the password at their first sign-in" },
    CLI_KEYS_END
};
static const mt_config_key_t s_list_keys [] = { S_USERS_KEYS, CLI_KEYS_END };
static const mt_config_key_t s_name_keys [] = { S_USERS_KEYS, S_NAME_KEY, CLI_KEYS_END };
static const mt_config_key_t s_delete_keys [] = {
    S_USERS_KEYS, S_NAME_KEY,
    { "yes", MT_CFG_BOOL, offsetof (s_settings_t, yes), 0, 0, "yes, delete for good" },
    CLI_KEYS_END
};
static const mt_config_key_t s_reset_keys [] = {
    S_USERS_KEYS, S_NAME_KEY, S_PASSWORD_KEY, CLI_KEYS_END
};
static const mt_config_key_t s_passwd_keys [] = {
    S_USERS_KEYS, S_NAME_KEY, S_PASSWORD_KEY,
    S_KEY ("old-password", old, "your current password (default: asked)"), CLI_KEYS_END
};

//  The options of a sub-command (named as in s_commands).
static const mt_config_key_t *
s_keys_of (const char *command)
{
    return strcmp (command, "add") == 0 ? s_add_keys
         : strcmp (command, "list") == 0 ? s_list_keys
         : strcmp (command, "delete") == 0 ? s_delete_keys
         : strcmp (command, "reset-password") == 0 ? s_reset_keys
         : strcmp (command, "passwd") == 0 ? s_passwd_keys : s_name_keys;
}

static void
s_usage (FILE *out, int only)
{
    for (size_t i = 0; i < S_COMMANDS; i++)
        if (only < 0 || (size_t) only == i)
            fprintf (out, "%s homeward user %s\n", i == 0 || only >= 0 ? "usage:" : "      ",
                     s_commands [i].usage);
    fprintf (out, "\n");
    if (only >= 0)
        fprintf (out, "%s\n", s_commands [only].help);
    else
        fprintf (out, "Each sub-command has --help.\n\n");
    fprintf (out, "%s", s_common_help);
    s_settings_t settings = { .users = "" };
    cli_api_help (s_keys_of (only >= 0 ? s_commands [only].name : "list"), &settings,
                  &settings.api, out);
}

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

//  A new password: given, or asked for twice. NULL after printing why.
static const char *
s_new_password (const char *given, char *typed, size_t size)
{
    if (given)
        return given;
    char again [MT_USERS_PASSWORD_BYTES + 2];
    if (s_prompt ("new password: ", typed, size) != 0
    ||  s_prompt ("again: ", again, sizeof again) != 0) {
        cli_error (S_CMD, "give a password (no terminal to ask on: use HOMEWARD_PASSWORD)");
        return NULL;
    }
    if (strcmp (typed, again) != 0) {
        cli_error (S_CMD, "the two passwords differ");
        return NULL;
    }
    return typed;
}

//  Into the audit log through the running service; a note when it does
//  not answer (the change is made either way).
static void
s_audit (const cli_api_opts_t *opts, const char *actor, const char *action, const char *name,
         const char *detail)
{
    //  A unix socket that is not there: nothing runs; no need to wait.
    if (strncmp (opts->api, "ipc://", 6) == 0 && access (opts->api + 6, F_OK) != 0) {
        fprintf (stderr, "note: not in the audit log: Homeward is not running (no %s)\n",
                 opts->api + 6);
        return;
    }
    api_client_t *client;
    mt_err_t err;
    int rc = api_client_new (opts->api, &opts->curve, &client, &err);
    if (rc == MT_OK) {
        api_client_set_actor (client, actor);
        char object [96], full [300];
        snprintf (object, sizeof object, "user %s", name);
        snprintf (full, sizeof full, "%s%son the command line", detail ? detail : "",
                  detail ? "; " : "");
        json_t *params = json_pack ("{s:s, s:s, s:s}", "action", action, "object", object,
                                    "detail", full), *result = NULL;
        int timeout = opts->timeout_ms < S_AUDIT_TIMEOUT_MS ? opts->timeout_ms
                                                            : S_AUDIT_TIMEOUT_MS;
        rc = api_call (client, "audit.add", params, NULL, 0, timeout, &result, NULL, NULL, &err);
        json_decref (params);
        json_decref (result);
        api_client_destroy (&client);
    }
    if (rc != MT_OK)
        fprintf (stderr, "note: not in the audit log: %s\n", err.msg);
}

static void
s_state (const mt_user_t *u, char *out, size_t size)
{
    char until [32] = "";
    if (u->locked_until) {
        time_t t = (time_t) u->locked_until;
        struct tm tm;
        gmtime_r (&t, &tm);
        strftime (until, sizeof until, "%Y-%m-%d %H:%M UTC", &tm);
    }
    snprintf (out, size, "%s%s%s%s", u->disabled ? "disabled" : "active",
              u->locked_until ? ", locked until " : "", until,
              u->must_change ? ", must change password" : "");
}

static int
s_list (mt_users_t *db, const cli_api_opts_t *opts)
{
    mt_user_t *list;
    size_t count;
    mt_err_t err;
    if (mt_users_list (db, &list, &count, &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        const mt_user_t *u = &list [i];
        char state [96];
        s_state (u, state, sizeof state);
        if (opts->json) {
            //  As the API shows a user (GET /api/v1/users).
            char until [32] = "";
            if (u->locked_until) {
                time_t t = (time_t) u->locked_until;
                struct tm tm;
                gmtime_r (&t, &tm);
                strftime (until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm);
            }
            json_t *row = json_pack ("{s:s, s:s, s:s, s:i, s:b, s:b, s:o, s:s, s:o}", "name",
                                     u->name, "role", mt_role_name (u->role), "station",
                                     u->station, "province", u->province, "disabled",
                                     u->disabled, "must_change_password", u->must_change,
                                     "locked_until", until [0] ? json_string (until)
                                                               : json_null (),
                                     "created_at", u->created_at, "last_signin_at",
                                     u->last_signin_at [0] ? json_string (u->last_signin_at)
                                                           : json_null ());
            cli_print_json (row);
            json_decref (row);
        }
        else
            printf ("%-20s %-15s %-40s %s\n", u->name, mt_role_name (u->role), state,
                    u->station);
    }
    free (list);
    return 0;
}

//  A user command's options, as used: NULL when not given.
typedef struct {
    const char *users, *name, *role, *station, *password, *old;
    int province;
    bool must_change, yes;
} s_args_t;

//  The options of command from settings: 0, or 2 after saying what is
//  wrong.
static int
s_parse (const char *command, const s_settings_t *settings, s_args_t *args)
{
    *args = (s_args_t) {
        .users = settings->users [0] ? settings->users : NULL,
        .name = settings->name [0] ? settings->name : NULL,
        .role = settings->role, .station = settings->station,
        .password = settings->password [0] ? settings->password : NULL,
        .old = settings->old [0] ? settings->old : NULL,
        .province = (int) settings->province, .must_change = settings->must_change,
        .yes = settings->yes
    };
    bool adding = strcmp (command, "add") == 0;
    if (settings->api.argc > 0) {
        cli_error (S_CMD, "'%s': user %s takes options only (see homeward user %s --help)",
                   settings->api.argv [0], command, command);
        return 2;
    }
    if (strcmp (command, "list") != 0 && !args->name) {
        cli_error (S_CMD, "give --name NAME (see homeward user %s --help)", command);
        return 2;
    }
    if (strcmp (command, "delete") == 0 && !args->yes) {
        cli_error (S_CMD, "deleting %s cannot be undone (the name is retired for good): give "
                   "--yes", args->name);
        return 2;
    }
    if (adding && !mt_role_from_name (args->role)) {
        cli_error (S_CMD, "--role must be station_staff, police_liaison or admin");
        return 2;
    }
    return 0;
}

static int
s_add (mt_users_t *db, const cli_api_opts_t *opts, const s_args_t *args, char *typed,
       size_t size)
{
    mt_user_t user = { .role = (mt_role) mt_role_from_name (args->role),
                       .province = args->province, .must_change = args->must_change };
    snprintf (user.name, sizeof user.name, "%s", args->name);
    snprintf (user.station, sizeof user.station, "%s", args->station);
    const char *password = args->password;
    mt_err_t err;
    int status = 0;
    //  Checked before it is asked twice, so a refused one is said at once.
    if (password && mt_users_password_check (args->name, password, NULL, &err) != MT_OK)
        status = 1;
    else
    if (!(password = s_new_password (password, typed, size)))
        status = 2;
    else
    if (mt_users_add (db, &user, password, &err) != MT_OK)
        status = 1;
    if (status == 0) {
        printf ("user %s (%s) created%s\n", user.name, mt_role_name (user.role),
                args->must_change ? "; they must change the password at their first sign-in"
                                  : "");
        char detail [640];
        snprintf (detail, sizeof detail, "%s%s%s%s", mt_role_name (user.role),
                  user.station [0] ? ", " : "", user.station,
                  args->must_change ? "; must change the password at the first sign-in" : "");
        s_audit (opts, opts->actor, "user.add", args->name, detail);
    }
    else
    if (status == 1)
        cli_error (S_CMD, "%s", err.msg);
    return status;
}

static int
s_enable (mt_users_t *db, const cli_api_opts_t *opts, const char *name, bool disable)
{
    int sessions = mt_users_session_count (db, name);
    mt_err_t err;
    if (mt_users_set_disabled (db, name, disable, &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        return 1;
    }
    printf (disable ? "user %s disabled; %d sessions ended\n" : "user %s enabled\n", name,
            sessions);
    char detail [64];
    snprintf (detail, sizeof detail, "%d sessions ended", sessions);
    s_audit (opts, opts->actor, disable ? "user.disable" : "user.enable", name,
             disable ? detail : NULL);
    return 0;
}

static int
s_delete (mt_users_t *db, const cli_api_opts_t *opts, const char *name)
{
    int sessions = mt_users_session_count (db, name);
    mt_user_t user;
    mt_err_t err;
    if (mt_users_get (db, name, &user, &err) != MT_OK
    ||  mt_users_delete (db, name, &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        return 1;
    }
    printf ("user %s deleted; %d sessions ended; the name is retired\n", name, sessions);
    char detail [640];
    snprintf (detail, sizeof detail, "%s%s%s; %d sessions ended; the name is retired",
              mt_role_name (user.role), user.station [0] ? ", " : "", user.station, sessions);
    s_audit (opts, opts->actor, "user.delete", name, detail);
    return 0;
}

static int
s_reset (mt_users_t *db, const cli_api_opts_t *opts, const s_args_t *args, char *typed,
         size_t size)
{
    const char *name = args->name, *password = args->password;
    int sessions = mt_users_session_count (db, name);
    mt_user_t user;
    mt_err_t err;
    int status = 0;
    if (mt_users_get (db, name, &user, &err) != MT_OK
    ||  (password && mt_users_password_check (name, password, NULL, &err) != MT_OK))
        status = 1;
    else
    if (!(password = s_new_password (password, typed, size)))
        status = 2;
    else
    if (mt_users_set_password (db, name, password, true, &err) != MT_OK)
        status = 1;
    if (status == 0) {
        printf ("password of %s reset; %d sessions ended; they must change it at their "
                "next sign-in\n", name, sessions);
        char detail [128];
        snprintf (detail, sizeof detail, "must change it at the next sign-in; %d sessions "
                  "ended%s", sessions, user.locked_until ? "; the lock ended" : "");
        s_audit (opts, opts->actor, "user.password_reset", name, detail);
    }
    else
    if (status == 1)
        cli_error (S_CMD, "%s", err.msg);
    return status;
}

static int
s_unlock (mt_users_t *db, const cli_api_opts_t *opts, const char *name)
{
    bool was_locked = false;
    mt_err_t err;
    if (mt_users_unlock (db, name, &was_locked, &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        return 1;
    }
    printf (was_locked ? "user %s unlocked\n"
                       : "user %s was not locked (its failed sign-ins are forgotten)\n", name);
    s_audit (opts, opts->actor, "user.unlock", name,
             was_locked ? "was locked" : "was not locked; failed sign-ins forgotten");
    return 0;
}

//  passwd: the user's own, with the current one.
static int
s_passwd (mt_users_t *db, const cli_api_opts_t *opts, const s_args_t *args, char *typed,
          char *typed_old, size_t size)
{
    const char *name = args->name, *old = args->old, *password = args->password;
    if (!old && s_prompt ("current password: ", typed_old, size) == 0)
        old = typed_old;
    if (!old) {
        cli_error (S_CMD, "give the current password (no terminal to ask on: use "
                   "HOMEWARD_OLD_PASSWORD)");
        return 2;
    }
    if (!(password = s_new_password (password, typed, size)))
        return 2;
    mt_password_reason reason;
    bool locked = false;
    mt_err_t err;
    if (mt_users_change_password (db, name, old, password, NULL, &reason, &locked,
                                  &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        if (locked)
            s_audit (opts, "anonymous", "session.locked", name,
                     "locked after failed sign-ins, the last a wrong current password");
        return 1;
    }
    printf ("password of %s changed; their sessions ended\n", name);
    s_audit (opts, name, "user.password_change", name, "their own; sessions ended");
    return 0;
}

int
cli_user (int argc, char **argv)
{
    int which = -1;
    for (size_t i = 0; argc >= 2 && i < S_COMMANDS; i++)
        if (strcmp (argv [1], s_commands [i].name) == 0)
            which = (int) i;
    if (which < 0) {
        bool help = argc < 2 || cli_wants_help (argc, argv);
        if (!help)
            cli_error (S_CMD, "unknown sub-command '%s'", argv [1]);
        s_usage (help ? stdout : stderr, -1);
        return help ? 0 : 2;
    }
    if (cli_wants_help (argc, argv)) {
        s_usage (stdout, which);
        return 0;
    }
    const char *command = s_commands [which].name;
    s_settings_t settings = { .users = "" };
    if (cli_api_load (S_CMD, s_keys_of (command), &settings, &settings.api, argc - 1,
                      argv + 1) != 0)
        return 2;
    cli_api_opts_t opts = settings.api;
    s_args_t args;
    int status = s_parse (command, &settings, &args);
    //  The service whose users these are listens beside them (serve's
    //  VAR/api.sock), unless told otherwise.
    bool api_given = getenv ("HOMEWARD_API") != NULL;
    for (int i = 1; i < argc; i++)
        api_given |= strcmp (argv [i], "--api") == 0 || strncmp (argv [i], "--api=", 6) == 0;
    const char *path = args.users ? args.users : "var/users.db";
    const char *slash = strrchr (path, '/');
    if (!api_given)
        snprintf (opts.api, sizeof opts.api, "ipc://%.*s%sapi.sock",
                  slash ? (int) (slash - path) : 0, path, slash ? "/" : "");
    mt_users_t *db = NULL;
    mt_err_t err;
    if (status == 0 && mt_users_open (path, &db, &err) != MT_OK) {
        cli_error (S_CMD, "%s", err.msg);
        status = 1;
    }
    char typed [MT_USERS_PASSWORD_BYTES + 2], typed_old [MT_USERS_PASSWORD_BYTES + 2];
    if (status != 0)
        ;
    else
    if (strcmp (command, "list") == 0)
        status = s_list (db, &opts);
    else
    if (strcmp (command, "add") == 0)
        status = s_add (db, &opts, &args, typed, sizeof typed);
    else
    if (strcmp (command, "disable") == 0 || strcmp (command, "enable") == 0)
        status = s_enable (db, &opts, args.name, strcmp (command, "disable") == 0);
    else
    if (strcmp (command, "delete") == 0)
        status = s_delete (db, &opts, args.name);
    else
    if (strcmp (command, "reset-password") == 0)
        status = s_reset (db, &opts, &args, typed, sizeof typed);
    else
    if (strcmp (command, "unlock") == 0)
        status = s_unlock (db, &opts, args.name);
    else
        status = s_passwd (db, &opts, &args, typed, typed_old, sizeof typed);
    mt_users_close (&db);
    free (opts.argv);
    sodium_memzero (typed, sizeof typed);
    sodium_memzero (typed_old, sizeof typed_old);
    sodium_memzero (&settings, sizeof settings);
    return status;
}
