/* registry.c - method.name -> hook table, one entry per method of core/catalog.h: a method in
 * the catalog without its method_<id> table does not link. */
#include "core/catalog.h"
#include "methods/method.h"

static const method_ops *const all_methods[METHOD_COUNT] = {
#define X(id, label) [METHOD_##id] = &method_##id,
    MILES_METHODS(X)
#undef X
};

const method_ops *method_find(const char *name) {
    int id = catalog_method_find(name);
    return id < 0 ? NULL : all_methods[id];
}
