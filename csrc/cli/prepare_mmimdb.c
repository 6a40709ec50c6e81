/* prepare_mmimdb.c - `miles prepare mmimdb`: MM-IMDb's raw archive or GMU's Fuel HDF5 file
 * (data/mmimdb.h) -> the HDF5 cache, the plots tokenized with --vocab's WordPiece
 * (text/wordpiece.h); options from one table (cli/opts.h). Prints the peak resident memory,
 * which must stay bounded whatever the dataset's size. */
#define _POSIX_C_SOURCE 200809L
#include "cli/prepare_mmimdb.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/prepare_luma.h"
#include "core/util.h"
#include "data/mmimdb.h"
#include "text/wordpiece.h"

/* The data layer's encoder callback over the WordPiece tokenizer. */
static ml_status encode_wordpiece(void *ctx, const char *text, size_t len, int max_len, int32_t *ids, int32_t *mask,
                                  char *err, size_t errlen) {
    return wp_encode(ctx, text, len, max_len, ids, mask, NULL, err, errlen);
}

/* Neither the cache nor the report replaces an input: the mmimdb/ tree, or the .hdf5 file. */
static int check_paths(const cli_command *cmd, const char *from, const char *out, const char *report) {
    static const char *const dirs[] = {"mmimdb"};
    struct stat sb;
    if (!from || !out) return cli_fail(cmd, "both --from PATH and --out FILE.h5 are required");
    if (stat(from, &sb) == 0 && S_ISDIR(sb.st_mode)) return prepare_check_dirs(cmd, from, out, report, dirs, 1);
    char dir[ML_PATH_MAX];
    const char *slash = strrchr(from, '/'), *base = slash ? slash + 1 : from;
    if (path_fmt(dir, sizeof dir, "%.*s", slash ? (int)(slash - from) + 1 : 1, slash ? from : "."))
        return cli_fail(cmd, "--from: path too long");
    const char *const files[] = {base, "metadata.npy"};
    if (prepare_out_is_input(out, dir, files, 2, NULL, 0))
        return cli_fail(cmd, "--out %s is an input (%s or its metadata.npy): the cache would replace it", out, from);
    if (report && prepare_out_is_input(report, dir, files, 2, NULL, 0))
        return cli_fail(cmd, "--report %s is an input (%s or its metadata.npy): it would replace it", report, from);
    return CLI_PARSED;
}

/* "HxW" with both sides in [8, 1024]. */
static int parse_size(const char *s, int *h, int *w) {
    long long a, b;
    char left[32];
    const char *x = strchr(s, 'x');
    if (!x || x - s >= (long)sizeof left) return -1;
    snprintf(left, sizeof left, "%.*s", (int)(x - s), s);
    if (parse_int(left, 8, 1024, &a) || parse_int(x + 1, 8, 1024, &b)) return -1;
    *h = (int)a, *w = (int)b;
    return 0;
}

static int run(const cli_command *cmd, const char *vocab, int cased, mmimdb_options *o, const char *from,
               const char *out) {
    char err[4096], tok_desc[ML_PATH_MAX + 128];
    wp_options wo = {.cased = cased};
    wp_tokenizer *tok = NULL;
    ml_status st = wp_load(vocab, &wo, &tok, err, sizeof err);
    if (st == ML_OK) {
        snprintf(tok_desc, sizeof tok_desc, "WordPiece %s (%zu pieces, %s)", vocab, wp_vocab_size(tok),
                 cased ? "cased" : "uncased");
        o->encode = encode_wordpiece;
        o->encode_ctx = tok;
        o->tokenizer = tok_desc;
        st = mmimdb_prepare(from, out, o, err, sizeof err);
    }
    wp_free(tok);
    if (st != ML_OK) {
        if (st == ML_EINVAL) return cli_fail(cmd, "%s", err);
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("wrote %s (peak resident memory %.0f MB)\n", out, ru.ru_maxrss / 1024.0);
    return EXIT_OK;
}

int cmd_prepare_mmimdb(int argc, char **argv) {
    const char *from = NULL, *out = NULL, *vocab = NULL, *size = "256x160", *report = NULL;
    mmimdb_options o;
    mmimdb_options_default(&o);
    long long max_len = o.max_len, genres = o.max_genres;
    int cased = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_STRING("--from", &from, "PATH",
                   "the folder holding mmimdb/ (the raw archive: mmimdb/split.json,\n"
                   "mmimdb/dataset/<id>.json + .jpeg), or GMU's Fuel file\n"
                   "multimodal_imdb.hdf5 (required)"),
        CLI_STRING("--out", &out, "FILE.h5", "the cache to write (required)"),
        CLI_STRING("--vocab", &vocab, "FILE",
                   "the WordPiece vocab.txt the plots are tokenized with: the text encoder's\n"
                   "(required)"),
        CLI_INT("--max-len", &max_len, "L", 2, 4096, "a token count in [2, 4096]",
                "tokens a plot, [CLS] and [SEP] included: longer plots are cut, shorter\n"
                "ones padded (default 512, BERT's)"),
        CLI_STRING("--image-size", &size, "HxW",
                   "the stored posters' size, sides in [8, 1024] (default 256x160, the Fuel\n"
                   "file's); training resizes to dataset.input_size"),
        CLI_INT("--genres", &genres, "N", 1, 1000, "a count in [1, 1000]",
                "raw form: the N most frequent genres become the labels; movies with\n"
                "another genre are left out (default 23, the paper's)"),
        CLI_STRING("--metadata", &o.metadata, "FILE",
                   "Fuel form: GMU's metadata.npy, the vocabulary of /sequences (default: the\n"
                   "one beside the .hdf5 file)"),
        CLI_FLAG("--cased", &cased, "keep case and accents (a cased vocabulary); default uncased"),
        CLI_STRING("--report", &report, "FILE", "write what was left out and why (TSV: what, item, why)"),
        CLI_FLAG("--quiet", &quiet, "no progress lines"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare mmimdb",
        .synopsis = "--from PATH --out FILE.h5 --vocab FILE [options]",
        .description =
            "Reads MM-IMDb in either published form (the raw archive of JSON records and JPEG posters, or\n"
            "GMU's Fuel HDF5 file with metadata.npy, read in blocks of rows) and writes the cache training\n"
            "reads: the plot's WordPiece tokens (ids and mask), the poster as RGB uint8 (the Fuel file's\n"
            "Caffe preprocessing undone), the genres multi-hot, the published split (15,552 / 2,608 / 7,799\n"
            "in GMU's file). Movies without a plot, genres or a readable poster are left out (see --report).\n"
            "Prints the peak resident memory. datasets/mmimdb/README.md has the details.\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 0,
        .pos_what = "no positional arguments",
        .epilog = "Exit codes: 0 written, 2 invalid options, 3 input missing or inconsistent (the split cannot be\n"
                  "formed, an HDF5 dataset missing or of another shape: file and dataset named), 4 I/O or memory\n"
                  "failure.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    if ((rc = check_paths(&cmd, from, out, report)) != CLI_PARSED) return rc;
    if (!vocab) return cli_fail(&cmd, "--vocab FILE is required: the plots are tokenized at prepare time");
    if (parse_size(size, &o.image_h, &o.image_w))
        return cli_fail(&cmd, "--image-size: expected HxW with sides in [8, 1024], found '%s'", size);
    o.max_len = (int)max_len;
    o.max_genres = (int)genres;
    o.report = report;
    o.verbose = !quiet;
    return run(&cmd, vocab, cased, &o, from, out);
}
