#ifndef VBIOS_CBROTLI_SHIM_H
#define VBIOS_CBROTLI_SHIM_H
#include <brotli/decode.h>
#endif
