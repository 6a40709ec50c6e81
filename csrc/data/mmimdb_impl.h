/* mmimdb_impl.h - what the two readers of MM-IMDb (mmimdb_raw.c, mmimdb_fuel.c) share with
 * mmimdb.c: the preparation's state, the report, the cache they stream into, the poster's
 * crop-and-resize and the token encoder. Private to those three files. */
#ifndef MILES_DATA_MMIMDB_IMPL_H
#define MILES_DATA_MMIMDB_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "data/h5stream.h"
#include "data/mmimdb.h"

typedef struct {
    const mmimdb_options *o;
    const char *from, *out;
    char *err;
    size_t errlen;
    strbuf report;
    int64_t left_out;
    const char *form; /* "raw" or "fuel", for the recipe */
    char **genres;    /* the K column names, in order */
    int k;
    int64_t n[3]; /* rows each split will hold */
    h5stream *h;
    char *ids[3]; /* each split's ids, MMIMDB_ID_MAX bytes each, for /S/ids */
    int64_t appended[3];
} mm_prep;

/* One report line: WHAT (a kind: "id", "movie", "file"), ITEM, and the reason. */
void mm_report(mm_prep *P, const char *what, const char *item, const char *why);

/* Creates the cache once P->k, P->genres and P->n are known. */
ml_status mm_open(mm_prep *P);
/* Appends one movie to split S: its tokens (2 * max_len), its poster (RGB CHW, image_h x
 * image_w), its K targets and its id. */
ml_status mm_append(mm_prep *P, int s, const int32_t *tokens, const uint8_t *poster, const float *targets,
                    const char *id);

/* A CHW RGB image of h x w to the stored size: cut to the stored aspect ratio around the centre
 * (GMU's crop), then resized bilinearly. DST holds 3 * image_h * image_w; SCRATCH at least
 * 3 * h * w bytes. */
void mm_fit_poster(const mm_prep *P, const uint8_t *src, int h, int w, uint8_t *scratch, uint8_t *dst);

/* The plot's tokens through the caller's encoder; err names ITEM on failure. */
ml_status mm_encode(mm_prep *P, const char *text, size_t len, int32_t *tokens, const char *item);

ml_status mm_raw_prepare(mm_prep *P);
ml_status mm_fuel_prepare(mm_prep *P);

#endif
