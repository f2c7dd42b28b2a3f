#ifndef VBIOS_CZLIB_SHIM_H
#define VBIOS_CZLIB_SHIM_H
#include <zlib.h>
#endif
