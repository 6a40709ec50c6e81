/* jpeg.c - JPEG -> RGB with libjpeg-turbo (see jpeg.h). libjpeg reports fatal errors through
 * error_exit, which must not return: it longjmps back here. */
#define _POSIX_C_SOURCE 200809L
#include "data/jpeg.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "data/errfmt.h"

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    int warned;
} err_mgr;

static void on_error(j_common_ptr c) {
    err_mgr *e = (err_mgr *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

/* Level -1 is a warning (damaged data libjpeg works around); higher levels are trace output. */
static void on_message(j_common_ptr c, int level) {
    err_mgr *e = (err_mgr *)c->err;
    if (level >= 0 || e->warned) return;
    c->err->format_message(c, e->msg);
    e->warned = 1;
}

/* The decode proper, after the file is open; volatile keeps the buffer across the longjmp. */
static int decode(FILE *f, uint8_t **rgb, int *h, int *w, char *why, size_t whylen) {
    struct jpeg_decompress_struct d;
    err_mgr e;
    uint8_t *volatile out = NULL;
    memset(&e, 0, sizeof e);
    d.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = on_error;
    e.pub.emit_message = on_message;
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&d);
        free(out);
        seterr(why, whylen, "not a readable JPEG: %s", e.msg);
        return -1;
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&d);
        seterr(why, whylen, "a CMYK JPEG: expected grey-scale or colour (YCbCr/RGB)");
        return -1;
    }
    if (d.image_width < 1 || d.image_height < 1 || d.image_width > JPEG_MAX_SIDE || d.image_height > JPEG_MAX_SIDE) {
        jpeg_destroy_decompress(&d);
        seterr(why, whylen, "expected sides in [1, %d], found %ux%u", JPEG_MAX_SIDE, d.image_width, d.image_height);
        return -1;
    }
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * 3;
    out = malloc(stride * d.output_height);
    if (!out) {
        snprintf(e.msg, sizeof e.msg, "out of memory for %ux%u pixels", d.output_width, d.output_height);
        longjmp(e.jump, 1);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = out + stride * d.output_scanline;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    *h = (int)d.output_height;
    *w = (int)d.output_width;
    jpeg_destroy_decompress(&d);
    if (e.warned) {
        free(out);
        seterr(why, whylen, "a damaged JPEG: %s", e.msg);
        return -1;
    }
    *rgb = out;
    return 0;
}

int jpeg_read_rgb(const char *path, uint8_t **rgb, int *h, int *w, char *why, size_t whylen) {
    *rgb = NULL;
    *h = *w = 0;
    if (is_lfs_pointer(path)) {
        seterr(why, whylen, "a git-lfs pointer, not the poster (fetch the large files)");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(why, whylen, "cannot open the poster: %s", strerror(errno));
        return -1;
    }
    int c = fgetc(f);
    if (c == EOF) {
        fclose(f);
        seterr(why, whylen, "an empty poster file");
        return -1;
    }
    ungetc(c, f);
    int rc = decode(f, rgb, h, w, why, whylen);
    fclose(f);
    return rc;
}
