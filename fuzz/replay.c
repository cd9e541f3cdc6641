/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a fuzz target's corpus without libFuzzer, so that "make check"
 * runs every seed and every input that once crashed with the ordinary
 * compiler. Linked with one target; its arguments are files or
 * directories of inputs, by default the target's corpus in the source
 * tree (OCCI_FUZZ_CORPUS, set by Makefile.am).
 *
 * Prints TAP: one test per directory or file named, passing when every
 * input went through. A crash or a sanitizer report ends the program
 * instead; the "# input" line before it names the culprit in the log.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads a whole file into a buffer of exactly its size (at least one byte,
 * so that malloc(0) need not be handled). */
static uint8_t *read_input(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    struct stat st;
    uint8_t *data;

    if (!file || fstat(fileno(file), &st) != 0) {
        if (file) {
            fclose(file);
        }
        return NULL;
    }
    data = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!data || fread(data, 1, (size_t)st.st_size, file) != (size_t)st.st_size) {
        free(data);
        fclose(file);
        return NULL;
    }
    fclose(file);
    *size = (size_t)st.st_size;
    return data;
}

/* Runs one input; returns 1, or 0 when it cannot be read. */
static int replay_file(const char *path)
{
    size_t size;
    uint8_t *data = read_input(path, &size);

    if (!data) {
        printf("# cannot read %s\n", path);
        return 0;
    }
    printf("# input %s\n", path);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of a directory, in name order; returns how
 * many, or -1 when one could not be read or there were none. */
static int replay_directory(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char **paths = NULL;
    int n = 0, i, ok = 1;

    if (!d) {
        printf("# cannot open %s\n", dir);
        return -1;
    }
    while ((entry = readdir(d))) {
        char *path;
        struct stat st;

        if (entry->d_name[0] == '.') {
            continue;
        }
        path = malloc(strlen(dir) + strlen(entry->d_name) + 2);
        sprintf(path, "%s/%s", dir, entry->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        paths = realloc(paths, (size_t)(n + 1) * sizeof(*paths));
        paths[n++] = path;
    }
    closedir(d);
    qsort(paths, (size_t)n, sizeof(*paths), compare_names);
    for (i = 0; i < n; i++) {
        ok &= replay_file(paths[i]);
        free(paths[i]);
    }
    free(paths);
    return ok && n ? n : -1;
}

int main(int argc, char **argv)
{
    const char *fallback[] = { OCCI_FUZZ_CORPUS };
    const char *const *names = argc > 1 ? (const char *const *)argv + 1 : fallback;
    int n_names = argc > 1 ? argc - 1 : 1, i, failed = 0;

    for (i = 0; i < n_names; i++) {
        struct stat st;
        int n;

        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            n = replay_directory(names[i]);
        }
        else {
            n = replay_file(names[i]);
        }
        printf("%sok %d - %s: %d inputs replayed\n", n > 0 ? "" : "not ", i + 1, names[i],
               n > 0 ? n : 0);
        failed += n <= 0;
    }
    printf("1..%d\n", n_names);
    return failed ? 1 : 0;
}
