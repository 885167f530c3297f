//  gateway_accounts - what gateway_session.c (sign-in, sessions, one's own
//  password) and gateway_users.c (the admin's users) share, kept in
//  gateway_accounts.c so that neither uses the other. Internal to the
//  gateway.

#ifndef GATEWAY_ACCOUNTS_H_INCLUDED
#define GATEWAY_ACCOUNTS_H_INCLUDED

#include <jansson.h>

#include "gateway_routes.h"

//  A user as the API shows it (a new reference): name, role, station,
//  province, disabled, must_change_password, locked_until (ISO 8601 UTC or
//  null), created_at, last_signin_at (or null).
json_t *gateway_user_json (const mt_user_t *user);

//  The ISO 8601 UTC text of a Unix time.
void gateway_iso_time (int64_t t, char out [32]);

//  The caller's address ("unknown" if none).
void gateway_client_address (struct MHD_Connection *conn, char *out, size_t size);

//  An error answer {"error": {"code", "message", "messages", ...detail}}
//  (message a literal of the catalog, answered in the request's language;
//  detail taken, may be NULL) with a Retry-After of retry (NULL for none).
enum MHD_Result gateway_account_error (struct MHD_Connection *conn, int status,
                                       const char *code, const char *message, json_t *detail,
                                       const char *retry);

//  A refused password: 400 invalid_argument, with "reason" (too_short,
//  common, pattern, has_name, same, too_long, not_text).
enum MHD_Result gateway_password_refused (struct MHD_Connection *conn,
                                          mt_password_reason reason, const mt_err_t *err);

//  The answer for a locked account: 429 account_locked, with locked_until
//  and Retry-After.
json_t *gateway_locked_body (struct MHD_Connection *conn, int64_t locked_until,
                             char retry [16]);

//  Into the audit log (queued, never blocks): actor did action to the user
//  called name (may be NULL), with detail (may be NULL).
void gateway_account_audit (gateway_t *gw, const char *actor, const char *action,
                            const char *name, const char *detail);

#endif
