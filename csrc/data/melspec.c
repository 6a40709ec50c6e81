/* melspec.c - the log-mel spectrogram of melspec.h: Hann window, radix-2 FFT (fft.h), HTK mel
 * filters, decibels. Computed in double. */
#include "data/melspec.h"
#include "data/fft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NBINS (MEL_NFFT / 2 + 1)
_Static_assert(MEL_NFFT == FFT_N, "the log-mel frames are fft.h's 512 points");

/* One triangular filter as the bins it touches: weight[k - first] for k in [first, first + n). */
typedef struct {
    int first, n;
    double weight[NBINS];
} mel_filter;

struct melspec {
    double window[MEL_NFFT];
    fft_plan plan;
    mel_filter filter[MEL_BANDS];
};

static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double mel_to_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

static void build_filters(melspec *m) {
    double edge[MEL_BANDS + 2];
    double lo = hz_to_mel(MEL_FMIN), hi = hz_to_mel(MEL_FMAX);
    for (int i = 0; i < MEL_BANDS + 2; i++) edge[i] = mel_to_hz(lo + (hi - lo) * i / (MEL_BANDS + 1));
    for (int b = 0; b < MEL_BANDS; b++) {
        mel_filter *f = &m->filter[b];
        double left = edge[b], centre = edge[b + 1], right = edge[b + 2];
        f->first = -1;
        f->n = 0;
        for (int k = 0; k < NBINS; k++) {
            double hz = (double)k * MEL_RATE / MEL_NFFT;
            double up = (hz - left) / (centre - left), down = (right - hz) / (right - centre);
            double w = up < down ? up : down;
            if (w <= 0.0) continue;
            if (f->first < 0) f->first = k;
            f->weight[k - f->first] = w;
            f->n = k - f->first + 1;
        }
        if (f->first < 0) f->first = 0;
    }
}

melspec *melspec_create(void) {
    melspec *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    for (int i = 0; i < MEL_NFFT; i++) m->window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / MEL_NFFT);
    fft_plan_init(&m->plan);
    build_filters(m);
    return m;
}

void melspec_free(melspec *m) { free(m); }

/* Power spectrum of the frame starting at sample `start` (zeros past n). */
static void frame_power(const melspec *m, const float *x, int64_t n, int64_t start, double power[NBINS]) {
    double frame[MEL_NFFT];
    for (int i = 0; i < MEL_NFFT; i++) {
        int64_t at = start + i;
        frame[i] = at < n ? (double)x[at] * m->window[i] : 0.0;
    }
    fft_power(&m->plan, frame, power);
}

void melspec_compute(const melspec *m, const float *x, int64_t n, float *out) {
    if (n > MEL_SAMPLES) n = MEL_SAMPLES;
    double power[NBINS];
    for (int t = 0; t < MEL_FRAMES; t++) {
        frame_power(m, x, n, (int64_t)t * MEL_HOP, power);
        for (int b = 0; b < MEL_BANDS; b++) {
            const mel_filter *f = &m->filter[b];
            double e = 0.0;
            for (int k = 0; k < f->n; k++) e += f->weight[k] * power[f->first + k];
            out[b * MEL_FRAMES + t] = (float)(10.0 * log10(e > MEL_FLOOR ? e : MEL_FLOOR));
        }
    }
}
