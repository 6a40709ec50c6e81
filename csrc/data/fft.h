/* fft.h - the power spectrum of one real frame of 512 samples, which both audio features of the
 * dataset preparers take per frame: LUMA's log-mel (melspec.c) and CREMA-D's scipy-style
 * spectrogram (spectro.c).
 *
 * A radix-2 decimation-in-time complex FFT in double (the imaginary part of the input is zero;
 * at 512 points a frame costs a few microseconds, so the real-input trick is not worth its
 * code). Output bin k is |X[k]|^2 for k = 0..256, X[k] = sum_i x[i] e^{-2 pi i k i / 512}.
 */
#ifndef MILES_DATA_FFT_H
#define MILES_DATA_FFT_H

#define FFT_N     512
#define FFT_NBINS (FFT_N / 2 + 1)

typedef struct {
    double cos_t[FFT_N / 2], sin_t[FFT_N / 2]; /* twiddles e^{-2 pi i k / N} */
    int bitrev[FFT_N];
} fft_plan;

void fft_plan_init(fft_plan *p);

/* power[k] = |sum_i x[i] e^{-2 pi i k i / N}|^2, k = 0..N/2. */
void fft_power(const fft_plan *p, const double x[FFT_N], double power[FFT_NBINS]);

#endif
