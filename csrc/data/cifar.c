/* cifar.c - CIFAR-10/100 binary releases as a pool of labelled records. See cifar.h. */
#define _POSIX_C_SOURCE 200809L
#include "data/cifar.h"
#include "data/errfmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"

static const char *const luma_map[][2] = {
    {"aquarium_fish", "fish"}, {"pickup_truck", "truck"}, {"oak_tree", "oak"},
    {"rose", "roses"},         {"pine_tree", "pine"},     {"palm_tree", "palm"},
};

const char *cifar_luma_name(const char *name) {
    for (size_t i = 0; i < sizeof luma_map / sizeof luma_map[0]; i++)
        if (!strcmp(name, luma_map[i][0])) return luma_map[i][1];
    return name;
}

/* One release: its folder, names file, record layout and batch files. */
typedef struct {
    const char *folder, *names_file;
    int record_bytes, label_offset, expect_names;
    const char *files[6];
} release;

static const release releases[2] = {
    {"cifar-10-batches-bin",
     "batches.meta.txt",
     3073,
     0,
     10,
     {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
      "test_batch.bin"}},
    {"cifar-100-binary", "fine_label_names.txt", 3074, 1, 100, {"train.bin", "test.bin"}},
};

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void cifar_pool_free(cifar_pool *p) {
    for (int i = 0; i < p->nfiles; i++)
        if (p->fp[i]) fclose(p->fp[i]);
    for (int i = 0; i < p->nnames; i++) free(p->names[i]);
    free(p->names);
    free(p->file_of);
    free(p->record_of);
    free(p->name_of);
    memset(p, 0, sizeof *p);
}

/* Index of NAME in the pool's names, added when new; -1 when out of memory. */
static int pool_name(cifar_pool *p, const char *name) {
    for (int i = 0; i < p->nnames; i++)
        if (!strcmp(p->names[i], name)) return i;
    char **grown = realloc(p->names, sizeof *grown * (size_t)(p->nnames + 1));
    if (!grown) return -1;
    p->names = grown;
    if (!(p->names[p->nnames] = strdup(name))) return -1;
    return p->nnames++;
}

/* Reads a names file: one name per line, blank lines ignored; maps each to its pool index. */
static ml_status read_names(cifar_pool *p, const char *path, int expect, int *idx, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        seterr(err, errlen,
               "%s: cannot open: %s; expected the %d label names, one per line, as "
               "the CIFAR binary archive unpacks",
               path, strerror(errno), expect);
        return ML_EDATA;
    }
    char line[256];
    int n = 0;
    ml_status st = ML_OK;
    while (st == ML_OK && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = 0;
        if (!len) continue;
        if (n >= expect || strchr(line, ',')) {
            seterr(err, errlen, "%s: line '%s': expected %d label names without commas, found %s", path, line, expect,
                   n >= expect ? "more" : "a comma");
            st = ML_EDATA;
            break;
        }
        if ((idx[n++] = pool_name(p, cifar_luma_name(line))) < 0) {
            seterr(err, errlen, "%s: out of memory", path);
            st = ML_ERUNTIME;
        }
    }
    fclose(f);
    if (st == ML_OK && n != expect) {
        seterr(err, errlen, "%s: expected %d label names, found %d", path, expect, n);
        st = ML_EDATA;
    }
    return st;
}

