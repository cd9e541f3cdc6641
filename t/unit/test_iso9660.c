/* SPDX-License-Identifier: Apache-2.0 */
/* The ISO 9660 writer: images are checked field by field here and read back
 * with real tools, isoinfo (Debian package genisoimage) and blkid
 * (util-linux). A missing tool fails the test rather than skipping it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <apr_file_io.h>

#include "tap.h"
#include "occi_buf.h"
#include "occi_iso9660.h"

#define SECTOR 2048

static const char user_data[] =
    "#cloud-config\n"
    "ssh_authorized_keys:\n"
    "  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcciTestKeyOnlyForTheUnitTestsXXXXXXXXXX test\n";
static const char meta_data[] = "instance-id: x\nlocal-hostname: vm1\n";

typedef struct {
    apr_pool_t *pool;
    const char *path;            /* the image on disk, for the tools */
    const unsigned char *image;
    apr_size_t len;
} written_image;

/* Runs command with the shell and returns its standard output (its
 * standard error goes to the test log), or NULL when it cannot be run or
 * exits with a failure; a diagnostic then says so. */
static const char *run(apr_pool_t *pool, const char *command, apr_size_t *len)
{
    FILE *pipe = popen(command, "r");
    occi_buf out;
    char chunk[4096];
    size_t n;
    int status;

    if (!pipe) {
        printf("# cannot run: %s\n", command);
        return NULL;
    }
    occi_buf_init(&out, pool, sizeof(chunk));
    while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0) {
        occi_buf_append(&out, chunk, n);
    }
    status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("# failed (status %d%s): %s\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
               WIFEXITED(status) && WEXITSTATUS(status) == 127
                   ? ", not installed? isoinfo is in genisoimage, blkid in util-linux" : "",
               command);
        return NULL;
    }
    if (len) {
        *len = out.len;
    }
    return out.data;
}

static const char *tool(written_image *w, const char *command_format)
{
    return run(w->pool, apr_psprintf(w->pool, command_format, w->path), NULL);
}

/* The size isoinfo -l lists for name in the root directory, or -1. A line
 * reads "----------   0    0    0   61 Nov 27 2026 [     26 00]  user-data ". */
static long long listed_size(apr_pool_t *pool, const char *listing, const char *name)
{
    char *copy = apr_pstrdup(pool, listing ? listing : ""), *state, *line;

    for (line = apr_strtok(copy, "\n", &state); line; line = apr_strtok(NULL, "\n", &state)) {
        const char *bracket = strchr(line, ']');
        long long size = -1;
        char *end;

        if (line[0] != '-' || !bracket) {
            continue;
        }
        while (*++bracket == ' ') {
        }
        end = apr_pstrdup(pool, bracket);
        if (*end && end[strlen(end) - 1] == ' ') {
            end[strlen(end) - 1] = '\0';
        }
        if (strcmp(end, name) || sscanf(line, "%*s %*s %*s %*s %lld", &size) != 1) {
            continue;
        }
        return size;
    }
    return -1;
}

static int write_image(written_image *w, const char *image, apr_size_t len)
{
    const char *temp = NULL;
    char *path;
    int fd;
    FILE *file;

    apr_temp_dir_get(&temp, w->pool);
    path = apr_pstrcat(w->pool, temp ? temp : "/tmp", "/occi-iso9660-XXXXXX", NULL);
    if ((fd = mkstemp(path)) < 0 || !(file = fdopen(fd, "wb"))) {
        return 0;
    }
    if (fwrite(image, 1, len, file) != len || fclose(file) != 0) {
        remove(path);
        return 0;
    }
    w->path = path;
    w->image = (const unsigned char *)image;
    w->len = len;
    return 1;
}

static apr_uint32_t le32(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | (apr_uint32_t)p[1] << 8 | (apr_uint32_t)p[2] << 16
           | (apr_uint32_t)p[3] << 24;
}

static apr_uint32_t be32(const unsigned char *p)
{
    return (apr_uint32_t)p[3] | (apr_uint32_t)p[2] << 8 | (apr_uint32_t)p[1] << 16
           | (apr_uint32_t)p[0] << 24;
}

static apr_uint32_t le16(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | (apr_uint32_t)p[1] << 8;
}

