/* wav.h - one audio clip, from any file libsndfile reads, as mono float samples at a chosen rate.
 *
 * Real audio sets mix sample rates and channel counts (LUMA's WAVs come from Common Voice,
 * LibriSpeech, Spoken Wikipedia and the authors' recordings); the feature code wants one rate and
 * one channel. Channels are averaged; the rate is converted with libsamplerate
 * (SRC_SINC_MEDIUM_QUALITY: band-limited sinc, 97 dB SNR, a few times faster than BEST). Samples
 * are libsndfile's normalised floats (full scale = 1.0), whatever the file's encoding.
 *
 * A clip that is not audio gets a message saying what it is instead: a missing file, an empty
 * file, a git-lfs pointer (the text file a Hugging Face clone holds when `git lfs pull` was not
 * run), a file libsndfile cannot parse, or a header with no frames.
 */
#ifndef MILES_DATA_WAV_H
#define MILES_DATA_WAV_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Checks that PATH is a readable audio file with at least one frame, reading only its header.
 * ML_OK, or ML_EDATA with "PATH: what was expected, what was found" in err. */
ml_status wav_probe(const char *path, char *err, size_t errlen);

/* For a RIFF/WAVE file, checks that the data chunk its header declares is all there: a WAV cut
 * short (an interrupted download or copy) otherwise reads as a shorter clip without any error.
 * Other formats, and a data size of 0 or 0xFFFFFFFF (written by streaming writers that could
 * not seek back), pass. ML_OK, or ML_EDATA with "PATH: expected ..., found ..." in err. */
ml_status wav_check_complete(const char *path, char *err, size_t errlen);

/* Reads PATH as mono at RATE Hz into *out (malloc'd, *n samples). max_out > 0 bounds the output:
 * only the input needed for the first max_out output samples (plus a margin for the resampling
 * filter) is read, so a long recording costs no more than a short one. ML_OK, ML_EDATA (not
 * audio, see above) or ML_ERUNTIME (out of memory, resampler failure) with a message. */
ml_status wav_read_mono(const char *path, int rate, int64_t max_out, float **out, int64_t *n, char *err, size_t errlen);

#endif
