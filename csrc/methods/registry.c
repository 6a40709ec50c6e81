/* registry.c - method.name -> hook table. */
#include <string.h>

#include "methods/method.h"

static const method_ops *const all_methods[] = {
    &method_vanilla, &method_miles, &method_mslr_keep, &method_mslr_smooth, &method_mslr_dynamic,
    &method_ogm,     &method_ogm_ge, &method_mses,     &method_gblend,      &method_unimodal,
};

const method_ops *method_find(const char *name) {
    for (size_t i = 0; i < sizeof all_methods / sizeof all_methods[0]; i++)
        if (strcmp(all_methods[i]->name, name) == 0) return all_methods[i];
    return NULL;
}
