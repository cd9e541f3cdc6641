/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 addresses, ranges and the address lists of occi.network.address
 * (src/occi_ipv6.c), and the check of a static interface address against
 * its network's ranges (occi_validate_interface_address).
 */
#include <string.h>

#include <apr_strings.h>

#include "tap.h"
#include "occi_entity.h"
#include "occi_ipv6.h"
#include "occi_model.h"
#include "occi_validate.h"

#define IPNETWORKINTERFACE \
    "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"

static const char *range_text(apr_pool_t *pool, const char *cidr)
{
    unsigned char network[16];
    long prefix;

    if (occi_ipv6_range(cidr, network, &prefix)) {
        return "refused";
    }
    return apr_psprintf(pool, "%s/%ld", occi_ipv6_text(pool, network), prefix);
}

static const char *split(apr_pool_t *pool, const char *text)
{
    const char *v4, *v6, *error = occi_ip_split(pool, "occi.network.address", text, &v4, &v6);

    return error ? error : apr_psprintf(pool, "v4=%s v6=%s", v4 ? v4 : "-", v6 ? v6 : "-");
}

static const char *interface_check(apr_pool_t *pool, const char *ranges, const char *address)
{
    occi_entity *network = occi_entity_create(pool), *link = occi_entity_create(pool);
    const char *error;

    network->kind = OCCI_SCHEME_INFRA "network";
    if (ranges) {
        occi_entity_set_string(pool, network, "occi.network.address", ranges);
    }
    link->kind = OCCI_SCHEME_INFRA "networkinterface";
    APR_ARRAY_PUSH(link->mixins, const char *) = IPNETWORKINTERFACE;
    occi_entity_set_string(pool, link, "occi.networkinterface.address", address);
    occi_entity_set_string(pool, link, "occi.networkinterface.allocation", "static");
    error = occi_validate_interface_address(pool, link, network);
    return error ? error : "accepted";
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    unsigned char address[16], network[16], sum[16];
    static const char *const refused[] = {
        "", "fd00::1 ", " fd00::1", "[fd00::1]", "fd00::1%eth0", "fd00::1/64", "fd00:::1",
        "fd00::1::2", "1:2:3:4:5:6:7:8:9", "fd00::g", "10.0.0.1", "fd00::1'/><x", NULL
    };
    long prefix;
    int i;

    /* Addresses */
    tap_ok(occi_ipv6_parse("fd00:10::5", address) == 0, "an address with ::");
    tap_is_str(occi_ipv6_text(pool, address), "fd00:10::5", "reads back as written");
    tap_ok(occi_ipv6_parse("FD00:0010:0000:0000:0000:0000:0000:0005", address) == 0,
           "the full form, in capitals");
    tap_is_str(occi_ipv6_text(pool, address), "fd00:10::5", "is written canonically (RFC 5952)");
    tap_ok(occi_ipv6_parse("::ffff:10.0.0.1", address) == 0, "an IPv4 tail");
    for (i = 0; refused[i]; i++) {
        tap_ok(occi_ipv6_parse(refused[i], address) != 0,
               apr_psprintf(pool, "'%s' is no address", refused[i]));
    }
    tap_ok(occi_ipv6_parse(NULL, address) != 0, "nor is nothing");

    /* Ranges */
    tap_is_str(range_text(pool, "fd00:10::/64"), "fd00:10::/64", "a /64");
    tap_is_str(range_text(pool, "fd00:10::77/64"), "fd00:10::/64", "host bits are cleared");
    tap_is_str(range_text(pool, "fd00:10::ff/120"), "fd00:10::/120", "a /120");
    tap_is_str(range_text(pool, "fd00:10:0:1:ffff::/68"), "fd00:10:0:1:f000::/68",
               "a prefix inside a byte");
    tap_is_str(range_text(pool, "fd00::/63"), "refused", "a /63 is too large (no RA)");
    tap_is_str(range_text(pool, "fd00::/125"), "refused", "a /125 leaves no room");
    tap_is_str(range_text(pool, "fd00::/+64"), "refused", "a signed prefix");
    tap_is_str(range_text(pool, "fd00::/64 "), "refused", "a space after it");
    tap_is_str(range_text(pool, "fd00::"), "refused", "no prefix");
    tap_is_str(range_text(pool, "fd00::/"), "refused", "an empty prefix");

    occi_ipv6_range("fd00:10::/64", network, &prefix);
    occi_ipv6_parse("fd00:10::ffff:1", address);
    tap_ok(occi_ipv6_in_range(address, network, prefix), "an address in the range");
    occi_ipv6_parse("fd00:11::1", address);
    tap_ok(!occi_ipv6_in_range(address, network, prefix), "one outside");
    occi_ipv6_add(sum, network, 65534);
    tap_is_str(occi_ipv6_text(pool, sum), "fd00:10::fffe", "network + 65534");
    occi_ipv6_parse("fd00:10::ffff", address);
    occi_ipv6_add(sum, address, 1);
    tap_is_str(occi_ipv6_text(pool, sum), "fd00:10::1:0", "the sum carries");

    /* Address lists */
    tap_is_str(split(pool, "10.1.0.0/24"), "v4=10.1.0.0/24 v6=-", "an IPv4 range alone");
    tap_is_str(split(pool, "fd00:1::/64"), "v4=- v6=fd00:1::/64", "an IPv6 range alone");
    tap_is_str(split(pool, "10.1.0.0/24, fd00:1::/64"), "v4=10.1.0.0/24 v6=fd00:1::/64",
               "one of each, a space after the comma");
    tap_is_str(split(pool, "fd00:1::/64,10.1.0.0/24"), "v4=10.1.0.0/24 v6=fd00:1::/64",
               "in either order");
    tap_like(split(pool, "10.1.0.0/24, 10.2.0.0/24"), "two IPv4 ranges", "two of a family");
    tap_like(split(pool, "a,b,c"), "more than two", "three items");
    tap_like(split(pool, "10.1.0.0/24,"), "empty item", "an empty item");
    tap_is_str(split(pool, " 10.1.0.0/24"), "v4= 10.1.0.0/24 v6=-",
               "a space before an item stays (and the range check refuses it)");

    /* A static interface address against its network's ranges */
    tap_is_str(interface_check(pool, "10.1.0.0/24, fd00:1::/64", "fd00:1::10"), "accepted",
               "an IPv6 address in the network's IPv6 range");
    tap_is_str(interface_check(pool, "10.1.0.0/24, fd00:1::/64", "10.1.0.10"), "accepted",
               "an IPv4 one in its IPv4 range");
    tap_like(interface_check(pool, "10.1.0.0/24", "fd00:1::10"), "no IPv6 range",
             "an IPv6 address on a network with none");
    tap_like(interface_check(pool, "fd00:1::/64", "fd00:2::10"), "not a host address",
             "an IPv6 address outside the range");
    tap_like(interface_check(pool, "fd00:1::/64", "fd00:1::"), "not a host address",
             "the network's own address");
    tap_like(interface_check(pool, "fd00:1::/64", "fd00:1::zz"), "not an IPv4 or IPv6 address",
             "no address at all");
    return tap_done(pool);
}
