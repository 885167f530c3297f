//  gateway_session - who is calling: sign-in with its lockout and slowdown,
//  sessions and bearer tokens, sign-out, the CSRF check, health, "me" and
//  one's own password; the audit log (users: gateway_users.c; what both
//  use: gateway_accounts.c).
//
//  Failed sign-ins are held back in two ways. Per account (mt_users, in
//  the users database, so across threads, processes and restarts): after
//  MT_USERS_LOCK_AFTER failures the account is locked for MT_USERS_LOCK_S
//  seconds or until an admin unlocks it. Per address only a slowdown, which
//  never refuses a correct password: after S_FREE_FAILURES failures from one
//  address in a window, each further failed answer from it is sent a while
//  after its request came (S_DELAY_FIRST_MS, then S_DELAY_STEP_MS more each
//  failure, at most S_DELAY_MAX_MS); a correct password is answered at
//  once. The wait holds no thread (gateway_later); an address with
//  GATEWAY_LATER_PER_KEY answers waiting already gets its further failures
//  answered at once with 429. So guessing from one address is slowed to
//  about one guess a second per connection it may hold, and a flood of
//  guesses at made-up names locks out nobody: an office sharing one address
//  can always sign in.
//
//  The cost of a flood. Telling a wrong password costs an argon2 hash (a
//  tenth of a second of a core, 64 MiB), and so, to answer in the same
//  time, do an unknown name and a locked account: from an address that is
//  not slowed down. From one that is, the fixed time of its failed answers
//  hides that already, so only a real user's password is hashed: guesses at
//  made-up names or at locked accounts then cost the machine next to
//  nothing, and a correct sign-in beside them stays fast.

#include "gateway_accounts.h"
#include "gateway_reply.h"

#include "base/mt_clock.h"
#include "base/mt_log.h"
#include "base/mt_utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_WINDOW_S MT_USERS_LOCK_S  //  failures from an address are counted this long
#define S_FREE_FAILURES 10          //  failures from an address before the slowdown
#define S_DELAY_FIRST_MS 500
#define S_DELAY_STEP_MS 250
#define S_DELAY_MAX_MS 3000

//  ---------------------------------------------------------------- limits

static gateway_limit_t *
s_limit (gateway_t *gw, const char *key)
{
    //  A small hash table; a full one forgets the oldest window.
    unsigned h = 5381;
    for (const char *c = key; *c; c++)
        h = h * 33 + (unsigned char) *c;
    gateway_limit_t *slot = &gw->limits [h % GATEWAY_LIMITER_SLOTS];
    if (strcmp (slot->key, key) != 0) {
        memset (slot, 0, sizeof *slot);
        snprintf (slot->key, sizeof slot->key, "%s", key);
    }
    return slot;
}

//  Whether key is locked now (only unknown names are: see s_login).
static bool
s_locked (gateway_t *gw, const char *key, time_t *until)
{
    pthread_mutex_lock (&gw->limits_lock);
    gateway_limit_t *l = s_limit (gw, key);
    bool locked = l->locked_until > time (NULL);
    if (locked)
        *until = l->locked_until;
    pthread_mutex_unlock (&gw->limits_lock);
    return locked;
}

//  The failures of key in the window now.
static int
s_failures (gateway_t *gw, const char *key)
{
    pthread_mutex_lock (&gw->limits_lock);
    gateway_limit_t *l = s_limit (gw, key);
    int failures = time (NULL) - l->window_start > S_WINDOW_S ? 0 : l->failures;
    pthread_mutex_unlock (&gw->limits_lock);
    return failures;
}

//  Count a failure of key; lock it for the window after lock_after (0:
//  never). Returns the failures in the window, with this one.
static int
s_failed (gateway_t *gw, const char *key, int lock_after, time_t *locked_until)
{
    pthread_mutex_lock (&gw->limits_lock);
    gateway_limit_t *l = s_limit (gw, key);
    time_t now = time (NULL);
    if (now - l->window_start > S_WINDOW_S) {
        l->window_start = now;
        l->failures = 0;
    }
    int failures = ++l->failures;
    if (lock_after && failures >= lock_after) {
        l->locked_until = now + MT_USERS_LOCK_S;
        l->failures = 0;
        l->window_start = now;
    }
    if (locked_until)
        *locked_until = l->locked_until > now ? l->locked_until : 0;
    pthread_mutex_unlock (&gw->limits_lock);
    return failures;
}

