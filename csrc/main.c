/* main.c - the `miles` command line: a table of commands, each implemented in cli/<name>.c.
 *
 * Every command parses its own options (cli/opts.h), calls the library and maps its status to a
 * documented exit code. Nothing here knows a method or a dataset format.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/version.h"
#include "mt.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"prepare", cmd_prepare, "turn a dataset's published files into the HDF5 cache training reads"},
    {"train", cmd_train, "train one experiment described in YAML"},
    {"demo", cmd_demo, "the main job: make a stand-in if missing (LUMA, or smnist), train vanilla and MILES, compare"},
    {"sweep", cmd_sweep, "run an experiment's random search (search: in the YAML) on this machine"},
    {"submit", cmd_submit, "submit an experiment's random search as a SLURM job array"},
    {"status", cmd_status, "count done / running / failed / diverged trials of a sweep directory"},
    {"report", cmd_report, "the paper's Tables I-VI from result directories (md, tex or csv)"},
    {"plot", cmd_plot, "the paper's Figures 1 and 2 (PNG and SVG, with gnuplot)"},
    {"export", cmd_export, "write a run's best model as safetensors (torchvision / Hugging Face names)"},
};

static void usage(FILE *f) {
    fputs("usage: miles <command> [options]\n"
          "\n"
          "Train two-modality joint-fusion networks with MILES and its baselines.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "  miles <command> --help   options of one command\n"
          "  miles --version          version of miles and of the LibTorch it was built with\n"
          "\n"
          "exit codes:\n"
          "  0  success (a run that diverged also exits 0: its summary.json says status diverged)\n"
          "  2  invalid command line or configuration (nothing was written)\n"
          "  3  dataset missing, unreadable or inconsistent\n"
          "  4  runtime failure: LibTorch, device, I/O or memory\n",
          f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("miles %s (LibTorch %s, CUDA %s)\n", MILES_VERSION, mt_torch_version(),
               mt_cuda_available() ? "available" : "not available");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "miles: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
