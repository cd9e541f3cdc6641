/* SPDX-License-Identifier: Apache-2.0 */
/* The module's version and the OCCI protocol version it speaks. */
#ifndef OCCI_VERSION_H
#define OCCI_VERSION_H

#define OCCI_PROTOCOL_MAJOR 1
#define OCCI_PROTOCOL_MINOR 2
#define OCCI_PROTOCOL_TOKEN "OCCI/1.2"

/* "mod_occi/<release>" for the Server banner. */
const char *occi_module_version(void);

/* Looks for an "OCCI/x.y" token in a User-Agent value. Returns 1 when the
 * client announces a version newer than this server's (and points
 * *announced at the token), 0 otherwise, including when there is none. */
int occi_client_version_is_newer(const char *user_agent, const char **announced,
                                 int *announced_len);

#endif
