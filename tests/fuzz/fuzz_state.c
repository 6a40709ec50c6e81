/* fuzz_state.c - libFuzzer target: read_run_state (csrc/core/runfiles.c), the checkpoint
 * done-marker ckpt/state.txt that `--resume` trusts, on arbitrary bytes.
 *
 * A state that reads must be complete (epochs_done >= 1, terminated names) and must survive
 * write_run_state + read_run_state unchanged, since a resumed run writes back what it read.
 */
#include "fuzz_util.h"

#include <math.h>

#include "core/runfiles.h"

static int same_double(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static void check_state(const run_state *st) {
    FUZZ_REQUIRE(st->epochs_done >= 1, "epochs_done %d", st->epochs_done);
    FUZZ_REQUIRE(memchr(st->last_file, '\0', sizeof st->last_file) &&
                     memchr(st->best_file, '\0', sizeof st->best_file) &&
                     memchr(st->config_hash, '\0', sizeof st->config_hash),
                 "a name is not terminated");
}

static void check_round_trip(const char *dir, const run_state *st) {
    char err[1024] = "";
    FUZZ_REQUIRE(write_run_state(dir, st, err, sizeof err) == 0, "write_run_state: %s", err);
    run_state again;
    int rc = read_run_state(dir, &again, err, sizeof err);
    FUZZ_REQUIRE(rc == 1, "what write_run_state wrote reads back as %d: %s", rc, err);
    FUZZ_REQUIRE(again.epochs_done == st->epochs_done && again.best_epoch == st->best_epoch &&
                     again.extra_epochs == st->extra_epochs,
                 "integers differ after a round trip");
    FUZZ_REQUIRE(same_double(again.best_val, st->best_val) && same_double(again.best_vals[0], st->best_vals[0]) &&
                     same_double(again.best_vals[1], st->best_vals[1]) &&
                     same_double(again.best_vals[2], st->best_vals[2]),
                 "best_val(s) differ after a round trip");
    FUZZ_REQUIRE(!strcmp(again.last_file, st->last_file) && !strcmp(again.best_file, st->best_file) &&
                     !strcmp(again.config_hash, st->config_hash) &&
                     !strcmp(again.method_state ? again.method_state : "", st->method_state ? st->method_state : "") &&
                     again.has_crc == st->has_crc && again.last_crc == st->last_crc && again.best_crc == st->best_crc,
                 "names differ after a round trip: last '%s' / '%s', method '%.60s' / '%.60s'", st->last_file,
                 again.last_file, st->method_state, again.method_state);
    run_state_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_mkdir("run");
    fuzz_mkdir("run/ckpt");
    fuzz_write("run/ckpt/state.txt", data, size);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/run", fuzz_dir());
    run_state st;
    char err[1024];
    memset(err, 'x', sizeof err);
    int rc = read_run_state(dir, &st, err, sizeof err);
    FUZZ_REQUIRE(rc == 1 || rc == -1, "read_run_state returned %d for an existing file", rc);
    if (rc == -1) {
        fuzz_check_message(err, sizeof err, "read_run_state");
        return 0;
    }
    check_state(&st);
    check_round_trip(dir, &st);
    run_state_free(&st);
    return 0;
}
