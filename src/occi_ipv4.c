/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 addresses and ranges (see occi_ipv4.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_ipv4.h"

int occi_ipv4_parse(const char *text, unsigned long *address)
{
    unsigned int a, b, c, d;
    char tail;

    /* sscanf alone would take signs and spaces inside the address too. */
    if (!text || text[strspn(text, "0123456789.")] != '\0'
        || sscanf(text, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4
        || a > 255 || b > 255 || c > 255 || d > 255) {
        return -1;
    }
    *address = ((unsigned long)a << 24) | (b << 16) | (c << 8) | d;
    return 0;
}

int occi_ipv4_range(const char *cidr, unsigned long *network, unsigned long *mask,
                    long *prefix)
{
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    char head[16];
    char *end = NULL;
    unsigned long address;

    /* The prefix is digits and nothing after them. */
    *prefix = slash && apr_isdigit(slash[1]) ? strtol(slash + 1, &end, 10) : -1;
    if (!slash || (end && *end) || *prefix < 8 || *prefix > 30
        || (size_t)(slash - cidr) >= sizeof(head)) {
        return -1;
    }
    memcpy(head, cidr, (size_t)(slash - cidr));
    head[slash - cidr] = '\0';
    if (occi_ipv4_parse(head, &address)) {
        return -1;
    }
    *mask = (0xFFFFFFFFUL << (32 - *prefix)) & 0xFFFFFFFFUL;
    *network = address & *mask;
    return 0;
}
