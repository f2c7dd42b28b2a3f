/* libpci glue: a setjmp-guarded enumeration and the variadic pci_lookup_name, so Swift never
 * sees libpci's exit()-ing error handler nor a longjmp across its frames. */
#include "cpci_shim.h"
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    for (struct pci_dev *d = acc->devices; d; d = d->next, i++) {
        pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
        cpci_device *o = &out[i];
        o->domain = d->domain;
        o->bus = d->bus;
        o->dev = d->dev;
        o->func = d->func;
        o->vendor_id = d->vendor_id;
        o->device_id = d->device_id;
        o->device_class = d->device_class;
        char buf[256];
        copy_name(o->vendor_name, sizeof o->vendor_name,
                  pci_lookup_name(acc, buf, sizeof buf, PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS, d->vendor_id));
        copy_name(o->device_name, sizeof o->device_name,
                  pci_lookup_name(acc, buf, sizeof buf, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, d->vendor_id, d->device_id));
    }
    *count = n;
    cpci_jump = NULL;
    pci_cleanup(acc);
    return out;
}

void cpci_free(cpci_device *devices) { free(devices); }
