/* libpci glue: a setjmp-guarded enumeration filled by one pci_fill_info per device, and the variadic pci_lookup_name, so Swift never
 * sees libpci's exit()-ing error handler nor a longjmp across its frames. */
#include "cpci_shim.h"
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Thread_local jmp_buf *cpci_jump;
static _Thread_local char cpci_message[512];

__attribute__((noreturn)) static void cpci_error(char *msg, ...) {
    va_list ap;
    va_start(ap, msg);
    vsnprintf(cpci_message, sizeof cpci_message, msg, ap);
    va_end(ap);
    if (cpci_jump) longjmp(*cpci_jump, 1);
    /* Not inside a guarded call: nothing safe to return to. */
    abort();
}

static void cpci_quiet(char *msg, ...) { (void)msg; }

static void copy_name(char *dst, size_t size, const char *src) {
    if (!src) { dst[0] = 0; return; }
    snprintf(dst, size, "%s", src);
}

/* The last component of a device link's target. libpci 3.9 resolves links only relative to the
 * device directory, as the kernel makes them; a fake tree's absolute link is read here instead, so
 * both kinds of tree give the same record. */
static void link_name(char *dst, size_t size, const char *from_libpci, char *dir, size_t dir_len, const char *link) {
    if (from_libpci) { copy_name(dst, size, from_libpci); return; }
    dst[0] = 0;
    char target[1024];
    snprintf(dir + dir_len, 1024 - dir_len, "/%s", link);
    ssize_t n = readlink(dir, target, sizeof target - 1);
    dir[dir_len] = 0;
    if (n <= 0) return;
    target[n] = 0;
    while (n > 1 && target[n - 1] == '/') target[--n] = 0;
    const char *base = strrchr(target, '/');
    copy_name(dst, size, base ? base + 1 : target);
}

/* BARs, sizes and the ROM as lib/sysfs.c fills them from the kernel's `resource` lines: the start
 * with the flags' low four bits, END - START + 1 (0 when END is not above START), the whole flags. */
static void copy_bases(cpci_device *o, struct pci_dev *d, int known) {
    int bars = PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_IO_FLAGS;
    if ((known & bars) != bars) return;
    o->has |= CPCI_HAS_BASES;
    for (int b = 0; b < 6; b++) {
        o->base_addr[b] = d->base_addr[b];
        o->size[b] = d->size[b];
        o->flags[b] = d->flags[b];
    }
    /* Without the kernel's ROM line lib/generic.c reads the config register (no size, no flags). */
    if (!(known & PCI_FILL_ROM_BASE)) return;
    o->has |= CPCI_HAS_ROM_BASE;
    o->rom_base_addr = d->rom_base_addr;
    o->rom_size = d->rom_size;
    o->rom_flags = d->rom_flags;
}

/* The header, and how far config space reads: pci_read_block fails (0) on a short read, where
 * pci_read_long would give 0xffffffff. */
static void copy_config(cpci_device *o, struct pci_dev *d) {
    if (!pci_read_block(d, 0, o->config, sizeof o->config)) return;
    o->has |= CPCI_HAS_CONFIG;
    unsigned char probe[4];
    o->config_size = pci_read_block(d, 0xffc, probe, 4) ? 4096 : pci_read_block(d, 0xfc, probe, 4) ? 256 : 64;
    if (o->config_size >= 256 && !pci_read_block(d, 0, o->config_std, sizeof o->config_std)) o->config_size = 64;
}

/* lspci reads the same registers (ls-caps.c cap_express and cap_pm; ls-ecaps.c cap_rebar). */
static void copy_caps(cpci_device *o, struct pci_dev *d) {
    struct pci_cap *exp = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
    if (exp) {
        o->has |= CPCI_HAS_PCIE;
        o->pcie_devcap = pci_read_long(d, exp->addr + PCI_EXP_DEVCAP);
    }
    struct pci_cap *pm = pci_find_cap(d, PCI_CAP_ID_PM, PCI_CAP_NORMAL);
    if (pm) {
        o->has |= CPCI_HAS_PM;
        o->pm_ctrl = pci_read_word(d, pm->addr + PCI_PM_CTRL);
    }
    /* Extended capabilities exist only when config space reads past 256 bytes (root, PCIe). */
    struct pci_cap *rebar = pci_find_cap(d, PCI_EXT_CAP_ID_REBAR, PCI_CAP_EXTENDED);
    if (!rebar || rebar->addr < 0x100 || rebar->addr > 0xffc) return;
    o->has |= CPCI_HAS_REBAR;
    o->rebar_offset = rebar->addr;
    o->rebar_len = 0x1000 - rebar->addr < CPCI_REBAR_BYTES ? 0x1000 - rebar->addr : CPCI_REBAR_BYTES;
    for (unsigned k = 0; k < o->rebar_len; k += 4) {
        unsigned v = pci_read_long(d, (int)(rebar->addr + k));
        for (unsigned j = 0; j < 4; j++) o->rebar[k + j] = (unsigned char)(v >> (8 * j));
    }
}

