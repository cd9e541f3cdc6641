/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloud-init NoCloud seeds: what a compute's ssh_key and user_data mixins
 * (GFD.224 §3.7) tell its guest at first boot, as the ISO 9660 image
 * cloud-init reads (a volume labelled "cidata" holding meta-data and
 * user-data).
 */
#ifndef OCCI_CLOUDINIT_H
#define OCCI_CLOUDINIT_H

#include <apr_pools.h>

#include "occi_entity.h"

/* True when compute carries ssh_key or user_data, and so needs a seed. */
int occi_cloudinit_wanted(const occi_entity *compute);

/* The seed image of compute: meta-data with its UUID as instance-id, its
 * hostname (default_hostname when it has none) and its SSH key; user-data
 * with its Base64-decoded occi.compute.userdata, or an empty
 * #cloud-config. Returns NULL and sets *image and *len, or a message (for
 * a 400) when the user data is not Base64. */
const char *occi_cloudinit_seed(apr_pool_t *pool, const occi_entity *compute,
                                const char *default_hostname, const char **image,
                                apr_size_t *len);

#endif