static apr_uint32_t be16(const unsigned char *p)
{
    return (apr_uint32_t)p[1] | (apr_uint32_t)p[0] << 8;
}

/* Checks one root directory: both-endian fields agree, no record crosses a
 * sector, "." and ".." point at the directory, every file lies within the
 * image. Returns the number of file records, or -1. */
static int check_directory(const written_image *w, apr_uint32_t extent, apr_uint32_t size,
                           const char **fault)
{
    const unsigned char *dir = w->image + (apr_size_t)extent * SECTOR;
    apr_size_t at = 0;
    int records = 0;

    if ((apr_size_t)extent * SECTOR + size > w->len || size % SECTOR) {
        *fault = "the directory is not whole sectors within the image";
        return -1;
    }
    while (at < size) {
        const unsigned char *r = dir + at;
        apr_uint32_t len = r[0];

        if (len == 0) {
            at += SECTOR - at % SECTOR;          /* the rest of the sector is unused */
            continue;
        }
        if (at % SECTOR + len > SECTOR || len < 34 || len % 2) {
            *fault = "a record crosses a sector boundary or has a bad length";
            return -1;
        }
        if (le32(r + 2) != be32(r + 6) || le32(r + 10) != be32(r + 14)
            || le16(r + 28) != be16(r + 30) || le16(r + 28) != 1) {
            *fault = "a record's both-endian fields disagree";
            return -1;
        }
        if (records < 2 && (r[32] != 1 || r[33] != records || le32(r + 2) != extent
                            || le32(r + 10) != size || r[25] != 2)) {
            *fault = "the first two records are not \".\" and \"..\" of the root";
            return -1;
        }
        if (records >= 2 && ((apr_size_t)le32(r + 2) * SECTOR + le32(r + 10) > w->len
                             || r[25] != 0)) {
            *fault = "a file lies outside the image";
            return -1;
        }
        records++;
        at += len;
    }
    return records - 2;
}

/* The fields of one volume descriptor and the path tables it points at. */
static void check_descriptor(const written_image *w, int sector, int type, int n_files,
                             const char *what)
{
    const unsigned char *vd = w->image + (apr_size_t)sector * SECTOR;
    const unsigned char *l_table, *m_table;
    const char *fault = NULL;
    apr_uint32_t root, root_size;

    tap_ok(vd[0] == type && !memcmp(vd + 1, "CD001", 5) && vd[6] == 1,
           apr_psprintf(w->pool, "%s: type %d, CD001, version 1", what, type));
    tap_ok(le32(vd + 80) == be32(vd + 84) && le32(vd + 80) * (apr_size_t)SECTOR == w->len,
           apr_psprintf(w->pool, "%s: the volume space size is the image's, both-endian", what));
    tap_ok(le16(vd + 120) == 1 && be16(vd + 122) == 1 && le16(vd + 124) == 1
           && be16(vd + 126) == 1 && le16(vd + 128) == SECTOR && be16(vd + 130) == SECTOR,
           apr_psprintf(w->pool, "%s: volume set 1 of 1, blocks of 2048, both-endian", what));
    l_table = w->image + (apr_size_t)le32(vd + 140) * SECTOR;
    m_table = w->image + (apr_size_t)be32(vd + 148) * SECTOR;
    root = le32(vd + 156 + 2);
    root_size = le32(vd + 156 + 10);
    tap_ok(le32(vd + 132) == 10 && be32(vd + 136) == 10 && l_table[0] == 1 && m_table[0] == 1
           && le32(l_table + 2) == root && be32(m_table + 2) == root
           && le16(l_table + 6) == 1 && be16(m_table + 6) == 1 && l_table[8] == 0,
           apr_psprintf(w->pool, "%s: L and M path tables list the root", what));
    tap_ok(vd[156] == 34 && vd[156 + 32] == 1 && vd[156 + 33] == 0 && vd[156 + 25] == 2,
           apr_psprintf(w->pool, "%s: the root directory record", what));
    tap_ok(vd[813 + 16] == 0 && vd[813] == '2' && !memcmp(vd + 813, vd + 830, 17)
           && !memcmp(vd + 847, "0000000000000000", 17) && vd[881] == 1,
           apr_psprintf(w->pool, "%s: dates set, expiration and effective unset", what));
    tap_is_int(check_directory(w, root, root_size, &fault), n_files,
               apr_psprintf(w->pool, "%s: the root directory lists every file", what));
    if (fault) {
        printf("#   %s\n", fault);
    }
}

