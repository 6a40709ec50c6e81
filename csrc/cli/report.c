/* report.c - `miles report RESULTS...`: read the result directories (core/results.h), print the
 * paper's tables (analysis/tables.h), or every trial and the spread per sweep
 * (analysis/trials.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/f1avg.h"
#include "analysis/tables.h"
#include "analysis/trials.h"
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
    "the 'best' column); every cell's run is listed under the table (csv: extra columns).\n"
    "--trials lists every trial of the sweeps instead (CSV: drawn values, status, best epoch,\n"
    "validation and test metrics in percent, MILES's epochs with a lowered LR); --spread prints\n"
    "one Markdown row per sweep: the selected trial's test metric, the median and the highest.\n"
    "Multi-label datasets (MM-IMDb) are scored by F1 at threshold 0.5: the tables show the micro\n"
    "average (--f1 selects macro, weighted or samples; runs are still selected on their validation\n"
    "task metric; the paired intervals compare that average), and a RESULTS of one run or sweep is\n"
    "followed by its selected run's four averages per head (unless --table is given).\n";

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

/* What the table cannot say: --trials and --spread replace the tables and have one format. */
static int check_modes(const cli_command *cmd, int trials, int spread, const char *table, const char *format,
                       const char *f1) {
    if ((trials || spread) && f1)
        return cli_fail(cmd, "--f1: applies to the tables, not to %s", trials ? "--trials" : "--spread");
    if (trials && spread) return cli_fail(cmd, "--trials and --spread exclude each other");
    if ((trials || spread) && table) return cli_fail(cmd, "--table: not with %s", trials ? "--trials" : "--spread");
    if (trials && format && strcmp(format, "csv"))
        return cli_fail(cmd, "--format: --trials writes csv, found '%s'", format);
    if (spread && format && strcmp(format, "md"))
        return cli_fail(cmd, "--format: --spread writes md, found '%s'", format);
    return CLI_PARSED;
}

static ml_status print(const rs_set *s, int trials, int spread, const char *table, const char *format, char *err,
                       size_t errlen) {
    if (trials) return trials_print_csv(s, stdout, err, errlen);
    if (spread) return trials_print_spread(s, stdout, err, errlen);
    table_format fmt = !format || !strcmp(format, "md") ? TABLE_MD : !strcmp(format, "tex") ? TABLE_TEX : TABLE_CSV;
    ml_status rc = tables_print(s, table ? tables_index(table) : -1, fmt, stdout, err, errlen);
    if (rc == ML_OK && !table) f1avg_print(s, fmt, stdout);
    return rc;
}

int cmd_report(int argc, char **argv) {
    const char *table = NULL, *format = NULL, *f1 = NULL;
    int trials = 0, spread = 0;
    const cli_opt opts[] = {
        CLI_CHOICE("--table", &table, "ID", "I|II|III|IV|V|VI", "print only this table (I, II, III, IV, V or VI)"),
        CLI_CHOICE("--format", &format, "FMT", "md|tex|csv", "md (default), tex or csv"),
        CLI_CHOICE("--f1", &f1, "micro|macro|weighted|samples", "micro|macro|weighted|samples",
                   "the F1 average the tables show for multi-label runs (default micro)"),
        CLI_FLAG("--trials", &trials, "every trial of the sweeps, as CSV, instead of the tables"),
        CLI_FLAG("--spread", &spread, "per sweep: selected, median and highest test metric (Markdown)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "report",
        .synopsis = "RESULTS... [--table I|II|III|IV|V|VI] [--format md|tex|csv]\n"
                    "       [--f1 micro|macro|weighted|samples]\n"
                    "       miles report RESULTS... --trials | --spread",
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
    if (rc == CLI_PARSED) rc = check_modes(&cmd, trials, spread, table, format, f1);
    if (rc != CLI_PARSED) {
        free(paths);
        return rc;
    }
    /* A trial listing needs no MILES tau or mu, so an unreadable config.yaml is no news there. */
    rs_set s = {.warn = trials || spread ? NULL : stderr,
                .with_unfinished = trials || spread,
                .f1 = f1 ? summary_f1_find(f1) : F1_MICRO};
    char err[ML_PATH_MAX + 512];
    ml_status st = collect(&s, paths, n_paths, err, sizeof err);
    if (st == ML_OK) st = print(&s, trials, spread, table, format, err, sizeof err);
    if (st != ML_OK) fprintf(stderr, "miles: %s\n", err);
    rs_free(&s);
    free(paths);
    return cli_exit_code(st);
}