static ml_status grow_records(cifar_pool *p, int64_t more, const char *path, char *err, size_t errlen) {
    size_t n = (size_t)(p->n + more);
    uint8_t *f = realloc(p->file_of, n ? n : 1);
    if (f) p->file_of = f;
    int32_t *r = f ? realloc(p->record_of, sizeof *r * (n ? n : 1)) : NULL;
    if (r) p->record_of = r;
    int32_t *nm = r ? realloc(p->name_of, sizeof *nm * (n ? n : 1)) : NULL;
    if (nm) p->name_of = nm;
    if (!nm) {
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    return ML_OK;
}

/* Adds every record of one batch file; reads only the label byte of each. */
static ml_status scan_file(cifar_pool *p, const release *r, const char *path, const int *idx, char *err,
                           size_t errlen) {
    if (p->nfiles >= CIFAR_MAX_FILES) {
        seterr(err, errlen, "%s: too many CIFAR files", path);
        return ML_EDATA;
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        seterr(err, errlen, "%s: cannot open: %s; expected a CIFAR binary batch (%s/%s)", path, strerror(errno),
               r->folder, r->files[0]);
        if (f) fclose(f);
        return ML_EDATA;
    }
    int k = p->nfiles++;
    p->fp[k] = f;
    snprintf(p->path[k], sizeof p->path[k], "%s", path);
    p->record_bytes[k] = r->record_bytes;
    if (st.st_size % r->record_bytes != 0) {
        seterr(err, errlen,
               "%s: expected a whole number of %d-byte records (label%s + 3072 "
               "pixels), found %lld bytes",
               path, r->record_bytes, r->label_offset ? "s coarse, fine" : "", (long long)st.st_size);
        return ML_EDATA;
    }
    int64_t nrec = st.st_size / r->record_bytes;
    if (grow_records(p, nrec, path, err, errlen) != ML_OK) return ML_ERUNTIME;
    uint8_t rec[3074];
    for (int64_t i = 0; i < nrec; i++) {
        if (fread(rec, 1, (size_t)r->record_bytes, f) != (size_t)r->record_bytes) {
            seterr(err, errlen, "%s: record %lld: read failed", path, (long long)i);
            return ML_EDATA;
        }
        int label = rec[r->label_offset];
        if (label >= r->expect_names) {
            seterr(err, errlen, "%s: record %lld: expected a label in [0, %d), found %d", path, (long long)i,
                   r->expect_names, label);
            return ML_EDATA;
        }
        p->file_of[p->n] = (uint8_t)k;
        p->record_of[p->n] = (int32_t)i;
        p->name_of[p->n] = idx[label];
        p->n++;
    }
    return ML_OK;
}

static ml_status scan_release(cifar_pool *p, const char *dir, const release *r, char *err, size_t errlen) {
    char folder[ML_PATH_MAX], path[ML_PATH_MAX];
    int idx[100];
    if (path_join(folder, sizeof folder, dir, r->folder) || path_join(path, sizeof path, folder, r->names_file)) {
        seterr(err, errlen, "%s: path too long", dir);
        return ML_EINVAL;
    }
    ml_status st = read_names(p, path, r->expect_names, idx, err, errlen);
    for (int i = 0; st == ML_OK && i < 6 && r->files[i]; i++) {
        if (path_join(path, sizeof path, folder, r->files[i])) {
            seterr(err, errlen, "%s: path too long", folder);
            return ML_EINVAL;
        }
        st = scan_file(p, r, path, idx, err, errlen);
    }
    return st;
}

ml_status cifar_scan(const char *dir, cifar_pool *p, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    int found = 0;
    for (int i = 0; i < 2; i++) {
        char folder[ML_PATH_MAX];
        if (path_join(folder, sizeof folder, dir, releases[i].folder) || !is_dir(folder)) continue;
        found++;
        ml_status st = scan_release(p, dir, &releases[i], err, errlen);
        if (st != ML_OK) return st;
    }
    if (!found) {
        seterr(err, errlen,
               "%s: expected the CIFAR binary releases as their archives unpack "
               "(cifar-10-batches-bin/ and/or cifar-100-binary/), found neither",
               dir);
        return ML_EDATA;
    }
    return ML_OK;
}

ml_status cifar_read(const cifar_pool *p, int64_t i, uint8_t *chw, char *err, size_t errlen) {
    int k = p->file_of[i];
    int rb = p->record_bytes[k];
    long off = (long)p->record_of[i] * rb + (rb - CIFAR_PIXELS);
    if (fseek(p->fp[k], off, SEEK_SET) != 0 || fread(chw, 1, CIFAR_PIXELS, p->fp[k]) != CIFAR_PIXELS) {
        seterr(err, errlen, "%s: record %d: read failed (file changed since the scan?)", p->path[k],
               (int)p->record_of[i]);
        return ML_EDATA;
    }
    return ML_OK;
}
