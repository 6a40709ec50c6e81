/* report.c - `miles report RESULTS...`: read the result directories (core/results.h), print the
 * paper's tables (analysis/tables.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/tables.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/results.h"

static const char *const description =
    "Prints the paper's tables from result directories: a sweep directory (sweep.json +\n"
    "trial-NNN/), a run directory (summary.json), or any directory holding them (searched\n"
    "recursively). Each sweep contributes its best completed trial by val_metric_selected (ties:\n"
    "lowest trial number); each cell shows the best such run that belongs to it.\n"
    "  I    unimodal models (method unimodal): test metric per dataset and modality\n"
    "  II   fusion concat: methods x datasets, fused / strong / weak head and Delta = strong - weak\n"
    "  III  the same for fusion sum\n"
    "  IV   MILES tau ablation: one row per tau (units whose tau and mu are fixed, at the most\n"
    "       common mu)\n"
    "  V    MILES mu ablation: one row per mu (likewise, at the most common tau)\n"
    "  VI   MILES with u from training vs validation metrics, with the best epoch\n"
    "Without --table every table that has results is printed. Numbers are percentages with one\n"
    "decimal, the best per column in bold (md **x**, tex \\textbf{x}, csv: the column names in\n"
    "the 'best' column); every cell's run is listed under the table (csv: extra columns).\n";

static const char *const epilog =
    "Exit codes: 2 bad arguments, a RESULTS path missing or holding no runs; 3 a corrupt\n"
    "summary.json.\n";

/* Reads every RESULTS path into s (warnings on stderr). The status of the first failure. */
static ml_status collect(rs_set *s, const char *const *paths, int n, char *err, size_t errlen) {
    for (int i = 0; i < n; i++) {
        ml_status rc = rs_collect(s, paths[i], err, errlen);
        if (rc != ML_OK) return rc;
    }
    rs_finish(s);
    return ML_OK;
}

int cmd_report(int argc, char **argv) {
    const char *table = NULL, *format = "md";
    const cli_opt opts[] = {
        CLI_CHOICE("--table", &table, "ID", "I|II|III|IV|V|VI", "print only this table (I, II, III, IV, V or VI)"),
        CLI_CHOICE("--format", &format, "FMT", "md|tex|csv", "md (default), tex or csv"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "report",
        .synopsis = "RESULTS... [--table I|II|III|IV|V|VI] [--format md|tex|csv]",
        .description = description,
        .opts = opts,
        .min_pos = 1,
        .max_pos = -1,
        .pos_what = "at least one RESULTS directory",
        .epilog = epilog,
    };
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if (!paths) return fprintf(stderr, "miles: out of memory\n"), EXIT_RUNTIME;
    int n_paths, rc = cli_parse(&cmd, argc, argv, paths, &n_paths);
    if (rc != CLI_PARSED) {
        free(paths);
        return rc;
    }
    table_format fmt = !strcmp(format, "tex") ? TABLE_TEX : !strcmp(format, "csv") ? TABLE_CSV : TABLE_MD;
    rs_set s = {.warn = stderr};
    char err[ML_PATH_MAX + 512];
    ml_status st = collect(&s, paths, n_paths, err, sizeof err);
    if (st == ML_OK) st = tables_print(&s, table ? tables_index(table) : -1, fmt, stdout, err, sizeof err);
    if (st != ML_OK) fprintf(stderr, "miles: %s\n", err);
    rs_free(&s);
    free(paths);
    return cli_exit_code(st);
}
