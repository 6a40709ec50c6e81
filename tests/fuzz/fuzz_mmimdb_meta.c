/* fuzz_mmimdb_meta.c - libFuzzer target: MM-IMDb's metadata.npy reader (csrc/data/mmimdb_vocab.c
 * over the restricted pickle reader, csrc/data/pickle.c) on arbitrary bytes.
 *
 * Nothing in a pickle may run: the reader records calls and never makes them, so a crash, a
 * leak or a hang here is ours. A file that reads gives a vocabulary of at most MMIMDB_VOCAB_MAX
 * ids whose words are terminated strings of their recorded length; a refused one has a message
 * naming the file.
 */
#include "fuzz_util.h"

#include "data/mmimdb_vocab.h"
#include "data/pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mmimdb_vocab v;
    char err[1024];
    memset(err, 'x', sizeof err);
    if (mmimdb_vocab_parse(data, size, "metadata.npy", &v, err, sizeof err) != ML_OK) {
        fuzz_check_message(err, sizeof err, "mmimdb_vocab_parse");
        FUZZ_REQUIRE(!strncmp(err, "metadata.npy", 12), "the message does not name the file: %s", err);
        FUZZ_REQUIRE(v.words == NULL && v.n == 0, "a refused file left a vocabulary behind");
    } else {
        FUZZ_REQUIRE(v.n >= 0 && v.n <= MMIMDB_VOCAB_MAX, "%d ids", v.n);
        for (int32_t i = 0; i < v.n; i++)
            FUZZ_REQUIRE(!v.words[i] || v.words[i][v.lens[i]] == 0, "word %d is not terminated", i);
        mmimdb_vocab_free(&v);
    }
    /* the pickle reader alone, from the first byte (a bare pickle) */
    pk_doc *doc = NULL;
    if (pk_parse(data, size, &doc, err, sizeof err) == ML_OK) {
        FUZZ_REQUIRE(pk_root(doc) != NULL, "a parsed pickle without a root");
        pk_free(doc);
    } else {
        fuzz_check_message(err, sizeof err, "pk_parse");
        FUZZ_REQUIRE(doc == NULL, "a refused pickle left a document");
    }
    return 0;
}
