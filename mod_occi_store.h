/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity store through mod_dbd (mod_occi_store.c): statements,
 * schema migration in each child, connections for requests and for work
 * outside them. Nothing here answers a request.
 */
#ifndef MOD_OCCI_STORE_H
#define MOD_OCCI_STORE_H

#include "mod_occi.h"

/* Registers the mutex type of the children's start on SQLite. */
void occi_store_pre_config(apr_pool_t *pconf);

/* Which database server s keeps its entities in ("driver\nparams"), to
 * tell servers that share one. */
const char *occi_store_identity(apr_pool_t *pool, server_rec *s);

/* Registers the store's statements with mod_dbd; fails start-up with a
 * message when mod_dbd is missing. */
int occi_store_configure(apr_pool_t *pconf, server_rec *main_server);

/* Creates or upgrades the schema in each child before mod_dbd prepares
 * the statements on its connections; on SQLite it takes the child's turn,
 * which occi_store_child_init_done (after mod_dbd's child_init) leaves. */
void occi_store_child_init(apr_pool_t *pchild, server_rec *main_server);
void occi_store_child_init_done(apr_pool_t *pchild, server_rec *main_server);

/* A store for work outside requests (a watchdog's thread), on a
 * connection of mod_dbd's pool that occi_store_close_outside_requests
 * gives back. NULL and *error when none can be had. */
occi_store *occi_store_open_outside_requests(apr_pool_t *pool, server_rec *s,
                                             ap_dbd_t **connection, const char **error);
void occi_store_close_outside_requests(server_rec *s, ap_dbd_t *connection);

/* Opens the request's store (req->store, req->connection) on a connection
 * of mod_dbd's (once): NULL, or why it cannot be had. Sends nothing. */
const char *occi_store_connect(occi_request *req);

/* After the request's store failed: the status to answer (503 when the
 * connection to the database was lost, which is checked and reopened
 * here, else 500) and, in *why, a sentence with the database's words. */
int occi_store_failure(occi_request *req, const char **why);

#endif
