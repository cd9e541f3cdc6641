/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 addresses and ranges as the ipnetwork and ipnetworkinterface mixins
 * write them ("fd00:10::5", "fd00:10::/64"), and the address lists of
 * occi.network.address and occi.network.gateway, which name an IPv4 range,
 * an IPv6 range or one of each ("192.168.10.0/24, fd00:10::/64"). The
 * checks any hypervisor shares and the libvirt network's XML read them the
 * same way.
 */
#ifndef OCCI_IPV6_H
#define OCCI_IPV6_H

#include <apr_pools.h>

/* The smallest and largest prefix of an IPv6 range: a network smaller
 * than a /64 cannot use router advertisements, and one of more than 124
 * bits leaves no room for DHCP. */
#define OCCI_IPV6_MIN_PREFIX 64
#define OCCI_IPV6_MAX_PREFIX 124

/* Parses an IPv6 address in any of its textual forms (RFC 4291 2.2),
 * without brackets or zone; 0 on success. */
int occi_ipv6_parse(const char *text, unsigned char address[16]);

/* Parses a range "address/prefix" with a prefix from OCCI_IPV6_MIN_PREFIX
 * to OCCI_IPV6_MAX_PREFIX; 0 on success, with its network address (the
 * host bits cleared). */
int occi_ipv6_range(const char *cidr, unsigned char network[16], long *prefix);

/* Whether address lies in the range network/prefix. */
int occi_ipv6_in_range(const unsigned char address[16], const unsigned char network[16],
                       long prefix);

/* The canonical text of an address (RFC 5952: lower case, the longest run
 * of zeros as "::"). */
const char *occi_ipv6_text(apr_pool_t *pool, const unsigned char address[16]);

/* The address network + offset (offset counted in the low 64 bits). */
void occi_ipv6_add(unsigned char address[16], const unsigned char network[16],
                   unsigned long long offset);

/* The IPv4 part and the IPv6 part of an address list (occi.network.address,
 * occi.network.gateway): one item, or two separated by a comma (spaces
 * after it allowed), at most one of each family. *v4 and *v6 receive the
 * items (NULL when absent); an item is given to the family its text looks
 * like (a ':' makes it IPv6), not checked further. NULL on success, else a
 * sentence saying what is wrong, naming attribute. */
const char *occi_ip_split(apr_pool_t *pool, const char *attribute, const char *text,
                          const char **v4, const char **v6);

#endif
