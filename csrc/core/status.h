/* status.h - what a library call of the driver reports: success, or which kind of failure.
 *
 * Library code (everything under csrc/ except cli/ and main.c) returns these and writes the
 * message into a caller's buffer; only cli/ turns a status into an exit code (cli_exit_code).
 * The values are deliberately not the exit codes, so a status returned where an exit code is
 * expected shows up in tests.
 */
#ifndef MILES_CORE_STATUS_H
#define MILES_CORE_STATUS_H

typedef enum {
    ML_OK = 0,
    ML_EINVAL = -1,  /* invalid argument or configuration; nothing was written */
    ML_EDATA = -2,   /* dataset missing, unreadable or inconsistent */
    ML_ERUNTIME = -3 /* LibTorch, device, I/O or memory failure */
} ml_status;

#endif
