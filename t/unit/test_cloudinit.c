/* SPDX-License-Identifier: Apache-2.0 */
/* cloud-init seeds: what a compute's ssh_key and user_data mixins put in
 * front of its guest, read back with isoinfo as cloud-init would read it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "occi_cloudinit.h"

#define SSH_KEY   "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key"
#define USER_DATA "http://schemas.ogf.org/occi/infrastructure/compute#user_data"

/* The content of file name in the image, read by isoinfo (Joliet names). */
static const char *extract(apr_pool_t *pool, const char *image, apr_size_t len, const char *name)
{
    char path[] = "/tmp/occi-seed-XXXXXX";
    int fd = mkstemp(path);
    FILE *pipe;
    char buffer[4096];
    size_t n;
    const char *out = "";

    if (fd < 0 || write(fd, image, len) != (ssize_t)len) {
        return NULL;
    }
    close(fd);
    pipe = popen(apr_psprintf(pool, "isoinfo -J -x /%s -i %s", name, path), "r");
    if (!pipe) {
        unlink(path);
        return NULL;
    }
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
        out = apr_pstrcat(pool, out, apr_pstrmemdup(pool, buffer, n), NULL);
    }
    if (pclose(pipe) != 0) {
        out = NULL;                   /* isoinfo missing or failing: a failure */
    }
    unlink(path);
    return out;
}

static occi_entity *compute(apr_pool_t *pool)
{
    occi_entity *entity = occi_entity_create(pool);

    entity->kind = "http://schemas.ogf.org/occi/infrastructure#compute";
    entity->id = "0a1b2c3d-0000-4000-8000-000000000001";
    return entity;
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    occi_entity *entity = compute(pool);
    const char *image, *error;
    apr_size_t len;

    tap_ok(!occi_cloudinit_wanted(entity), "a plain compute needs no seed");
    APR_ARRAY_PUSH(entity->mixins, const char *) = SSH_KEY;
    APR_ARRAY_PUSH(entity->mixins, const char *) = USER_DATA;
    tap_ok(occi_cloudinit_wanted(entity), "ssh_key and user_data do");
    occi_entity_set_string(pool, entity, "occi.credentials.ssh.publickey",
                           "ssh-ed25519 AAAAkey user@\"host\" \\ x");
    /* "#cloud-config\nruncmd: [ls]\n" */
    occi_entity_set_string(pool, entity, "occi.compute.userdata",
                           "I2Nsb3VkLWNvbmZpZwpydW5jbWQ6IFtsc10K");
    occi_entity_set_string(pool, entity, "occi.compute.hostname", "vm1.example.com");
    error = occi_cloudinit_seed(pool, entity, "occi-default", &image, &len);
    tap_is_str(error, NULL, "a seed is made");
    tap_is_str(extract(pool, image, len, "user-data"), "#cloud-config\nruncmd: [ls]\n",
               "user-data is the decoded user data");
    tap_is_str(extract(pool, image, len, "meta-data"),
               "instance-id: \"0a1b2c3d-0000-4000-8000-000000000001\"\n"
               "local-hostname: \"vm1.example.com\"\n"
               "public-keys:\n  - \"ssh-ed25519 AAAAkey user@\\\"host\\\" \\\\ x\"\n",
               "meta-data: id, hostname, and the key as one quoted string");

    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = SSH_KEY;
    occi_entity_set_string(pool, entity, "occi.credentials.ssh.publickey",
                           "ssh-rsa AAAA\nuser-data: evil");
    tap_is_str(occi_cloudinit_seed(pool, entity, "occi-x", &image, &len), NULL,
               "a key without user data");
    tap_is_str(extract(pool, image, len, "user-data"), "#cloud-config\n",
               "gets an empty #cloud-config");
    tap_like(extract(pool, image, len, "meta-data"),
             "local-hostname: \"occi-x\"\npublic-keys:\n  - \"ssh-rsa AAAA\\nuser-data: evil\"\n",
             "the default hostname, and a line break stays inside the key's string");

    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = USER_DATA;
    occi_entity_set_string(pool, entity, "occi.compute.userdata", "not base64!");
    tap_like(occi_cloudinit_seed(pool, entity, "occi-x", &image, &len), "is not Base64",
             "user data that is not Base64 is refused");
    return tap_done(pool);
}
