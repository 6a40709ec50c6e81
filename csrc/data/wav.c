/* wav.c - audio files to mono float samples at one rate (libsndfile + libsamplerate); see wav.h. */
#define _POSIX_C_SOURCE 200809L
#include "data/wav.h"
#include "data/errfmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <samplerate.h>
#include <sndfile.h>

/* Input frames read past what the output needs, so that the sinc filter of the resampler sees
 * real signal (not the flush zeros) around every kept output sample. SINC_MEDIUM's filter spans
 * far fewer input samples than this at any ratio miles meets (8 to 48 kHz). */
#define RESAMPLE_MARGIN 2048

/* Says why PATH, which libsndfile refused or found empty, is not audio. */
static ml_status not_audio(const char *path, const char *sf_msg, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0) {
        seterr(err, errlen, "%s: expected an audio file, found nothing (%s)", path, strerror(errno));
        return ML_EDATA;
    }
    if (!S_ISREG(st.st_mode)) {
        seterr(err, errlen, "%s: expected an audio file, found a directory or special file", path);
        return ML_EDATA;
    }
    if (st.st_size == 0) {
        seterr(err, errlen, "%s: expected an audio file, found an empty file (0 bytes)", path);
        return ML_EDATA;
    }
    if (is_lfs_pointer(path)) {
        seterr(err, errlen,
               "%s: expected audio, found a git-lfs pointer file (%lld bytes of text); the "
               "clone was made without its large files: run `git lfs pull` in it",
               path, (long long)st.st_size);
        return ML_EDATA;
    }
    seterr(err, errlen,
           "%s: expected an audio file libsndfile reads (WAV, FLAC, ...), found %lld "
           "bytes it cannot read: %s",
           path, (long long)st.st_size, sf_msg);
    return ML_EDATA;
}

/* Opens PATH for reading; *info filled. NULL with the reason in err. */
static SNDFILE *open_audio(const char *path, SF_INFO *info, ml_status *st, char *err, size_t errlen) {
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) {
        *st = not_audio(path, sf_strerror(NULL), err, errlen);
        return NULL;
    }
    if (info->frames <= 0 || info->channels < 1 || info->samplerate < 1) {
        seterr(err, errlen,
               "%s: expected at least one audio frame, found %lld frames (%d channels, "
               "%d Hz)",
               path, (long long)info->frames, info->channels, info->samplerate);
        sf_close(sf);
        *st = ML_EDATA;
        return NULL;
    }
    *st = ML_OK;
    return sf;
}

ml_status wav_probe(const char *path, char *err, size_t errlen) {
    SF_INFO info;
    ml_status st;
    SNDFILE *sf = open_audio(path, &info, &st, err, errlen);
    if (sf) sf_close(sf);
    return st;
}

static uint32_t le32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

ml_status wav_check_complete(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    unsigned char h[12];
    if (!f) return ML_OK; /* wav_read_mono says what is missing */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
        fclose(f);
        return ML_OK;
    }
    long long at = 12, size = (long long)st.st_size;
    ml_status rc = ML_OK;
    for (;;) {
        unsigned char c[8];
        if (fseek(f, (long)at, SEEK_SET) != 0 || fread(c, 1, 8, f) != 8) {
            seterr(err, errlen, "%s: expected a data chunk, found the file ending after %lld bytes (truncated WAV)",
                   path, size);
            rc = ML_EDATA;
            break;
        }
        uint32_t n = le32(c + 4);
        if (!memcmp(c, "data", 4)) {
            if (n != 0 && n != 0xFFFFFFFFu && at + 8 + (long long)n > size) {
                seterr(err, errlen,
                       "%s: expected the %lu bytes of samples its header declares, found %lld (truncated WAV)", path,
                       (unsigned long)n, size - at - 8);
                rc = ML_EDATA;
            }
            break;
        }
        at += 8 + (long long)n + (n & 1);
    }
    fclose(f);
    return rc;
}

/* Reads up to `want` frames of SF as mono (channel mean) into a malloc'd buffer. */
static ml_status read_mono(SNDFILE *sf, const SF_INFO *info, const char *path, sf_count_t want, float **out,
                           sf_count_t *got, char *err, size_t errlen) {
    int ch = info->channels;
    float *inter = malloc(sizeof(float) * (size_t)want * (size_t)ch);
    float *mono = malloc(sizeof(float) * (size_t)(want ? want : 1));
    if (!inter || !mono) {
        free(inter);
        free(mono);
        seterr(err, errlen, "%s: out of memory for %lld frames", path, (long long)want);
        return ML_ERUNTIME;
    }
    sf_count_t n = sf_readf_float(sf, inter, want);
    if (n <= 0) {
        free(inter);
        free(mono);
        seterr(err, errlen,
               "%s: expected %lld audio frames as its header says, found none "
               "readable (truncated file?): %s",
               path, (long long)want, sf_strerror(sf));
        return ML_EDATA;
    }
    for (sf_count_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int c = 0; c < ch; c++) s += inter[i * ch + c];
        mono[i] = (float)(s / ch);
    }
    free(inter);
    *out = mono;
    *got = n;
    return ML_OK;
}

/* Converts x[0..n) from rate `from` to `to` Hz; replaces *x and *n. */
static ml_status resample(const char *path, int from, int to, float **x, int64_t *n, char *err, size_t errlen) {
    double ratio = (double)to / (double)from;
    long out_cap = (long)ceil((double)*n * ratio) + 16;
    float *y = malloc(sizeof(float) * (size_t)out_cap);
    if (!y) {
        seterr(err, errlen, "%s: out of memory resampling %lld samples", path, (long long)*n);
        return ML_ERUNTIME;
    }
    SRC_DATA d = {.data_in = *x,
                  .data_out = y,
                  .input_frames = (long)*n,
                  .output_frames = out_cap,
                  .src_ratio = ratio,
                  .end_of_input = 1};
    int e = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1);
    if (e) {
        free(y);
        seterr(err, errlen, "%s: resampling %d Hz -> %d Hz failed: %s", path, from, to, src_strerror(e));
        return ML_ERUNTIME;
    }
    free(*x);
    *x = y;
    *n = d.output_frames_gen;
    return ML_OK;
}

ml_status wav_read_mono(const char *path, int rate, int64_t max_out, float **out, int64_t *n, char *err,
                        size_t errlen) {
    *out = NULL;
    *n = 0;
    SF_INFO info;
    ml_status st;
    SNDFILE *sf = open_audio(path, &info, &st, err, errlen);
    if (!sf) return st;
    sf_count_t want = info.frames;
    if (max_out > 0) {
        double need = ceil((double)max_out * info.samplerate / rate) + RESAMPLE_MARGIN;
        if (need < (double)want) want = (sf_count_t)need;
    }
    float *x = NULL;
    sf_count_t got = 0;
    st = read_mono(sf, &info, path, want, &x, &got, err, errlen);
    sf_close(sf);
    if (st != ML_OK) return st;
    int64_t len = got;
    if (info.samplerate != rate) {
        st = resample(path, info.samplerate, rate, &x, &len, err, errlen);
        if (st != ML_OK) {
            free(x);
            return st;
        }
    }
    if (max_out > 0 && len > max_out) len = max_out;
    *out = x;
    *n = len;
    return ML_OK;
}
