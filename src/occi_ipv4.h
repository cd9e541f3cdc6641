/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 addresses and ranges as the ipnetwork and ipnetworkinterface mixins
 * write them (GFD.224 §3.4.3): "192.168.10.5", "192.168.10.0/24". The
 * checks any hypervisor shares, and the libvirt network's XML, read them
 * the same way.
 */
#ifndef OCCI_IPV4_H
#define OCCI_IPV4_H

/* Parses a dotted-quad address; 0 on success. Nothing else is taken: no
 * signs, spaces or fewer than four parts. */
int occi_ipv4_parse(const char *text, unsigned long *address);

/* Parses a range "a.b.c.d/prefix" with a prefix from 8 to 30; 0 on
 * success, with its network address and mask. */
int occi_ipv4_range(const char *cidr, unsigned long *network, unsigned long *mask,
                    long *prefix);

#endif
