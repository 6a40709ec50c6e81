/* video.c - the middle frame of a video file as RGB (libavformat, libavcodec, libswscale); see
 * video.h. */
#define _POSIX_C_SOURCE 200809L
#include "data/video.h"
#include "data/errfmt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

/* Packets must cover this share of the declared duration, or the file is taken as truncated. */
#define COVER_MIN 0.8

/* libav* print their own diagnostics on stderr; the caller gets ours, once per file. */
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet_libav(void) { av_log_set_level(AV_LOG_QUIET); }

static const char *av_err(int code, char *buf, size_t n) {
    av_strerror(code, buf, n);
    return buf;
}

/* A missing, empty or git-lfs pointer file: ML_EDATA with the reason, else ML_OK. */
static ml_status check_file(const char *path, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        seterr(err, errlen, "%s: expected a video file, found no regular file", path);
        return ML_EDATA;
    }
    if (st.st_size == 0) {
        seterr(err, errlen, "%s: expected a video file, found an empty file (0 bytes)", path);
        return ML_EDATA;
    }
    if (is_lfs_pointer(path)) {
        seterr(err, errlen,
               "%s: expected video, found a git-lfs pointer file (%lld bytes of text); the clone was "
               "made without its large files: run `git lfs pull` in it",
               path, (long long)st.st_size);
        return ML_EDATA;
    }
    return ML_OK;
}

