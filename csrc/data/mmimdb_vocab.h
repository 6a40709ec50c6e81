/* mmimdb_vocab.h - the word list of MM-IMDb's metadata.npy (GMU's make_dataset.py: a dict
 * {'ix_to_word', 'word_to_ix', 'vocab_size', 'lookup'} saved by numpy.save as a 0-d object
 * array, i.e. a pickle), read with the restricted reader of pickle.h: nothing in the file is
 * executed. Only `ix_to_word` (a dict id -> word, or a list of words) is taken; the Fuel file's
 * `sequences` hold ids into it, id 0 being GMU's `_UNK_`.
 */
#ifndef MILES_DATA_MMIMDB_VOCAB_H
#define MILES_DATA_MMIMDB_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define MMIMDB_VOCAB_MAX (1 << 24) /* ids; GMU's has 69,980 */

typedef struct {
    char **words; /* [n]: NUL-terminated copies, NULL for an id the file does not map */
    size_t *lens;
    int32_t n;
} mmimdb_vocab;

/* Parses LEN bytes: an NPY file of a 0-d object array, or a bare pickle, holding the dict.
 * NAME is used in messages. ML_OK, ML_EDATA (not NPY of dtype object, a pickle refused by
 * pickle.h, no `ix_to_word`, a key that is not an id in [0, MMIMDB_VOCAB_MAX) or a word that is
 * not a string) or ML_ERUNTIME (memory). */
ml_status mmimdb_vocab_parse(const uint8_t *buf, size_t len, const char *name, mmimdb_vocab *v, char *err,
                             size_t errlen);
/* The same for the file PATH (ML_EDATA also when it cannot be read). */
ml_status mmimdb_vocab_read(const char *path, mmimdb_vocab *v, char *err, size_t errlen);
void mmimdb_vocab_free(mmimdb_vocab *v);

#endif
