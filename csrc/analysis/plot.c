/* plot.c - `miles plot`: the paper's Figures 1 and 2 from run directories, drawn by gnuplot.
 *
 *   fig2 RUN             per epoch: u_A, u_B and delta; the LR of each parameter group; the
 *                        validation metric of the fused and unimodal heads (one panel each)
 *   fig1 JOINT UNI_A UNI_B
 *                        left: the training metric of the fused head and both unimodal heads of
 *                        one multimodal model; right: the validation metric of the two unimodal
 *                        models trained alone (--split train|val puts both panels on one split)
 *
 * A RUN argument is a run directory (epochs.csv), or a sweep or any results directory: then its
 * best completed run by validation metric of the right kind (report.h). The data go to a
 * temporary directory as whitespace-separated columns, gnuplot runs a generated script there
 * (pngcairo and svg terminals), and PREFIX.png and PREFIX.svg are written under temporary names
 * and renamed into place only when both are complete.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "analysis/report.h"
#include "core/runfiles.h"
#include "train/train.h"

static const char *const usage_plot =
    "usage: miles plot fig2 RUN [--out PREFIX]\n"
    "       miles plot fig1 JOINT UNIMODAL_A UNIMODAL_B [--out PREFIX] [--split train|val]\n"
    "\n"
    "Draws the paper's figures as PREFIX.png and PREFIX.svg with gnuplot.\n"
    "  fig2  per epoch: u_A, u_B and delta; the LRs of encoder A, encoder B and the fusion\n"
    "        layer; the validation metric of the fused and both unimodal heads\n"
    "        (default PREFIX: RUN/fig2)\n"
    "  fig1  left: the training metric of the fused and unimodal heads of one multimodal model;\n"
    "        right: the validation metric of the unimodal models trained alone (method unimodal,\n"
    "        modality a and b); --split puts both panels on train or val (default PREFIX: fig1)\n"
    "Each RUN may be a run directory, or a sweep or results directory: then its best completed\n"
    "run by val_metric_selected (a multimodal run for JOINT, unimodal a / b for the others).\n"
    "Exit codes: 2 bad arguments or a directory without a suitable run; 4 gnuplot failed.\n";

enum { C_EPOCH, C_TF, C_TA, C_TB, C_VF, C_VA, C_VB, C_UA, C_UB, C_DELTA, C_LRA, C_LRB, C_LRF, N_COLS };
static const char *const col_names[N_COLS] = {"epoch",           "train_metric_fused", "train_metric_a",
                                              "train_metric_b",  "val_metric_fused",   "val_metric_a",
                                              "val_metric_b",    "u_a",                "u_b",
                                              "delta",           "lr_a",               "lr_b",
                                              "lr_fusion"};

typedef struct {
    char dir[RS_PATH];
    char mod[2][24];            /* modality names (capitalised) */
    char dataset[32], metric[16], method[24], fusion[16];
    double tau;                 /* NaN unless MILES */
    int n;
    double (*v)[N_COLS];        /* n rows; metrics in percent */
    int finite[N_COLS];         /* a column has at least one finite value */
} run_data;

/* snprintf that truncates silently (every buffer here is ample for real paths and names). */
static void sfmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *out, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

