/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <stdlib.h>
#include <apr_lib.h>

#include "config.h"
#include "occi_version.h"

const char *occi_module_version(void)
{
    return "mod_occi/" PACKAGE_VERSION;
}

/* Reads a decimal number, saturating at a million (which is newer than
 * any version this server will speak); -1 if there is none. */
static long read_number(const char **p)
{
    long value = 0;
    int digits = 0;

    while (apr_isdigit(**p)) {
        digits++;
        value = value * 10 + (**p - '0');
        if (value > 1000000) {
            value = 1000000;
        }
        (*p)++;
    }
    return digits ? value : -1;
}

int occi_client_version_is_newer(const char *user_agent, const char **announced,
                                 int *announced_len)
{
    const char *p = user_agent;

    if (!p) {
        return 0;
    }
    while ((p = strstr(p, "OCCI/")) != NULL) {
        const char *token = p, *q = p + 5;
        long major, minor = 0;

        p += 5;
        /* A product token starts the value or follows a separator. */
        if (token != user_agent && (apr_isalnum(token[-1]) || token[-1] == '_'
                                    || token[-1] == '-' || token[-1] == '.')) {
            continue;
        }
        major = read_number(&q);
        if (major < 0) {
            continue;
        }
        if (*q == '.') {
            q++;
            minor = read_number(&q);
            if (minor < 0) {
                minor = 0;
            }
        }
        if (major > OCCI_PROTOCOL_MAJOR
            || (major == OCCI_PROTOCOL_MAJOR && minor > OCCI_PROTOCOL_MINOR)) {
            *announced = token;
            *announced_len = (int)(q - token);
            return 1;
        }
    }
    return 0;
}
