/* cremad.h - `miles prepare cremad`: CREMA-D's published layout (AudioWAV/<id>.wav and
 * VideoFlash/<id>.flv, as the CheyneyComputerScience/CREMA-D repository holds them) into the HDF5
 * dataset cache (dataset.h): modality a = audio, the paper's 257x299 log spectrogram
 * (spectro.h), float32 [1, 257, 299]; modality b = video, the middle frame of the FLV (video.h)
 * as uint8 RGB [3, S, S] (S = frame_size, default 224). datasets/cremad/README.md has the rest.
 *
 * Ids: AAAA_SSS_EEE_LL (actor 4 digits, one of the 12 sentence codes, one of the 6 emotions,
 *   level LO|MD|HI|XX); a file whose name is not such an id is left out (reported). Class ids
 *   are OGM-GE's (dataset/CramedDataset.py): NEU 0, HAP 1, SAD 2, FEA 3, DIS 4, ANG 5.
 * Left out, each with its reason in the report (TSV: what, item, why): a clip without its
 *   partner file, an id upstream lists as broken (TFDS crema_d's bad_files), a git-lfs pointer
 *   in place of media, an empty, truncated or undecodable WAV or FLV. The split is formed from
 *   what remains; ML_EDATA when it cannot be (a split would be empty, or a split list names a
 *   clip twice or with another emotion).
 * Splits (the ids of each are stored as /SPLIT/ids):
 *   - random (default): seeded, stratified by emotion; val = test = floor(0.15 N), train the
 *     rest (the paper's 5,210 / 1,116 / 1,116 of 7,442);
 *   - actors: speaker independent: actors in a seeded order fill val, then test, up to
 *     floor(0.15 N) clips each (an actor is never divided), train gets the remaining actors;
 *   - csv: OGM-GE's lists (`<id>,<EMO>` per line, no header): train and test, and val when
 *     given (else val is the test list, as OGM-GE selects on its test set). A listed clip that
 *     was left out is reported and skipped.
 * Decoding runs on `jobs` threads (0: every core), each clip's features written to a scratch
 * file next to the cache (OUT.clips.tmp, removed at the end), so memory stays small.
 * Normalisation recorded in the cache: the spectrogram is z-scored per clip already (its train
 * statistics are stored as for any cache); the frames get ImageNet's mean and std, as
 * OGM-GE's transforms normalise them.
 */
#ifndef MILES_DATA_CREMAD_H
#define MILES_DATA_CREMAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define CREMAD_RECIPE_VERSION 1
#define CREMAD_CLASSES        6
#define CREMAD_ID_LEN         15 /* AAAA_SSS_EEE_LL */

typedef enum { CREMAD_SPLIT_RANDOM = 0, CREMAD_SPLIT_ACTORS = 1, CREMAD_SPLIT_CSV = 2 } cremad_split;

typedef struct {
    cremad_split split;
    const char *csv[3]; /* train, val (NULL: the test list), test; csv only */
    uint64_t seed;
    int frame_size;     /* side of the stored frames, 8..1024 (default 224) */
    int jobs;           /* decoding threads, 0 = every core */
    const char *report; /* NULL, or the file the report is written to */
    int verbose;        /* progress on stderr */
} cremad_options;

void cremad_options_default(cremad_options *o);

/* OGM-GE's class id of an emotion code ("NEU" -> 0 ... "ANG" -> 5), or -1. */
int cremad_class_id(const char *emotion);

/* Parses a CREMA-D id (exactly AAAA_SSS_EEE_LL). 0 with the fields filled (any may be NULL), or
 * -1 with what is wrong in why. */
int cremad_parse_id(const char *id, int *actor, int *sentence, int *cls, int *level, char *why, size_t whylen);

/* Reads FROM_DIR and writes OUT_H5 (via OUT_H5.tmp and a rename). ML_EINVAL for options that
 * cannot work (nothing read), ML_EDATA for input that is missing or cannot form the split,
 * ML_ERUNTIME for I/O or memory failures; the message (file, line or id, expected vs found) is
 * in err. */
ml_status cremad_prepare(const char *from_dir, const char *out_h5, const cremad_options *o, char *err, size_t errlen);

#endif
