/* mfcc.c - radix-2 real FFT and python_speech_features-compatible MFCC (see mfcc.h). */
#include "mfcc.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---------------------------------------------------------------- real FFT */
/* An n-point real FFT as one n/2-point complex FFT of z[t] = x[2t] + i x[2t+1], then the
 * split step X[k] = E[k] + W^k O[k] with E/O the spectra of the even/odd samples. */
struct rfft_plan {
    int n, m;        /* n real points, m = n/2 complex points */
    int *rev;        /* bit reversal permutation of 0..m-1 */
    double *cw, *sw; /* complex FFT twiddles exp(-2 pi i k / m), k < m/2 */
    double *cs, *ss; /* split twiddles exp(-2 pi i k / n), k <= m */
    double *zr, *zi; /* work */
};

static int is_pow2(int n) { return n > 0 && (n & (n - 1)) == 0; }

rfft_plan *rfft_new(int n) {
    if (n < 4 || !is_pow2(n)) return NULL;
    rfft_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->m = n / 2;
    int m = p->m;
    p->rev = malloc(sizeof(int) * (size_t)m);
    p->cw = malloc(sizeof(double) * (size_t)(m / 2 + 1));
    p->sw = malloc(sizeof(double) * (size_t)(m / 2 + 1));
    p->cs = malloc(sizeof(double) * (size_t)(m + 1));
    p->ss = malloc(sizeof(double) * (size_t)(m + 1));
    p->zr = malloc(sizeof(double) * (size_t)m);
    p->zi = malloc(sizeof(double) * (size_t)m);
    if (!p->rev || !p->cw || !p->sw || !p->cs || !p->ss || !p->zr || !p->zi) {
        rfft_free(p);
        return NULL;
    }
    int bits = 0;
    while ((1 << bits) < m) bits++;
    for (int i = 0; i < m; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            if (i & (1 << b)) r |= 1 << (bits - 1 - b);
        p->rev[i] = r;
    }
    for (int k = 0; k <= m / 2; k++) {
        p->cw[k] = cos(2.0 * M_PI * k / m);
        p->sw[k] = -sin(2.0 * M_PI * k / m);
    }
    for (int k = 0; k <= m; k++) {
        p->cs[k] = cos(2.0 * M_PI * k / n);
        p->ss[k] = -sin(2.0 * M_PI * k / n);
    }
    return p;
}

void rfft_free(rfft_plan *p) {
    if (!p) return;
    free(p->rev);
    free(p->cw);
    free(p->sw);
    free(p->cs);
    free(p->ss);
    free(p->zr);
    free(p->zi);
    free(p);
}

void rfft_forward(const rfft_plan *p, const double *in, double *re, double *im) {
    const int m = p->m;
    double *zr = p->zr, *zi = p->zi;
    for (int t = 0; t < m; t++) {
        int r = p->rev[t];
        zr[r] = in[2 * t];
        zi[r] = in[2 * t + 1];
    }
    /* iterative radix-2 decimation in time */
    for (int len = 2; len <= m; len <<= 1) {
        int half = len / 2, stride = m / len;
        for (int s = 0; s < m; s += len) {
            for (int j = 0; j < half; j++) {
                double wr = p->cw[j * stride], wi = p->sw[j * stride];
                int a = s + j, b = a + half;
                double tr = zr[b] * wr - zi[b] * wi;
                double ti = zr[b] * wi + zi[b] * wr;
                zr[b] = zr[a] - tr;
                zi[b] = zi[a] - ti;
                zr[a] += tr;
                zi[a] += ti;
            }
        }
    }
    /* split: E[k] = (Z[k] + conj(Z[m-k]))/2, O[k] = (Z[k] - conj(Z[m-k]))/(2i) */
    for (int k = 0; k <= m; k++) {
        int k1 = k % m, k2 = (m - k) % m;
        double ar = zr[k1], ai = zi[k1], br = zr[k2], bi = -zi[k2];
        double er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
        double dr = 0.5 * (ar - br), di = 0.5 * (ai - bi);
        double or_ = di, oi = -dr; /* (dr + i di) / i */
        double wr = p->cs[k], wi = p->ss[k];
        re[k] = er + or_ * wr - oi * wi;
        im[k] = ei + or_ * wi + oi * wr;
    }
}

/* ---------------------------------------------------------------- mel filterbank */
double mfcc_hz2mel(double hz) { return 2595.0 * log10(1.0 + hz / 700.0); }
double mfcc_mel2hz(double mel) { return 700.0 * (pow(10.0, mel / 2595.0) - 1.0); }

