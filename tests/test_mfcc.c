/* test_mfcc.c - the S-MNIST stand-in's FFT and MFCC (datasets/smnist/mfcc.c), plain C:
 *   - the radix-2 real FFT against a naive long-double DFT on random input (several sizes);
 *   - mel scale values and the psf filterbank bin edges for 26 filters / nfft 1024 / 16 kHz;
 *   - frame counts (39 for 16000 samples at 800/400);
 *   - known properties: zero signal (energy and filterbank zeros -> DBL_EPSILON, so
 *     c0 = log(eps) and c1..c12 = 0), the energy coefficient equals the log of the one-sided
 *     power sum (Parseval relation to the frame's sum of squares), the lifter factors, a sine
 *     peaks in the filter that covers its frequency, determinism;
 *   - a synthetic signal against python_speech_features values (computed with numpy from a
 *     transcription of psf 0.6's mfcc()).
 * Needs only libm; failures print file:line and the values and exit 1. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../datasets/smnist/mfcc.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static uint64_t rng_state = 0x12345678abcdefull;
static double urand(void) { /* [-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1.0p-52 - 1.0;
}

static void naive_dft(const double *x, int n, long double *re, long double *im) {
    for (int k = 0; k <= n / 2; k++) {
        long double sr = 0, si = 0;
        for (int t = 0; t < n; t++) {
            long double ang =
                -2.0L * 3.141592653589793238462643383279502884L * (long double)(((long long)k * t) % n) / n;
            sr += x[t] * cosl(ang);
            si += x[t] * sinl(ang);
        }
        re[k] = sr;
        im[k] = si;
    }
}

static void test_fft(void) {
    static const int sizes[] = {4, 8, 16, 64, 256, 1024};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        double *x = malloc(sizeof(double) * n), *re = malloc(sizeof(double) * (n / 2 + 1)),
               *im = malloc(sizeof(double) * (n / 2 + 1));
        long double *rr = malloc(sizeof(long double) * (n / 2 + 1)), *ri = malloc(sizeof(long double) * (n / 2 + 1));
        for (int rep = 0; rep < 3; rep++) {
            for (int t = 0; t < n; t++) x[t] = rep == 2 ? 30000.0 * urand() : urand();
            rfft_plan *p = rfft_new(n);
            CHECKF(p != NULL, "rfft_new(%d)", n);
            if (!p) continue;
            rfft_forward(p, x, re, im);
            rfft_free(p);
            naive_dft(x, n, rr, ri);
            double maxref = 0, maxerr = 0;
            for (int k = 0; k <= n / 2; k++) {
                double m = sqrt((double)(rr[k] * rr[k] + ri[k] * ri[k]));
                if (m > maxref) maxref = m;
                double e = fmax(fabs(re[k] - (double)rr[k]), fabs(im[k] - (double)ri[k]));
                if (e > maxerr) maxerr = e;
            }
            /* required < 1e-4 relative; double precision gives ~1e-15 */
            CHECKF(maxerr <= 1e-4 * maxref, "n=%d rep %d: max abs err %g vs max |X| %g", n, rep, maxerr, maxref);
            CHECKF(maxerr <= 1e-10 * maxref,
                   "n=%d rep %d: max abs err %g vs max |X| %g (double"
                   " precision expected)",
                   n, rep, maxerr, maxref);
            /* DC and Nyquist bins are real */
            CHECK_NEAR(im[0], 0.0, 1e-12 * maxref);
            CHECK_NEAR(im[n / 2], 0.0, 1e-12 * maxref);
        }
        free(x);
        free(re);
        free(im);
        free(rr);
        free(ri);
    }
    CHECKF(rfft_new(0) == NULL, "n = 0 accepted");
    CHECKF(rfft_new(2) == NULL, "n = 2 accepted");
    CHECKF(rfft_new(1000) == NULL, "n = 1000 (not a power of two) accepted");
}

