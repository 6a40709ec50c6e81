/* plot.c - `miles plot fig1|fig2 RUN...`: the paper's figures (analysis/plot.h); prints the
 * paths of the PNG and SVG it wrote. */
#include <stdio.h>
#include <string.h>

#include "analysis/plot.h"
#include "cli/cli.h"
#include "cli/opts.h"

static const char *const description =
    "Draws the paper's figures as PREFIX.png and PREFIX.svg with gnuplot.\n"
    "  fig2  per epoch: u_A, u_B and delta; the LRs of encoder A, encoder B and the fusion\n"
    "        layer; the validation metric of the fused and both unimodal heads\n"
    "        (default PREFIX: RUN/fig2)\n"
    "  fig1  left: the training metric of the fused and unimodal heads of one multimodal model;\n"
    "        right: the validation metric of the unimodal models trained alone (method unimodal,\n"
    "        modality a and b); --split puts both panels on train or val (default PREFIX: fig1)\n"
    "Each RUN may be a run directory, or a sweep or results directory: then its best completed\n"
    "run by val_metric_selected (a multimodal run for JOINT, unimodal a / b for the others).\n";

/* The checks the option table cannot express: the figure, its number of runs, --split, --out. */
static int check_args(const cli_command *cmd, const char *const *pos, int n, const char *split, const char *prefix,
                      int *fig) {
    *fig = !strcmp(pos[0], "fig1") ? 1 : !strcmp(pos[0], "fig2") ? 2 : 0;
    if (!*fig) return cli_fail(cmd, "expected fig1 or fig2, found '%s'", pos[0]);
    if (n != (*fig == 1 ? 4 : 2))
        return cli_fail(cmd, *fig == 1 ? "fig1 expects JOINT UNIMODAL_A UNIMODAL_B" : "fig2 expects one RUN");
    if (split && *fig == 2) return cli_fail(cmd, "--split: applies to fig1 only");
    if (prefix && !*prefix) return cli_fail(cmd, "--out needs a non-empty PREFIX");
    return CLI_PARSED;
}

int cmd_plot(int argc, char **argv) {
    const char *prefix = NULL, *split = NULL;
    const cli_opt opts[] = {
        CLI_STRING("--out", &prefix, "PREFIX", "write PREFIX.png and PREFIX.svg"),
        CLI_CHOICE("--split", &split, "SPLIT", "train|val", "fig1: both panels on the train or val split"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "plot",
        .synopsis = "fig2 RUN [--out PREFIX]\n"
                    "       miles plot fig1 JOINT UNIMODAL_A UNIMODAL_B [--out PREFIX] [--split train|val]",
        .description = description,
        .opts = opts,
        .min_pos = 1,
        .max_pos = 4,
        .pos_what = "fig1 or fig2",
        .epilog = "Exit codes: 2 bad arguments or a directory without a suitable run; 4 gnuplot failed.\n",
    };
    const char *pos[4];
    int n, fig, rc = cli_parse(&cmd, argc, argv, pos, &n);
    if (rc == CLI_PARSED) rc = check_args(&cmd, pos, n, split, prefix, &fig);
    if (rc != CLI_PARSED) return rc;
    plot_request rq = {.fig = fig, .split = split ? !strcmp(split, "val") : -1, .prefix = prefix, .warn = stderr};
    for (int k = 1; k < n; k++) rq.runs[k - 1] = pos[k];
    plot_files out;
    char err[8192];
    ml_status st = plot_draw(&rq, &out, err, sizeof err);
    if (st == ML_OK) printf("%s\n%s\n", out.png, out.svg);
    else fprintf(stderr, "miles: %s\n", err);
    return cli_exit_code(st);
}