void mfcc_filterbank_bins(int nfilt, int nfft, double samplerate, double lowfreq, double highfreq, int *bins) {
    double lo = mfcc_hz2mel(lowfreq), hi = mfcc_hz2mel(highfreq);
    for (int j = 0; j < nfilt + 2; j++) {
        /* numpy.linspace(lo, hi, nfilt+2): lo + j*step, the last point exactly hi */
        double mel = (j == nfilt + 1) ? hi : lo + j * ((hi - lo) / (nfilt + 1));
        bins[j] = (int)floor((nfft + 1) * mfcc_mel2hz(mel) / samplerate);
    }
}

double *mfcc_filterbank(int nfilt, int nfft, double samplerate, double lowfreq, double highfreq) {
    int nb = nfft / 2 + 1;
    double *fb = calloc((size_t)nfilt * (size_t)nb, sizeof(double));
    int *b = malloc(sizeof(int) * (size_t)(nfilt + 2));
    if (!fb || !b) {
        free(fb);
        free(b);
        return NULL;
    }
    mfcc_filterbank_bins(nfilt, nfft, samplerate, lowfreq, highfreq, b);
    for (int j = 0; j < nfilt; j++) {
        double *row = fb + (size_t)j * nb;
        for (int i = b[j]; i < b[j + 1]; i++)
            if (i >= 0 && i < nb) row[i] = (double)(i - b[j]) / (b[j + 1] - b[j]);
        for (int i = b[j + 1]; i < b[j + 2]; i++)
            if (i >= 0 && i < nb) row[i] = (double)(b[j + 2] - i) / (b[j + 2] - b[j + 1]);
    }
    free(b);
    return fb;
}

/* ---------------------------------------------------------------- MFCC */
struct mfcc_ctx {
    mfcc_config c;
    rfft_plan *fft;
    double *fb;         /* nfilt x nbins */
    int *fb_lo, *fb_hi; /* nonzero column range of each filter row */
    double *dct;        /* numcep x nfilt, ortho DCT-II rows, lifter folded in */
    double *frame, *re, *im, *pow, *logfb;
    double *pre; /* pre-emphasised signal, grown on demand */
    int pre_cap;
};

void mfcc_config_khacef(mfcc_config *c) {
    c->samplerate = 16000.0;
    c->frame_len = 800;
    c->frame_step = 400;
    c->nfft = 1024;
    c->nfilt = 26;
    c->numcep = 13;
    c->preemph = 0.97;
    c->ceplifter = 22;
    c->append_energy = 1;
    c->lowfreq = 0.0;
    c->highfreq = 0.0; /* samplerate/2 */
}

int mfcc_num_frames(int nsamples, int frame_len, int frame_step) {
    if (nsamples <= 0) return 0;
    if (nsamples <= frame_len) return 1;
    int extra = nsamples - frame_len;
    return 1 + (extra + frame_step - 1) / frame_step;
}

void mfcc_free(mfcc_ctx *m) {
    if (!m) return;
    rfft_free(m->fft);
    free(m->fb);
    free(m->fb_lo);
    free(m->fb_hi);
    free(m->dct);
    free(m->frame);
    free(m->re);
    free(m->im);
    free(m->pow);
    free(m->logfb);
    free(m->pre);
    free(m);
}