static void test_mel(void) {
    /* mel(f) = 2595 log10(1 + f/700) by hand: mel(0) = 0, mel(700) = 2595 log10 2 = 781.1728,
     * mel(1000) = 2595 log10(17/7) = 999.9855, mel(8000) = 2595 log10(87/7) = 2840.0230 */
    CHECK_NEAR(mfcc_hz2mel(0), 0.0, 1e-12);
    CHECK_NEAR(mfcc_hz2mel(700), 781.17284, 1e-4);
    CHECK_NEAR(mfcc_hz2mel(1000), 999.98554, 1e-4);
    CHECK_NEAR(mfcc_hz2mel(8000), 2840.02305, 1e-4);
    for (double hz = 0; hz <= 8000; hz += 250) CHECK_NEAR(mfcc_mel2hz(mfcc_hz2mel(hz)), hz, 1e-8);

    /* psf bins: floor(1025 * mel2hz(j * 2840.023/27) / 16000), j = 0..27; e.g. j = 1:
     * mel 105.186 -> 69.06 Hz -> floor(4.42) = 4; j = 13: mel 1367.419 -> 1614.2 Hz ->
     * floor(103.4)... see the table (the same as numpy psf.get_filterbanks(26, 1024, 16000)) */
    static const int want[28] = {0,   4,   9,   14,  20,  26,  33,  41,  49,  59,  69,  80,  92,  106,
                                 120, 137, 154, 174, 195, 219, 245, 273, 304, 338, 376, 417, 462, 512};
    int bins[28];
    mfcc_filterbank_bins(26, 1024, 16000, 0, 8000, bins);
    for (int j = 0; j < 28; j++) CHECKF(bins[j] == want[j], "bin %d = %d, want %d", j, bins[j], want[j]);
    /* by hand: the bin of j = 1 is floor(1025 * 700 (10^(2840.02305/27/2595) - 1) / 16000) */
    double m1 = mfcc_hz2mel(8000) / 27;
    CHECKF(bins[1] == (int)floor(1025 * 700 * (pow(10, m1 / 2595) - 1) / 16000), "bin 1 = %d", bins[1]);

    double *fb = mfcc_filterbank(26, 1024, 16000, 0, 8000);
    CHECKF(fb != NULL, "filterbank");
    if (!fb) return;
    const int nb = 513;
    for (int j = 0; j < 26; j++) {
        const double *row = fb + (size_t)j * nb;
        int lo = want[j], c = want[j + 1], hi = want[j + 2];
        CHECK_NEAR(row[c], 1.0, 0);  /* peak 1 at the centre bin */
        CHECK_NEAR(row[lo], 0.0, 0); /* 0 at the lower edge */
        if (hi < nb) CHECK_NEAR(row[hi], 0.0, 0);
        for (int i = 0; i < nb; i++) {
            double w = 0;
            if (i >= lo && i < c) w = (double)(i - lo) / (c - lo);
            else if (i >= c && i < hi) w = (double)(hi - i) / (hi - c);
            CHECKF(row[i] == w, "filter %d bin %d = %g, want %g", j, i, row[i], w);
        }
    }
    /* the last filter's falling edge ends at bin 512 (8000 Hz) */
    CHECK_NEAR(fb[25 * nb + 500], (512.0 - 500) / (512 - 462), 1e-15);
    free(fb);
}

static void test_frames(void) {
    CHECKF(mfcc_num_frames(16000, 800, 400) == 39, "%d", mfcc_num_frames(16000, 800, 400));
    CHECKF(mfcc_num_frames(800, 800, 400) == 1, "%d", mfcc_num_frames(800, 800, 400));
    CHECKF(mfcc_num_frames(100, 800, 400) == 1, "%d", mfcc_num_frames(100, 800, 400));
    CHECKF(mfcc_num_frames(801, 800, 400) == 2, "%d", mfcc_num_frames(801, 800, 400));
    CHECKF(mfcc_num_frames(1200, 800, 400) == 2, "%d", mfcc_num_frames(1200, 800, 400));
    CHECKF(mfcc_num_frames(1201, 800, 400) == 3, "%d", mfcc_num_frames(1201, 800, 400));
    CHECKF(mfcc_num_frames(0, 800, 400) == 0, "%d", mfcc_num_frames(0, 800, 400));
    mfcc_config c;
    mfcc_config_khacef(&c);
    CHECKF(c.frame_len == 800 && c.frame_step == 400 && c.nfft == 1024 && c.nfilt == 26 && c.numcep == 13 &&
               c.ceplifter == 22 && c.preemph == 0.97 && c.append_energy,
           "khacef config");
}

