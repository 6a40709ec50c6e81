/* plot.c - `miles plot`'s figures (plot.h): the runs chosen, their epochs.csv columns read by
 * name, a gnuplot script and whitespace-separated data files written to a temporary directory,
 * gnuplot run there (pngcairo and svg terminals), and PREFIX.png and PREFIX.svg written under
 * temporary names and renamed into place only when both are complete.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis/plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/columns.h"
#include "core/results.h"
#include "core/runfiles.h"

/* The epochs.csv columns a figure may draw, and the order of the data files' columns. */
enum { C_EPOCH, C_TF, C_TA, C_TB, C_VF, C_VA, C_VB, C_UA, C_UB, C_DELTA, C_LRA, C_LRB, C_LRF, N_COLS };
static const epoch_column col_ids[N_COLS] = {COL_EPOCH,
                                             COL_TRAIN_METRIC_FUSED,
                                             COL_TRAIN_METRIC_A,
                                             COL_TRAIN_METRIC_B,
                                             COL_VAL_METRIC_FUSED,
                                             COL_VAL_METRIC_A,
                                             COL_VAL_METRIC_B,
                                             COL_U_A,
                                             COL_U_B,
                                             COL_DELTA,
                                             COL_LR_A,
                                             COL_LR_B,
                                             COL_LR_FUSION};

typedef struct {
    char dir[ML_PATH_MAX];
    char mod[2][24]; /* modality names (capitalised) */
    char dataset[32], metric[16], method[24], fusion[16];
    double tau; /* NaN unless MILES */
    int n;
    double (*v)[N_COLS]; /* n rows; metrics in percent */
    int finite[N_COLS];  /* a column has at least one finite value */
} run_data;

static void set_names(run_data *d, const rs_run *r) {
    const run_summary *s = r ? &r->sum : NULL;
    const char *m[2] = {s && s->modality_a[0] ? s->modality_a : "A", s && s->modality_b[0] ? s->modality_b : "B"};
    for (int i = 0; i < 2; i++) text_capitalized(d->mod[i], sizeof d->mod[i], m[i]);
    /* the paper's name of the dataset in the titles (CREMA-D, not cremad) where the catalog has it */
    int ds = s ? catalog_dataset_find(s->dataset) : -1;
    text_fmt(d->dataset, sizeof d->dataset, "%s", ds >= 0 ? catalog_dataset_label(ds) : s ? s->dataset : "");
    text_fmt(d->metric, sizeof d->metric, "%s", s && s->metric[0] ? s->metric : "metric");
    text_fmt(d->method, sizeof d->method, "%s", s ? s->method : "");
    text_fmt(d->fusion, sizeof d->fusion, "%s", s ? s->fusion : "");
    d->tau = s && !strcmp(s->method, "miles") ? r->tau : NAN;
}

/* kind: 0 any run, 1 multimodal, 2 unimodal a, 3 unimodal b. */
static int kind_ok(const rs_run *r, const void *arg) {
    int kind = *(const int *)arg;
    if (kind == 0) return 1;
    int uni = !strcmp(r->sum.method, "unimodal");
    return kind == 1 ? !uni : uni && !strcmp(r->sum.selection_head, kind == 2 ? "a" : "b");
}

static const char *const kind_names[] = {"run", "multimodal run", "unimodal run of modality a",
                                         "unimodal run of modality b"};

/* PATH as a run directory: itself (its summary.json, when it has one yet, must be of the kind),
 * or the best completed run of the kind below it. Fills d's directory and names. */
