/* mfcc.h - MFCC features as python_speech_features computes them, in plain C (no FFT library).
 *
 * mfcc_compute() reproduces python_speech_features.mfcc(signal, samplerate, winlen, winstep,
 * numcep, nfilt, nfft, lowfreq=0, highfreq=samplerate/2, preemph, ceplifter, appendEnergy=True,
 * winfunc=rectangular) step by step:
 *   1. pre-emphasis over the whole signal: y[0] = x[0], y[n] = x[n] - preemph*x[n-1];
 *   2. framing: frame_len = winlen samples, step = winstep samples,
 *      nframes = 1 + ceil((n - frame_len) / step) (1 when n <= frame_len), the last frame
 *      zero-padded; rectangular window;
 *   3. power spectrum per frame: |rfft(frame, nfft)|^2 / nfft, nfft/2+1 bins (a frame longer
 *      than nfft is truncated, as numpy's rfft does);
 *   4. energy = sum of the power spectrum bins (zero replaced by DBL_EPSILON, as numpy eps);
 *   5. mel filterbank energies (triangular filters on FFT bins, see mfcc_filterbank), zeros
 *      replaced by DBL_EPSILON, natural log;
 *   6. DCT-II with norm='ortho', first numcep coefficients;
 *   7. sinusoidal lifter: c[k] *= 1 + (L/2) sin(pi k / L);
 *   8. c[0] = log(energy) when append_energy.
 * Note on step 4: the "energy" is psf's sum over the nfft/2+1 one-sided power bins, which by
 * Parseval is (sum x^2)/2 + (|X_0|^2 + |X_{nfft/2}|^2)/(2 nfft) of the pre-emphasised frame,
 * not the plain sum of squares.
 */
#ifndef MILES_SMNIST_MFCC_H
#define MILES_SMNIST_MFCC_H

#include <stddef.h>

/* ---- real FFT (radix-2, n a power of two >= 4) ---- */
typedef struct rfft_plan rfft_plan;
/* NULL when n is not a power of two >= 4 or on allocation failure. */
rfft_plan *rfft_new(int n);
void rfft_free(rfft_plan *p);
/* X_k = sum_{t<n} in[t] exp(-2 pi i k t / n) for k = 0..n/2: re[k], im[k] (n/2+1 values each).
 * in has n values; in, re and im must not overlap. */
void rfft_forward(const rfft_plan *p, const double *in, double *re, double *im);

/* ---- mel scale and filterbank ---- */
double mfcc_hz2mel(double hz);  /* 2595 log10(1 + hz/700) */
double mfcc_mel2hz(double mel); /* 700 (10^(mel/2595) - 1) */
/* The nfilt+2 FFT-bin edges psf uses: floor((nfft+1) * mel2hz(m_j) / samplerate) with m_j
 * evenly spaced from hz2mel(lowfreq) to hz2mel(highfreq), j = 0..nfilt+1. */
void mfcc_filterbank_bins(int nfilt, int nfft, double samplerate, double lowfreq, double highfreq, int *bins);
/* nfilt x (nfft/2+1) row-major triangular filters built from those bins: row j rises as
 * (i - b[j]) / (b[j+1] - b[j]) for b[j] <= i < b[j+1] and falls as
 * (b[j+2] - i) / (b[j+2] - b[j+1]) for b[j+1] <= i < b[j+2]. malloc'd; NULL on failure. */
double *mfcc_filterbank(int nfilt, int nfft, double samplerate, double lowfreq, double highfreq);

/* ---- MFCC ---- */
typedef struct {
    double samplerate;        /* Hz */
    int frame_len;            /* samples per window */
    int frame_step;           /* samples between window starts */
    int nfft;                 /* power of two >= frame_len (a shorter one truncates frames) */
    int nfilt;                /* mel filters */
    int numcep;               /* cepstral coefficients kept, <= nfilt */
    double preemph;           /* 0 disables */
    int ceplifter;            /* 0 disables */
    int append_energy;        /* replace c[0] by log frame energy */
    double lowfreq, highfreq; /* filterbank range in Hz; highfreq <= 0 means samplerate/2 */
} mfcc_config;

/* The Khacef S-MNIST settings: 16 kHz, 50 ms windows (800), 25 ms shift (400), nfft 1024,
 * 26 filters, 13 coefficients, preemph 0.97, ceplifter 22, energy appended, 0..8000 Hz. */
void mfcc_config_khacef(mfcc_config *c);

/* 1 + ceil((nsamples - frame_len) / frame_step), or 1 when nsamples <= frame_len; 0 when
 * nsamples <= 0. 39 for 16000 samples with the Khacef settings. */
int mfcc_num_frames(int nsamples, int frame_len, int frame_step);

typedef struct mfcc_ctx mfcc_ctx;
/* NULL on a bad config (message in err) or allocation failure. */
mfcc_ctx *mfcc_new(const mfcc_config *c, char *err, size_t errlen);
void mfcc_free(mfcc_ctx *m);
/* Features of signal[0..n) into out: mfcc_num_frames(n, ...) rows x numcep, time-major
 * (row = frame). energy, when not NULL, receives the raw per-frame energy (before the log).
 * Returns the number of frames, or -1 on allocation failure. */
int mfcc_compute(mfcc_ctx *m, const double *signal, int n, double *out, double *energy);

#endif
