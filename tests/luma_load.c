/* luma_load.c - loads a cache with the training path's loader (dataset_load) and prints what it
 * found, so tests/test_luma.py can check that a `miles prepare luma` cache is one training reads.
 *
 * usage: luma-load CACHE.h5
 * Prints "name K modality_a modality_b", then per split "split n C H W dtype_a C H W dtype_b",
 * then "mean_a ... std_a ... mean_b ... std_b ..."; exit 1 with the loader's message on failure. */
#include <stdio.h>

#include "data/dataset.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: luma-load CACHE.h5\n");
        return 2;
    }
    dataset d;
    char err[2048];
    if (dataset_load(argv[1], &d, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%s %d %s %s\n", d.name, d.num_classes, d.modality[0], d.modality[1]);
    for (int s = 0; s < NUM_SPLITS; s++) {
        const ds_split *sp = &d.split[s];
        printf("%s %lld", split_names[s], (long long)sp->n);
        for (int m = 0; m < 2; m++)
            printf(" %d %d %d %s", sp->x[m].c, sp->x[m].h, sp->x[m].w, sp->x[m].dtype == DS_U8 ? "uint8" : "float32");
        printf("\n");
    }
    for (int m = 0; m < 2; m++) {
        printf("mean_%c", "ab"[m]);
        for (int c = 0; c < d.split[0].x[m].c; c++) printf(" %.9g", d.mean[m][c]);
        printf("\nstd_%c", "ab"[m]);
        for (int c = 0; c < d.split[0].x[m].c; c++) printf(" %.9g", d.std[m][c]);
        printf("\n");
    }
    dataset_free(&d);
    return 0;
}