static ml_status resolve_run(const char *path, int kind, run_data *d, FILE *warn, char *err, size_t errlen) {
    rs_set s = {.warn = warn};
    const rs_run *pick = NULL;
    ml_status rc = ML_OK;
    if (!is_directory(path)) return snprintf(err, errlen, "%s: no such run directory", path), ML_EINVAL;
    if (strlen(path) >= sizeof d->dir) return snprintf(err, errlen, "%.300s...: path too long", path), ML_EINVAL;
    if (path_is_file(path, "epochs.csv") && !path_is_file(path, "sweep.json")) {
        snprintf(d->dir, sizeof d->dir, "%s", path);
        if (path_is_file(path, "summary.json")) { /* names and kind; a run still training has none */
            rc = rs_collect(&s, path, err, errlen);
            pick = rc == ML_OK ? &s.runs[0] : NULL;
            if (pick && !kind_ok(pick, &kind)) {
                snprintf(err, errlen, "%s: expected a %s, found method %s (head %s)", path, kind_names[kind],
                         pick->sum.method, pick->sum.selection_head);
                rc = ML_EINVAL;
            }
        }
    } else if ((rc = rs_collect(&s, path, err, errlen)) == ML_OK) {
        rs_finish(&s);
        pick = rs_best(&s, 1, kind_ok, &kind);
        if (!pick) {
            snprintf(err, errlen, "%s: no completed %s below it", path, kind_names[kind]);
            rc = ML_EINVAL;
        } else {
            snprintf(d->dir, sizeof d->dir, "%s", pick->dir);
        }
    }
    if (rc == ML_OK) set_names(d, pick);
    rs_free(&s);
    return rc;
}

/* d's epochs.csv: the rows with an epoch number, metrics in percent. A file that cannot be read
 * or lacks a column means the directory holds no run to draw (ML_EINVAL). */
static ml_status read_epochs(run_data *d, char *err, size_t errlen) {
    const char *names[N_COLS];
    for (int c = 0; c < N_COLS; c++) names[c] = epochs_column_name(col_ids[c]);
    epochs_table t;
    ml_status rc = epochs_read(d->dir, names, N_COLS, &t, err, errlen);
    if (rc != ML_OK) return rc == ML_ERUNTIME ? rc : ML_EINVAL;
    d->v = t.n_rows ? malloc(sizeof *d->v * (size_t)t.n_rows) : NULL;
    if (t.n_rows && !d->v) {
        epochs_table_free(&t);
        return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
    }
    for (int i = 0; i < t.n_rows; i++) {
        double *row = d->v[d->n];
        memcpy(row, t.v + (size_t)i * N_COLS, sizeof *d->v);
        if (!isfinite(row[C_EPOCH])) continue;
        for (int c = C_TF; c <= C_VB; c++) row[c] *= 100;
        for (int c = 0; c < N_COLS; c++) d->finite[c] |= isfinite(row[c]) != 0;
        d->n++;
    }
    epochs_table_free(&t);
    if (!d->n) return snprintf(err, errlen, "%s/epochs.csv: no epoch rows yet", d->dir), ML_EINVAL;
    return ML_OK;
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
    const char *file; /* data file */
    int col;          /* C_* */
    char title[96];
    int ls; /* line style (0: the series' position) */
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
        fprintf(f, "%s'%s' using 1:%d with linespoints ls %d title ", k++ ? ", \\\n     " : "", s[i].file, s[i].col + 1,
                s[i].ls ? s[i].ls : i + 1);
        gq(f, s[i].title);
    }
    if (extra) fprintf(f, ", \\\n     %s", extra);
    fprintf(f, "\n");
}

