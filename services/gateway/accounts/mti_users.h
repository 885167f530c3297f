//  mti_users - what mt_users' files share. Internal to accounts.

#ifndef MTI_USERS_H_INCLUDED
#define MTI_USERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  The common-password lists (common-passwords/*.txt, lower case), made
//  into a C array by common-passwords/embed.cmake at build time.
extern const char *const mti_common_passwords [];
extern const size_t mti_common_passwords_count;

//  Whether the lower-case text is one of the common passwords.
bool mti_password_is_common (const char *lower);

#endif