static void test_seed_image(apr_pool_t *pool)
{
    occi_iso_file files[] = {
        { "user-data", user_data, sizeof(user_data) - 1 },
        { "meta-data", meta_data, sizeof(meta_data) - 1 },
        { "vendor-data", NULL, 0 },
    };
    written_image w = { pool, NULL, NULL, 0 };
    const char *image = NULL, *out;
    apr_size_t len = 0, got_len = 0;

    tap_is_str(occi_iso9660_image(pool, "cidata", files, 3, &image, &len), NULL,
               "a seed image is built");
    tap_ok(image && len > 0 && len % SECTOR == 0, "it is a whole number of sectors");
    if (!tap_ok(image && write_image(&w, image, len), "it is written to a temporary file")) {
        return;
    }
    check_descriptor(&w, 16, 1, 3, "primary");
    check_descriptor(&w, 17, 2, 3, "Joliet");
    tap_ok(!memcmp(w.image + 17 * SECTOR + 88, "%/E", 3), "Joliet: UCS-2 level 3");
    tap_ok(w.image[18 * SECTOR] == 255 && !memcmp(w.image + 18 * SECTOR + 1, "CD001", 5),
           "the descriptor set terminator follows");
    tap_ok(!memcmp(w.image + 16 * SECTOR + 40, "CIDATA                          ", 32),
           "primary: the volume id in d-characters");

    out = tool(&w, "isoinfo -d -i '%s'");
    tap_like(out, "CD-ROM is in ISO 9660 format", "isoinfo -d: ISO 9660");
    tap_like(out, "Volume id: CIDATA\n", "isoinfo -d: volume id");
    tap_like(out, "Joliet with UCS level 3 found", "isoinfo -d: Joliet present");
    tap_like(out, "Logical block size is: 2048\n", "isoinfo -d: block size");
    tap_like(out, apr_psprintf(pool, "Volume size is: %lu\n", (unsigned long)(len / SECTOR)),
             "isoinfo -d: volume size");

    out = tool(&w, "isoinfo -J -l -i '%s'");
    tap_is_int(listed_size(pool, out, "user-data"), (long long)files[0].len,
               "isoinfo -J -l: user-data and its size");
    tap_is_int(listed_size(pool, out, "meta-data"), (long long)files[1].len,
               "isoinfo -J -l: meta-data and its size");
    tap_is_int(listed_size(pool, out, "vendor-data"), 0, "isoinfo -J -l: the empty file");
    tap_ok(out && strstr(out, " meta-data") && strstr(out, " user-data")
           && strstr(out, " meta-data") < strstr(out, " user-data"),
           "isoinfo -J -l: the directory is in name order");

    out = tool(&w, "isoinfo -l -i '%s'");
    tap_is_int(listed_size(pool, out, "USER_DAT.;1"), (long long)files[0].len,
               "isoinfo -l: USER_DAT.;1 in the primary hierarchy");
    tap_is_int(listed_size(pool, out, "META_DAT.;1"), (long long)files[1].len,
               "isoinfo -l: META_DAT.;1 in the primary hierarchy");
    tap_is_int(listed_size(pool, out, "VENDOR_D.;1"), 0, "isoinfo -l: VENDOR_D.;1");

    out = run(pool, apr_psprintf(pool, "isoinfo -J -x /user-data -i '%s'", w.path), &got_len);
    tap_ok(out && got_len == files[0].len && !memcmp(out, user_data, got_len),
           "isoinfo -J -x: user-data is exact");
    out = run(pool, apr_psprintf(pool, "isoinfo -J -x /meta-data -i '%s'", w.path), &got_len);
    tap_ok(out && got_len == files[1].len && !memcmp(out, meta_data, got_len),
           "isoinfo -J -x: meta-data is exact");
    out = run(pool, apr_psprintf(pool, "isoinfo -J -x /vendor-data -i '%s'", w.path), &got_len);
    tap_ok(out && got_len == 0, "isoinfo -J -x: vendor-data is empty");
    out = run(pool, apr_psprintf(pool, "isoinfo -x '/USER_DAT.;1' -i '%s'", w.path), &got_len);
    tap_ok(out && got_len == files[0].len && !memcmp(out, user_data, got_len),
           "isoinfo -x: the primary hierarchy shares the data");

    /* -p probes the file itself, bypassing blkid's cache. With a Joliet
     * descriptor whose volume id differs from the primary one, libblkid
     * reports the Joliet id. */
    tap_is_str(tool(&w, "blkid -p -o value -s LABEL '%s'"), "cidata\n", "blkid: LABEL=cidata");
    tap_is_str(tool(&w, "blkid -p -o value -s TYPE '%s'"), "iso9660\n", "blkid: TYPE=iso9660");
    remove(w.path);
}

