/* export.c - `miles export RUN --format safetensors --out FILE`: a run's best-epoch model for
 * PyTorch users (train/export.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "train/export.h"

int cmd_export(int argc, char **argv) {
    const char *format = "safetensors", *out = NULL;
    const cli_opt opts[] = {
        CLI_CHOICE("--format", &format, "FORMAT", "safetensors", "the file format: safetensors (the default)"),
        CLI_STRING("--out", &out, "FILE", "the file to write (required; FILE.tmp, then renamed)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "export",
        .synopsis = "RUN --out FILE [--format safetensors]",
        .description = "Writes the model of run directory RUN at its best epoch (by validation): encoder A's tensors\n"
                       "under torchvision's (ResNet) or Hugging Face's (BERT) names behind \"a.\", encoder B's behind\n"
                       "\"b.\", the fusion layer and heads as fused.*, head_a.*, head_b.*, proj_a.*, proj_b.*. Reads\n"
                       "RUN/config.yaml, RUN/ckpt/ and the shapes and attributes of the dataset cache the config\n"
                       "names (not its samples).\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one run directory",
        .epilog = "Exit codes: 0 written, 2 no run in RUN or invalid options, 3 dataset cache missing or bad,\n"
                  "4 no best checkpoint yet, a damaged one, or a failed write.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    if (!out) return cli_fail(&cmd, "--out FILE is required");
    char err[2048];
    ml_status st = export_run(pos[0], format, out, err, sizeof err);
    if (st != ML_OK) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    printf("wrote %s\n", out);
    return EXIT_OK;
}
