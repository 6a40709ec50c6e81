/* fuzz_search.c - libFuzzer target: search_load (csrc/sweep/search.c), the `search:` block of an
 * experiment file, on arbitrary YAML text. A space that loads must also give every trial's
 * overrides (search_trial_sets, one "key.path=value" per parameter) and its description.
 */
#include "fuzz_util.h"

#include "sweep/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("exp.yaml", data, size);
    static search_space sp; /* ~140 kB: not on the stack */
    char err[2048];
    memset(err, 'x', sizeof err);
    if (search_load(path, &sp, err, sizeof err) != 0) {
        fuzz_check_message(err, sizeof err, "search_load");
        return 0;
    }
    if (!sp.present) return 0;
    FUZZ_REQUIRE(sp.n >= 1 && sp.n <= SEARCH_MAX_PARAMS && sp.trials >= 1, "n %d, trials %d", sp.n, sp.trials);
    static char sets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    for (int trial = 0; trial < sp.trials && trial < 3; trial++) {
        int n = -1;
        search_trial_sets(&sp, trial, sets, &n);
        FUZZ_REQUIRE(n == sp.n, "trial %d: %d overrides for %d parameters", trial, n, sp.n);
        for (int i = 0; i < n; i++) {
            size_t len = strlen(sp.p[i].path);
            FUZZ_REQUIRE(memchr(sets[i], '\0', SEARCH_SET_LEN) && !strncmp(sets[i], sp.p[i].path, len) &&
                             sets[i][len] == '=',
                         "trial %d: override %d is %.80s, expected %s=...", trial, i, sets[i], sp.p[i].path);
        }
    }
    char desc[8192];
    search_describe(&sp, desc, sizeof desc);
    FUZZ_REQUIRE(memchr(desc, '\0', sizeof desc) != NULL, "description not terminated");
    return 0;
}