/* Many files with long names and clashing 8.3 forms: directories spanning
 * sectors, and numbered primary names. */
static void test_many_files(apr_pool_t *pool)
{
    occi_iso_file files[OCCI_ISO9660_MAX_FILES];
    written_image w = { pool, NULL, NULL, 0 };
    const char *image = NULL, *joliet, *primary, *out;
    apr_size_t len = 0, got_len = 0;
    char *x = apr_palloc(pool, OCCI_ISO9660_MAX_NAME);
    int i, listed = 0, primary_listed = 0;

    /* "Axxx...x00", "axxx...x01", ...: 64 characters that differ only at
     * the end and in case, so that all have the 8.3 form AXXXXXXX. */
    memset(x, 'x', OCCI_ISO9660_MAX_NAME - 3);
    x[OCCI_ISO9660_MAX_NAME - 3] = '\0';
    for (i = 0; i < OCCI_ISO9660_MAX_FILES; i++) {
        char *data = apr_palloc(pool, (apr_size_t)i * 1000 + 1);

        memset(data, 'a' + i % 26, (apr_size_t)i * 1000);
        files[i].name = apr_psprintf(pool, "%c%s%02d", i % 2 ? 'a' : 'A', x, i);
        files[i].data = data;
        files[i].len = (apr_size_t)i * 1000;       /* the first is empty */
    }
    tap_is_str(occi_iso9660_image(pool, "many", files, OCCI_ISO9660_MAX_FILES, &image, &len),
               NULL, "an image of 32 files with 64-character names is built");
    if (!tap_ok(image && write_image(&w, image, len), "it is written to a temporary file")) {
        return;
    }
    check_descriptor(&w, 16, 1, OCCI_ISO9660_MAX_FILES, "many, primary");
    check_descriptor(&w, 17, 2, OCCI_ISO9660_MAX_FILES, "many, Joliet");
    tap_ok(le32(w.image + 17 * SECTOR + 156 + 10) > SECTOR,
           "the Joliet directory takes more than one sector");

    joliet = tool(&w, "isoinfo -J -l -i '%s'");
    primary = tool(&w, "isoinfo -l -i '%s'");
    for (i = 0; i < OCCI_ISO9660_MAX_FILES; i++) {
        /* The first keeps its name; the others get their number in
         * place of the name's tail. */
        const char *expected = i == 0 ? "AXXXXXXX.;1"
                               : i < 10 ? apr_psprintf(pool, "AXXXXXX%d.;1", i)
                               : apr_psprintf(pool, "AXXXXX%d.;1", i);

        listed += listed_size(pool, joliet, files[i].name) == (long long)files[i].len;
        primary_listed += listed_size(pool, primary, expected) == (long long)files[i].len;
    }
    tap_is_int(listed, OCCI_ISO9660_MAX_FILES, "isoinfo -J -l: every name and size");
    tap_is_int(primary_listed, OCCI_ISO9660_MAX_FILES,
               "isoinfo -l: clashing 8.3 names are numbered apart");
    out = run(pool, apr_psprintf(pool, "isoinfo -J -x '/%s' -i '%s'", files[31].name, w.path),
              &got_len);
    tap_ok(out && got_len == files[31].len && !memcmp(out, files[31].data, got_len),
           "isoinfo -J -x: the last file is exact");
    tap_is_str(tool(&w, "blkid -p -o value -s LABEL '%s'"), "many\n",
               "blkid: a lower-case label");
    remove(w.path);
}