static int
s_delay_ms (int failures)
{
    if (failures <= S_FREE_FAILURES)
        return 0;
    long ms = S_DELAY_FIRST_MS + (long) (failures - S_FREE_FAILURES - 1) * S_DELAY_STEP_MS;
    return ms > S_DELAY_MAX_MS ? S_DELAY_MAX_MS : (int) ms;
}

//  A name someone typed, fit for the audit log and a key: at most 64 bytes
//  of UTF-8 (cut at a character), control characters as '?'.
static void
s_printable (const char *text, char out [72])
{
    size_t n = strlen (text);
    if (n > 64) {
        n = 64;
        while (n > 0 && ((unsigned char) text [n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out [i] = (unsigned char) text [i] < 0x20 || text [i] == 0x7f ? '?' : text [i];
    out [n] = '\0';
    if (!mt_utf8_valid (out, n))
        for (size_t i = 0; i < n; i++)
            if ((unsigned char) out [i] >= 0x80)
                out [i] = '?';
}

//  ---------------------------------------------------------------- auth

//  The session token of a request: a bearer token, else the cookie.
static const char *
s_token (struct MHD_Connection *conn, bool *cookie)
{
    const char *header = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Authorization");
    *cookie = false;
    if (header && strncmp (header, "Bearer ", 7) == 0)
        return header + 7;
    const char *token = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, GATEWAY_COOKIE);
    *cookie = token != NULL;
    return token;
}

//  Who is calling: the session cookie or a bearer token. MT_ENOTFOUND if
//  nobody (401).
int
gateway_authenticate (gateway_t *gw, struct MHD_Connection *conn, gateway_auth_t *auth)
{
    memset (auth, 0, sizeof *auth);
    const char *token = s_token (conn, &auth->cookie);
    mt_err_t err;
    mt_users_t *users = token ? gateway_users (gw, &err) : NULL;
    int rc = users ? mt_users_session_get (users, token, &auth->user, auth->csrf, &err)
                   : MT_ENOTFOUND;
    if (rc == MT_OK)
        snprintf (auth->token, sizeof auth->token, "%s", token);
    return rc;
}

//  Changes made with a cookie need the CSRF token in X-CSRF-Token.
bool
gateway_csrf_ok (struct MHD_Connection *conn, const gateway_auth_t *auth, const char *method)
{
    if (!auth->cookie || strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
        return true;
    const char *token = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "X-CSRF-Token");
    return token && strlen (token) == MT_TOKEN_CHARS
        && sodium_memcmp (token, auth->csrf, MT_TOKEN_CHARS) == 0;
}

//  ---------------------------------------------------------------- sign-in

//  Answer a failed sign-in: at once, or its address's delay after the
//  request came (whatever the work done meanwhile took).
static enum MHD_Result
s_failure_answer (gateway_route_t *r, const char *key, int status, json_t *body,
                  const char *retry)
{
    int delay = s_delay_ms (s_failed (r->gw, key, 0, NULL));
    delay -= (int) ((mt_clock_s () - r->req->started) * 1000);
    if (delay > 0) {
        //  Ready before the connection is suspended: it may be resumed at once.
        gateway_req_t *req = r->req;
        req->later = true;
        req->later_status = status;
        req->later_body = body;
        snprintf (req->later_retry, sizeof req->later_retry, "%s", retry ? retry : "");
        if (gateway_later_add (r->gw->later, r->conn, key, delay))
            return MHD_YES;
        req->later = false;
        req->later_body = NULL;
        json_decref (body);
        char wait [16];
        snprintf (wait, sizeof wait, "%d", (delay + 999) / 1000);
        return gateway_account_error (r->conn, 429, "too_many_requests",
                                      "Too many failed sign-ins from your address: wait a few "
                                      "seconds before you try again.", NULL, wait);
    }
    return gateway_json (r->conn, status, body, retry ? "Retry-After" : NULL, retry);
}

static enum MHD_Result
s_login (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    const char *name = json_string_value (json_object_get (r->body, "name"));
    const char *password = json_string_value (json_object_get (r->body, "password"));
    bool bearer = json_is_true (json_object_get (r->body, "bearer"));
    if (!name || !password)
        return gateway_error (r->conn, 400, "invalid_argument", "Give name and password.");
    char address [64], shown [72], detail [256], by_ip [96];
    gateway_client_address (r->conn, address, sizeof address);
    snprintf (by_ip, sizeof by_ip, "ip:%s", address);
    s_printable (name, shown);
    mt_err_t err;
    mt_users_t *users = gateway_users (gw, &err);
    mt_signin_t in;
    bool slowed = s_failures (gw, by_ip) >= S_FREE_FAILURES;
    if (!users || mt_users_signin (users, name, password, !slowed, &in, &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);

    if (in.outcome == MT_SIGNIN_UNKNOWN) {
        //  Answered as a real account would be, lockout included, so that
        //  the answers do not tell which names exist; held in memory only.
        char key [96];
        snprintf (key, sizeof key, "name:%s", shown);
        time_t until = 0;
        if (!s_locked (gw, key, &until))
            s_failed (gw, key, MT_USERS_LOCK_AFTER, &until);
        in.locked_until = until;
    }
    if (in.outcome == MT_SIGNIN_OK) {
        char token [MT_TOKEN_CHARS + 1], csrf [MT_TOKEN_CHARS + 1];
        if (mt_users_session_new (users, in.user.name, (int) gw->config->session_ttl_s, token,
                                  csrf, &err) != MT_OK)
            return gateway_error_err (r->conn, &err, NULL);
        snprintf (detail, sizeof detail, "from %s%s%s", address, bearer ? ", bearer token" : "",
                  in.user.must_change ? "; must change the password" : "");
        gateway_account_audit (gw, in.user.name, "session.signin", in.user.name, detail);
        json_t *out = json_pack ("{s:o, s:s}", "user", gateway_user_json (&in.user),
                                 "csrf", csrf);
        if (bearer) {
            json_object_set_new (out, "token", json_string (token));
            return gateway_json (r->conn, 200, out, NULL, NULL);
        }
        char cookie [256];
        snprintf (cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                  GATEWAY_COOKIE, token, (long long) gw->config->session_ttl_s,
                  gw->config->secure_cookies || gateway_reply_https () ? "; Secure" : "");
        return gateway_json (r->conn, 200, out, "Set-Cookie", cookie);
    }
    if (in.outcome == MT_SIGNIN_DISABLED) {
        snprintf (detail, sizeof detail, "account disabled, from %s", address);
        gateway_account_audit (gw, "anonymous", "session.failed", in.user.name, detail);
        return gateway_account_error (r->conn, 403, "account_disabled", "This account is "
                                      "disabled. Ask an administrator to enable it.", NULL,
                                      NULL);
    }

    //  A failure: wrong password, unknown name, locked.
    pthread_mutex_lock (&gw->metrics_lock);
    gw->login_failures++;
    pthread_mutex_unlock (&gw->metrics_lock);
    const char *why = in.outcome == MT_SIGNIN_UNKNOWN ? "unknown user name"
                    : in.outcome == MT_SIGNIN_WRONG ? "wrong password"
                    : in.just_locked ? "wrong password" : "account locked";
    snprintf (detail, sizeof detail, "%s, from %s", why, address);
    gateway_account_audit (gw, "anonymous", "session.failed", shown, detail);
    if (in.just_locked) {
        snprintf (detail, sizeof detail, "locked for %d minutes after %d failed sign-ins, the "
                  "last from %s", MT_USERS_LOCK_S / 60, MT_USERS_LOCK_AFTER, address);
        gateway_account_audit (gw, "anonymous", "session.locked", in.user.name, detail);
        mt_log_warn ("gateway", "user %s locked after %d failed sign-ins (the last from %s)",
                     in.user.name, MT_USERS_LOCK_AFTER, address);
    }
    if (in.locked_until) {
        char retry [16];
        json_t *body = gateway_locked_body (r->conn, in.locked_until, retry);
        return s_failure_answer (r, by_ip, 429, body, retry);
    }
    return s_failure_answer (r, by_ip, 401, gateway_error_body (r->conn, "unauthenticated",
                             "wrong user name or password", NULL, NULL), NULL);
}

//  POST /me/password {"old_password", "password"}: the caller's own.
static enum MHD_Result
s_own_password (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    const mt_user_t *me = &r->auth.user;
    const char *old = json_string_value (json_object_get (r->body, "old_password"));
    const char *password = json_string_value (json_object_get (r->body, "password"));
    if (!old || !password)
        return gateway_error (r->conn, 400, "invalid_argument",
                              "Give old_password (the current one) and password (the new one).");
    char address [64], detail [160];
    gateway_client_address (r->conn, address, sizeof address);
    mt_err_t err;
    mt_users_t *users = gateway_users (gw, &err);
    if (!users)
        return gateway_error_err (r->conn, &err, NULL);
    mt_password_reason reason = MT_PASSWORD_OK;
    bool locked = false;
    int rc = mt_users_change_password (users, me->name, old, password, r->auth.token, &reason,
                                       &locked, &err);
    if (rc == MT_EFORBIDDEN) {
        snprintf (detail, sizeof detail, "wrong current password in a password change, from %s",
                  address);
        gateway_account_audit (gw, me->name, "session.failed", me->name, detail);
        if (locked) {
            snprintf (detail, sizeof detail, "locked for %d minutes after %d failed sign-ins, "
                      "the last from %s", MT_USERS_LOCK_S / 60, MT_USERS_LOCK_AFTER, address);
            gateway_account_audit (gw, "anonymous", "session.locked", me->name, detail);
        }
    }
    if (rc == MT_ECONFLICT || (rc == MT_EFORBIDDEN && locked)) {
        mt_user_t now;
        char retry [16];
        int64_t until = mt_users_get (users, me->name, &now, &err) == MT_OK && now.locked_until
                      ? now.locked_until : (int64_t) time (NULL) + MT_USERS_LOCK_S;
        json_t *body = gateway_locked_body (r->conn, until, retry);
        return gateway_json (r->conn, 429, body, "Retry-After", retry);
    }
    if (rc == MT_EFORBIDDEN)
        return gateway_account_error (r->conn, 403, "wrong_password",
                                      "The current password is wrong.", NULL, NULL);
    if (rc == MT_EINVAL)
        return gateway_password_refused (r->conn, reason, &err);
    if (rc != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    snprintf (detail, sizeof detail, "their own, from %s; their other sessions ended", address);
    gateway_account_audit (gw, me->name, "user.password_change", me->name, detail);
    mt_user_t user;
    if (mt_users_get (users, me->name, &user, &err) != MT_OK)
        return gateway_error_err (r->conn, &err, NULL);
    return gateway_json (r->conn, 200, json_pack ("{s:o, s:b}", "user",
                                                  gateway_user_json (&user), "changed", 1),
                         NULL, NULL);
}

//  DELETE /session: ends the session of the cookie or the bearer token.
static enum MHD_Result
s_logout (gateway_route_t *r)
{
    bool cookie;
    const char *token = r->signed_in ? r->auth.token : s_token (r->conn, &cookie);
    mt_err_t err;
    mt_users_t *users = token ? gateway_users (r->gw, &err) : NULL;
    bool ended = false;
    if (users)
        mt_users_session_end (users, token, &ended, &err);
    if (ended && r->signed_in) {
        char address [64], detail [96];
        gateway_client_address (r->conn, address, sizeof address);
        snprintf (detail, sizeof detail, "from %s", address);
        gateway_account_audit (r->gw, r->auth.user.name, "session.signout", r->auth.user.name,
                               detail);
    }
    return gateway_json (r->conn, 200, json_pack ("{s:b}", "signed_out", 1), "Set-Cookie",
                         GATEWAY_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

//  ---------------------------------------------------------------- routes

//  Sign-in, health, who am I.
enum MHD_Result
gateway_route_session (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    const gateway_auth_t *auth = &r->auth;
    if (gateway_route_is (r, "GET", 1, "health")) {
        //  Answered at once, whatever the results service does: from what
        //  the link's prober last learnt (a ping a second, stats every 5 s).
        bool up = gateway_results_up (gw->results);
        json_t *stats = up ? gateway_results_stats (gw->results) : NULL;
        if (up && !stats)
            return gateway_json (r->conn, 503, json_pack ("{s:s}", "status", "starting"),
                                 "Retry-After", "1");
        if (!stats) {
            char retry [16];
            snprintf (retry, sizeof retry, "%d", GATEWAY_RESULTS_RETRY_S);
            return gateway_json (r->conn, 503, json_pack ("{s:s, s:s, s:f}", "status",
                                 "results_down", "results", "not answering", "down_s",
                                 gateway_results_down_ms (gw->results) / 1000.0),
                                 "Retry-After", retry);
        }
        json_t *replicas = json_object_get (stats, "replicas");
        size_t serving = 0, i;
        json_t *rep;
        json_array_foreach (replicas, i, rep)
            serving += strcmp (json_string_value (json_object_get (rep, "state")), "serving") == 0;
        //  The data disk: full (writes fail) is unhealthy; below the reserve
        //  (new photos refused) is a warning the web app shows.
        bool full = json_integer_value (json_object_get (stats, "disk_full")) != 0;
        bool low = json_integer_value (json_object_get (stats, "disk_low")) != 0;
        json_t *out = json_pack ("{s:s, s:i, s:i, s:I, s:I}", "status",
                                 full ? "disk_full" : low ? "disk_low" : "ok",
                                 "replicas_serving", (int) serving, "partitions",
                                 (int) json_integer_value (json_object_get (stats, "partitions")),
                                 "disk_free_bytes",
                                 json_integer_value (json_object_get (stats, "disk_free_bytes")),
                                 "disk_reserve_bytes",
                                 json_integer_value (json_object_get (stats,
                                                                     "disk_reserve_bytes")));
        json_decref (stats);
        return gateway_json (r->conn, full ? 503 : 200, out, NULL, NULL);
    }
    if (gateway_route_is (r, "POST", 1, "session"))
        return s_login (r);
    if (gateway_route_is (r, "DELETE", 1, "session"))
        return s_logout (r);
    //  Who am I, and one's own password: open to a user who must change
    //  their password first (gateway_route_may refuses them the rest).
    if (gateway_route_is (r, "GET", 1, "me") || gateway_route_is (r, "POST", 2, "me", "password")) {
        if (!r->signed_in)
            return gateway_error (r->conn, 401, "unauthenticated", "sign in first");
        if (strcmp (r->method, "POST") == 0)
            return s_own_password (r);
        return gateway_json (r->conn, 200, json_pack ("{s:o, s:s}", "user",
                                                      gateway_user_json (&auth->user),
                                                      "csrf", auth->csrf), NULL, NULL);
    }
    return GATEWAY_ROUTE_NEXT;
}

enum MHD_Result
gateway_route_admin (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    if (gateway_route_is (r, "GET", 1, "audit")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        long long limit = gateway_route_query_int (r->conn, "limit", 100), offset = gateway_route_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 1000 || offset < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..1000, offset >= 0");
        return gateway_route_answer (r, "audit.list", json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset", (json_int_t) offset), 200);
    }
    if (gateway_route_is (r, "GET", 2, "audit", "verify")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        json_t *params = json_object ();
        const char *anchor = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND,
                                                          "anchor");
        if (anchor) {
            long long anchor_id;
            char hash [65], extra;
            if (sscanf (anchor, "%lld:%64[0-9a-f]%c", &anchor_id, hash, &extra) != 2
            ||  strlen (hash) != 64) {
                json_decref (params);
                return gateway_error (r->conn, 400, "invalid_argument", "anchor must be ID:HASH");
            }
            json_object_set_new (params, "anchor_id", json_integer (anchor_id));
            json_object_set_new (params, "anchor_hash", json_string (hash));
        }
        json_t *out = gateway_route_call (r, "audit.verify", params, NULL, 0, NULL, NULL,
                                 &sent);
        return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
    }
    return GATEWAY_ROUTE_NEXT;
}
