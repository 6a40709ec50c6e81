/* test_wordpiece.c - the WordPiece tokenizer (csrc/text/wordpiece.c) on hand-worked cases with
 * exact ids against a small vocab.txt this test writes: sub-words, punctuation, accents (composed
 * and combining), Greek final sigma, Cyrillic, Turkish dotted I, Hangul, CJK, controls and
 * Unicode spaces, unknown and over-long words, truncation and padding, and vocabulary errors.
 * Every expected list below was worked out by hand from BertTokenizer's rules (wordpiece.h). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "text/wordpiece.h"

/* id = line number */
/* clang-format off */
static const char *const vocab_lines[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", /* 0-4 */
    "the", "un", "##aff", "##able", "cafe",       /* 5-9 */
    ",", ".", "!", "hello", "world",              /* 10-14 */
    "##s", "naive", "resume", "a", "##b",         /* 15-19 */
    "\xe4\xb8\x96",                               /* 20 世 */
    "\xce\xbf\xce\xb4\xce\xbf\xcf\x82",           /* 21 οδος (final ς) */
    "\xcf\x83\xce\xb1",                           /* 22 σα */
    "\xce\xb1",                                   /* 23 α */
    "\xd0\xb5\xd0\xb6",                           /* 24 еж */
    "i",                                          /* 25 */
    "\xe1\x84\x92",                               /* 26 ᄒ (U+1112) */
    "##\xe1\x85\xa1",                             /* 27 ##ᅡ (U+1161) */
    "##\xe1\x86\xab",                             /* 28 ##ᆫ (U+11AB) */
    "Hello",                                      /* 29 */
    "\xc2\xbf",                                   /* 30 ¿ */
    "dup", "dup",                                 /* 31, 32: the last line wins */
};
/* clang-format on */
enum { N_LINES = sizeof vocab_lines / sizeof vocab_lines[0] };
static const char *VOCAB = "test_wordpiece_vocab.txt";

static void write_vocab(const char *path, const char *const *lines, int n, const char *extra) {
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    if (extra) fputs(extra, f);
    fclose(f);
}

#define END (-99)

static void expect_ids(const wp_tokenizer *t, const char *text, const int *want, int line) {
    int32_t got[256];
    size_t count = 0;
    char err[256];
    ml_status st = wp_tokenize(t, text, strlen(text), got, 256, &count, err, sizeof err);
    int n = 0;
    while (want[n] != END) n++;
    int same = st == ML_OK && count == (size_t)n;
    for (int i = 0; same && i < n; i++) same = got[i] == want[i];
    if (!same) {
        fprintf(stderr, "FAIL %s:%d: \"%s\": got", __FILE__, line, text);
        for (size_t i = 0; i < count && i < 256; i++) fprintf(stderr, " %d", got[i]);
        fprintf(stderr, ", expected");
        for (int i = 0; i < n; i++) fprintf(stderr, " %d", want[i]);
        fputc('\n', stderr);
        failures++;
    }
}
#define EXPECT(t, text, ...) expect_ids(t, text, (const int[]){__VA_ARGS__, END}, __LINE__)

static void check_cases(const wp_tokenizer *t) {
    EXPECT(t, "UNaffable", 6, 7, 8);                                       /* un ##aff ##able */
    EXPECT(t, "Hello, World!", 13, 10, 14, 12);                            /* punctuation split off */
    EXPECT(t, "hello,world.", 13, 10, 14, 11);                             /* without spaces too */
    EXPECT(t, "Caf\xc3\xa9 Na\xc3\xafve r\xc3\xa9sum\xc3\xa9", 9, 16, 17); /* Café Naïve résumé */
    EXPECT(t, "Cafe\xcc\x81", 9);                                          /* e + combining acute */
    EXPECT(t, "worlds", 14, 15);                                           /* world ##s */
    EXPECT(t, "hellox world", 1, 14);                                      /* ##x unknown: the whole word */
    EXPECT(t, "the\tworld\x01\n", 5, 14);                                  /* tab/newline space, control gone */
    EXPECT(t, "hel\x01lo hel\xe2\x80\x8blo", 13, 13);                      /* controls, zero-width space (Cf) */
    EXPECT(t, "hello\xc2\xa0world\xe3\x80\x80the", 13, 14, 5);             /* NBSP, ideographic space */
    EXPECT(t, "hello\xe4\xb8\x96\xe7\x95\x8c", 13, 20, 1);  /* hello世界: ideographs split, 界 unknown */
    EXPECT(t, "hello\xe2\x80\x94world", 13, 1, 14);         /* em dash is punctuation, not in vocab */
    EXPECT(t, "\xc2\xbfhello?", 30, 13, 1);                 /* ¿ (Po) split and known; ? unknown */
    EXPECT(t, "\xce\x9f\xce\x94\xce\x9f\xce\xa3", 21);      /* ΟΔΟΣ -> οδος, final sigma */
    EXPECT(t, "\xce\x9f\xce\x94\xce\x9f\xce\xa3.", 21, 11); /* a period is case-ignorable */
    EXPECT(t, "\xce\xa3\xce\x91", 22);                      /* ΣΑ -> σα, not final */
    EXPECT(t, "\xce\x86", 23);                              /* Ά -> α */
    EXPECT(t, "\xd0\x81\xd0\xb6", 24);                      /* Ёж -> еж */
    EXPECT(t, "\xc4\xb0", 25);                              /* İ -> i + U+0307 -> i */
    EXPECT(t, "\xed\x95\x9c", 26, 27, 28);                  /* 한 -> jamo ᄒ ##ᅡ ##ᆫ */
    EXPECT(t, "hello\xff world\xc3", 13, 14);               /* invalid UTF-8 bytes dropped */
    EXPECT(t, "dup", 32);
    EXPECT(t, "[SEP]", 1, 1, 1); /* [ sep ] : no control tokens from text */
    int32_t none[4];
    size_t count = 9;
    REQUIRE(wp_tokenize(t, "\xcc\x81 \x01", 4, none, 4, &count, NULL, 0) == ML_OK);
    CHECKF(count == 0, "a lone combining mark and a control gave %zu pieces", count); /* fold to nothing */
}

