/* melspec.h - the 96x96 log-mel spectrogram that is LUMA's audio input in the MILES paper.
 *
 * The paper says only "mel spectrogram with 96 filter banks, 96x96x1". The rest is ours (why:
 * datasets/luma/README.md); the cache's recipe attribute repeats it:
 *   - 16 kHz mono input, samples in [-1, 1] (wav.h);
 *   - frames of 512 samples (32 ms) every 160 samples (10 ms), not centred: frame t covers
 *     samples [160 t, 160 t + 512); the signal is zero-padded at its end, or cut, to the
 *     15,712 samples (0.98 s) that 96 frames need;
 *   - periodic Hann window w[i] = 0.5 - 0.5 cos(2 pi i / 512), 512-point FFT, power |X|^2;
 *   - 96 triangular filters on the HTK mel scale m = 2595 log10(1 + f / 700), edges equally
 *     spaced in mel from 0 to 8000 Hz, peak 1 (no area normalisation), evaluated at the bin
 *     frequencies k * 16000 / 512 (torchaudio's melscale_fbanks(norm=None, mel_scale="htk"));
 *   - 10 log10(max(E, 1e-10)): decibels with a floor of -100 dB (librosa's amin), so padding
 *     and digital silence read -100;
 *   - out[band][frame], band 0 the lowest: [1, 96, 96] as the cache stores it.
 */
#ifndef MILES_DATA_MELSPEC_H
#define MILES_DATA_MELSPEC_H

#include <stdint.h>

#define MEL_RATE   16000
#define MEL_NFFT   512
#define MEL_HOP    160
#define MEL_BANDS  96
#define MEL_FRAMES 96
#define MEL_FMIN   0.0
#define MEL_FMAX   8000.0
#define MEL_FLOOR  1e-10
/* Samples that MEL_FRAMES frames cover: (96 - 1) * 160 + 512 = 15,712. */
#define MEL_SAMPLES ((MEL_FRAMES - 1) * MEL_HOP + MEL_NFFT)

typedef struct melspec melspec;

/* The window, FFT tables and filterbank; NULL when out of memory. */
melspec *melspec_create(void);
void melspec_free(melspec *m);

/* out[MEL_BANDS * MEL_FRAMES] = the log-mel spectrogram of x[0..n) (padded or cut). */
void melspec_compute(const melspec *m, const float *x, int64_t n, float *out);

#endif
