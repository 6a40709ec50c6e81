/* spectro.h - CREMA-D's audio input in the MILES paper: the 257x299 log spectrogram of 3 s at
 * 16 kHz, computed as OGM-GE's scipy path computed it (spec/datasets.md section 2.1 derives
 * the shape: 257 = 512/2 + 1 bins, 299 = (48,000 - 353) / 159 frames).
 *
 * Equal, up to float rounding, to (Python, scipy.signal):
 *   x = np.tile(x, 48000 // len(x) + 1)[:48000]; x = np.clip(x, -1, 1)
 *   f, t, S = spectrogram(x, fs=16000, nperseg=512, noverlap=353)   # scipy's defaults below
 *   S = np.log(S + 1e-7); S = (S - S.mean()) / (S.std() + 1e-9)
 * scipy's defaults, spelled out: periodic Tukey(alpha 0.25) window (tukey(513) without its last
 * point), each segment's mean subtracted before the window (detrend="constant"), no padding or
 * centring, one-sided PSD with density scaling 1 / (fs * sum w^2), bins 1..255 doubled.
 * Computed in double, stored as float32 [1, 257, 299] (bin x frame, bin 0 = 0 Hz); the
 * resize to the encoder's input (224x224 in the paper) happens at batch time (augment.h).
 */
#ifndef MILES_DATA_SPECTRO_H
#define MILES_DATA_SPECTRO_H

#include <stdint.h>

#define SPECTRO_RATE    16000
#define SPECTRO_SAMPLES 48000 /* 3 s */
#define SPECTRO_NPERSEG 512
#define SPECTRO_OVERLAP 353
#define SPECTRO_HOP     (SPECTRO_NPERSEG - SPECTRO_OVERLAP)
#define SPECTRO_BINS    (SPECTRO_NPERSEG / 2 + 1)                           /* 257 */
#define SPECTRO_FRAMES  ((SPECTRO_SAMPLES - SPECTRO_OVERLAP) / SPECTRO_HOP) /* 299 */
#define SPECTRO_TUKEY   0.25
#define SPECTRO_FLOOR   1e-7 /* log(S + 1e-7) */
#define SPECTRO_STD_EPS 1e-9 /* (S - mean) / (std + 1e-9) */

typedef struct spectro spectro;

/* The window and FFT tables; NULL when out of memory. Read-only afterwards, so one may serve
 * several threads. */
spectro *spectro_create(void);
void spectro_free(spectro *s);

/* x[0..n), n >= 1, samples at 16 kHz -> out[SPECTRO_BINS * SPECTRO_FRAMES] (row = bin). The
 * clip is repeated whole (tiled) until 48,000 samples, or cut there, then clipped to [-1, 1].
 * 0, or -1 when out of memory or n < 1 (out untouched). */
int spectro_compute(const spectro *s, const float *x, int64_t n, float *out);

#endif
