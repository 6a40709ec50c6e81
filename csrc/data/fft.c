/* fft.c - the 512-point power spectrum of fft.h. */
#include "data/fft.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void fft_plan_init(fft_plan *p) {
    for (int k = 0; k < FFT_N / 2; k++) {
        p->cos_t[k] = cos(2.0 * M_PI * k / FFT_N);
        p->sin_t[k] = -sin(2.0 * M_PI * k / FFT_N);
    }
    int bits = 0;
    while ((1 << bits) < FFT_N) bits++;
    for (int i = 0; i < FFT_N; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
        p->bitrev[i] = r;
    }
}

/* In-place iterative radix-2 decimation-in-time FFT of (re, im), already in bit-reversed order. */
static void fft(const fft_plan *p, double *re, double *im) {
    for (int len = 2; len <= FFT_N; len <<= 1) {
        int half = len / 2, step = FFT_N / len;
        for (int s = 0; s < FFT_N; s += len)
            for (int j = 0; j < half; j++) {
                double wr = p->cos_t[j * step], wi = p->sin_t[j * step];
                int a = s + j, b = a + half;
                double tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
    }
}

void fft_power(const fft_plan *p, const double x[FFT_N], double power[FFT_NBINS]) {
    double re[FFT_N], im[FFT_N];
    for (int i = 0; i < FFT_N; i++) {
        re[p->bitrev[i]] = x[i];
        im[p->bitrev[i]] = 0.0;
    }
    fft(p, re, im);
    for (int k = 0; k < FFT_NBINS; k++) power[k] = re[k] * re[k] + im[k] * im[k];
}
