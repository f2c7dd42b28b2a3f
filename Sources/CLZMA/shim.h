#ifndef VBIOS_CLZMA_SHIM_H
#define VBIOS_CLZMA_SHIM_H
#include <lzma.h>
// liblzma spells these with the function-like LZMA_VLI_C macro, which Swift does not import.
static const lzma_vli vbios_lzma_filter_lzma1ext = LZMA_FILTER_LZMA1EXT;
static const lzma_vli vbios_lzma_filter_x86 = LZMA_FILTER_X86;
static const lzma_vli vbios_lzma_vli_unknown = LZMA_VLI_UNKNOWN;
static const uint32_t vbios_lzma1ext_allow_eopm = LZMA_LZMA1EXT_ALLOW_EOPM;
#endif