static int has_file(const char *dir, const char *name) {
    char p[RS_PATH + 64];
    struct stat sb;
    sfmt(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void set_names(run_data *d, const rs_run *r) {
    const char *m[2] = {r && r->mod_a[0] ? r->mod_a : "A", r && r->mod_b[0] ? r->mod_b : "B"};
    for (int i = 0; i < 2; i++) {
        sfmt(d->mod[i], sizeof d->mod[i], "%s", m[i]);
        if (d->mod[i][0] >= 'a' && d->mod[i][0] <= 'z') d->mod[i][0] = (char)(d->mod[i][0] - 'a' + 'A');
    }
    sfmt(d->dataset, sizeof d->dataset, "%s", r ? r->dataset : "");
    sfmt(d->metric, sizeof d->metric, "%s", r && r->metric[0] ? r->metric : "metric");
    sfmt(d->method, sizeof d->method, "%s", r ? r->method : "");
    sfmt(d->fusion, sizeof d->fusion, "%s", r ? r->fusion : "");
    d->tau = r && !strcmp(r->method, "miles") ? r->tau : NAN;
}

/* kind: 0 any run, 1 multimodal, 2 unimodal a, 3 unimodal b. */
static int kind_ok(const rs_run *r, int kind) {
    if (kind == 0) return 1;
    int uni = !strcmp(r->method, "unimodal");
    return kind == 1 ? !uni : uni && !strcmp(r->head, kind == 2 ? "a" : "b");
}

static const char *const kind_names[] = {"run", "multimodal run", "unimodal run of modality a",
                                         "unimodal run of modality b"};

/* Resolves PATH to one run directory and reads its epochs.csv. Returns an EXIT_* code. */
static int load_run(const char *path, int kind, run_data *d) {
    char err[2 * RS_PATH + 256];
    rs_set s = {0};
    memset(d, 0, sizeof *d);
    if (!is_directory(path)) {
        fprintf(stderr, "miles: %s: no such run directory\n", path);
        return EXIT_USAGE;
    }
    const rs_run *pick = NULL;
    int rc = 0;
    if (has_file(path, "epochs.csv") && !has_file(path, "sweep.json")) {
        sfmt(d->dir, sizeof d->dir, "%s", path);
        if (has_file(path, "summary.json")) { /* names and kind; a run still training has none */
            if ((rc = rs_collect(&s, path, err, sizeof err))) goto fail;
            rs_finish(&s);
            pick = &s.runs[0];
            if (!kind_ok(pick, kind)) {
                sfmt(err, sizeof err, "%s: expected a %s, found method %s (head %s)", path, kind_names[kind],
                         pick->method, pick->head);
                rc = EXIT_USAGE;
                goto fail;
            }
        }
    } else {
        if ((rc = rs_collect(&s, path, err, sizeof err))) goto fail;
        rs_finish(&s);
        for (int u = 0; u < s.n_units; u++) {
            const rs_run *r = s.units[u].best >= 0 ? &s.runs[s.units[u].best] : NULL;
            if (r && kind_ok(r, kind) && rs_better(r, pick)) pick = r;
        }
        if (!pick) {
            sfmt(err, sizeof err, "%s: no completed %s below it", path, kind_names[kind]);
            rc = EXIT_USAGE;
            goto fail;
        }
        sfmt(d->dir, sizeof d->dir, "%s", pick->dir);
    }
    set_names(d, pick);
    rs_free(&s);

    char p[RS_PATH + 16], line[8192];
    sfmt(p, sizeof p, "%s/epochs.csv", d->dir);
    FILE *f = fopen(p, "r");
    if (!f) {
        fprintf(stderr, "miles: %s: cannot read: %s\n", p, strerror(errno));
        return EXIT_USAGE;
    }
    int idx[N_COLS], cap = 0;
    for (int c = 0; c < N_COLS; c++) idx[c] = -1;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        int k = 0;
        for (char *save, *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++)
            for (int c = 0; c < N_COLS; c++)
                if (!strcmp(tok, col_names[c])) idx[c] = k;
    }
    for (int c = 0; c < N_COLS; c++)
        if (idx[c] < 0) {
            fprintf(stderr, "miles: %s: expected a column %s in the header\n", p, col_names[c]);
            fclose(f);
            return EXIT_USAGE;
        }
    while (fgets(line, sizeof line, f)) {
        if (d->n == cap) {
            cap = cap ? 2 * cap : 64;
            void *v = realloc(d->v, sizeof *d->v * (size_t)cap);
            if (!v) {
                fclose(f);
                fprintf(stderr, "miles: out of memory\n");
                return EXIT_RUNTIME;
            }
            d->v = v;
        }
        double *row = d->v[d->n];
        for (int c = 0; c < N_COLS; c++) row[c] = NAN;
        int k = 0;
        for (char *q = line; q && *q && *q != '\n'; k++) {
            for (int c = 0; c < N_COLS; c++)
                if (idx[c] == k) row[c] = strtod(q, NULL);
            q = strchr(q, ',');
            if (q) q++;
        }
        if (!isfinite(row[C_EPOCH])) continue;
        for (int c = C_TF; c <= C_VB; c++) row[c] *= 100;
        for (int c = 0; c < N_COLS; c++) d->finite[c] |= isfinite(row[c]) != 0;
        d->n++;
    }
    fclose(f);
    if (!d->n) {
        fprintf(stderr, "miles: %s: no epoch rows yet\n", p);
        return EXIT_USAGE;
    }
    return 0;
fail:
    fprintf(stderr, "miles: %s\n", err);
    rs_free(&s);
    return rc;
}

static int write_data(const char *path, const run_data *d) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int i = 0; i < d->n; i++) {
        for (int c = 0; c < N_COLS; c++) {
            if (isfinite(d->v[i][c])) fprintf(f, "%s%.10g", c ? " " : "", d->v[i][c]);
            else fprintf(f, "%sNaN", c ? " " : "");
        }
        fputc('\n', f);
    }
    return fclose(f);
}

