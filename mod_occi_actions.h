/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Actions on entities and collections (mod_occi_actions.c).
 */
#ifndef MOD_OCCI_ACTIONS_H
#define MOD_OCCI_ACTIONS_H

#include "mod_occi.h"

/* Runs the action of the request's ?action= on entities (one, or a
 * collection's members) and answers. */
int occi_run_action(occi_request *req, apr_array_header_t *entities, int is_collection);

#endif
