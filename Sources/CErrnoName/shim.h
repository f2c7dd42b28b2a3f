#ifndef VBIOS_CERRNONAME_SHIM_H
#define VBIOS_CERRNONAME_SHIM_H
/* glibc 2.32's strerrorname_np (string.h) is declared only under _GNU_SOURCE, which Swift's
   Glibc module is built without; this is the same declaration, so Swift can call it. It returns
   the errno's symbolic name ("EACCES"), or NULL for a number glibc does not know. */
extern const char *strerrorname_np(int errnum);
#endif