/* A gnuplot single-quoted string ('' stands for '). */
static void gq(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        if (*s != '\n') fputc(*s, f);
    }
    fputc('\'', f);
}

typedef struct {
    const char *file;           /* data file */
    int col;                    /* C_* */
    char title[96];
    int ls;                     /* line style (0: the series' position) */
} series;

/* One panel: the series with at least one finite value; an empty panel says so. */
static void panel(FILE *f, const char *title, const char *ylabel, const series *s, int n, const run_data *const *src,
                  const char *extra) {
    fprintf(f, "set title ");
    gq(f, title);
    fprintf(f, "\nset ylabel ");
    gq(f, ylabel);
    fprintf(f, "\n");
    int any = 0;
    for (int i = 0; i < n; i++) any |= src[i]->finite[s[i].col];
    if (!any) {
        fprintf(f, "set label 1 'no data' at graph 0.5, 0.5 center\nset yrange [0:1]\n"
                   "plot 2 notitle\nunset label 1\nset yrange [*:*]\n");
        return;
    }
    fprintf(f, "plot ");
    for (int i = 0, k = 0; i < n; i++) {
        if (!src[i]->finite[s[i].col]) continue;
        fprintf(f, "%s'%s' using 1:%d with linespoints ls %d title ", k++ ? ", \\\n     " : "", s[i].file,
                s[i].col + 1, s[i].ls ? s[i].ls : i + 1);
        gq(f, s[i].title);
    }
    if (extra) fprintf(f, ", \\\n     %s", extra);
    fprintf(f, "\n");
}

static void script_head(FILE *f, const char *term, const char *out, int w, int h) {
    fprintf(f, "set terminal %s size %d,%d noenhanced font 'sans,%d'%s\nset output ", term, w, h,
            strcmp(term, "svg") ? 11 : 13, strcmp(term, "svg") ? "" : " background rgb 'white'");
    gq(f, out);
    fprintf(f, "\nset grid\nset key below center vertical maxrows 4 width 1\nset bmargin 8\nset xlabel 'epoch'\nset yrange [*:*]\n"
               "set style line 1 lc rgb '#1f77b4' lw 2 pt 7 ps 0.6\n"
               "set style line 2 lc rgb '#d62728' lw 2 pt 5 ps 0.6\n"
               "set style line 3 lc rgb '#2ca02c' lw 2 pt 9 ps 0.6\n"
               "set style line 4 lc rgb '#9467bd' lw 2 pt 11 ps 0.6 dt 2\n");
}

static const char *metric_word(const run_data *d) { return !strncmp(d->metric, "f1", 2) ? "F1" : "accuracy"; }

