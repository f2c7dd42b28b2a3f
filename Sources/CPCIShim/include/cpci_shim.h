#ifndef VBIOS_CPCI_SHIM_H
#define VBIOS_CPCI_SHIM_H
/* libpci seen through plain C: enumeration and name lookup with libpci's error handler
 * turned into a return value (libpci's default handler calls exit()). */
#include <stddef.h>

typedef struct cpci_device {
    int domain;
    unsigned bus, dev, func;
    unsigned vendor_id, device_id;
    unsigned device_class; /* base class and subclass, as libpci gives them */
    char vendor_name[128];
    char device_name[256];
} cpci_device;

/* Enumerates the devices under `sysfs_bus_pci` (the directory standing for /sys/bus/pci) with
 * libpci's sysfs backend. `ids_file` may be NULL (libpci's default pci.ids). On success returns a
 * malloc'd array (free with cpci_free) and sets *count; on failure returns NULL and writes
 * libpci's message to `error`. */
cpci_device *cpci_enumerate(const char *sysfs_bus_pci, const char *ids_file, size_t *count,
                            char *error, size_t error_size);

void cpci_free(cpci_device *devices);

#endif
