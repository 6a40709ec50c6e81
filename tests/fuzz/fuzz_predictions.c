/* fuzz_predictions.c - libFuzzer target: pred_read (csrc/core/predictions.c), a run's
 * test-predictions.bin that `miles report` pairs seeds with, on arbitrary bytes.
 *
 * A file that reads must hold class ids in [0, num_classes) only, and must survive
 * pred_write + pred_read unchanged.
 */
#include "fuzz_util.h"

#include "core/predictions.h"

static void check_round_trip(const char *dir, const pred_file *p) {
    char err[1024] = "";
    FUZZ_REQUIRE(pred_write(dir, p, err, sizeof err) == ML_OK, "pred_write: %s", err);
    pred_file q;
    FUZZ_REQUIRE(pred_read(dir, &q, NULL, err, sizeof err) == ML_OK, "what pred_write wrote does not read: %s", err);
    int same = q.n == p->n && q.num_classes == p->num_classes && q.epoch == p->epoch &&
               !memcmp(q.label, p->label, 2 * (size_t)p->n);
    for (int h = 0; h < PRED_HEADS; h++) same = same && !memcmp(q.pred[h], p->pred[h], 2 * (size_t)p->n);
    FUZZ_REQUIRE(same, "the file differs after a round trip (n %u)", p->n);
    pred_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_mkdir("run");
    fuzz_write("run/" PRED_FILE, data, size);
    char dir[1100], err[1024];
    snprintf(dir, sizeof dir, "%s/run", fuzz_dir());
    pred_file p;
    memset(err, 'x', sizeof err);
    int missing = 0;
    if (pred_read(dir, &p, &missing, err, sizeof err) != ML_OK) {
        FUZZ_REQUIRE(!missing, "an existing file reported missing");
        fuzz_check_message(err, sizeof err, "pred_read");
        return 0;
    }
    for (uint32_t i = 0; i < p.n; i++) {
        FUZZ_REQUIRE(p.label[i] >= 0 && (uint32_t)p.label[i] < p.num_classes, "label %d", p.label[i]);
        for (int h = 0; h < PRED_HEADS; h++)
            FUZZ_REQUIRE(p.pred[h][i] >= 0 && (uint32_t)p.pred[h][i] < p.num_classes, "pred %d", p.pred[h][i]);
    }
    check_round_trip(dir, &p);
    pred_free(&p);
    return 0;
}