/* Opens PATH and finds its best video stream (*stream). */
static ml_status open_video(const char *path, AVFormatContext **fmt, int *stream, char *err, size_t errlen) {
    char why[256];
    *fmt = NULL;
    int rc = avformat_open_input(fmt, path, NULL, NULL);
    if (rc < 0) {
        seterr(err, errlen, "%s: expected a video container libavformat reads, found none: %s", path,
               av_err(rc, why, sizeof why));
        return ML_EDATA;
    }
    rc = avformat_find_stream_info(*fmt, NULL);
    if (rc >= 0) rc = av_find_best_stream(*fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (rc < 0) {
        seterr(err, errlen, "%s: expected a video stream, found none (%s, %u streams): %s", path, (*fmt)->iformat->name,
               (*fmt)->nb_streams, av_err(rc, why, sizeof why));
        avformat_close_input(fmt);
        return ML_EDATA;
    }
    *stream = rc;
    return ML_OK;
}

/* Demuxes the whole file: counts the video packets and checks that they reach its end. */
static ml_status count_packets(const char *path, AVFormatContext *fmt, int stream, int64_t *count, char *err,
                               size_t errlen) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) {
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    const AVStream *vs = fmt->streams[stream];
    int64_t n = 0, end = AV_NOPTS_VALUE;
    int rc, corrupt = 0;
    while ((rc = av_read_frame(fmt, pkt)) >= 0) {
        if (pkt->stream_index == stream) {
            n++;
            if (pkt->flags & AV_PKT_FLAG_CORRUPT) corrupt = 1;
            if (pkt->pts != AV_NOPTS_VALUE && (end == AV_NOPTS_VALUE || pkt->pts + pkt->duration > end))
                end = pkt->pts + pkt->duration;
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    char why[256];
    if ((rc != AVERROR_EOF && rc < 0) || corrupt) {
        seterr(err, errlen, "%s: expected a complete video, found a truncated or damaged file after %lld packets: %s",
               path, (long long)n, corrupt ? "corrupt packet" : av_err(rc, why, sizeof why));
        return ML_EDATA;
    }
    if (n == 0) {
        seterr(err, errlen, "%s: expected at least one video frame, found no video packets", path);
        return ML_EDATA;
    }
    if (fmt->duration > 0 && end != AV_NOPTS_VALUE) {
        double have = (double)end * av_q2d(vs->time_base), want = (double)fmt->duration / AV_TIME_BASE;
        if (have < COVER_MIN * want) {
            seterr(err, errlen,
                   "%s: expected video packets over the %.2f s the header declares, found %.2f s "
                   "(truncated file)",
                   path, want, have);
            return ML_EDATA;
        }
    }
    *count = n;
    return ML_OK;
}

/* Frame -> RGB24 side x side -> channel-first out. */
static ml_status to_rgb(const char *path, const AVFrame *fr, int side, uint8_t *out, char *err, size_t errlen) {
    struct SwsContext *sws =
        sws_getContext(fr->width, fr->height, fr->format, side, side, AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
    uint8_t *rgb = av_malloc((size_t)3 * side * side);
    if (!sws || !rgb) {
        sws_freeContext(sws);
        av_free(rgb);
        seterr(err, errlen, "%s: cannot convert a %dx%d frame (pixel format %d) to RGB", path, fr->width, fr->height,
               fr->format);
        return ML_EDATA;
    }
    uint8_t *dst[4] = {rgb, NULL, NULL, NULL};
    int stride[4] = {3 * side, 0, 0, 0};
    sws_scale(sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst, stride);
    size_t plane = (size_t)side * side;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) out[c * plane + p] = rgb[3 * p + c];
    sws_freeContext(sws);
    av_free(rgb);
    return ML_OK;
}

typedef struct {
    const char *path;
    AVCodecContext *dec;
    AVFrame *frame;
    int64_t seen, want;
    int side, done;
    uint8_t *out;
} decode_state;

/* Receives every frame the decoder has ready; converts the wanted one. */
static ml_status drain(decode_state *D, char *err, size_t errlen) {
    char why[256];
    for (;;) {
        int rc = avcodec_receive_frame(D->dec, D->frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return ML_OK;
        if (rc < 0) {
            seterr(err, errlen, "%s: expected decodable video, found a decoding error after %lld frames: %s", D->path,
                   (long long)D->seen, av_err(rc, why, sizeof why));
            return ML_EDATA;
        }
        ml_status st = ML_OK;
        if (D->seen == D->want && !D->done) {
            st = to_rgb(D->path, D->frame, D->side, D->out, err, errlen);
            D->done = 1;
        }
        D->seen++;
        av_frame_unref(D->frame);
        if (st != ML_OK) return st;
    }
}

/* Decodes the stream from the start until frame D->want has been converted. */
static ml_status decode_to(AVFormatContext *fmt, int stream, decode_state *D, char *err, size_t errlen) {
    AVPacket *pkt = av_packet_alloc();
    ml_status st = ML_OK;
    char why[256];
    if (!pkt) {
        seterr(err, errlen, "%s: out of memory", D->path);
        return ML_ERUNTIME;
    }
    while (st == ML_OK && !D->done && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == stream) {
            int rc = avcodec_send_packet(D->dec, pkt);
            if (rc < 0 && rc != AVERROR(EAGAIN)) {
                seterr(err, errlen, "%s: expected decodable video, found a packet the %s decoder rejects: %s", D->path,
                       D->dec->codec->name, av_err(rc, why, sizeof why));
                st = ML_EDATA;
            }
            if (st == ML_OK) st = drain(D, err, errlen);
        }
        av_packet_unref(pkt);
    }
    if (st == ML_OK && !D->done) {
        avcodec_send_packet(D->dec, NULL);
        st = drain(D, err, errlen);
    }
    av_packet_free(&pkt);
    if (st == ML_OK && !D->done) {
        seterr(err, errlen, "%s: expected frame %lld (the middle one), found %lld decodable frames", D->path,
               (long long)D->want, (long long)D->seen);
        st = ML_EDATA;
    }
    return st;
}

/* Opens the stream's decoder: one thread (the caller runs files in parallel), errors fatal. */
static ml_status open_decoder(const char *path, const AVStream *vs, AVCodecContext **dec, char *err, size_t errlen) {
    const AVCodec *codec = avcodec_find_decoder(vs->codecpar->codec_id);
    if (!codec) {
        seterr(err, errlen, "%s: expected a video codec FFmpeg decodes, found codec id %d", path,
               (int)vs->codecpar->codec_id);
        return ML_EDATA;
    }
    *dec = avcodec_alloc_context3(codec);
    if (!*dec) {
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    (*dec)->thread_count = 1;
    (*dec)->err_recognition |= AV_EF_EXPLODE;
    char why[256];
    int rc = avcodec_parameters_to_context(*dec, vs->codecpar);
    if (rc >= 0) rc = avcodec_open2(*dec, codec, NULL);
    if (rc < 0) {
        seterr(err, errlen, "%s: cannot open the %s decoder: %s", path, codec->name, av_err(rc, why, sizeof why));
        avcodec_free_context(dec);
        return ML_EDATA;
    }
    return ML_OK;
}

ml_status video_middle_frame(const char *path, int side, uint8_t *out, video_info *info, char *err, size_t errlen) {
    pthread_once(&quiet_once, quiet_libav);
    ml_status st = check_file(path, err, errlen);
    AVFormatContext *fmt = NULL;
    int stream = -1;
    int64_t packets = 0;
    if (st == ML_OK) st = open_video(path, &fmt, &stream, err, errlen);
    if (st == ML_OK) st = count_packets(path, fmt, stream, &packets, err, errlen);
    avformat_close_input(&fmt);
    /* Reopened rather than seeked: a seek in an FLV without an index lands on a keyframe near
     * the target, not at the first packet. */
    if (st == ML_OK) st = open_video(path, &fmt, &stream, err, errlen);
    decode_state D = {.path = path, .want = packets / 2, .side = side, .out = out};
    if (st == ML_OK) st = open_decoder(path, fmt->streams[stream], &D.dec, err, errlen);
    if (st == ML_OK && !(D.frame = av_frame_alloc())) {
        seterr(err, errlen, "%s: out of memory", path);
        st = ML_ERUNTIME;
    }
    if (st == ML_OK) st = decode_to(fmt, stream, &D, err, errlen);
    if (st == ML_OK && info) {
        const AVStream *vs = fmt->streams[stream];
        snprintf(info->codec, sizeof info->codec, "%s", D.dec->codec->name);
        info->width = vs->codecpar->width;
        info->height = vs->codecpar->height;
        info->fps = vs->avg_frame_rate.den ? av_q2d(vs->avg_frame_rate) : 0.0;
        info->packets = packets;
        info->index = D.want;
    }
    av_frame_free(&D.frame);
    avcodec_free_context(&D.dec);
    avformat_close_input(&fmt);
    return st;
}

int video_available(void) { return 1; }
