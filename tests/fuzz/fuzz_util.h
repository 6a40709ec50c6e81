/* fuzz_util.h - what every libFuzzer target of tests/fuzz/ shares: a private scratch directory
 * for readers that take a path, writing one input there, and checks that turn a broken promise
 * of a reader (a message, a bound) into a crash libFuzzer records.
 *
 * Each target is one .c file that includes this, links fuzz_util.c and defines
 * LLVMFuzzerTestOneInput. The scratch directory is made once per process under $TMPDIR
 * (tools/fuzz points TMPDIR at a directory it removes afterwards, since a crashing process
 * leaves its files behind) and emptied again at a normal exit.
 */
#ifndef MILES_FUZZ_UTIL_H
#define MILES_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with FILE:LINE, the condition and a printf message when COND is false. */
#define FUZZ_REQUIRE(cond, ...)                                              \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The scratch directory of this process, made on first use. */
const char *fuzz_dir(void);
/* Makes the subdirectory NAME (a string literal) of the scratch directory. */
void fuzz_mkdir(const char *name);
/* Writes DATA to NAME (a string literal, relative to the scratch directory); returns the full
 * path, valid until the next call. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* DATA as a NUL-terminated string (free it). */
char *fuzz_string(const uint8_t *data, size_t size);
/* A reader's error message: present and terminated within its buffer of ERRLEN bytes. */
void fuzz_check_message(const char *err, size_t errlen, const char *what);

#endif
