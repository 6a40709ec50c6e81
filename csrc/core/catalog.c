/* catalog.c - lookups in the method and dataset lists of catalog.h. */
#include "core/catalog.h"

#include <string.h>

static const char *const method_names[] = {
#define X(id, label) #id,
    MILES_METHODS(X)
#undef X
};

static const char *const method_labels[] = {
#define X(id, label) label,
    MILES_METHODS(X)
#undef X
};

static const struct {
    const char *name, *label, *strong;
} datasets[] = {
#define X(name, label, strong) {#name, label, strong},
    MILES_DATASETS(X)
#undef X
};

const char *catalog_method_name(method_id m) { return m >= 0 && m < METHOD_COUNT ? method_names[m] : NULL; }
const char *catalog_method_label(method_id m) { return m >= 0 && m < METHOD_COUNT ? method_labels[m] : NULL; }

int catalog_method_find(const char *name) {
    for (int i = 0; i < METHOD_COUNT; i++)
        if (!strcmp(name, method_names[i])) return i;
    return -1;
}

int catalog_dataset_count(void) { return (int)(sizeof datasets / sizeof *datasets); }

int catalog_dataset_find(const char *name) {
    for (int i = 0; i < catalog_dataset_count(); i++)
        if (!strcmp(name, datasets[i].name)) return i;
    return -1;
}

const char *catalog_dataset_label(int i) { return i >= 0 && i < catalog_dataset_count() ? datasets[i].label : NULL; }
const char *catalog_dataset_strong(int i) { return i >= 0 && i < catalog_dataset_count() ? datasets[i].strong : NULL; }