static void fig2_body(FILE *f, const run_data *d) {
    char t[3][96], tl[160];
    const run_data *src[3] = {d, d, d};
    fprintf(f, "set multiplot layout 1,3 title ");
    sfmt(tl, sizeof tl, "Learning dynamics of %s (%s%s%s)", d->dir, d->method, d->dataset[0] ? ", " : "",
             d->dataset);
    gq(f, tl);
    fprintf(f, "\n");
    series u[3] = {{"run.dat", C_UA, "", 0}, {"run.dat", C_UB, "", 0}, {"run.dat", C_DELTA, "delta = |u_A - u_B|", 0}};
    sfmt(u[0].title, sizeof u[0].title, "u_A (%s)", d->mod[0]);
    sfmt(u[1].title, sizeof u[1].title, "u_B (%s)", d->mod[1]);
    char tau[64] = "";
    if (isfinite(d->tau)) sfmt(tau, sizeof tau, "%g with lines ls 4 title 'tau = %g'", d->tau, d->tau);
    panel(f, "Conditional utilization rates", "u, delta", u, 3, src, tau[0] ? tau : NULL);
    series lr[3] = {{"run.dat", C_LRA, "", 0}, {"run.dat", C_LRB, "", 0}, {"run.dat", C_LRF, "lr fusion", 0}};
    sfmt(lr[0].title, sizeof lr[0].title, "lr A (%s)", d->mod[0]);
    sfmt(lr[1].title, sizeof lr[1].title, "lr B (%s)", d->mod[1]);
    fprintf(f, "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n");
    panel(f, "Learning rates", "learning rate", lr, 3, src, NULL);
    fprintf(f, "set yrange [*:*]\nset offsets 0, 0, 0, 0\n");
    series v[3] = {{"run.dat", C_VF, "", 0}, {"run.dat", C_VA, "", 0}, {"run.dat", C_VB, "", 0}};
    sfmt(v[0].title, sizeof v[0].title, "fused (%s+%s)", d->mod[0], d->mod[1]);
    sfmt(v[1].title, sizeof v[1].title, "%s head", d->mod[0]);
    sfmt(v[2].title, sizeof v[2].title, "%s head", d->mod[1]);
    sfmt(t[0], sizeof t[0], "Validation %s", metric_word(d));
    sfmt(t[1], sizeof t[1], "validation %s (%%)", metric_word(d));
    panel(f, t[0], t[1], v, 3, src, NULL);
    fprintf(f, "unset multiplot\n");
}

/* The lowest and highest finite value of the plotted metric columns, padded to multiples of 5. */
static void yrange(const run_data *const *d, const int *col, int n, double *lo, double *hi) {
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < d[k]->n; i++)
            if (isfinite(d[k]->v[i][col[k]])) *lo = fmin(*lo, d[k]->v[i][col[k]]), *hi = fmax(*hi, d[k]->v[i][col[k]]);
    if (!isfinite(*lo)) *lo = 0, *hi = 100;
    *lo = fmax(0, 5 * floor(*lo / 5 - 0.2));
    *hi = fmin(100, 5 * ceil(*hi / 5 + 0.2));
    if (*hi <= *lo) *hi = *lo + 5;
}