static void test_no_files(apr_pool_t *pool)
{
    written_image w = { pool, NULL, NULL, 0 };
    const char *image = NULL;
    apr_size_t len = 0;

    tap_is_str(occi_iso9660_image(pool, "CIDATA", NULL, 0, &image, &len), NULL,
               "an image without files is built");
    if (!tap_ok(image && write_image(&w, image, len), "it is written to a temporary file")) {
        return;
    }
    check_descriptor(&w, 16, 1, 0, "empty, primary");
    tap_like(tool(&w, "isoinfo -d -i '%s'"), "Volume id: CIDATA\n", "isoinfo -d reads it");
    /* The same id in both descriptors: libblkid takes the primary one. */
    tap_is_str(tool(&w, "blkid -p -o value -s LABEL '%s'"), "CIDATA\n",
               "blkid: an upper-case label stays upper case");
    remove(w.path);
}

static void test_refusals(apr_pool_t *pool)
{
    occi_iso_file files[OCCI_ISO9660_MAX_FILES + 1];
    occi_iso_file one = { "user-data", "x", 1 };
    const char *image = "untouched";
    apr_size_t len = 7;
    int i;

    for (i = 0; i <= OCCI_ISO9660_MAX_FILES; i++) {
        files[i].name = apr_psprintf(pool, "file%d", i);
        files[i].data = "x";
        files[i].len = 1;
    }
    tap_like(occi_iso9660_image(pool, "cidata", files, OCCI_ISO9660_MAX_FILES + 1, &image, &len),
             "33 files are more than the 32", "more than 32 files are refused");
    tap_ok(!strcmp(image, "untouched") && len == 7, "a refusal leaves the results untouched");
    tap_like(occi_iso9660_image(pool, "cidata", files, -1, &image, &len), "missing",
             "a negative count is refused");

    one.name = "";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len),
             "the name of file 1 is empty", "an empty name is refused");
    one.name = NULL;
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "is empty",
             "a missing name is refused");
    one.name = "dir/user-data";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len),
             "is one of * / : ; ? \\", "a name with '/' is refused");
    one.name = "user-data;1";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len),
             "is one of * / : ; ? \\", "a name with ';' is refused");
    one.name = "caf\xc3\xa9";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "not printable ASCII",
             "a non-ASCII name is refused");
    one.name = "tab\there";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "not printable ASCII",
             "a control character is refused");
    one.name = "..";
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "ends with '.'",
             "\"..\" is refused");
    one.name = apr_psprintf(pool, "%065d", 0);
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len),
             "is longer than 64 characters", "a name of 65 characters is refused");
    one.name = "user-data";
    one.data = NULL;
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "has no data",
             "a file without data is refused");
    one.data = apr_palloc(pool, OCCI_ISO9660_MAX_DATA + 1);
    one.len = OCCI_ISO9660_MAX_DATA + 1;
    tap_like(occi_iso9660_image(pool, "cidata", &one, 1, &image, &len), "larger than",
             "files larger than the limit are refused");

    files[1].name = files[0].name;
    tap_like(occi_iso9660_image(pool, "cidata", files, 2, &image, &len),
             "two files are named \"file0\"", "two files of one name are refused");
    tap_like(occi_iso9660_image(pool, "", files, 1, &image, &len), "the volume id is empty",
             "an empty volume id is refused");
    tap_like(occi_iso9660_image(pool, NULL, files, 1, &image, &len), "the volume id is empty",
             "a missing volume id is refused");
    tap_like(occi_iso9660_image(pool, "cidata-cidata-cid", files, 1, &image, &len),
             "longer than 16", "a volume id of 17 characters is refused");
    tap_ok(!strcmp(image, "untouched") && len == 7, "refusals leave the results untouched");
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    const char *path = getenv("PATH");

    /* blkid lives in /usr/sbin, which a user's PATH may lack on Debian. */
    setenv("PATH", apr_pstrcat(pool, path ? path : "/usr/bin:/bin", ":/usr/sbin:/sbin", NULL), 1);

    test_seed_image(pool);
    test_many_files(pool);
    test_no_files(pool);
    test_refusals(pool);
    return tap_done(pool);
}
