/* jpeg.h - one JPEG file -> RGB pixels, through libjpeg-turbo (MM-IMDb's posters).
 *
 * A file is refused, with the reason, when it is missing, empty, a git-lfs pointer, not a JPEG,
 * truncated or corrupt: libjpeg's warnings (premature end of data, corrupt entropy data) count
 * as failures, since libjpeg would otherwise hand back an image padded with grey. Grey-scale
 * JPEGs come back as RGB (libjpeg repeats the channel); CMYK ones are refused (libjpeg cannot
 * convert them). Sides are limited to JPEG_MAX_SIDE so that a hostile header cannot ask for
 * gigabytes.
 */
#ifndef MILES_DATA_JPEG_H
#define MILES_DATA_JPEG_H

#include <stddef.h>
#include <stdint.h>

#define JPEG_MAX_SIDE 8192

/* Decodes PATH into *rgb (malloc'ed, HWC, 3 bytes a pixel; the caller frees it), *h and *w.
 * 0, or -1 with why (no file name: the caller has it) and *rgb NULL. */
int jpeg_read_rgb(const char *path, uint8_t **rgb, int *h, int *w, char *why, size_t whylen);

#endif