static void fig1_body(FILE *f, const run_data *const *d, int split) {
    char tl[256], t1[160], t2[160], yl[96];
    const char *sp = split == 1 ? "validation" : "training", *sp2 = split == 0 ? "training" : "validation";
    int base = split == 1 ? C_VF : C_TF, base2 = split == 0 ? C_TF : C_VF;
    const run_data *src[3] = {d[0], d[0], d[0]}, *src2[2] = {d[1], d[2]};
    int cols[5] = {base, base + 1, base + 2, base2 + 1, base2 + 2};
    const run_data *all[5] = {d[0], d[0], d[0], d[1], d[2]};
    double lo, hi;
    yrange(all, cols, 5, &lo, &hi);
    sfmt(tl, sizeof tl, "Multimodal vs unimodal learning%s%s", d[0]->dataset[0] ? " on " : "", d[0]->dataset);
    fprintf(f, "set multiplot layout 1,2 title ");
    gq(f, tl);
    fprintf(f, "\nset yrange [%g:%g]\n", lo, hi);
    series s[3] = {{"joint.dat", base, "", 0}, {"joint.dat", base + 1, "", 0}, {"joint.dat", base + 2, "", 0}};
    sfmt(s[0].title, sizeof s[0].title, "fused (%s+%s)", d[0]->mod[0], d[0]->mod[1]);
    sfmt(s[1].title, sizeof s[1].title, "%s head", d[0]->mod[0]);
    sfmt(s[2].title, sizeof s[2].title, "%s head", d[0]->mod[1]);
    sfmt(t1, sizeof t1, "One multimodal model (%s, %s): %s", d[0]->method, d[0]->fusion, sp);
    sfmt(yl, sizeof yl, "%s %s (%%)", sp, metric_word(d[0]));
    panel(f, t1, yl, s, 3, src, NULL);
    fprintf(f, "set yrange [%g:%g]\n", lo, hi);
    series u[2] = {{"uni-a.dat", base2 + 1, "", 2}, {"uni-b.dat", base2 + 2, "", 3}};
    sfmt(u[0].title, sizeof u[0].title, "%s model", d[1]->mod[0]);
    sfmt(u[1].title, sizeof u[1].title, "%s model", d[2]->mod[1]);
    sfmt(t2, sizeof t2, "Unimodal models trained alone: %s", sp2);
    sfmt(yl, sizeof yl, "%s %s (%%)", sp2, metric_word(d[0]));
    panel(f, t2, yl, u, 2, src2, NULL);
    fprintf(f, "unset multiplot\n");
}

