/* fuzz_config.c - libFuzzer target: config_load (csrc/core/config.c) on arbitrary YAML text.
 *
 * Lines of the input that start with "#--set " are YAML comments to the file, and their rest is
 * also given to config_load as an override, so one input drives the file and the --set parsers.
 * Besides not crashing or leaking, the loader must keep its promises: a failure returns 2 with
 * a one-message error; a success writes out (config_write_yaml) as a file that loads back to
 * the same configuration (the same config_hash).
 */
#include "fuzz_util.h"

#include "core/config.h"

#define MAX_SETS 4

/* The overrides: the rest of each "#--set " line (at most MAX_SETS). */
static int find_sets(char *text, char *sets[MAX_SETS]) {
    int n = 0;
    for (char *line = text; line && *line && n < MAX_SETS;) {
        char *next = strchr(line, '\n');
        if (!strncmp(line, "#--set ", 7)) {
            size_t len = next ? (size_t)(next - line) - 7 : strlen(line + 7);
            sets[n] = malloc(len + 1);
            if (!sets[n]) abort();
            memcpy(sets[n], line + 7, len);
            sets[n][len] = '\0';
            n++;
        }
        line = next ? next + 1 : NULL;
    }
    return n;
}

static void check_round_trip(const config *c) {
    char err[2048] = "", h1[17], h2[17];
    const char *out = fuzz_write("resolved.yaml", (const uint8_t *)"", 0);
    FUZZ_REQUIRE(config_write_yaml(c, out, err, sizeof err) == 0, "config_write_yaml: %s", err);
    config again;
    int rc = config_load(out, NULL, 0, &again, err, sizeof err);
    FUZZ_REQUIRE(rc == 0, "the written configuration does not load back: %s", err);
    config_hash(c, h1);
    config_hash(&again, h2);
    FUZZ_REQUIRE(!strcmp(h1, h2), "the written configuration loads back different (hash %s, then %s)", h1, h2);
    config_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    char *sets[MAX_SETS];
    int n = find_sets(text, sets);
    const char *path = fuzz_write("exp.yaml", data, size);
    config c;
    char err[2048];
    memset(err, 'x', sizeof err);
    int rc = config_load(path, (const char *const *)sets, n, &c, err, sizeof err);
    if (rc == 0) {
        static FILE *devnull;
        if (!devnull && !(devnull = fopen("/dev/null", "w"))) abort();
        config_print_table(&c, devnull);
        check_round_trip(&c);
        config_free(&c);
    } else {
        FUZZ_REQUIRE(rc == 2, "config_load returned %d", rc);
        fuzz_check_message(err, sizeof err, "config_load");
        FUZZ_REQUIRE(c.v == NULL && c.n == 0, "a failed load left values behind");
    }
    for (int i = 0; i < n; i++) free(sets[i]);
    free(text);
    return 0;
}
