/* config.h - experiment configuration: strict YAML loading, key-path overrides, the schema.
 *
 * An experiment is a YAML mapping whose leaves are addressed by dotted key paths
 * ("train.lr", "model.a.preset", "method.tau"). Every path a run may use is declared in one
 * schema table (config_schema.c) with its type, default, range and the method it belongs to;
 * keys under method.* are allowed only for the method named by method.name. Loading is strict:
 * malformed YAML, duplicate keys, unknown keys, wrong types, missing required keys and
 * out-of-range values each give one message "FILE:LINE:COL: key.path: expected ..., found ..."
 * and nothing else happens. `--set key.path=value` overrides are applied after the file and
 * validated the same way (their location is "--set").
 */
#ifndef MILES_CONFIG_H
#define MILES_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { CFG_INT, CFG_DOUBLE, CFG_STRING, CFG_BOOL, CFG_ENUM, CFG_INT_LIST } cfg_type;

#define CFG_MAX_LIST 8

typedef struct {
    const char *path; /* "train.lr" */
    cfg_type type;
    const char *method;      /* NULL: any method; else only when method.name equals it */
    const char *def;         /* default as YAML scalar text ("1e-3", "true", "[1,1]");
                                 NULL = required */
    double lo, hi;           /* inclusive range for numbers and list items (lo > hi: none) */
    int lo_open;             /* 1: lo is exclusive (mu in (0,1]) */
    const char *enum_values; /* "adam|sgd" for CFG_ENUM */
    const char *doc;         /* one line for experiments/README.md and --help */
    int max_items;           /* CFG_INT_LIST: most items allowed (0: CFG_MAX_LIST) */
} cfg_key;

extern const cfg_key cfg_schema[];
extern const size_t cfg_schema_len;

/* The schema entry of key PATH, or NULL. */
const cfg_key *cfg_schema_find(const char *path);
/* The schema path closest to an unknown PATH, into OUT (empty when nothing is close): a small
 * edit away, else the same last part under another section ("train.tau" -> "method.tau").
 * with_sections: sections ("model.a") may be suggested too, for YAML keys that may be either. */
void cfg_suggest_path(const char *path, int with_sections, char *out, size_t len);

typedef struct {
    const cfg_key *key;
    int set;       /* given in the file or by --set (else default) */
    char src[256]; /* "FILE:LINE:COL" or "--set" or "default" */
    long long i;   /* CFG_INT, CFG_BOOL */
    double d;      /* CFG_DOUBLE */
    char s[512];   /* CFG_STRING, CFG_ENUM */
    int n_list;
    long long list[CFG_MAX_LIST];
} cfg_value;

typedef struct {
    char path[1024]; /* the YAML file */
    size_t n;
    cfg_value *v; /* one per schema key that applies to the chosen method */
} config;

/* Loads PATH and applies the overrides ("key.path=value", YAML scalar or flow list syntax).
 * Returns 0, or 2 (invalid configuration) with the message in err. */
int config_load(const char *path, const char *const *sets, int n_sets, config *out, char *err, size_t errlen);
void config_free(config *c);

/* Typed getters; the path must exist in the schema for the chosen method and have the getter's
 * type (else abort: a programmer error). cfg_find returns NULL instead of aborting. */
long long cfg_int(const config *c, const char *path);
double cfg_double(const config *c, const char *path);
int cfg_bool(const config *c, const char *path);
const char *cfg_str(const config *c, const char *path); /* CFG_STRING and CFG_ENUM */
int cfg_list(const config *c, const char *path, long long *out, int max);
const cfg_value *cfg_find(const config *c, const char *path);

/* The fully resolved configuration as YAML (every key, defaults included), written to PATH.tmp
 * and renamed. Loading it back gives the same values. Returns 0, or 1 (I/O error, in err). */
int config_write_yaml(const config *c, const char *path, char *err, size_t errlen);
void config_print_yaml(const config *c, FILE *f);
/* A two-column table of every setting, marking those that differ from the default. */
void config_print_table(const config *c, FILE *f);
/* A YAML number as the loader reads it: [+-](digits[.digits] | .digits)([eE][+-]digits), finite.
 * 1 and *v on success, 0 otherwise. */
int cfg_parse_double(const char *s, double *v);
/* Lists and mappings inside each other that a YAML file may have; a real config uses about 6. */
#define CFG_MAX_DEPTH 64
/* Whether the YAML TEXT nests lists and mappings more than CFG_MAX_DEPTH deep, found from parser
 * events before any document is built (libyaml builds a deep one in time quadratic in its
 * depth); *line and *col (from 1) are then where the first level too many starts. Malformed YAML
 * is not too deep: the load that follows reports it. */
int cfg_yaml_too_deep(const char *text, size_t len, int *line, int *col);
/* FNV-1a 64 of the resolved YAML text, as 16 hex digits (for provenance). */
void config_hash(const config *c, char out[17]);
/* The hash the configuration in PATH has under this build's schema: keys added since it was
 * written take their defaults, so a run recorded by an older miles, which differs from today's
 * only by new keys at their defaults, hashes as today's and can be continued.
 * 0, or 2 with the message in err. */
int config_rehash_file(const char *path, char out[17], char *err, size_t errlen);
/* The configuration TEXT (a recorded resolved YAML) read under this build's schema and written
 * back as config_print_yaml writes it, into *out (free it): the same text as today's when only
 * keys added since are missing at their defaults, and a diff against today's lists only real
 * changes. 0, or 2 with the message in err and *out NULL. */
int config_normalize_text(const char *text, char **out, char *err, size_t errlen);

#endif
