/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hypervisor is a provider (a table of operations) and the provider's
 * own state: the rest of the module calls these functions and never knows
 * which provider runs them (src/occi_libvirt.c is the one httpd uses; the
 * unit tests bring fakes that refuse or fail on demand).
 */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "occi_hypervisor.h"
#include "occi_state.h"

struct occi_hypervisor {
    const occi_hypervisor_provider *provider;
    void *impl;
};

occi_hypervisor *occi_hypervisor_make(apr_pool_t *pool, const occi_hypervisor_provider *provider,
                                      void *impl)
{
    occi_hypervisor *hv = apr_pcalloc(pool, sizeof(*hv));

    hv->provider = provider;
    hv->impl = impl;
    return hv;
}

const char *occi_hypervisor_provider_name(const occi_hypervisor *hv)
{
    return hv->provider->name;
}

void *occi_hypervisor_impl_of(const occi_hypervisor *hv, const occi_hypervisor_provider *provider)
{
    return hv->provider == provider ? hv->impl : NULL;
}

occi_hv_status occi_hypervisor_join_network(occi_hypervisor *hv, apr_pool_t *pool,
                                            const occi_entity *link, const occi_entity *network,
                                            occi_hv_error *error)
{
    return hv->provider->join_network
           ? hv->provider->join_network(hv->impl, pool, link, network, error) : OCCI_HV_OK;
}

const char *occi_hypervisor_screen_password(apr_pool_t *pool)
{
    static const char letters[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char random[8];
    char *password = apr_palloc(pool, sizeof(random) + 1);
    size_t i;

    if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
        return NULL;
    }
    for (i = 0; i < sizeof(random); i++) {
        password[i] = letters[random[i] % (sizeof(letters) - 1)];
    }
    password[sizeof(random)] = '\0';
    return password;
}

occi_hv_status occi_hypervisor_screen(occi_hypervisor *hv, apr_pool_t *pool,
                                      const occi_entity *compute, const char *password,
                                      int seconds, occi_hv_screen *screen, occi_hv_error *error)
{
    memset(screen, 0, sizeof(*screen));
    if (!hv->provider->screen) {
        error->status = OCCI_HV_CONFLICT;
        error->message = apr_psprintf(pool, "the %s hypervisor gives computes no screen",
                                      hv->provider->name);
        return error->status;
    }
    return hv->provider->screen(hv->impl, pool, compute, password, seconds, screen, error);
}

occi_hv_status occi_hypervisor_usage(occi_hypervisor *hv, apr_pool_t *pool,
                                     apr_array_header_t **usages, occi_hv_error *error)
{
    if (!hv->provider->usage) {
        *usages = apr_array_make(pool, 1, sizeof(occi_hv_usage));
        return OCCI_HV_OK;
    }
    return hv->provider->usage(hv->impl, pool, usages, error);
}

occi_hv_status occi_hypervisor_migrate(occi_hypervisor *hv, apr_pool_t *pool,
                                       const occi_entity *compute,
                                       const apr_array_header_t *storages,
                                       occi_hypervisor *target, occi_hv_error *error)
{
    if (!hv->provider->migrate || target->provider != hv->provider) {
        error->status = OCCI_HV_CONFLICT;
        error->message = apr_psprintf(pool, "the %s hypervisor cannot migrate to that host",
                                      hv->provider->name);
        return error->status;
    }
    return hv->provider->migrate(hv->impl, pool, compute, storages, target, error);
}

occi_hv_status occi_hypervisor_capacity(occi_hypervisor *hv, apr_pool_t *pool,
                                        occi_hv_capacity *capacity, occi_hv_error *error)
{
    memset(capacity, 0, sizeof(*capacity));
    if (!hv->provider->capacity) {
        error->status = OCCI_HV_FAILED;
        error->message = apr_psprintf(pool, "the %s hypervisor cannot tell its capacity",
                                      hv->provider->name);
        return error->status;
    }
    return hv->provider->capacity(hv->impl, pool, capacity, error);
}

int occi_hypervisor_known_down(const occi_hypervisor *hv)
{
    return hv->provider->known_down && hv->provider->known_down(hv->impl);
}

int occi_hypervisor_can_save(const occi_hypervisor *hv, const occi_entity *compute)
{
    return hv && hv->provider->can_save(hv->impl, compute);
}

occi_hv_status occi_hypervisor_observe(occi_hypervisor *hv, apr_pool_t *pool,
                                       apr_array_header_t *entities, occi_hv_error *error)
{
    return hv->provider->observe(hv->impl, pool, entities, error);
}

occi_hv_status occi_hypervisor_create_entity(occi_hypervisor *hv, apr_pool_t *pool,
                                             occi_entity *entity, const occi_entity *source,
                                             const occi_entity *target, occi_hv_error *error)
{
    return hv->provider->create_entity(hv->impl, pool, entity, source, target, error);
}

occi_hv_status occi_hypervisor_delete_entity(occi_hypervisor *hv, apr_pool_t *pool,
                                             const occi_entity *entity,
                                             const occi_entity *source, occi_hv_error *error)
{
    return hv->provider->delete_entity(hv->impl, pool, entity, source, error);
}

occi_hv_status occi_hypervisor_act(occi_hypervisor *hv, apr_pool_t *pool, occi_entity *entity,
                                   const char *action, const apr_array_header_t *parameters,
                                   occi_hv_error *error)
{
    return hv->provider->act(hv->impl, pool, entity, action, parameters, error);
}

occi_hv_status occi_hypervisor_update(occi_hypervisor *hv, apr_pool_t *pool,
                                      const occi_entity *current, occi_entity *updated,
                                      occi_hv_error *error)
{
    return hv->provider->update(hv->impl, pool, current, updated, error);
}

occi_hv_status occi_hypervisor_save(occi_hypervisor *hv, apr_pool_t *pool,
                                    const occi_entity *compute, const char *term,
                                    const char *method, int *later, occi_hv_error *error)
{
    *later = 0;
    return hv->provider->save(hv->impl, pool, compute, term, method, later, error);
}

occi_hv_status occi_hypervisor_delete_saved(occi_hypervisor *hv, apr_pool_t *pool,
                                            const char *term, occi_hv_error *error)
{
    return hv->provider->delete_saved(hv->impl, pool, term, error);
}

occi_hv_status occi_hypervisor_list_objects(occi_hypervisor *hv, apr_pool_t *pool,
                                            apr_array_header_t **objects, occi_hv_error *error)
{
    return hv->provider->list_objects(hv->impl, pool, objects, error);
}

apr_array_header_t *occi_hypervisor_runnable_actions(const occi_hypervisor *hv,
                                                     apr_pool_t *pool,
                                                     const occi_model *model,
                                                     const occi_entity *entity)
{
    static const char save[] = "http://schemas.ogf.org/occi/infrastructure/compute/action#save";
    apr_array_header_t *actions = occi_state_applicable_actions(pool, model, entity);
    int i;

    for (i = 0; i < actions->nelts; i++) {
        const char **action = &APR_ARRAY_IDX(actions, i, const char *);

        if (!strcmp(*action, save) && (!hv || !hv->provider->can_save(hv->impl, entity))) {
            memmove(action, action + 1, (size_t)(actions->nelts - i - 1) * sizeof(*action));
            actions->nelts--;
            i--;
        }
    }
    return actions;
}
