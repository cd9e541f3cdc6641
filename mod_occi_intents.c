/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intents: a change that spans the hypervisor and the store cannot be one
 * transaction: a process killed between libvirt's part and the commit
 * would leave a domain, volume or network the store does not know (a
 * create), a store row whose object is gone (a delete), sizes the store
 * does not hold (an update) or a stale stored state (an action). So before it
 * touches the hypervisor, a request writes what it is about to do into a
 * file named after its process, and removes the file once the store has
 * committed or rolled back. A file whose process is dead is an
 * interrupted change, which another process finishes: a create that did
 * not commit is undone on the hypervisor, a delete that did not commit is
 * carried out, an action has its state written from the hypervisor, an
 * update that did not commit is changed back on the hypervisor. The files
 * live on the local disk: they are about this host's processes.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mod_occi.h"
#include "apr_atomic.h"
#include "apr_file_io.h"
#include "unixd.h"
#include "occi_entity_json.h"
#include "occi_state.h"

static const char *intent_dir;              /* NULL: intents are off */
static volatile apr_uint32_t intent_serial;
static volatile apr_uint32_t intent_checked; /* apr_time_sec() of the last look */

void occi_intents_configure(apr_pool_t *pconf, server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, "occi-intents");
    apr_status_t rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, pconf);

    intent_dir = NULL;
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, OCCI_LOGNO(90)
                     "cannot create %s: changes interrupted by a killed process will "
                     "not be finished", dir);
        return;
    }
    /* The children write there after dropping root. */
    if (geteuid() == 0 && chown(dir, ap_unixd_config.user_id, -1) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, OCCI_LOGNO(91)
                     "cannot give %s to httpd's user: changes interrupted by a killed "
                     "process will not be finished", dir);
        return;
    }
    intent_dir = dir;
}

static const char *hypervisor_uri(const occi_request *req)
{
    return req->conf->libvirt_uri ? req->conf->libvirt_uri : OCCI_DEFAULT_LIBVIRT_URI;
}

static const char *intent_content(occi_request *req, const char *verb,
                                   const apr_array_header_t *entities)
{
    /* Stored as the store keeps references: paths, no origin. */
    occi_render_context context = { req->model, "", NULL };

    return apr_pstrcat(req->r->pool, verb, "\n", hypervisor_uri(req), "\n",
                       occi_json_render_collection(req->r->pool, &context, entities, NULL),
                       NULL);
}

const char *occi_intent_write(occi_request *req, const char *name, const char *verb,
                              const apr_array_header_t *entities)
{
    apr_pool_t *pool = req->r->pool;
    const char *content, *temporary;
    apr_file_t *file;
    apr_size_t len;
    apr_status_t rv;

    if (!intent_dir || !req->conf->hypervisor) {
        return NULL;
    }
    if (!name) {
        name = apr_psprintf(pool, "%s/%" APR_PID_T_FMT ".%u", intent_dir, getpid(),
                            apr_atomic_inc32(&intent_serial));
    }
    content = intent_content(req, verb, entities);
    len = strlen(content);
    /* Written aside and renamed: a reader never sees half a file. */
    temporary = apr_pstrcat(pool, name, ".new", NULL);
    rv = apr_file_open(&file, temporary, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE, APR_FPROT_UREAD | APR_FPROT_UWRITE, pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(file, content, len, NULL);
        apr_file_close(file);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(temporary, name, pool);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r, OCCI_LOGNO(92)
                      "cannot write %s: if this process is killed before the change "
                      "completes, it will not be finished", name);
        apr_file_remove(temporary, pool);
    }
    return name;
}

void occi_intent_done(occi_request *req, const char *name)
{
    if (name) {
        apr_file_remove(name, req->r->pool);
    }
}

/* Undoes on the hypervisor what an interrupted create made, unless the
 * store committed it. OK, or what failed. */
static occi_hv_status finish_create(occi_request *req, occi_entity *entity,
                                    const occi_entity *resource, int *changed,
                                    occi_hv_error *error)
{
    occi_hypervisor *hv = req->conf->hypervisor;
    occi_entity *stored;
    occi_store_status status;
    int i;

    for (i = 0; i < entity->links->nelts; i++) {
        if (finish_create(req, APR_ARRAY_IDX(entity->links, i, occi_entity *), entity, changed,
                          error) != OCCI_HV_OK) {
            return error->status;
        }
    }
    status = occi_store_get(req->store, req->r->pool, entity->id, NULL, &stored);
    if (status == OCCI_STORE_OK) {
        return OCCI_HV_OK;
    }
    if (status != OCCI_STORE_NOT_FOUND) {
        error->status = OCCI_HV_FAILED;
        error->message = "the store cannot be read";
        return error->status;
    }
    ++*changed;
    return occi_hypervisor_delete_entity(hv, req->r->pool, entity,
                                         resource ? resource
                                                  : occi_link_source(req->r->pool, entity),
                                         error);
}

