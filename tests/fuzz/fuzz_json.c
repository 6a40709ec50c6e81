/* fuzz_json.c - libFuzzer target: json_load_text (csrc/core/json.c), through which every JSON
 * file of miles is parsed, on arbitrary text.
 *
 * A failure has a "NAME:LINE:COL: what" message; a document that parses must print
 * (json_to_text, as files are saved) to text that parses back to an equal document, and the
 * field accessors must take any value.
 */
#include "fuzz_util.h"

#include "core/json.h"

static void use_accessors(const json_t *root) {
    static const char *const keys[] = {"status", "best_epoch", "lr", "", "test_metric_fused"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        volatile const char *s = json_get_str(root, keys[i], NULL);
        volatile double d = json_get_num(root, keys[i], 0.0);
        volatile long long n = json_get_int(root, keys[i], -1);
        (void)s, (void)d, (void)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    char err[1024];
    memset(err, 'x', sizeof err);
    json_t *root = json_load_text(text, "fuzz.json", err, sizeof err);
    if (!root) {
        fuzz_check_message(err, sizeof err, "json_load_text");
        FUZZ_REQUIRE(!strncmp(err, "fuzz.json:", 10), "the message does not start with the name: %s", err);
        free(text);
        return 0;
    }
    use_accessors(root);
    char *out = json_to_text(root);
    FUZZ_REQUIRE(out != NULL, "json_to_text failed");
    json_t *again = json_load_text(out, "again.json", err, sizeof err);
    FUZZ_REQUIRE(again != NULL, "what json_to_text printed does not parse: %s", err);
    FUZZ_REQUIRE(json_equal(root, again), "what json_to_text printed parses to another document");
    json_decref(again);
    json_decref(root);
    free(out);
    free(text);
    return 0;
}
