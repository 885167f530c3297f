# cmake -DOUT=FILE.c -P embed.cmake LIST... - the common-password lists as
# a C array (mti_common_passwords, mti_common_passwords_count) for
# mt_users_password_check. One password a line; empty lines skipped.
set(body "")
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
  if(NOT CMAKE_ARGV${i} MATCHES "\\.txt$")
    continue()
  endif()
  file(READ "${CMAKE_ARGV${i}}" text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\r" "" text "${text}")
  string(REGEX REPLACE "\n+$" "" text "${text}")
  string(REPLACE "\n" "\",\n    \"" text "${text}")
  string(APPEND body "    \"${text}\",\n")
endforeach()
file(WRITE "${OUT}.tmp"
  "//  Made by services/gateway/accounts/common-passwords/embed.cmake: do not edit.\n"
  "#include <stddef.h>\n"
  "const char *const mti_common_passwords [] = {\n${body}};\n"
  "const size_t mti_common_passwords_count =\n"
  "    sizeof mti_common_passwords / sizeof mti_common_passwords [0];\n")
file(RENAME "${OUT}.tmp" "${OUT}")