/* Carries out an interrupted delete that the store did not commit: the
 * devices of the links to and from the entity, the entity itself, then
 * the rows, as the request would have. */
static occi_hv_status finish_delete(occi_request *req, const occi_entity *entity,
                                    int *changed, occi_hv_error *error)
{
    occi_hypervisor *hv = req->conf->hypervisor;
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *to = NULL, *from = NULL;
    occi_entity *stored;
    occi_store_status status;
    int i;

    status = occi_store_get(req->store, pool, entity->id, NULL, &stored);
    if (status == OCCI_STORE_NOT_FOUND) {
        return OCCI_HV_OK;
    }
    if (status == OCCI_STORE_OK) {
        status = occi_store_links_to(req->store, pool,
                                     occi_entity_location(pool, req->model, stored), &to);
    }
    if (status == OCCI_STORE_OK && !occi_kind_is_link(req->model, stored->kind)) {
        status = occi_store_links_from(req->store, pool, stored->id, &from);
    }
    if (status != OCCI_STORE_OK) {
        error->status = OCCI_HV_FAILED;
        error->message = "the store cannot be read";
        return error->status;
    }
    for (i = 0; to && i < to->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(to, i, occi_entity *);

        if (occi_hypervisor_delete_entity(hv, pool, link, occi_link_source(pool, link), error)
            != OCCI_HV_OK) {
            return error->status;
        }
    }
    for (i = 0; from && i < from->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(from, i, occi_entity *);

        if (occi_hypervisor_delete_entity(hv, pool, link, stored, error) != OCCI_HV_OK) {
            return error->status;
        }
    }
    if (occi_hypervisor_delete_entity(hv, pool, stored,
                                      occi_kind_is_link(req->model, stored->kind)
                                          ? occi_link_source(pool, stored) : NULL,
                                      error) != OCCI_HV_OK) {
        return error->status;
    }
    status = occi_store_begin(req->store);
    for (i = 0; status == OCCI_STORE_OK && to && i < to->nelts; i++) {
        status = occi_store_delete(req->store, APR_ARRAY_IDX(to, i, occi_entity *)->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    if (status == OCCI_STORE_OK) {
        status = occi_store_delete(req->store, stored->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    status = status == OCCI_STORE_OK ? occi_store_commit(req->store)
                                     : (occi_store_rollback(req->store), status);
    if (status != OCCI_STORE_OK) {
        error->status = OCCI_HV_FAILED;
        error->message = "the store refused the deletion";
        return error->status;
    }
    ++*changed;
    return OCCI_HV_OK;
}

/* Writes the hypervisor's state of an entity an interrupted action
 * changed into the store. */
static occi_hv_status finish_action(occi_request *req, const occi_entity *entity,
                                    int *changed, occi_hv_error *error)
{
    apr_array_header_t *one = apr_array_make(req->r->pool, 1, sizeof(occi_entity *));
    const char *attribute = occi_state_attribute(entity->kind), *state, *now;
    occi_entity *stored;

    if (!attribute
        || occi_store_get(req->store, req->r->pool, entity->id, NULL, &stored)
               != OCCI_STORE_OK) {
        return OCCI_HV_OK;                 /* gone meanwhile: nothing to write */
    }
    APR_ARRAY_PUSH(one, occi_entity *) = stored;
    state = occi_entity_get_string(stored, attribute);
    state = state ? apr_pstrdup(req->r->pool, state) : "";
    if (occi_hypervisor_observe(req->conf->hypervisor, req->r->pool, one, error)
        != OCCI_HV_OK) {
        return error->status;
    }
    now = occi_entity_get_string(stored, attribute);
    if (now && strcmp(now, state)) {
        /* A later change wrote a newer state: it stays. */
        if (occi_store_update(req->store, stored, stored->revision) == OCCI_STORE_OK) {
            ++*changed;
        }
    }
    return OCCI_HV_OK;
}

/* Changes the hypervisor back to the stored entity after an interrupted
 * update that did not commit (the row is still at revision). */
static occi_hv_status finish_update(occi_request *req, occi_entity *entity,
                                    apr_int64_t revision, int *changed,
                                    occi_hv_error *error)
{
    occi_entity *stored;
    occi_hv_status status;

    if (occi_store_get(req->store, req->r->pool, entity->id, NULL, &stored) != OCCI_STORE_OK
        || (apr_int64_t)stored->revision != revision) {
        return OCCI_HV_OK;                 /* committed, changed since, or gone */
    }
    if (occi_store_links_from(req->store, req->r->pool, stored->id, &stored->links)
        != OCCI_STORE_OK) {
        error->status = OCCI_HV_FAILED;
        error->message = "the store cannot be read";
        return error->status;
    }
    status = occi_hypervisor_update(req->conf->hypervisor, req->r->pool, entity, stored,
                                    error);
    if (status == OCCI_HV_UNAVAILABLE) {
        return status;
    }
    /* Refused (a volume does not shrink, a running domain keeps its
     * sizes): it stays as it is, and the log says so. */
    if (status != OCCI_HV_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r, OCCI_LOGNO(96)
                      "an interrupted update of %s cannot be undone on the hypervisor: %s",
                      entity->id, error->message);
    }
    ++*changed;
    return OCCI_HV_OK;
}

/* Finishes the change recorded in file path; 1 when done. */
static int finish_intent(occi_request *req, const char *path)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *entities = apr_array_make(pool, 4, sizeof(occi_entity *));
    char *content, *uri, *body;
    const char *problem, *verb;
    apr_file_t *file;
    apr_finfo_t info;
    apr_size_t len;
    occi_hv_error error = { OCCI_HV_OK, NULL };
    int i, changed = 0;

    if (apr_file_open(&file, path, APR_FOPEN_READ, 0, pool) != APR_SUCCESS) {
        return 1;
    }
    if (apr_file_info_get(&info, APR_FINFO_SIZE, file) != APR_SUCCESS) {
        apr_file_close(file);
        return 0;
    }
    len = (apr_size_t)info.size;
    content = apr_palloc(pool, len + 1);
    if (apr_file_read_full(file, content, len, NULL) != APR_SUCCESS) {
        apr_file_close(file);
        return 0;
    }
    apr_file_close(file);
    content[len] = '\0';
    if (!(uri = strchr(content, '\n')) || !(body = strchr(uri + 1, '\n'))) {
        return 1;                          /* not one of ours: dropped */
    }
    *uri++ = '\0';
    *body++ = '\0';
    if (strcmp(uri, hypervisor_uri(req))) {
        return 0;                          /* another virtual host's hypervisor */
    }
    if ((problem = occi_json_parse_entities(pool, body, strlen(body), entities))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r, OCCI_LOGNO(93)
                      "%s cannot be read (%s); dropped", path, problem);
        return 1;
    }
    for (i = 0; i < entities->nelts && error.status == OCCI_HV_OK; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (!strcmp(content, "create")) {
            finish_create(req, entity, NULL, &changed, &error);
        }
        else if (!strcmp(content, "delete")) {
            finish_delete(req, entity, &changed, &error);
        }
        else if (!strcmp(content, "action")) {
            finish_action(req, entity, &changed, &error);
        }
        else if (!strncmp(content, "update ", 7)) {
            finish_update(req, entity, apr_atoi64(content + 7), &changed, &error);
        }
    }
    verb = apr_pstrmemdup(pool, content, strcspn(content, " "));
    if (error.status != OCCI_HV_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r, OCCI_LOGNO(94)
                      "an interrupted %s (%s) cannot be finished yet: %s", verb, path,
                      error.message);
        return 0;
    }
    /* changed: entities of a create that had not been committed (removed
     * from the hypervisor), of a delete that had not (deleted now), of an
     * action whose state the store lacked (written now). */
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, OCCI_LOGNO(95)
                  "finished an interrupted %s of %d entities, whose process died (%s): "
                  "%d %s", verb, entities->nelts, path, changed,
                  !strcmp(content, "create") ? "not committed, removed from the hypervisor if made"
                  : !strcmp(content, "delete") ? "not committed, deleted now"
                  : !strcmp(content, "action") ? "states written from the hypervisor"
                  : "not committed, changed back on the hypervisor");
    return 1;
}

