#ifndef VBIOS_CPCI_SHIM_H
#define VBIOS_CPCI_SHIM_H
/* libpci seen through plain C: enumeration, pci_fill_info and name lookup with libpci's error
 * handler turned into a return value (libpci's default handler calls exit()). */
#include <stddef.h>

/* Which groups of cpci_device fields libpci filled (its known_fields, renamed so that Swift
 * needs no pci.h). */
enum {
    CPCI_HAS_CLASS_EXT = 1 << 0, /* prog_if, rev_id */
    CPCI_HAS_SUBSYS = 1 << 1,    /* subsys_vendor_id, subsys_id */
    CPCI_HAS_BASES = 1 << 2,     /* base_addr, size, flags (PCI_FILL_BASES, _SIZES, _IO_FLAGS) */
    CPCI_HAS_PCIE = 1 << 3,      /* pcie_devcap: the device has a PCI Express capability */
    CPCI_HAS_PM = 1 << 4,        /* pm_ctrl: the device has a power management capability */
    CPCI_HAS_ROM_BASE = 1 << 5,  /* rom_base_addr, rom_size, rom_flags */
    CPCI_HAS_CONFIG = 1 << 6,    /* config: the 64-byte header */
    CPCI_HAS_REBAR = 1 << 7,     /* rebar: the Resizable BAR extended capability */
};

/* The Resizable BAR capability's bytes kept: its header, then a capability and a control dword
 * for each of at most six BARs (PCIe base 6.0, 7.8.6). */
#define CPCI_REBAR_BYTES (4 + 8 * 6)

typedef struct cpci_device {
    int domain;
    unsigned bus, dev, func;
    unsigned has; /* CPCI_HAS_* */
    unsigned vendor_id, device_id;
    unsigned device_class; /* base class and subclass, as libpci gives them */
    unsigned prog_if, rev_id;
    unsigned subsys_vendor_id, subsys_id;
    /* Start with the low flag bits (PCI_ADDR_FLAG_MASK) as libpci gives them, and sizes. */
    unsigned long long base_addr[6], size[6];
    unsigned long long rom_base_addr, rom_size;
    /* The kernel's resource flags (IORESOURCE_*, include/linux/ioport.h), PCI_FILL_IO_FLAGS. */
    unsigned long long flags[6], rom_flags;
    /* How much of config space libpci could read: 0, 64, 256 or 4096 bytes (Linux gives
     * non-root 64, root 256 or, for PCI Express, 4096). */
    unsigned config_size;
    unsigned char config[64];
    /* The standard config space (256 bytes) when it reads whole (root): the registers past the
     * header that checks read, such as an Intel IGD's GMCH (0x50) and ASLS (0xFC). */
    unsigned char config_std[256];
    /* The Resizable BAR capability (extended capability 0x15) from pci_find_cap: rebar_len bytes
     * from its header on. */
    unsigned rebar_offset, rebar_len;
    unsigned char rebar[CPCI_REBAR_BYTES];
    /* The kernel's iommu_group and driver links, by name; "" when absent. */
    /* From libpci's capability list: PCI Express Device Capabilities (bit 28: FLR) and the PM
     * control/status register (bit 3: No_Soft_Reset). */
    unsigned pcie_devcap;
    unsigned pm_ctrl;
    char iommu_group[64];
    char driver[128];
    char vendor_name[128];
    char device_name[256];
} cpci_device;

/* Enumerates the devices under `sysfs_bus_pci` (the directory standing for /sys/bus/pci) with
 * libpci's sysfs backend and fills each with one pci_fill_info call. `ids_file` may be NULL
 * (libpci's default pci.ids). On success returns a malloc'd array (free with cpci_free) and sets
 * *count; on failure returns NULL and writes libpci's message to `error`. */
cpci_device *cpci_enumerate(const char *sysfs_bus_pci, const char *ids_file, size_t *count,
                            char *error, size_t error_size);

void cpci_free(cpci_device *devices);

#endif