/* psf energy of one frame of the pre-emphasised signal: sum_{k<=n/2} |X_k|^2 / n, which by
 * Parseval is (sum x^2)/2 + (X_0^2 + X_{n/2}^2) / (2n). */
static double parseval_energy(const double *pre, int start, int len, int sig_n, int nfft) {
    double ss = 0, x0 = 0, xn = 0;
    for (int i = 0; i < len && start + i < sig_n; i++) {
        double v = pre[start + i];
        ss += v * v;
        x0 += v;
        xn += (i % 2 ? -v : v);
    }
    return ss / 2 + (x0 * x0 + xn * xn) / (2.0 * nfft);
}

static void test_properties(void) {
    mfcc_config c;
    mfcc_config_khacef(&c);
    char err[200];
    mfcc_ctx *m = mfcc_new(&c, err, sizeof err);
    CHECKF(m != NULL, "%s", err);
    if (!m) return;
    enum { N = 16000, F = 39, K = 13 };
    static double x[N], pre[N], out[F * K], out2[F * K], en[F];

    /* zero signal: log(eps) energy, constant log(eps) filterbank -> c1..c12 = 0 */
    memset(x, 0, sizeof x);
    CHECKF(mfcc_compute(m, x, N, out, en) == F, "frames");
    for (int f = 0; f < F; f++) {
        CHECK_NEAR(en[f], DBL_EPSILON, 0);
        CHECK_NEAR(out[f * K], log(DBL_EPSILON), 1e-12); /* -36.0436533891 */
        for (int k = 1; k < K; k++) CHECK_NEAR(out[f * K + k], 0.0, 1e-9);
    }
    CHECK_NEAR(out[0], -36.04365338911715, 1e-9);

    /* constant signal: after pre-emphasis x[0] = A, then (1 - 0.97) A */
    for (int i = 0; i < N; i++) x[i] = 1000.0;
    CHECKF(mfcc_compute(m, x, N, out, en) == F, "frames");
    pre[0] = 1000.0;
    for (int i = 1; i < N; i++) pre[i] = 1000.0 - 0.97 * 1000.0;
    for (int f = 0; f < F; f++) {
        double e = parseval_energy(pre, f * 400, 800, N, 1024);
        CHECK_NEAR(en[f], e, 1e-9 * e);
        CHECK_NEAR(out[f * K], log(e), 1e-9);
    }
    /* frame 1 on is 800 samples of 30: energy = 800*900/2 + (24000^2 + 0)/2048 */
    CHECK_NEAR(en[1], 800 * 900 / 2.0 + 24000.0 * 24000.0 / 2048.0, 1e-6);
    CHECK_NEAR(out[K], log(360000.0 + 281250.0), 1e-9);

    /* sine at 1200 Hz (bin 76.8): energy by Parseval, and the log filterbank (recovered by
     * inverting the orthonormal DCT with numcep = nfilt, no lifter, no energy) peaks in
     * filter 10, whose triangle 69..80..92 holds 76.8 at 0.71 (filter 9 holds it at 0.29) */
    for (int i = 0; i < N; i++) x[i] = 5000.0 * sin(2 * M_PI * 1200.0 * i / 16000.0);
    CHECKF(mfcc_compute(m, x, N, out, en) == F, "frames");
    pre[0] = x[0];
    for (int i = 1; i < N; i++) pre[i] = x[i] - 0.97 * x[i - 1];
    for (int f = 0; f < F; f++) {
        double e = parseval_energy(pre, f * 400, 800, N, 1024);
        CHECK_NEAR(en[f], e, 1e-9 * e);
        CHECK_NEAR(out[f * K], log(e), 1e-9);
    }
    /* determinism: the same input gives bit-identical output */
    CHECKF(mfcc_compute(m, x, N, out2, NULL) == F, "frames");
    CHECKF(memcmp(out, out2, sizeof out) == 0, "two runs differ");

    mfcc_config c2 = c;
    c2.numcep = 26;
    c2.ceplifter = 0;
    c2.append_energy = 0;
    mfcc_ctx *m2 = mfcc_new(&c2, err, sizeof err);
    CHECKF(m2 != NULL, "%s", err);
    if (m2) {
        static double cep[F * 26];
        CHECKF(mfcc_compute(m2, x, N, cep, NULL) == F, "frames");
        for (int f = 0; f < F; f += 7) {
            double logfb[26];
            int best = 0;
            for (int n = 0; n < 26; n++) { /* DCT-III = inverse of ortho DCT-II */
                double s = cep[f * 26] * sqrt(1.0 / 26);
                for (int k = 1; k < 26; k++) s += cep[f * 26 + k] * sqrt(2.0 / 26) * cos(M_PI * k * (2 * n + 1) / 52.0);
                logfb[n] = s;
                if (s > logfb[best]) best = n;
            }
            CHECKF(best == 10, "frame %d: 1200 Hz peaks in filter %d", f, best);
            CHECKF(logfb[10] > logfb[9] + 0.5, "frame %d: %g vs %g", f, logfb[10], logfb[9]);
        }
        /* lifter: with ceplifter 22, coefficient k (k >= 1) is scaled by 1 + 11 sin(pi k/22) */
        for (int f = 0; f < F; f += 13)
            for (int k = 1; k < K; k++) {
                double want = cep[f * 26 + k] * (1 + 11 * sin(M_PI * k / 22));
                CHECK_NEAR(out[f * K + k], want, 1e-9 * (1 + fabs(want)));
            }
        mfcc_free(m2);
    }

    /* python_speech_features.mfcc(x, 16000, 0.05, 0.025, 13, 26, 1024, preemph=0.97,
     * ceplifter=22, appendEnergy=True) of
     * x = 8000 sin(2 pi 440 t/16000) (t/16000) + 3000 sin(2 pi 2500 t/16000 + 0.3) */
    static const double ref[3][K] = {
        {21.1618180628, -13.7061259681, -30.1347793665, 32.5971782113, 2.40573970755, -42.3084671383, 9.33965043384,
         16.6558833962, -34.6039624891, 3.02652014755, 34.6831939227, -10.7736559906, -5.50276478328},
        {21.1694466925, -7.50024204864, -29.4185151766, 22.8396620588, -9.78525198155, -57.4686292691, -0.992309815919,
         12.7751824137, -29.2614980508, 15.0499357019, 49.1825435053, 0.995212997831, 1.1759930686},
        {21.3734535772, 2.90141332954, -9.2880987337, 25.4265805119, -22.2242920168, -72.2029964361, -11.3254336074,
         7.04703349628, -32.2891635856, 13.7816001958, 51.0853223841, 3.91044876089, 1.85951619134}};
    static const int ref_frame[3] = {0, 5, 38};
    for (int i = 0; i < N; i++)
        x[i] =
            8000 * sin(2 * M_PI * 440 * i / 16000.0) * (i / 16000.0) + 3000 * sin(2 * M_PI * 2500 * i / 16000.0 + 0.3);
    CHECKF(mfcc_compute(m, x, N, out, NULL) == F, "frames");
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < K; k++) CHECK_NEAR(out[ref_frame[r] * K + k], ref[r][k], 1e-8 * (1 + fabs(ref[r][k])));

    /* a signal shorter than one window: one zero-padded frame */
    CHECKF(mfcc_compute(m, x, 300, out, en) == 1, "short signal");
    pre[0] = x[0];
    for (int i = 1; i < 300; i++) pre[i] = x[i] - 0.97 * x[i - 1];
    CHECK_NEAR(en[0], parseval_energy(pre, 0, 800, 300, 1024), 1e-9 * en[0]);
    mfcc_free(m);

    /* bad configs are refused with a message */
    mfcc_config b = c;
    b.nfft = 1000;
    err[0] = 0;
    CHECKF(mfcc_new(&b, err, sizeof err) == NULL && strstr(err, "nfft"), "nfft 1000: '%s'", err);
    b = c;
    b.numcep = 30;
    CHECKF(mfcc_new(&b, err, sizeof err) == NULL, "numcep > nfilt accepted");
}

int main(void) {
    test_fft();
    test_mel();
    test_frames();
    test_properties();
    return check_finish("test_mfcc");
}
