//  mt_install - where Homeward's read-only files are: in an installed
//  Homeward (the Debian package: /usr/bin/homeward), beside the binary in
//  ../share/homeward/ (models/, web/); in a build tree, the folders the
//  build names (the source tree's models/data, the gateway's web/).

#ifndef MT_INSTALL_H_INCLUDED
#define MT_INSTALL_H_INCLUDED

#include <stddef.h>

//  Into out: <the binary's folder>/../share/homeward/<name> when that
//  folder exists, else built_in.
void mt_install_path (const char *name, const char *built_in, char *out, size_t size);

//  Homeward's version ("0.1.0"), from the project's CMakeLists.txt.
const char *mt_version (void);

#endif