static void rm_tree(const char *dir) {
    DIR *dd = opendir(dir);
    struct dirent *e;
    char p[RS_PATH + 300];
    while (dd && (e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        sfmt(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (dd) closedir(dd);
    rmdir(dir);
}

static int run_gnuplot(const char *tmp) {
    char log[RS_PATH];
    sfmt(log, sizeof log, "%s/gnuplot.log", tmp);
    pid_t pid = fork();
    if (pid < 0) return fprintf(stderr, "miles: fork: %s\n", strerror(errno)), EXIT_RUNTIME;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        if (chdir(tmp) == 0) execlp("gnuplot", "gnuplot", "plot.gp", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        fprintf(stderr, "miles: cannot run gnuplot (install gnuplot-nox; tools/setup does)\n");
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "miles: gnuplot failed:\n");
    FILE *f = fopen(log, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) fputs(line, stderr);
    if (f) fclose(f);
    return EXIT_RUNTIME;
}

/* Writes the data files and the script into a temporary directory, runs gnuplot, renames
 * PREFIX.png.tmp / PREFIX.svg.tmp into place. */
static int draw(int fig, run_data *d, int split, const char *prefix) {
    char tmp[RS_PATH], path[RS_PATH + 64], out[2][RS_PATH + 16], fin[2][RS_PATH + 16], cwd[RS_PATH], err[RS_PATH + 128];
    const char *ext[2] = {"png", "svg"};
    int rc = EXIT_RUNTIME;
    const char *slash = strrchr(prefix, '/');
    if (slash && slash != prefix) {
        char parent[RS_PATH];
        sfmt(parent, sizeof parent, "%.*s", (int)(slash - prefix), prefix);
        if (ensure_dir(parent, err, sizeof err)) return fprintf(stderr, "miles: %s\n", err), EXIT_RUNTIME;
    }
    if (!getcwd(cwd, sizeof cwd)) return fprintf(stderr, "miles: getcwd: %s\n", strerror(errno)), EXIT_RUNTIME;
    for (int i = 0; i < 2; i++) {
        sfmt(fin[i], sizeof fin[i], "%s%s%s.%s", prefix[0] == '/' ? "" : cwd, prefix[0] == '/' ? "" : "/", prefix,
                 ext[i]);
        sfmt(out[i], sizeof out[i], "%s.tmp", fin[i]);
    }
    const char *td = getenv("TMPDIR");
    sfmt(tmp, sizeof tmp, "%s/miles-plot-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(tmp)) return fprintf(stderr, "miles: %s: cannot create: %s\n", tmp, strerror(errno)), EXIT_RUNTIME;
    static const char *const names[3] = {"joint.dat", "uni-a.dat", "uni-b.dat"};
    int bad = 0;
    for (int k = 0; k < (fig == 1 ? 3 : 1); k++) {
        sfmt(path, sizeof path, "%s/%s", tmp, fig == 1 ? names[k] : "run.dat");
        bad |= write_data(path, &d[k]) != 0;
    }
    sfmt(path, sizeof path, "%s/plot.gp", tmp);
    FILE *f = bad ? NULL : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "miles: %s: cannot write the plot files\n", tmp);
        goto out;
    }
    const run_data *dd[3] = {&d[0], &d[1], &d[2]};
    for (int i = 0; i < 2; i++) {
        script_head(f, i ? "svg" : "pngcairo", out[i], fig == 2 ? 1500 : 1100, 500);
        int most = 0;
        for (int k = 0; k < (fig == 1 ? 3 : 1); k++) most = d[k].n > most ? d[k].n : most;
        if (most <= 15) fprintf(f, "set xtics 1\n");
        if (fig == 2) fig2_body(f, &d[0]);
        else fig1_body(f, dd, split);
        fprintf(f, "set output\n");
    }
    if (fclose(f) != 0 || (rc = run_gnuplot(tmp))) {
        if (!rc) rc = EXIT_RUNTIME;
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        struct stat sb;
        if (stat(out[i], &sb) != 0 || sb.st_size == 0) {
            fprintf(stderr, "miles: gnuplot wrote no %s\n", out[i]);
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    for (int i = 0; i < 2; i++)
        if (rename(out[i], fin[i]) != 0) {
            fprintf(stderr, "miles: %s: cannot rename into place: %s\n", fin[i], strerror(errno));
            rc = EXIT_RUNTIME;
            goto out;
        }
    printf("%s\n%s\n", fin[0], fin[1]);
    rc = 0;
out:
    for (int i = 0; i < 2; i++) unlink(out[i]);
    rm_tree(tmp);
    return rc;
}

int cmd_plot(int argc, char **argv) {
    const char *args[4], *prefix = NULL, *split = NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_plot, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--split")) {
            if (i + 1 >= argc) return cli_usage_error(usage_plot, "%s needs a value", a);
            if (!strcmp(a, "--out")) prefix = argv[++i];
            else split = argv[++i];
        } else if (!strncmp(a, "--out=", 6)) {
            prefix = a + 6;
        } else if (!strncmp(a, "--split=", 8)) {
            split = a + 8;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(usage_plot, "unknown option %s", a);
        } else if (n < 4) {
            args[n++] = a;
        } else {
            return cli_usage_error(usage_plot, "too many arguments: %s", a);
        }
    }
    if (!n) return cli_usage_error(usage_plot, "expected fig1 or fig2");
    int fig = !strcmp(args[0], "fig1") ? 1 : !strcmp(args[0], "fig2") ? 2 : 0;
    if (!fig) return cli_usage_error(usage_plot, "expected fig1 or fig2, found '%s'", args[0]);
    if (n != (fig == 1 ? 4 : 2))
        return cli_usage_error(usage_plot, fig == 1 ? "fig1 expects JOINT UNIMODAL_A UNIMODAL_B" : "fig2 expects one RUN");
    int sp = -1;
    if (split && (fig == 2 || (strcmp(split, "train") && strcmp(split, "val"))))
        return cli_usage_error(usage_plot, "--split: expected train or val (fig1 only), found '%s'", split);
    if (split) sp = !strcmp(split, "val");
    if (prefix && !*prefix) return cli_usage_error(usage_plot, "--out needs a non-empty PREFIX");
    run_data d[3];
    memset(d, 0, sizeof d);
    int rc = 0, k = 0;
    for (; k < n - 1 && !rc; k++) rc = load_run(args[1 + k], fig == 2 ? 0 : k + 1, &d[k]);
    if (!rc) {
        char def[RS_PATH + 8];
        sfmt(def, sizeof def, "%s/fig2", d[0].dir);
        rc = draw(fig, d, sp, prefix ? prefix : fig == 2 ? def : "fig1");
    }
    for (int i = 0; i < 3; i++) free(d[i].v);
    return rc;
}
