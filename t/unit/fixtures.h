/* SPDX-License-Identifier: Apache-2.0 */
/* The model the unit tests work on: the standard categories plus the
 * templates of the default configuration. */
#ifndef OCCI_FIXTURES_H
#define OCCI_FIXTURES_H

#include "occi_model.h"
#include "occi_templates.h"

#define TEST_PROVIDER "http://cloud.example.com/occi/"

static occi_model *test_model(apr_pool_t *pool)
{
    occi_model *model = occi_model_create(pool);

    occi_model_add_standard(model);
    occi_model_add(model, occi_os_template(pool, TEST_PROVIDER, "debian12", "Debian 12 \"bookworm\""));
    occi_model_add(model, occi_os_template(pool, TEST_PROVIDER, "cirros", "CirrOS 0.6"));
    occi_model_add(model, occi_resource_template(pool, TEST_PROVIDER, "small", "Small", 1, 0.5));
    occi_model_add(model, occi_resource_template(pool, TEST_PROVIDER, "large", "Large", 4, 8));
    return model;
}

#endif
