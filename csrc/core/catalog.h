/* catalog.h - the names miles knows and how the paper labels them: the balancing methods and
 * the datasets. This is the one list; the config schema, the method registry and the report's
 * tables are generated from it.
 *
 * Adding a method: one X(...) line here (in the paper's table order), its file under methods/,
 * and its config keys in core/config_schema.c.
 */
#ifndef MILES_CORE_CATALOG_H
#define MILES_CORE_CATALOG_H

/* X(id, table label). Order: the rows of the paper's Tables II and III, then unimodal (Table I,
 * no row label of its own). */
#define MILES_METHODS(X)        \
    X(vanilla, "Vanilla")       \
    X(mslr_keep, "+ MSLR-K")    \
    X(mslr_smooth, "+ MSLR-S")  \
    X(mslr_dynamic, "+ MSLR-D") \
    X(ogm, "+ OGM")             \
    X(ogm_ge, "+ OGM-GE")       \
    X(mses, "+ MSES")           \
    X(gblend, "+ G-Blend")      \
    X(miles, "+ MILES")         \
    X(unimodal, "Unimodal")

/* X(name, label, strong modality). Aliases (crema_d, mm_imdb) are the spellings other code
 * bases use; both name the same dataset. */
#define MILES_DATASETS(X)          \
    X(cremad, "CREMA-D", "audio")  \
    X(crema_d, "CREMA-D", "audio") \
    X(smnist, "S-MNIST", "image")  \
    X(luma, "LUMA", "audio")       \
    X(mmimdb, "MM-IMDb", "text")   \
    X(mm_imdb, "MM-IMDb", "text")  \
    X(mlsynth, "ML-Synth", "text")

typedef enum {
#define X(id, label) METHOD_##id,
    MILES_METHODS(X)
#undef X
        METHOD_COUNT
} method_id;

/* "vanilla|mslr_keep|...|unimodal": every method name in catalog order, for enum checks. The
 * X-macro makes "|vanilla|mslr_keep|..." and the pointer skips the first '|'. */
#define MILES_METHOD_NAME_PIPED_(id, label) "|" #id
#define MILES_METHOD_NAMES_PIPED            (&(MILES_METHODS(MILES_METHOD_NAME_PIPED_))[1])

/* The method's name ("ogm_ge") and table label ("+ OGM-GE"); NULL for an id out of range. */
const char *catalog_method_name(method_id m);
const char *catalog_method_label(method_id m);
/* The id of a method name, or -1. */
int catalog_method_find(const char *name);

/* Index of a dataset name in MILES_DATASETS (its order in tables), or -1. */
int catalog_dataset_find(const char *name);
/* Label and strong modality of the dataset at index i; NULL outside 0..count-1. */
const char *catalog_dataset_label(int i);
const char *catalog_dataset_strong(int i);
int catalog_dataset_count(void);

#endif
