#ifndef VBIOS_CARCHIVE_SHIM_H
#define VBIOS_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
// libarchive spells these with casts Swift does not import.
static const unsigned int vbios_archive_ifreg = AE_IFREG;
static const unsigned int vbios_archive_ifmt = AE_IFMT;
#endif
