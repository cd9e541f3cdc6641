/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds are written as YAML with every value a JSON string (YAML reads
 * JSON, and json-c escapes what a client sent), so no value can start a
 * YAML construct of its own.
 */
#include <string.h>
#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_cloudinit.h"
#include "occi_iso9660.h"
#include "occi_json.h"

#define SSH_KEY    "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key"
#define USER_DATA  "http://schemas.ogf.org/occi/infrastructure/compute#user_data"

int occi_cloudinit_wanted(const occi_entity *compute)
{
    return occi_entity_has_mixin(compute, SSH_KEY) || occi_entity_has_mixin(compute, USER_DATA);
}

/* The user data, which clients send Base64-encoded (text renderings cannot
 * carry line breaks). NULL for anything that is not Base64. */
static const char *decoded(apr_pool_t *pool, const char *encoded, apr_size_t *len)
{
    const char *c;
    char *text;

    for (c = encoded; *c; c++) {
        if (!apr_isalnum(*c) && !strchr("+/=", *c)) {
            return NULL;
        }
    }
    text = apr_palloc(pool, (apr_size_t)apr_base64_decode_len(encoded) + 1);
    *len = (apr_size_t)apr_base64_decode(text, encoded);
    text[*len] = '\0';
    return text;
}

const char *occi_cloudinit_seed(apr_pool_t *pool, const occi_entity *compute,
                                const char *default_hostname, const char **image,
                                apr_size_t *len)
{
    const char *hostname = occi_entity_get_string(compute, "occi.compute.hostname");
    const char *key = occi_entity_get_string(compute, "occi.credentials.ssh.publickey");
    const char *userdata = occi_entity_get_string(compute, "occi.compute.userdata");
    const char *user = "#cloud-config\n", *meta, *error;
    apr_size_t user_len = strlen(user);
    occi_iso_file files[2];

    if (userdata && occi_entity_has_mixin(compute, USER_DATA)
        && !(user = decoded(pool, userdata, &user_len))) {
        return "occi.compute.userdata is not Base64 (RFC 4648 alphabet, without line breaks)";
    }
    meta = apr_psprintf(pool, "instance-id: %s\nlocal-hostname: %s\n",
                        occi_json_string(pool, compute->id),
                        occi_json_string(pool, hostname ? hostname : default_hostname));
    if (key && occi_entity_has_mixin(compute, SSH_KEY)) {
        meta = apr_pstrcat(pool, meta, "public-keys:\n  - ", occi_json_string(pool, key), "\n",
                           NULL);
    }
    files[0].name = "meta-data";
    files[0].data = meta;
    files[0].len = strlen(meta);
    files[1].name = "user-data";
    files[1].data = user;
    files[1].len = user_len;
    error = occi_iso9660_image(pool, "cidata", files, 2, image, len);
    return error ? apr_pstrcat(pool, "the cloud-init seed: ", error, NULL) : NULL;
}
