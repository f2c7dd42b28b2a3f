// liblzma itself, for bench-decode's floor: the same library vbios's Compression module calls,
// without vbios around it.
#include <lzma.h>
