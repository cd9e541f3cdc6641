/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 addresses and ranges, and address lists (see occi_ipv6.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_ipv6.h"

int occi_ipv6_parse(const char *text, unsigned char address[16])
{
    /* inet_pton takes exactly the RFC 4291 forms (with an IPv4 tail); it
     * refuses brackets, zones, prefixes and spaces. */
    return text && strlen(text) <= 45 && inet_pton(AF_INET6, text, address) == 1 ? 0 : -1;
}

int occi_ipv6_range(const char *cidr, unsigned char network[16], long *prefix)
{
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    char head[46];
    char *end = NULL;
    int i;

    *prefix = slash && apr_isdigit(slash[1]) ? strtol(slash + 1, &end, 10) : -1;
    if (!slash || (end && *end) || *prefix < OCCI_IPV6_MIN_PREFIX
        || *prefix > OCCI_IPV6_MAX_PREFIX || (size_t)(slash - cidr) >= sizeof(head)) {
        return -1;
    }
    memcpy(head, cidr, (size_t)(slash - cidr));
    head[slash - cidr] = '\0';
    if (occi_ipv6_parse(head, network)) {
        return -1;
    }
    for (i = 0; i < 16; i++) {
        int bits = (int)*prefix - i * 8;

        network[i] &= bits >= 8 ? 0xFF : bits <= 0 ? 0 : (unsigned char)(0xFF << (8 - bits));
    }
    return 0;
}

int occi_ipv6_in_range(const unsigned char address[16], const unsigned char network[16],
                       long prefix)
{
    int i;

    for (i = 0; i < 16; i++) {
        int bits = (int)prefix - i * 8;
        unsigned char mask = bits >= 8 ? 0xFF : bits <= 0 ? 0 : (unsigned char)(0xFF << (8 - bits));

        if ((address[i] & mask) != network[i]) {
            return 0;
        }
    }
    return 1;
}

const char *occi_ipv6_text(apr_pool_t *pool, const unsigned char address[16])
{
    char text[INET6_ADDRSTRLEN];

    /* glibc's inet_ntop writes RFC 5952's canonical form. */
    return inet_ntop(AF_INET6, address, text, sizeof(text)) ? apr_pstrdup(pool, text) : "";
}

void occi_ipv6_add(unsigned char address[16], const unsigned char network[16],
                   unsigned long long offset)
{
    int i, carry = 0;

    memcpy(address, network, 16);
    for (i = 15; i >= 0; i--) {
        unsigned int sum = address[i] + (unsigned int)(offset & 0xFF) + (unsigned int)carry;

        address[i] = (unsigned char)(sum & 0xFF);
        carry = sum > 0xFF;
        offset >>= 8;
    }
}

const char *occi_ip_split(apr_pool_t *pool, const char *attribute, const char *text,
                          const char **v4, const char **v6)
{
    const char *comma = text ? strchr(text, ',') : NULL;
    const char *items[2];
    int i, n;

    *v4 = *v6 = NULL;
    if (!text) {
        return NULL;
    }
    if (comma && strchr(comma + 1, ',')) {
        return apr_psprintf(pool, "%s '%s' names more than two ranges: one IPv4 and one "
                            "IPv6 at most", attribute, text);
    }
    /* Spaces only after the comma: an item with spaces of its own is no
     * address. */
    items[0] = comma ? apr_pstrmemdup(pool, text, (size_t)(comma - text)) : text;
    items[1] = comma ? comma + 1 + strspn(comma + 1, " ") : NULL;
    n = comma ? 2 : 1;
    for (i = 0; i < n; i++) {
        const char **slot = strchr(items[i], ':') ? v6 : v4;

        if (!*items[i]) {
            return apr_psprintf(pool, "%s '%s' has an empty item", attribute, text);
        }
        if (*slot) {
            return apr_psprintf(pool, "%s '%s' names two %s ranges: one of each family at "
                                "most", attribute, text, slot == v6 ? "IPv6" : "IPv4");
        }
        *slot = items[i];
    }
    return NULL;
}
