/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The life cycles of Infrastructure resources (GFD.224 state diagrams):
 * which actions an entity accepts in its current state and the state a
 * successful action leads to.
 *
 * Until entities are backed by a hypervisor, the state is the stored
 * occi.<kind>.state attribute; a backend may later supply it instead.
 */
#ifndef OCCI_STATE_H
#define OCCI_STATE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_model.h"

/* The state attribute of entities of kind ("occi.compute.state"), or NULL
 * for kinds without a life cycle. */
const char *occi_state_attribute(const char *kind);

/* Whether name is the state attribute of a kind with a life cycle, or its
 * ".message": what the hypervisor keeps, not the store. */
int occi_state_is_attribute(const char *name);

/* The state of a newly created entity of kind, or NULL. */
const char *occi_state_initial(const char *kind);

/* The actions (type ids) the entity's kind and mixins define, in model
 * order; user mixins define none. */
apr_array_header_t *occi_state_defined_actions(apr_pool_t *pool, const occi_model *model,
                                               const occi_entity *entity);

/* The defined actions that its current state allows. */
apr_array_header_t *occi_state_applicable_actions(apr_pool_t *pool, const occi_model *model,
                                                  const occi_entity *entity);

/* The state after action (a type id) succeeds on entity, or NULL when the
 * current state does not allow it. Actions of kinds without a life cycle
 * leave no state: they return "". */
const char *occi_state_after(const occi_entity *entity, const char *action);

#endif
