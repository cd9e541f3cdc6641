/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last known state of domains, kept per process so that a GET of a
 * compute does not ask the hypervisor again while nothing changed.
 *
 * An entry is good only while all of these hold:
 * - it was stored for the entity's current revision: every change made
 *   through the API (an action, an update) moves the revision in the
 *   shared store, so every process and every API node sees its own
 *   entries go stale at once;
 * - no event about the domain arrived since: the hypervisor's lifecycle
 *   events (a guest that shuts itself down, a virsh destroy) forget it;
 * - it is younger than the cache's time to live, a bound on the damage of
 *   an event that never came;
 * - the cache is enabled: it is only while events are delivered, that is
 *   while the connection that registered for them is alive.
 *
 * A state read from the hypervisor while an event arrived may be older
 * than the event; the generation, moved by every event, lets the reader
 * see that and not store it.
 *
 * Thread-safe (one mutex, never held while calling out). Bounded: when
 * capacity entries have been stored since the last reset, everything is
 * dropped and the memory given back, so nothing grows per request.
 */
#ifndef OCCI_DOMAIN_CACHE_H
#define OCCI_DOMAIN_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct occi_domain_cache occi_domain_cache;

/* A disabled cache; NULL if no mutex or pool can be made. States and
 * messages stored must be static strings (the hypervisor's fixed words). */
occi_domain_cache *occi_domain_cache_create(apr_pool_t *pool, int capacity,
                                            apr_interval_time_t time_to_live);

/* Turns the cache on: events about domains now flow from source (the
 * connection that registered for them). Forgets everything. */
void occi_domain_cache_enable(occi_domain_cache *cache, const void *source);

/* Turns the cache off, forgetting everything, if source is the one that
 * turned it on (a late word from an older connection changes nothing);
 * NULL turns it off whatever the source. */
void occi_domain_cache_disable(occi_domain_cache *cache, const void *source);

/* The generation to pass to occi_domain_cache_store() for a state about to
 * be read from the hypervisor. */
apr_uint64_t occi_domain_cache_generation(occi_domain_cache *cache);

/* 1 and the state (and message, NULL for none) of domain id stored for
 * revision, if still good at now; 0 otherwise. */
int occi_domain_cache_lookup(occi_domain_cache *cache, const char *id, long long revision,
                             apr_time_t now, const char **state, const char **message);

/* Keeps a state read from the hypervisor, unless the cache is off or an
 * event arrived since generation was taken. */
void occi_domain_cache_store(occi_domain_cache *cache, const char *id, long long revision,
                             const char *state, const char *message, apr_uint64_t generation,
                             apr_time_t now);

/* Forgets domain id (an event about it, or a change this process made). */
void occi_domain_cache_forget(occi_domain_cache *cache, const char *id);

#endif
