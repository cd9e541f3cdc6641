/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor hosts as resources, for administrators
 * (mod_occi_hosts.c): /host/ and its members.
 */
#ifndef MOD_OCCI_HOSTS_H
#define MOD_OCCI_HOSTS_H

#include "mod_occi.h"

/* Whether route names the host kind's collection or one of its members. */
int occi_is_host_route(const occi_request *req, const occi_route *route);

/* Whether a category of the query interface is the administrators' only. */
int occi_is_host_category(const occi_request *req, const occi_category *category);

/* GET of /host/ or of a host; POST of a host with ?action=enable or
 * ?action=disable. Administrators only (the caller answers 404 to
 * others). */
void occi_handle_hosts(occi_request *req, const occi_route *route);

#endif