mfcc_ctx *mfcc_new(const mfcc_config *cfg, char *err, size_t errlen) {
    mfcc_config c = *cfg;
    if (c.highfreq <= 0) c.highfreq = c.samplerate / 2;
    const char *bad = NULL;
    if (!(c.samplerate > 0)) bad = "samplerate must be > 0";
    else if (c.frame_len < 1 || c.frame_step < 1) bad = "frame length and step must be >= 1";
    else if (c.nfft < 4 || !is_pow2(c.nfft)) bad = "nfft must be a power of two >= 4";
    else if (c.nfilt < 1 || c.numcep < 1 || c.numcep > c.nfilt) bad = "need 1 <= numcep <= nfilt";
    else if (c.ceplifter < 0) bad = "ceplifter must be >= 0";
    else if (!(c.lowfreq >= 0 && c.lowfreq < c.highfreq && c.highfreq <= c.samplerate / 2))
        bad = "need 0 <= lowfreq < highfreq <= samplerate/2";
    if (bad) {
        if (err && errlen) snprintf(err, errlen, "mfcc: %s", bad);
        return NULL;
    }
    mfcc_ctx *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->c = c;
    int nb = c.nfft / 2 + 1;
    m->fft = rfft_new(c.nfft);
    m->fb = mfcc_filterbank(c.nfilt, c.nfft, c.samplerate, c.lowfreq, c.highfreq);
    m->fb_lo = malloc(sizeof(int) * (size_t)c.nfilt);
    m->fb_hi = malloc(sizeof(int) * (size_t)c.nfilt);
    m->dct = malloc(sizeof(double) * (size_t)c.numcep * (size_t)c.nfilt);
    m->frame = calloc((size_t)c.nfft, sizeof(double));
    m->re = malloc(sizeof(double) * (size_t)nb);
    m->im = malloc(sizeof(double) * (size_t)nb);
    m->pow = malloc(sizeof(double) * (size_t)nb);
    m->logfb = malloc(sizeof(double) * (size_t)c.nfilt);
    if (!m->fft || !m->fb || !m->fb_lo || !m->fb_hi || !m->dct || !m->frame || !m->re || !m->im || !m->pow || !m->logfb)
        goto oom;
    for (int j = 0; j < c.nfilt; j++) {
        const double *row = m->fb + (size_t)j * nb;
        int lo = nb, hi = 0;
        for (int i = 0; i < nb; i++)
            if (row[i] != 0.0) {
                if (i < lo) lo = i;
                hi = i + 1;
            }
        m->fb_lo[j] = lo < hi ? lo : 0;
        m->fb_hi[j] = hi;
    }
    const int N = c.nfilt;
    for (int k = 0; k < c.numcep; k++) {
        double scale = k == 0 ? sqrt(1.0 / N) : sqrt(2.0 / N);
        double lift = c.ceplifter > 0 ? 1.0 + (c.ceplifter / 2.0) * sin(M_PI * k / c.ceplifter) : 1.0;
        for (int n = 0; n < N; n++)
            m->dct[(size_t)k * N + n] = lift * scale * cos(M_PI * k * (2.0 * n + 1.0) / (2.0 * N));
    }
    return m;
oom:
    mfcc_free(m);
    if (err && errlen) snprintf(err, errlen, "mfcc: out of memory");
    return NULL;
}

int mfcc_compute(mfcc_ctx *m, const double *signal, int n, double *out, double *energy) {
    const mfcc_config *c = &m->c;
    int nframes = mfcc_num_frames(n, c->frame_len, c->frame_step);
    if (nframes <= 0) return 0;
    if (n > m->pre_cap) {
        double *p = realloc(m->pre, sizeof(double) * (size_t)n);
        if (!p) return -1;
        m->pre = p;
        m->pre_cap = n;
    }
    double *pre = m->pre;
    pre[0] = signal[0];
    for (int i = 1; i < n; i++) pre[i] = signal[i] - c->preemph * signal[i - 1];

    const int nb = c->nfft / 2 + 1;
    const int take = c->frame_len < c->nfft ? c->frame_len : c->nfft;
    for (int f = 0; f < nframes; f++) {
        int start = f * c->frame_step;
        for (int i = 0; i < c->nfft; i++) m->frame[i] = 0.0;
        for (int i = 0; i < take && start + i < n; i++) m->frame[i] = pre[start + i];
        rfft_forward(m->fft, m->frame, m->re, m->im);
        double e = 0.0;
        for (int k = 0; k < nb; k++) {
            m->pow[k] = (m->re[k] * m->re[k] + m->im[k] * m->im[k]) / c->nfft;
            e += m->pow[k];
        }
        if (e == 0.0) e = DBL_EPSILON;
        if (energy) energy[f] = e;
        for (int j = 0; j < c->nfilt; j++) {
            const double *row = m->fb + (size_t)j * nb;
            double s = 0.0;
            for (int k = m->fb_lo[j]; k < m->fb_hi[j]; k++) s += m->pow[k] * row[k];
            if (s == 0.0) s = DBL_EPSILON;
            m->logfb[j] = log(s);
        }
        double *o = out + (size_t)f * c->numcep;
        for (int k = 0; k < c->numcep; k++) {
            const double *d = m->dct + (size_t)k * c->nfilt;
            double s = 0.0;
            for (int j = 0; j < c->nfilt; j++) s += d[j] * m->logfb[j];
            o[k] = s;
        }
        if (c->append_energy) o[0] = log(e);
    }
    return nframes;
}