void occi_intents_recover(occi_request *req)
{
    apr_pool_t *pool = req->r->pool;
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t last = apr_atomic_read32(&intent_checked);
    apr_dir_t *dir;
    apr_finfo_t entry;

    /* One look a second per process, by one thread. */
    if (!intent_dir || !req->conf->hypervisor || !req->store || now == last
        || apr_atomic_cas32(&intent_checked, now, last) != last) {
        return;
    }
    if (apr_dir_open(&dir, intent_dir, pool) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&entry, APR_FINFO_NAME, dir) == APR_SUCCESS) {
        const char *path, *claimed;
        char *end;
        long pid = strtol(entry.name, &end, 10);

        if (end == entry.name || *end != '.' || pid <= 0 || pid == (long)getpid()
            || kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
            continue;                       /* in progress, or not an intent */
        }
        if (strstr(entry.name, ".new")) {
            /* Killed while writing it: the intent it would have replaced,
             * if any, is still there. */
            apr_file_remove(apr_pstrcat(pool, intent_dir, "/", entry.name, NULL), pool);
            continue;
        }
        /* Claimed by a rename under this process's id: one finisher. */
        path = apr_pstrcat(pool, intent_dir, "/", entry.name, NULL);
        claimed = apr_psprintf(pool, "%s/%" APR_PID_T_FMT ".r%s", intent_dir, getpid(),
                               entry.name);
        if (apr_file_rename(path, claimed, pool) != APR_SUCCESS) {
            continue;
        }
        if (finish_intent(req, claimed)) {
            apr_file_remove(claimed, pool);
        }
        else {
            apr_file_rename(claimed, path, pool);   /* for a later look */
        }
    }
    apr_dir_close(dir);
}
