/* fuzz_mmimdb_json.c - libFuzzer target: MM-IMDb's JSON readers (csrc/data/mmimdb_json.c) on
 * arbitrary bytes, as mmimdb/dataset/<id>.json and as mmimdb/split.json.
 *
 * A record that parses has a non-empty plot of plot_len bytes and at least one non-empty genre
 * without commas; a refused one has a reason. A split that parses lists ids that can name a file
 * (mmimdb_id_ok: no '/' or "..") and no id twice; a refused one has a message naming the file.
 */
#include "fuzz_util.h"

#include "data/mmimdb_json.h"

static void check_record(const uint8_t *data, size_t size) {
    mmimdb_record r;
    char why[512];
    memset(why, 'x', sizeof why);
    if (mmimdb_record_parse((const char *)data, size, &r, why, sizeof why) != 0) {
        fuzz_check_message(why, sizeof why, "mmimdb_record_parse");
        FUZZ_REQUIRE(r.plot == NULL && r.genres == NULL, "a refused record left memory behind");
        return;
    }
    FUZZ_REQUIRE(r.plot && r.plot_len > 0 && r.plot[r.plot_len] == 0, "the plot is empty or not terminated");
    FUZZ_REQUIRE(r.n_genres > 0, "a record without genres was accepted");
    for (int i = 0; i < r.n_genres; i++)
        FUZZ_REQUIRE(r.genres[i][0] && !strchr(r.genres[i], ','), "genre %d is empty or has a comma", i);
    mmimdb_record_free(&r);
}

static void check_split(const uint8_t *data, size_t size) {
    mmimdb_split sp;
    char err[1024];
    memset(err, 'x', sizeof err);
    if (mmimdb_split_parse((const char *)data, size, "split.json", &sp, err, sizeof err) != ML_OK) {
        fuzz_check_message(err, sizeof err, "mmimdb_split_parse");
        FUZZ_REQUIRE(!strncmp(err, "split.json", 10), "the message does not name the file: %s", err);
        return;
    }
    for (int s = 0; s < 3; s++)
        for (int64_t i = 0; i < sp.n[s]; i++) {
            const char *id = sp.ids[s][i];
            FUZZ_REQUIRE(mmimdb_id_ok(id) && !strchr(id, '/') && !strstr(id, ".."), "id '%s' cannot name a file", id);
            for (int t = 0; t <= s; t++)
                for (int64_t j = 0; j < (t == s ? i : sp.n[t]); j++)
                    FUZZ_REQUIRE(strcmp(id, sp.ids[t][j]), "id '%s' listed twice", id);
        }
    mmimdb_split_free(&sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0; /* the pairwise check below is quadratic */
    check_record(data, size);
    check_split(data, size);
    return 0;
}
