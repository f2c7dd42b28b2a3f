#ifndef VBIOS_CPCI_SHIM_H
#define VBIOS_CPCI_SHIM_H
#include <pci/pci.h>
#endif
