/*
 * xlcfg-check: read an xl.cfg (fragment) with Xen's own parser, libxlutil, the way `xl create`
 * does, and print what xl would take from it, one JSON object per line. vbios's tests use it as
 * an oracle for the xen.cfg they generate: if libxlutil cannot read it, neither can xl.
 *
 *   xlcfg-check FILE [STRING-KEY...]
 *
 * Prints `pci`, `iomem`, `ioports` entries and `gfx_passthru`; each extra argument names a
 * string setting to print as read (to see how the lexer dequotes). Exit status: 0 read and every
 * entry parsed, 1 an entry xl would refuse, 2 the file does not parse, 3 usage or allocation.
 *
 * The iomem and ioports rules are xl's own (tools/xl/xl_parse.c in Xen 4.17): xl parses them
 * itself, not libxlutil, so they are restated here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxlutil.h>

/* Print a string as a JSON string literal. */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int check_pci(XLU_Config *cfg)
{
    XLU_ConfigList *list;
    int n = 0, bad = 0;
    if (xlu_cfg_get_list(cfg, "pci", &list, &n, 0)) return 0;
    for (int i = 0; i < n; i++) {
        const char *spec = xlu_cfg_get_listitem(list, i);
        libxl_device_pci pci;
        libxl_device_pci_init(&pci);
        /* What xl does for each entry of pci=[...] (parse_pci_config in 4.17). */
        int rc = xlu_pci_parse_spec_string(cfg, &pci, spec);
        printf("{\"key\":\"pci\",\"index\":%d,\"spec\":", i);
        json_string(spec ? spec : "");
        if (rc) {
            printf(",\"error\":%d}\n", rc);
            bad = 1;
        } else {
            printf(",\"domain\":%d,\"bus\":%u,\"dev\":%u,\"func\":%u,\"vdevfn\":%u,\"vfuncMask\":%u,"
                   "\"permissive\":%d,\"seize\":%d,\"msitranslate\":%d,\"powerMgmt\":%d,\"rdmPolicy\":\"%s\"}\n",
                   pci.domain, pci.bus, pci.dev, pci.func, pci.vdevfn, pci.vfunc_mask,
                   pci.permissive, pci.seize, pci.msitranslate, pci.power_mgmt,
                   libxl_rdm_reserve_policy_to_string(pci.rdm_policy) ?: "invalid");
        }
        libxl_device_pci_dispose(&pci);
    }
    return bad;
}

static int check_iomem(XLU_Config *cfg)
{
    XLU_ConfigList *list;
    int n = 0, bad = 0;
    if (xlu_cfg_get_list(cfg, "iomem", &list, &n, 0)) return 0;
    for (int i = 0; i < n; i++) {
        const char *buf = xlu_cfg_get_listitem(list, i);
        uint64_t start = 0, number = 0, gfn = UINT64_MAX;
        int used = 0;
        /* xl: START,NUM_PAGES[@GFN], hex, nothing after. */
        int got = sscanf(buf, "%" SCNx64 ",%" SCNx64 "%n@%" SCNx64 "%n", &start, &number, &used, &gfn, &used);
        printf("{\"key\":\"iomem\",\"index\":%d,\"spec\":", i);
        json_string(buf);
        if (got < 2 || buf[used] != '\0') {
            printf(",\"error\":\"xl: Invalid argument parsing iomem\"}\n");
            bad = 1;
        } else if (got == 3) {
            printf(",\"start\":%" PRIu64 ",\"number\":%" PRIu64 ",\"gfn\":%" PRIu64 "}\n", start, number, gfn);
        } else {
            printf(",\"start\":%" PRIu64 ",\"number\":%" PRIu64 "}\n", start, number);
        }
    }
    return bad;
}

static int check_ioports(XLU_Config *cfg)
{
    XLU_ConfigList *list;
    int n = 0, bad = 0;
    if (xlu_cfg_get_list(cfg, "ioports", &list, &n, 0)) return 0;
    for (int i = 0; i < n; i++) {
        const char *buf = xlu_cfg_get_listitem(list, i);
        char *ep;
        const char *why = NULL;
        unsigned long first, last;
        /* xl: START[-END], hex, inclusive; a start past the end or junk is refused. */
        first = last = strtoul(buf, &ep, 16);
        if (ep == buf) why = "xl: Invalid argument parsing ioport";
        else if (first >= UINT32_MAX) why = "xl: ioport too big";
        else if (*ep == '-') {
            const char *b2 = ep + 1;
            last = strtoul(b2, &ep, 16);
            if (ep == b2 || *ep != '\0' || last < first) why = "xl: Invalid argument parsing ioport";
            else if (last >= UINT32_MAX) why = "xl: ioport too big";
        } else if (*ep != '\0') {
            /* xl only warns here and goes on; an oracle should not. */
            why = "xl: Invalid argument parsing ioport (xl warns and continues)";
        }
        printf("{\"key\":\"ioports\",\"index\":%d,\"spec\":", i);
        json_string(buf);
        if (why) {
            printf(",\"error\":\"%s\"}\n", why);
            bad = 1;
        } else {
            printf(",\"first\":%lu,\"number\":%lu}\n", first, last - first + 1);
        }
    }
    return bad;
}

static int check_gfx_passthru(XLU_Config *cfg)
{
    long l;
    const char *s;
    /* xl reads it as a number first, then as a string ("default", "igd"). */
    if (!xlu_cfg_get_long(cfg, "gfx_passthru", &l, 1)) {
        printf("{\"key\":\"gfx_passthru\",\"value\":%ld}\n", l);
        return 0;
    }
    if (!xlu_cfg_get_string(cfg, "gfx_passthru", &s, 1)) {
        printf("{\"key\":\"gfx_passthru\",\"string\":");
        json_string(s);
        printf("}\n");
        return strcmp(s, "default") && strcmp(s, "igd");
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [STRING-KEY...]\n", argv[0]);
        return 3;
    }
    XLU_Config *cfg = xlu_cfg_init(stderr, argv[1]);
    if (!cfg) { perror("xlu_cfg_init"); return 3; }
    int rc = xlu_cfg_readfile(cfg, argv[1]);
    if (rc) {
        fprintf(stderr, "%s: libxlutil could not parse the file: %s\n", argv[1], strerror(rc));
        xlu_cfg_destroy(cfg);
        return 2;
    }
    int bad = 0;
    bad |= check_pci(cfg);
    bad |= check_iomem(cfg);
    bad |= check_ioports(cfg);
    bad |= check_gfx_passthru(cfg);
    for (int i = 2; i < argc; i++) {
        const char *s;
        if (!xlu_cfg_get_string(cfg, argv[i], &s, 0)) {
            printf("{\"key\":");
            json_string(argv[i]);
            printf(",\"string\":");
            json_string(s);
            printf("}\n");
        }
    }
    xlu_cfg_destroy(cfg);
    return bad;
}
