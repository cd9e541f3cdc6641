/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State tables. The figures of GFD.224 show no way out of "error"; this
 * server lets the action that brings a resource up (start, online, up)
 * leave it, so that a failed resource can be recovered, and allows
 * delete in every state.
 */
#include <string.h>
#include <apr_strings.h>

#include "occi_state.h"

#define COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"
#define STORAGE_ACTION "http://schemas.ogf.org/occi/infrastructure/storage/action#"
#define NETWORK_ACTION "http://schemas.ogf.org/occi/infrastructure/network/action#"

typedef struct {
    const char *from;          /* current state */
    const char *action;        /* action type id */
    const char *to;            /* state afterwards */
} transition;

typedef struct {
    const char *kind;
    const char *attribute;
    const char *initial;
    const transition *transitions;
} life_cycle;

static const transition compute_transitions[] = {
    { "inactive", COMPUTE_ACTION "start", "active" },
    /* A stopped disk copies consistently: the save the "deferred" method
     * asks for. */
    { "inactive", COMPUTE_ACTION "save", "inactive" },
    { "active", COMPUTE_ACTION "stop", "inactive" },
    { "active", COMPUTE_ACTION "restart", "active" },
    { "active", COMPUTE_ACTION "suspend", "suspended" },
    { "active", COMPUTE_ACTION "save", "active" },
    { "suspended", COMPUTE_ACTION "start", "active" },
    { "error", COMPUTE_ACTION "start", "active" },
    { NULL, NULL, NULL }
};

static const transition storage_transitions[] = {
    { "offline", STORAGE_ACTION "online", "online" },
    { "online", STORAGE_ACTION "offline", "offline" },
    { "error", STORAGE_ACTION "online", "online" },
    { NULL, NULL, NULL }
};

static const transition network_transitions[] = {
    { "inactive", NETWORK_ACTION "up", "active" },
    { "active", NETWORK_ACTION "down", "inactive" },
    { "error", NETWORK_ACTION "up", "active" },
    { NULL, NULL, NULL }
};

static const transition no_transitions[] = { { NULL, NULL, NULL } };

static const life_cycle life_cycles[] = {
    { OCCI_SCHEME_INFRA "compute", "occi.compute.state", "inactive", compute_transitions },
    { OCCI_SCHEME_INFRA "storage", "occi.storage.state", "offline", storage_transitions },
    { OCCI_SCHEME_INFRA "network", "occi.network.state", "inactive", network_transitions },
    /* Links have states but no actions in OCCI 1.2. */
    { OCCI_SCHEME_INFRA "storagelink", "occi.storagelink.state", "inactive", no_transitions },
    { OCCI_SCHEME_INFRA "networkinterface", "occi.networkinterface.state", "inactive",
      no_transitions },
};

static const life_cycle *find_life_cycle(const char *kind)
{
    size_t i;

    for (i = 0; kind && i < sizeof(life_cycles) / sizeof(life_cycles[0]); i++) {
        if (!strcmp(life_cycles[i].kind, kind)) {
            return &life_cycles[i];
        }
    }
    return NULL;
}

const char *occi_state_attribute(const char *kind)
{
    const life_cycle *cycle = find_life_cycle(kind);

    return cycle ? cycle->attribute : NULL;
}

int occi_state_is_attribute(const char *name)
{
    size_t i, len;

    for (i = 0; name && i < sizeof(life_cycles) / sizeof(life_cycles[0]); i++) {
        len = strlen(life_cycles[i].attribute);
        if (!strncmp(name, life_cycles[i].attribute, len)
            && (!name[len] || !strcmp(name + len, ".message"))) {
            return 1;
        }
    }
    return 0;
}

const char *occi_state_initial(const char *kind)
{
    const life_cycle *cycle = find_life_cycle(kind);

    return cycle ? cycle->initial : NULL;
}

static void push_actions(apr_array_header_t *actions, const occi_category *category)
{
    const char *const *action;

    for (action = category ? category->actions : NULL; action && *action; action++) {
        APR_ARRAY_PUSH(actions, const char *) = *action;
    }
}

apr_array_header_t *occi_state_defined_actions(apr_pool_t *pool, const occi_model *model,
                                               const occi_entity *entity)
{
    apr_array_header_t *actions = apr_array_make(pool, 8, sizeof(const char *));
    const occi_kind_facts *facts = occi_model_kind_facts(model, entity->kind);
    const occi_category *kind;
    const char *const *action;
    int i;

    /* A kind's actions, then its parents' (Infrastructure's parents define
     * none, but extensions may). */
    for (action = facts ? facts->actions : NULL; action && *action; action++) {
        APR_ARRAY_PUSH(actions, const char *) = *action;
    }
    for (kind = facts ? NULL : occi_model_find(model, entity->kind); kind; ) {
        push_actions(actions, kind);
        kind = kind->parent ? occi_model_find(model, kind->parent) : NULL;
    }
    for (i = 0; i < entity->mixins->nelts; i++) {
        push_actions(actions, occi_model_find(model, APR_ARRAY_IDX(entity->mixins, i,
                                                                    const char *)));
    }
    return actions;
}

/* The state action leads to from state in cycle, or NULL. */
static const char *state_after(const life_cycle *cycle, const char *state, const char *action)
{
    const transition *t;

    for (t = cycle->transitions; state && t->from; t++) {
        if (!strcmp(t->from, state) && !strcmp(t->action, action)) {
            return t->to;
        }
    }
    return NULL;
}

const char *occi_state_after(const occi_entity *entity, const char *action)
{
    const life_cycle *cycle = find_life_cycle(entity->kind);

    if (!cycle) {
        return "";
    }
    return state_after(cycle, occi_entity_get_string(entity, cycle->attribute), action);
}

apr_array_header_t *occi_state_applicable_actions(apr_pool_t *pool, const occi_model *model,
                                                  const occi_entity *entity)
{
    apr_array_header_t *defined = occi_state_defined_actions(pool, model, entity);
    apr_array_header_t *applicable = apr_array_make(pool, defined->nelts,
                                                    sizeof(const char *));
    /* The life cycle and the state once for all the actions (as
     * occi_state_after would find them for each). */
    const life_cycle *cycle = find_life_cycle(entity->kind);
    const char *state = cycle ? occi_entity_get_string(entity, cycle->attribute) : NULL;
    int i;

    for (i = 0; i < defined->nelts; i++) {
        const char *action = APR_ARRAY_IDX(defined, i, const char *);

        if (!cycle || state_after(cycle, state, action)) {
            APR_ARRAY_PUSH(applicable, const char *) = action;
        }
    }
    return applicable;
}
