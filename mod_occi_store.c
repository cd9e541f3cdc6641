/*
 * The entity store through mod_dbd.
 *
 * mod_dbd prepares registered statements on every connection it opens,
 * and a statement naming a missing table fails to prepare (in SQLite and
 * PostgreSQL alike), which fails the connection. So the schema must exist
 * before mod_dbd's first connection in each process: child_init runs the
 * migration on a short-lived connection of its own, before mod_dbd's
 * child_init opens its pool. mod_dbd exports no way to read its driver
 * and parameters, and its post_connect hook is not exported either; the
 * server configuration it keeps starts with a pointer to the public
 * dbd_cfg_t, which is what is read here.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_dbd.h"
#include "apr_optional.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;
static module *dbd_module_record;

/* mod_dbd's configuration of server s, or NULL. */
static const dbd_cfg_t *dbd_config(server_rec *s)
{
    /* mod_dbd.c: typedef struct { dbd_cfg_t *cfg; dbd_group_t *group; } svr_cfg; */
    dbd_cfg_t *const *svr = ap_get_module_config(s->module_config, dbd_module_record);

    return svr ? *svr : NULL;
}

int occi_store_configure(apr_pool_t *pconf, server_rec *main_server)
{
    const occi_statement *statements;
    server_rec *s;
    int count, i;

    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_module_record = ap_find_linked_module("mod_dbd.c");
    if (!dbd_prepare || !dbd_acquire || !dbd_module_record) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, main_server, OCCI_LOGNO(20)
                     "mod_occi keeps its entities through mod_dbd: load it with "
                     "\"LoadModule dbd_module modules/mod_dbd.so\" and set DBDriver and "
                     "DBDParams");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    statements = occi_store_statements(&count);
    for (s = main_server; s; s = s->next) {
        for (i = 0; i < count; i++) {
            dbd_prepare(s, statements[i].sql, statements[i].label);
        }
    }
    return OK;
}

/* Opens a connection of its own to server s's database and creates or
 * upgrades the schema. NULL, or why it failed. */
static const char *migrate(apr_pool_t *pool, server_rec *s)
{
    const dbd_cfg_t *cfg = dbd_config(s);
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    const char *error = NULL;
    apr_status_t rv;

    if (!cfg || !cfg->name) {
        return "no DBDriver is configured";
    }
    rv = apr_dbd_get_driver(pool, cfg->name, &driver);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(pool, "the apr_dbd driver %s cannot be loaded (is "
                            "libaprutil1-dbd-%s installed?)", cfg->name, cfg->name);
    }
    rv = apr_dbd_open_ex(driver, pool, cfg->params ? cfg->params : "", &handle, &error);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(pool, "cannot connect to the %s database: %s", cfg->name,
                            error ? error : "no reason given");
    }
    error = occi_store_migrate(pool, driver, handle);
    apr_dbd_close(driver, handle);
    return error;
}

void occi_store_child_init(apr_pool_t *pchild, server_rec *main_server)
{
    apr_hash_t *done;
    apr_pool_t *pool;
    server_rec *s;

    if (!dbd_module_record) {
        return;
    }
    apr_pool_create(&pool, pchild);
    done = apr_hash_make(pool);
    for (s = main_server; s; s = s->next) {
        const dbd_cfg_t *cfg = dbd_config(s);
        const char *key, *error;

        if (!cfg || !cfg->name) {
            continue;
        }
        /* Virtual hosts usually share the main server's database. */
        key = apr_pstrcat(pool, cfg->name, "\n", cfg->params ? cfg->params : "", NULL);
        if (apr_hash_get(done, key, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(done, key, APR_HASH_KEY_STRING, "");
        if ((error = migrate(pool, s))) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, OCCI_LOGNO(21)
                         "the entity store is not ready: %s", error);
        }
    }
    apr_pool_destroy(pool);
}

int occi_store_acquire(occi_request *req)
{
    request_rec *r = req->r;
    ap_dbd_t *dbd;

    if (req->store) {
        return OK;
    }
    dbd = dbd_acquire(r);
    if (!dbd) {
        /* The database may have been unreachable when this child started:
         * try the migration again before giving up on this request. */
        const char *error = migrate(r->pool, r->server);

        dbd = error ? NULL : dbd_acquire(r);
        if (!dbd) {
            occi_send_error(req, HTTP_SERVICE_UNAVAILABLE, apr_psprintf(
                                r->pool, "the entity store is unavailable: %s",
                                error ? error : "mod_dbd could not open a connection "
                                "(see the error log)"));
            return HTTP_SERVICE_UNAVAILABLE;
        }
    }
    req->store = occi_store_open(r->pool, dbd->driver, dbd->handle, dbd->prepared);
    return OK;
}

int occi_send_store_error(occi_request *req, occi_store_status status)
{
    const char *message = req->store ? occi_store_error(req->store) : NULL;

    (void)status;
    return occi_send_error(req, HTTP_INTERNAL_SERVER_ERROR, apr_psprintf(
                               req->r->pool, "the entity store failed: %s",
                               message ? message : "unknown error"));
}

int occi_refuse_store(occi_request *req, occi_store_status status)
{
    occi_send_store_error(req, status);
    return HTTP_INTERNAL_SERVER_ERROR;
}

int occi_store_finish(occi_request *req, occi_store_status status, int conflict_status,
                      const char *conflict_message)
{
    if (status == OCCI_STORE_OK) {
        status = occi_store_commit(req->store);
    }
    else {
        occi_store_rollback(req->store);
    }
    switch (status) {
    case OCCI_STORE_OK:
        return OK;
    case OCCI_STORE_CONFLICT:
        return occi_refuse(req, conflict_status, conflict_message);
    case OCCI_STORE_NOT_FOUND:
        return occi_refuse(req, HTTP_NOT_FOUND, "the entity was deleted meanwhile");
    default:
        return occi_refuse_store(req, status);
    }
}

int occi_load_user_mixins(occi_request *req)
{
    occi_store_status status;
    int i;

    if (req->user_mixins_loaded) {
        return OK;
    }
    if (occi_store_acquire(req) != OK) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    status = occi_store_list_mixins(req->store, req->r->pool, req->scope,
                                    &req->user_mixins, NULL);
    if (status != OCCI_STORE_OK) {
        occi_send_store_error(req, status);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    req->validation.user_mixins = apr_hash_make(req->r->pool);
    for (i = 0; i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        apr_hash_set(req->validation.user_mixins,
                     occi_category_type_id(req->r->pool, mixin), APR_HASH_KEY_STRING, mixin);
    }
    req->user_mixins_loaded = 1;
    return OK;
}
