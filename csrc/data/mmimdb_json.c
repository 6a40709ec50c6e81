/* mmimdb_json.c - MM-IMDb's record and split.json through jansson (see mmimdb_json.h). */
#define _POSIX_C_SOURCE 200809L
#include "data/mmimdb_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "data/errfmt.h"

/* Characters as Python's len() counts them (code points), so that the longest plot is the one
 * GMU's and MMBT's argmax picks; invalid UTF-8 counts byte by byte. */
static size_t code_points(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static char *dup_bytes(const char *s, size_t len) {
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = 0;
    }
    return d;
}

/* The longest string of `plot` (the first of equal lengths, as argmax). */
static int take_plot(const json_t *root, mmimdb_record *r, char *why, size_t whylen) {
    const json_t *plot = json_object_get(root, "plot"), *best = NULL;
    if (!json_is_array(plot)) {
        seterr(why, whylen, "no plot: expected a list of strings under \"plot\", found %s",
               plot ? "another type" : "no such key");
        return -1;
    }
    size_t i, best_n = 0;
    json_t *v;
    json_array_foreach(plot, i, v) {
        if (!json_is_string(v)) {
            seterr(why, whylen, "no plot: \"plot\"[%zu]: expected a string, found another type", i);
            return -1;
        }
        size_t n = code_points(json_string_value(v), json_string_length(v));
        if (n > best_n) best = v, best_n = n;
    }
    if (!best) {
        seterr(why, whylen, "no plot: expected a non-empty string in \"plot\", found %zu empty ones", i);
        return -1;
    }
    r->plot_len = json_string_length(best);
    if (!(r->plot = dup_bytes(json_string_value(best), r->plot_len))) {
        seterr(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

static int take_genres(const json_t *root, mmimdb_record *r, char *why, size_t whylen) {
    const json_t *g = json_object_get(root, "genres");
    if (!json_is_array(g) || json_array_size(g) == 0) {
        seterr(why, whylen, "no genres: expected a non-empty list of strings under \"genres\", found %s",
               !g                 ? "no such key"
               : json_is_array(g) ? "an empty list"
                                  : "another type");
        return -1;
    }
    if (!(r->genres = calloc(json_array_size(g), sizeof *r->genres))) {
        seterr(why, whylen, "out of memory");
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(g, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0 || strchr(json_string_value(v), ',') ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            seterr(why, whylen, "no genres: \"genres\"[%zu]: expected a genre name (a non-empty string without commas)",
                   i);
            return -1;
        }
        if (!(r->genres[r->n_genres++] = strdup(json_string_value(v)))) {
            seterr(why, whylen, "out of memory");
            return -1;
        }
    }
    return 0;
}

int mmimdb_record_parse(const char *text, size_t len, mmimdb_record *r, char *why, size_t whylen) {
    memset(r, 0, sizeof *r);
    char msg[512];
    json_t *root = json_load_bytes(text, len, "json", msg, sizeof msg);
    if (!root) {
        seterr(why, whylen, "not JSON: %s", msg);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) seterr(why, whylen, "expected a JSON object, found another type");
    else if (take_plot(root, r, why, whylen) == 0 && take_genres(root, r, why, whylen) == 0) rc = 0;
    json_decref(root);
    if (rc) mmimdb_record_free(r);
    return rc;
}

void mmimdb_record_free(mmimdb_record *r) {
    free(r->plot);
    for (int i = 0; i < r->n_genres; i++) free(r->genres[i]);
    free(r->genres);
    memset(r, 0, sizeof *r);
}

int mmimdb_id_ok(const char *id) {
    size_t n = strlen(id);
    if (n < 1 || n >= MMIMDB_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int cmp_id(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every id of every split once. */
static ml_status check_unique(const mmimdb_split *sp, const char *name, char *err, size_t errlen) {
    int64_t total = sp->n[0] + sp->n[1] + sp->n[2], k = 0;
    char **all = malloc(sizeof(char *) * (size_t)(total ? total : 1));
    if (!all) return seterr(err, errlen, "%s: out of memory", name), ML_ERUNTIME;
    for (int s = 0; s < 3; s++)
        for (int64_t i = 0; i < sp->n[s]; i++) all[k++] = sp->ids[s][i];
    qsort(all, (size_t)total, sizeof *all, cmp_id);
    ml_status st = ML_OK;
    for (int64_t i = 1; i < total && st == ML_OK; i++)
        if (!strcmp(all[i - 1], all[i])) {
            seterr(err, errlen, "%s: expected every id once, found '%s' twice", name, all[i]);
            st = ML_EDATA;
        }
    free(all);
    return st;
}

/* One list of split.json: KEY's ids into sp->ids[s]. */
static ml_status read_list(const json_t *root, const char *key, int s, mmimdb_split *sp, const char *name, char *err,
                           size_t errlen) {
    const json_t *a = json_object_get(root, key);
    if (!json_is_array(a)) {
        seterr(err, errlen, "%s: expected a list of ids under \"%s\", found %s", name, key,
               a ? "another type" : "no such key");
        return ML_EDATA;
    }
    size_t n = json_array_size(a), i;
    if (!(sp->ids[s] = calloc(n ? n : 1, MMIMDB_ID_MAX)))
        return seterr(err, errlen, "%s: out of memory", name), ML_ERUNTIME;
    json_t *v;
    json_array_foreach(a, i, v) {
        char *id = sp->ids[s][i];
        if (json_is_string(v) && json_string_length(v) < MMIMDB_ID_MAX)
            snprintf(id, MMIMDB_ID_MAX, "%s", json_string_value(v));
        else if (json_is_integer(v)) snprintf(id, MMIMDB_ID_MAX, "%lld", (long long)json_integer_value(v));
        if (!mmimdb_id_ok(id)) {
            seterr(err, errlen, "%s: \"%s\"[%zu]: expected an id of [A-Za-z0-9_-] (1 to %d characters), found %s", name,
                   key, i, MMIMDB_ID_MAX - 1, json_is_string(v) ? "another string" : "another type");
            return ML_EDATA;
        }
        sp->n[s]++;
    }
    return ML_OK;
}

ml_status mmimdb_split_parse(const char *text, size_t len, const char *name, mmimdb_split *sp, char *err,
                             size_t errlen) {
    static const char *const keys[3] = {"train", "dev", "test"};
    memset(sp, 0, sizeof *sp);
    json_t *root = json_load_bytes(text, len, name, err, errlen);
    if (!root) return ML_EDATA;
    ml_status st = ML_OK;
    if (!json_is_object(root)) {
        seterr(err, errlen, "%s: expected an object with the lists \"train\", \"dev\" and \"test\", found another type",
               name);
        st = ML_EDATA;
    }
    for (int s = 0; s < 3 && st == ML_OK; s++) st = read_list(root, keys[s], s, sp, name, err, errlen);
    if (st == ML_OK) st = check_unique(sp, name, err, errlen);
    json_decref(root);
    if (st != ML_OK) mmimdb_split_free(sp);
    return st;
}

void mmimdb_split_free(mmimdb_split *sp) {
    for (int s = 0; s < 3; s++) free(sp->ids[s]);
    memset(sp, 0, sizeof *sp);
}
