/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entity instances: resources and links with their kind, mixins, attribute
 * values and (for resources) inline links. This is the form every part of
 * the core exchanges: the parsers produce it from a request, validation
 * completes it against the model, the store keeps it, the renderers write it.
 *
 * Categories are named by type identifier (scheme + term) here, not by
 * pointers into the model, so that a parsed request can name categories the
 * model does not know (validation then refuses them by name) and so that
 * stored rows need no model to be read back.
 */
#ifndef OCCI_ENTITY_H
#define OCCI_ENTITY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_model.h"

/* A typed attribute value. ARRAY and OBJECT values keep their JSON text. */
typedef struct occi_value {
    occi_value_type type;
    const char *string;        /* STRING, and the JSON text of ARRAY / OBJECT */
    long long integer;         /* INTEGER */
    double number;             /* FLOAT */
    int boolean;               /* BOOLEAN */
} occi_value;

typedef struct occi_attribute_value {
    const char *name;
    occi_value value;
} occi_attribute_value;

typedef struct occi_entity {
    /* Lower-case UUID, the last segment of the entity's URL; occi.core.id is
     * "urn:uuid:" + id. NULL in a create request that does not choose one. */
    const char *id;
    /* An occi.core.id the client gave that cannot be this server's (it is
     * no UUID, as "Storagelink_1733" is): a creation gets a UUID of the
     * server's instead, a replacement or an update is refused. */
    const char *foreign_id;
    const char *kind;                  /* kind type id */
    apr_array_header_t *mixins;        /* const char *: mixin type ids */
    /* occi_attribute_value. Every attribute but occi.core.id lives here,
     * occi.core.title, .summary, .source and .target included. */
    apr_array_header_t *attributes;
    apr_array_header_t *links;         /* occi_entity *: a resource's links */
    const char *owner;                 /* r->user at creation; "" without auth */
    long long revision;                /* grows by one at every change; the ETag */
    /* The hypervisor host it lives on (an OCCIHypervisorHost name); NULL:
     * none recorded (a single host). */
    const char *host;
} occi_entity;

/* An empty entity with empty arrays, no owner ("") and no host (NULL). */
occi_entity *occi_entity_create(apr_pool_t *pool);

/* A copy sharing the strings (the host too), with arrays of its own
 * (links shallow). */
occi_entity *occi_entity_copy(apr_pool_t *pool, const occi_entity *entity);

/* The value of attribute name, or NULL. */
const occi_value *occi_entity_get(const occi_entity *entity, const char *name);

/* Sets (replacing) or, with value NULL, removes attribute name. The name
 * and the value's strings must live as long as the entity. */
void occi_entity_set(occi_entity *entity, const char *name, const occi_value *value);

/* Shorthands for string attributes; NULL when absent or not a string. */
const char *occi_entity_get_string(const occi_entity *entity, const char *name);
void occi_entity_set_string(apr_pool_t *pool, occi_entity *entity, const char *name,
                            const char *value);

/* A number attribute (an integer or a float) as a double; otherwise when
 * absent or not a number. */
double occi_entity_get_number(const occi_entity *entity, const char *name, double otherwise);

int occi_entity_has_mixin(const occi_entity *entity, const char *type_id);

/* The value in its text-rendering form: strings quoted (RFC 7230
 * quoted-string), numbers and booleans bare, arrays and objects as a
 * quoted JSON text. */
const char *occi_value_to_text(apr_pool_t *pool, const occi_value *value);

/* Writes the shortest text that reads back as the same double, with a
 * '.' or an exponent so that it stays a float ("2.0", "0.1"); size >= 32. */
void occi_format_double(char *text, size_t size, double number);

/* The same by trying each precision until one reads back: what
 * occi_format_double does for numbers that are no whole number of
 * thousandths, and what its shortcut is checked against. */
void occi_format_double_by_trials(char *text, size_t size, double number);

/* Equality of two values: same type and content, or the same number
 * written as an integer and as a float. */
int occi_value_equal(const occi_value *a, const occi_value *b);

/* Generates a random (version 4) UUID in lower case; NULL if the system
 * has no randomness to give. */
const char *occi_uuid_generate(apr_pool_t *pool);

/* Extracts an entity id from any form a client may use to refer to an
 * entity: a bare UUID, "urn:uuid:<uuid>", a path ending in /<uuid>, or an
 * absolute URL. Returns the lower-case UUID, or NULL. */
const char *occi_entity_id_from_reference(apr_pool_t *pool, const char *reference);

/* Whether s, an occi.core.id that is no UUID, is still a plausible
 * identifier of another system (GFD.221 makes ids URIs), such as pOCCI's
 * "Storagelink_1733": 1 to 256 characters a URI may hold, and not a
 * malformed urn:uuid:, which is a client's mistake. */
int occi_entity_foreign_id_acceptable(const char *s);

#endif
