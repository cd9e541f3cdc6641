/* SPDX-License-Identifier: Apache-2.0 */
#include "occi_utf8.h"

int occi_utf8_is_valid(const char *s, apr_size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;

    while (p < end) {
        unsigned char c = *p;
        int follow;
        unsigned long cp;

        if (c == 0) {
            return 0;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            follow = 1; cp = c & 0x1F;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            follow = 2; cp = c & 0x0F;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            follow = 3; cp = c & 0x07;
        }
        else {
            return 0;
        }
        if (end - p <= follow) {
            return 0;
        }
        for (int i = 1; i <= follow; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((follow == 2 && cp < 0x800) || (follow == 3 && cp < 0x10000)
            || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        p += follow + 1;
    }
    return 1;
}
