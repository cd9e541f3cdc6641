/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "occi_iso9660.h"

/* ECMA-119 lets a volume choose its logical block size; 2048, one CD
 * sector, is what every reader expects. Sectors are numbered from 0. */
#define SECTOR 2048

/* The fixed part of the image. Sectors 0-15 are the system area, unused.
 * The Joliet descriptor comes right after the primary one because older
 * libblkid versions only look for it there. Each path table fits in one
 * sector since it lists the root alone. */
enum {
    PRIMARY_SECTOR = 16,
    JOLIET_SECTOR,
    TERMINATOR_SECTOR,
    PRIMARY_L_TABLE,
    PRIMARY_M_TABLE,
    JOLIET_L_TABLE,
    JOLIET_M_TABLE,
    FIRST_DIRECTORY_SECTOR
};

/* A path table listing the root alone: an 8-byte head and the root's
 * one-byte identifier, padded to an even length. */
#define PATH_TABLE_SIZE 10

#define RECORD_HEAD 33           /* a directory record before its identifier */
#define FLAG_DIRECTORY 0x02

typedef struct {
    const occi_iso_file *file;
    char primary_name[16];       /* "NAME.EXT;1" */
    unsigned char joliet_name[2 * OCCI_ISO9660_MAX_NAME];
    apr_size_t joliet_len;       /* in bytes */
    apr_uint32_t extent;         /* the first sector of the data */
} occi_iso_entry;

typedef struct {
    int n;
    occi_iso_entry *entries;     /* in the caller's order */
    occi_iso_entry **primary_order, **joliet_order;
    apr_uint32_t primary_root, joliet_root;            /* sectors */
    apr_uint32_t primary_root_size, joliet_root_size;  /* bytes */
    apr_uint32_t total;                                /* sectors */
    unsigned char record_date[7];
    unsigned char volume_date[17];
} occi_iso_layout;

