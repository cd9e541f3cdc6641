/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web console for browsers (mod_occi_console.c).
 */
#ifndef MOD_OCCI_CONSOLE_H
#define MOD_OCCI_CONSOLE_H

#include "mod_occi.h"

/* A file of console/, compiled into the module by console/embed.sh. */
typedef struct {
    const char *name;             /* "console.js" */
    const char *content_type;
    const char *etag;             /* from the content, quoted */
    const char *data;
    apr_size_t len;
} occi_console_asset;

/* The generated table, ended by an entry whose name is NULL. */
extern const occi_console_asset occi_console_assets[];

/* Answers GET or HEAD of <mount>/-/console.js and console.css (and their
 * OPTIONS and other methods) and returns OK; DECLINED for any other path,
 * or when OCCIConsole is off. Needs req->path only. */
int occi_console_asset_request(occi_request *req);

/* Sends the console's page and returns OK when the request is a GET or
 * HEAD whose Accept prefers text/html to every OCCI rendering and the
 * console is on; DECLINED otherwise. Needs req->accept. */
int occi_console_page_request(occi_request *req);

#endif
