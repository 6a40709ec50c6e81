/* spectro.c - CREMA-D's scipy-style log spectrogram; see spectro.h. */
#include "data/spectro.h"
#include "data/fft.h"

#include <math.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

_Static_assert(SPECTRO_NPERSEG == FFT_N, "the spectrogram's segments are fft.h's 512 points");
_Static_assert(SPECTRO_FRAMES == 299, "3 s at 16 kHz with nperseg 512 and noverlap 353 is 299 frames");

struct spectro {
    double window[SPECTRO_NPERSEG];
    double scale[SPECTRO_BINS]; /* density scaling, doubled for the one-sided interior bins */
    fft_plan plan;
};

/* scipy.signal.windows.tukey(M, alpha, sym=True) at point i: cosine tapers over the first and
 * last floor(alpha (M - 1) / 2) + 1 points, ones between. */
static double tukey_sym(int i, int M, double alpha) {
    int width = (int)floor(alpha * (M - 1) / 2.0);
    if (i <= width) return 0.5 * (1.0 + cos(M_PI * (-1.0 + 2.0 * i / alpha / (M - 1))));
    if (i >= M - width - 1) return 0.5 * (1.0 + cos(M_PI * (-2.0 / alpha + 1.0 + 2.0 * i / alpha / (M - 1))));
    return 1.0;
}

spectro *spectro_create(void) {
    spectro *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    /* Periodic (scipy's get_window default, fftbins=True): the symmetric window one point
     * longer, its last point dropped. */
    double sumsq = 0.0;
    for (int i = 0; i < SPECTRO_NPERSEG; i++) {
        s->window[i] = tukey_sym(i, SPECTRO_NPERSEG + 1, SPECTRO_TUKEY);
        sumsq += s->window[i] * s->window[i];
    }
    for (int k = 0; k < SPECTRO_BINS; k++) {
        int interior = k > 0 && k < SPECTRO_BINS - 1;
        s->scale[k] = (interior ? 2.0 : 1.0) / ((double)SPECTRO_RATE * sumsq);
    }
    fft_plan_init(&s->plan);
    return s;
}

void spectro_free(spectro *s) { free(s); }

/* The 3 s the spectrogram sees: x repeated, cut to 48,000 samples, clipped to [-1, 1]. */
static void tile(const float *x, int64_t n, double *y) {
    for (int64_t i = 0; i < SPECTRO_SAMPLES; i++) {
        double v = x[i % n];
        y[i] = v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v;
    }
}

int spectro_compute(const spectro *s, const float *x, int64_t n, float *out) {
    double *y = malloc(sizeof(double) * SPECTRO_SAMPLES);
    double *logs = malloc(sizeof(double) * SPECTRO_BINS * SPECTRO_FRAMES);
    if (!y || !logs || n < 1) {
        free(y);
        free(logs);
        return -1;
    }
    tile(x, n, y);
    double sum = 0.0, seg[SPECTRO_NPERSEG], power[FFT_NBINS];
    for (int t = 0; t < SPECTRO_FRAMES; t++) {
        const double *f = y + (int64_t)t * SPECTRO_HOP;
        double mean = 0.0;
        for (int i = 0; i < SPECTRO_NPERSEG; i++) mean += f[i];
        mean /= SPECTRO_NPERSEG;
        for (int i = 0; i < SPECTRO_NPERSEG; i++) seg[i] = (f[i] - mean) * s->window[i];
        fft_power(&s->plan, seg, power);
        for (int k = 0; k < SPECTRO_BINS; k++) {
            double v = log(power[k] * s->scale[k] + SPECTRO_FLOOR);
            logs[k * SPECTRO_FRAMES + t] = v;
            sum += v;
        }
    }
    const int N = SPECTRO_BINS * SPECTRO_FRAMES;
    double mean = sum / N, ss = 0.0;
    for (int i = 0; i < N; i++) ss += (logs[i] - mean) * (logs[i] - mean);
    double sd = sqrt(ss / N) + SPECTRO_STD_EPS;
    for (int i = 0; i < N; i++) out[i] = (float)((logs[i] - mean) / sd);
    free(y);
    free(logs);
    return 0;
}
