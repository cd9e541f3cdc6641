/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 validation for text that reaches the core from a client. */
#ifndef OCCI_UTF8_H
#define OCCI_UTF8_H

#include <apr.h>

/* True when the len bytes at s are well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) with no NUL. */
int occi_utf8_is_valid(const char *s, apr_size_t len);

#endif
