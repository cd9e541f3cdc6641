/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each tenant's quota and usage as resources (mod_occi_quota.c): /quota/
 * and its members.
 */
#ifndef MOD_OCCI_QUOTA_H
#define MOD_OCCI_QUOTA_H

#include "mod_occi.h"

/* Whether route names the quota kind's collection or one of its members. */
int occi_is_quota_route(const occi_request *req, const occi_route *route);

/* GET of /quota/ or of a tenant's quota: a tenant sees its own only (404
 * for another's id), an administrator every tenant's. The caller allows
 * no other method. */
void occi_handle_quota(occi_request *req, const occi_route *route);

#endif
