/* fuzz_summary.c - libFuzzer target: run_summary_read (csrc/core/summary.c), a run's
 * summary.json, on arbitrary bytes.
 *
 * A damaged file is ML_EDATA with a message naming it; a summary that reads has terminated
 * strings and survives run_summary_write + run_summary_read unchanged.
 */
#include "fuzz_util.h"

#include <math.h>

#include "core/summary.h"

// clang-format off
#define STRINGS(X) \
    X(status) \
    X(dataset) \
    X(metric) \
    X(method) \
    X(fusion) \
    X(selection_head) \
    X(modality_a) \
    X(modality_b) \
    X(config_hash) \
    X(dataset_recipe) \
    X(device) \
    X(torch_version) \
    X(miles_version) \
    X(commit)
// clang-format on

static int same_double(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static void check_strings(const run_summary *s) {
#define X(f) FUZZ_REQUIRE(memchr(s->f, '\0', sizeof s->f) != NULL, #f " not terminated");
    STRINGS(X)
#undef X
}

static void check_same(const run_summary *a, const run_summary *b) {
#define X(f) FUZZ_REQUIRE(!strcmp(a->f, b->f), #f ": '%s', then '%s'", a->f, b->f);
    STRINGS(X)
#undef X
    FUZZ_REQUIRE(a->epochs == b->epochs && a->epochs_run == b->epochs_run && a->extra_epochs == b->extra_epochs &&
                     a->best_epoch == b->best_epoch,
                 "integers differ");
    const double x[] = {a->val_metric[0],  a->val_metric[1],  a->val_metric[2],  a->val_metric_selected,  a->test_loss,
                        a->test_metric[0], a->test_metric[1], a->test_metric[2], a->test_metric_selected, a->lr};
    const double y[] = {b->val_metric[0],  b->val_metric[1],  b->val_metric[2],  b->val_metric_selected,  b->test_loss,
                        b->test_metric[0], b->test_metric[1], b->test_metric[2], b->test_metric_selected, b->lr};
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        FUZZ_REQUIRE(same_double(x[i], y[i]), "number %zu: %.17g, then %.17g", i, x[i], y[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_mkdir("run");
    fuzz_write("run/summary.json", data, size);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/run", fuzz_dir());
    run_summary s, again;
    char err[2048];
    memset(err, 'x', sizeof err);
    int missing = -1;
    ml_status rc = run_summary_read(dir, &s, &missing, err, sizeof err);
    FUZZ_REQUIRE(missing == 0, "an existing file reported missing");
    if (rc != ML_OK) {
        FUZZ_REQUIRE(rc == ML_EDATA, "run_summary_read returned %d", (int)rc);
        fuzz_check_message(err, sizeof err, "run_summary_read");
        FUZZ_REQUIRE(strstr(err, "summary.json") != NULL, "the message does not name the file: %s", err);
        return 0;
    }
    check_strings(&s);
    rc = run_summary_write(dir, &s, err, sizeof err);
    FUZZ_REQUIRE(rc == ML_OK, "a summary that was read cannot be written back: %s", err);
    rc = run_summary_read(dir, &again, NULL, err, sizeof err);
    FUZZ_REQUIRE(rc == ML_OK, "what run_summary_write wrote does not read back: %s", err);
    check_same(&s, &again);
    return 0;
}
