/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compute's screen: sessions and the WebSocket handed to mod_proxy
 * (mod_occi_screen.c).
 */
#ifndef MOD_OCCI_SCREEN_H
#define MOD_OCCI_SCREEN_H

#include "mod_occi.h"

/* Whether path (below the mount) is a screen's: /-/screen/<uuid> (a
 * session) or /-/screen/<uuid>/websocket (*websocket set). *id is the
 * compute's id, or NULL when the rest of the path is no compute's id. */
int occi_screen_path(apr_pool_t *pool, const char *path, const char **id, int *websocket);

/* Answers POST /-/screen/<uuid>: a new session's password and the
 * address of the WebSocket, in JSON. */
int occi_screen_session(occi_request *req, const char *id);

/* In the fixups phase: OK when the WebSocket request was handed to
 * mod_proxy, DONE when it was answered (refused) here. */
int occi_screen_tunnel(occi_request *req, const char *id);

#endif