static void put16_le(unsigned char *p, apr_uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put16_be(unsigned char *p, apr_uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32_le(unsigned char *p, apr_uint32_t v)
{
    put16_le(p, v);
    put16_le(p + 2, v >> 16);
}

static void put32_be(unsigned char *p, apr_uint32_t v)
{
    put16_be(p, v >> 16);
    put16_be(p + 2, v);
}

/* ECMA-119 7.2.3 and 7.3.3: little-endian, then the same big-endian. */
static void put16_both(unsigned char *p, apr_uint32_t v)
{
    put16_le(p, v);
    put16_be(p + 2, v);
}

static void put32_both(unsigned char *p, apr_uint32_t v)
{
    put32_le(p, v);
    put32_be(p + 4, v);
}

/* Joliet forbids * / : ; ? and \ in identifiers. Control and non-ASCII
 * characters are kept out too, so that a byte is a UCS-2 character and a
 * name reads the same in every locale. */
static int is_name_character(char c)
{
    return c >= 0x20 && c <= 0x7e && !strchr("*/:;?\\", c);
}

/* The d-character (A-Z, 0-9, _) standing for c in the primary hierarchy. */
static char d_character(char c)
{
    if (c >= 'a' && c <= 'z') {
        return (char)(c - 'a' + 'A');
    }
    return ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
}

static const char *check_identifier(apr_pool_t *pool, const char *what, const char *s,
                                    apr_size_t max)
{
    apr_size_t i;

    if (!s || !*s) {
        return apr_psprintf(pool, "%s is empty", what);
    }
    for (i = 0; s[i]; i++) {
        /* The identifier is not quoted back: it may hold anything. */
        if (!is_name_character(s[i])) {
            return apr_psprintf(pool, "%s has a character that is not printable ASCII "
                                "or is one of * / : ; ? \\", what);
        }
    }
    if (i > max) {
        return apr_psprintf(pool, "%s \"%s\" is longer than %lu characters", what, s,
                            (unsigned long)max);
    }
    return NULL;
}

/* Writes the level 1 file identifier of name at out (16 bytes): up to
 * eight d-characters from before the last '.', up to three from after it,
 * and the version ";1". A non-zero suffix replaces the end of the first
 * part, to set apart names that would otherwise meet. */
static void primary_name(char *out, const char *name, unsigned suffix)
{
    const char *dot = strrchr(name, '.');
    const char *extension = dot ? dot + 1 : "";
    apr_size_t base = dot ? (apr_size_t)(dot - name) : strlen(name);
    char digits[12] = "";
    apr_size_t i, keep, n_digits;

    if (suffix) {
        snprintf(digits, sizeof(digits), "%u", suffix);
    }
    n_digits = strlen(digits);
    keep = 8 - n_digits;
    for (i = 0; i < base && i < keep; i++) {
        *out++ = d_character(name[i]);
    }
    memcpy(out, digits, n_digits);
    out += n_digits;
    *out++ = '.';
    for (i = 0; i < 3 && extension[i]; i++) {
        *out++ = d_character(extension[i]);
    }
    memcpy(out, ";1", 3);
}

/* ECMA-119 9.3 orders a directory by name, then extension, the shorter of
 * two padded with spaces. '.' sorts before every d-character, as the
 * padding space does, so comparing "NAME.EXT" bytewise gives that order.
 * The version is left out: ';' would sort after the digits. */
static int primary_cmp(const void *a, const void *b)
{
    const char *x = (*(occi_iso_entry *const *)a)->primary_name;
    const char *y = (*(occi_iso_entry *const *)b)->primary_name;
    apr_size_t x_len = strcspn(x, ";"), y_len = strcspn(y, ";");
    int order = memcmp(x, y, x_len < y_len ? x_len : y_len);

    return order ? order : (x_len > y_len) - (x_len < y_len);
}

/* The Joliet directory follows the same rule over UCS-2 code units. The
 * names hold ASCII from the space up, so strcmp gives it: a name sorts
 * before the longer names it begins, as it would padded with spaces. */
static int joliet_cmp(const void *a, const void *b)
{
    return strcmp((*(occi_iso_entry *const *)a)->file->name,
                  (*(occi_iso_entry *const *)b)->file->name);
}

/* Gives the file a primary identifier no other file of the directory has
 * so far. The loop ends: at most OCCI_ISO9660_MAX_FILES names are taken
 * and the suffixes 10 to 99 alone give 90 distinct ones. */
static void choose_primary_name(occi_iso_entry *entry, apr_hash_t *taken)
{
    unsigned suffix = 0;

    do {
        primary_name(entry->primary_name, entry->file->name, suffix++);
    } while (apr_hash_get(taken, entry->primary_name, APR_HASH_KEY_STRING));
    apr_hash_set(taken, entry->primary_name, APR_HASH_KEY_STRING, entry);
}

/* A directory record (ECMA-119 9.1) at out, or with out NULL its length
 * alone. An even identifier length takes a padding byte so that records
 * stay of even length. */
static apr_size_t put_record(unsigned char *out, apr_uint32_t extent, apr_uint32_t size,
                             int flags, const void *id, apr_size_t id_len,
                             const unsigned char *date)
{
    apr_size_t len = RECORD_HEAD + id_len + (id_len % 2 == 0);

    if (out) {
        out[0] = (unsigned char)len;
        out[1] = 0;                       /* no extended attribute record */
        put32_both(out + 2, extent);
        put32_both(out + 10, size);
        memcpy(out + 18, date, 7);
        out[25] = (unsigned char)flags;
        out[26] = out[27] = 0;            /* not interleaved */
        put16_both(out + 28, 1);          /* volume 1 of a set of 1 */
        out[32] = (unsigned char)id_len;
        memcpy(out + RECORD_HEAD, id, id_len);
    }
    return len;
}

/* Writes one of the root directories at out, or with out NULL measures it.
 * Returns its size: a whole number of sectors, as readers expect of a
 * directory. No record crosses a sector boundary (ECMA-119 6.8.1.1); the
 * rest of a sector stays zero. */
static apr_uint32_t put_directory(unsigned char *out, const occi_iso_layout *layout,
                                  int joliet)
{
    static const unsigned char self = 0, parent = 1;
    apr_uint32_t extent = joliet ? layout->joliet_root : layout->primary_root;
    apr_uint32_t size = joliet ? layout->joliet_root_size : layout->primary_root_size;
    apr_size_t at = 0;
    int i;

    /* The root is its own parent. */
    at += put_record(out, extent, size, FLAG_DIRECTORY, &self, 1, layout->record_date);
    at += put_record(out ? out + at : NULL, extent, size, FLAG_DIRECTORY, &parent, 1,
                     layout->record_date);
    for (i = 0; i < layout->n; i++) {
        const occi_iso_entry *entry = joliet ? layout->joliet_order[i]
                                             : layout->primary_order[i];
        const void *id = joliet ? (const void *)entry->joliet_name
                                : (const void *)entry->primary_name;
        apr_size_t id_len = joliet ? entry->joliet_len : strlen(entry->primary_name);
        apr_size_t len = put_record(NULL, 0, 0, 0, id, id_len, NULL);

        if (at % SECTOR + len > SECTOR) {
            at += SECTOR - at % SECTOR;
        }
        put_record(out ? out + at : NULL, entry->extent, (apr_uint32_t)entry->file->len, 0,
                   id, id_len, layout->record_date);
        at += len;
    }
    return (apr_uint32_t)((at + SECTOR - 1) / SECTOR * SECTOR);
}

/* The L (little-endian) and M (big-endian) path tables, listing the root
 * alone: its one-byte identifier 0, and itself as parent (number 1). */
static void put_path_tables(unsigned char *l, unsigned char *m, apr_uint32_t root)
{
    l[0] = m[0] = 1;
    put32_le(l + 2, root);
    put32_be(m + 2, root);
    put16_le(l + 6, 1);
    put16_be(m + 6, 1);
}

/* A text field of a volume descriptor, padded with spaces; in UCS-2 for
 * Joliet, where an odd-sized field ends with a zero byte. */
static void put_text(unsigned char *field, apr_size_t size, const char *text, int joliet)
{
    apr_size_t i, n = strlen(text);

    if (!joliet) {
        memset(field, ' ', size);
        memcpy(field, text, n);
        return;
    }
    for (i = 0; i + 1 < size; i += 2) {
        field[i] = 0;
        field[i + 1] = (unsigned char)(i / 2 < n ? text[i / 2] : ' ');
    }
}

/* The primary (ECMA-119 8.4) or the Joliet supplementary (8.5) volume
 * descriptor; they differ in type, escape sequence, text encoding and the
 * root they point at. */
static void put_volume_descriptor(unsigned char *vd, const occi_iso_layout *layout,
                                  const char *volume_id, int joliet)
{
    static const unsigned char self = 0;
    /* "Not specified": sixteen '0' digits and a zero offset. */
    static const unsigned char unset_date[17] = "0000000000000000";
    static const apr_size_t text_fields[][2] = {
        { 8, 32 },      /* system identifier */
        { 190, 128 },   /* volume set identifier */
        { 318, 128 },   /* publisher identifier */
        { 446, 128 },   /* data preparer identifier */
        { 574, 128 },   /* application identifier */
        { 702, 37 },    /* copyright file identifier */
        { 739, 37 },    /* abstract file identifier */
        { 776, 37 },    /* bibliographic file identifier */
    };
    apr_uint32_t root = joliet ? layout->joliet_root : layout->primary_root;
    apr_uint32_t root_size = joliet ? layout->joliet_root_size : layout->primary_root_size;
    apr_size_t i;

    vd[0] = joliet ? 2 : 1;
    memcpy(vd + 1, "CD001", 5);
    vd[6] = 1;
    for (i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        put_text(vd + text_fields[i][0], text_fields[i][1], "", joliet);
    }
    put_text(vd + 40, 32, volume_id, joliet);
    put32_both(vd + 80, layout->total);
    if (joliet) {
        memcpy(vd + 88, "%/E", 3);        /* UCS-2 level 3 */
    }
    put16_both(vd + 120, 1);              /* volume set size */
    put16_both(vd + 124, 1);              /* volume sequence number */
    put16_both(vd + 128, SECTOR);
    put32_both(vd + 132, PATH_TABLE_SIZE);
    put32_le(vd + 140, joliet ? JOLIET_L_TABLE : PRIMARY_L_TABLE);
    put32_be(vd + 148, joliet ? JOLIET_M_TABLE : PRIMARY_M_TABLE);
    put_record(vd + 156, root, root_size, FLAG_DIRECTORY, &self, 1, layout->record_date);
    memcpy(vd + 813, layout->volume_date, 17);    /* creation */
    memcpy(vd + 830, layout->volume_date, 17);    /* modification */
    memcpy(vd + 847, unset_date, 17);             /* expiration */
    memcpy(vd + 864, unset_date, 17);             /* effective */
    vd[881] = 1;                                  /* file structure version */
}

/* The current time in UTC in the two forms ECMA-119 uses: seven binary
 * bytes for records (9.1.5), seventeen digits and an offset for volume
 * descriptors (8.4.26.1). The offset from GMT is 0 in both. */
static void set_dates(occi_iso_layout *layout)
{
    apr_time_exp_t t;
    char digits[64];            /* room for any int, to keep snprintf quiet */

    apr_time_exp_gmt(&t, apr_time_now());
    layout->record_date[0] = (unsigned char)t.tm_year;
    layout->record_date[1] = (unsigned char)(t.tm_mon + 1);
    layout->record_date[2] = (unsigned char)t.tm_mday;
    layout->record_date[3] = (unsigned char)t.tm_hour;
    layout->record_date[4] = (unsigned char)t.tm_min;
    layout->record_date[5] = (unsigned char)t.tm_sec;
    layout->record_date[6] = 0;
    snprintf(digits, sizeof(digits), "%04d%02d%02d%02d%02d%02d%02d", t.tm_year + 1900,
             t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_usec / 10000);
    memcpy(layout->volume_date, digits, 16);
    layout->volume_date[16] = 0;
}

static const char *check_files(apr_pool_t *pool, const occi_iso_file *files, int n_files)
{
    apr_hash_t *names = apr_hash_make(pool);
    apr_size_t total = 0;
    int i;

    if (n_files < 0 || (n_files > 0 && !files)) {
        return "the list of files is missing";
    }
    if (n_files > OCCI_ISO9660_MAX_FILES) {
        return apr_psprintf(pool, "%d files are more than the %d an image may hold", n_files,
                            OCCI_ISO9660_MAX_FILES);
    }
    for (i = 0; i < n_files; i++) {
        const occi_iso_file *file = &files[i];
        const char *error = check_identifier(pool, apr_psprintf(pool, "the name of file %d",
                                                                i + 1),
                                             file->name, OCCI_ISO9660_MAX_NAME);

        if (error) {
            return error;
        }
        /* Linux drops a Joliet name's trailing dots: "a." would read as "a". */
        if (file->name[strlen(file->name) - 1] == '.') {
            return apr_psprintf(pool, "the file name \"%s\" ends with '.'", file->name);
        }
        if (apr_hash_get(names, file->name, APR_HASH_KEY_STRING)) {
            return apr_psprintf(pool, "two files are named \"%s\"", file->name);
        }
        apr_hash_set(names, file->name, APR_HASH_KEY_STRING, file);
        if (!file->data && file->len) {
            return apr_psprintf(pool, "the file \"%s\" has no data", file->name);
        }
        if (file->len > OCCI_ISO9660_MAX_DATA - total) {
            return apr_psprintf(pool, "the files are larger than %d bytes together",
                                OCCI_ISO9660_MAX_DATA);
        }
        total += file->len;
    }
    return NULL;
}

const char *occi_iso9660_image(apr_pool_t *pool, const char *volume_id,
                               const occi_iso_file *files, int n_files,
                               const char **image, apr_size_t *len)
{
    occi_iso_layout layout;
    apr_hash_t *taken;
    char primary_volume_id[OCCI_ISO9660_MAX_VOLUME_ID + 1];
    apr_uint32_t next, empty_extent = 0;
    unsigned char *out;
    const char *error;
    int i;

    if ((error = check_identifier(pool, "the volume id", volume_id,
                                  OCCI_ISO9660_MAX_VOLUME_ID))
        || (error = check_files(pool, files, n_files))) {
        return error;
    }
    /* The primary descriptor holds d-characters only; the Joliet one keeps
     * the id as given, and it is the one libblkid reports as LABEL when the
     * two differ. */
    for (i = 0; volume_id[i]; i++) {
        primary_volume_id[i] = d_character(volume_id[i]);
    }
    primary_volume_id[i] = '\0';

    memset(&layout, 0, sizeof(layout));
    taken = apr_hash_make(pool);
    layout.n = n_files;
    layout.entries = apr_pcalloc(pool, (apr_size_t)(n_files + 1) * sizeof(*layout.entries));
    layout.primary_order = apr_palloc(pool, (apr_size_t)(n_files + 1) * sizeof(occi_iso_entry *));
    layout.joliet_order = apr_palloc(pool, (apr_size_t)(n_files + 1) * sizeof(occi_iso_entry *));
    for (i = 0; i < n_files; i++) {
        occi_iso_entry *entry = &layout.entries[i];
        apr_size_t c;

        entry->file = &files[i];
        choose_primary_name(entry, taken);
        for (c = 0; files[i].name[c]; c++) {
            entry->joliet_name[2 * c] = 0;
            entry->joliet_name[2 * c + 1] = (unsigned char)files[i].name[c];
        }
        entry->joliet_len = 2 * c;
        layout.primary_order[i] = layout.joliet_order[i] = entry;
    }
    qsort(layout.primary_order, (size_t)n_files, sizeof(occi_iso_entry *), primary_cmp);
    qsort(layout.joliet_order, (size_t)n_files, sizeof(occi_iso_entry *), joliet_cmp);
    set_dates(&layout);

    /* The directories' sizes do not depend on where they or the files lie,
     * so they are measured first; the files follow them. */
    layout.primary_root = FIRST_DIRECTORY_SECTOR;
    layout.primary_root_size = put_directory(NULL, &layout, 0);
    layout.joliet_root = layout.primary_root + layout.primary_root_size / SECTOR;
    layout.joliet_root_size = put_directory(NULL, &layout, 1);
    next = layout.joliet_root + layout.joliet_root_size / SECTOR;
    /* Empty files share one zero sector, so that their extent lies in the
     * volume without being another file's (which some readers would take
     * for a hard link). */
    for (i = 0; i < n_files && !empty_extent; i++) {
        if (files[i].len == 0) {
            empty_extent = next++;
        }
    }
    for (i = 0; i < n_files; i++) {
        if (files[i].len == 0) {
            layout.entries[i].extent = empty_extent;
        }
        else {
            layout.entries[i].extent = next;
            next += (apr_uint32_t)((files[i].len + SECTOR - 1) / SECTOR);
        }
    }
    layout.total = next;

    out = apr_pcalloc(pool, (apr_size_t)layout.total * SECTOR);
    put_volume_descriptor(out + PRIMARY_SECTOR * SECTOR, &layout, primary_volume_id, 0);
    put_volume_descriptor(out + JOLIET_SECTOR * SECTOR, &layout, volume_id, 1);
    out[TERMINATOR_SECTOR * SECTOR] = 255;
    memcpy(out + TERMINATOR_SECTOR * SECTOR + 1, "CD001", 5);
    out[TERMINATOR_SECTOR * SECTOR + 6] = 1;
    put_path_tables(out + PRIMARY_L_TABLE * SECTOR, out + PRIMARY_M_TABLE * SECTOR,
                    layout.primary_root);
    put_path_tables(out + JOLIET_L_TABLE * SECTOR, out + JOLIET_M_TABLE * SECTOR,
                    layout.joliet_root);
    put_directory(out + (apr_size_t)layout.primary_root * SECTOR, &layout, 0);
    put_directory(out + (apr_size_t)layout.joliet_root * SECTOR, &layout, 1);
    for (i = 0; i < n_files; i++) {
        if (files[i].len) {
            memcpy(out + (apr_size_t)layout.entries[i].extent * SECTOR, files[i].data,
                   files[i].len);
        }
    }
    *image = (const char *)out;
    *len = (apr_size_t)layout.total * SECTOR;
    return NULL;
}