static void check_long_words(const wp_tokenizer *t) {
    char w[128];
    w[0] = 'a';
    memset(w + 1, 'b', 99);
    w[100] = '\0'; /* 100 characters: a + 99 x ##b */
    int32_t ids[128];
    size_t count = 0;
    REQUIRE(wp_tokenize(t, w, 100, ids, 128, &count, NULL, 0) == ML_OK);
    CHECKF(count == 100 && ids[0] == 18 && ids[1] == 19 && ids[99] == 19, "100-char word: %zu pieces", count);
    w[100] = 'b';
    w[101] = '\0'; /* 101 characters: [UNK] */
    REQUIRE(wp_tokenize(t, w, 101, ids, 128, &count, NULL, 0) == ML_OK);
    CHECKF(count == 1 && ids[0] == 1, "101-char word: %zu pieces, first %d", count, ids[0]);
    /* count beyond cap: only cap written */
    ids[2] = -7;
    REQUIRE(wp_tokenize(t, w, 100, ids, 2, &count, NULL, 0) == ML_OK);
    CHECKF(count == 100 && ids[2] == -7, "cap 2: count %zu, ids[2] %d", count, ids[2]);
}

static void check_encode(const wp_tokenizer *t) {
    const char *text = "hello world hello world";
    int32_t ids[8], mask[8];
    size_t pieces = 0;
    char err[256];
    REQUIRE(wp_encode(t, text, strlen(text), 4, ids, mask, &pieces, err, sizeof err) == ML_OK);
    const int32_t want4[4] = {2, 13, 14, 3};
    CHECK(memcmp(ids, want4, sizeof want4) == 0);
    CHECK(mask[0] == 1 && mask[3] == 1);
    CHECKF(pieces == 4, "pieces %zu", pieces);
    REQUIRE(wp_encode(t, text, strlen(text), 8, ids, mask, NULL, err, sizeof err) == ML_OK);
    const int32_t want8[8] = {2, 13, 14, 13, 14, 3, 0, 0}, mask8[8] = {1, 1, 1, 1, 1, 1, 0, 0};
    CHECK(memcmp(ids, want8, sizeof want8) == 0);
    CHECK(memcmp(mask, mask8, sizeof mask8) == 0);
    REQUIRE(wp_encode(t, "", 0, 4, ids, mask, &pieces, err, sizeof err) == ML_OK);
    const int32_t want_empty[4] = {2, 3, 0, 0}, mask_empty[4] = {1, 1, 0, 0};
    CHECK(memcmp(ids, want_empty, sizeof want_empty) == 0 && memcmp(mask, mask_empty, sizeof mask_empty) == 0);
    CHECK(pieces == 0);
    REQUIRE(wp_encode(t, text, strlen(text), 2, ids, NULL, &pieces, err, sizeof err) == ML_OK);
    CHECK(ids[0] == 2 && ids[1] == 3);
    CHECK(wp_encode(t, text, strlen(text), 1, ids, mask, NULL, err, sizeof err) == ML_EINVAL);
    CHECKF(strstr(err, "max_len: expected >= 2") != NULL, "message: %s", err);
}

static void check_vocab(void) {
    char err[256];
    wp_tokenizer *t = NULL;
    write_vocab(VOCAB, vocab_lines, 3, NULL); /* no [SEP] */
    CHECK(wp_load(VOCAB, NULL, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "has no [SEP] token") != NULL, "message: %s", err);
    CHECK(t == NULL);
    CHECK(wp_load("no-such-vocab.txt", NULL, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "no-such-vocab.txt: cannot open") != NULL, "message: %s", err);
    write_vocab(VOCAB, vocab_lines, 0, NULL);
    CHECK(wp_load(VOCAB, NULL, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "empty vocabulary") != NULL, "message: %s", err);

    /* CRLF line ends and a last line without one */
    write_vocab(VOCAB, vocab_lines, 5, "crlf\r\nlast");
    REQUIRE(wp_load(VOCAB, NULL, &t, err, sizeof err) == ML_OK);
    CHECK(wp_vocab_size(t) == 7);
    CHECK(wp_token_id(t, "crlf") == 5);
    CHECK(wp_token_id(t, "last") == 6);
    CHECK(wp_token(t, 6) && strcmp(wp_token(t, 6), "last") == 0);
    CHECK(wp_token(t, 7) == NULL && wp_token(t, -1) == NULL);
    wp_free(t);
}

int main(void) {
    check_vocab();
    write_vocab(VOCAB, vocab_lines, N_LINES, NULL);
    wp_tokenizer *t = NULL;
    char err[256];
    REQUIRE(wp_load(VOCAB, NULL, &t, err, sizeof err) == ML_OK);
    CHECK(wp_vocab_size(t) == N_LINES);
    check_cases(t);
    check_long_words(t);
    check_encode(t);
    wp_free(t);

    /* cased: no lower-casing, no accent stripping */
    wp_options cased = {1, 0};
    REQUIRE(wp_load(VOCAB, &cased, &t, err, sizeof err) == ML_OK);
    EXPECT(t, "Hello hello HELLO", 29, 13, 1);
    EXPECT(t, "caf\xc3\xa9", 1);
    wp_free(t);
    remove(VOCAB);
    if (failures) {
        fprintf(stderr, "test_wordpiece: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_wordpiece: all checks passed\n");
    return 0;
}