cpci_device *cpci_enumerate(const char *sysfs_bus_pci, const char *ids_file, size_t *count,
                            char *error, size_t error_size) {
    jmp_buf env;
    struct pci_access *volatile acc = NULL;
    cpci_device *volatile out = NULL;
    *count = 0;
    cpci_jump = &env;
    if (setjmp(env)) {
        cpci_jump = NULL;
        snprintf(error, error_size, "%s", cpci_message);
        free((void *)out);
        /* pci_cleanup after an error is what lspci's own exit path would have skipped; the
         * structures are consistent at every a->error() call site in lib/sysfs.c. */
        if (acc) pci_cleanup(acc);
        return NULL;
    }
    acc = pci_alloc();
    acc->error = cpci_error;
    acc->warning = cpci_quiet;
    acc->debug = cpci_quiet;
    acc->method = PCI_ACCESS_SYS_BUS_PCI;
    pci_set_param(acc, "sysfs.path", (char *)sysfs_bus_pci);
    if (ids_file) pci_set_name_list_path(acc, (char *)ids_file, 0);
    pci_init(acc);
    pci_scan_bus(acc);
    size_t n = 0;
    for (struct pci_dev *d = acc->devices; d; d = d->next) n++;
    out = calloc(n ? n : 1, sizeof(cpci_device));
    if (!out) cpci_error("out of memory");
    size_t i = 0;
    for (struct pci_dev *d = acc->devices; d; d = d->next) {
        /* A device removed after libpci listed the directory (its link now dangles) is gone:
         * skipped, where libpci would fail the whole scan on its missing `vendor`. */
        char path[1024];
        int n_path = snprintf(path, sizeof path, "%s/devices/%04x:%02x:%02x.%d", sysfs_bus_pci,
                              d->domain, d->bus, d->dev, d->func);
        if (n_path <= 0 || (size_t)n_path >= sizeof path - 16 || access(path, F_OK) != 0) continue;
        cpci_device *o = &out[i++];
        o->domain = d->domain;
        o->bus = d->bus;
        o->dev = d->dev;
        o->func = d->func;
        int want = PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS | PCI_FILL_IOMMU_GROUP | PCI_FILL_DRIVER
            | PCI_FILL_CAPS | PCI_FILL_EXT_CAPS;
        /* libpci's sysfs backend treats a missing `resource` as fatal for the whole scan; a
         * device without one (a fake tree, a removed device) just has no bases. */
        snprintf(path + n_path, sizeof path - (size_t)n_path, "/resource");
        if (access(path, F_OK) == 0)
            want |= PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_ROM_BASE | PCI_FILL_IO_FLAGS;
        path[n_path] = 0;
        int known = pci_fill_info(d, want);
        o->vendor_id = d->vendor_id;
        o->device_id = d->device_id;
        o->device_class = d->device_class;
        if (known & PCI_FILL_CLASS_EXT) {
            o->has |= CPCI_HAS_CLASS_EXT;
            o->prog_if = d->prog_if;
            o->rev_id = d->rev_id;
        }
        if (known & PCI_FILL_SUBSYS) {
            o->has |= CPCI_HAS_SUBSYS;
            o->subsys_vendor_id = d->subsys_vendor_id;
            o->subsys_id = d->subsys_id;
        }
        copy_bases(o, d, known);
        copy_config(o, d);
        if (known & PCI_FILL_CAPS) copy_caps(o, d);
        link_name(o->iommu_group, sizeof o->iommu_group, pci_get_string_property(d, PCI_FILL_IOMMU_GROUP), path, (size_t)n_path, "iommu_group");
        link_name(o->driver, sizeof o->driver, pci_get_string_property(d, PCI_FILL_DRIVER), path, (size_t)n_path, "driver");
        char buf[256];
        copy_name(o->vendor_name, sizeof o->vendor_name,
                  pci_lookup_name(acc, buf, sizeof buf, PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS, d->vendor_id));
        copy_name(o->device_name, sizeof o->device_name,
                  pci_lookup_name(acc, buf, sizeof buf, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, d->vendor_id, d->device_id));
    }
    *count = i;
    cpci_jump = NULL;
    pci_cleanup(acc);
    return out;
}

void cpci_free(cpci_device *devices) { free(devices); }
