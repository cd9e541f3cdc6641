/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal ISO 9660 image writer, enough for a cloud-init NoCloud seed: a
 * volume labelled "cidata" holding "user-data" and "meta-data" in its root.
 *
 * The image carries two views of one flat root directory over the same
 * file data: the ECMA-119 primary hierarchy with level 1 names (upper case,
 * 8.3, ";1"), which every reader understands, and a Joliet supplementary
 * hierarchy with the real names in UCS-2, which Linux (and so cloud-init)
 * mounts by default. No Rock Ridge, no subdirectories, no El Torito.
 */
#ifndef OCCI_ISO9660_H
#define OCCI_ISO9660_H

#include <apr_pools.h>

/* Limits of what occi_iso9660_image accepts. A seed image holds a handful
 * of small files; the limits keep an image built in memory small. */
#define OCCI_ISO9660_MAX_FILES 32
#define OCCI_ISO9660_MAX_DATA (16 * 1024 * 1024)   /* all files together */
#define OCCI_ISO9660_MAX_NAME 64                   /* a Joliet identifier */
#define OCCI_ISO9660_MAX_VOLUME_ID 16              /* a Joliet volume id */

typedef struct {
    const char *name;          /* the file's name in the root directory */
    const char *data;          /* may be NULL when len is 0 */
    apr_size_t len;
} occi_iso_file;

/* Builds, in memory from pool, an ISO 9660 image with a Joliet extension
 * whose root directory holds the n_files files, and sets *image and *len.
 *
 * Names and volume_id are printable ASCII without * / : ; ? or \ ; names
 * have 1 to OCCI_ISO9660_MAX_NAME characters, do not end with '.' and are
 * distinct; volume_id has 1 to OCCI_ISO9660_MAX_VOLUME_ID characters. The
 * Joliet hierarchy keeps both as given. The primary hierarchy gets upper
 * case d-characters (others become '_'), names cut to 8.3 and, where two
 * names would meet, a number in place of the name's tail.
 *
 * Returns NULL, or a message naming the fault; *image and *len are then
 * untouched. The dates are the current time, in UTC. */
const char *occi_iso9660_image(apr_pool_t *pool, const char *volume_id,
                               const occi_iso_file *files, int n_files,
                               const char **image, apr_size_t *len);

#endif
