/* SPDX-License-Identifier: Apache-2.0 */
/* The per-process cache of domain states: when an entry is trusted. */
#include "tap.h"
#include "occi_domain_cache.h"

#define ID "4f6c8a1e-3b2d-4c5e-9f01-23456789abcd"
#define OTHER "0a0b0c0d-0000-4000-8000-000000000001"

static int lookup(occi_domain_cache *cache, const char *id, long long revision, apr_time_t now,
                  const char **state)
{
    const char *message = "unchanged";

    *state = NULL;
    return occi_domain_cache_lookup(cache, id, revision, now, state, &message);
}

static void test_trust(apr_pool_t *pool)
{
    occi_domain_cache *cache = occi_domain_cache_create(pool, 8, apr_time_from_sec(10));
    const char *state, *message = "unchanged";
    static const int connection = 0;
    apr_time_t now = apr_time_from_sec(1000);

    tap_ok(cache != NULL, "a cache is made");
    occi_domain_cache_store(cache, ID, 3, "active", NULL,
                            occi_domain_cache_generation(cache), now);
    tap_ok(!lookup(cache, ID, 3, now, &state), "off until events flow: nothing is kept");

    occi_domain_cache_enable(cache, &connection);
    occi_domain_cache_store(cache, ID, 3, "active", NULL,
                            occi_domain_cache_generation(cache), now);
    tap_ok(occi_domain_cache_lookup(cache, ID, 3, now, &state, &message), "on: a stored state is found");
    tap_is_str(state, "active", "with its state");
    tap_ok(message == NULL, "and its message (none)");
    tap_ok(!lookup(cache, ID, 4, now, &state), "another revision of the compute: not trusted");
    tap_ok(!lookup(cache, OTHER, 3, now, &state), "another domain: not found");
    tap_ok(lookup(cache, ID, 3, now + apr_time_from_sec(9), &state), "9 s later: still trusted");
    tap_ok(!lookup(cache, ID, 3, now + apr_time_from_sec(10), &state), "10 s later: too old");
    tap_ok(!lookup(cache, ID, 3, now - 1, &state), "a clock that went back: not trusted");

    occi_domain_cache_forget(cache, ID);
    tap_ok(!lookup(cache, ID, 3, now, &state), "an event about the domain forgets it");

    occi_domain_cache_store(cache, ID, 5, "error", "the guest crashed",
                            occi_domain_cache_generation(cache), now);
    occi_domain_cache_lookup(cache, ID, 5, now, &state, &message);
    tap_is_str(message, "the guest crashed", "a message is kept with the state");
    occi_domain_cache_store(cache, ID, 6, "inactive", NULL,
                            occi_domain_cache_generation(cache), now);
    tap_ok(lookup(cache, ID, 6, now, &state) && !strcmp(state, "inactive"),
           "a newer revision's state replaces the older");
}

static void test_races(apr_pool_t *pool)
{
    occi_domain_cache *cache = occi_domain_cache_create(pool, 8, apr_time_from_sec(10));
    static const int old_connection = 0, new_connection = 0;
    apr_time_t now = apr_time_from_sec(1000);
    apr_uint64_t generation;
    const char *state;

    occi_domain_cache_enable(cache, &old_connection);
    generation = occi_domain_cache_generation(cache);
    /* The hypervisor said "inactive", then an event came before the
     * reader could store what it read: what it read may be older. */
    occi_domain_cache_forget(cache, OTHER);
    occi_domain_cache_store(cache, ID, 1, "inactive", NULL, generation, now);
    tap_ok(!lookup(cache, ID, 1, now, &state), "a state read before an event is not kept");

    occi_domain_cache_store(cache, ID, 1, "inactive", NULL,
                            occi_domain_cache_generation(cache), now);
    occi_domain_cache_enable(cache, &new_connection);
    tap_ok(!lookup(cache, ID, 1, now, &state), "a new connection starts from nothing");
    occi_domain_cache_store(cache, ID, 1, "inactive", NULL,
                            occi_domain_cache_generation(cache), now);
    occi_domain_cache_disable(cache, &old_connection);
    tap_ok(lookup(cache, ID, 1, now, &state), "the old connection closing late changes nothing");
    occi_domain_cache_disable(cache, &new_connection);
    tap_ok(!lookup(cache, ID, 1, now, &state), "the current connection closing turns it off");
    occi_domain_cache_store(cache, ID, 1, "inactive", NULL,
                            occi_domain_cache_generation(cache), now);
    tap_ok(!lookup(cache, ID, 1, now, &state), "and nothing is kept while it is off");
}

static void test_bound(apr_pool_t *pool)
{
    occi_domain_cache *cache = occi_domain_cache_create(pool, 4, apr_time_from_sec(10));
    static const int connection = 0;
    apr_time_t now = apr_time_from_sec(1000);
    const char *state;
    int i, kept = 0;

    occi_domain_cache_enable(cache, &connection);
    for (i = 0; i < 4; i++) {
        occi_domain_cache_store(cache, apr_psprintf(pool, "domain-%d", i), 1, "active", NULL,
                                occi_domain_cache_generation(cache), now);
    }
    for (i = 0; i < 4; i++) {
        kept += lookup(cache, apr_psprintf(pool, "domain-%d", i), 1, now, &state);
    }
    tap_is_int(kept, 4, "up to its capacity, every state is kept");
    occi_domain_cache_store(cache, "domain-4", 1, "active", NULL,
                            occi_domain_cache_generation(cache), now);
    kept = 0;
    for (i = 0; i < 4; i++) {
        kept += lookup(cache, apr_psprintf(pool, "domain-%d", i), 1, now, &state);
    }
    tap_is_int(kept, 0, "one more: the older ones are dropped, memory given back");
    tap_ok(lookup(cache, "domain-4", 1, now, &state), "and the newest is kept");
    occi_domain_cache_store(cache, "domain-4", 2, "inactive", NULL,
                            occi_domain_cache_generation(cache), now);
    occi_domain_cache_store(cache, "domain-5", 1, "active", NULL,
                            occi_domain_cache_generation(cache), now);
    tap_ok(lookup(cache, "domain-4", 2, now, &state) && lookup(cache, "domain-5", 1, now, &state),
           "replacing an entry takes no room");

    tap_ok(occi_domain_cache_create(pool, 0, apr_time_from_sec(10)) != NULL,
           "a cache of no capacity can be made");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_trust(pool);
    test_races(pool);
    test_bound(pool);
    return tap_done(pool);
}
