/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query interface (mod_occi_discovery.c).
 */
#ifndef MOD_OCCI_DISCOVERY_H
#define MOD_OCCI_DISCOVERY_H

#include "mod_occi.h"

/* The query interface: GET, POST (define user mixins), DELETE. */
int occi_handle_query_interface(occi_request *req);

#endif
