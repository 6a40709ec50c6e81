/* cli.c - what every command shares: status -> exit code, the usage error, the source root. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef MILES_SOURCE_DIR
#define MILES_SOURCE_DIR "."
#endif

int cli_exit_code(ml_status s) {
    switch (s) {
    case ML_OK: return EXIT_OK;
    case ML_EINVAL: return EXIT_USAGE;
    case ML_EDATA: return EXIT_DATA;
    case ML_ERUNTIME: return EXIT_RUNTIME;
    }
    return EXIT_RUNTIME;
}

const char *miles_root(void) {
    const char *r = getenv("MILES_ROOT");
    return r && *r ? r : MILES_SOURCE_DIR;
}
