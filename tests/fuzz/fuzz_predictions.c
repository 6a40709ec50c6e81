/* fuzz_predictions.c - libFuzzer target: pred_read (csrc/core/predictions.c), a run's
 * test-predictions.bin that `miles report` pairs seeds with, on arbitrary bytes.
 *
 * A file that reads must hold class ids in [0, num_classes) only (kind 1) or label sets without a
 * bit above num_classes (kind 2), and must survive pred_write + pred_read unchanged.
 */
#include "fuzz_util.h"

#include "core/predictions.h"

static void check_round_trip(const char *dir, const pred_file *p) {
    char err[1024] = "";
    FUZZ_REQUIRE(pred_write(dir, p, err, sizeof err) == ML_OK, "pred_write: %s", err);
    pred_file q;
    FUZZ_REQUIRE(pred_read(dir, &q, NULL, err, sizeof err) == ML_OK, "what pred_write wrote does not read: %s", err);
    int multi = p->kind == PRED_KIND_MULTI;
    size_t bytes = (size_t)p->n * (multi ? pred_set_bytes(p->num_classes) : 2);
    int same =
        q.kind == p->kind && q.n == p->n && q.num_classes == p->num_classes && q.epoch == p->epoch &&
        !memcmp(multi ? (void *)q.label_set : (void *)q.label, multi ? (void *)p->label_set : (void *)p->label, bytes);
    for (int h = 0; h < PRED_HEADS; h++)
        same = same && !memcmp(multi ? (void *)q.pred_set[h] : (void *)q.pred[h],
                               multi ? (void *)p->pred_set[h] : (void *)p->pred[h], bytes);
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
    for (uint32_t i = 0; i < p.n && p.kind == PRED_KIND_MULTI; i++) {
        size_t w = pred_set_bytes(p.num_classes);
        for (int h = -1; h < PRED_HEADS; h++) {
            const uint8_t *set = (h < 0 ? p.label_set : p.pred_set[h]) + i * w;
            for (uint32_t j = p.num_classes; j < 8 * w; j++) FUZZ_REQUIRE(!(set[j / 8] >> (j % 8) & 1), "bit %u", j);
        }
    }
    for (uint32_t i = 0; i < p.n && p.kind == PRED_KIND_CLASS; i++) {
        FUZZ_REQUIRE(p.label[i] >= 0 && (uint32_t)p.label[i] < p.num_classes, "label %d", p.label[i]);
        for (int h = 0; h < PRED_HEADS; h++)
            FUZZ_REQUIRE(p.pred[h][i] >= 0 && (uint32_t)p.pred[h][i] < p.num_classes, "pred %d", p.pred[h][i]);
    }
    check_round_trip(dir, &p);
    pred_free(&p);
    return 0;
}
