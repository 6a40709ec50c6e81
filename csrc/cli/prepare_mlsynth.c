/* prepare_mlsynth.c - `miles prepare mlsynth`: DIR's multi-label text + image layout
 * (data/mlsynth.h) -> the HDF5 cache, the text tokenized with DIR/vocab.txt's WordPiece
 * (text/wordpiece.h); options from one table (cli/opts.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli/prepare_mlsynth.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/prepare_luma.h"
#include "core/util.h"
#include "data/mlsynth.h"
#include "text/wordpiece.h"

/* The data layer's encoder callback over the WordPiece tokenizer. */
static ml_status encode_wordpiece(void *ctx, const char *text, size_t len, int max_len, int32_t *ids, int32_t *mask,
                                  char *err, size_t errlen) {
    return wp_encode(ctx, text, len, max_len, ids, mask, NULL, err, errlen);
}

static int prepare(const cli_command *cmd, const char *from, const char *out, int max_len, int cased, int quiet) {
    static const char *const inputs[] = {"labels.txt", "vocab.txt",   "train.tsv", "val.tsv",
                                         "test.tsv",   "train_b.npy", "val_b.npy", "test_b.npy"};
    if (prepare_out_is_input(out, from, inputs, 8, NULL, 0))
        return cli_fail(cmd, "--out %s is one of the input files in %s: the cache would replace it", out, from);
    char vocab[ML_PATH_MAX], err[2048], recipe[ML_PATH_MAX + 128];
    if (path_join(vocab, sizeof vocab, from, "vocab.txt")) return cli_fail(cmd, "--from: path too long");
    wp_options wo = {.cased = cased};
    wp_tokenizer *tok = NULL;
    ml_status st = wp_load(vocab, &wo, &tok, err, sizeof err);
    if (st == ML_OK) {
        snprintf(recipe, sizeof recipe, "mlsynth: WordPiece %s (%zu pieces, %s), max length %d", vocab,
                 wp_vocab_size(tok), cased ? "cased" : "uncased", max_len);
        mlsynth_options o = {
            .max_len = max_len, .encode = encode_wordpiece, .encode_ctx = tok, .recipe = recipe, .verbose = !quiet};
        st = mlsynth_prepare(from, out, &o, err, sizeof err);
    }
    wp_free(tok);
    if (st != ML_OK) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    printf("wrote %s\n", out);
    return EXIT_OK;
}

int cmd_prepare_mlsynth(int argc, char **argv) {
    const char *from = NULL, *out = NULL;
    long long max_len = 32;
    int cased = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_STRING("--from", &from, "DIR",
                   "the layout: DIR/labels.txt, DIR/vocab.txt, DIR/{train,val,test}.tsv,\n"
                   "DIR/{train,val,test}_b.npy (required)"),
        CLI_STRING("--out", &out, "FILE.h5", "the cache to write (required)"),
        CLI_INT("--max-length", &max_len, "L", 2, 4096, "a token count in [2, 4096]",
                "tokens a text, [CLS] and [SEP] included: longer texts are cut, shorter\n"
                "ones padded (default 32)"),
        CLI_FLAG("--cased", &cased, "keep case and accents (a cased vocabulary); default uncased"),
        CLI_FLAG("--quiet", &quiet, "no progress lines"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare mlsynth",
        .synopsis = "--from DIR --out FILE.h5 [options]",
        .description = "Reads a multi-label text + image dataset (labels.txt, vocab.txt, one TSV of\n"
                       "'labels<TAB>text' lines and one .npy of images or vectors per split; the stand-in is\n"
                       "made by datasets/mlsynth/make-standin), tokenizes the text with WordPiece and writes\n"
                       "the cache training reads. datasets/mlsynth/README.md has the details.\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 0,
        .pos_what = "no positional arguments",
        .epilog = "Exit codes: 0 written, 2 invalid options, 3 input missing or bad (file and line named),\n"
                  "4 I/O or memory failure.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    if (!from || !out) return cli_fail(&cmd, "both --from DIR and --out FILE.h5 are required");
    return prepare(&cmd, from, out, (int)max_len, cased, quiet);
}