static void script_head(FILE *f, const char *term, const char *out, int w, int h) {
    fprintf(f, "set terminal %s size %d,%d noenhanced font 'sans,%d'%s\nset output ", term, w, h,
            strcmp(term, "svg") ? 11 : 13, strcmp(term, "svg") ? "" : " background rgb 'white'");
    gq(f, out);
    fprintf(f, "\nset grid\nset key below center vertical maxrows 4 width 1\nset bmargin 8\nset xlabel 'epoch'\nset "
               "yrange [*:*]\n"
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
    text_fmt(tl, sizeof tl, "Learning dynamics of %s (%s%s%s)", d->dir, d->method, d->dataset[0] ? ", " : "",
             d->dataset);
    gq(f, tl);
    fprintf(f, "\n");
    series u[3] = {{"run.dat", C_UA, "", 0}, {"run.dat", C_UB, "", 0}, {"run.dat", C_DELTA, "delta = |u_A - u_B|", 0}};
    text_fmt(u[0].title, sizeof u[0].title, "u_A (%s)", d->mod[0]);
    text_fmt(u[1].title, sizeof u[1].title, "u_B (%s)", d->mod[1]);
    char tau[64] = "";
    if (isfinite(d->tau)) text_fmt(tau, sizeof tau, "%g with lines ls 4 title 'tau = %g'", d->tau, d->tau);
    panel(f, "Conditional utilization rates", "u, delta", u, 3, src, tau[0] ? tau : NULL);
    series lr[3] = {{"run.dat", C_LRA, "", 0}, {"run.dat", C_LRB, "", 0}, {"run.dat", C_LRF, "lr fusion", 0}};
    text_fmt(lr[0].title, sizeof lr[0].title, "lr A (%s)", d->mod[0]);
    text_fmt(lr[1].title, sizeof lr[1].title, "lr B (%s)", d->mod[1]);
    fprintf(f, "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n");
    panel(f, "Learning rates", "learning rate", lr, 3, src, NULL);
    fprintf(f, "set yrange [*:*]\nset offsets 0, 0, 0, 0\n");
    /* the colours of the other panels: A blue, B red, the fused head green like the fusion LR */
    series v[3] = {{"run.dat", C_VF, "", 3}, {"run.dat", C_VA, "", 1}, {"run.dat", C_VB, "", 2}};
    text_fmt(v[0].title, sizeof v[0].title, "fused (%s+%s)", d->mod[0], d->mod[1]);
    text_fmt(v[1].title, sizeof v[1].title, "%s head", d->mod[0]);
    text_fmt(v[2].title, sizeof v[2].title, "%s head", d->mod[1]);
    text_fmt(t[0], sizeof t[0], "Validation %s", metric_word(d));
    text_fmt(t[1], sizeof t[1], "validation %s (%%)", metric_word(d));
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
    text_fmt(tl, sizeof tl, "Multimodal vs unimodal learning%s%s", d[0]->dataset[0] ? " on " : "", d[0]->dataset);
    fprintf(f, "set multiplot layout 1,2 title ");
    gq(f, tl);
    fprintf(f, "\nset yrange [%g:%g]\n", lo, hi);
    /* Figure 2's colours: A blue, B red, fused green, in both panels */
    series s[3] = {{"joint.dat", base, "", 3}, {"joint.dat", base + 1, "", 1}, {"joint.dat", base + 2, "", 2}};
    text_fmt(s[0].title, sizeof s[0].title, "fused (%s+%s)", d[0]->mod[0], d[0]->mod[1]);
    text_fmt(s[1].title, sizeof s[1].title, "%s head", d[0]->mod[0]);
    text_fmt(s[2].title, sizeof s[2].title, "%s head", d[0]->mod[1]);
    text_fmt(t1, sizeof t1, "One multimodal model (%s, %s): %s", d[0]->method, d[0]->fusion, sp);
    text_fmt(yl, sizeof yl, "%s %s (%%)", sp, metric_word(d[0]));
    panel(f, t1, yl, s, 3, src, NULL);
    fprintf(f, "set yrange [%g:%g]\n", lo, hi);
    series u[2] = {{"uni-a.dat", base2 + 1, "", 1}, {"uni-b.dat", base2 + 2, "", 2}};
    text_fmt(u[0].title, sizeof u[0].title, "%s model", d[1]->mod[0]);
    text_fmt(u[1].title, sizeof u[1].title, "%s model", d[2]->mod[1]);
    text_fmt(t2, sizeof t2, "Unimodal models trained alone: %s", sp2);
    text_fmt(yl, sizeof yl, "%s %s (%%)", sp2, metric_word(d[0]));
    panel(f, t2, yl, u, 2, src2, NULL);
    fprintf(f, "unset multiplot\n");
}

static void rm_tree(const char *dir) {
    DIR *dd = opendir(dir);
    struct dirent *e;
    char p[ML_PATH_MAX];
    while (dd && (e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (path_join(p, sizeof p, dir, e->d_name) == 0) unlink(p);
    }
    if (dd) closedir(dd);
    rmdir(dir);
}

/* gnuplot's output (its log file) after MESSAGE in err, as much as fits. */
static void gnuplot_failed(const char *log, const char *message, char *err, size_t errlen) {
    size_t k = (size_t)snprintf(err, errlen, "%s", message);
    FILE *f = fopen(log, "r");
    if (f && k < errlen) {
        size_t n = fread(err + k, 1, errlen - k - 1, f);
        err[k + n] = 0;
        while (n && err[k + n - 1] == '\n') err[k + --n] = 0;
    }
    if (f) fclose(f);
}

static ml_status run_gnuplot(const char *tmp, char *err, size_t errlen) {
    char log[ML_PATH_MAX];
    if (path_join(log, sizeof log, tmp, "gnuplot.log"))
        return snprintf(err, errlen, "%s: path too long", tmp), ML_ERUNTIME;
    pid_t pid = fork();
    if (pid < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), ML_ERUNTIME;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        if (chdir(tmp) == 0) execlp("gnuplot", "gnuplot", "plot.gp", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return ML_OK;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(err, errlen, "cannot run gnuplot (install gnuplot-nox; tools/setup does)");
    else gnuplot_failed(log, "gnuplot failed:\n", err, errlen);
    return ML_ERUNTIME;
}

/* The final files (absolute: gnuplot runs in the temporary directory) and their temporary
 * names; PREFIX's parent directory is created. */
static ml_status figure_paths(const char *prefix, plot_files *fin, char tmpname[2][ML_PATH_MAX], char *err,
                              size_t errlen) {
    char cwd[ML_PATH_MAX], parent[ML_PATH_MAX];
    const char *slash = strrchr(prefix, '/');
    if (slash && slash != prefix) {
        if (path_fmt(parent, sizeof parent, "%.*s", (int)(slash - prefix), prefix))
            return snprintf(err, errlen, "%.300s: path too long", prefix), ML_EINVAL;
        if (ensure_dir(parent, err, errlen)) return ML_ERUNTIME;
    }
    if (!getcwd(cwd, sizeof cwd)) return snprintf(err, errlen, "getcwd: %s", strerror(errno)), ML_ERUNTIME;
    const char *dir = prefix[0] == '/' ? "" : cwd;
    char *final[2] = {fin->png, fin->svg};
    static const char *const ext[2] = {"png", "svg"};
    for (int i = 0; i < 2; i++)
        if (path_fmt(final[i], ML_PATH_MAX, "%s%s%s.%s", dir, *dir ? "/" : "", prefix, ext[i]) ||
            path_fmt(tmpname[i], ML_PATH_MAX, "%s.tmp", final[i]))
            return snprintf(err, errlen, "%.300s: path too long", prefix), ML_EINVAL;
    return ML_OK;
}

/* The data files and plot.gp (drawing both terminals) in the temporary directory. */
static ml_status write_inputs(const char *tmp, int fig, const run_data *d, int split, char out[2][ML_PATH_MAX],
                              char *err, size_t errlen) {
    static const char *const names[3] = {"joint.dat", "uni-a.dat", "uni-b.dat"};
    char path[ML_PATH_MAX];
    int bad = 0, runs = fig == 1 ? 3 : 1;
    for (int k = 0; k < runs; k++)
        bad |= path_join(path, sizeof path, tmp, fig == 1 ? names[k] : "run.dat") || write_data(path, &d[k]) != 0;
    FILE *f = bad || path_join(path, sizeof path, tmp, "plot.gp") ? NULL : fopen(path, "w");
    if (!f) return snprintf(err, errlen, "%s: cannot write the plot files", tmp), ML_ERUNTIME;
    const run_data *dd[3] = {&d[0], &d[1], &d[2]};
    for (int i = 0; i < 2; i++) {
        script_head(f, i ? "svg" : "pngcairo", out[i], fig == 2 ? 1500 : 1100, 500);
        int most = 0;
        for (int k = 0; k < runs; k++) most = d[k].n > most ? d[k].n : most;
        if (most <= 15) fprintf(f, "set xtics 1\n");
        if (fig == 2) fig2_body(f, &d[0]);
        else fig1_body(f, dd, split);
        fprintf(f, "set output\n");
    }
    if (fclose(f) != 0) return snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno)), ML_ERUNTIME;
    return ML_OK;
}

/* Both temporary files must be there and non-empty before either is renamed into place. */
static ml_status publish(char out[2][ML_PATH_MAX], const plot_files *fin, char *err, size_t errlen) {
    const char *final[2] = {fin->png, fin->svg};
    for (int i = 0; i < 2; i++) {
        struct stat sb;
        if (stat(out[i], &sb) != 0 || sb.st_size == 0)
            return snprintf(err, errlen, "gnuplot wrote no %s", out[i]), ML_ERUNTIME;
    }
    for (int i = 0; i < 2; i++)
        if (rename(out[i], final[i]) != 0)
            return snprintf(err, errlen, "%s: cannot rename into place: %s", final[i], strerror(errno)), ML_ERUNTIME;
    return ML_OK;
}

static ml_status draw(int fig, const run_data *d, int split, const char *prefix, plot_files *fin, char *err,
                      size_t errlen) {
    char tmp[ML_PATH_MAX], out[2][ML_PATH_MAX];
    ml_status rc = figure_paths(prefix, fin, out, err, errlen);
    if (rc != ML_OK) return rc;
    const char *td = getenv("TMPDIR");
    if (path_fmt(tmp, sizeof tmp, "%s/miles-plot-XXXXXX", td && *td ? td : "/tmp"))
        return snprintf(err, errlen, "TMPDIR: path too long"), ML_ERUNTIME;
    if (!mkdtemp(tmp)) return snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno)), ML_ERUNTIME;
    rc = write_inputs(tmp, fig, d, split, out, err, errlen);
    if (rc == ML_OK) rc = run_gnuplot(tmp, err, errlen);
    if (rc == ML_OK) rc = publish(out, fin, err, errlen);
    for (int i = 0; i < 2; i++) unlink(out[i]);
    rm_tree(tmp);
    return rc;
}

ml_status plot_draw(const plot_request *rq, plot_files *out, char *err, size_t errlen) {
    run_data d[3];
    memset(d, 0, sizeof d);
    int n = rq->fig == 1 ? 3 : 1;
    ml_status rc = ML_OK;
    for (int k = 0; k < n && rc == ML_OK; k++) {
        rc = resolve_run(rq->runs[k], rq->fig == 2 ? 0 : k + 1, &d[k], rq->warn, err, errlen);
        if (rc == ML_OK) rc = read_epochs(&d[k], err, errlen);
    }
    if (rc == ML_OK) {
        char def[ML_PATH_MAX];
        const char *prefix = rq->prefix;
        if (!prefix && rq->fig == 1) prefix = "fig1";
        if (!prefix && path_join(def, sizeof def, d[0].dir, "fig2") == 0) prefix = def;
        if (!prefix) rc = ML_EINVAL, snprintf(err, errlen, "%.300s/fig2: path too long", d[0].dir);
        else rc = draw(rq->fig, d, rq->split, prefix, out, err, errlen);
    }
    for (int i = 0; i < 3; i++) free(d[i].v);
    return rc;
}
